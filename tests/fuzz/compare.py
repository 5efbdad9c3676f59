"""Checking one backend's output against NumPy's reference.

The rules, all from the promise that arignote computes what NumPy computes:

- the output is an ``ndarray`` of NumPy's dtype (with arignote's documented
  departures: real functions of bool and small integers give float32,
  integer / integer gives floatX) and
  NumPy's shape, and every static length of the output's type is the
  computed one;
- integers and booleans are exact (wrap-around included);
- NaN where NumPy has NaN and nowhere else; infinities exactly;
- finite floats within the value's error bound (``error_model``): a bound
  computed along the graph from the op accuracies and the values themselves,
  never a fixed rtol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tests.fuzz.program import Value


@dataclass
class Mismatch:
    backend: str
    kind: str              # "value", "nan", "dtype", "shape", "static-shape", "type", "compile", "run", ...
    detail: str
    output: int | None = None    # step index of the output, None for a whole-function failure

    def __str__(self) -> str:
        where = "" if self.output is None else f" (output v{self.output})"
        return f"[{self.backend}] {self.kind}{where}: {self.detail}"


def _describe(index: tuple, got: Any, ref: Any, bound: float | None = None) -> str:
    text = f"at {index}: got {got!r}, NumPy {ref!r}"
    if bound is not None:
        text += f", |difference| {abs(float(got) - float(ref)):.3g} > bound {bound:.3g}"
    return text


def compare_output(value: Value, got: Any) -> tuple[str, str] | None:
    """None if ``got`` is right, else ``(kind, detail)``."""
    ref = value.ref
    if not isinstance(got, np.ndarray):
        return "type", f"output is a {type(got).__name__}, not an ndarray"
    if got.dtype != ref.dtype:
        return "dtype", f"dtype {got.dtype}, NumPy {ref.dtype}"
    if got.shape != ref.shape:
        return "shape", f"shape {got.shape}, NumPy {ref.shape}"
    if value.var is not None:
        static = tuple(value.var.type.shape)
        if any(s is not None and s != n for s, n in zip(static, got.shape)):
            return "static-shape", f"type {value.var.type} but value shape {got.shape}"
    if ref.dtype.kind not in "fc":
        if not np.array_equal(got, ref):
            index = tuple(int(i) for i in np.argwhere(got != ref)[0])
            return "value", _describe(index, got[index], ref[index]) + " (exact dtype)"
        return None
    ref_nan, got_nan = np.isnan(ref), np.isnan(got)
    if np.any(ref_nan != got_nan):
        index = tuple(int(i) for i in np.argwhere(ref_nan != got_nan)[0])
        return "nan", _describe(index, got[index], ref[index])
    finite = np.isfinite(ref)
    special = ~finite & ~ref_nan
    if np.any(special & (got != ref)):
        index = tuple(int(i) for i in np.argwhere(special & (got != ref))[0])
        return "inf", _describe(index, got[index], ref[index])
    with np.errstate(all="ignore"):
        diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
        bad = finite & ~(diff <= value.err)
    if np.any(bad):
        ratio = np.where(bad, diff / np.maximum(value.err, 1e-300), 0)
        index = tuple(int(i) for i in np.unravel_index(np.argmax(ratio), ref.shape))
        return "value", _describe(index, got[index], ref[index], float(value.err[index]))
    return None
