"""interp against np.interp, interpolate1d against PyTensor's definition, with derivatives."""

import importlib.util

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad

MODES = ["PY", "FAST_RUN", pytest.param("JAX", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))]
METHODS = ["linear", "nearest", "first", "last", "mean"]


def _tolerance(dtype, fp):
    """One interpolated value is a difference, a quotient, a product and a sum: about four
    roundings of the magnitude of the values (and of the differences of the points)."""
    eps = np.finfo(dtype).eps
    return 8 * eps, 8 * eps * max(np.abs(fp).max(), 1)


def reference_interpolate1d(x, y, x_hat, method, left_pad=None, right_pad=None, extrapolate=True):
    """PyTensor's interpolate1d, in NumPy (checked against PyTensor 3.3.8 when written):
    the points sorted, each query located with searchsorted's left side."""
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    n = len(x)
    idx = np.searchsorted(x, x_hat)
    if method == "first":
        out = y[np.clip(idx - 1, 0, n - 1)]
    elif method == "last":
        out = y[np.clip(idx, 0, n - 1)]
    else:
        hi = np.clip(idx, 1, n - 1)
        lo = hi - 1
        if method == "linear":
            out = y[lo] + (x_hat - x[lo]) / (x[hi] - x[lo]) * (y[hi] - y[lo])
        elif method == "nearest":
            out = np.where(x_hat - x[lo] <= x[hi] - x_hat, y[lo], y[hi])
        else:
            out = (y[lo] + y[hi]) / 2
    if extrapolate:
        return out
    left = y[0] if left_pad is None else left_pad
    right = y[-1] if right_pad is None else right_pad
    return np.where(idx == 0, left, np.where(idx == n, right, out))


def _data(rng, n=8, dtype="float64"):
    xp = np.sort(rng.uniform(-3, 3, n)).astype(dtype)
    fp = rng.normal(size=n).astype(dtype)
    queries = np.concatenate([rng.uniform(-4, 4, 20), xp]).astype(dtype)
    return xp, fp, queries


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", [{}, {"left": -10.0, "right": 10.0}, {"left": -1.0}, {"period": 2.5},
                                    {"period": -4.0}])
def test_interp_matches_numpy(rng, mode, dtype, kwargs):
    xp, fp, queries = _data(rng, dtype=dtype)
    x, a, b = (at.tensor(name, dtype=dtype, shape=(None,)) for name in "xab")
    got = arignote.function([x, a, b], at.interp(x, a, b, **kwargs), mode=mode)(queries, xp, fp)
    expected = np.interp(queries, xp, fp, **kwargs)
    assert got.dtype == dtype  # PyTensor's dtype: NumPy always gives float64
    rtol, atol = _tolerance(dtype, fp)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("mode", MODES)
def test_interp_special_queries(mode):
    xp, fp = np.array([0.0, 1.0, 1.0, 3.0]), np.array([1.0, 2.0, 5.0, -1.0])  # a step at 1
    queries = np.array([[np.nan, -np.inf, np.inf], [0.0, 1.0, 3.0], [0.5, 2.0, 4.0]])
    x, a, b = at.matrix("x"), at.vector("a"), at.vector("b")
    with np.errstate(invalid="ignore"):
        got = arignote.function([x, a, b], at.interp(x, a, b), mode=mode)(queries, xp, fp)
    np.testing.assert_allclose(got, np.interp(queries, xp, fp), rtol=1e-15, equal_nan=True)


def test_interp_integer_inputs_give_float64(rng):
    x, a, b = at.lvector("x"), at.lvector("a"), at.lvector("b")
    out = at.interp(x, a, b)
    assert out.dtype == "float64"
    got = arignote.function([x, a, b], out)(np.arange(-1, 8), np.array([0, 2, 6]), np.array([5, -3, 4]))
    np.testing.assert_allclose(got, np.interp(np.arange(-1, 8), [0, 2, 6], [5, -3, 4]), rtol=1e-15)


@settings(max_examples=30, deadline=None)
@given(points=hnp.arrays("float64", st.integers(1, 6), elements=st.floats(-10, 10), unique=True),
       queries=hnp.arrays("float64", st.integers(1, 6), elements=st.floats(-12, 12)))
