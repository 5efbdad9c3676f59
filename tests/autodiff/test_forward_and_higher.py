"""Rop/Lop, jacobian, hessian and grad of grad, against finite differences and NumPy."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.autodiff.numeric import finite_difference_jacobian
from arignote.gradient import (
    DisconnectedInputError,
    Lop,
    Rop,
    grad,
    hessian,
    hessian_vector_product,
    jacobian,
    pullback,
    pushforward,
)


def evaluate(outputs, inputs, *values):
    return arignote.function(inputs, outputs, on_unused_input="ignore")(*values)


def numeric_jacobian(fn, x, eps=1e-6):
    return finite_difference_jacobian(fn, x, eps)


FUNCTIONS = {
    "elementwise": (lambda x: at.exp(x) * at.sin(x) + x ** 3, (4,)),
    "matrix": (lambda x: at.tanh(at.dot(x.reshape((2, 3)), np.arange(3.0))), (6,)),
    "softmax": (lambda x: at.special.softmax(x), (5,)),
    "sort_cumsum": (lambda x: at.cumsum(at.sort(x)) * x, (4,)),
    "indexing": (lambda x: at.inc_subtensor(x[np.array([0, 0, 2])], x[1:4] ** 2), (4,)),
    "reductions": (lambda x: at.stack([at.max(x), at.prod(x), at.logsumexp(x)]), (4,)),
    "concat": (lambda x: at.concatenate([x[:2] * 3, at.flip(x), x.reshape((2, 2)).sum(0)]), (4,)),
}


def _point(rng, shape):
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.3 + rng.uniform(0.05, 0.1, shape)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("vectorize", [True, False], ids=["batched", "rows"])
def test_jacobian_matches_finite_differences(name, vectorize, rng):
    fn, shape = FUNCTIONS[name]
    x = at.tensor("x", shape=shape)
    y = fn(x)
    J = jacobian(y, x, vectorize=vectorize)
    xv = _point(rng, shape)
    f = arignote.function([x], y)
    np.testing.assert_allclose(evaluate(J, [x], xv), numeric_jacobian(f, xv), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_rop_and_lop_match_the_jacobian(name, rng):
    fn, shape = FUNCTIONS[name]
    x = at.tensor("x", shape=shape)
    y = fn(x)
    v = at.tensor("v", shape=shape)
    w = at.tensor("w", shape=(None,))
    xv = _point(rng, shape)
    J = numeric_jacobian(arignote.function([x], y), xv)
    vv = rng.normal(size=shape)
    wv = rng.normal(size=J.shape[0])
    for rop in (Rop(y, x, v), pushforward(y, x, v), Rop(y, x, v, use_op_rop_implementation=False)):
        np.testing.assert_allclose(evaluate(rop, [x, v], xv, vv), J @ vv, rtol=1e-6, atol=1e-6)
    for lop in (Lop(y, x, w), pullback(y, x, w)):
        np.testing.assert_allclose(evaluate(lop, [x, w], xv, wv), wv @ J, rtol=1e-6, atol=1e-6)


def test_jacobian_of_unknown_size_is_vectorized(rng):
    x = at.vector("x")
    W = at.matrix("W")
    J = jacobian(at.tanh(W @ x), x)
    nodes = arignote.graph.toposort([J])
    assert len(nodes) < 60  # one batched pullback, not one per row (the size is not even known)
    xv, Wv = rng.normal(size=3), rng.normal(size=(5, 3))
    expected = (1 - np.tanh(Wv @ xv) ** 2)[:, None] * Wv
    np.testing.assert_allclose(evaluate(J, [x, W], xv, Wv), expected)


def test_jacobian_shapes_several_wrt_and_scalars(rng):
    x = at.matrix("x")
    s = at.scalar("s")
    y = (x * s) ** 2
    jx, js = jacobian(y, [x, s])
    xv, sv = rng.normal(size=(2, 3)), 1.7
    got_x, got_s = evaluate([jx, js], [x, s], xv, sv)
    assert got_x.shape == (2, 3, 2, 3) and got_s.shape == (2, 3)
    expected_x = np.zeros((2, 3, 2, 3))
    for i in range(2):
        for j in range(3):
            expected_x[i, j, i, j] = 2 * xv[i, j] * sv ** 2
    np.testing.assert_allclose(got_x, expected_x)
    np.testing.assert_allclose(got_s, 2 * xv ** 2 * sv)
    assert isinstance(jacobian((x ** 2).sum(), x), at.TensorVariable)  # 0-d: the gradient


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_jacobian_rows_of_unknown_size_by_a_loop(name, rng):
    # vectorize=False (PyTensor's default) and lengths known only at run time: a loop builds
    # the rows, one gradient per step
    fn, shape = FUNCTIONS[name]
    x = at.tensor("x", shape=(None,) * len(shape))
    J = jacobian(fn(x), (x,), vectorize=False)
    assert isinstance(J, tuple) and len(J) == 1  # the container given comes back
    xv = _point(rng, shape)
    expected = numeric_jacobian(arignote.function([x], fn(x)), xv)
    # central differences with eps 1e-6 on values of size ~1: about 1e-9 truncation and rounding
    np.testing.assert_allclose(evaluate(J[0], [x], xv), expected, rtol=1e-6, atol=1e-6)


def test_hessian_rows_of_unknown_size_by_a_loop(rng):
    x, w = at.vector("x"), at.matrix("w")
    cost = (at.exp(w @ x) * x.sum()).sum()
    H = hessian(cost, [x, w], vectorize=False)
    assert isinstance(H, list)
    xv, wv = rng.normal(size=3), rng.normal(size=(2, 3))
    hx, hw = evaluate(H, [x, w], xv, wv)
    gx = arignote.function([x, w], grad(cost, x))
    np.testing.assert_allclose(hx, numeric_jacobian(lambda v: gx(v, wv), xv), rtol=1e-6, atol=1e-6)
    assert hw.shape == (2, 3, 2, 3)


def test_jacobian_disconnected():
    x, y = at.vector("x"), at.vector("y")
    with pytest.raises(DisconnectedInputError):
        jacobian(x * 2, y)
    j = jacobian(x * 2, y, disconnected_inputs="ignore")
    np.testing.assert_array_equal(evaluate(j, [x, y], np.ones(2), np.ones(3)), np.zeros((2, 3)))


def test_hessian_matches_analytic(rng):
    x = at.vector("x")
    A = rng.normal(size=(3, 3))
    cost = at.dot(x, at.dot(A, x)) + at.exp(x).sum()
    H = hessian(cost, x)
    xv = rng.normal(size=3)
    np.testing.assert_allclose(evaluate(H, [x], xv), A + A.T + np.diag(np.exp(xv)))
    p = at.vector("p")
    hv = hessian_vector_product(cost, x, p)
    pv = rng.normal(size=3)
    np.testing.assert_allclose(evaluate(hv, [x, p], xv, pv), (A + A.T + np.diag(np.exp(xv))) @ pv)
    assert arignote.hessian is hessian and arignote.jacobian is jacobian


def test_hessian_of_a_log_likelihood(rng):
    mu = at.vector("mu")
    data = at.constant(rng.normal(size=(4, 2)))
    cost = -0.5 * ((data - mu) ** 2).sum() + at.log(at.sum(at.exp(mu)))
    H = hessian(cost, mu)
    mv = rng.normal(size=2)
    soft = np.exp(mv) / np.exp(mv).sum()
    expected = -4 * np.eye(2) + np.diag(soft) - np.outer(soft, soft)
    np.testing.assert_allclose(evaluate(H, [mu], mv), expected, atol=1e-12)


GRAD_OF_GRAD = {
    "tanh": lambda x: at.tanh(x),
    "sigmoid": lambda x: at.sigmoid(x),
    "softplus": lambda x: at.softplus(x),
    "log1p_exp": lambda x: at.log1p(at.exp(x)),
    "pow": lambda x: x ** 3 / (1 + x ** 2),
    "softmax": lambda x: at.special.softmax(x) * np.arange(4.0),
    "log_softmax": lambda x: at.special.log_softmax(x) * np.arange(4.0),
    "logsumexp": lambda x: at.logsumexp(x) * x,
    "prod": lambda x: at.prod(x) * x,
    "max": lambda x: at.max(x) * x ** 2,
    "sort": lambda x: at.sort(x) ** 3,
    "cumsum": lambda x: at.cumsum(x) ** 2,
    "cumprod": lambda x: at.cumprod(x) * x,
    "dot": lambda x: at.dot(at.outer(x, x), x),
    "indexing": lambda x: x[np.array([0, 0, 3])] ** 3,
    "gamma": lambda x: at.gammaln(x + 3),
    "erf": lambda x: at.erf(x) * x,
}


@pytest.mark.parametrize("name", sorted(GRAD_OF_GRAD))
def test_grad_of_grad(name, rng):
    """The Hessian (built from grad of grad) agrees with finite differences of the gradient."""
    x = at.vector("x")
    cost = GRAD_OF_GRAD[name](x).sum()
    g = grad(cost, x)
    H = hessian(cost, x)
    xv = rng.permutation(4) * 0.4 + rng.uniform(0.05, 0.1, 4) - 0.5
    g_fn = arignote.function([x], g)
    np.testing.assert_allclose(evaluate(H, [x], xv), numeric_jacobian(g_fn, xv), rtol=1e-5, atol=1e-6)


def test_third_derivative():
    x = at.scalar("x")
    d3 = grad(grad(grad(at.sin(x) * x, x), x), x)
    # d3/dx3 (x sin x) = -3 sin x - x cos x
    np.testing.assert_allclose(evaluate(d3, [x], 0.7), -3 * np.sin(0.7) - 0.7 * np.cos(0.7))


def test_rop_disconnected_output():
    x, y = at.vector("x"), at.vector("y")
    v = at.vector("v")
    with pytest.raises(DisconnectedInputError):
        Rop(y * 2, x, v)
    r = Rop([x * 2, y * 2], x, v, disconnected_outputs="ignore")
    got = evaluate(r, [x, y, v], np.ones(2), np.ones(3), np.array([1.0, 2.0]))
    np.testing.assert_array_equal(got[0], [2.0, 4.0])
    np.testing.assert_array_equal(got[1], np.zeros(3))
