"""PyTensor's ``pytensor.compile.debug.debugmode`` path: ``DebugMode`` and its errors
(:mod:`arignote.compile.debug_modes`), and ``str_diagnostic``, the text describing how a
value differs from the expected one."""

from __future__ import annotations

from typing import Any

import numpy as np

from arignote.compile.debug_modes import (
                                          BadDestroyMap,
                                          BadOptimization,
                                          BadThunkOutput,
                                          DebugMode,
                                          DebugModeError,
                                          InvalidValueError,
)

__all__ = ["BadDestroyMap", "BadOptimization", "BadThunkOutput", "DebugMode", "DebugModeError",
           "InvalidValueError", "str_diagnostic"]


def _summary(label: str, array: np.ndarray) -> str:
    line = f"  {label}: shape {array.shape}, dtype {array.dtype}"
    if array.size and array.dtype.kind in "biufc":
        line += f", min {array.min()}, max {array.max()}"
        if array.dtype.kind in "fc":
            line += f", {int(np.isinf(array).sum())} inf, {int(np.isnan(array).sum())} NaN"
    return line


def str_diagnostic(expected: Any, value: Any, rtol: float | None = None, atol: float | None = None) -> str:
    """Several lines saying how ``value`` differs from ``expected``: each one's shape, dtype,
    range and count of infinities and NaNs, both values, the absolute and relative
    differences (largest, mean, median), and the tolerances compared with."""
    want, got = np.asarray(expected), np.asarray(value)
    lines = [_summary("expected", want), _summary("value   ", got),
             f"  expected: {want}", f"  value   : {got}"]
    if want.shape == got.shape and want.dtype.kind in "biufc" and got.dtype.kind in "biufc" and want.size:
        with np.errstate(divide="ignore", invalid="ignore"):
            absdiff = np.abs(got.astype(np.complex128 if "c" in want.dtype.kind + got.dtype.kind
                                        else np.float64) - want)
            reldiff = absdiff / np.abs(want)
        for name, diff in (("abs", absdiff), ("rel", reldiff)):
            lines.append(f"  {name} diff: max {np.max(diff)}, mean {np.mean(diff)}, median {np.median(diff)}")
    if rtol is not None or atol is not None:
        lines.append(f"  rtol {rtol}, atol {atol}")
    return "\n".join(lines)
