"""Neural-network building blocks with torch's names: modules, layers, losses, ``functional``
and ``init``.

Example:
    >>> import tinygrad_edu as tge
    >>> from tinygrad_edu import nn
    >>> model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    >>> loss = nn.CrossEntropyLoss()(model(tge.ones(8, 784)), tge.zeros(8, dtype=tge.int64))
    >>> loss.backward()
    >>> model[0].weight.grad.shape
    Size([64, 784])
"""

from tinygrad_edu.nn import functional, init
from tinygrad_edu.nn.channel_dropout import Dropout2d
from tinygrad_edu.nn.containers import ModuleList, Sequential
from tinygrad_edu.nn.conv import Conv1d, Conv2d
from tinygrad_edu.nn.layers import (
    Dropout,
    Flatten,
    Identity,
    Linear,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from tinygrad_edu.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from tinygrad_edu.nn.module import IncompatibleKeys, Module
from tinygrad_edu.nn.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from tinygrad_edu.nn.parameter import Parameter
from tinygrad_edu.nn.pooling import (
    AdaptiveAvgPool2d,
    AdaptiveMaxPool2d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from typing import Any
from tinygrad_edu.torch_names import missing_name

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "HuberLoss",
    "Identity", "IncompatibleKeys", "L1Loss", "Linear", "LogSoftmax", "MSELoss", "Module",
    "ModuleList", "NLLLoss", "Parameter", "ReLU", "Sequential", "Sigmoid", "SmoothL1Loss",
    "Softmax", "Softplus", "Tanh", "functional", "init",
    "BatchNorm1d", "BatchNorm2d", "Dropout2d", "GroupNorm", "LayerNorm",
    # pooling
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "MaxPool1d", "MaxPool2d",
]
__all__ += ["Conv1d", "Conv2d"]


def __getattr__(name: str) -> Any:
    """A name this module does not provide: an AttributeError that suggests the nearest one."""
    raise missing_name(__name__, name, list(globals().get("__all__", globals())))
