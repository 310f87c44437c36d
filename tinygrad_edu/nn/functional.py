"""Stateless neural-network functions with torch's names: ``import tinygrad_edu.nn.functional
as F``. Activations, dropout and one_hot are here; the losses (which check their arguments and
raise errors that name the loss before calling the fused ops or composing Tensor ops) are in
``functional_cross_entropy.py`` and ``functional_losses.py``, convolution, pooling and
normalization in their own modules, and all of them are exported here."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import ops
from tinygrad_edu.capture_state import refuse_in_capture
from tinygrad_edu.creation import _DefaultGenerator
from tinygrad_edu.nn.conv_functional import conv1d, conv2d
from tinygrad_edu.functional import linear, log_softmax, softmax
from tinygrad_edu.nn.channel_dropout import dropout2d
from tinygrad_edu.nn.functional_arguments import require_floating
from tinygrad_edu.nn.functional_cross_entropy import cross_entropy, nll_loss
from tinygrad_edu.nn.functional_losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from tinygrad_edu.nn.functional_normalization import batch_norm, group_norm, layer_norm
from tinygrad_edu.nn.functional_pooling import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from tinygrad_edu.ops.random import DropoutMask
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.torch_names import missing_name

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "dropout",
    "huber_loss", "l1_loss", "linear", "log_softmax", "mse_loss", "nll_loss", "one_hot", "relu",
    "sigmoid", "smooth_l1_loss", "softmax", "softplus", "tanh",
    "batch_norm", "dropout2d", "group_norm", "layer_norm",
    # pooling (nn/functional_pooling.py)
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "max_pool1d", "max_pool2d",
]
__all__ += ["conv1d", "conv2d"]


def relu(input: Tensor) -> Tensor:
    """max(input, 0), elementwise.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.relu(tge.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    return input.relu()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-input)), elementwise.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.sigmoid(tge.tensor([0.0]))
        tensor([0.5000])
    """
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.tanh(tge.tensor([0.0]))
        tensor([0.])
    """
    return input.tanh()


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta · input)) / beta elementwise, a smooth relu; input where
    beta · input > threshold.

    Above the threshold torch takes the function to be linear, and so does this one (the two
    forms agree there to within rounding). Below it the value is computed without overflow for
    any input, and the gradient is sigmoid(beta · input) (1 in the linear region): one op,
    ``ops.Softplus``.

    Raises:
        TypeError: ``input`` is not a Tensor.
        NotImplementedError: an integer or bool ``input`` (torch's error; use ``.float()``).

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.softplus(tge.tensor([-1000.0, 0.0, 1000.0]))
        tensor([0.0000e+00, 6.9315e-01, 1.0000e+03])
        >>> F.softplus(tge.tensor([1.0, 30.0]), beta=2.0)
        tensor([ 1.0635, 30.0000])
    """
    require_floating(input, "softplus")
    return ops.Softplus.apply(input, beta=float(beta), threshold=float(threshold))


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            generator: np.random.Generator | None = None) -> Tensor:
    """Inverted dropout: zero each element with probability p, scale the rest by 1 / (1 - p).

    The scaling keeps the expected value of every element, so evaluation (``training=False``)
    is the identity and needs no rescaling.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> output = F.dropout(tge.ones(1000), p=0.5)
        >>> sorted(set(output.tolist()))
        [0.0, 2.0]
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    source = _DefaultGenerator.generator if generator is None else generator
    # The mask is drawn by an op, so that a captured step (tinygrad_edu.jit) draws anew.
    mask = DropoutMask.apply(shape=tuple(input.shape), p=p, dtype=input.dtype, generator=source)
    return input * mask


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """int64 one-hot rows: ``one_hot(labels, C)[..., c] = 1`` where ``labels == c``.

    Example:
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu.nn import functional as F
        >>> F.one_hot(tge.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    labels = tensor if isinstance(tensor, Tensor) else Tensor._wrap(np.asarray(tensor), False)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot is only applicable to index tensors, got dtype {labels.dtype}")
    if num_classes == -1:
        refuse_in_capture("one_hot(num_classes=-1)", "takes the number of classes from the "
                          "labels' values, which a replay would freeze; give num_classes")
        if labels._data.size and labels._data.min() < 0:
            raise ValueError("one_hot: class values must be non-negative")
        num_classes = int(labels._data.max()) + 1 if labels._data.size else 0
    return ops.OneHot.apply(labels, classes=num_classes)


def __getattr__(name: str) -> Any:
    """A name this module does not provide: an AttributeError that suggests the nearest one."""
    raise missing_name(__name__, name, list(globals().get("__all__", globals())))
