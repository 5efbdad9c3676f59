"""Random draws on the JAX backend (arignote/backend/jax/random.py): keys threaded through the
graph, generators crossing the function boundary, each lowered distribution's law against
scipy.stats, shapes and broadcasting as on the py backend, and the distributions refused."""

import pytest

jax = pytest.importorskip("jax", reason="JAX is not installed (pip install 'arignote[jax]')")

import numpy as np  # noqa: E402
import scipy.stats as st  # noqa: E402

import arignote  # noqa: E402
import arignote.tensor as at  # noqa: E402
from arignote.backend.jax.plan import JaxCompileError  # noqa: E402
from arignote.backend.jax.random import LOWERED, UNSUPPORTED  # noqa: E402
from arignote.tensor import random as rnd  # noqa: E402
from arignote.tensor.random.basic import RV_OPS  # noqa: E402
from tests.tensor.random.draw_checks import (  # noqa: E402
    N_DRAWS,
    P_VALUE,
    chisquare_pvalue,
    ks_pvalue,
    merged_chisquare,
)

SEED = 2024


def jax_draw(function, params, size=(N_DRAWS,), seed=SEED, **kwargs):
    """``function(*params, size=size)`` from a generator seeded with ``seed``, on JAX."""
    rng = arignote.shared(np.random.default_rng(seed))
    return arignote.function([], function(*params, size=size, rng=rng, **kwargs), mode="JAX")()


# --- keys and generators ----------------------------------------------------------------------

def test_the_same_seed_gives_the_same_numbers_in_two_functions_and_across_calls():
    rng = at.random.rng("rng")
    x = rnd.normal(0.0, 1.0, size=(4,), rng=rng)
    f = arignote.function([rng], x, mode="JAX")
    g = arignote.function([rng], at.exp(x), mode="JAX")
    first = f(np.random.default_rng(5))
    np.testing.assert_array_equal(f(np.random.default_rng(5)), first)
    np.testing.assert_allclose(g(np.random.default_rng(5)), np.exp(first), rtol=1e-15)
    assert not np.array_equal(f(np.random.default_rng(6)), first)
    # the input generator is not changed by the call
    given = np.random.default_rng(5)
    f(given)
    np.testing.assert_array_equal(f(given), first)


def test_a_shared_generator_advances_by_one_64_bit_draw_per_call():
    shared = arignote.shared(np.random.default_rng(3))
    next_rng, x = rnd.uniform(size=(3,), rng=shared, return_next_rng=True)
    f = arignote.function([], x, updates={shared: next_rng}, mode="JAX")
    a, b = f(), f()
    assert not np.array_equal(a, b)
    reference = np.random.default_rng(3)
    reference.integers(2**64, dtype=np.uint64)
    reference.integers(2**64, dtype=np.uint64)
    assert shared.get_value().bit_generator.state == reference.bit_generator.state
    # re-seeding starts the same stream again
    shared.set_value(np.random.default_rng(3))
    np.testing.assert_array_equal(f(), a)


def test_a_default_update_gives_new_numbers_each_call():
    f = arignote.function([], rnd.RandomStream(7).normal(0, 1, size=(3,)), mode="JAX")
    assert not np.array_equal(f(), f())


def test_generators_as_inputs_and_outputs_pytensor_3_api():
    rng = at.random.rng("rng")
    next_rng, x = at.random.normal(rng=rng, return_next_rng=True)
    f = arignote.function([rng], [next_rng, x], mode="JAX")
    given = np.random.default_rng(11)
    state, first = f(given)
    assert isinstance(state, np.random.Generator) and state is not given
    assert np.shape(first) == ()
    reference = np.random.default_rng(11)
    reference.integers(2**64, dtype=np.uint64)
    assert state.bit_generator.state == reference.bit_generator.state
    _, second = f(state)
    assert first != second
    # chained draws inside one call: two numbers from one key, different
    next2, y = next_rng.normal()
    both = arignote.function([rng], [x, y, next2], mode="JAX")(np.random.default_rng(11))
    assert both[0] == first and both[1] != first
    assert both[2].bit_generator.state == reference.bit_generator.state


def test_the_same_generator_value_is_the_same_draw():
    rng = arignote.shared(np.random.default_rng(1))
    a = rnd.normal(0, 1, size=(3,), rng=rng)
    c = rnd.normal(0, 1, size=(3,), rng=arignote.shared(np.random.default_rng(1)))
    x, y = arignote.function([], [a, c], mode="JAX")()
    np.testing.assert_array_equal(x, y)


