"""Densities of mixtures (``switch``, indexing of stacked random variables) against scipy.stats."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.logprob import NotMeasurable, conditional_logp

MUS = np.array([-2.0, 0.5, 3.0])
SIGMAS = np.array([1.0, 2.0, 0.5])
N = 5
# a float64 density of a few operations (a square, a log, two additions) at values of size ~10:
# a few ulps of the result, 1e-12 leaves ample room while catching any wrong component
RTOL = {"float64": 1e-12, "float32": 2e-5}  # float32: a few ulps (6e-8 each) of terms ~10


def _components(dtype="float64", size=N):
    return [at.random.normal(m, s, size=size, dtype=dtype) for m, s in zip(MUS, SIGMAS)]


def _compile(rv_values, inputs):
    terms = conditional_logp(rv_values)
    return arignote.function(inputs, list(terms.values()))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_switch_with_a_valued_bernoulli_picks_a_component(rng, dtype):
    a, b = _components(dtype)[:2]
    indicator = at.random.bernoulli(0.3, size=N)
    mixture = at.switch(indicator, a, b)
    k, v = at.lvector("k"), at.vector("v", dtype=dtype)
    f = _compile({indicator: k, mixture: v}, [k, v])
    for _ in range(3):
        ks = rng.integers(0, 2, size=N)
        values = rng.normal(0, 3, size=N).astype(dtype)
        term_k, term_v = f(ks, values)
        np.testing.assert_allclose(term_k, st.bernoulli(0.3).logpmf(ks), rtol=1e-12)
        selected = np.where(ks == 1, 0, 1)  # the switch's true branch is the first component
        expected = st.norm(MUS[selected], SIGMAS[selected]).logpdf(values.astype(np.float64))
        np.testing.assert_allclose(term_v, expected, rtol=RTOL[dtype])


def test_switch_with_a_scalar_condition_and_a_discrete_mixture(rng):
    # one indicator for the whole vector, and two Poisson components
    a, b = at.random.poisson(2.0, size=N), at.random.poisson(7.0, size=N)
    c = at.lscalar("c")
    mixture = at.switch(c, a, b)
    v = at.lvector("v")
    f = _compile({mixture: v}, [c, v])
    counts = rng.integers(0, 12, size=N)
    np.testing.assert_allclose(f(1, counts)[0], st.poisson(2.0).logpmf(counts), rtol=1e-12)
    np.testing.assert_allclose(f(0, counts)[0], st.poisson(7.0).logpmf(counts), rtol=1e-12)


def test_switch_between_multivariate_draws():
    cov_a, cov_b = np.array([[1.0, 0.3], [0.3, 2.0]]), np.eye(2) * 0.5
    a = at.random.multivariate_normal(np.zeros(2), cov_a, size=3)
    b = at.random.multivariate_normal(np.ones(2), cov_b, size=3)
    k = at.lvector("k")
    mixture = at.switch(k[:, None], a, b)  # one indicator per batch row, constant along the core
    v = at.matrix("v")
    f = _compile({mixture: v}, [k, v])
    values = np.array([[0.1, -0.4], [1.5, 0.2], [-1.0, 2.0]])
    ks = np.array([1, 0, 1])
    expected = [st.multivariate_normal(np.zeros(2), cov_a).logpdf(row) if kk else
                st.multivariate_normal(np.ones(2), cov_b).logpdf(row) for kk, row in zip(ks, values)]
    np.testing.assert_allclose(f(ks, values)[0], expected, rtol=1e-12)
    # an indicator varying along the core axis mixes the two vectors' coordinates: no density
    with pytest.raises(NotMeasurable, match="condition varies along the core axes"):
        conditional_logp({at.switch(at.lmatrix("m"), a, b): v})


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_stack_indexed_by_a_valued_categorical(rng, dtype):
    comps = _components(dtype)
    p = np.array([0.2, 0.5, 0.3])
    idx = at.random.categorical(p)
    mixture = at.stack(comps)[idx]
    k, v = at.lscalar("k"), at.vector("v", dtype=dtype)
    f = _compile({idx: k, mixture: v}, [k, v])
    values = rng.normal(0, 3, size=N).astype(dtype)
    for kk in range(3):
        term_k, term_v = f(kk, values)
        np.testing.assert_allclose(term_k, np.log(p[kk]), rtol=1e-12)
        np.testing.assert_allclose(term_v, st.norm(MUS[kk], SIGMAS[kk]).logpdf(values.astype(np.float64)),
                                   rtol=RTOL[dtype])


def test_stack_of_scalars_indexed_by_a_constant_and_an_input():
    comps = [at.random.normal(m, s) for m, s in zip(MUS, SIGMAS)]
    stacked = at.stack(comps)
    v = at.scalar("v")
    np.testing.assert_allclose(_compile({stacked[2]: v}, [v])(0.7)[0], st.norm(MUS[2], SIGMAS[2]).logpdf(0.7),
                               rtol=1e-12)
    k = at.lscalar("k")
    f = _compile({stacked[k]: v}, [k, v])
    for kk in range(3):
        np.testing.assert_allclose(f(kk, -1.3)[0], st.norm(MUS[kk], SIGMAS[kk]).logpdf(-1.3), rtol=1e-12)


@pytest.mark.parametrize("axis", [0, 1])
def test_elementwise_mixture_of_a_stack(rng, axis):
    comps = _components()
    idx = at.random.categorical(np.ones(3) / 3, size=N)
    stacked = at.stack(comps, axis=axis)
    mixture = stacked[idx, at.arange(N)] if axis == 0 else stacked[at.arange(N), idx]
    k, v = at.lvector("k"), at.dvector("v")
    f = _compile({idx: k, mixture: v}, [k, v])
    for _ in range(3):
        ks = rng.integers(0, 3, size=N)
        values = rng.normal(0, 3, size=N)
        np.testing.assert_allclose(f(ks, values)[1], st.norm(MUS[ks], SIGMAS[ks]).logpdf(values), rtol=1e-12)


def test_indexing_one_batched_draw(rng):
    batched = at.random.normal(MUS[:, None], SIGMAS[:, None], size=(3, N))
    idx = at.random.categorical(np.ones(3) / 3, size=N)
    k, v = at.lvector("k"), at.dvector("v")
    f = _compile({idx: k, batched[idx, at.arange(N)]: v}, [k, v])
    ks, values = rng.integers(0, 3, size=N), rng.normal(0, 3, size=N)
    np.testing.assert_allclose(f(ks, values)[1], st.norm(MUS[ks], SIGMAS[ks]).logpdf(values), rtol=1e-12)
    # the positions as a constant array
    constant = _compile({batched[k, np.arange(N)]: v}, [k, v])
    np.testing.assert_allclose(constant(ks, values)[0], st.norm(MUS[ks], SIGMAS[ks]).logpdf(values),
                               rtol=1e-12)
    # one row, a column, one element
    j = at.lscalar("j")
    row = _compile({batched[j]: v}, [j, v])
    np.testing.assert_allclose(row(1, values)[0], st.norm(MUS[1], SIGMAS[1]).logpdf(values), rtol=1e-12)
    column = _compile({batched[:, j]: v[:3]}, [j, v])
    np.testing.assert_allclose(column(4, values)[0], st.norm(MUS, SIGMAS).logpdf(values[:3]), rtol=1e-12)
    s = at.dscalar("s")
    element = _compile({batched[2, j]: s}, [j, s])
    np.testing.assert_allclose(element(0, 0.4)[0], st.norm(MUS[2], SIGMAS[2]).logpdf(0.4), rtol=1e-12)


@pytest.mark.parametrize("axis", [0, 1])
def test_mixture_of_multivariate_normals(rng, axis):
    # the stack's new axis is a batch axis of each component's term (before the core axis)
    covs = [np.array([[1.0, 0.3], [0.3, 2.0]]), np.eye(2) * 0.5, np.array([[2.0, -0.5], [-0.5, 1.0]])]
    means = [np.zeros(2), np.ones(2), np.array([2.0, -1.0])]
    comps = [at.random.multivariate_normal(m, c, size=4) for m, c in zip(means, covs)]
    stacked = at.stack(comps, axis=axis)
    k, ks_v, v = at.lscalar("k"), at.lvector("ks"), at.dmatrix("v")
    values = rng.normal(size=(4, 2))
    whole = _compile({stacked[k] if axis == 0 else stacked[:, k]: v}, [k, v])
    for kk in range(3):
        expected = st.multivariate_normal(means[kk], covs[kk]).logpdf(values)
        np.testing.assert_allclose(whole(kk, values)[0], expected, rtol=1e-12)
    per_row = stacked[ks_v, at.arange(4)] if axis == 0 else stacked[at.arange(4), ks_v]
    ks = rng.integers(0, 3, size=4)
    expected = [st.multivariate_normal(means[i], covs[i]).logpdf(row) for i, row in zip(ks, values)]
    np.testing.assert_allclose(_compile({per_row: v}, [ks_v, v])(ks, values)[0], expected, rtol=1e-12)
    # stacked after the core axis, the new axis is a core axis: picking along it is a marginal
    with pytest.raises(NotMeasurable, match="independent elements along the indexed axes"):
        conditional_logp({at.stack(comps, axis=2)[:, :, k]: v})
    # the whole stack: one density per component and batch row
    w = at.dtensor3("w")
    cube = rng.normal(size=(3, 4, 2))
    expected = np.array([st.multivariate_normal(means[i], covs[i]).logpdf(cube[i]) for i in range(3)])
    np.testing.assert_allclose(_compile({at.stack(comps): w}, [w])(cube)[0], expected, rtol=1e-12)


def test_a_three_dimensional_stack_with_the_arange_between_slices(rng):
    # X[:, idx, arange(n)] of X with axes (m, component, n): the output axes are (m, n), and
    # X[idx, :, arange(n)] puts the broadcast axis first (NumPy's rule for separated indices)
    m = 2
    comps = [at.random.normal(mu, s, size=(m, N)) for mu, s in zip(MUS, SIGMAS)]
    idx = at.random.categorical(np.ones(3) / 3, size=N)
    k, v = at.lvector("k"), at.dmatrix("v")
    ks = rng.integers(0, 3, size=N)
    values = rng.normal(0, 3, size=(m, N))
    middle = at.stack(comps, axis=1)[:, idx, at.arange(N)]
    got = _compile({idx: k, middle: v}, [k, v])(ks, values)[1]
    np.testing.assert_allclose(got, st.norm(MUS[ks], SIGMAS[ks]).logpdf(values), rtol=1e-12)
    first = at.stack(comps, axis=0)[idx, :, at.arange(N)]  # shape (N, m)
    got = _compile({idx: k, first: v}, [k, v])(ks, values.T)[1]
    np.testing.assert_allclose(got, st.norm(MUS[ks], SIGMAS[ks]).logpdf(values).T, rtol=1e-12)


def test_mixture_of_transformed_components():
    # a log-normal component and a shifted gamma: their own rules apply inside the stack
    lognormal = at.exp(at.random.normal(0.0, 0.5))
    gamma = at.random.gamma(2.0, 1.5) + 1.0
    k, v = at.lscalar("k"), at.dscalar("v")
    f = _compile({at.stack([lognormal, gamma])[k]: v}, [k, v])
    np.testing.assert_allclose(f(0, 1.7)[0], st.lognorm(0.5).logpdf(1.7), rtol=1e-12)
    np.testing.assert_allclose(f(1, 1.7)[0], st.gamma(2.0, loc=1.0, scale=1 / 1.5).logpdf(1.7), rtol=1e-12)
    assert f(1, 0.5)[0] == -np.inf  # below the shifted gamma's support


def test_components_whose_parameters_have_values(rng):
    # a hierarchical mixture: the component means are a random vector with a value, read by
    # the components as parameters; the weights a Dirichlet draw with a value
    means = at.random.normal(0.0, 5.0, size=3)
    weights = at.random.dirichlet(np.ones(3))
    idx = at.random.categorical(weights, size=N)
    batched = at.random.normal(means[:, None], 1.0, size=(3, N))
    mixture = batched[idx, at.arange(N)]
    m_v, w_v, k, v = at.dvector("m"), at.dvector("w"), at.lvector("k"), at.dvector("v")
    total = arignote.logprob.joint_logp({means: m_v, weights: w_v, idx: k, mixture: v})
    f = arignote.function([m_v, w_v, k, v], total)
    mus, w = rng.normal(0, 5, size=3), np.array([0.2, 0.3, 0.5])
    ks, values = rng.integers(0, 3, size=N), rng.normal(0, 3, size=N)
    expected = (st.norm(0, 5).logpdf(mus).sum() + st.dirichlet(np.ones(3)).logpdf(w)
                + np.log(w[ks]).sum() + st.norm(mus[ks], 1.0).logpdf(values).sum())
    # ~20 terms of size ~10 summed: a few ulps each of the total
    np.testing.assert_allclose(f(mus, w, ks, values), expected, rtol=1e-12)


def test_mixture_gradients_against_finite_differences(rng):
    idx_values = np.array([0, 2, 1, 1, 0])

    def density(mus, values):
        comps = [at.random.normal(mus[i], SIGMAS[i], size=N) for i in range(3)]
        mixture = at.stack(comps)[idx_values, at.arange(N)]
        return conditional_logp({mixture: values})[values].sum()
    verify_grad(density, [MUS.copy(), rng.normal(size=N)], rng=rng)

    def switched(mu, values):
        mixture = at.switch(np.array([1, 0, 0, 1, 1]), at.random.normal(mu, 1.0, size=N),
                            at.random.gamma(3.0, 2.0, size=N))
        return conditional_logp({mixture: values})[values].sum()
    verify_grad(switched, [np.array(0.3), rng.uniform(0.5, 2.0, size=N)], rng=rng)


def test_forms_that_are_not_measurable():
    comps = _components()
    a, b = comps[:2]
    v, k = at.dvector("v"), at.lvector("k")
    stacked = at.stack(comps)
    cases = [
        (at.switch(at.gt(a, 0), a, b), "condition is random"),
        (at.switch(k, a, np.zeros(N)), "one branch is not random"),
        (at.switch(k, a, a + 1.0), "branches depend on a common random variable"),
        (at.switch(k, at.random.normal(0, 1), b), "broadcasts a branch"),
        (at.switch(k, a, at.random.poisson(3.0, size=N)), "discrete and the other continuous"),
        (at.stack([a, a])[k[0]], "not known to have independent elements"),
        (stacked[k, at.arange(N)][::-1], "partial slice"),  # a reversed mixture: positions move
        (stacked[k][0], "not known to have independent elements"),  # the inner key repeats draws
        (stacked[1, 1:], "partial slice"),
        (stacked[k, at.arange(N - 2)], "arange covers part of an axis"),
        (at.cumsum(stacked, axis=1)[k, at.arange(N)], r"independent elements along the indexed axes \[0,"),
        (at.random.multivariate_normal(np.zeros(N), np.eye(N))[k[0]], "independent elements"),  # a core axis
        (stacked[k[:3]], "index vector without an arange"),  # X[k] has shape (3, N): repeated draws
        (stacked[k[:, None], at.arange(N)], "several axes repeats draws"),
        (stacked[at.arange(3) > 0], "boolean mask"),
        (stacked[:, None], "adds an axis"),
    ]
    for mixture, why in cases:
        value = {0: at.dscalar(), 1: v, 2: at.dmatrix(), 3: at.dtensor3()}[mixture.type.ndim]
        with pytest.raises(NotMeasurable, match=f"cannot derive the density .*{why}"):
            conditional_logp({mixture: value})
    # the index must have a value (or be no random variable)
    idx = at.random.categorical(np.ones(3) / 3)
    with pytest.raises(NotMeasurable, match="index is random"):
        conditional_logp({stacked[idx]: v})
