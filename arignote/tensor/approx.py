"""Approximate equality of arrays with tolerances chosen by dtype: PyTensor's ``_allclose``
(``tensor.math``) and ``values_eq_approx`` family (``tensor.type``), which its tests use to
compare results computed in float16/float32 with NumPy's float64 ones."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["atol_rtol", "allclose_by_dtype", "values_eq_approx", "values_eq_approx_remove_inf",
           "values_eq_approx_remove_nan", "values_eq_approx_remove_inf_nan",
           "values_eq_approx_always_true"]

#: (atol, rtol) by the narrowest dtype compared: NumPy's defaults for float64, looser below
_TOLERANCES = {"float16": (1e-3, 1e-3), "float32": (1e-5, 1e-5), "float64": (1e-8, 1e-5)}
_NARROW = {"float16": "float16", "float32": "float32", "complex64": "float32"}


def atol_rtol(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """The (atol, rtol) for comparing ``a`` with ``b``: set by the narrower float of the two."""
    kinds = {_NARROW.get(str(np.asarray(v).dtype), "float64") for v in (a, b)}
    for name in ("float16", "float32"):
        if name in kinds:
            return _TOLERANCES[name]
    return _TOLERANCES["float64"]


def allclose_by_dtype(a: Any, b: Any, rtol: float | None = None, atol: float | None = None) -> bool:
    """``np.allclose`` with tolerances chosen by dtype (:func:`atol_rtol`) unless given."""
    a, b = np.asarray(a), np.asarray(b)
    default_atol, default_rtol = atol_rtol(a, b)
    return bool(np.allclose(a, b, atol=default_atol if atol is None else atol,
                            rtol=default_rtol if rtol is None else rtol))


def values_eq_approx(a: Any, b: Any, allow_remove_inf: bool = False, allow_remove_nan: bool = False,
                     rtol: float | None = None, atol: float | None = None) -> bool:
    """Whether arrays ``a`` and ``b`` (same shape and dtype) are equal, approximately for
    inexact dtypes; NaN matches NaN and an infinity the same infinity.  With
    ``allow_remove_nan``/``allow_remove_inf``, a NaN/infinity in ``a`` matches anything."""
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
        return False
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind not in "fc":
        return bool(np.all(a == b))
    if allclose_by_dtype(a, b, rtol=rtol, atol=atol):
        return True
    a_nan, a_inf = np.isnan(a), np.isinf(a)
    if not (a_nan.any() or (allow_remove_inf and a_inf.any())):
        return False  # no missing value to explain the difference
    with np.errstate(invalid="ignore"):
        # NumPy's default tolerances here, as PyTensor's
        close = np.absolute(a - b) <= (1e-8 + 1e-5 * np.absolute(b))
    both_inf = a_inf & np.isinf(b)
    close = np.where(both_inf, a == b, close)  # inf - inf is NaN: compare the signs instead
    matched = close | (a_nan & np.isnan(b)) | (both_inf & (a == b))
    if allow_remove_inf:
        matched |= a_inf
    if allow_remove_nan:
        matched |= a_nan
    return bool(matched.all())


def values_eq_approx_remove_inf(a: Any, b: Any) -> bool:
    """:func:`values_eq_approx`, where an infinity in ``a`` matches anything."""
    return values_eq_approx(a, b, True)


def values_eq_approx_remove_nan(a: Any, b: Any) -> bool:
    """:func:`values_eq_approx`, where a NaN in ``a`` matches anything."""
    return values_eq_approx(a, b, False, True)


def values_eq_approx_remove_inf_nan(a: Any, b: Any) -> bool:
    """:func:`values_eq_approx`, where a NaN or an infinity in ``a`` matches anything."""
    return values_eq_approx(a, b, True, True)


def values_eq_approx_always_true(a: Any, b: Any) -> bool:
    """Always True (PyTensor's comparison for values that may legitimately differ)."""
    return True
