"""Elementwise fusion: which nodes become one composite, and that values are kept."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph.traversal import toposort
from arignote.rewrite.optimize import optimize
from arignote.tensor.composite import Composite
from arignote.tensor.rewrites.fusion import fuse

REFERENCE = arignote.Mode(optimizer=None)


def composites(outputs):
    return [n for n in toposort(outputs) if isinstance(getattr(n.op, "scalar_op", None), Composite)]


def inner_ops(node):
    return sorted(type(n.op.scalar_op).__name__ for n in node.op.scalar_op.nodes)


def same_values(inputs, outputs, *values, rtol=1e-12):
    fast = arignote.function(inputs, outputs, on_unused_input="ignore")(*values)
    slow = arignote.function(inputs, outputs, mode=REFERENCE, on_unused_input="ignore")(*values)
    fast = fast if isinstance(fast, list) else [fast]
    slow = slow if isinstance(slow, list) else [slow]
    for got, want in zip(fast, slow):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=rtol, equal_nan=True)
    return fast


def test_chain_and_tree_become_one_node(rng):
    x, y, z = at.vector("x"), at.vector("y"), at.vector("z")
    out = at.exp(-x ** 2) * at.sin(y) + at.log1p(at.exp(z))
    (fused,) = optimize([out])
    nodes = toposort([fused])
    assert len(nodes) == 1 and isinstance(nodes[0].op.scalar_op, Composite)
    assert set(nodes[0].inputs) == {x, y, z}
    same_values([x, y, z], out, *(rng.normal(size=7) for _ in range(3)))


def test_shared_intermediate_is_an_extra_output_not_a_copy(rng):
    # static lengths: exp(x) surely has the shape of the whole group's result
    x, y = at.tensor("x", shape=(5,)), at.tensor("y", shape=(5,))
    e = at.exp(x)
    out1, out2 = e * 2 + y, at.sum(e)
    fused = optimize([out1, out2])
    (node,) = composites(fused)
    assert inner_ops(node).count("Exp") == 1 and len(node.outputs) == 2
    # exp is computed once in the whole graph
    exps = [n for n in toposort(fused) if type(getattr(n.op, "scalar_op", None)).__name__ == "Exp"]
    assert exps == []
    same_values([x, y], [out1, out2], rng.normal(size=5), rng.normal(size=5))


def test_smaller_producer_is_not_recomputed_per_broadcast_element(rng):
    v, m = at.vector("v"), at.matrix("m")
    out = at.exp(at.sin(v)) * m + 1.0
    (fused,) = optimize([out])
    outer = composites([fused])
    assert len(outer) == 2  # exp(sin(v)) on the vector, the rest on the matrix
    big = max(outer, key=lambda n: n.outputs[0].ndim)
    assert "Exp" not in inner_ops(big)
    same_values([v, m], out, rng.normal(size=4), rng.normal(size=(3, 4)))


def test_lower_rank_inputs_broadcast_inside(rng):
    v, m = at.vector("v"), at.matrix("m")
    out = at.exp(m) * v - at.tanh(m)
    (fused,) = optimize([out])
    assert len(toposort([fused])) == 1
    same_values([v, m], out, rng.normal(size=4), rng.normal(size=(3, 4)))
    one = at.tensor("one", shape=(1,))  # declared to stretch
    same_values([one, m], at.exp(m) * one - at.tanh(m), rng.normal(size=1), rng.normal(size=(3, 4)))


def test_no_cycle_through_a_non_elementwise_consumer(rng):
    a, w = at.vector("a"), at.matrix("w")
    e = at.exp(a)
    out = e * at.dot(w, e) + 1.0  # exp feeds the dot, whose result feeds the product
    (fused,) = optimize([out])
    for node in composites([fused]):
        assert "Exp" not in inner_ops(node) or "Mul" not in inner_ops(node)
    same_values([a, w], out, rng.normal(size=4), rng.normal(size=(4, 4)))


def test_shared_intermediate_of_unknown_shape_is_an_extra_output(rng):
    x, y = at.matrix("x"), at.matrix("y")  # unknown lengths never stretch: exp(x) has e * y's shape
    e = at.exp(x)
    outs = [e * y, e.sum()]
    fused = optimize(outs)
    (node,) = composites(fused)
    assert len(node.outputs) == 2
    same_values([x, y], outs, rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))


def test_stretched_intermediate_is_not_an_extra_output(rng):
    x, y = at.tensor("x", shape=(1, None)), at.matrix("y")
    e = at.exp(x)
    outs = [e * y, e.sum()]
    fused = optimize(outs)
    for node in composites(fused):
        assert len(node.outputs) == 1
    same_values([x, y], outs, rng.normal(size=(1, 3)), rng.normal(size=(4, 3)))


def test_groups_feeding_each_other_through_extra_outputs_are_not_a_cycle(rng):
    # found by the float32 gradient test: two groups whose extra outputs feed each other
    a, b = at.matrix("a", dtype="float32"), at.matrix("b", dtype="float32")
    out = (at.tanh(a @ b).sum(axis=0) * at.exp(b[0])).sum()
    import arignote as ag
    grads = ag.grad(out, [a, b])
    values = [rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=(2, 4)).astype("float32")]
    fast = ag.function([a, b], [out, *grads])(*values)
    slow = ag.function([a, b], [out, *grads], mode=REFERENCE)(*values)
    for got, want in zip(fast, slow):
        np.testing.assert_allclose(got, want, rtol=1e-5)


def test_many_inputs_need_no_cap(rng):
    # without a bound (test_fusion_bounds.py tests it), one node of 300 inputs
    xs = [at.vector(f"x{i}") for i in range(300)]
    out = xs[0]
    for k, x in enumerate(xs[1:]):
        out = at.exp(out * 0.01) + x if k % 2 else out * x
    with arignote.config.change_flags(fusion_max_ops=0, fusion_max_operands=0):
        (fused,) = optimize([out])
        (node,) = composites([fused])
        assert len(node.inputs) == 300
        same_values(xs, out, *(rng.uniform(0.5, 1.5, size=3) for _ in xs))


def test_deep_chain_fuses_in_one_pass():
    x = at.vector("x")
    out = x
    for _ in range(5000):
        out = at.sin(out) + 1.0
    with arignote.config.change_flags(fusion_max_ops=0):  # 10,000 ops: more than one piece
        (fused,) = fuse(optimize([out], exclude=["fusion"]))
    assert len(toposort([fused])) == 1
    value = arignote.function([x], fused, mode=REFERENCE)(np.array([0.5]))
    expected = np.array([0.5])
    for _ in range(5000):
        expected = np.sin(expected) + 1.0
    np.testing.assert_allclose(value, expected)


def test_fusing_twice_inlines_the_inner_composites(rng):
    x, y = at.vector("x"), at.vector("y")
    first = fuse([at.exp(x) * 2.0])[0]
    again = fuse([at.log1p(first) + y])[0]
    (node,) = composites([again])
    assert not any(isinstance(n.op.scalar_op, Composite) for n in node.op.scalar_op.nodes)
    same_values([x, y], at.log1p(at.exp(x) * 2.0) + y, rng.normal(size=3), rng.normal(size=3))


@pytest.mark.parametrize("dtypes", [("int8", "float32"), ("int64", "float64"), ("uint8", "int16"),
                                    ("bool", "int32"), ("float32", "complex64")])
def test_mixed_dtypes_keep_numpy_results(rng, dtypes):
    a = at.vector("a", dtype=dtypes[0])
    b = at.vector("b", dtype=dtypes[1])
    out = (a * b + a) * b
    values = [np.asarray(rng.integers(0, 3, size=6)).astype(d) for d in dtypes]
    (got,) = same_values([a, b], [out], *values, rtol=1e-6)
    assert got.dtype == (values[0] * values[1] + values[0]).dtype


def test_fast_compile_does_not_fuse():
    x = at.vector("x")
    (out,) = optimize([at.exp(x) + 1.0], "fast_compile")
    assert composites([out]) == []


def test_output_never_aliases_an_input():
    x = at.vector("x")
    node_out = fuse([at.exp(x) + 0.0 * x])[0]
    value = np.ones(3)
    f = arignote.function([x], node_out, mode=REFERENCE)
    assert not np.shares_memory(f(value), value)


def test_composite_prints_its_formula():
    x, y = at.vector("x"), at.vector("y")
    (fused,) = optimize([at.exp(x) * y + 1.0])
    text = str(fused.owner.op)
    assert text.startswith("Composite{") and "exp(i" in text


def test_a_consumer_of_two_composite_outputs_joins_their_group(rng):
    # gradient graphs read intermediates of a fused computation: d * e joins the composite of d, e
    x, m = at.vector("x"), at.scalar("m")
    d = (x - m) / 2.0
    e = d / 3.0
    outs = [e + 1.0, e.sum(), (d * e).sum()]
    fused = optimize(outs)
    assert len(composites(fused)) == 1
    same_values([x, m], outs, rng.normal(size=5), np.float64(0.5))
