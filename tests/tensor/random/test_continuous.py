"""The continuous distributions of arignote/tensor/random/continuous.py: NumPy's numbers bit for
bit (same seed, same Generator calls), the law (Kolmogorov-Smirnov against scipy.stats, p-value
threshold 1e-3 at a fixed seed, and moments), static shapes, and parameter checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.tensor import random as rnd
from tests.tensor.random.draw_checks import (
    MODES,
    N_DRAWS,
    P_VALUE,
    assert_moments,
    assert_same_as_numpy,
    assert_static_shapes,
    compiled_draw,
    draw_shape,
    generator,
    ks_pvalue,
)

ROW = np.array([0.5, 1.0, 2.0])          # broadcasts with COLUMN to (2, 3)
COLUMN = np.array([[1.5], [3.0]])

# name: (parameters that broadcast to (2, 3), the NumPy calls (or SciPy's rvs, PyTensor's draw) with
# the same meaning)
SAME_AS_NUMPY = {
    "halfnormal": ((ROW, COLUMN), lambda g, loc, scale, size:
                   loc + scale * np.abs(g.standard_normal(size=draw_shape(size, loc, scale)))),
    "triangular": ((ROW - 1.0, ROW, COLUMN + 2.0), lambda g, lo, m, hi, size: g.triangular(lo, m, hi, size)),
    "invgamma": ((ROW, COLUMN), lambda g, a, b, size: 1.0 / g.gamma(a, 1.0 / b, size)),
    "chisquare": ((ROW,), lambda g, df, size: g.chisquare(df, size)),
    "weibull": ((COLUMN,), lambda g, a, size: g.weibull(a, size)),
    # SciPy's rvs on the generator: what PyTensor draws
    "pareto": ((ROW, COLUMN), lambda g, b, scale, size:
               st.pareto.rvs(b, scale=scale, size=size, random_state=g)),
    "gumbel": ((ROW, COLUMN), lambda g, loc, scale, size:
               st.gumbel_r.rvs(loc=loc, scale=scale, size=size, random_state=g)),
    "logistic": ((ROW, COLUMN), lambda g, loc, scale, size: g.logistic(loc, scale, size)),
    "laplace": ((ROW, COLUMN), lambda g, loc, scale, size: g.laplace(loc, scale, size)),
    "cauchy": ((ROW, COLUMN), lambda g, loc, scale, size:
               st.cauchy.rvs(loc=loc, scale=scale, size=size, random_state=g)),
    "halfcauchy": ((ROW, COLUMN), lambda g, loc, scale, size:
                   st.halfcauchy.rvs(loc=loc, scale=scale, size=size, random_state=g)),
    "t": ((ROW, COLUMN, 2.0), lambda g, df, loc, scale, size:
          loc + scale * g.standard_t(df, size=draw_shape(size, df, loc, scale))),
    "vonmises": ((ROW, COLUMN), lambda g, mu, kappa, size: g.vonmises(mu, kappa, size)),
    "wald": ((ROW, COLUMN), lambda g, mean, scale, size: g.wald(mean, scale, size)),
    "truncexpon": ((ROW, COLUMN, 0.5), lambda g, b, loc, scale, size:
                   loc - scale * np.log1p(g.random(size=draw_shape(size, b, loc, scale)) * np.expm1(-b))),
    "gengamma": ((ROW, COLUMN, 2.0), lambda g, alpha, p, lambd, size:
                 lambd * g.standard_gamma(alpha / p, size=draw_shape(size, alpha, p, lambd)) ** (1.0 / p)),
    "rayleigh": ((COLUMN,), lambda g, scale, size: g.rayleigh(scale, size)),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [None, (4, 2, 3)])
@pytest.mark.parametrize("name", sorted(SAME_AS_NUMPY))
def test_draws_are_numpys_bit_for_bit(name, size, mode):
    params, numpy_call = SAME_AS_NUMPY[name]
    assert_same_as_numpy(getattr(rnd, name), params, size, numpy_call, mode)


def test_scalar_parameters_and_no_size_give_one_number():
    for name, (params, numpy_call) in SAME_AS_NUMPY.items():
        scalars = [float(np.ravel(p)[0]) for p in params]
        assert_same_as_numpy(getattr(rnd, name), scalars, None, numpy_call, "PY")


# name: (scalar parameters, the frozen scipy.stats law)
LAWS = {
    "halfnormal": ((1.0, 2.0), st.halfnorm(loc=1.0, scale=2.0)),
    "triangular": ((0.0, 0.5, 2.0), st.triang(c=0.25, loc=0.0, scale=2.0)),
    "invgamma": ((2.5, 3.0), st.invgamma(2.5, scale=3.0)),
    "chisquare": ((3.0,), st.chi2(3.0)),
    "weibull": ((1.5,), st.weibull_min(1.5)),
    "pareto": ((2.5, 3.0), st.pareto(2.5, scale=3.0)),
    "gumbel": ((0.5, 2.0), st.gumbel_r(0.5, 2.0)),
    "logistic": ((0.5, 2.0), st.logistic(0.5, 2.0)),
    "laplace": ((1.0, 2.0), st.laplace(1.0, 2.0)),
    "cauchy": ((0.5, 2.0), st.cauchy(0.5, 2.0)),
    "halfcauchy": ((1.0, 2.0), st.halfcauchy(1.0, 2.0)),
    "t": ((5.0, 1.0, 2.0), st.t(5.0, 1.0, 2.0)),
    # NumPy's von Mises is on [-pi, pi]: scipy's law on that interval is its loc=0 one
    "vonmises": ((0.0, 2.0), st.vonmises(2.0)),
    # Wald(mean, shape) is scipy's invgauss(mean / shape, scale=shape)
    "wald": ((1.5, 2.0), st.invgauss(0.75, scale=2.0)),
    "truncexpon": ((2.0, 1.0, 0.5), st.truncexpon(2.0, loc=1.0, scale=0.5)),
    "gengamma": ((2.0, 1.5, 1.2), st.gengamma(2.0 / 1.5, 1.5, scale=1.2)),
    "rayleigh": ((2.0,), st.rayleigh(scale=2.0)),
}


@pytest.mark.parametrize("name", sorted(LAWS))
def test_law_matches_scipy(name):
    params, law = LAWS[name]
    sample = compiled_draw(getattr(rnd, name), params, (N_DRAWS,), 2024, "PY")
    # a fixed seed: a correct sampler fails with probability P_VALUE (1e-3)
    assert ks_pvalue(sample, law) > P_VALUE
    assert_moments(sample, law)


def test_every_function_has_a_law_test():
    assert set(LAWS) == set(SAME_AS_NUMPY)


@pytest.mark.parametrize("name", sorted(SAME_AS_NUMPY))
def test_static_shapes(name):
    params, _ = SAME_AS_NUMPY[name]
    function = getattr(rnd, name)
    assert_static_shapes(function, params)
    draw = function(*params, size=(4, 2, 3), rng=generator())
    assert draw.dtype == arignote.config.floatX
    assert function(*params, rng=generator(), dtype="float32").dtype == "float32"


# name: (parameters, the parameter named in the error)
BAD = [
    ("halfnormal", (0.0, -1.0), "scale"),
    ("triangular", (0.0, 3.0, 2.0), "right"),
    ("triangular", (1.0, 0.5, 2.0), "mode"),
    ("invgamma", (-1.0, 1.0), "shape"),
    ("invgamma", (1.0, 0.0), "scale"),
    ("chisquare", (0.0,), "df"),
    ("weibull", (-1.0,), "shape"),
    ("pareto", (0.0, 1.0), "b"),
    ("pareto", (1.0, -1.0), "scale"),
    ("gumbel", (0.0, -1.0), "scale"),
    ("logistic", (0.0, -1.0), "scale"),
    ("laplace", (0.0, -1.0), "scale"),
    ("cauchy", (0.0, -1.0), "scale"),
    ("halfcauchy", (0.0, -1.0), "scale"),
    ("t", (0.0, 0.0, 1.0), "df"),
    ("t", (1.0, 0.0, -1.0), "scale"),
    ("vonmises", (0.0, -1.0), "kappa"),
    ("wald", (0.0, 1.0), "mean"),
    ("wald", (1.0, -1.0), "scale"),
    ("truncexpon", (-1.0, 0.0, 1.0), "b"),
    ("truncexpon", (1.0, 0.0, 0.0), "scale"),
    ("gengamma", (0.0, 1.0, 1.0), "alpha"),
    ("gengamma", (1.0, -1.0, 1.0), "p"),
    ("gengamma", (1.0, 1.0, 0.0), "lambd"),
    ("rayleigh", (-2.0,), "scale"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("name", "params", "parameter"), BAD)
def test_bad_parameters_name_the_distribution_and_the_parameter(name, params, parameter, mode):
    draw = getattr(rnd, name)(*params, size=(3,), rng=generator())
    f = arignote.function([], draw, mode=mode)
    with pytest.raises(ValueError, match=rf"{name}: {parameter} must"):
        f()


def test_bad_parameters_given_at_run_time():
    scale = at.dscalar("scale")
    f = arignote.function([scale], rnd.laplace(0.0, scale, size=(2,), rng=generator()))
    assert f(1.0).shape == (2,)
    with pytest.raises(ValueError, match="laplace: scale must be non-negative"):
        f(-1.0)


@pytest.mark.parametrize("mode", MODES)
def test_a_default_generator_gives_new_numbers_each_call(mode):
    f = arignote.function([], rnd.gumbel(0.0, 1.0, size=(3,)), mode=mode)
    assert not np.array_equal(f(), f())


def test_exported_from_the_package():
    for name in SAME_AS_NUMPY:
        assert name in rnd.__all__
        assert getattr(at.random, name) is getattr(rnd, name)


def test_random_stream_and_generator_methods_draw_them():
    stream = rnd.RandomStream(4)
    draws = [stream.halfnormal(0.0, 1.0, size=(2,)), stream.t(3.0, size=(2,))]
    f = arignote.function([], draws)
    first = f()
    stream.seed(4)
    np.testing.assert_array_equal(f()[0], first[0])
    r = rnd.rng("r")
    next_r, x = r.laplace(0.0, 2.0, size=(3,))
    g = arignote.function([r], [next_r, x])
    _, value = g(np.random.default_rng(8))
    np.testing.assert_array_equal(value, np.random.default_rng(8).laplace(0.0, 2.0, size=(3,)))
