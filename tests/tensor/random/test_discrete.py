"""The discrete distributions of arignote/tensor/random/discrete.py: NumPy's numbers bit for bit
(same seed, same Generator calls), the law (chi-squared against scipy.stats, p-value threshold
1e-3 at a fixed seed, and moments), static shapes, and parameter checks."""

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
    chisquare_pvalue,
    compiled_draw,
    draw_shape,
    generator,
)

# name: (parameters that broadcast to (2, 3), the NumPy calls with the same meaning)
SAME_AS_NUMPY = {
    "betabinom": ((np.array([5, 10, 20]), np.array([[0.5], [2.0]]), 3.0), lambda g, n, a, b, size:
                  g.binomial(n, g.beta(a, b, size=draw_shape(size, n, a, b)),
                             size=draw_shape(size, n, a, b))),
    "negative_binomial": ((np.array([1.0, 5.0, 10.5]), np.array([[0.2], [0.9]])),
                          lambda g, n, p, size: g.negative_binomial(n, p, size)),
    "geometric": ((np.array([[0.1, 0.5, 1.0], [0.3, 0.7, 0.05]]),), lambda g, p, size: g.geometric(p, size)),
    "hypergeometric": ((np.array([5, 0, 30]), np.array([[6], [2]]), 2),
                       lambda g, good, bad, n, size: g.hypergeometric(good, bad, n, size)),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [None, (4, 2, 3)])
@pytest.mark.parametrize("name", sorted(SAME_AS_NUMPY))
def test_draws_are_numpys_bit_for_bit(name, size, mode):
    params, numpy_call = SAME_AS_NUMPY[name]
    assert_same_as_numpy(getattr(rnd, name), params, size, numpy_call, mode)


def test_nbinom_is_negative_binomial():
    assert rnd.nbinom is rnd.negative_binomial
    assert at.random.nbinom is rnd.negative_binomial


# name: (scalar parameters, the frozen scipy.stats law)
LAWS = {
    "betabinom": ((12, 2.0, 3.0), st.betabinom(12, 2.0, 3.0)),
    "negative_binomial": ((5, 0.3), st.nbinom(5, 0.3)),
    "geometric": ((0.3,), st.geom(0.3)),
    "hypergeometric": ((15, 20, 12), st.hypergeom(35, 15, 12)),
}


@pytest.mark.parametrize("name", sorted(LAWS))
def test_law_matches_scipy(name):
    params, law = LAWS[name]
    sample = compiled_draw(getattr(rnd, name), params, (N_DRAWS,), 2024, "PY")
    assert sample.dtype == np.int64
    # a fixed seed: a correct sampler fails with probability P_VALUE (1e-3)
    assert chisquare_pvalue(sample, law) > P_VALUE
    assert_moments(sample, law)


def test_every_function_has_a_law_test():
    assert set(LAWS) == set(SAME_AS_NUMPY)


@pytest.mark.parametrize("name", sorted(SAME_AS_NUMPY))
def test_static_shapes(name):
    params, _ = SAME_AS_NUMPY[name]
    function = getattr(rnd, name)
    assert_static_shapes(function, params)
    assert function(*params, rng=generator()).dtype == "int64"


BAD = [
    ("betabinom", (-1, 1.0, 1.0), "n"),
    ("betabinom", (5, 0.0, 1.0), "a"),
    ("betabinom", (5, 1.0, -1.0), "b"),
    ("negative_binomial", (0.0, 0.5), "n"),
    ("negative_binomial", (3, 1.5), "p"),
    ("negative_binomial", (3, 0.0), "p"),
    ("geometric", (0.0,), "p"),
    ("geometric", (-0.2,), "p"),
    ("hypergeometric", (-1, 5, 2), "ngood"),
    ("hypergeometric", (5, -1, 2), "nbad"),
    ("hypergeometric", (5, 5, -2), "nsample"),
    ("hypergeometric", (5, 5, 11), "nsample"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("name", "params", "parameter"), BAD)
def test_bad_parameters_name_the_distribution_and_the_parameter(name, params, parameter, mode):
    draw = getattr(rnd, name)(*params, size=(3,), rng=generator())
    f = arignote.function([], draw, mode=mode)
    label = "beta_binomial" if name == "betabinom" else name
    with pytest.raises(ValueError, match=rf"{label}: {parameter} must"):
        f()


def test_exported_from_the_package():
    for name in [*SAME_AS_NUMPY, "nbinom"]:
        assert name in rnd.__all__
