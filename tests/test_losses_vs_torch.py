"""The elementwise losses of ``nn.functional`` against torch's, over random problems.

Hypothesis draws a loss (mse, l1, smooth_l1, huber, binary cross-entropy of probabilities or of
logits), an input shape (0-d and empty included), values on a coarse grid (so that ties and
kinks, d = 0 and |d| = beta, come up often; probabilities 0 and 1 included), a reduction, the
loss's options (beta 0 included, delta, per-element weights, pos_weight) and whether the target
requires grad. The loss and the gradients of the input and the target must equal torch's,
NaN where torch gives NaN (the mean of no elements).

Cross-entropy and NLL have their own such test in ``tests/test_nn.py``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

torch = pytest.importorskip("torch")

import tinygrad_edu  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

RUNS = 300
TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}

GRID = st.sampled_from([-2.0, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 1.5])
PROBABILITIES = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 1.0])
WEIGHTS = st.sampled_from([0.0, 0.5, 1.0, 2.0])
LOSSES = ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
          "binary_cross_entropy_with_logits")


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    """One loss call: its name, input and target arrays, options, which inputs require grad."""
    name = draw(st.sampled_from(LOSSES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
    input_values = PROBABILITIES if name == "binary_cross_entropy" else GRID
    target_values = PROBABILITIES if name.startswith("binary") else GRID
    options: dict[str, Any] = {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))}
    if name == "smooth_l1_loss":
        options["beta"] = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
    if name == "huber_loss":
        options["delta"] = draw(st.sampled_from([0.5, 1.0, 2.0]))
    if name in ("l1_loss", "huber_loss", "binary_cross_entropy",
                "binary_cross_entropy_with_logits") and draw(st.booleans()):
        options["weight"] = draw(hnp.arrays(np.float64, shape, elements=WEIGHTS))
    if name == "binary_cross_entropy_with_logits" and shape and draw(st.booleans()):
        options["pos_weight"] = draw(hnp.arrays(np.float64, shape[-1:], elements=WEIGHTS))
    return {
        "name": name,
        "input": draw(hnp.arrays(np.float64, shape, elements=input_values)),
        "target": draw(hnp.arrays(np.float64, shape, elements=target_values)),
        "target_requires_grad": draw(st.booleans()),
        "options": options,
    }


def run(library: Any, problem: dict[str, Any]) -> tuple[Any, ...]:
    """The loss and the gradients of input and target (None where none was asked for)."""
    x = library.tensor(problem["input"], dtype=library.float64, requires_grad=True)
    y = library.tensor(problem["target"], dtype=library.float64,
                       requires_grad=problem["target_requires_grad"])
    options = {key: library.tensor(value, dtype=library.float64) if key.endswith("weight")
               else value for key, value in problem["options"].items()}
    functional = F if library is tinygrad_edu else torch.nn.functional
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the mean of no elements: both warn
        loss = getattr(functional, problem["name"])(x, y, **options)
        loss.sum().backward()
    gradients = [None if tensor.grad is None else tensor.grad.numpy().copy() for tensor in (x, y)]
    return (loss.detach().numpy().copy(), *gradients)


@settings(max_examples=RUNS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems())
def test_random_loss_problems_agree_with_torch(problem: dict[str, Any]) -> None:
    ours = run(tinygrad_edu, problem)
    theirs = run(torch, problem)
    for label, mine, reference in zip(("loss", "input's gradient", "target's gradient"),
                                      ours, theirs):
        if reference is None:
            assert mine is None, label
            continue
        assert mine is not None, label
        assert mine.shape == reference.shape, label
        np.testing.assert_allclose(mine, reference, err_msg=label, **TOLERANCE)
