"""Devices: where a tensor's memory lives. Here always the CPU (NumPy arrays).

torch code names devices everywhere (``x.to(device)``, ``zeros(3, device="cpu")``,
``model.to(device)``); tinygrad_edu accepts those spellings so such code runs unchanged, and
answers "no" to every question about accelerators (``cuda.is_available()`` is False), so a
script that picks its device with the usual idiom picks the CPU. Naming a device other than the
CPU for a tensor raises a RuntimeError that says so: there is no GPU backend yet.
"""

from __future__ import annotations

from typing import Any

# The device types torch knows; a string naming another one is an error, as in torch.
KNOWN_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
    "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)


class device:  # noqa: N801 - torch's name, so ``torch.device("cpu")`` code runs unchanged
    """A device: its ``type`` ("cpu", "cuda"...) and optional ``index`` (torch.device).

    A device object can name any device torch knows, as in torch; only tensors refuse to go
    anywhere but the CPU. Like torch, a device equals another device with the same type and
    index, and never a string: ``device("cpu") == "cpu"`` is False (compare ``.type``).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.device("cpu"), str(tge.device("cpu", 0)), tge.device("cuda:1").index
        (device(type='cpu'), 'cpu:0', 1)
        >>> tge.device("cpu").type == "cpu"
        True
    """

    __slots__ = ("type", "index")

    type: str
    index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002 - torch's name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(
                f"device: expected a device name such as 'cpu' (got {type!r}); a bare index "
                "names an accelerator, and tinygrad_edu has none"
            )
        name, _, index_text = type.partition(":")
        if index_text:
            if index is not None:
                raise RuntimeError(f"device: type {type!r} has an index already; do not pass "
                                   "another one")
            if not index_text.isdigit():
                raise RuntimeError(f"Invalid device string: {type!r}")
            index = int(index_text)
        if name not in KNOWN_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(KNOWN_TYPES)} device type at start of device "
                f"string: {type}"
            )
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative (got {index})")
        self.type = name
        self.index = index

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return False
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def check_device(value: Any, where: str) -> device:
    """``value`` (a device, a string, or None) as the CPU device; any other device raises.

    Example:
        >>> check_device("cpu", "zeros"), check_device(None, "zeros")
        (device(type='cpu'), device(type='cpu'))
    """
    if value is None:
        return CPU
    if isinstance(value, int) and not isinstance(value, bool):
        raise RuntimeError(f"{where}: device index {value} names an accelerator; tinygrad_edu "
                           "has no GPU backend yet, use device='cpu'")
    named = device(value)
    if named.type != "cpu":
        raise RuntimeError(
            f"{where}: device {str(named)!r} is not available: tinygrad_edu has no GPU backend "
            "yet (tensors are NumPy arrays on the CPU); use device='cpu'"
        )
    return CPU


def is_device(value: Any) -> bool:
    """Whether ``value`` names a device (a device object or a string), rather than a dtype."""
    return isinstance(value, (device, str))


def set_default_device(device: Any) -> None:
    """Set the device new tensors are made on: only the CPU exists here (torch's function).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.set_default_device("cpu")
    """
    check_device(device, "set_default_device")


def get_default_device() -> device:
    """The device new tensors are made on: always the CPU.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.get_default_device()
        device(type='cpu')
    """
    return CPU
