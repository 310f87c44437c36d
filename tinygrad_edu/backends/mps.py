"""``torch.backends.mps``: Apple's GPU backend, which tinygrad_edu does not have."""

from __future__ import annotations


def is_available() -> bool:
    """False: tinygrad_edu has no MPS backend.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.backends.mps.is_available()
        False
    """
    return False


def is_built() -> bool:
    """False: tinygrad_edu was not built with MPS support.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.backends.mps.is_built()
        False
    """
    return False
