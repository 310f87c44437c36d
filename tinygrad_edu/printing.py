"""How a tensor prints: torch's layout, written out as four small steps.

``repr(tensor)`` is built in this order:

1. **Which elements are shown.** A tensor of more than ``THRESHOLD`` (1000) elements is
   *summarised*: along every dimension longer than ``2 * EDGE_ITEMS`` only the first and last
   ``EDGE_ITEMS`` (3) entries are shown, with ``...`` in between.
2. **One format for all shown elements** (``choose_format``), so that they line up in columns:
   integers and bools as written; floats that are all whole numbers as ``1.``; other floats
   with four decimals (``1.5000``); floats in scientific notation (``1.0000e-05``) when the
   largest and smallest nonzero magnitudes are more than 1000 apart, or the largest is above
   1e8, or the smallest below 1e-4. ``nan``, ``inf`` and zeros do not take part in the choice.
   Every element is right-aligned to the width of the widest finite nonzero one.
3. **Rows** (``format_rows``). A row of elements is cut into lines that hold
   ``(80 - indent) // (width + 2)`` elements each (each element takes its width plus ", "),
   where the indent is the column after the row's ``[``. Rows of a 2-D tensor are separated by
   ",\\n", blocks of a 3-D tensor by ",\\n\\n", and so on.
4. **Suffixes** (``add_suffixes``): ``size=`` (empty tensors that are not 1-D), ``dtype=`` (when
   it is not float32, int64 or bool; always for an empty tensor that is not float32), and
   ``grad_fn=<...>`` or ``requires_grad=True``. Each goes on the current line when it fits in
   80 columns, on a line of its own otherwise.

Example:
    >>> import numpy as np
    >>> print(tensor_repr(np.array([[1.5, -2.0], [3.0, 0.01]], dtype=np.float32)))
    tensor([[ 1.5000, -2.0000],
            [ 3.0000,  0.0100]])
    >>> print(tensor_repr(np.arange(30, dtype=np.float64), requires_grad=True))
    tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,
            14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,
            28., 29.], dtype=float64, requires_grad=True)

The only difference from torch is the dtype's name: NumPy's ``float64`` where torch prints
``torch.float64``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from tinygrad_edu import dtypes

LINE_WIDTH = 80  # torch's default line width (NumPy's is 75)
PRECISION = 4  # decimals of a float in fixed or scientific notation
THRESHOLD = 1000  # more elements than this and the tensor is summarised
EDGE_ITEMS = 3  # entries shown at each end of a summarised dimension
PREFIX = "tensor("

Style = Literal["plain", "whole", "fixed", "scientific"]

# The dtypes a tensor's repr does not name: torch's default float and the types that Python
# ints and bools become.
UNNAMED_DTYPES = (dtypes.DEFAULT_FLOAT, dtypes.int64, dtypes.bool_)


@dataclass(frozen=True)
class ElementFormat:
    """How every element of one tensor is written.

    ``style`` is "plain" (integers and bools, written as Python writes them), "whole" (floats
    that are all whole numbers: ``1.``), "fixed" (``1.5000``) or "scientific" (``1.5000e+00``).
    ``width`` is the column width every element is right-aligned to.
    """

    style: Style
    width: int


def summarised(array: np.ndarray) -> np.ndarray:
    """The elements a summarised tensor shows: the first and last ``EDGE_ITEMS`` entries of each
    dimension longer than ``2 * EDGE_ITEMS``.

    Example:
        >>> summarised(np.arange(20).reshape(2, 10))
        array([[ 0,  1,  2,  7,  8,  9],
               [10, 11, 12, 17, 18, 19]])
    """
    shown = array
    for axis, length in enumerate(array.shape):
        if length > 2 * EDGE_ITEMS:
            edges = list(range(EDGE_ITEMS)) + list(range(length - EDGE_ITEMS, length))
            shown = np.take(shown, edges, axis=axis)
    return shown


def choose_format(array: np.ndarray) -> ElementFormat:
    """The one format for every element of ``array`` (the elements that will be shown).

    Example:
        >>> choose_format(np.array([1.0, -20.0]))
        ElementFormat(style='whole', width=4)
        >>> choose_format(np.array([0.5, np.nan]))
        ElementFormat(style='fixed', width=6)
        >>> choose_format(np.array([1e-5, 1.0]))
        ElementFormat(style='scientific', width=10)
        >>> choose_format(np.array([True, False]))
        ElementFormat(style='plain', width=5)
    """
    values = array.ravel()
    if values.dtype.kind != "f":
        width = max([len(str(value)) for value in values.tolist()], default=1)
        return ElementFormat("plain", max(width, 1))

    # Only finite nonzero values decide the format and the width: zeros, nan and inf are
    # written in whatever format the others chose.
    deciding = values[np.isfinite(values) & (values != 0)]
    if deciding.size == 0:
        return ElementFormat("whole", 1)
    magnitudes = np.abs(deciding.astype(np.float64))
    smallest, largest = float(magnitudes.min()), float(magnitudes.max())
    whole = bool(np.all(deciding == np.ceil(deciding)))
    scientific = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
    style: Style
    if scientific:
        style = "scientific"
    elif whole:
        style = "whole"
    else:
        style = "fixed"
    width = max(len(format_element(value, ElementFormat(style, 1)))
                for value in deciding.tolist())
    return ElementFormat(style, width)


def format_element(value: float | int | bool, element_format: ElementFormat) -> str:
    """One element, right-aligned to the format's width.

    Example:
        >>> format_element(2.0, ElementFormat("whole", 4)), format_element(-0.0, ElementFormat(
        ...     "whole", 1)), format_element(float("nan"), ElementFormat("whole", 4))
        ('  2.', '-0.', ' nan')
        >>> format_element(0.12345, ElementFormat("fixed", 7)), format_element(
        ...     123456.0, ElementFormat("scientific", 10))
        (' 0.1235', '1.2346e+05')
    """
    if element_format.style == "scientific":
        text = f"{value:.{PRECISION}e}"
    elif element_format.style == "fixed":
        text = f"{value:.{PRECISION}f}"
    elif element_format.style == "whole":
        # The trailing "." says "a float"; nan and inf are floats already.
        text = f"{value:.0f}"
        if math.isfinite(value):
            text += "."
    else:
        text = str(value)
    return text.rjust(element_format.width)


def format_rows(array: np.ndarray, indent: int, summarise: bool,
                element_format: ElementFormat) -> str:
    """The bracketed body of a tensor of one or more dimensions, as it prints after ``indent``
    columns (the column of its opening ``[``).

    Example:
        >>> print("tensor(" + format_rows(np.arange(4).reshape(2, 2), 7, False,
        ...                               ElementFormat("plain", 1)))
        tensor([[0, 1],
                [2, 3]]
    """
    length = array.shape[0]
    elided = summarise and length > 2 * EDGE_ITEMS
    shown = (list(range(EDGE_ITEMS)) + [-1] + list(range(length - EDGE_ITEMS, length))
             if elided else list(range(length)))  # -1 marks where "..." goes

    if array.ndim == 1:
        # " ..." is one more element, so it takes its place in the lines.
        elements = [" ..." if index == -1 else format_element(array[index].item(), element_format)
                    for index in shown]
        per_line = max(1, (LINE_WIDTH - indent) // (element_format.width + 2))
        lines = [", ".join(elements[start:start + per_line])
                 for start in range(0, len(elements), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    parts = ["..." if index == -1
             else format_rows(array[index], indent + 1, summarise, element_format)
             for index in shown]
    # Blocks of a 3-D tensor are separated by an empty line, of a 4-D one by two, ...
    separator = "," + "\n" * (array.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(parts) + "]"


def add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """``text`` followed by each suffix and the closing parenthesis; a suffix that does not fit
    on the current line goes on a line of its own, indented like the tensor's first row.

    Torch counts the first line as two columns longer than it is: a suffix stays on it only
    when the line, ", ", the suffix and ")" stay below 80 columns. After a suffix that went on
    a new line the count is exact.

    Example:
        >>> add_suffixes("tensor([1., 2.]", ["dtype=float64"], 7)
        'tensor([1., 2.], dtype=float64)'
        >>> print(add_suffixes("tensor([[1., 2.],\\n" + " " * 7 + "[3., 4.]]", ["x" * 70], 7))
        tensor([[1., 2.],
                [3., 4.]],
               xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx)
    """
    pieces = [text]
    last_line = text.rsplit("\n", 1)[-1]
    counted = len(last_line) + 2
    for suffix in suffixes:
        if counted + len(suffix) + 2 > LINE_WIDTH:
            pieces.append(",\n" + " " * indent + suffix)
            counted = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            counted += len(suffix) + 2
    return "".join(pieces) + ")"


def tensor_repr(array: np.ndarray, grad_fn: str | None = None,
                requires_grad: bool = False) -> str:
    """``repr`` of a tensor holding ``array``: ``tensor(...)`` as torch prints it.

    Args:
        array: the tensor's data.
        grad_fn: the name of the graph node that made the tensor (``MulBackward``), if any.
        requires_grad: whether the tensor requires grad (shown when it has no ``grad_fn``).

    Example:
        >>> import numpy as np
        >>> tensor_repr(np.array(3.25, dtype=np.float32), grad_fn="MulBackward")
        'tensor(3.2500, grad_fn=<MulBackward>)'
        >>> tensor_repr(np.zeros((0, 3), dtype=np.int64))
        'tensor([], size=(0, 3), dtype=int64)'
        >>> tensor_repr(np.arange(2000).reshape(2, 1000))
        'tensor([[   0,    1,    2,  ...,  997,  998,  999],\\n        [1000, 1001, 1002,  ..., 1997, 1998, 1999]])'
    """  # noqa: E501
    suffixes = []
    if array.size == 0:
        body = "[]"
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        # With no elements to show, only float32 (the default) goes without saying.
        if array.dtype != dtypes.DEFAULT_FLOAT:
            suffixes.append(f"dtype={array.dtype}")
    else:
        summarise = array.size > THRESHOLD
        element_format = choose_format(summarised(array) if summarise else array)
        if array.ndim == 0:
            body = format_element(array.item(), element_format)
        else:
            body = format_rows(array, len(PREFIX), summarise, element_format)
        if array.dtype not in UNNAMED_DTYPES:
            suffixes.append(f"dtype={array.dtype}")
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return add_suffixes(PREFIX + body, suffixes, len(PREFIX))
