"""Ops written to PyTensor's protocol (arignote/graph/pytensor_protocol.py): a class with
``__props__``, ``make_node`` returning ``Apply(self, inputs, [x.type()])``,
``perform(node, inputs, output_storage)``, ``grad``/``L_op`` and ``infer_shape(fgraph, ...)``
runs unchanged on every backend, with derivatives."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import NullTypeGradError, disconnected_type, grad_undefined, verify_grad
from arignote.graph.basic import Apply
from arignote.graph.op import Op

MODES = ["PY", "FAST_RUN", pytest.param("JAX", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))]


class GaussianLogLike(Op):
    """A "black-box likelihood" as PyMC users write one: the log-density of ``data`` under a
    normal of mean ``mu``, computed by NumPy in ``perform``."""

    __props__ = ("sigma",)

    def __init__(self, sigma):
        self.sigma = sigma
        self.calls = 0

    def make_node(self, mu, data):
        mu, data = at.as_tensor_variable(mu), at.as_tensor_variable(data)
        return Apply(self, [mu, data], [at.dscalar()])

    def perform(self, node, inputs, output_storage):
        self.calls += 1
        mu, data = inputs
        output_storage[0][0] = np.asarray(-0.5 * np.sum(((data - mu) / self.sigma) ** 2))

    def grad(self, inputs, output_grads):
        mu, data = inputs
        (g,) = output_grads
        return [g * ((data - mu) / self.sigma ** 2).sum(), grad_undefined(self, 1, data, "data are fixed")]


class ScaleAndShift(Op):
    """Two outputs, an ``L_op``, an ``infer_shape`` and a disconnected input."""

    __props__ = ()

    def make_node(self, x, scale, label):
        x, scale, label = (at.as_tensor_variable(v) for v in (x, scale, label))
        return Apply(self, [x, scale, label], [x.type(), x.type()])

    def perform(self, node, inputs, output_storage):
        x, scale, _ = inputs
        output_storage[0][0] = x * scale
        output_storage[1][0] = x + scale

    def L_op(self, inputs, outputs, output_grads):
        x, scale, _ = inputs
        g_scaled, g_shifted = output_grads
        return [g_scaled * scale + g_shifted, (g_scaled * x).sum() + g_shifted.sum(), disconnected_type()]

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0], input_shapes[0]]


@pytest.mark.parametrize("mode", MODES)
def test_a_black_box_likelihood_runs_with_its_gradient(mode):
    op = GaussianLogLike(2.0)
    mu, data = at.dscalar("mu"), at.dvector("data")
    logp = op(mu, data)
    f = arignote.function([mu, data], [logp, arignote.grad(logp, mu)], mode=mode)
    values = np.array([1.0, 2.0, 4.0])
    value, slope = f(1.5, values)
    np.testing.assert_allclose(value, -0.5 * np.sum(((values - 1.5) / 2.0) ** 2), rtol=1e-15)
    np.testing.assert_allclose(slope, np.sum(values - 1.5) / 4.0, rtol=1e-15)


def test_the_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    data = rng.normal(size=5)
    verify_grad(lambda mu: GaussianLogLike(0.7)(mu, at.constant(data)), [np.array(0.3)], rng=rng)
    verify_grad(lambda x, s: sum(o.sum() for o in ScaleAndShift()(x, s, at.constant(1))),
                [rng.normal(size=3), np.array(1.5)], rng=rng)


def test_an_undefined_gradient_fails_only_where_needed():
    op = GaussianLogLike(1.0)
    mu, data = at.dscalar("mu"), at.dvector("data")
    logp = op(mu, data)
    arignote.grad(logp, mu)  # fine: the data's gradient is not needed
    with pytest.raises(NullTypeGradError, match="data are fixed"):
        arignote.grad(logp, data)


@pytest.mark.parametrize("mode", MODES)
def test_several_outputs_and_a_disconnected_input(mode):
    x, s = at.dvector("x"), at.dscalar("s")
    label = at.iscalar("label")
    scaled, shifted = ScaleAndShift()(x, s, label)
    cost = scaled.sum() + shifted.sum()
    f = arignote.function([x, s, label], [scaled, shifted, *arignote.grad(cost, [x, s])], mode=mode)
    values = np.array([1.0, 2.0])
    a, b, gx, gs = f(values, 3.0, 7)
    np.testing.assert_array_equal(a, values * 3.0)
    np.testing.assert_array_equal(b, values + 3.0)
    np.testing.assert_array_equal(gx, [4.0, 4.0])
    assert gs == values.sum() + 2.0


def test_infer_shape_answers_without_running_perform():
    op = GaussianLogLike(1.0)  # no infer_shape: a scalar output, static
    x = at.dvector("x")
    scaled, _ = ScaleAndShift()(x, 2.0, 0)
    f = arignote.function([x], scaled.shape)
    assert list(f(np.ones(4))) == [4]
    assert "ScaleAndShift" not in {type(n.op).__name__ for n in arignote.graph.toposort(f.graph_outputs)}
    assert op.calls == 0


def test_props_give_equality_and_interning():
    a, b, c = GaussianLogLike(1.0), GaussianLogLike(1.0), GaussianLogLike(2.0)
    assert a == b and hash(a) == hash(b) and a != c
    mu, data = at.dscalar("mu"), at.dvector("data")
    assert a(mu, data) is b(mu, data)  # one node, as for arignote's own ops


def test_bad_storage_and_bad_apply_are_named():
    class Forgetful(Op):
        __props__ = ()

        def make_node(self, x):
            return Apply(self, [at.as_tensor_variable(x)], [at.dvector()])

        def perform(self, node, inputs, output_storage):
            pass

    x = at.dvector("x")
    with pytest.raises(ValueError, match="stored nothing in output 0"):
        arignote.function([x], Forgetful()(x), mode="PY")(np.ones(2))
    with pytest.raises(TypeError, match="must be a new variable"):
        Apply(Forgetful(), [x], [x * 2.0])  # an output of another node
    with pytest.raises(TypeError, match="give the op, its inputs and its outputs"):
        Apply()


def test_jax_needs_output_shapes():
    pytest.importorskip("jax")

    class NoShapes(Op):
        __props__ = ()

        def make_node(self, x):
            return Apply(self, [at.as_tensor_variable(x)], [at.dvector()])

        def perform(self, node, inputs, output_storage):
            output_storage[0][0] = inputs[0] * 2

    x = at.dvector("x")
    f = arignote.function([x], NoShapes()(x), mode="JAX")
    with pytest.raises(ValueError, match="needs its output shapes while tracing"):
        f(np.ones(2))


class _CCodeOnly(Op):
    """PyTensor runs this by compiling its C code; arignote does not compile foreign C."""

    __props__ = ()

    def make_node(self, x):
        x = at.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def c_code(self, node, name, inputs, outputs, sub):
        return f"{outputs[0]} = 2 * {inputs[0]};"


class _CCodeAndPerform(_CCodeOnly):
    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = 2 * inputs[0]


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_an_op_with_c_code_only_is_refused_when_compiled(mode):
    x = at.dvector("x")
    with pytest.raises(NotImplementedError, match="_CCodeOnly defines c_code but no perform"):
        arignote.function([x], _CCodeOnly()(x), mode=mode)
    # with a perform too, the perform runs (its C code is not used)
    f = arignote.function([x], _CCodeAndPerform()(x), mode=mode)
    np.testing.assert_array_equal(f(np.array([1.0, 2.5])), [2.0, 5.0])
