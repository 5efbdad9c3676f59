"""glibc's vector math (libmvec) in fused loops: used where it exists, and accurate.

The reference is Python's ``math`` module, which calls glibc's scalar libm
(correctly rounded or within an ulp).  Contiguous loops call libmvec's
vector variants: documented to be within 4 ulp, with the scalar functions'
handling of NaN, infinities and signed zeros.  With
``config.c_vector_math = False`` the loops call the scalar functions and
agree with ``math`` bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.backend.c.toolchain import get_toolchain
from arignote.backend.c.vector_math import vectorized_functions

C = arignote.Mode(linker="c", optimizer=None)
UNARY = [("exp", at.exp, (-700, 700)), ("log", at.log, (1e-300, 1e300)), ("sin", at.sin, (-1e4, 1e4)),
         ("cos", at.cos, (-1e4, 1e4)), ("tan", at.tan, (-10, 10)), ("asin", at.arcsin, (-1, 1)),
         ("acos", at.arccos, (-1, 1)), ("atan", at.arctan, (-1e6, 1e6)), ("sinh", at.sinh, (-700, 700)),
         ("cosh", at.cosh, (-700, 700)), ("tanh", at.tanh, (-20, 20)), ("asinh", at.arcsinh, (-1e6, 1e6)),
         ("acosh", at.arccosh, (1, 1e6)), ("atanh", at.arctanh, (-1, 1)), ("exp2", at.exp2, (-1000, 1000)),
         ("expm1", at.expm1, (-40, 700)), ("log10", at.log10, (1e-300, 1e300)),
         ("log1p", at.log1p, (-0.999, 1e6)), ("log2", at.log2, (1e-300, 1e300)), ("erf", at.erf, (-6, 6)),
         ("erfc", at.erfc, (-6, 27))]
SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 5e-324, -5e-324, 1e-310, 1e308, -1e308]


def _reference(name: str, values: np.ndarray, dtype: str) -> np.ndarray:
    fn = getattr(math, name)
    out = []
    for v in values.astype(np.float64):
        try:
            out.append(fn(v))
        except (ValueError, OverflowError):
            out.append(np.nan)  # math raises where C returns NaN or inf: compared apart
    return np.array(out, dtype=np.float64)


def _ulps(got: np.ndarray, expected: np.ndarray, dtype: str) -> np.ndarray:
    finite = np.isfinite(expected) & np.isfinite(got)
    rounded = expected.astype(dtype)
    spacing = np.spacing(np.abs(rounded)).astype(np.float64)
    return np.where(finite, np.abs(got.astype(np.float64) - rounded.astype(np.float64)) / spacing, 0)


def _compile(fn, dtype: str, **flags):
    with arignote.config.change_flags(**flags):
        x = at.tensor("x", dtype=dtype, shape=(None,))
        return arignote.function([x], fn(x), mode=C)


@pytest.mark.parametrize("name, fn, domain", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_vector_variants_are_within_4_ulp(name, fn, domain, dtype, rng):
    if name not in vectorized_functions(get_toolchain()):
        pytest.skip("no vector variant in this C library")
    low, high = domain
    if dtype == "float32":
        low, high = max(low, -80), min(high, 80)
    values = np.concatenate([rng.uniform(low, high, 4000), rng.uniform(-3, 3, 4000)])
    values = values[(values >= low) & (values <= high)].astype(dtype)
    f = _compile(fn, dtype)
    assert f"{name}{'f' if dtype == 'float32' else ''}(" in f.program.plans[0].source
    assert "simd(\"notinbranch\")" in f.program.plans[0].source
    got = f(values)
    expected = _reference(name, values, dtype)
    worst = _ulps(got, expected, dtype).max()
    assert worst <= 4, f"{name} {dtype}: {worst} ulp"


@pytest.mark.parametrize("name, fn, domain", UNARY, ids=[u[0] for u in UNARY])
def test_special_values_behave_as_in_numpy(name, fn, domain):
    # 64 copies of each special value: vector lanes and the scalar tail both see them
    values = np.repeat(np.array(SPECIALS), 64)
    f = _compile(fn, "float64")
    got = f(values)
    with np.errstate(all="ignore"):
        expected = arignote.function([f.inputs[0]], fn(f.inputs[0]),
                                     mode=arignote.Mode(linker="py", optimizer=None))(values)
    assert (np.isnan(got) == np.isnan(expected)).all()
    finite = np.isfinite(expected)
    assert (got[~finite & ~np.isnan(expected)] == expected[~finite & ~np.isnan(expected)]).all()
    zeros = expected == 0
    assert (np.signbit(got[zeros]) == np.signbit(expected[zeros])).all(), "signed zeros differ"


@pytest.mark.parametrize("name, fn, domain", UNARY[:8], ids=[u[0] for u in UNARY[:8]])
def test_scalar_math_when_vector_math_is_off(name, fn, domain, rng):
    values = rng.uniform(max(domain[0], -50), min(domain[1], 50), 2000)
    f = _compile(fn, "float64", c_vector_math=False)
    assert "simd(" not in f.program.plans[0].source
    np.testing.assert_array_equal(f(values), _reference(name, values, "float64"))
