"""Argument checks and reductions shared by the functions of ``nn.functional``: the
``reduction`` argument and torch's deprecated ``size_average``/``reduce``, and the check that an
input is a floating point Tensor (losses, softplus and the normalisations need one)."""

from __future__ import annotations

import warnings
from typing import Any

from tinygrad_edu import dtypes
from tinygrad_edu.tensor import Tensor

REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction: str, op: str) -> None:
    """torch's ValueError for a ``reduction`` other than "none", "mean" and "sum"."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction; use one of "
                         f"{REDUCTIONS}")


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    """The per-element ``loss`` reduced as ``reduction`` says (already checked)."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """torch's reading of the deprecated ``size_average`` and ``reduce`` arguments, with its
    warning: "mean" if both are true (None counts as true), "sum" if only ``reduce`` is, else
    "none". ``reduction`` itself when both are None."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    legacy = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{legacy}' instead.", stacklevel=3)
    return legacy


def require_floating(input: Any, op: str) -> None:
    """torch computes ``op`` for floating point tensors only: a TypeError for anything that is
    not a Tensor, torch's NotImplementedError for an integer or bool one."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if not dtypes.is_floating(input.dtype):
        raise NotImplementedError(
            f"{op}: not implemented for {input.dtype} tensors (torch computes it for floating "
            "point tensors only); convert the input with .float() first")