def test_draws_compose_with_elementwise_math():
    rng = arignote.shared(np.random.default_rng(4))
    x = rnd.normal(0.0, 1.0, size=(1000,), rng=rng)
    y = at.exp(-x ** 2) * at.sin(x) + 1.0
    xs, ys = arignote.function([], [x, y], mode="JAX")()
    np.testing.assert_allclose(ys, np.exp(-xs ** 2) * np.sin(xs) + 1.0, rtol=1e-12)
    mu = at.dvector("mu")
    z = rnd.normal(mu, 2.0, rng=rng) - mu
    out = arignote.function([mu], z, mode="JAX")(np.full(N_DRAWS, 100.0))
    assert ks_pvalue(out, st.norm(0.0, 2.0)) > P_VALUE


def test_jax_fn_takes_and_gives_keys():
    rng = at.random.rng("rng")
    next_rng, x = rnd.normal(0.0, 1.0, size=(2,), rng=rng, return_next_rng=True)
    f = arignote.function([rng], [next_rng, x], mode="JAX")
    key_out, value = jax.jit(f.jax_fn)(jax.random.key(0))
    assert jax.dtypes.issubdtype(key_out.dtype, jax.dtypes.prng_key)
    assert value.shape == (2,)


# --- laws: each lowered distribution against scipy.stats, at a fixed seed ---------------------

P3 = np.array([0.2, 0.5, 0.3])

CONTINUOUS = {
    "normal": (rnd.normal, (1.5, 2.0), st.norm(1.5, 2.0)),
    "standard_normal": (rnd.standard_normal, (), st.norm()),
    "uniform": (rnd.uniform, (-1.0, 3.0), st.uniform(-1.0, 4.0)),
    "lognormal": (rnd.lognormal, (0.5, 0.3), st.lognorm(0.3, scale=np.exp(0.5))),
    "exponential": (rnd.exponential, (2.0,), st.expon(scale=2.0)),
    "gamma": (lambda *p, **k: rnd.gamma(2.0, scale=3.0, **k), (), st.gamma(2.0, scale=3.0)),
    "beta": (rnd.beta, (2.0, 5.0), st.beta(2.0, 5.0)),
    "halfnormal": (rnd.halfnormal, (1.0, 2.0), st.halfnorm(1.0, 2.0)),
    "triangular": (rnd.triangular, (0.0, 0.5, 2.0), st.triang(0.25, 0.0, 2.0)),
    "invgamma": (rnd.invgamma, (2.5, 3.0), st.invgamma(2.5, scale=3.0)),
    "chisquare": (rnd.chisquare, (3.0,), st.chi2(3.0)),
    "weibull": (rnd.weibull, (1.5,), st.weibull_min(1.5)),
    "pareto": (rnd.pareto, (2.5, 3.0), st.pareto(2.5, scale=3.0)),
    "gumbel": (rnd.gumbel, (0.5, 2.0), st.gumbel_r(0.5, 2.0)),
    "logistic": (rnd.logistic, (0.5, 2.0), st.logistic(0.5, 2.0)),
    "laplace": (rnd.laplace, (1.0, 2.0), st.laplace(1.0, 2.0)),
    "cauchy": (rnd.cauchy, (0.5, 2.0), st.cauchy(0.5, 2.0)),
    "halfcauchy": (rnd.halfcauchy, (1.0, 2.0), st.halfcauchy(1.0, 2.0)),
    "t": (rnd.t, (5.0, 1.0, 2.0), st.t(5.0, 1.0, 2.0)),
    "wald": (rnd.wald, (1.5, 2.0), st.invgauss(0.75, scale=2.0)),
    "truncexpon": (rnd.truncexpon, (2.0, 1.0, 0.5), st.truncexpon(2.0, 1.0, 0.5)),
    "gengamma": (rnd.gengamma, (2.0, 1.5, 1.2), st.gengamma(2.0 / 1.5, 1.5, scale=1.2)),
    "rayleigh": (rnd.rayleigh, (2.0,), st.rayleigh(scale=2.0)),
    # scipy's vonmises on [-pi, pi] (its support for loc 0)
    "vonmises": (rnd.vonmises, (0.0, 2.0), st.vonmises(2.0)),
}

