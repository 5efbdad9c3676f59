"""Batching declared by the op (``Op.batch``), the general mechanism (a ``Blockwise`` of the op)
when it has none, and the Jacobian's row-by-row fallback when neither applies."""

from dataclasses import dataclass

import numpy as np
import pytest

import arignote
import arignote.tensor as at
import arignote.tensor.vectorize_node as vectorize_node_module
from arignote.autodiff.vectorize import vectorize_graph
from arignote.graph.basic import Apply
from arignote.graph.op import NoBatchingRule, Op
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.blockwise import Blockwise


@dataclass(frozen=True)
class Twice(Op):
    """2 * x, with a pullback that builds another Twice; batchable when ``batchable``."""

    batchable: bool = True

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply.build(self, [x], [x.type])

    def perform(self, x):
        return 2 * x

    def pullback(self, inputs, outputs, cotangents):
        return [Twice(self.batchable)(cotangents[0])]

    def batch(self, node, inputs, batched, size):
        if not self.batchable:
            return super().batch(node, inputs, batched, size)
        return [Twice(True)(inputs[0])]


def test_vectorize_graph_uses_the_ops_batch_method():
    x, rows = at.vector("x"), at.matrix("rows")
    (batched,) = vectorize_graph([Twice()(x) + 1], {x: rows}, rows.shape[0])
    f = arignote.function([rows], batched)
    np.testing.assert_allclose(f(np.ones((2, 3))), np.full((2, 3), 3.0))


@dataclass(frozen=True)
class Thrice(Op):
    """3 * x, with no batching rule of its own."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply.build(self, [x], [x.type])

    def perform(self, x):
        return 3 * x

    def pullback(self, inputs, outputs, cotangents):
        return [Thrice()(cotangents[0])]


def test_an_op_without_a_batching_rule_is_looped_by_blockwise():
    x, rows = at.vector("x"), at.matrix("rows")
    (batched,) = vectorize_graph([Thrice()(x) + 1], {x: rows}, rows.shape[0])
    assert isinstance(batched.owner.inputs[0].owner.op, Blockwise)
    f = arignote.function([rows], batched, mode="PY")  # a test op: no JAX lowering
    np.testing.assert_allclose(f(np.arange(6.0).reshape(2, 3)), 3 * np.arange(6.0).reshape(2, 3) + 1)


def test_a_jacobian_through_an_op_without_a_batching_rule_is_batched_by_blockwise():
    x = at.tensor("x", dtype="float64", shape=(3,))
    jac = arignote.gradient.jacobian(Thrice()(x), x)
    j = arignote.function([x], jac, on_unused_input="ignore", mode="PY")  # a test op: no JAX lowering
    np.testing.assert_allclose(j(np.ones(3)), 3 * np.eye(3))


def test_where_the_ops_rule_refuses_the_default_names_the_op():
    x, rows = at.vector("x"), at.matrix("rows")
    with pytest.raises(NoBatchingRule, match="Twice.* has no batching rule"):
        vectorize_graph([Twice(False)(x)], {x: rows}, rows.shape[0])


def test_where_nothing_batches_a_jacobian_is_built_row_by_row():
    x = at.tensor("x", dtype="float64", shape=(3,))
    jac = arignote.gradient.jacobian(Twice(False)(x), x)
    j = arignote.function([x], jac, on_unused_input="ignore")
    np.testing.assert_allclose(j(np.ones(3)), 2 * np.eye(3))


def test_where_blockwise_cannot_hold_the_op_the_error_names_it(monkeypatch):
    def refuse(node, inputs):
        raise NoBatchingRule(f"cannot vectorize {node.op}: not a tensor")
    monkeypatch.setattr(vectorize_node_module, "as_blockwise", refuse)
    x, rows = at.vector("x"), at.matrix("rows")
    with pytest.raises(NoBatchingRule, match="Thrice.* has no batching rule"):
        vectorize_graph([Thrice()(x)], {x: rows}, rows.shape[0])


def test_without_a_static_size_a_loop_builds_the_rows():
    # no batching rule (or vectorize=False) and a size known only at run time: one gradient
    # per step of a loop, as PyTensor's scan-built Jacobian
    x = at.vector("x")
    for jac in (arignote.gradient.jacobian(Twice(False)(x), x),
                arignote.gradient.jacobian(Twice()(x), x, vectorize=False)):
        assert any(type(n.op).__name__ == "Loop" for n in arignote.graph.traversal.toposort([jac]))
        j = arignote.function([x], jac, on_unused_input="ignore")
        np.testing.assert_allclose(j(np.ones(4)), 2 * np.eye(4))
        assert j(np.ones(0)).shape == (0, 0)
