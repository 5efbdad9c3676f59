"""Value transforms (log, interval, simplex, ordered, Cholesky factor of a correlation
matrix): round trips on random points out to the extremes, log-Jacobians against the
log-determinant of the Jacobian that autodiff computes of ``backward``, NumPy references of
the maps, float32, and the errors.

Tolerances are bounds on rounding: each map is a few operations per element, so its result
is off by a few ulps of the quantities it subtracts or sums; where an inverse amplifies that
(the distance to a bound, recovered from a value next to it), the tolerance is the rounding
of the value times the inverse's slope, computed per point.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, softmax

import arignote
import arignote.tensor as at
from arignote.gradient import jacobian
from arignote.logprob.transforms import Interval, LogTransform, Transform, log, lower_bounded
from arignote.logprob.transforms_matrix import CholeskyCorr, ordered, simplex

RNG = np.random.default_rng(20261207)
DTYPES = ["float64", "float32"]


def _assert_below(error, tolerance):
    """Every ``error`` below its ``tolerance`` (broadcasting), naming the worst offender."""
    error, tolerance = np.broadcast_arrays(np.asarray(error, dtype="float64"), tolerance)
    bad = ~(error < tolerance)  # NaN fails too
    if bad.any():
        worst = np.unravel_index(np.argmax(np.where(bad, error / tolerance, -1)), error.shape)
        raise AssertionError(f"{bad.sum()} error(s) above tolerance; worst at {worst}: "
                             f"{error[worst]:.3e} > {tolerance[worst]:.3e}")


def _eps(dtype: str) -> float:
    return float(np.finfo(dtype).eps)


def _maps(transform: Transform, dtype: str, ndim: int, u_ndim: int | None = None):
    """Compiled ``backward``, ``forward`` and ``log_jac_det`` of ``transform`` for ``dtype``."""
    x = at.tensor("x", dtype=dtype, shape=(None,) * ndim)
    u = at.tensor("u", dtype=dtype, shape=(None,) * (ndim if u_ndim is None else u_ndim))
    back = transform.backward(u)
    fwd = transform.forward(x)
    jac = transform.log_jac_det(u)
    assert back.dtype == fwd.dtype == jac.dtype == dtype  # float32 stays float32
    return (arignote.function([u], back), arignote.function([x], fwd), arignote.function([u], jac))


# --- elementwise: log and the intervals ---------------------------------------------------

# (transform, lower, upper) with the bounds as NumPy sees them (None: unbounded)
ELEMENTWISE = [
    (log, 0.0, None),
    (Interval(-1.0, 2.0), -1.0, 2.0),
    (Interval(0.0, 1.0), 0.0, 1.0),
    (Interval(3.0, None), 3.0, None),
    (Interval(None, -2.0), None, -2.0),
    (Interval(100.0, 100.5), 100.0, 100.5),  # a narrow interval far from 0
]


def _support_points(lower, upper, dtype):
    """Random points of the support, and points a few ulps (relative to the bound) and
    1e-10 away from each bound."""
    eps = _eps(dtype)
    if lower is not None and upper is not None:
        width = upper - lower
        inner = lower + width * RNG.uniform(0.01, 0.99, size=20)
        near = [lower + width * 1e-5, upper - width * 1e-5, lower + 16 * eps * max(1, abs(lower)),
                upper - 16 * eps * max(1, abs(upper))]
    elif lower is not None:
        inner = lower + np.exp(RNG.uniform(-8, 8, size=20))
        near = [lower + 1e-5, lower + 16 * eps * max(1, abs(lower)), lower + 1e15 * (dtype == "float64")
                + 1e7 * (dtype == "float32")]
    else:
        inner = upper - np.exp(RNG.uniform(-8, 8, size=20))
        near = [upper - 1e-5, upper - 16 * eps * max(1, abs(upper))]
    return np.concatenate([inner, near]).astype(dtype)


def _slope(x, lower, upper):
    """``|du/dx|`` of the transform at ``x`` (in float64)."""
    x = x.astype("float64")
    slope = np.zeros_like(x)
    if lower is not None:
        slope += 1.0 / (x - lower)
    if upper is not None:
        slope += 1.0 / (upper - x)
    return slope


def _magnitude(x, lower, upper):
    """The size of the numbers added to form ``x``: its rounding is a few ulps of this."""
    bounds = [abs(b) for b in (lower, upper) if b is not None]
    width = [upper - lower] if lower is not None and upper is not None else []
    return np.maximum(np.abs(x.astype("float64")), max(bounds + width))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("transform", "lower", "upper"), ELEMENTWISE, ids=lambda v: repr(v))
def test_elementwise_round_trips(transform, lower, upper, dtype):
    back, fwd, _ = _maps(transform, dtype, 1)
    eps = _eps(dtype)
    # x -> u -> x: u is off by a few ulps of x times the slope; mapped back that is a few ulps
    # of x again, plus the rounding of `bound +- width * sigmoid` (ulps of the magnitude)
    x = _support_points(lower, upper, dtype)
    u = fwd(x).astype("float64")
    got = back(fwd(x))
    # (the rounding of u itself, an ulp of |u|, moves x by that over the slope)
    tol = 8 * eps * (_magnitude(x, lower, upper) + np.abs(u) / _slope(x, lower, upper))
    _assert_below(np.abs(got - x.astype("float64")), tol)
    # u -> x -> u, to u = +-30: x is off by a few ulps of its magnitude, which the slope
    # du/dx amplifies (near a bound at 1e-13 of an interval of width 1, that is ~1e-3 of u:
    # the digits of the distance to the bound are not in the stored x); u itself is rounded
    # to an ulp of u
    u = np.concatenate([RNG.normal(0, 5, size=20), [-30.0, 30.0, -1e-8, 0.0, 15.0, -15.0]])
    # only points whose distance to the bound is representable: beyond that x rounds onto
    # the bound (exp(-30) is far below float32's ulp of 3), which no transform can undo
    u64 = u.astype("float64")
    if lower is not None and upper is not None:
        gap = (upper - lower) * expit(-np.abs(u64))
    else:
        gap = np.exp(u64)
    bound = max(abs(b) for b in (lower, upper) if b is not None)
    u = u[gap > 64 * eps * max(bound, 1.0)].astype(dtype)
    assert len(u) >= 10
    x = back(u)
    assert np.all(np.isfinite(x))
    inside = np.ones_like(x, dtype=bool)
    if lower is not None:
        inside &= x > lower
    if upper is not None:
        inside &= x < upper
    assert inside.all(), x[~inside]
    got = fwd(x)
    tol = 8 * eps * (_magnitude(x, lower, upper) * _slope(x, lower, upper) + np.abs(u))
    _assert_below(np.abs(got - u.astype("float64")), tol)


@pytest.mark.parametrize(("transform", "lower", "upper"), ELEMENTWISE, ids=lambda v: repr(v))
def test_elementwise_maps_against_numpy_and_the_jacobian(transform, lower, upper):
    back, _, jac = _maps(transform, "float64", 1)
    u = np.concatenate([RNG.normal(0, 4, size=30), [-30.0, 30.0]])
    if lower is not None and upper is not None:
        want = lower + (upper - lower) * expit(u)
    elif lower is not None:
        want = lower + np.exp(u)
    else:
        want = upper - np.exp(u)
    # bound +- width * sigmoid: a few ulps of the larger of the bound and the width
    magnitude = max([abs(b) for b in (lower, upper) if b is not None] + [1.0])
    np.testing.assert_allclose(back(u), want, rtol=4 * _eps("float64"), atol=4 * _eps("float64") * magnitude)
    # the log-Jacobian against log |dx/du| from autodiff of backward (a diagonal Jacobian)
    uv = at.dvector("u")
    full = arignote.function([uv], jacobian(transform.backward(uv), uv))(u)
    assert np.count_nonzero(full - np.diag(np.diag(full))) == 0
    # log of a slope computed to a few ulps: absolute error a few eps; the formula's own
    # terms (|u| ~ 30 from softplus) round to an ulp of 30
    np.testing.assert_allclose(jac(u), np.log(np.abs(np.diag(full))), rtol=0, atol=64 * _eps("float64"))


def test_interval_with_tensor_bounds_broadcasts():
    lower, upper, u = at.dvector("lower"), at.dscalar("upper"), at.dmatrix("u")
    t = Interval(lower, upper)
    f = arignote.function([u, lower, upper], [t.backward(u), t.log_jac_det(u)])
    lv, uv = np.array([-1.0, 0.0, 0.5]), 2.0
    uu = RNG.normal(size=(2, 3))
    x, j = f(uu, lv, uv)
    # lower + width * sigmoid(u): a few ulps of each of the two terms, absolute (the sum can
    # cancel to near 0, so no relative bound holds); the log-Jacobian log(width) - softplus(u)
    # - softplus(-u) likewise, a few ulps of its terms (|u| + log 2 each at most)
    eps = np.finfo(np.float64).eps
    width = uv - lv
    np.testing.assert_allclose(x, lv + width * expit(uu), rtol=0,
                               atol=8 * eps * (np.abs(lv) + np.abs(width)).max())
    np.testing.assert_allclose(j, np.log(width * expit(uu) * expit(-uu)), rtol=0,
                               atol=8 * eps * (np.abs(np.log(width)).max() + 2 * np.abs(uu).max() + 2))


def test_lower_bounded_is_log_at_zero():
    assert lower_bounded(0.0) is log
    assert lower_bounded(at.as_tensor_variable(np.zeros(3))) is log
    shifted = lower_bounded(2.0)
    assert isinstance(shifted, Interval) and shifted.lower == 2.0 and shifted.upper is None
    assert isinstance(log, LogTransform)


# --- simplex ------------------------------------------------------------------------------

def _helmert(k: int) -> np.ndarray:
    """The ``k x (k-1)`` Helmert basis of the hyperplane sum = 0, built column by column."""
    basis = np.zeros((k, k - 1))
    for i in range(1, k):
        basis[:i, i - 1] = 1.0 / np.sqrt(i * (i + 1))
        basis[i, i - 1] = -i / np.sqrt(i * (i + 1))
    return basis


def _numerical_slogdet(transform, u, take):
    """log |det| of the Jacobian of ``take(backward(u))`` (an R^m -> R^m map) by autodiff.

    A reference, so computed on the py backend (NumPy's kernels) whatever backend is under
    test: under JAX, the softmax Jacobian's entries for components of ~1e-50 came out 1e-5
    off relative (log |det| off by 3e-5 at -120), while the transform's own log-Jacobian
    under JAX matched the closed form to 1e-13."""
    uv = at.tensor("u", dtype="float64", shape=(None,) * u.ndim)
    full = arignote.function([uv], jacobian(take(transform.backward(uv)), uv), mode="PY")(u)
    sign, logdet = np.linalg.slogdet(full)
    assert sign != 0
    return logdet


def _slogdet_tolerance(transform, u, take, want):
    """The rounding of ``slogdet`` of the autodiff Jacobian: LU's backward error moves
    ``log |det|`` by up to ``m eps cond(J)``; plus ulps of the log itself."""
    uv = at.tensor("u", dtype="float64", shape=(None,) * u.ndim)
    full = arignote.function([uv], jacobian(take(transform.backward(uv)), uv), mode="PY")(u)
    m = full.shape[0]
    return 8 * m * _eps("float64") * np.linalg.cond(full) + 64 * _eps("float64") * (1 + abs(want))


@pytest.mark.parametrize("k", [2, 3, 7])
def test_simplex_against_the_helmert_basis_and_its_jacobian(k):
    back, fwd, jac = _maps(simplex, "float64", 1)
    basis = _helmert(k)
    assert np.allclose(basis.T @ basis, np.eye(k - 1)) and np.allclose(basis.sum(0), 0)
    for scale in (0.5, 3.0, 10.0):
        u = RNG.normal(0, scale, size=k - 1)
        x = back(u)
        # a softmax of sums of K terms of size |u|: each log x_i is off by K ulps of |u|
        np.testing.assert_allclose(x, softmax(basis @ u), rtol=8 * k * _eps("float64") * (1 + scale))
        np.testing.assert_allclose(x.sum(), 1.0, rtol=4 * k * _eps("float64"))
        np.testing.assert_allclose(fwd(x), basis.T @ np.log(x), atol=8 * k * _eps("float64") * (1 + scale))
        # drop the last coordinate: x[:K-1] is the map R^(K-1) -> R^(K-1).  The autodiff
        # Jacobian of the softmax forms x_i - x_i x_j: for a component near 1 that difference
        # keeps eps / (1 - x_i) of relative accuracy, and the log-determinant inherits it; so
        # it is a reference only where no component is within 1e-6 of 1, and only at moderate
        # scales: at |u| ~ 10 components of ~1e-50 make slogdet of the autodiff Jacobian miss
        # by up to 26 times the cond-based bound (150 random points, k = 7).  The closed form
        # below is checked at every scale
        if scale <= 3.0 and x.max() < 1 - 1e-6:
            want = _numerical_slogdet(simplex, u, lambda v: v[:-1])
            tol = (_slogdet_tolerance(simplex, u, lambda v: v[:-1], want)
                   + 64 * k * _eps("float64") / (1 - x.max()))
            np.testing.assert_allclose(jac(u), want, rtol=0, atol=tol)
        # and the closed form of the docstring: sum log x + log(K) / 2
        np.testing.assert_allclose(jac(u), np.log(x).sum() + 0.5 * np.log(k), rtol=1e-13)


@pytest.mark.parametrize("dtype", DTYPES)
def test_simplex_round_trips_to_the_extremes(dtype):
    back, fwd, jac = _maps(simplex, dtype, 2)
    eps = _eps(dtype)
    k = 5
    # points of the simplex with components down to 1e-30 (float64) / 1e-15 (float32)
    tiny = 1e-30 if dtype == "float64" else 1e-15
    x = RNG.dirichlet(np.full(k, 0.3), size=30)
    x = np.concatenate([x, [[tiny, tiny, tiny, tiny, 1 - 4 * tiny], [0.2] * 5, [tiny, 0.5, 0.5, tiny, tiny]]])
    x = (x / x.sum(-1, keepdims=True)).astype(dtype)
    got = back(fwd(x))
    # each log x_i is recovered to K ulps of max |log x|: a relative error of x_i
    logs = np.abs(np.log(x.astype("float64"))).max(-1, keepdims=True)
    _assert_below(np.abs(got - x) / x, 8 * k * eps * (1 + logs))
    # u = +-30 in every coordinate: components near exp(-60 sqrt K), no underflow to 0
    u = np.concatenate([RNG.normal(0, 3, size=(20, k - 1)), np.full((1, k - 1), 30.0),
                        np.full((1, k - 1), -30.0), [[30.0, -30.0, 30.0, -30.0]]]).astype(dtype)
    x = back(u)
    assert np.all(x > 0) and np.all(np.isfinite(jac(u)))
    np.testing.assert_allclose(x.sum(-1), 1.0, rtol=4 * k * eps)
    _assert_below(np.abs(fwd(x) - u), 16 * k * eps * (1 + np.abs(u).max(-1, keepdims=True)))


# --- ordered ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_ordered_round_trips_and_jacobian(dtype):
    back, fwd, jac = _maps(ordered, dtype, 2)
    eps = _eps(dtype)
    x = np.sort(RNG.normal(0, 10, size=(10, 6)), axis=-1).astype(dtype)
    # the cumulative sum recovers x to K ulps of the largest |x| in the row
    _assert_below(np.abs(back(fwd(x)) - x), 8 * 6 * eps * np.abs(x).max(-1, keepdims=True))
    # increments of exp(+-30) from 0: a gap is recovered to K ulps of the row's size, which
    # relative to the gap is its log's error (same-sign increments: a gap of 1e-13 after a
    # value of 1e13 is not representable at all)
    u = np.concatenate([RNG.normal(0, 2, size=(10, 6)), [[0.0] + [30.0] * 5, [0.0] + [-30.0] * 5,
                                                         [-5.0, 3.0, -2.0, 0.0, 1.0, 2.0]]]).astype(dtype)
    x = back(u)
    assert np.all(np.diff(x, axis=-1) > 0)
    gaps = np.concatenate([np.ones((len(u), 1)), np.exp(u[:, 1:].astype("float64"))], -1)
    tol = 8 * 6 * eps * (np.abs(x.astype("float64")).max(-1, keepdims=True) / gaps + np.abs(u))
    _assert_below(np.abs(fwd(x) - u), tol)
    if dtype == "float64":
        for row in u[:12]:
            want = _numerical_slogdet(ordered, row, lambda v: v)
            tol = _slogdet_tolerance(ordered, row, lambda v: v, want)
            np.testing.assert_allclose(jac(row[None])[0], want, rtol=0, atol=tol)


# --- Cholesky factor of a correlation matrix --------------------------------------------

def _cholesky_reference(u: np.ndarray, n: int) -> np.ndarray:
    """The factor built entry by entry with ``1 - sum of squares`` (moderate u only)."""
    factor = np.zeros((n, n))
    factor[0, 0] = 1.0
    k = 0
    for i in range(1, n):
        for j in range(i):
            factor[i, j] = np.tanh(u[k]) * np.sqrt(1.0 - np.sum(factor[i, :j] ** 2))
            k += 1
        factor[i, i] = np.sqrt(1.0 - np.sum(factor[i, :i] ** 2))
    return factor


def _random_correlation_factors(count: int, n: int) -> np.ndarray:
    a = RNG.normal(size=(count, n, n + 2))
    cov = a @ np.swapaxes(a, -1, -2)
    d = 1 / np.sqrt(np.diagonal(cov, axis1=-2, axis2=-1))
    corr = cov * d[:, :, None] * d[:, None, :]
    return np.linalg.cholesky(corr)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_cholesky_corr_against_reference_and_jacobian(n):
    t = CholeskyCorr(n)
    back, fwd, jac = _maps(t, "float64", 3, u_ndim=2)
    m = n * (n - 1) // 2
    u = RNG.normal(0, 1.5, size=(6, m))
    factors = back(u)
    rows, cols = np.tril_indices(n, -1)
    for uu, factor in zip(u, factors, strict=True):
        # products of n tanh/sqrt factors: n ulps; but the reference's sqrt(1 - sum of squares)
        # cancels where a row's remaining length (its diagonal entry d) is small: an absolute
        # error n eps in 1 - s becomes n eps / (2 d) in d and in the entries computed after it
        reference = _cholesky_reference(uu, n)
        scale = 1.0 + 1.0 / np.diagonal(reference)[:, None]
        assert np.all(np.abs(factor - reference) <= 16 * n * _eps("float64") * scale), (factor, reference)
        np.testing.assert_allclose(np.diagonal(factor @ factor.T), 1.0, rtol=8 * n * _eps("float64"))
        assert np.all(np.diagonal(factor) > 0) and np.all(np.triu(factor, 1) == 0)
        want = _numerical_slogdet(t, uu, lambda v: v[rows, cols])
        tol = _slogdet_tolerance(t, uu, lambda v: v[rows, cols], want)
        np.testing.assert_allclose(jac(uu[None])[0], want, rtol=0, atol=tol)
    # random correlation matrices -> u -> back: ulps of the entries (all at most 1)
    factors = _random_correlation_factors(10, n)
    np.testing.assert_allclose(back(fwd(factors)), factors, rtol=0, atol=32 * n * _eps("float64"))


@pytest.mark.parametrize("dtype", DTYPES)
def test_cholesky_corr_round_trips_to_the_extremes(dtype):
    n = 4
    t = CholeskyCorr(n)
    back, fwd, jac = _maps(t, dtype, 2, u_ndim=1)
    eps = _eps(dtype)
    # +-30 in float64: tanh(30) is 1 to the last bit, yet the partial correlation is recovered
    # from the lengths left after it (no arctanh of a ratio rounded to 1); float32 keeps the
    # remaining lengths above its underflow to |u| ~ 10 (exp(-2 * 2 * 10) per entry)
    big = 30.0 if dtype == "float64" else 10.0
    cases = [RNG.normal(0, 2, size=6), np.full(6, big), np.full(6, -big),
             np.array([big, -big, 0.5, big, -1.0, big]), np.zeros(6)]
    for u in cases:
        u = u.astype(dtype)
        factor = back(u)
        assert np.all(np.isfinite(factor)) and np.all(np.diagonal(factor) > 0) and np.isfinite(jac(u))
        np.testing.assert_allclose(np.sum(factor.astype("float64") ** 2, -1), 1.0, rtol=8 * n * eps)
        # the lengths are exp of sums of up to n - 1 terms log(1 - z^2) ~ -2|u|, each rounded
        # to an ulp of its size: relative errors of n eps (2 max|u| + 2); u = sign * (log(s +
        # |L|) - log r) takes their logs, so that is its absolute error
        tol = 8 * n * eps * (2 * np.abs(u).max() + 2)
        np.testing.assert_allclose(fwd(factor), u, rtol=0, atol=tol)


# --- errors -------------------------------------------------------------------------------

def test_bad_transforms_and_values_raise_clear_errors():
    with pytest.raises(ValueError, match="give a lower bound, an upper bound or both"):
        Interval()
    with pytest.raises(ValueError, match="lower < upper is required"):
        Interval(2.0, 1.0)
    with pytest.raises(ValueError, match="n must be a positive int"):
        CholeskyCorr(0)
    with pytest.raises(ValueError, match="n must be a positive int"):
        CholeskyCorr(2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"n\(n-1\)/2 = 3 entries"):
        CholeskyCorr(3).backward(at.tensor("u", dtype="float64", shape=(4,)))
    with pytest.raises(ValueError, match="must be n x n"):
        CholeskyCorr(3).forward(at.tensor("x", dtype="float64", shape=(3, 2)))
    with pytest.raises(ValueError, match=r"simplex transform: the value needs at least 1 dimension"):
        simplex.forward(at.dscalar("x"))
    with pytest.raises(ValueError, match=r"cholesky_corr transform: the value needs at least 2"):
        CholeskyCorr(3).forward(at.dvector("x"))
    with pytest.raises(TypeError, match="log transform: the value must be real"):
        log.forward(at.cvector("x"))
    with pytest.raises(TypeError, match="must be a tensor"):
        log.backward(object())
