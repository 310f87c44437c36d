"""``torch.backends.cudnn``: flags that scripts set for reproducible GPU runs.

They are plain module attributes, as in torch, so ``backends.cudnn.deterministic = True`` runs;
nothing reads them here, as there is no cuDNN (results are already deterministic).
"""

from __future__ import annotations

enabled = True
deterministic = False
benchmark = False


def is_available() -> bool:
    """False: tinygrad_edu has no cuDNN.

    Example:
        >>> import tinygrad_edu as tge
        >>> tge.backends.cudnn.is_available()
        False
    """
    return False
