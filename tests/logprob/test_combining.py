"""Densities of running sums (random walks), concatenations and stacks against scipy.stats."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.logprob import NotMeasurable, conditional_logp, joint_logp

# the terms are a few float64 operations each on values of size ~10 (a difference, a square, a
# log): a few ulps of the result, so 1e-12 relative is ample and any wrong piece fails it
RTOL = {"float64": 1e-12, "float32": 2e-5}  # float32: a few ulps (6e-8 each) of terms ~10


def _compile(rv_values, inputs):
    return arignote.function(inputs, list(conditional_logp(rv_values).values()))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gaussian_random_walk(rng, dtype):
    # x0 has a value; the walk's term is the density of its increments
    x0 = at.random.normal(0.0, 10.0, dtype=dtype)
    walk = x0 + at.cumsum(at.random.normal(0.5, 2.0, size=6, dtype=dtype))
    x0_v, v = at.scalar("x0", dtype=dtype), at.vector("v", dtype=dtype)
    f = _compile({x0: x0_v, walk: v}, [x0_v, v])
    for _ in range(3):
        start = np.asarray(rng.normal(0, 10), dtype=dtype)
        values = (start + np.cumsum(rng.normal(0, 3, size=6))).astype(dtype)
        term_x0, term_walk = f(start, values)
        np.testing.assert_allclose(term_x0, st.norm(0, 10).logpdf(np.float64(start)), rtol=RTOL[dtype])
        increments = np.diff(np.concatenate([[start], values]).astype(np.float64))
        # float32: the differences of values ~20 lose ~2e-6 absolute, which moves a term near
        # -1.6 by its derivative (x - mu) / sigma^2 (~1) times that: ~1e-6 relative, within RTOL
        np.testing.assert_allclose(term_walk, st.norm(0.5, 2.0).logpdf(increments), rtol=RTOL[dtype])


def test_cumsum_along_an_axis_of_a_matrix_and_flattened(rng):
    steps = at.random.normal(np.array([[0.0], [1.0]]), 1.5, size=(2, 4))
    v = at.dmatrix("v")
    values = rng.normal(0, 3, size=(2, 4))
    along_rows = _compile({at.cumsum(steps, axis=1): v}, [v])(values)[0]
    expected = st.norm(np.array([[0.0], [1.0]]), 1.5).logpdf(np.diff(values, axis=1, prepend=0.0))
    np.testing.assert_allclose(along_rows, expected, rtol=1e-12)
    along_columns = _compile({at.cumsum(steps, axis=0): v}, [v])(values)[0]
    expected = st.norm(np.array([[0.0], [1.0]]), 1.5).logpdf(np.diff(values, axis=0, prepend=0.0))
    np.testing.assert_allclose(along_columns, expected, rtol=1e-12)
    # axis None walks the flattened matrix, row after row
    w = at.dvector("w")
    flat_values = values.ravel()
    flattened = _compile({at.cumsum(steps): w}, [w])(flat_values)[0]
    expected = st.norm(np.repeat([0.0, 1.0], 4), 1.5).logpdf(np.diff(flat_values, prepend=0.0))
    np.testing.assert_allclose(flattened, expected, rtol=1e-12)
    # a scalar's running sum is a vector of one element
    scalar = _compile({at.cumsum(at.random.normal(1.0, 2.0)): w}, [w])(np.array([0.3]))[0]
    np.testing.assert_allclose(scalar, st.norm(1.0, 2.0).logpdf([0.3]), rtol=1e-12)


def test_cumsum_of_counts_and_of_a_multivariate_draw(rng):
    counts = at.random.poisson(3.0, size=5)
    v = at.lvector("v")
    totals = np.array([2, 2, 6, 9, 10])
    got = _compile({at.cumsum(counts): v}, [v])(totals)[0]
    np.testing.assert_allclose(got, st.poisson(3.0).logpmf(np.diff(totals, prepend=0)), rtol=1e-12)
    assert _compile({at.cumsum(counts): v}, [v])(np.array([2, 1, 6, 9, 10]))[0][1] == -np.inf
    # the running sum along a multivariate normal's core axis: its Jacobian is still 1
    cov = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 1.5]])
    mvn = at.random.multivariate_normal(np.zeros(3), cov, size=2)
    w = at.dmatrix("w")
    values = rng.normal(size=(2, 3))
    got = _compile({at.cumsum(mvn, axis=1): w}, [w])(values)[0]
    expected = st.multivariate_normal(np.zeros(3), cov).logpdf(np.diff(values, axis=1, prepend=0.0))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_concatenation_of_a_normal_and_a_gamma(rng, dtype):
    x = at.random.normal(1.0, 2.0, size=3, dtype=dtype)
    g = at.random.gamma(2.0, 1.5, size=2, dtype=dtype)  # shape 2, rate 1.5
    v = at.vector("v", dtype=dtype)
    f = _compile({at.concatenate([x, g]): v}, [v])
    for _ in range(3):
        values = np.concatenate([rng.normal(0, 3, size=3), rng.gamma(2.0, 1.0, size=2)]).astype(dtype)
        expected = np.concatenate([st.norm(1, 2).logpdf(values[:3].astype(np.float64)),
                                   st.gamma(2, scale=1 / 1.5).logpdf(values[3:].astype(np.float64))])
        np.testing.assert_allclose(f(values)[0], expected, rtol=RTOL[dtype])
    # a negative value in the gamma's piece is outside its support
    assert f(np.array([0.0, 0.0, 0.0, 1.0, -1.0], dtype=dtype))[0][4] == -np.inf


def test_concatenation_along_an_axis_with_lengths_known_at_run_time(rng):
    n = at.lscalar("n")
    x = at.random.normal(0.0, 1.0, size=(2, n))
    y = at.random.exponential(2.0, size=(2, 3))  # scale 2
    v = at.dmatrix("v")
    f = _compile({at.concatenate([x, y], axis=1): v}, [n, v])
    values = np.abs(rng.normal(size=(2, 7)))
    expected = np.concatenate([st.norm.logpdf(values[:, :4]), st.expon(scale=2.0).logpdf(values[:, 4:])],
                              axis=1)
    np.testing.assert_allclose(f(4, values)[0], expected, rtol=1e-12)


def test_stack_of_scalars_and_of_vectors(rng):
    a, b, c = at.random.normal(0.0, 1.0), at.random.gamma(3.0, 2.0), at.random.poisson(4.0)
    v = at.dvector("v")
    f = _compile({at.stack([a, b, c]): v}, [v])
    values = np.array([0.3, 1.2, 5.0])
    expected = [st.norm.logpdf(0.3), st.gamma(3.0, scale=0.5).logpdf(1.2), st.poisson(4.0).logpmf(5)]
    np.testing.assert_allclose(f(values)[0], expected, rtol=1e-12)
    assert f(np.array([0.3, 1.2, 2.5]))[0][2] == -np.inf  # a Poisson count must be an integer
    vectors = [at.random.normal(m, 1.0, size=4) for m in (0.0, 5.0)]
    m = at.dmatrix("m")
    values = rng.normal(0, 3, size=(4, 2))
    got = _compile({at.stack(vectors, axis=1): m}, [m])(values)[0]
    np.testing.assert_allclose(got, st.norm(np.array([0.0, 5.0]), 1.0).logpdf(values), rtol=1e-12)


def test_concatenation_of_multivariate_draws():
    cov_a, cov_b = np.array([[1.0, 0.4], [0.4, 1.0]]), np.array([[2.0]])
    a = at.random.multivariate_normal(np.zeros(2), cov_a, size=3)
    b = at.random.multivariate_normal(np.ones(1), cov_b, size=3)
    v = at.dmatrix("v")
    values = np.arange(9.0).reshape(3, 3) / 4
    # along the core axis: one density per batch row, the two pieces' added
    got = _compile({at.concatenate([a, b], axis=1): v}, [v])(values)[0]
    expected = (st.multivariate_normal(np.zeros(2), cov_a).logpdf(values[:, :2])
                + st.multivariate_normal(np.ones(1), cov_b).logpdf(values[:, 2:]))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # along the batch axis: the batch rows one after the other
    batch = at.concatenate([a, at.random.multivariate_normal(np.ones(2), cov_a, size=2)], axis=0)
    w = at.dmatrix("w")
    f = _compile({batch: w}, [w])
    values = np.arange(10.0).reshape(5, 2) / 5
    expected = np.concatenate([st.multivariate_normal(np.zeros(2), cov_a).logpdf(values[:3]),
                               st.multivariate_normal(np.ones(2), cov_a).logpdf(values[3:])])
    np.testing.assert_allclose(f(values)[0], expected, rtol=1e-12)


def test_derivatives_against_finite_differences(rng):
    def walk(sigma, values):
        rv = 1.0 + at.cumsum(at.random.normal(0.0, sigma, size=5))
        return joint_logp({rv: values})
    verify_grad(walk, [np.array(1.3), rng.normal(size=5)], rng=rng)

    def joined(mu, rate, values):
        rv = at.concatenate([at.random.normal(mu, 1.0, size=2), at.random.gamma(2.0, rate, size=3)])
        return joint_logp({rv: values})
    verify_grad(joined, [np.array(0.4), np.array(1.7), rng.uniform(0.5, 2.0, size=5)], rng=rng)

    def stacked(mu, values):
        rv = at.stack([at.random.normal(mu, 2.0), at.random.laplace(mu, 1.0), at.random.normal(0.0, 1.0)])
        return joint_logp({rv: values})
    verify_grad(stacked, [np.array(-0.2), np.array([0.3, 1.1, -0.7])], rng=rng)


def test_forms_that_are_not_measurable():
    x = at.random.normal(0.0, 1.0, size=3)
    v = at.dvector("v")
    cases = [
        (at.concatenate([x, np.zeros(2)]), r"not random \(constants, inputs or variables with values\)"),
        (at.concatenate([x, x + 1.0]), "depend on a common random variable"),
        (at.stack([x[0], at.exp(x[0])]), "depend on a common random variable"),
    ]
    for var, why in cases:
        with pytest.raises(NotMeasurable, match=f"cannot derive the density .*{why}"):
            conditional_logp({var: v})
    # a running product is not measurable here
    with pytest.raises(NotMeasurable, match="CumOp.*no rule derives a density"):
        conditional_logp({at.cumprod(x): v})
    # a valued input of a join is no random part of it
    y = at.random.normal(0.0, 1.0, size=2)
    with pytest.raises(NotMeasurable, match="not random"):
        conditional_logp({y: at.dvector("y"), at.concatenate([x, y]): v})
    # flattening a multivariate draw mixes core and batch axes
    mvn = at.random.multivariate_normal(np.zeros(2), np.eye(2), size=3)
    with pytest.raises(NotMeasurable, match="flattens a multivariate random variable"):
        conditional_logp({at.cumsum(mvn): v})
