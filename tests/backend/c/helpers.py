"""Compile one graph on the c and py linkers and compare what they compute."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import arignote
import arignote.tensor as at

C = arignote.Mode(linker="c")
PY = arignote.Mode(linker="py")

FLOAT_SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.0, -7.0, 7.0, 1e-8, -1e-8,
                  1e-300, -1e-300, 5e-324, 1e300, -1e300, 88.7, -88.7, 709.0, 710.0, -745.0,
                  np.inf, -np.inf, np.nan]


def int_specials(dtype: Any) -> list[int]:
    info = np.iinfo(dtype)
    values = {0, 1, 2, 3, 7, 100, info.max, info.max - 1, info.max // 2}
    if info.min < 0:
        values |= {-1, -2, -3, -7, -100, info.min, info.min + 1, info.min // 2}
    return sorted(v for v in values if info.min <= v <= info.max)


def specials(dtype: Any) -> np.ndarray:
    """Edge values of ``dtype``: signed zeros, infinities, NaN, extremes, halves."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.array([False, True])
    if dtype.kind in "iu":
        return np.array(int_specials(dtype), dtype=dtype)
    with np.errstate(over="ignore", under="ignore"):
        return np.array(FLOAT_SPECIALS, dtype=dtype)


def pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every combination of an element of ``a`` with one of ``b``."""
    left, right = np.meshgrid(a, b, indexing="ij")
    return left.ravel(), right.ravel()


def compile_both(build: Callable[..., Any], *values: np.ndarray,
                 static: bool = False) -> tuple[Any, Any, list[Any]]:
    """(c function, py function, symbolic inputs) for ``build`` over inputs like ``values``.

    Lengths are unknown unless ``static``, except lengths of 1, which stay static
    so that those axes may stretch (only statically-1 lengths broadcast)."""
    inputs = [at.tensor(f"x{k}", dtype=np.asarray(v).dtype,
                        shape=np.shape(v) if static else tuple(1 if n == 1 else None for n in np.shape(v)))
              for k, v in enumerate(values)]
    outputs = build(*inputs)
    f_c = arignote.function(inputs, outputs, mode=C, on_unused_input="ignore")
    f_py = arignote.function(inputs, outputs, mode=PY, on_unused_input="ignore")
    return f_c, f_py, inputs


def assert_same(got: Any, expected: Any, ulps: int = 0) -> None:
    """Equal dtype, shape and values (NaN equal to NaN); floats within ``ulps`` units
    in the last place of the expected value (0: bit-for-bit, apart from NaN payloads)."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype, f"dtype {got.dtype} != {expected.dtype}"
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    if got.dtype.kind != "f":
        np.testing.assert_array_equal(got, expected)
        return
    same_nan = np.isnan(got) == np.isnan(expected)
    assert same_nan.all(), (f"NaN differs at {np.flatnonzero(~same_nan)[:10]}: {got[~same_nan][:10]} vs "
                            f"{expected[~same_nan][:10]}")
    finite = np.isfinite(expected)
    assert (got[~finite & ~np.isnan(expected)] == expected[~finite & ~np.isnan(expected)]).all(), \
        "infinities differ"
    assert (np.isinf(got) == np.isinf(expected)).all(), "infinities differ"
    if ulps == 0:
        ok = (got == expected) | np.isnan(expected)
        assert ok.all(), f"values differ: {got[~ok][:10]} vs {expected[~ok][:10]}"
        return
    spacing = np.abs(np.spacing(np.where(finite, expected, 0).astype(got.dtype)))
    diff = np.abs(np.where(finite, got, 0).astype(np.float64) - np.where(finite, expected, 0))
    bad = diff > ulps * spacing.astype(np.float64)
    assert not bad.any(), (f"more than {ulps} ulp apart: {got[bad][:8]} vs {expected[bad][:8]} "
                           f"(inputs at {np.flatnonzero(bad)[:8]})")


def assert_close(got: Any, expected: Any) -> None:
    """Same dtype, shape, NaN and infinities; finite values within a relative and absolute
    tolerance fitting the dtype (for chains of ops, whose last-bit differences compound)."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if got.dtype.kind != "f":
        np.testing.assert_array_equal(got, expected)
        return
    tol = 1e-12 if got.dtype == np.float64 else 2e-5
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol, equal_nan=True)
    assert (np.isinf(got) == np.isinf(expected)).all()


def run_both(build: Callable[..., Any], *values: np.ndarray, static: bool = False) -> tuple[list, list]:
    f_c, f_py, _ = compile_both(build, *values, static=static)
    got, expected = f_c(*values), f_py(*values)
    if not isinstance(got, list):
        got, expected = [got], [expected]
    return got, expected


def check(build: Callable[..., Any], *values: np.ndarray, ulps: int | None = None,
          static: bool = False) -> None:
    """The c linker computes what the py linker computes: within ``ulps`` when given, else
    within :func:`assert_close`'s tolerance."""
    got, expected = run_both(build, *values, static=static)
    for g, e in zip(got, expected):
        if ulps is None:
            assert_close(g, e)
        else:
            assert_same(g, e, ulps)


def kernels_of(fn: Any) -> list[str]:
    """How each step of a compiled C function runs (for checking that C code ran)."""
    return fn.program.describe()


__all__: Sequence[str] = ["C", "PY", "check", "assert_same", "specials", "pairs", "compile_both",
                          "run_both", "kernels_of", "int_specials", "assert_close"]


def same_error(c: Any, py: Any, *values: Any) -> BaseException:
    """``c(*values)`` raises what ``py(*values)`` raises: the same exception type and message
    (after the node prefix a compiled function adds); returns the C side's exception."""
    import pytest

    with pytest.raises(Exception) as expected:
        py(*values)
    with pytest.raises(type(expected.value)) as got:
        c(*values)
    assert str(got.value).split(": ", 1)[-1] == str(expected.value).split(": ", 1)[-1]
    return got.value
