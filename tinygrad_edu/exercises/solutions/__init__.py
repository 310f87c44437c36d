"""Reference solutions of the exercises, one module per exercise (``solution N`` prints one)."""

__all__: list[str] = []
