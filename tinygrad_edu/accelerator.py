"""``torch.accelerator``'s questions, answered for a library that runs on the CPU only.

The tutorial idiom ``accelerator.current_accelerator().type if accelerator.is_available() else
"cpu"`` picks "cpu" here, as it does with torch on a machine without an accelerator.
"""

from __future__ import annotations

from tinygrad_edu.devices import device


def is_available() -> bool:
    """False: no accelerator (GPU) backend exists in tinygrad_edu.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.accelerator.is_available()
        False
    """
    return False


def current_accelerator() -> device | None:
    """None: there is no accelerator (torch answers the same on a CPU-only machine).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.accelerator.current_accelerator() is None
        True
    """
    return None


def device_count() -> int:
    """0: no accelerator device can be used.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.accelerator.device_count()
        0
    """
    return 0
