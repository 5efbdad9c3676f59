"""The clean-up rules for gradient graphs: SumTo, broadcasts into elementwise ops, identities."""

import numpy as np

import arignote
import arignote.tensor as at
from arignote.gradient import grad, grad_scale, zero_grad
from arignote.tensor.sum_to import SumTo, sum_to
from tests.tensor.rewrites.numerics_checks import fires


def op_types(outputs):
    f = arignote.function([v for v in arignote.graph.graph_inputs(outputs)], outputs)
    return [type(n.op).__name__ for n in arignote.graph.toposort(f.graph_outputs)], f


def test_sum_to_own_shape_goes():
    x = at.matrix("x")
    assert fires("remove_sum_to_own_shape", sum_to(at.exp(x), x.shape))
    y = at.matrix("y")
    # unknown lengths do not stretch, so x * y has x's shape
    assert fires("remove_sum_to_own_shape", sum_to(x * y, x.shape))
    row = at.tensor("row", shape=(1, None))
    assert not fires("remove_sum_to_own_shape", sum_to(row * y, row.shape))  # row stretches


def test_sum_to_runs_as_numpy():
    x = at.matrix("x")
    s = at.tensor("s", dtype="int64", shape=(2,))
    f = arignote.function([x, s], sum_to(x, s))
    v = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(f(v, [3, 1]), v.sum(1, keepdims=True))
    np.testing.assert_array_equal(f(v, [1, 4]), v.sum(0, keepdims=True))
    np.testing.assert_array_equal(f(v, [3, 4]), v)
    np.testing.assert_array_equal(arignote.function([x], sum_to(x, [4]))(v), v.sum(0))
    try:
        f(v, [2, 4])
    except ValueError as exc:
        assert "SumTo" in str(exc)
    else:
        raise AssertionError("sum_to to a wrong shape must raise")


def test_broadcast_into_elemwise_goes_when_the_shape_is_kept():
    x = at.vector("x")
    assert fires("drop_broadcast_into_elemwise", at.broadcast_to(2.0, x.shape) * at.exp(x))
    y = at.vector("y")
    assert not fires("drop_broadcast_into_elemwise", at.broadcast_to(y, (3,)) * 2.0)  # decides the shape


def test_gradient_identities_are_gone_from_compiled_graphs():
    x = at.vector("x")
    names, f = op_types([zero_grad(grad_scale(x, 2.0)) * 3])
    assert not any("Grad" in n for n in names)
    np.testing.assert_array_equal(f(np.ones(2))[0], [3.0, 3.0])


def test_a_typical_gradient_has_no_sum_to_or_broadcast_left():
    x = at.matrix("x")
    w = at.vector("w")
    cost = (at.tanh(x @ w) ** 2).mean()
    names, _ = op_types(grad(cost, [w]))
    assert "SumTo" not in names and "BroadcastTo" not in names, names
    assert SumTo  # the op exists for the cases that need it (run-time broadcasting)


def test_uniform_constants_shrink_where_the_other_operand_gives_the_shape():
    x = at.tensor("x", shape=(3, 4))
    full = at.constant(np.full((3, 4), 2.5))
    assert fires("shrink_uniform_constant", x * full)
    assert not fires("shrink_uniform_constant", at.vector("v") * at.constant(np.full((3, 4), 2.5)))
    assert not fires("shrink_uniform_constant", x * at.constant(np.arange(12.0).reshape(3, 4)))
    np.testing.assert_array_equal(arignote.function([x], x * full)(np.ones((3, 4))), np.full((3, 4), 2.5))


def test_lift_and_sum_of_broadcast():
    x = at.vector("x")
    spread = at.broadcast_to(at.constant(2.0), x.shape)
    assert fires("lift_elemwise_through_broadcast", -spread)
    assert fires("sum_of_broadcast_value", at.sum(spread))
    f = arignote.function([x], [at.sum(-spread), -spread])
    total, neg = f(np.ones(5))
    assert total == -10.0
    np.testing.assert_array_equal(neg, np.full(5, -2.0))


def test_chains_of_sums_and_broadcasts_merge(rng):
    x = at.matrix("x")
    n = at.lscalar("n")
    chained = sum_to(sum_to(x, [x.shape[0], 1]), [1, 1])
    assert fires("merge_sums_to", chained)
    v = rng.normal(size=(3, 4))
    np.testing.assert_allclose(arignote.function([x], chained)(v), v.sum(keepdims=True))
    b1 = at.tensor("b1", shape=(1,))  # a declared length of 1 stretches
    twice = at.broadcast_to(at.broadcast_to(b1, [n]).dimshuffle(0, "x"), [n, 3])
    assert fires("merge_broadcasts", twice)
    got = arignote.function([b1, n], twice)(np.array([2.0]), 4)
    np.testing.assert_array_equal(got, np.full((4, 3), 2.0))


def test_scaling_leaves_sum_to(rng):
    x = at.matrix("x")
    target = [x.shape[0], 1]
    assert fires("lift_scaling_out_of_sum_to", sum_to(-x, target))
    assert fires("lift_scaling_out_of_sum_to", sum_to(x * 2.0, target))
    assert not fires("lift_scaling_out_of_sum_to", sum_to(x * at.vector("v"), target))
    v = rng.normal(size=(3, 4))
    for out, expected in ((sum_to(-x, target), -v.sum(1, keepdims=True)),
                          (sum_to(x * 2.0, target), 2 * v.sum(1, keepdims=True))):
        np.testing.assert_allclose(arignote.function([x], out)(v), expected)


def test_scaling_leaves_sums(rng):
    x = at.matrix("x")
    assert fires("scaling_out_of_sum", at.sum(-x, axis=0))
    assert fires("scaling_out_of_sum", at.sum(x * 3.0))
    assert not fires("scaling_out_of_sum", at.sum(x * at.vector("v"), axis=0))
    assert not fires("scaling_out_of_sum", at.sum(at.imatrix("i") * 3))  # integers: left alone
    v = rng.normal(size=(3, 4))
    f = arignote.function([x], [at.sum(-x, axis=0), at.sum(x * 3.0)])
    got = f(v)
    np.testing.assert_allclose(got[0], -v.sum(0))
    np.testing.assert_allclose(got[1], 3 * v.sum())
