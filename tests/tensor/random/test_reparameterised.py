"""Reparameterised derivatives of draws (arignote/tensor/random/reparameterised.py and the
location-scale families of continuous.py, multivariate_normal's Cholesky rule).

Each is checked against finite differences with ``verify_grad``: the draw's generator is a
shared generator passed as ``rng=`` (so it has no default update), and every evaluation of
the compiled functions draws the same numbers from it; the derivative is then the pathwise
one at those fixed standard draws."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.graph.op import NotDifferentiable
from arignote.tensor import random as rnd
from tests.tensor.random.draw_checks import MODES, generator

LOC = np.array([0.5, 1.0, -1.0])
SCALE = np.array([[2.0], [0.7]])

# name: parameters that broadcast to (2, 3) (positive where the law needs it)
CASES = {
    "normal": (LOC, SCALE),
    "laplace": (LOC, SCALE),
    "logistic": (LOC, SCALE),
    "gumbel": (LOC, SCALE),
    "cauchy": (LOC, SCALE),
    "uniform": (LOC, LOC + SCALE),
    "lognormal": (LOC, SCALE),
    "exponential": (np.abs(SCALE) + LOC ** 2,),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [None, (4, 2, 3)])
@pytest.mark.parametrize("name", sorted(CASES))
def test_derivative_matches_finite_differences(name, size, mode):
    rng = generator(5)
    function = getattr(rnd, name)
    verify_grad(lambda *p: function(*p, size=size, rng=rng), list(CASES[name]),
                rng=np.random.default_rng(0), mode=mode)


def test_scalar_parameters_get_the_sum_over_the_draw():
    loc, scale = at.dscalar("loc"), at.dscalar("scale")
    draw = rnd.normal(loc, scale, size=(50,), rng=generator(1))
    g_loc, g_scale = arignote.grad(draw.sum(), [loc, scale])
    f = arignote.function([loc, scale], [draw, g_loc, g_scale])
    x, dloc, dscale = f(1.0, 2.0)
    assert dloc == 50.0
    np.testing.assert_allclose(dscale, np.sum((x - 1.0) / 2.0))
    # the standard draws are NumPy's: x = loc + scale * z
    np.testing.assert_allclose(dscale, np.random.default_rng(1).normal(0.0, 1.0, size=50).sum())


def test_integer_parameters_get_no_cotangent():
    scale = at.dscalar("scale")
    draw = rnd.laplace(3, scale, size=(4,), rng=generator(1))
    assert draw.owner.inputs[2].dtype.startswith("int")
    (g,) = arignote.grad(draw.sum(), [scale])
    assert np.isfinite(arignote.function([scale], g)(1.5))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("mean", "cov", "size"), [
    (np.array([0.1, -0.2, 0.4]), np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]]), None),
    (np.array([0.1, -0.2]), np.array([[2.0, 0.3], [0.3, 1.0]]), (5,)),
    (np.zeros((3, 2)), np.stack([np.eye(2) * 2.0, [[1.0, 0.4], [0.4, 1.5]], [[3.0, -1.0], [-1.0, 1.0]]]),
     None),
    (np.zeros(2), np.stack([np.eye(2), [[1.0, 0.4], [0.4, 1.5]]]), (4, 2)),
])
def test_multivariate_normal_derivative_through_the_cholesky_factor(mean, cov, size, mode):
    rng = generator(5)
    verify_grad(lambda m, c: rnd.multivariate_normal(m, c, size=size, rng=rng), [mean, cov],
                rng=np.random.default_rng(0), mode=mode)


@pytest.mark.parametrize("method", ["eigh", "svd"])
def test_multivariate_normal_other_methods_are_not_differentiable(method):
    cov = at.dmatrix("cov")
    draw = rnd.multivariate_normal(np.zeros(2), cov, method=method, rng=generator())
    with pytest.raises(NotDifferentiable, match="multivariate_normal: only method='cholesky'"):
        arignote.grad(draw.sum(), cov)


@pytest.mark.parametrize(("build", "name"), [
    (lambda p: rnd.gamma(p, scale=1.0, rng=generator()), "gamma"),
    (lambda p: rnd.t(p, rng=generator()), "t"),
    (lambda p: rnd.halfnormal(0.0, p, rng=generator()), "halfnormal"),
    (lambda p: rnd.pareto(p, rng=generator()), "pareto"),
    (lambda p: rnd.dirichlet(at.stack([p, p]), rng=generator()), "dirichlet"),
    (lambda p: rnd.beta(p, 2.0, rng=generator()), "beta"),
])
def test_other_draws_are_not_differentiable(build, name):
    p = at.dscalar("p")
    with pytest.raises(NotDifferentiable, match=f"{name}: a draw has no derivative"):
        arignote.grad(build(p).sum(), p)


def test_the_next_generator_carries_no_derivative():
    loc = at.dscalar("loc")
    draw = rnd.normal(loc, 1.0, size=(3,), rng=generator(2))
    # a cost through the next generator's draw: only the second draw's own path counts
    again = rnd.normal(loc, 1.0, size=(3,), rng=draw.owner.outputs[0])
    (g,) = arignote.grad((draw + again).sum(), [loc])
    assert arignote.function([loc], g)(0.0) == 6.0


def test_multivariate_normal_with_an_integer_cov_differentiates_the_mean():
    mean = at.dvector("mean")
    draw = rnd.multivariate_normal(mean, np.array([[2, 1], [1, 2]]), size=(3,), rng=generator())
    (g,) = arignote.grad(draw.sum(), [mean])
    np.testing.assert_array_equal(arignote.function([mean], g)(np.zeros(2)), [3.0, 3.0])
