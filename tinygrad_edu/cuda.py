"""``torch.cuda``'s questions, answered for a library without a GPU backend: none is available.

Scripts ask ``cuda.is_available()`` to choose their device, and seed every generator with
``cuda.manual_seed_all``; both run here, so such a script runs on the CPU unchanged.
"""

from __future__ import annotations


def is_available() -> bool:
    """False: tinygrad_edu has no CUDA backend.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.cuda.is_available()
        False
    """
    return False


def device_count() -> int:
    """0: no CUDA device can be used.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.cuda.device_count()
        0
    """
    return 0


def manual_seed(seed: int) -> None:
    """Does nothing, as torch's does without a GPU (there is no CUDA generator to seed).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.cuda.manual_seed(0)
    """


def manual_seed_all(seed: int) -> None:
    """Does nothing, as torch's does without a GPU (there is no CUDA generator to seed).

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.cuda.manual_seed_all(0)
    """