DISCRETE = {
    "poisson": (rnd.poisson, (4.0,), st.poisson(4.0)),
    "binomial": (rnd.binomial, (10, 0.3), st.binom(10, 0.3)),
    "bernoulli": (rnd.bernoulli, (0.3,), st.bernoulli(0.3)),
    "integers": (rnd.integers, (2, 9), st.randint(2, 9)),
    "beta_binomial": (rnd.betabinom, (12, 2.0, 3.0), st.betabinom(12, 2.0, 3.0)),
    "negative_binomial": (rnd.negative_binomial, (5, 0.3), st.nbinom(5, 0.3)),
    "geometric": (rnd.geometric, (0.3,), st.geom(0.3)),
    "hypergeometric": (rnd.hypergeometric, (7, 12, 9), st.hypergeom(19, 7, 9)),
}


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_law_matches_scipy(name):
    function, params, law = CONTINUOUS[name]
    sample = jax_draw(function, params)
    assert sample.shape == (N_DRAWS,) and sample.dtype == np.float64
    assert ks_pvalue(sample, law) > P_VALUE


@pytest.mark.parametrize("name", sorted(DISCRETE))
def test_discrete_law_matches_scipy(name):
    function, params, law = DISCRETE[name]
    sample = jax_draw(function, params)
    assert sample.shape == (N_DRAWS,) and sample.dtype == np.int64
    if name == "bernoulli":  # two values: chisquare_pvalue's tail bins would overlap
        counts = np.bincount(sample, minlength=2)
        assert merged_chisquare(counts, np.array([0.7, 0.3]) * N_DRAWS) > P_VALUE
    else:
        assert chisquare_pvalue(sample, law) > P_VALUE


def test_categorical_law():
    sample = jax_draw(rnd.categorical, (P3,))
    assert sample.dtype == np.int64
    assert merged_chisquare(np.bincount(sample, minlength=3), P3 * N_DRAWS) > P_VALUE


def test_multinomial_law():
    sample = jax_draw(rnd.multinomial, (20, P3))
    assert sample.shape == (N_DRAWS, 3) and sample.dtype == np.int64
    assert np.all(sample.sum(axis=-1) == 20)
    for k in range(3):
        assert chisquare_pvalue(sample[:, k], st.binom(20, P3[k])) > P_VALUE


def test_dirichlet_law():
    alphas = np.array([2.0, 3.0, 5.0])
    sample = jax_draw(rnd.dirichlet, (alphas,))
    np.testing.assert_allclose(sample.sum(axis=-1), 1.0)
    for k in range(3):
        assert ks_pvalue(sample[:, k], st.beta(alphas[k], alphas.sum() - alphas[k])) > P_VALUE


COV = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]])


@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_multivariate_normal_law(method):
    mean = np.array([1.0, -1.0, 0.5])
    sample = jax_draw(rnd.multivariate_normal, (mean, COV), method=method)
    for v in (np.array([1.0, 0.0, 0.0]), np.array([0.3, -1.0, 2.0])):
        assert ks_pvalue(sample @ v, st.norm(v @ mean, np.sqrt(v @ COV @ v))) > P_VALUE
    np.testing.assert_allclose(np.cov(sample.T), COV, atol=0.1)


@pytest.mark.parametrize("replace", [True, False])
def test_choice_law(replace):
    p = np.array([0.1, 0.2, 0.3, 0.15, 0.25])
    rng = arignote.shared(np.random.default_rng(SEED))
    draw = rnd.choice(5, size=(3,), replace=replace, p=p, rng=rng)
    f = arignote.function([], draw, updates={rng: draw.owner.outputs[0]}, mode="JAX")
    sample = np.array([f() for _ in range(2000)])
    assert sample.dtype == np.int64
    if not replace:
        assert all(len(set(row)) == 3 for row in sample)
    counts = np.bincount(sample[:, 0], minlength=5)  # the first pick follows p either way
    assert merged_chisquare(counts, p * len(sample)) > P_VALUE


def test_choice_from_an_array_and_permutations():
    population = np.array([10.0, 20.0, 30.0, 40.0])
    rng = arignote.shared(np.random.default_rng(SEED))
    picked = arignote.function([], rnd.choice(population, size=(2, 3), rng=rng), mode="JAX")()
    assert picked.shape == (2, 3) and set(picked.ravel()) <= set(population)
    sample = jax_draw(rnd.permutation, (5,))
    assert sample.shape == (N_DRAWS, 5)
    assert np.all(np.sort(sample, axis=-1) == np.arange(5))
    where_zero = np.argmax(sample == 0, axis=-1)
    assert merged_chisquare(np.bincount(where_zero, minlength=5), np.full(5, N_DRAWS / 5)) > P_VALUE
    rows = np.arange(12.0).reshape(4, 3)
    shuffled = arignote.function([], rnd.permutation(rows, rng=rng), mode="JAX")()
    assert sorted(map(tuple, shuffled)) == sorted(map(tuple, rows))


