"""torch's ``backends`` flags that scripts read or set: ``backends.mps.is_available()``,
``backends.cudnn.deterministic = True``. None of them changes anything here (NumPy on the CPU
computes the same way every time)."""

from tinygrad_edu.backends import cudnn, mps

__all__ = ["cudnn", "mps"]
