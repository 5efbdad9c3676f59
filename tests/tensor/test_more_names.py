"""PyTensor's remaining tensor.math / tensor.special / tensor.basic names (arignote/tensor/
math_compat.py, special.py, constant_values.py, type.py, scalar/complex_parts.py) against
NumPy and SciPy, on the py, C and JAX backends."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import scipy.special as sps
from hypothesis import given, settings
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.tensor.basic import NotScalarConstantError
from tests.tensor.more_names_checks import MODES, run

# eps of float64: results of a handful of rounded operations are compared to this many of it
EPS64 = np.finfo(np.float64).eps


@pytest.mark.parametrize("mode", MODES)
def test_integer_division_family(mode):
    rng = np.random.default_rng(0)
    a = rng.integers(-20, 20, size=12).astype(np.int32)
    b = rng.integers(1, 6, size=12).astype(np.int8) * rng.choice([-1, 1], size=12).astype(np.int8)
    ceil, floor_q, q, r = run(mode, lambda x, y: [at.ceil_intdiv(x, y), at.floor_div(x, y),
                                                    *at.divmod(x, y)], a, b)
    # exact: integer arithmetic, compared with Python's exact ceiling of the fraction
    np.testing.assert_array_equal(ceil, [-(-int(i) // int(j)) for i, j in zip(a, b)])
    assert ceil.dtype == np.result_type(a, b)
    np.testing.assert_array_equal(floor_q, a // b)
    np.testing.assert_array_equal(q, np.divmod(a, b)[0])
    np.testing.assert_array_equal(r, np.divmod(a, b)[1])
    x = rng.normal(size=7) * 10
    np.testing.assert_array_equal(run(mode, lambda v: at.floor_div(v, 3.0), x), np.floor_divide(x, 3.0))


HALVES = np.array([-2.5, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, 0.49999999999999994, -0.49999999999999994,
                   2.0**52 + 1, 1e300, np.inf, -np.inf, np.nan, 3.7, -3.7])


def _half_away(x):
    # the reference, exactly: np.round is half-to-even, so fix the halves it rounds to even
    t = np.trunc(x)
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(x - t) >= 0.5, t + np.sign(x), t)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_half_away_from_zero_and_iround(mode, dtype):
    with np.errstate(over="ignore"):  # 1e300 is inf in float32
        x = HALVES.astype(dtype)
    away, even, rounded, iround = run(mode, lambda v: [at.round_half_away_from_zero(v), at.round(v),
                                                       at.round(v, "half_away_from_zero"),
                                                       at.iround(v[:11], "half_away_from_zero")], x)
    expected = np.array([-3, -2, -1, -0.0, 0, 1, 2, 3, 0, -0.0, 2.0**52 + 1, 1e300, np.inf, -np.inf,
                         np.nan, 4, -4])
    if dtype == "float32":
        expected = _half_away(x)  # 0.49999999999999994 is 0.5 in float32
    np.testing.assert_array_equal(away, expected)
    np.testing.assert_array_equal(np.signbit(away), np.signbit(expected))  # -0.0 stays -0.0
    np.testing.assert_array_equal(rounded, away)
    np.testing.assert_array_equal(even, np.round(x))
    assert iround.dtype == np.int64
    np.testing.assert_array_equal(iround, expected[:11].astype(np.int64))
    with pytest.raises(ValueError, match="mode"):
        at.round(at.dvector(), "up")


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True, width=64))
def test_round_half_away_from_zero_property(value):
    f = _compiled_round()
    got = f(np.array([value]))
    np.testing.assert_array_equal(got, _half_away(np.array([value])))


_ROUND = {}


def _compiled_round():
    if "f" not in _ROUND:
        x = at.dvector("x")
        _ROUND["f"] = arignote.function([x], at.round_half_away_from_zero(x), mode="PY")
    return _ROUND["f"]


def test_round_derivative_is_zero():
    x = at.dvector("x")
    g = arignote.grad(at.round_half_away_from_zero(x).sum(), x)
    np.testing.assert_array_equal(g.eval({x: np.array([0.3, 1.7, -2.2])}, mode="PY"), np.zeros(3))


@pytest.mark.parametrize("mode", MODES)
def test_largest_smallest_ptp(mode):
    rng = np.random.default_rng(1)
    a, b, c = rng.normal(size=(3, 4, 5))
    got = run(mode, lambda x, y, z: [at.largest(x, y), at.smallest(x, y), at.largest(x, y, z),
                                     at.smallest(x, y, z), at.ptp(x), at.ptp(x, axis=0), at.ptp(x, axis=1)],
              a, b, c)
    expected = [np.maximum(a, b), np.minimum(a, b), np.max([a, b, c], axis=0), np.min([a, b, c], axis=0),
                np.ptp(a), np.ptp(a, axis=0), np.ptp(a, axis=1)]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)  # selections and one subtraction: exact
    # PyTensor's two-argument form is a switch: b where either is NaN
    nan = np.array([np.nan, 1.0])
    np.testing.assert_array_equal(run(mode, at.largest, nan, np.array([2.0, np.nan])), [2.0, np.nan])
    verify_grad(lambda x, y: at.largest(x, y), [a, b], rng=rng)
    verify_grad(lambda x: at.ptp(x, axis=1), [a], rng=rng)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("float64", "float32"), ("int32", "int64")])
def test_complex(mode, dtypes):
    rng = np.random.default_rng(2)
    re = (rng.normal(size=(3, 4)) * 5).astype(dtypes[0])
    im = (rng.normal(size=(4,)) * 5).astype(dtypes[1])
    if re.dtype.kind == "f":
        re[0, :3] = [np.inf, np.nan, -np.inf]
        im[:2] = [np.inf, -np.inf]
    got = run(mode, at.complex, re, im)
    assert got.dtype == (np.complex64 if dtypes == ("float32", "float32") else np.complex128)
    # each part is set exactly, infinities and NaNs included
    np.testing.assert_array_equal(got.real, np.broadcast_to(re, got.shape).astype(got.real.dtype))
    np.testing.assert_array_equal(got.imag, np.broadcast_to(im, got.shape).astype(got.real.dtype))


@pytest.mark.parametrize("mode", MODES)
def test_complex_from_polar_and_sgn(mode):
    rng = np.random.default_rng(3)
    r, theta = rng.uniform(0.5, 2, size=6), rng.uniform(-3, 3, size=6)
    got, sign = run(mode, lambda a, b: [at.complex_from_polar(a, b), at.sgn(b)], r, theta)
    # r * cos and r * sin: two rounded operations each
    np.testing.assert_allclose(got, r * np.exp(1j * theta), rtol=0, atol=4 * EPS64 * 2)
    np.testing.assert_array_equal(sign, np.sign(theta))


@pytest.mark.parametrize("mode", MODES)
def test_dense_dot(mode):
    rng = np.random.default_rng(4)
    a, b, v = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=4)
    mm, mv = run(mode, lambda x, y, z: [at.dense_dot(x, y), at.dense_dot(x, z)], a, b, v)
    # sums of 4 products: a few ulps of the largest term
    np.testing.assert_allclose(mm, a @ b, rtol=0, atol=16 * EPS64 * np.abs(a).max() * np.abs(b).max())
    np.testing.assert_allclose(mv, a @ v, rtol=0, atol=16 * EPS64 * np.abs(a).max() * np.abs(v).max())


@pytest.mark.parametrize("mode", MODES)
def test_cov(mode):
    rng = np.random.default_rng(5)
    m, y, v = rng.normal(size=(3, 6)), rng.normal(size=(2, 6)), rng.normal(size=6)
    got = run(mode, lambda a, b, c: [at.cov(a), at.cov(a, b), at.cov(a.T, rowvar=False),
                                     at.cov(a, bias=True), at.cov(a, ddof=3), at.cov(c)], m, y, v)
    expected = [np.cov(m), np.cov(m, y), np.cov(m.T, rowvar=False), np.cov(m, bias=True),
                np.cov(m, ddof=3), np.cov(v)]
    for g, e in zip(got, expected):
        # centring (6 terms) and a sum of 6 products, of values of size ~1..3
        np.testing.assert_allclose(g, e, rtol=0, atol=64 * EPS64 * 10)
    assert got[-1].shape == ()
    verify_grad(lambda a: at.cov(a), [m], rng=rng)
    with pytest.raises(NotImplementedError, match="fweights"):
        at.cov(at.dmatrix(), fweights=np.ones(3))


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])  # kv has no JAX lowering (real orders)
def test_kn(mode):
    rng = np.random.default_rng(6)
    x = rng.uniform(0.1, 20, size=8)
    for n in (0, 1, 3):
        got = run(mode, lambda v: at.kn(n, v), x)
        # kve * exp(-x): SciPy's kve (a few ulps) and one exp and product: 1e-13 relative is wide
        np.testing.assert_allclose(got, sps.kn(n, x), rtol=1e-13)
    verify_grad(lambda v: at.kn(2, v), [x], rng=rng)


@pytest.mark.parametrize("mode", MODES)
def test_special_expressions(mode):
    rng = np.random.default_rng(7)
    a, b = rng.uniform(0.5, 4, size=6), rng.uniform(0.5, 4, size=6)
    p = np.concatenate([rng.uniform(0.01, 0.4, size=3), rng.uniform(0.6, 0.99, size=3)])
    y = np.array([-1.0, 0.3, 1e-20, np.nan, 2.0, -0.5])
    x = np.array([0.0, 1.5, 2.0, 0.0, 0.0, 3.0])
    ts = at.special
    got = run(mode, lambda u, v, q, s, t: [ts.beta(u, v), ts.betaln(u, v), ts.factorial(u), ts.logit(q),
                                           ts.poch(u, v), ts.xlog1py(t, s)], a, b, p, y, x)
    # gamma-based: SciPy's gamma/gammaln are accurate to ~1e-15; three of them combined
    np.testing.assert_allclose(got[0], sps.beta(a, b), rtol=1e-13)
    np.testing.assert_allclose(got[1], sps.betaln(a, b), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(got[2], sps.factorial(a), rtol=1e-13)
    # log of a ratio of values away from 0.5: two roundings, relative to |logit| >= 0.4
    np.testing.assert_allclose(got[3], sps.logit(p), rtol=1e-14)
    np.testing.assert_allclose(got[4], sps.poch(a, b), rtol=1e-13)
    np.testing.assert_allclose(got[5], sps.xlog1py(x, y), rtol=4 * EPS64)  # log1p and one product
    verify_grad(lambda u, v: at.special.betaln(u, v), [a, b], rng=rng)
    verify_grad(lambda q: at.special.logit(q), [p], rng=rng)
    verify_grad(lambda t, s: at.special.xlog1py(t, s), [x[1:3] + 0.5, np.abs(y[1:3])], rng=rng)


def test_type_lists():
    assert at.int_types == (at.bscalar, at.wscalar, at.iscalar, at.lscalar) == at.int_scalar_types
    assert at.float_types == (at.fscalar, at.dscalar)
    assert at.complex_matrix_types == (at.cmatrix, at.zmatrix)
    assert at.dvector("x").type in at.float_vector_types
    assert at.lmatrix("x").type in at.int_matrix_types
    assert at.fscalar("x").type not in at.complex_types


def test_constant_values_and_conversions():
    get = at.get_underlying_scalar_constant_value
    assert get(at.constant([2, 2, 2])) == 2
    assert get(3) == 3
    assert get(at.tensor("x", dtype="float64", shape=(3, None)).shape[0]) == 3
    assert get(at.constant(2.0) * 3 + at.constant(1.0)) == 7.0
    v = at.dvector("v")
    assert get(v, raise_not_constant=False) is v
    for bad in (v, at.constant([1, 2]), at.tensor("x", dtype="float64", shape=(3, None)).shape[1]):
        with pytest.raises(NotScalarConstantError):
            get(bad)
    with pytest.raises(NotScalarConstantError):
        get(at.constant(2.0) * 3, only_process_constants=True)
    s = at.dscalar("s")
    assert at.scalar_from_tensor(s) is s and at.tensor_from_scalar(s) is s
    assert at.tensor_from_scalar(2.5).ndim == 0
    with pytest.raises(TypeError, match="0-d"):
        at.scalar_from_tensor(v)
    assert at.is_flat(v) and not at.is_flat(v, 2) and at.is_flat(at.dmatrix(), ndim=2)
    assert at.newaxis is None
    x = at.dmatrix("x")
    values = np.arange(12.0).reshape(3, 4)
    i = at.lscalar("i")
    got = x[at.make_slice(i, None), at.newaxis].eval({x: values, i: 1}, mode="PY")
    np.testing.assert_array_equal(got, values[1:, np.newaxis])


@pytest.mark.parametrize("module, names", [
    ("arignote.tensor.math", ["ceil_intdiv", "complex", "cov", "divmod", "kn", "ptp", "iround"]),
    ("arignote.tensor.basic", ["choose", "mgrid", "take_along_axis", "get_underlying_scalar_constant_value",
                               "int_types", "scalar_from_tensor"]),
    ("arignote.tensor.extra_ops", ["bartlett", "compress", "ravel_multi_index", "unravel_index"]),
    ("arignote.tensor.subtensor", ["flip", "slice_at_axis"]),
    ("arignote.tensor.sort", ["SortOp", "ArgSortOp"]),
    ("arignote.tensor.special", ["beta", "betaln", "factorial", "logit", "poch", "xlog1py"]),
    ("arignote.tensor.slinalg", ["qr", "QR", "BlockDiagonal"]),
    ("arignote.tensor.nlinalg", ["KroneckerProduct"]),
    ("arignote.tensor.exceptions", ["NotScalarConstantError"]),
])
def test_pytensor_module_paths(module, names):
    mod = importlib.import_module(module)
    for name in names:
        assert getattr(mod, name) is not None, f"{module}.{name}"