def test_every_distribution_is_lowered_or_refused():
    names = set(RV_OPS) | {"choice", "permutation"}
    assert names == set(LOWERED) | set(UNSUPPORTED)
    assert not set(LOWERED) & set(UNSUPPORTED)


# --- shapes and broadcasting, as on the py backend --------------------------------------------

ROW = np.array([0.5, 1.0, 2.0])
COLUMN = np.array([[1.5], [3.0]])

SHAPE_CASES = [
    ("scalar", lambda rng: rnd.normal(0.0, 1.0, rng=rng)),
    ("size", lambda rng: rnd.normal(0.0, 1.0, size=(4, 2), rng=rng)),
    ("broadcast params", lambda rng: rnd.normal(ROW, COLUMN, rng=rng)),
    ("params and size", lambda rng: rnd.gamma(ROW, scale=COLUMN, size=(5, 2, 3), rng=rng)),
    ("integers", lambda rng: rnd.integers(np.array([0, 10]), 20, size=(3, 2), rng=rng)),
    ("poisson", lambda rng: rnd.poisson(ROW, rng=rng)),
    ("categorical batch", lambda rng: rnd.categorical(np.array([P3, P3[::-1]]), rng=rng)),
    ("categorical size", lambda rng: rnd.categorical(P3, size=(4, 2), rng=rng)),
    ("multinomial", lambda rng: rnd.multinomial(np.array([5, 10]), P3, rng=rng)),
    ("dirichlet size", lambda rng: rnd.dirichlet(ROW, size=(4,), rng=rng)),
    ("mvnormal batch", lambda rng: rnd.multivariate_normal(np.zeros((2, 3)), COV, rng=rng)),
    ("mvnormal size", lambda rng: rnd.multivariate_normal(np.zeros(3), COV, size=(4,), rng=rng)),
    ("choice", lambda rng: rnd.choice(6, size=(2, 2), replace=False, rng=rng)),
    ("permutation size", lambda rng: rnd.permutation(4, size=(3,), rng=rng)),
    ("float32", lambda rng: rnd.normal(0.0, 1.0, size=(3,), dtype="float32", rng=rng)),
    ("vonmises broadcast", lambda rng: rnd.vonmises(ROW, COLUMN, rng=rng)),
    ("vonmises float32", lambda rng: rnd.vonmises(0.5, 2.0, size=(4,), dtype="float32", rng=rng)),
    ("hypergeometric size", lambda rng: rnd.hypergeometric(np.array([5, 10]), 7, 4, size=(3, 2), rng=rng)),
]


@pytest.mark.parametrize("case", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_shapes_and_dtypes_as_the_py_backend(case):
    _, build = case
    draw = build(arignote.shared(np.random.default_rng(SEED)))
    py = arignote.function([], draw, mode="PY")()
    jx = arignote.function([], draw, mode="JAX")()
    assert jx.shape == py.shape and jx.dtype == py.dtype
    assert np.all(np.isfinite(jx))


def test_broadcast_parameters_reach_every_row():
    # loc broadcast over rows: each column's mean is its loc
    loc = np.array([0.0, 100.0, -50.0])
    sample = jax_draw(rnd.normal, (loc, 1.0), size=(2000, 3))
    np.testing.assert_allclose(sample.mean(axis=0), loc, atol=0.2)


# --- what JAX cannot draw --------------------------------------------------------------------

class _UserRV(at.random.RandomVariable):
    """A user's own distribution, PyTensor's way: it draws on py and C, not on JAX."""

    name = "my_gumbel"
    signature = "(),()->()"
    dtype = "floatX"

    @classmethod
    def rng_fn(cls, rng, loc, scale, size):
        return rng.gumbel(loc, scale, size=size)


def test_a_distribution_of_a_user_op_is_named():
    rng = arignote.shared(np.random.default_rng(0))
    draw = _UserRV()(0.0, 1.0, size=(3,), rng=rng)
    assert arignote.function([], draw, mode="PY")().shape == (3,)
    with pytest.raises(JaxCompileError, match=r"random draws from 'my_gumbel' do not run on the JAX backend"):
        arignote.function([], draw * 2.0, mode="JAX")


def test_a_scalar_population_given_at_run_time_is_a_static_shape_problem():
    n = at.lscalar("n")
    rng = arignote.shared(np.random.default_rng(0))
    with pytest.raises(JaxCompileError) as info:
        arignote.function([n], rnd.permutation(n, rng=rng), mode="JAX")
    assert info.value.only_static_shapes
