"""grad's options (PyTensor's semantics), integer inputs, errors, and the gradient identities."""

import warnings

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.autodiff.numeric import finite_difference_jacobian
from arignote.gradient import (
    DisconnectedInputError,
    DisconnectedType,
    GradientError,
    NotDifferentiable,
    consider_constant,
    disconnected_grad,
    grad,
    grad_clip,
    grad_scale,
    numeric_grad,
    verify_grad,
    zero_grad,
)


def evaluate(outputs, inputs, *values):
    return arignote.function(inputs, outputs, on_unused_input="ignore")(*values)


def test_grad_of_a_scalar_function_matches_numpy(rng):
    x = at.vector("x")
    W = at.matrix("W")
    cost = (at.tanh(W @ x) ** 2).sum()
    gx, gW = grad(cost, [x, W])
    xv, Wv = rng.normal(size=3), rng.normal(size=(4, 3))
    t = np.tanh(Wv @ xv)
    back = 2 * t * (1 - t ** 2)
    got_x, got_W = evaluate([gx, gW], [x, W], xv, Wv)
    np.testing.assert_allclose(got_x, Wv.T @ back)
    np.testing.assert_allclose(got_W, np.outer(back, xv))


def test_single_wrt_gives_a_variable_and_list_a_list():
    x = at.scalar("x")
    assert isinstance(grad(x ** 2, x), at.TensorVariable)
    assert isinstance(grad(x ** 2, [x]), list)
    assert arignote.grad is grad


def test_cost_must_be_a_scalar():
    x = at.vector("x")
    with pytest.raises(TypeError, match="scalar"):
        grad(x * 2, x)
    with pytest.raises(ValueError, match="cost or known_grads"):
        grad(None, x)


def test_float32_stays_float32():
    x = at.fvector("x")
    g = grad((at.exp(x) * 2.5).sum(), x)
    assert g.dtype == "float32"
    y = at.fvector("y")
    g = grad(at.sum(y, dtype="float64"), y)
    assert g.dtype == "float32"
    np.testing.assert_array_equal(evaluate(g, [y], np.ones(3, "float32")), np.ones(3, "float32"))


def test_disconnected_inputs_raise_warn_ignore():
    x, y = at.vector("x"), at.vector("y")
    cost = (x ** 2).sum()
    with pytest.raises(DisconnectedInputError, match="y"):
        grad(cost, [x, y])
    with pytest.warns(UserWarning, match="does not depend"):
        grad(cost, [x, y], disconnected_inputs="warn")
    _, gy = grad(cost, [x, y], disconnected_inputs="ignore")
    np.testing.assert_array_equal(evaluate(gy, [y], np.ones(3)), np.zeros(3))
    assert grad(cost, [x, y], disconnected_inputs="ignore", return_disconnected="none")[1] is None
    marker = grad(cost, [x, y], disconnected_inputs="ignore", return_disconnected="disconnected")[1]
    assert isinstance(marker.type, DisconnectedType)
    with pytest.raises(ValueError, match="disconnected_inputs"):
        grad(cost, x, disconnected_inputs="maybe")


def test_integer_inputs_get_float_zeros_as_in_pytensor():
    x = at.vector("x")
    i = at.ivector("i")
    cost = (x * i).sum() + at.cast(i, "float64").sum()
    gx, gi = grad(cost, [x, i])
    assert gi.dtype == arignote.config.floatX
    got_x, got_i = evaluate([gx, gi], [x, i], np.array([1.0, 2.0]), np.array([3, 4], dtype="int32"))
    np.testing.assert_array_equal(got_x, [3.0, 4.0])
    np.testing.assert_array_equal(got_i, [0.0, 0.0])


def test_an_integer_cost_with_respect_to_itself_is_one():
    # PyTensor's op contract: d x / d x = 1 for an integer x too (through any op it is 0)
    n = at.iscalar("n")
    g = grad(n, n)
    assert g.dtype == arignote.config.floatX
    assert evaluate(g, [n], np.int32(12)) == 1.0
    assert evaluate(grad(n * 1, n), [n], np.int32(12)) == 0.0
    assert evaluate(grad(n, [n])[0], [n], np.int32(3)) == 1.0


