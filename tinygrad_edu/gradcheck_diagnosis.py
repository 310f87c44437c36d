"""Explaining a failed gradient check: which mistake makes the two Jacobians differ.

``diagnose`` looks at a numerical and an analytical Jacobian that disagree and names the likely
mistake when the difference has a recognisable shape: a constant factor, a wrong sign, a
transpose, a missing sum over broadcast axes, the gradient of another input, or a lost
contribution of an input used several times. ``gradcheck`` appends its answer to every
Jacobian mismatch it reports.

``gradcheck_graph.check_graph``, which finds the first wrong backward inside a whole model,
uses it for the node it finds.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from tinygrad_edu.autograd import topological_order
from tinygrad_edu.tensor import Tensor

__all__ = ["count_uses", "diagnose", "worst_entry"]

Shape = tuple[int, ...]


def _close(candidate: np.ndarray, reference: np.ndarray, atol: float, rtol: float) -> bool:
    """``candidate`` equals ``reference`` within ten times gradcheck's tolerance (the references
    here are rearranged or rescaled finite differences, whose errors are rescaled too)."""
    allowed = 10.0 * (atol + rtol * np.abs(reference))
    return bool(np.all(np.abs(candidate - reference) <= allowed))


def _snap(ratio: float) -> tuple[float, bool]:
    """``ratio`` rounded to a simple fraction p/q (q <= 16) when within 1e-6 of it."""
    simple = Fraction(ratio).limit_denominator(16)
    if simple != 0 and abs(float(simple) - ratio) <= 1e-6 * abs(ratio):
        return float(simple), True
    return ratio, False


def _small_fraction(ratio: float) -> bool:
    """True for ±p/q with p, q <= 4 (the factors that a typical slip produces)."""
    simple = Fraction(ratio).limit_denominator(4)
    return abs(simple.numerator) <= 4 and abs(float(simple) - ratio) <= 1e-6 * abs(ratio)


def _constant_ratio(numerical: np.ndarray, analytical: np.ndarray, atol: float,
                    rtol: float) -> tuple[float, bool] | None:
    """The factor r with analytical = r * numerical everywhere (snapped, and whether it was)."""
    largest = float(np.max(np.abs(numerical), initial=0.0))
    significant = np.abs(numerical) > max(10.0 * atol, 1e-6 * largest)
    if not significant.any():
        return None
    kept = numerical[significant]
    ratio, snapped = _snap(float(np.dot(analytical[significant], kept) / np.dot(kept, kept)))
    if ratio == 0 or not _close(analytical, ratio * numerical, atol, rtol):
        return None
    return ratio, snapped


def _broadcast_axes(input_shape: Shape, output_shape: Shape) -> tuple[int, ...] | None:
    """Output axes over which an input of ``input_shape`` is broadcast (None: it is not)."""
    added = len(output_shape) - len(input_shape)
    if added < 0:
        return None
    axes = list(range(added))
    for axis, size in enumerate(input_shape):
        if size == 1 and output_shape[axis + added] != 1:
            axes.append(axis + added)
        elif size != output_shape[axis + added]:
            return None
    return tuple(axes)


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


def _axes_text(axes: tuple[int, ...]) -> str:
    return f"axis {axes[0]}" if len(axes) == 1 else f"axes {axes}"


def _describe_factor(ratio: float, snapped: bool, sizes: dict[int, str]) -> str:
    """Words for analytical = ratio * numerical."""
    magnitude = abs(ratio)
    text = f"analytical = {ratio:.3f} × numerical: " if snapped else (
        f"analytical = {ratio:.7g} × numerical everywhere: ")
    if ratio < 0:
        text += "wrong sign" if magnitude == 1 else "wrong sign and "
    if magnitude == 1:
        return text + " (a minus sign dropped or added, as in d(1/x)/dx = -1/x² or d(a-b)/db?)"
    whole = round(magnitude) if magnitude > 1 else round(1 / magnitude)
    exact = snapped and abs(whole - (magnitude if magnitude > 1 else 1 / magnitude)) < 1e-9
    if not snapped and abs(magnitude - 1) < 1e-2:
        return text + f"a constant relative error of {magnitude - 1:+.1e} (a wrong constant?)"
    if not exact:
        return text + f"a constant factor of {magnitude:.4g} off (a wrong constant?)"
    if magnitude > 1:
        text += f"a factor of {whole} too large (forgot a 1/{whole}, or counted a term "
        text += "twice?)" if whole == 2 else f"{whole} times?)"
    else:
        text += f"a factor of {whole} too small (dropped a factor of {whole}"
        text += (", e.g. the 2 in d(x²)/dx = 2x?)" if whole == 2
                 else f", or divided by {whole} once too often?)")
    if whole in sizes:
        text += f"; {whole} is {sizes[whole]}: a missing or extra division by it (a mean's 1/m?)"
    return text


def _sizes(input_shapes: Sequence[Shape], output_shape: Shape) -> dict[int, str]:
    """Axis sizes (>= 3) of the inputs and the output, and where each one comes from."""
    where: dict[int, str] = {}
    for axis, size in enumerate(output_shape):
        where.setdefault(size, f"the size of output axis {axis}")
    for index, shape in enumerate(input_shapes):
        for axis, size in enumerate(shape):
            where.setdefault(size, f"the size of axis {axis} of input {index}")
    return {size: text for size, text in where.items() if size >= 3}


def _swap_order(shape: Shape, first: int, second: int) -> np.ndarray:
    """Flat positions that read an array of ``shape`` with two axes swapped."""
    return np.arange(int(np.prod(shape))).reshape(shape).swapaxes(first, second).reshape(-1)


def _transposed(numerical: np.ndarray, analytical: np.ndarray, input_shape: Shape,
                output_shape: Shape, atol: float, rtol: float) -> str | None:
    """Which input or output axes, swapped, turn the numerical Jacobian into the analytical."""
    for columns, shape, side in ((True, input_shape, "the input's"), (False, output_shape,
                                                                      "the output's")):
        for first, second in itertools.combinations(range(len(shape)), 2):
            order = _swap_order(shape, first, second)
            if np.array_equal(order, np.arange(order.size)):
                continue
            candidate = numerical[:, order] if columns else numerical[order, :]
            if _close(analytical, candidate, atol, rtol):
                hint = ("e.g. gᵀ @ a instead of aᵀ @ g in a matmul backward: check the order and "
                        "the transposes of the factors" if columns else
                        "grad_output was used transposed")
                return (f"transposed: the analytical gradient equals the numerical one with "
                        f"{side} axes {first} and {second} swapped ({hint})")
    return None


def diagnose(numerical: np.ndarray, analytical: np.ndarray, input_index: int = 0,
             input_shapes: Sequence[Shape] = (), output_shape: Shape | None = None,
             numerical_of_inputs: Sequence[np.ndarray] = (), uses: int = 1,
             atol: float = 1e-7, rtol: float = 1e-6) -> str:
    """Name the likely mistake behind a numerical/analytical Jacobian mismatch.

    Both Jacobians have shape ``(output.numel(), input.numel())``. Knowing the shapes, the other
    inputs' numerical Jacobians and how often the input is used in the graph allows more
    diagnoses; without them only the value-based ones are tried.

    Args:
        numerical, analytical: The Jacobians of input ``input_index``.
        input_index: Which input they belong to.
        input_shapes: Shapes of all inputs (enables transpose and broadcast diagnoses).
        output_shape: Shape of the output.
        numerical_of_inputs: Numerical Jacobians of all inputs (enables "wrong input").
        uses: How many times the input is an input of an op in the graph.
        atol, rtol: The tolerances of the failed comparison.

    Returns:
        One sentence; a generic hint when no pattern fits.

    Example:
        >>> numerical = np.diag([2.0, 4.0])
        >>> print(diagnose(numerical, 2 * numerical))
        analytical = 2.000 × numerical: a factor of 2 too large (forgot a 1/2, or counted a term twice?)
        >>> print(diagnose(numerical, -numerical))
        analytical = -1.000 × numerical: wrong sign (a minus sign dropped or added, as in d(1/x)/dx = -1/x² or d(a-b)/db?)
    """  # noqa: E501
    numerical = np.asarray(numerical, dtype=np.float64)
    analytical = np.asarray(analytical, dtype=np.float64)
    rows, columns = numerical.shape
    input_shape = tuple(input_shapes[input_index]) if input_shapes else (columns,)
    output_shape = (rows,) if output_shape is None else tuple(output_shape)
    if not np.all(np.isfinite(analytical)):
        return ("the analytical gradient contains NaN or inf (a division by zero, the log of a "
                "non-positive value, or an overflow in backward?)")
    if not np.all(np.isfinite(numerical)):
        return "the forward is not finite near this point (NaN/inf): check at another point"
    if not np.any(analytical):
        return (f"the analytical gradient of input {input_index} is zero everywhere: backward "
                "returns zeros or None for it, or its computation leaves the graph (.data, NumPy?)")
    for other, jacobian in enumerate(numerical_of_inputs):
        if other != input_index and jacobian.shape == analytical.shape and np.any(jacobian) \
                and _close(analytical, jacobian, atol, rtol):
            return (f"gradient of the wrong input: the analytical gradient of input "
                    f"{input_index} equals the numerical gradient of input {other} (swapped "
                    "return values, or the wrong saved tensor in backward?)")
    axes = (_broadcast_axes(input_shape, output_shape) if input_shapes else None) or ()
    copies = int(np.prod([output_shape[axis] for axis in axes])) if axes else 1
    found = _constant_ratio(numerical, analytical, atol, rtol)
    if found is not None and np.count_nonzero(numerical) == 1 and not _small_fraction(found[0]):
        found = None  # one entry fits any factor: only a small one (2, 1/2, -1...) is a clue
    if found is not None:
        ratio, snapped = found
        if copies > 1 and abs(ratio * copies - 1) < 1e-6:
            return (f"missing sum over broadcast {_axes_text(axes)}: analytical = numerical / "
                    f"{copies}, the mean over the {copies} broadcast copies instead of their sum")
        held = round(ratio * uses)
        if uses > 1 and 0 < ratio < 1 and abs(ratio * uses - held) < 1e-6:
            return (f"input {input_index} is used {uses} times in the graph and analytical = "
                    f"{ratio:.3f} × numerical: the gradient holds only {held} of "
                    f"its {uses} (here equal) contributions: a use's gradient was dropped, or "
                    "overwritten instead of accumulated (+=)")
        text = _describe_factor(ratio, snapped, _sizes(input_shapes, output_shape))
        if np.count_nonzero(numerical) == 1:
            text += " [seen at a single entry: check at more points to be sure]"
        return text
    if axes and copies <= 256:
        coordinates = np.indices(output_shape).reshape(len(output_shape), -1)[list(axes)]
        for key in itertools.product(*(range(output_shape[axis]) for axis in axes)):
            kept = np.all(coordinates == np.array(key)[:, None], axis=0)
            if _close(analytical, numerical * kept[:, None], atol, rtol):
                where = f"index {key[0]}" if len(key) == 1 else f"indices {key}"
                return (f"missing sum over broadcast {_axes_text(axes)}: the gradient keeps only "
                        f"the slice at {where} instead of summing all {copies} broadcast copies")
    transposed = _transposed(numerical, analytical, input_shape, output_shape, atol, rtol)
    if transposed is not None:
        return transposed
    small = 10.0 * (atol + rtol * np.abs(numerical))
    missing = int(np.sum((np.abs(numerical) > small) & (analytical == 0)))
    leaking = int(np.sum((np.abs(numerical) <= small) & (np.abs(analytical) > small)))
    text = "no simple pattern (constant factor, sign, transpose, broadcast sum, swapped inputs) "
    text += "explains the difference"
    if missing:
        text += (f"; analytical is zero at {_entries(missing)} where numerical is not (a "
                 "missing term?)")
    if leaking:
        text += (f"; analytical is nonzero at {_entries(leaking)} where numerical is zero (a wrong "
                 "axis or index?)")
    return text + ": compare backward with the op's local derivative at the worst index"


def worst_entry(reference: np.ndarray, candidate: np.ndarray, atol: float,
                rtol: float) -> tuple[int, int, int] | None:
    """(count of bad entries, row, column of the worst) for ``|c - r| <= atol + rtol |r|``."""
    allowed = atol + rtol * np.abs(reference)
    difference = np.abs(candidate - reference)
    bad = ~(difference <= allowed)  # written negated so that NaN counts as bad
    if not bad.any():
        return None
    excess = np.where(np.isnan(difference), np.inf, difference - allowed)
    row, column = np.unravel_index(int(np.argmax(np.where(bad, excess, -np.inf))), bad.shape)
    return int(bad.sum()), int(row), int(column)


def count_uses(output: Tensor, tensors: Sequence[Tensor]) -> list[int]:
    """How many times each of ``tensors`` is an input of a node in the graph of ``output``.

    Example:
        >>> x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        >>> count_uses(x * x + x, [x])
        [3]
    """
    counts = [0] * len(tensors)
    roots = [] if output.grad_fn is None else [output.grad_fn]
    for node in topological_order(roots):
        for tensor in node.inputs:
            for index, target in enumerate(tensors):
                counts[index] += tensor is target
    return counts
