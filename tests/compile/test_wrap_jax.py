"""wrap_jax: a JAX function as an op (arignote/compile/jax_wrap.py, tensor/from_jax.py), on the
py, C and JAX backends, with JAX's derivatives."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad

jnp = pytest.importorskip("jax.numpy", reason="wrap_jax needs JAX (pip install 'arignote[jax]')")

MODES = ["PY", "FAST_RUN", "JAX"]
# float64 throughout: a few ulps per elementwise function
RTOL = 1e-13


@pytest.mark.parametrize("mode", MODES)
def test_pytree_inputs_and_outputs(mode, rng):
    @arignote.wrap_jax
    def model(x, params, scale=1.0):
        return {"y": jnp.tanh(x @ params["w"] + params["b"]) * scale, "norm": jnp.sum(params["w"] ** 2)}

    x = at.matrix("x", shape=(4, 3))
    w, b = at.matrix("w", shape=(3, 2)), at.vector("b", shape=(2,))
    out = model(x, {"w": w, "b": b}, scale=2.0)
    assert set(out) == {"y", "norm"} and out["y"].type.shape == (4, 2)
    f = arignote.function([x, w, b], [out["y"], out["norm"]], mode=mode)
    xv, wv, bv = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    y, norm = f(xv, wv, bv)
    np.testing.assert_allclose(y, np.tanh(xv @ wv + bv) * 2.0, rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(norm, (wv ** 2).sum(), rtol=RTOL)


@pytest.mark.parametrize("mode", MODES)
def test_gradient_is_jaxs(mode, rng):
    @arignote.wrap_jax
    def energy(x, y):
        return jnp.sum(jnp.sin(x) * jnp.exp(y))

    x, y = at.vector("x", shape=(5,)), at.vector("y", shape=(5,))
    gx, gy = arignote.grad(energy(x, y), [x, y])
    f = arignote.function([x, y], [gx, gy], mode=mode)
    xv, yv = rng.normal(size=5), rng.normal(size=5)
    got_x, got_y = f(xv, yv)
    np.testing.assert_allclose(got_x, np.cos(xv) * np.exp(yv), rtol=RTOL)
    np.testing.assert_allclose(got_y, np.sin(xv) * np.exp(yv), rtol=RTOL)


def test_second_derivatives_and_finite_differences(rng):
    @arignote.wrap_jax
    def cubic(x):
        return jnp.sum(x ** 3)

    x = at.vector("x", shape=(3,))
    h = arignote.function([x], arignote.hessian(cubic(x), x))
    xv = rng.normal(size=3)
    np.testing.assert_allclose(h(xv), np.diag(6 * xv), rtol=RTOL)
    verify_grad(lambda v: cubic(at.specify_shape(v, (3,))), [xv], rng=rng)


def test_integer_inputs_are_not_differentiated():
    @arignote.wrap_jax
    def scaled(x, n):
        return x * n

    x, n = at.vector("x", shape=(2,)), at.lscalar("n")
    g = arignote.grad(scaled(x, n).sum(), x)
    assert arignote.function([x, n], g)(np.ones(2), 3).tolist() == [3.0, 3.0]


def test_unknown_shapes_are_refused_with_the_fix():
    @arignote.wrap_jax
    def double(x):
        return 2 * x

    with pytest.raises(ValueError, match="specify_shape"):
        double(at.vector("x"))
    # a shape that needs no input value is evaluated (allow_eval)
    assert double(at.zeros(4)).type.shape == (4,)
    with pytest.raises(ValueError, match="specify_shape"):
        arignote.wrap_jax(allow_eval=False)(lambda v: 2 * v)(at.zeros(at.lscalar("n")))