def test_dependence_through_integer_values_is_a_zero_gradient():
    x = at.vector("x")
    cost = at.cast(at.gt(x, 0), "float64").sum() + at.floor(x).sum()
    g = grad(cost, x)
    np.testing.assert_array_equal(evaluate(g, [x], np.array([-1.5, 2.5])), [0.0, 0.0])
    n = at.lscalar("n")
    g_int_cost = grad((n * 3).astype("int64"), n)  # an integer cost: zero, not disconnected
    np.testing.assert_array_equal(evaluate(g_int_cost, [n], 2), 0.0)


def test_index_and_shape_arguments_get_no_gradient_but_the_array_does():
    x = at.vector("x")
    i = at.lscalar("i")
    cost = x[i] * at.cast(x.shape[0], "float64")
    gx, gi = grad(cost, [x, i])
    got_x, got_i = evaluate([gx, gi], [x, i], np.array([1.0, 2.0, 3.0]), 1)
    np.testing.assert_array_equal(got_x, [0.0, 3.0, 0.0])
    assert got_i == 0


def test_known_grads_start_from_an_intermediate_variable(rng):
    x = at.vector("x")
    h = at.exp(x)
    g_h = at.vector("g_h")
    gx = grad(None, x, known_grads={h: g_h})
    xv, gv = rng.normal(size=3), rng.normal(size=3)
    np.testing.assert_allclose(evaluate(gx, [x, g_h], xv, gv), gv * np.exp(xv))
    # with a cost too, both contributions add up
    gx2 = grad(h.sum(), x, known_grads={h: g_h})
    np.testing.assert_allclose(evaluate(gx2, [x, g_h], xv, gv), (gv + 1) * np.exp(xv))


def test_consider_constant_stops_the_gradient(rng):
    x = at.vector("x")
    y = at.exp(x)
    cost = (y * x).sum()
    g = grad(cost, x, consider_constant=[y])
    xv = rng.normal(size=3)
    np.testing.assert_allclose(evaluate(g, [x], xv), np.exp(xv))


def test_gradient_with_respect_to_an_intermediate_variable(rng):
    x = at.vector("x")
    h = at.sin(x)
    cost = (h ** 2).sum() + x.sum()
    gh = grad(cost, h)
    xv = rng.normal(size=3)
    np.testing.assert_allclose(evaluate(gh, [x], xv), 2 * np.sin(xv))


def test_zero_grad_disconnected_grad_clip_scale(rng):
    x = at.vector("x")
    xv = np.array([-2.0, 0.5, 3.0])
    np.testing.assert_array_equal(evaluate(grad((zero_grad(x) * x).sum(), x), [x], xv), xv)
    np.testing.assert_array_equal(evaluate(grad((consider_constant(x) * x).sum(), x), [x], xv), xv)
    with pytest.raises(DisconnectedInputError):
        grad(disconnected_grad(x).sum(), x)
    g = grad((disconnected_grad(x) * x).sum(), x)
    np.testing.assert_array_equal(evaluate(g, [x], xv), xv)
    g = grad((grad_clip(x, -1.0, 1.0) ** 2).sum(), x)
    np.testing.assert_array_equal(evaluate(g, [x], xv), [-1.0, 1.0, 1.0])
    g = grad((grad_scale(x, 3.0) ** 2).sum(), x)
    np.testing.assert_array_equal(evaluate(g, [x], xv), 6 * xv)
    # the values pass through, and compiled graphs lose the identities
    f = arignote.function([x], grad_scale(zero_grad(x), 2.0) * 2)
    np.testing.assert_array_equal(f(xv), 2 * xv)
    with pytest.raises(ValueError, match="lower bound"):
        grad_clip(x, 1.0, -1.0)


