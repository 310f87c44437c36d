"""The primitive differentiable ops, one small ``Function`` subclass each."""

from tinygrad_edu.ops.comparison import (
    Comparison, IndexOfExtreme, Invert, LeftShift, RightShift, Truth,
)
from tinygrad_edu.ops.convolution import Conv2d, Conv2dInputGradient, Conv2dWeightGradient
from tinygrad_edu.ops.division import FloorDivide, Remainder
from tinygrad_edu.ops.elementwise import (
    Add,
    Cast,
    Clone,
    Cos,
    Exp,
    Log,
    Log1p,
    Mul,
    Neg,
    Pow,
    Sigmoid,
    Sin,
    Softplus,
    Sqrt,
    Tanh,
)
from tinygrad_edu.ops.fused import Linear, LinearParameterGradients, LogSoftmax, Softmax
from tinygrad_edu.ops.indexing import Gather, OneHot, Scatter, ScatterAdd
from tinygrad_edu.ops.loss import (
    BinaryCrossEntropy,
    BinaryCrossEntropyGradient,
    BinaryCrossEntropyWithLogits,
    CrossEntropy,
    CrossEntropyGradient,
    MinusOneHot,
)
from tinygrad_edu.ops.matmul import MatMul
from tinygrad_edu.ops.movement import (
    Cat,
    Expand,
    GetItem,
    IndexAdd,
    Pad,
    Permute,
    Reshape,
    SetItem,
    Split,
    Unbind,
    WriteView,
)
from tinygrad_edu.ops.normalization import Normalize
from tinygrad_edu.ops.average_pooling import (
    AdaptiveAvgPool2d,
    AdaptiveAvgPool2dGradient,
    AvgPool2d,
    AvgPool2dGradient,
)
from tinygrad_edu.ops.piecewise import Abs, Clamp, Maximum, Relu, ReluGradient, Sign, Where
from tinygrad_edu.ops.pooling import AdaptiveMaxPool2d, MaxPool2d, MaxPoolGradient
from tinygrad_edu.ops.random import DropoutMask
from tinygrad_edu.ops.reduce import LogSumExpShift, Max, MaxDim, Sum

__all__ = [
    "Abs", "Add", "BinaryCrossEntropy", "BinaryCrossEntropyGradient",
    "BinaryCrossEntropyWithLogits", "Cast", "Cat", "Clamp", "Clone", "Cos", "CrossEntropy",
    "CrossEntropyGradient", "Exp", "Expand",
    "Gather", "GetItem", "IndexAdd", "Linear", "LinearParameterGradients", "Log", "Log1p",
    "LogSoftmax", "MatMul", "Max",
    "MaxDim", "Maximum", "Mul", "Neg", "Pad", "Permute", "Pow", "Relu", "ReluGradient", "Reshape",
    "Normalize",
    "Scatter", "ScatterAdd", "SetItem", "Sigmoid", "Sign", "Sin", "Softmax", "Softplus", "Split",
    "Sqrt", "Sum", "Tanh", "Unbind", "Where", "WriteView",
    # pooling
    "AdaptiveAvgPool2d", "AdaptiveAvgPool2dGradient", "AdaptiveMaxPool2d", "AvgPool2d",
    "AvgPool2dGradient", "MaxPool2d", "MaxPoolGradient",
]
__all__ += ["Conv2d", "Conv2dInputGradient", "Conv2dWeightGradient"]
__all__ += ["DropoutMask", "MinusOneHot", "OneHot"]  # ops with no gradient
__all__ += ["Comparison", "IndexOfExtreme", "Invert", "LeftShift", "LogSumExpShift", "RightShift",
            "Truth"]  # no gradient
__all__ += ["FloorDivide", "Remainder"]
