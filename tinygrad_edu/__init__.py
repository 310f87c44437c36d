"""tinygrad_edu: a readable NumPy autograd framework with PyTorch's semantics.

Example:
    >>> import tinygrad_edu as tge
    >>> x = tge.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x ** 2).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""

from tinygrad_edu import autograd, data, functional, nn, ops, optim
from tinygrad_edu.creation import (
    arange,
    eye,
    from_numpy,
    full,
    manual_seed,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from tinygrad_edu.dtypes import bool_, float16, float32, float64, int32, int64, uint8
from tinygrad_edu.functional import (
    cat,
    chunk,
    maximum,
    minimum,
    pad,
    split,
    stack,
    unbind,
    where,
)
from tinygrad_edu.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from tinygrad_edu.serialization import (
    from_torch_state_dict,
    load,
    save,
    to_torch_state_dict,
)
from tinygrad_edu.tensor import Tensor
from typing import Any
from tinygrad_edu.torch_names import missing_name

# torch spells the boolean dtype ``torch.bool``; the same name here, for code written for torch.
bool = bool_  # noqa: A001

__version__ = "0.1.0"

__all__ = [
    "Tensor", "arange", "autograd", "bool", "bool_", "cat", "chunk", "data", "enable_grad", "eye",
    "float16", "float32", "float64", "from_numpy", "from_torch_state_dict", "full", "functional",
    "int32", "int64", "is_grad_enabled", "load", "manual_seed", "maximum", "minimum", "nn",
    "no_grad", "ones", "ones_like", "ops", "optim", "pad", "rand", "randn", "save",
    "set_grad_enabled", "split", "stack", "tensor", "to_torch_state_dict", "uint8", "unbind",
    "where", "zeros", "zeros_like",
]


def __getattr__(name: str) -> Any:
    """A name this module does not provide: an AttributeError that suggests the nearest one."""
    raise missing_name(__name__, name, list(globals().get("__all__", globals())))
