"""tinygrad_edu: a readable NumPy autograd framework with PyTorch's semantics.

Example:
    >>> import tinygrad_edu as tge
    >>> x = tge.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x ** 2).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""

from tinygrad_edu import autograd, data, functional, nn, ops, optim, utils
from tinygrad_edu.creation import (
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    manual_seed,
    ones,
    ones_like,
    linspace,
    normal,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
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
from tinygrad_edu.nn.conv_functional import conv1d, conv2d
from tinygrad_edu.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from tinygrad_edu.serialization import (
    from_torch_state_dict,
    load,
    save,
    to_torch_state_dict,
)
from tinygrad_edu.size import Size
from tinygrad_edu.capture import NotCapturableError, jit
from tinygrad_edu.tensor import Tensor
from typing import Any
from tinygrad_edu.torch_names import missing_name

# torch's device API, for scripts that choose and name devices (only the CPU exists here).
from tinygrad_edu import accelerator, backends, cuda
from tinygrad_edu.devices import device, get_default_device, set_default_device

# Tensor methods as functions of the package (``tinygrad_edu.exp(x)``), as in torch.
from tinygrad_edu.free_functions import (
    abs,
    add,
    argmax,
    argmin,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    clamp,
    cos,
    div,
    exp,
    flatten,
    floor_divide,
    gather,
    log,
    log1p,
    matmul,
    max,
    mean,
    min,
    mm,
    mul,
    pow,
    relu,
    remainder,
    reshape,
    scatter,
    scatter_add,
    sigmoid,
    sin,
    sqrt,
    squeeze,
    sub,
    sum,
    tanh,
    transpose,
    unsqueeze,
)

# torch's legacy tensor types (``torch.FloatTensor([1, 2])``) and the remaining integer dtypes.
from tinygrad_edu.dtypes import int8, int16
from tinygrad_edu.legacy import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)

# torch spells the boolean dtype ``torch.bool``; the same name here, for code written for torch.
bool = bool_  # noqa: A001

# torch's short dtype names (``torch.float`` is float32, ``torch.long`` int64...). Like ``bool``
# above, ``float`` and ``int`` hide the built-ins only where they are read from this package.
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

__version__ = "0.1.0"

__all__ = [
    "Size", "Tensor", "arange", "autograd", "bool", "bool_", "cat", "chunk", "data",
    "enable_grad", "eye",
    "float16", "float32", "float64", "from_numpy", "from_torch_state_dict", "full", "functional",
    "int32", "int64", "is_grad_enabled", "load", "manual_seed", "maximum", "minimum", "nn",
    "no_grad", "ones", "ones_like", "ops", "optim", "pad", "rand", "randn", "save",
    "set_grad_enabled", "split", "stack", "tensor", "to_torch_state_dict", "uint8", "unbind",
    "utils", "where", "zeros", "zeros_like",
]

# torch's device API and the creation functions that come with it.
__all__ += [
    "accelerator", "backends", "cuda", "device", "empty", "empty_like", "full_like",
    "get_default_device", "rand_like", "randn_like", "set_default_device",
]

# torch's short dtype names and legacy tensor types.
__all__ += [
    "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor",
    "IntTensor", "LongTensor", "ShortTensor", "double", "float", "half", "int", "int8", "int16",
    "long", "short",
]

# Tensor methods as functions, and the creation functions that came with them.
__all__ += [
    "abs", "add", "argmax", "argmin", "clamp", "cos", "div", "exp", "mul", "sub",
    "flatten", "gather", "linspace", "log", "log1p",
    "matmul", "max", "mean", "min", "mm", "normal", "pow", "randint", "relu", "reshape",
    "scatter", "scatter_add", "sigmoid", "sin", "sqrt", "squeeze", "sum", "tanh", "transpose",
    "unsqueeze",
    "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "floor_divide", "remainder",
]

# torch's convolutions as functions of the package (torch.conv2d is torch.nn.functional.conv2d).
__all__ += ["conv1d", "conv2d"]

# Capture and replay of a training step (tinygrad_edu/capture.py; not torch.jit, see its docs).
__all__ += ["NotCapturableError", "jit"]


def __getattr__(name: str) -> Any:
    """A name this module does not provide: an AttributeError that suggests the nearest one."""
    raise missing_name(__name__, name, list(globals().get("__all__", globals())))
