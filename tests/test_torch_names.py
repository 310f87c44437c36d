"""The torch name table (docs/TORCH_COVERAGE.md) is current; missing names explain themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

pytest.importorskip("torch")

import tinygrad_edu  # noqa: E402
import tinygrad_edu.utils.data  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402
from tinygrad_edu.nn import functional  # noqa: E402
from tests.torch_coverage import coverage_markdown  # noqa: E402
from tinygrad_edu.torch_names import NAMESPACES, resolve  # noqa: E402

COVERAGE_FILE = Path(__file__).resolve().parent.parent / "docs" / "TORCH_COVERAGE.md"


def test_the_coverage_table_is_current() -> None:
    """Regenerating the table gives the committed file (run the tool after adding names)."""
    assert COVERAGE_FILE.read_text() == coverage_markdown(), (
        "docs/TORCH_COVERAGE.md is out of date: run "
        "python -m tests.torch_coverage > docs/TORCH_COVERAGE.md")


def test_torch_utils_data_stands_for_tinygrad_edu_utils_data() -> None:
    """torch's path maps to the same path here, whose objects are tinygrad_edu.data's."""
    assert ("torch.utils.data", "tinygrad_edu.utils.data") in NAMESPACES
    assert resolve("tinygrad_edu.utils.data").DataLoader is tinygrad_edu.data.DataLoader


MISSING: list[tuple[str, Callable[[], Any], str, str | None]] = [
    ("package", lambda: tinygrad_edu.zeroes, "torch.zeroes", "zeros"),
    ("nn", lambda: nn.Linearr, "torch.nn.Linearr", "Linear"),
    ("nn.functional", lambda: functional.cross_entropyy, "torch.nn.functional.cross_entropyy",
     "cross_entropy"),
    ("optim", lambda: optim.Adamm, "torch.optim.Adamm", "Adam"),
    ("utils", lambda: tinygrad_edu.utils.dat, "torch.utils.dat", "data"),
    ("utils.data", lambda: tinygrad_edu.utils.data.DataLoadr, "torch.utils.data.DataLoadr",
     "DataLoader"),
    ("data", lambda: tinygrad_edu.data.TensorDataSet, "torch.utils.data.TensorDataSet",
     "TensorDataset"),
    ("nn.functional new", lambda: functional.soft_plus, "torch.nn.functional.soft_plus",
     "softplus"),
    ("Tensor", lambda: tinygrad_edu.tensor([1.0]).sumn, "torch.Tensor.sumn", "sum"),
    ("no close name", lambda: tinygrad_edu.qqqqqq, "torch.qqqqqq", None),
]


@pytest.mark.parametrize("where, access, torch_name, suggestion", MISSING,
                         ids=[case[0] for case in MISSING])
def test_a_missing_name_says_so_and_suggests_the_nearest(
        where: str, access: Callable[[], Any], torch_name: str, suggestion: str | None) -> None:
    with pytest.raises(AttributeError) as caught:
        access()
    message = str(caught.value)
    assert f"tinygrad_edu does not provide {torch_name}" in message
    assert "docs/TORCH_COVERAGE.md" in message
    if suggestion is None:
        assert "Did you mean" not in message
    else:
        assert message.endswith(f"Did you mean '{suggestion}'?")


def test_private_and_special_names_get_a_plain_error() -> None:
    """NumPy and Python probe names such as __array_struct__: a plain, quick AttributeError."""
    x = tinygrad_edu.tensor([1.0])
    assert not hasattr(x, "__array_struct__")
    with pytest.raises(AttributeError, match="has no attribute '_missing'") as caught:
        x._missing  # noqa: B018
    assert "Did you mean" not in str(caught.value)
