"""logp / logcdf / icdf of the discrete distributions of ``at.random`` against scipy.stats:
random draws and the support's edges, values off it (non-integers included), extreme
parameters; float32; broadcast parameters; derivatives in the continuous parameters against
finite differences; the parameter checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.backend.jax.plan import JaxCompileError
from arignote.gradient import verify_grad
from arignote.logprob import icdf, logcdf, logp

RNG = np.random.default_rng(20261207)
EPS = np.finfo(np.float64).eps


@dataclass
class Case:
    """A distribution: its op, scipy's, parameter dtypes, parameter sets to try, the value of
    the largest ``gammaln`` term the log-pmf cancels (the scale of its rounding error), and
    edge values (support ends, off-support points) for given parameters."""

    rv: Callable[..., Any]
    scipy: Callable[..., Any]
    dtypes: tuple[str, ...]
    params: list[tuple[float, ...]]
    magnitude: Callable[..., float]
    edges: Callable[..., list[float]]
    #: the CDF as a sum of the pmf over the support (no closed form): accurate to the pmf's
    #: own error; JAX refuses it (the number of terms is known only at run time)
    cdf_by_summation: bool = False


CASES = {
    "bernoulli": Case(at.random.bernoulli, st.bernoulli, ("float64",),
                      [(0.0,), (1e-12,), (0.3,), (1 - 1e-12,), (1.0,)], lambda p: 1.0,
                      lambda p: [-1, 0, 1, 2, 0.5, -0.5]),
    "binomial": Case(at.random.binomial, st.binom, ("int64", "float64"),
                     [(0, 0.3), (7, 0.3), (50, 1e-10), (1000, 0.999), (10**6, 0.5), (20, 0.0), (20, 1.0)],
                     lambda n, p: sp.gammaln(n + 1.0),
                     lambda n, p: [-1, 0, 1, n // 2, n - 1, n, n + 1, 2.5, -0.5]),
    "poisson": Case(at.random.poisson, st.poisson, ("float64",),
                    [(0.0,), (1e-8,), (2.5,), (300.0,), (1e6,)],
                    lambda lam: lam + sp.gammaln(10 * lam + 31),
                    lambda lam: [-1, 0, 1, int(lam), int(10 * lam) + 30, 2.5]),
    "geometric": Case(at.random.geometric, st.geom, ("float64",),
                      [(1e-10,), (0.3,), (0.999,), (1.0,)], lambda p: 1.0,
                      lambda p: [-3, 0, 1, 2, 10, 10**4, 2.5]),
    "negative_binomial": Case(at.random.negative_binomial, st.nbinom, ("float64", "float64"),
                              [(0.5, 0.3), (2.5, 1e-3), (40.0, 0.99), (3.0, 1.0)],
                              lambda n, p: sp.gammaln(n + 1e4),
                              lambda n, p: [-1, 0, 1, 50, 3000, 2.5]),
    "beta_binomial": Case(at.random.betabinom, st.betabinom, ("int64", "float64", "float64"),
                          [(7, 2.0, 3.0), (50, 0.3, 0.5), (1000, 100.0, 10.0), (0, 1.0, 1.0)],
                          lambda n, a, b: sp.gammaln(n + a + b + 1.0),
                          lambda n, a, b: [-1, 0, 1, n - 1, n, n + 1, 2.5], cdf_by_summation=True),
    # scipy's hypergeom(M, n, N) is (population, good, sample)
    "hypergeometric": Case(at.random.hypergeometric, lambda g, b, s: st.hypergeom(g + b, g, s),
                           ("int64", "int64", "int64"),
                           [(5, 4, 6), (50, 30, 40), (1000, 2000, 500), (3, 0, 2)],
                           lambda g, b, s: sp.gammaln(g + b + 1.0),
                           lambda g, b, s: [max(s - b, 0) - 1, max(s - b, 0), min(s, g), min(s, g) + 1, 2.5],
                           cdf_by_summation=True),
    "integers": Case(at.random.integers, st.randint, ("int64", "int64"),
                     [(-1, 5), (0, 1), (10, 1000)], lambda lo, hi: 1.0,
                     lambda lo, hi: [lo - 1, lo, hi - 1, hi, lo + 0.5]),
}


def _incomplete_rtol(params: tuple[float, ...]) -> float:
    """The relative accuracy of the regularised incomplete beta/gamma functions: SciPy's
    (Boost's, which the reference uses too) is ~1e-14 throughout; JAX's float64 series and
    continued fractions accumulate rounding over a number of terms that grows with the
    parameters, ~1e-14 per unit of the largest one (1e-8 at a million trials)."""
    if arignote.config.mode == "JAX":
        return 1e-14 * max(1e3, *(abs(x) for x in params))
    return 1e-11


def _values(case: Case, params: tuple[float, ...]) -> np.ndarray:
    draws = case.scipy(*params).rvs(size=6, random_state=RNG)
    return np.concatenate([draws, np.asarray(case.edges(*params), dtype=float)])


@pytest.mark.parametrize("name", sorted(CASES))
def test_logp_and_logcdf_against_scipy(name):
    case = CASES[name]
    params = [at.scalar(f"param{i}", dtype=dtype) for i, dtype in enumerate(case.dtypes)]
    v = at.dvector("v")
    size = len(_values(case, case.params[0]))
    rv = case.rv(*params, size=size)
    with_cdf = not (case.cdf_by_summation and arignote.config.mode == "JAX")
    if not with_cdf:  # a run-time number of terms: JAX refuses it, naming the reason
        with pytest.raises(JaxCompileError) as refused:
            arignote.function([v, *params], logcdf(rv, v))
        assert refused.value.only_static_shapes
    f = arignote.function([v, *params], [logp(rv, v)] + [logcdf(rv, v)] * with_cdf)
    counts = at.lvector("counts")  # values of the draws' own dtype, int64
    f_int = arignote.function([counts, *params], [logp(rv, counts)] + [logcdf(rv, counts)] * with_cdf)
    for values in case.params:
        x = _values(case, values)
        assert x.size == size
        got = f(x, *values)
        ref = case.scipy(*values)
        # log-pmf: up to ~10 rounded terms (gammaln's, each within ~2 ulps) of size up to the
        # largest gammaln term, which cancel: absolute error ~20 eps * that magnitude
        # (plus the same relative to the result itself: log(1 - p) * k for a large k)
        pmf_atol = 32 * EPS * (1.0 + case.magnitude(*values))
        np.testing.assert_allclose(got[0], ref.logpmf(x), rtol=32 * EPS, atol=pmf_atol, err_msg=f"{values}")
        whole = x[x == np.floor(x)].astype(np.int64)
        for g, r in zip(f_int(whole, *values), got):
            # the same formulas, rewritten a little differently for integers: rounding of a
            # few terms of size up to the largest gammaln term
            np.testing.assert_allclose(g, r[x == np.floor(x)], rtol=8 * EPS, atol=pmf_atol / 4)
        if not with_cdf:
            continue
        # P(X <= x) = P(X <= floor(x)) (scipy's hypergeom is NaN at non-integers), in logs,
        # against scipy's best of cdf/sf
        cdf, sf = ref.cdf(np.floor(x)), ref.sf(np.floor(x))
        with np.errstate(divide="ignore"):
            want = np.where(sf < 0.5, np.log1p(-sf), np.log(cdf))
        if case.cdf_by_summation:
            # a logsumexp of log-pmf terms: the terms' absolute error, ~ pmf_atol
            np.testing.assert_allclose(got[1], want, rtol=32 * EPS, atol=pmf_atol, err_msg=f"{values}")
        else:
            # log of the smaller of cdf/sf (each accurate to ~1e-14 relative by the regularised
            # incomplete beta/gamma): an absolute error of that size, relative to |log|
            np.testing.assert_allclose(got[1], want, rtol=_incomplete_rtol(values), atol=1e-13,
                                       err_msg=f"{values}")


@pytest.mark.parametrize(("name", "param_sets"), [
    ("bernoulli", [(0.0,), (0.3,), (1.0,)]),
    ("geometric", [(1e-10,), (0.3,), (0.999,)]),
    ("integers", [(-1, 5), (0, 1), (10, 1000)]),
])
def test_icdf_against_scipy(name, param_sets):
    case = CASES[name]
    params = [at.scalar(f"param{i}", dtype=dtype) for i, dtype in enumerate(case.dtypes)]
    q = at.dvector("q")
    f = arignote.function([q, *params], icdf(case.rv(*params), q))
    probabilities = np.concatenate([[0.0, 1e-300, 1e-12, 0.5, 1 - 1e-12, 1.0], RNG.uniform(size=6)])
    for values in param_sets:
        ref = case.scipy(*values)
        got = f(probabilities, *values)
        want = ref.ppf(probabilities)
        lowest = ref.support()[0]
        want[0] = lowest  # the support's smallest value, not one below it
        if ref.cdf(lowest) >= 1:  # scipy's ppf(1) is the support's top even where F reaches 1 before
            want[5] = lowest
        # exact: a quantile is an integer; the boundary case (CDF at k equal to q up to
        # rounding) is corrected to the smallest k by re-evaluating the CDF
        np.testing.assert_array_equal(got, want, err_msg=f"{values}")
    assert np.isnan(f(np.array([-0.1, 1.5]), *param_sets[0])).all()


def _categorical_reference(p: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = np.arange(p.shape[-1])
    mass = np.where(x[..., None] == k, p, 0.0).sum(-1)
    cdf = np.where(k <= x[..., None], p, 0.0).sum(-1)
    with np.errstate(divide="ignore"):
        return np.log(mass), np.where(x >= p.shape[-1] - 1, 0.0, np.log(cdf))


def test_categorical_with_a_batch_of_probability_vectors():
    p = at.dmatrix("p")
    v, q = at.dmatrix("v"), at.dmatrix("q")
    rv = at.random.categorical(p, size=(4, 3))
    f = arignote.function([v, q, p], [logp(rv, v), logcdf(rv, v), icdf(rv, q)])
    pv = RNG.dirichlet([0.5, 1.0, 2.0, 0.1], size=3)
    pv[1] = [0.0, 0.5, 0.0, 0.5]  # impossible outcomes
    x = np.array([[0, 1, 2], [3, 0, 1], [-1, 4, 1.5], [2, 3, 0]], dtype=float)
    qv = RNG.uniform(size=(4, 3))
    qv[0] = [0.0, 1.0, 0.5]
    got = f(x, qv, pv)
    want_logp, want_logcdf = _categorical_reference(pv, x)
    # a sum with one non-zero term, then log: exact up to the log's rounding
    np.testing.assert_allclose(got[0], want_logp, rtol=4 * EPS)
    # partial sums of <= 4 terms: a few ulps, relative
    np.testing.assert_allclose(got[1], want_logcdf, rtol=16 * EPS, atol=16 * EPS)
    want_icdf = np.array([[np.searchsorted(np.cumsum(pv[j]), qv[i, j]) for j in range(3)] for i in range(4)])
    np.testing.assert_array_equal(got[2], np.minimum(want_icdf, 3))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float32_stays_float32_and_parameters_broadcast(dtype):
    p = at.tensor("p", dtype=dtype, shape=(None,))
    lam = at.tensor("lam", dtype=dtype, shape=(3, 1))
    n = at.tensor("n", dtype=dtype, shape=(3, 1))
    v = at.tensor("v", dtype=dtype, shape=(3, None))
    outs = [logp(at.random.poisson(lam * p), v), logcdf(at.random.poisson(lam * p), v),
            logp(at.random.negative_binomial(n, p), v), logcdf(at.random.geometric(p), v + 1),
            logp(at.random.binomial(n, p), v)]
    assert all(o.dtype == dtype for o in outs)
    pv = RNG.uniform(0.2, 0.8, size=4).astype(dtype)
    lv = RNG.uniform(1, 10, size=(3, 1)).astype(dtype)
    nv = np.array([[5], [9], [20]], dtype=dtype)
    x = RNG.integers(0, 6, size=(3, 4)).astype(dtype)
    got = arignote.function([v, p, lam, n], outs)(x, pv, lv, nv)
    ref = [st.poisson(lv * pv).logpmf(x), st.poisson(lv * pv).logcdf(x), st.nbinom(nv, pv).logpmf(x),
           st.geom(pv).logcdf(x + 1), st.binom(nv, pv).logpmf(x)]
    # a dozen rounded operations on terms up to gammaln(25) ~ 55: absolute 1e3 eps, relative 64 eps
    eps = np.finfo(dtype).eps
    for g, r in zip(got, ref):
        assert g.shape == (3, 4)
        np.testing.assert_allclose(g, r, rtol=64 * eps, atol=1e3 * eps)


COUNTS = at.constant(np.array([0.0, 1.0, 3.0, 6.0]))


def _probabilities() -> list[np.ndarray]:
    return [RNG.uniform(0.2, 0.8, size=4)]


def _positive(count: int) -> list[np.ndarray]:
    return [RNG.uniform(0.5, 4, size=4) for _ in range(count)]


@pytest.mark.parametrize(("fun", "point", "betainc_in_a_or_b"), [
    (lambda p: logp(at.random.bernoulli(p), at.constant([0, 1, 1, 0])), _probabilities, False),
    (lambda p: logp(at.random.binomial(7, p), COUNTS), _probabilities, False),
    (lambda p: logcdf(at.random.binomial(7, p), COUNTS), _probabilities, False),
    (lambda lam: logp(at.random.poisson(lam), COUNTS), lambda: _positive(1), False),
    (lambda lam: logcdf(at.random.poisson(lam), COUNTS), lambda: _positive(1), False),
    (lambda p: logp(at.random.geometric(p), COUNTS + 1), _probabilities, False),
    (lambda p: logcdf(at.random.geometric(p), COUNTS + 1), _probabilities, False),
    (lambda n, p: logp(at.random.negative_binomial(n, p), COUNTS), lambda: _positive(1) + _probabilities(),
     False),
    (lambda n, p: logcdf(at.random.negative_binomial(n, p), COUNTS), lambda: _positive(1) + _probabilities(),
     True),
    (lambda a, b: logp(at.random.betabinom(6, a, b), COUNTS), lambda: _positive(2), False),
    (lambda a, b: logcdf(at.random.betabinom(6, a, b), COUNTS), lambda: _positive(2), False),
], ids=["bernoulli", "binomial", "binomial-cdf", "poisson", "poisson-cdf", "geometric", "geometric-cdf",
        "nbinom", "nbinom-cdf", "betabinom", "betabinom-cdf"])
def test_derivatives_in_the_continuous_parameters(fun, point, betainc_in_a_or_b):
    if betainc_in_a_or_b and arignote.config.mode == "JAX":
        # jax.scipy.special's betainc has no derivative in its first two arguments
        with pytest.raises(JaxCompileError, match="no derivative of betainc"):
            verify_grad(fun, point(), rng=RNG)
        return
    verify_grad(fun, point(), rng=RNG)


@pytest.mark.parametrize(("make", "bad", "message"), [
    (lambda x: at.random.bernoulli(x), 1.5, "bernoulli: 0 <= p <= 1"),
    (lambda x: at.random.binomial(5, x), -0.1, "binomial: 0 <= p <= 1"),
    (lambda x: at.random.binomial(x, 0.5), 2.5, "binomial: n a non-negative integer"),
    (lambda x: at.random.poisson(x), -1.0, "poisson: lam >= 0"),
    (lambda x: at.random.geometric(x), 0.0, "geometric: 0 < p <= 1"),
    (lambda x: at.random.negative_binomial(x, 0.5), 0.0, "negative_binomial: n > 0"),
    (lambda x: at.random.betabinom(4, 1.0, x), -2.0, "beta_binomial: b > 0"),
    (lambda x: at.random.hypergeometric(3, 2, x), 6.0, "hypergeometric: nsample <= ngood \\+ nbad"),
    (lambda x: at.random.integers(x, 3), 3.0, "integers: low < high"),
    (lambda x: at.random.categorical(at.stack([x, 1 - x])), -0.5, "categorical: p >= 0"),
])
def test_invalid_parameters_raise_naming_the_distribution_unless_unchecked(make, bad, message):
    x = at.dscalar("x")
    rv = make(x)
    value = at.dscalar("value")
    checked = arignote.function([value, x], logp(rv, value))
    with pytest.raises(ValueError, match=message + " is required"):
        checked(1.0, bad)
    unchecked = arignote.function([value, x], logp(rv, value, check_parameters=False))
    unchecked(1.0, bad)  # no check: whatever the formula gives, no error


def test_no_rule_where_no_closed_form():
    with pytest.raises(NotImplementedError, match="no icdf is known for the poisson"):
        icdf(at.random.poisson(1.0), 0.5)
