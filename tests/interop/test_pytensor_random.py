"""PyTensor's random variables converted to arignote (arignote/interop/pytensor/random.py).

On the NumPy backends (C and py), PyTensor and arignote draw from the same
``numpy.random.Generator`` with the same seed, and the same standard draws come out: integer
draws are compared exactly, float ones to 1e-14 relative (the same NumPy draws, then a location,
scale or inverse of a few operations that SciPy, which PyTensor calls for some distributions,
and arignote may order differently: a few ulps).  PyTensor draws ``cauchy``, ``gumbel`` and
``bernoulli`` with other algorithms (``scipy.stats.*.rvs``), and arignote's JAX backend draws
from JAX keys: there the numbers differ and the draws are tested against the distribution
instead (Kolmogorov-Smirnov, or the binomial count, at the 1e-3 level with a fixed seed: a
right converter passes for good, a wrong parameter mapping is rejected by far).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
import scipy.stats  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import from_pytensor, mode  # noqa: E402

R = pt.random
SEED = 20181

# (name, draw(rng)): same NumPy method on both sides, so the same numbers
SAME_NUMBERS = [
    ("normal", lambda r: R.normal(np.array([0.0, 1.0, 2.0]), 2.0, size=(4, 3), rng=r)),
    ("normal_float32", lambda r: R.normal(0.0, np.float32(1.5), size=(5,), rng=r, dtype="float32")),
    ("halfnormal", lambda r: R.halfnormal(1.0, 2.0, size=(5,), rng=r)),
    ("lognormal", lambda r: R.lognormal(1.0, 0.5, size=(5,), rng=r)),
    ("uniform", lambda r: R.uniform(np.array([[-1.0], [0.0]]), 2.0, size=(2, 3), rng=r)),
    ("gamma_rate", lambda r: R.gamma(2.0, 3.0, size=(5,), rng=r)),
    ("gamma_scale", lambda r: R.gamma(np.array([1.0, 2.0]), scale=3.0, size=(3, 2), rng=r)),
    ("beta", lambda r: R.beta(2.0, 3.0, size=(5,), rng=r)),
    ("exponential", lambda r: R.exponential(2.0, size=(5,), rng=r)),
    ("halfcauchy", lambda r: R.halfcauchy(1.0, 2.0, size=(5,), rng=r)),
    # float64 parameters: with Python floats PyTensor makes float32 constants, and SciPy's
    # invgamma (PyTensor's) then divides in float32 precision, arignote in float64
    ("invgamma", lambda r: R.invgamma(np.array(2.0), np.array(3.0), size=(5,), rng=r)),
    ("laplace", lambda r: R.laplace(1.0, 2.0, size=(5,), rng=r)),
    ("logistic", lambda r: R.logistic(1.0, 2.0, size=(5,), rng=r)),
    ("pareto", lambda r: R.pareto(2.0, 3.0, size=(5,), rng=r)),
    ("weibull", lambda r: R.weibull(2.0, size=(5,), rng=r)),
    ("vonmises", lambda r: R.vonmises(1.0, 2.0, size=(5,), rng=r)),
    ("wald", lambda r: R.wald(1.0, 2.0, size=(5,), rng=r)),
    ("t", lambda r: R.t(3.0, 1.0, 2.0, size=(5,), rng=r)),
    ("triangular", lambda r: R.triangular(0.0, 1.0, 2.0, size=(5,), rng=r)),
    ("truncexpon", lambda r: R.truncexpon(2.0, 0.0, 1.0, size=(5,), rng=r)),
    ("gengamma", lambda r: R.gengamma(2.0, 3.0, 1.5, size=(5,), rng=r)),
    ("chisquare", lambda r: R.chisquare(3.0, size=(5,), rng=r)),
    ("standard_normal", lambda r: R.standard_normal(size=(5,), rng=r)),
    ("binomial", lambda r: R.binomial(np.array([5, 10]), 0.3, size=(4, 2), rng=r)),
    ("poisson", lambda r: R.poisson(3.0, size=(5,), rng=r)),
    ("geometric", lambda r: R.geometric(0.3, size=(5,), rng=r)),
    ("negative_binomial", lambda r: R.negative_binomial(3, 0.3, size=(5,), rng=r)),
    ("betabinom", lambda r: R.betabinom(10, 2.0, 3.0, size=(5,), rng=r)),
    ("hypergeometric", lambda r: R.hypergeometric(5, 7, 4, size=(5,), rng=r)),
    ("integers", lambda r: R.integers(0, 10, size=(5,), rng=r)),
    ("categorical", lambda r: R.categorical(np.array([0.2, 0.3, 0.5]), size=(5,), rng=r)),
    ("multinomial", lambda r: R.multinomial(10, np.array([0.2, 0.3, 0.5]), size=(5,), rng=r)),
    ("dirichlet", lambda r: R.dirichlet(np.array([1.0, 2.0, 3.0]), size=(5,), rng=r)),
    ("multivariate_normal", lambda r: R.multivariate_normal(np.zeros(3), np.eye(3) + 0.5, size=(5,), rng=r)),
    ("choice", lambda r: R.choice(5, size=(3,), rng=r)),
]

# the same draws with size=None: PyTensor gives the size input as NoneConst
NO_SIZE = [
    ("normal", lambda r: R.normal(np.zeros((2, 3)), 1.0, rng=r)),
    ("gamma", lambda r: R.gamma(np.array([1.0, 2.0]), 2.0, rng=r)),
    ("choice_without_replacement", lambda r: R.choice(5, size=(3,), replace=False, rng=r)),
    ("permutation", lambda r: R.permutation(np.arange(5.0), rng=r)),
    ("dirichlet", lambda r: R.dirichlet(np.ones((2, 3)), rng=r)),
]


#: PyTensor's reference: its Python implementations (the Generator methods); its default numba
#: backend draws choice without replacement with another algorithm
REFERENCE = "FAST_COMPILE"

#: arignote's mode of each backend name of mode()
MODES = {"c": "FAST_RUN", "py": "PY", "jax": "JAX"}


def _draws(draw, backend="c"):
    """(arignote through from_pytensor, PyTensor's Mode on arignote, PyTensor's own), each from
    a new generator of the same seed."""
    rng = pytensor.shared(np.random.default_rng(SEED))
    converted = from_pytensor([draw(rng)])
    got = arignote.function(converted.inputs, converted.outputs, mode=MODES[backend])()[0]
    rng = pytensor.shared(np.random.default_rng(SEED))
    linked = pytensor.function([], draw(rng), mode=mode(backend))()
    rng = pytensor.shared(np.random.default_rng(SEED))
    want = pytensor.function([], draw(rng), mode=REFERENCE)()
    return got, linked, want


def _assert_same(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    if got.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=1e-14 if got.dtype == np.float64 else 1e-6)
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("backend", ["c", "py"])
@pytest.mark.parametrize(("name", "draw"), SAME_NUMBERS, ids=[n for n, _ in SAME_NUMBERS])
def test_same_seed_same_numbers(name, draw, backend):
    got, linked, want = _draws(draw, backend)
    _assert_same(got, want)
    _assert_same(linked, want)


@pytest.mark.parametrize(("name", "draw"), NO_SIZE, ids=[n for n, _ in NO_SIZE])
def test_size_none(name, draw):
    got, linked, want = _draws(draw)
    _assert_same(got, want)
    _assert_same(linked, want)


JAX_LAWS = [
    (lambda r: R.normal(1.0, 2.0, size=(20000,), rng=r), scipy.stats.norm(1.0, 2.0).cdf),
    (lambda r: R.gamma(2.0, scale=3.0, size=(20000,), rng=r), scipy.stats.gamma(2.0, scale=3.0).cdf),
    (lambda r: R.beta(2.0, 3.0, size=(20000,), rng=r), scipy.stats.beta(2.0, 3.0).cdf),
    (lambda r: R.halfnormal(1.0, 2.0, size=(20000,), rng=r), scipy.stats.halfnorm(1.0, 2.0).cdf),
    (lambda r: R.t(3.0, 1.0, 2.0, size=(20000,), rng=r), scipy.stats.t(3.0, 1.0, 2.0).cdf),
]


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
@pytest.mark.parametrize(("draw", "cdf"), JAX_LAWS, ids=["normal", "gamma", "beta", "halfnormal", "t"])
def test_jax_draws_follow_the_distribution(draw, cdf):
    got, linked, _ = _draws(draw, "jax")
    for sample in (got, linked):
        assert scipy.stats.kstest(sample, cdf).pvalue > 1e-3


@pytest.mark.parametrize(("draw", "cdf"), [
    (lambda r: R.cauchy(1.0, 2.0, size=(20000,), rng=r), scipy.stats.cauchy(1.0, 2.0).cdf),
    (lambda r: R.gumbel(1.0, 2.0, size=(20000,), rng=r), scipy.stats.gumbel_r(1.0, 2.0).cdf),
], ids=["cauchy", "gumbel"])
def test_distributions_drawn_another_way(draw, cdf):
    # a KS test at the 1e-3 level: a right converter fails it with probability 1e-3 (the seed is
    # fixed, so it passes or fails for good); a wrong location, scale or tail is rejected at once
    got, linked, _ = _draws(draw, "py")
    for sample in (got, linked):
        assert scipy.stats.kstest(sample, cdf).pvalue > 1e-3


def test_bernoulli_drawn_another_way():
    got, linked, want = _draws(lambda r: R.bernoulli(np.array([0.1, 0.7]), size=(20000, 2), rng=r), "py")
    assert got.dtype == linked.dtype == want.dtype
    for sample in (got, linked):
        assert set(np.unique(sample)) <= {0, 1}
        for column, p in zip(sample.T, (0.1, 0.7), strict=True):
            assert scipy.stats.binomtest(int(column.sum()), column.size, p).pvalue > 1e-3


@pytest.mark.parametrize("backend", ["c", "py"])
def test_next_generator_chains_and_updates_shared_generators(backend):
    def build(rng):
        next_rng, first = R.normal(0.0, 1.0, size=(3,), rng=rng, return_next_rng=True)
        return next_rng, first, R.gamma(2.0, 1.0, size=(2,), rng=next_rng, return_next_rng=True)

    rng = pytensor.shared(np.random.default_rng(SEED))
    _, first, (last_rng, second) = build(rng)
    converted = from_pytensor([first, second])
    got = arignote.function(converted.inputs, converted.outputs, mode=MODES[backend])()
    ref_rng = pytensor.shared(np.random.default_rng(SEED))
    _, ref_first, (ref_last, ref_second) = build(ref_rng)
    want = pytensor.function([], [ref_first, ref_second], mode=REFERENCE)()
    for g, w in zip(got, want, strict=True):
        _assert_same(g, w)
    # the next generator as an update of the shared one: successive calls give successive draws
    f = pytensor.function([], [first, second], updates={rng: last_rng}, mode=mode(backend))
    g_ref = pytensor.function([], [ref_first, ref_second], updates={ref_rng: ref_last}, mode=REFERENCE)
    for _ in range(2):
        for g, w in zip(f(), g_ref(), strict=True):
            _assert_same(g, w)


def test_draws_in_a_larger_graph():
    x = pt.dvector("x")
    rng = pytensor.shared(np.random.default_rng(SEED))
    noisy = x * 2 + R.normal(0.0, x, size=(3,), rng=rng)
    value = np.array([0.5, 1.0, 2.0])
    converted = from_pytensor([noisy], [x])
    got = arignote.function(converted.inputs, converted.outputs, mode="PY")(value)[0]
    rng.set_value(np.random.default_rng(SEED))
    want = pytensor.function([x], noisy, mode=REFERENCE)(value)
    _assert_same(got, want)
