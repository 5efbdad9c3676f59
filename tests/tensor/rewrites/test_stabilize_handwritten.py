"""Hand-written sigmoid, softplus, log-sigmoid and softmax reach the stable graphs of the
named functions: finite, correct values and derivatives where the written formula
overflows (issue 11: the tutorial's logistic regression trained to NaN)."""

import numpy as np
import pytest
import scipy.special as sps

import arignote
import arignote.tensor as at
from arignote import function, grad

Z = np.array([-800.0, -40.0, -5.0, -0.5, 0.0, 0.5, 5.0, 40.0, 800.0])
Y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
# each reference is accurate to a few ulps; the compiled forms evaluate a handful of
# operations (exp, log1p, a division) on values of order 1..800: 64 ulps of float64
RTOL = 64 * np.finfo(np.float64).eps


def _sigmoid_forms(z):
    return {
        "1/(1+exp(-z))": 1 / (1 + at.exp(-z)),
        "1/(exp(-z)+1)": 1 / (at.exp(-z) + 1),
        "exp(z)/(1+exp(z))": at.exp(z) / (1 + at.exp(z)),
        "(1+exp(-z))**-1": (1 + at.exp(-z)) ** -1,
        "reciprocal(1+exp(-z))": at.reciprocal(1 + at.exp(-z)),
    }


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
@pytest.mark.parametrize("form", list(_sigmoid_forms(at.vector()).keys()))
def test_sigmoid_forms_become_sigmoid(form, mode):
    z = at.vector("z")
    p = _sigmoid_forms(z)[form]
    f = function([z], [p, at.log(p), at.log(1 - p)], mode=mode)
    value, log_p, log_1mp = f(Z)
    np.testing.assert_allclose(value, sps.expit(Z), rtol=RTOL, atol=0)
    np.testing.assert_allclose(log_p, -np.logaddexp(0, -Z), rtol=RTOL, atol=0)
    np.testing.assert_allclose(log_1mp, -np.logaddexp(0, Z), rtol=RTOL, atol=0)


@pytest.mark.parametrize("form", ["1/(1+exp(-z))", "1/(exp(-z)+1)", "(1+exp(-z))**-1",
                                  "reciprocal(1+exp(-z))"])
def test_sigmoid_form_derivatives_are_finite(form):
    z = at.vector("z")
    p = _sigmoid_forms(z)[form]
    g = function([z], grad(p.sum(), z))(Z)
    # sigmoid(z) * sigmoid(-z): the reference without the cancellation of 1 - sigmoid(z)
    np.testing.assert_allclose(g, sps.expit(Z) * sps.expit(-Z), rtol=RTOL, atol=1e-300)


def test_tutorial_logistic_regression_trains_without_nan():
    """The PyTensor tutorial's loss, sigmoid written by hand, at |z| up to 800."""
    rng = np.random.default_rng(0)
    X = at.matrix("X")
    y = at.vector("y")
    w = arignote.shared(np.zeros(3), name="w")
    p = 1 / (1 + at.exp(-at.dot(X, w)))
    xent = -y * at.log(p) - (1 - y) * at.log(1 - p)
    loss = xent.mean()
    gw = grad(loss, w)
    train = function([X, y], [loss, gw], updates={w: w - 0.1 * gw})
    data = rng.normal(size=(50, 3)) * 400
    labels = (rng.random(50) < 0.5).astype(float)
    w.set_value(np.array([1.0, -1.0, 0.5]))
    for _ in range(3):
        value, g = train(data, labels)
        assert np.isfinite(value) and np.all(np.isfinite(g))
    z = data @ np.array([1.0, -1.0, 0.5])
    expected = np.mean(labels * np.logaddexp(0, -z) + (1 - labels) * np.logaddexp(0, z))
    w.set_value(np.array([1.0, -1.0, 0.5]))
    np.testing.assert_allclose(function([X, y], loss)(data, labels), expected, rtol=1e-12)


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_softplus_and_log_sigmoid_forms(mode):
    z = at.vector("z")
    f = function([z], [at.log(1 + at.exp(z)), -at.log(1 + at.exp(-z)), at.log(1 / (1 + at.exp(-z)))],
                 mode=mode)
    softplus, log_sig1, log_sig2 = f(Z)
    np.testing.assert_allclose(softplus, np.logaddexp(0, Z), rtol=RTOL, atol=0)
    np.testing.assert_allclose(log_sig1, -np.logaddexp(0, -Z), rtol=RTOL, atol=0)
    np.testing.assert_allclose(log_sig2, -np.logaddexp(0, -Z), rtol=RTOL, atol=0)
    g = function([z], grad(at.log(1 + at.exp(z)).sum(), z), mode=mode)(Z)
    np.testing.assert_allclose(g, sps.expit(Z), rtol=RTOL, atol=1e-300)


@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_softmax_form_becomes_softmax(axis, mode):
    x = at.matrix("x")
    e = at.exp(x)
    written = e / e.sum(axis=axis, keepdims=True)
    X = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    f = function([x], [written, at.log(written)], mode=mode)
    value, log_value = f(X)
    np.testing.assert_allclose(value, sps.softmax(X, axis=axis), rtol=RTOL, atol=1e-300)
    np.testing.assert_allclose(log_value, sps.log_softmax(X, axis=axis), rtol=RTOL, atol=0)
    assert any(isinstance(getattr(n.op, "scalar_op", n.op), type(at.special.softmax(x).owner.op))
               or "Softmax" in type(n.op).__name__ for n in _nodes(f))


def _nodes(f):
    from arignote.graph.traversal import toposort

    return toposort(f.graph_outputs)