def test_interp_random(points, queries):
    xp = np.sort(points)
    fp = np.cos(xp) * 3
    x, a, b = at.vector("x"), at.vector("a"), at.vector("b")
    got = arignote.function([x, a, b], at.interp(x, a, b), mode="PY")(queries, xp, fp)
    # the slope divides by a gap that may be as small as one ulp of |xp|: relative to the
    # span of the values, a few ulps of |xp| / gap
    np.testing.assert_allclose(got, np.interp(queries, xp, fp), rtol=1e-12, atol=1e-9)


def test_interp_gradient(rng):
    xp, fp, _ = _data(rng)
    # queries away from the data points, where the interpolant is differentiable in every input
    queries = np.array([-3.5, -1.0, 0.1, 1.3, 3.7])
    queries = queries[np.abs(queries[:, None] - xp).min(axis=1) > 1e-3]
    verify_grad(lambda x, a, b: at.interp(x, a, b), [queries, xp, fp], rng=rng)
    verify_grad(lambda b: at.interp(queries, xp, b, left=-2.0, right=2.0), [fp], rng=rng)
    verify_grad(lambda x: at.interp(x, xp, fp, period=7.0), [queries], rng=rng)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("extrapolate", [True, False])
@pytest.mark.parametrize("pads", [(None, None), (-7.0, 9.0)])
def test_interpolate1d_matches_definition(rng, mode, method, extrapolate, pads):
    xp, fp, queries = _data(rng)
    order = rng.permutation(len(xp))  # the data points are sorted by interpolate1d
    x, a, b = at.vector("x"), at.vector("a"), at.vector("b")
    f = at.interpolate1d(a, b, method, *pads, extrapolate=extrapolate)
    got = arignote.function([x, a, b], f(x), mode=mode)(queries, xp[order], fp[order])
    expected = reference_interpolate1d(xp[order], fp[order], queries, method, *pads, extrapolate=extrapolate)
    np.testing.assert_allclose(got, expected, *_tolerance("float64", fp))


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_interpolate1d_queries_of_any_shape(rng, mode):
    xp, fp, _ = _data(rng)
    queries = rng.uniform(-4, 4, (2, 3, 4))
    x = at.tensor3("x")
    f = at.interpolate1d(xp, fp, "nearest", extrapolate=False)
    got = arignote.function([x], f(x), mode=mode)(queries)
    np.testing.assert_array_equal(got, reference_interpolate1d(xp, fp, queries, "nearest", extrapolate=False))


def test_interpolate1d_gradient(rng):
    xp, fp, _ = _data(rng)
    queries = np.array([-3.9, -0.7, 0.2, 1.9, 3.8])
    queries = queries[np.abs(queries[:, None] - xp).min(axis=1) > 1e-3]
    for method in METHODS:
        verify_grad(lambda b: at.interpolate1d(xp, b, method)(queries), [fp], rng=rng)
    verify_grad(lambda x, b: at.interpolate1d(xp, b, "linear", extrapolate=False)(x), [queries, fp], rng=rng)
    verify_grad(lambda x, a, b: at.interpolate1d(a, b)(x), [queries, xp, fp], rng=rng)


def test_bad_arguments():
    v = at.vector("v")
    with pytest.raises(ValueError, match="unknown method 'cubic'"):
        at.interpolate1d(v, v, "cubic")
    with pytest.raises(ValueError, match="must be 1-d"):
        at.interp(v, at.matrix("m"), v)
    with pytest.raises(ValueError, match="must be 1-d"):
        at.interpolate1d(at.matrix("m"), v)
    with pytest.raises(ValueError, match="same length, got 3 and 4"):
        at.interp(v, at.tensor("a", shape=(3,)), at.tensor("b", shape=(4,)))
    with pytest.raises(TypeError, match="complex data points are not supported"):
        at.interp(v, v, at.vector("c", dtype="complex128"))
    with pytest.raises(ValueError, match="at least one data point"):
        at.interp(v, at.tensor("a", shape=(0,)), at.tensor("b", shape=(0,)))
