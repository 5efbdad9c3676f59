"""The pure-JAX samplers jax.random lacks (arignote/backend/jax/random_samplers.py): von Mises
and hypergeometric draws against scipy.stats at fixed seeds, dtypes, broadcasting of the
parameters against the shape, edge cases, under jax.jit.

Each sampler is jitted once per dtype with its parameters as traced arguments, so every law
below runs in the same compiled program (the file stays fast) and every check is also one
of the sampler under ``jax.jit`` with run-time parameters.
"""

import math

import pytest

jax = pytest.importorskip("jax", reason="JAX is not installed (pip install 'arignote[jax]')")

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import scipy.stats as st  # noqa: E402

from arignote.backend.jax.random_samplers import hypergeometric, vonmises  # noqa: E402
from arignote.backend.jax.runtime import load_jax  # noqa: E402
from tests.tensor.random.draw_checks import P_VALUE, chisquare_pvalue  # noqa: E402

load_jax()  # the backend's setup, as when a function is compiled for JAX: 64-bit types on

N = 20_000
SEED = 2024

_vonmises_jit = jax.jit(vonmises, static_argnames=("shape", "dtype"))
_hypergeometric_jit = jax.jit(hypergeometric, static_argnames=("shape",))


def draw_vonmises(mu, kappa, shape=(N,), dtype=np.float64, seed=SEED):
    return np.asarray(_vonmises_jit(jax.random.key(seed), mu, kappa, shape=shape, dtype=dtype))


def draw_hypergeometric(ngood, nbad, nsample, shape=(N,), seed=SEED):
    return np.asarray(_hypergeometric_jit(jax.random.key(seed), ngood, nbad, nsample, shape=shape))


def circular_cdf(mu, kappa):
    """The CDF on [-pi, pi] of the von Mises law of direction ``mu`` (any real): SciPy's CDF
    of ``loc=mu`` grows by 1 a turn, so F(x) - F(-pi) is the law's mass on [-pi, x]."""
    if kappa < 1e-8:  # SciPy wants kappa > 0; the sampler draws the uniform law there
        return st.uniform(-np.pi, 2 * np.pi).cdf
    dist = st.vonmises(kappa, loc=mu)
    return lambda x: dist.cdf(x) - dist.cdf(-np.pi)


def ks_pvalue(sample, cdf):
    return float(st.kstest(np.ravel(sample).astype(np.float64), cdf).pvalue)


def assert_hypergeom(sample, dist):
    """The integer ``sample`` has the law of ``dist``: the values in its support, counts by a
    chi-squared test (bins merged to expect 5 or more), mean and variance within 6 standard
    errors; a law of one value (variance 0) gives that value only."""
    sample = np.ravel(sample)
    low, high = dist.support()
    assert np.all((sample >= low) & (sample <= high))
    with np.errstate(divide="ignore", invalid="ignore"):  # SciPy's kurtosis of a law of one value
        mean, var, kurt = (float(v) for v in dist.stats(moments="mvk"))
    if var == 0:
        assert np.all(sample == mean)
        return
    assert chisquare_pvalue(sample, dist) > P_VALUE
    n = sample.size
    assert abs(sample.mean() - mean) < 6 * np.sqrt(var / n), (sample.mean(), mean)
    # the sample variance's standard error is var * sqrt((kurtosis + 2) / n); the 40 var / n
    # covers laws where that is 0 to first order (a fair coin: p(1 - p) at p near 1/2)
    assert abs(sample.var() - var) < 6 * var * np.sqrt((kurt + 2) / n) + 40 * var / n, (sample.var(), var)


# --- von Mises ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kappa", [0.0, 1e-9, 0.5, 4.0, 50.0, 1e6])
@pytest.mark.parametrize("mu", [0.0, 1.0, 3.1, -3.13])
def test_vonmises_law(mu, kappa):
    sample = draw_vonmises(mu, kappa)
    assert sample.dtype == np.float64 and sample.shape == (N,)
    assert np.all(np.abs(sample) <= np.pi)
    assert ks_pvalue(sample, circular_cdf(mu, kappa)) > P_VALUE


@pytest.mark.parametrize("mu", [3.1, -3.1, np.pi, 7.0])
def test_vonmises_wraps_around_pi(mu):
    # a mean direction near (or past) pi: draws on both sides of the cut at +-pi, all in range
    sample = draw_vonmises(mu, 20.0)
    assert np.all(np.abs(sample) <= np.pi)
    if abs(abs(mu) - np.pi) < 0.1:
        assert np.any(sample > 3.0) and np.any(sample < -3.0)
    assert ks_pvalue(sample, circular_cdf(math.remainder(mu, 2 * np.pi), 20.0)) > P_VALUE


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kappa", [0.0, 0.5, 4.0, 1e4])
def test_vonmises_dtype(dtype, kappa):
    sample = draw_vonmises(2.5, kappa, dtype=dtype)
    assert sample.dtype == dtype
    assert np.all(np.isfinite(sample))
    assert np.all(np.abs(sample) <= np.float32(np.pi))  # float32's pi is just above pi
    assert ks_pvalue(sample, circular_cdf(2.5, kappa)) > P_VALUE


