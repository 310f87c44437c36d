"""Optimisers and learning-rate schedulers with torch.optim's names, options and update rules.

Example:
    >>> import tinygrad_edu as tge
    >>> from tinygrad_edu import optim
    >>> w = tge.tensor([1.0, 2.0], requires_grad=True)
    >>> optimizer = optim.SGD([w], lr=0.5)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> optimizer.zero_grad()
    >>> w
    tensor([0., 0.], requires_grad=True)
"""

from tinygrad_edu.optim import lr_scheduler
from tinygrad_edu.optim.adadelta import Adadelta
from tinygrad_edu.optim.adagrad import Adagrad
from tinygrad_edu.optim.adam import Adam, AdamW
from tinygrad_edu.optim.optimizer import Optimizer
from tinygrad_edu.optim.rmsprop import RMSprop
from tinygrad_edu.optim.sgd import SGD
from typing import Any
from tinygrad_edu.torch_names import missing_name

__all__ = [
    "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler",
]


def __getattr__(name: str) -> Any:
    """A name this module does not provide: an AttributeError that suggests the nearest one."""
    raise missing_name(__name__, name, list(globals().get("__all__", globals())))
