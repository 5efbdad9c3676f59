"""``f.jax_fn``: the compiled graph as a pure JAX function inside jit, vmap, grad and scan."""

import pytest

jax = pytest.importorskip("jax", reason="JAX is not installed (pip install 'arignote[jax]')")

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import arignote  # noqa: E402
import arignote.tensor as at  # noqa: E402


def log_density():
    mu, log_sigma, data = at.scalar("mu"), at.scalar("log_sigma"), at.vector("data")
    sigma = at.exp(log_sigma)
    logp = (-0.5 * ((data - mu) / sigma) ** 2 - log_sigma - 0.5 * np.log(2 * np.pi)).sum()
    return [mu, log_sigma, data], logp


def test_inside_jit_and_grad_against_finite_differences(rng):
    inputs, logp = log_density()
    f = arignote.function(inputs, logp, mode="JAX")
    data = rng.normal(1.0, 2.0, size=100)
    point = (0.3, 0.5)
    value = jax.jit(f.jax_fn)(*point, data)
    assert float(value) == pytest.approx(float(f(*point, data)), rel=1e-13)
    grad = jax.jit(jax.grad(f.jax_fn, argnums=(0, 1)))(*point, data)
    eps = 1e-6
    for k in range(2):
        up, down = list(point), list(point)
        up[k] += eps
        down[k] -= eps
        numeric = (f(*up, data) - f(*down, data)) / (2 * eps)
        assert float(grad[k]) == pytest.approx(numeric, rel=1e-6)


def test_inside_vmap(rng):
    inputs, logp = log_density()
    f = arignote.function(inputs, logp, mode="JAX")
    data = rng.normal(size=20)
    mus = jnp.linspace(-1, 1, 7)
    batched = jax.vmap(f.jax_fn, in_axes=(0, None, None))(mus, 0.1, data)
    np.testing.assert_allclose(batched, [f(float(m), 0.1, data) for m in mus], rtol=1e-13)


def test_inside_a_scan():
    x = at.vector("x")
    f = arignote.function([x], at.tanh(x) * 2, mode="JAX")
    carry, _ = jax.lax.scan(lambda c, _: (f.jax_fn(c), None), jnp.ones(3), None, length=4)
    expected = np.ones(3)
    for _ in range(4):
        expected = np.tanh(expected) * 2
    np.testing.assert_allclose(carry, expected, rtol=1e-14)


def test_several_outputs_shared_variables_and_updates():
    x = at.vector("x")
    W = arignote.shared(np.eye(2), name="W")
    y = W @ x
    f = arignote.function([x], [y, y.sum()], updates={W: W * 2}, mode="JAX")
    outputs, updates = f.jax_fn(jnp.ones(2), jnp.eye(2) * 3)
    assert isinstance(outputs, tuple) and len(outputs) == 2 and len(updates) == 1
    np.testing.assert_allclose(outputs[0], [3.0, 3.0])
    np.testing.assert_allclose(updates[0], np.eye(2) * 6)
    with pytest.raises(TypeError, match="takes 2 argument"):
        f.jax_fn(jnp.ones(2))


def test_gradient_graphs_agree_with_jax_grad(rng):
    # arignote's own gradient, compiled for JAX, against JAX differentiating the same graph
    x, W = at.vector("x"), at.matrix("W")
    cost = at.log(at.sum(at.exp(at.tanh(W @ x)))) + (W ** 2).sum() * 0.1
    f = arignote.function([x, W], [cost, arignote.grad(cost, W)], mode="JAX")
    value = arignote.function([x, W], cost, mode="JAX")
    xv, Wv = rng.normal(size=3), rng.normal(size=(4, 3))
    ours = f(xv, Wv)[1]
    theirs = jax.grad(value.jax_fn, argnums=1)(xv, Wv)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_only_for_jax_functions():
    x = at.vector("x")
    with pytest.raises(TypeError, match="compile it with mode='JAX'"):
        _ = arignote.function([x], x + 1, mode="PY").jax_fn
