"""The stub files that ``start DIR`` copies into a learner's folder (package data)."""

__all__: list[str] = []