def test_non_differentiable_op_raises_naming_it():
    x = at.vector("x")
    values = at.unique(x)
    with pytest.raises(NotDifferentiable, match="Unique"):
        grad(values.sum(), x)
    # but a non-differentiable op away from the path to wrt is fine
    y = at.vector("y")
    g = grad((y ** 2).sum() + at.unique(x).sum(), y)
    np.testing.assert_array_equal(evaluate(g, [y], np.array([1.0, 2.0])), [2.0, 4.0])


def test_error_names_the_user_line():
    x = at.vector("x")
    values = at.unique(x)  # the line the error should name
    with pytest.raises(NotDifferentiable, match=r"test_grad_api\.py:\d+"):
        grad(values.sum(), x)


def test_max_ties_give_every_maximum_the_gradient_and_maximum_ties_the_first_as_pytensor():
    x = at.vector("x")
    g = grad(at.max(x), x)
    np.testing.assert_array_equal(evaluate(g, [x], np.array([1.0, 3.0, 3.0, 2.0])), [0, 1, 1, 0])
    y = at.vector("y")
    gx, gy = grad(at.maximum(x, y).sum(), [x, y])
    got = evaluate([gx, gy], [x, y], np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    np.testing.assert_array_equal(got[0], [1, 0])
    np.testing.assert_array_equal(got[1], [0, 1])  # at the tie only x: d maximum(x, x)/dx = 1


def test_verify_grad_catches_a_wrong_rule():
    from dataclasses import dataclass

    from arignote.graph.basic import Apply
    from arignote.graph.op import Op

    @dataclass(frozen=True)
    class WrongSquare(Op):
        def make_node(self, x):
            x = at.as_tensor_variable(x)
            return Apply.build(self, [x], [x.type])

        def perform(self, x):
            return x * x

        def pullback(self, inputs, outputs, cotangents):
            return [cotangents[0] * inputs[0] * 3]  # should be 2

    with pytest.raises(GradientError, match="input 0"):
        verify_grad(lambda v: WrongSquare()(v), [np.array([1.0, 2.0])])
    with pytest.raises(TypeError, match="floating"):
        verify_grad(lambda v: v * 2, [np.array([1, 2])])


def test_verify_grad_takes_the_random_sources_pytensor_tests_pass():
    point = [np.array([1.0, -2.0, 0.5])]
    for rng in (None, 3, np.random.default_rng(1), np.random.RandomState(2), np.random):
        verify_grad(lambda v: (v * v).sum(), point, rng=rng)


def test_a_rule_returning_the_wrong_rank_is_reported():
    from dataclasses import dataclass

    from arignote.graph.basic import Apply
    from arignote.graph.op import Op

    @dataclass(frozen=True)
    class BadRule(Op):
        def make_node(self, x):
            x = at.as_tensor_variable(x)
            return Apply.build(self, [x], [x.type])

        def perform(self, x):
            return x

        def pullback(self, inputs, outputs, cotangents):
            return [cotangents[0].sum()]

    x = at.vector("x")
    with pytest.raises(ValueError, match="BadRule.pullback"):
        grad(BadRule()(x).sum(), x)


def test_add_names():
    x = at.vector("x")
    cost = (x ** 2).sum()
    cost.name = "c"
    assert grad(cost, x).name == "(dc/dx)"


def test_grad_works_on_warnings_free_graph_at_extremes():
    x = at.scalar("x")
    g = grad(at.prod(at.stack([x, x, x])), x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert evaluate(g, [x], 0.0) == 0.0


def test_numeric_gradients_at_a_transposed_point():
    """A point in Fortran order (a transpose) is stepped element by element like any other:
    flattening it must not make a copy the steps never reach."""
    point = np.arange(6.0).reshape(2, 3).T
    (g,) = numeric_grad(lambda x: float((x ** 2).sum()), [point], 1e-6)
    np.testing.assert_allclose(g, 2 * point, rtol=1e-6, atol=1e-6)
    jac = finite_difference_jacobian(lambda x: x ** 2, point)
    np.testing.assert_allclose(jac.reshape(6, 6), np.diag(2 * point.reshape(-1)), atol=1e-6)
    verify_grad(lambda x: (x ** 2).sum(), [point], rng=np.random.default_rng(0))