def test_vonmises_broadcasts_parameters_per_lane():
    mu = np.array([[0.0], [3.0]])
    kappa = np.array([0.0, 0.5, 4.0, 200.0])
    sample = draw_vonmises(mu, kappa, shape=(5000, 2, 4))
    assert sample.shape == (5000, 2, 4)
    for i in range(2):
        for j in range(4):
            assert ks_pvalue(sample[:, i, j], circular_cdf(mu[i, 0], kappa[j])) > P_VALUE, (i, j)


def test_vonmises_large_and_invalid_kappa():
    # no NaN and no endless loop for huge concentrations; kappa = inf gives mu itself;
    # negative and NaN kappa give NaN
    kappa = np.array([1e12, 1e30, np.inf, -1.0, np.nan])
    for dtype in (np.float32, np.float64):
        sample = draw_vonmises(0.5, kappa, shape=(1000, 5), dtype=dtype)
        assert np.all(np.abs(sample[:, :2] - 0.5) < 1e-4)
        assert np.all(sample[:, 2] == dtype(0.5))
        assert np.all(np.isnan(sample[:, 3:]))
    assert np.std(draw_vonmises(0.0, 1e12)) == pytest.approx(1e-6, rel=0.05)


def test_vonmises_jit_matches_eager_and_keys():
    key = jax.random.key(3)
    eager = np.asarray(vonmises(key, 1.0, 2.0, (100,), jnp.float64))
    jitted = np.asarray(_vonmises_jit(key, 1.0, 2.0, shape=(100,), dtype=jnp.float64))
    np.testing.assert_array_equal(eager, jitted)
    # a legacy uint32 key works too; another key gives other numbers
    legacy = np.asarray(vonmises(jax.random.PRNGKey(3), 1.0, 2.0, (100,), jnp.float64))
    assert legacy.shape == (100,) and not np.array_equal(legacy, draw_vonmises(1.0, 2.0, (100,), seed=4))


# --- hypergeometric ----------------------------------------------------------------------------

@pytest.mark.parametrize("ngood, nbad, nsample", [
    (30, 20, 25),      # about half the urn
    (5, 1000, 300),    # few good items
    (100, 100, 1),     # a single draw
    (500, 800, 900),   # more than half the urn: the complement is drawn
    (1000, 5, 990),    # nearly all of it, nearly all good
    (7, 3, 10),        # all of it
])
def test_hypergeometric_law(ngood, nbad, nsample):
    sample = draw_hypergeometric(ngood, nbad, nsample)
    assert sample.dtype == np.int64 and sample.shape == (N,)
    assert_hypergeom(sample, st.hypergeom(ngood + nbad, ngood, nsample))


@pytest.mark.parametrize("ngood, nbad, nsample, expected", [
    (10, 10, 0, 0),    # nothing drawn
    (10, 10, 20, 10),  # the whole urn
    (0, 10, 5, 0),     # no good item
    (10, 0, 5, 5),     # only good items
    (0, 0, 0, 0),      # an empty urn
])
def test_hypergeometric_edges(ngood, nbad, nsample, expected):
    sample = draw_hypergeometric(ngood, nbad, nsample, shape=(1000,))
    assert sample.dtype == np.int64
    assert np.all(sample == expected)


def test_hypergeometric_broadcasts_parameters_per_lane():
    ngood = np.array([[3], [50]])
    nbad = np.array([7, 100, 0])
    nsample = np.array([2, 60, 3])
    sample = draw_hypergeometric(ngood, nbad, nsample, shape=(5000, 2, 3))
    assert sample.shape == (5000, 2, 3)
    for i in range(2):
        for j in range(3):
            g, b, n = int(ngood[i, 0]), int(nbad[j]), int(nsample[j])
            assert_hypergeom(sample[:, i, j], st.hypergeom(g + b, g, n))


def test_hypergeometric_empty_and_scalar_shapes():
    assert draw_hypergeometric(3, 4, 5, shape=(0,)).shape == (0,)
    scalar = draw_hypergeometric(3, 4, 5, shape=())
    assert scalar.shape == () and 1 <= scalar <= 3


def test_hypergeometric_needs_x64():
    with jax.enable_x64(False), pytest.raises(ValueError, match="jax_enable_x64"):
        hypergeometric(jax.random.key(0), 3, 4, 5, (10,))
