"""Nodes and constants are interned, weakly: same expression, same object; dead graphs go."""

import gc

import numpy as np
import pytest

import arignote.tensor as at
from arignote.config import config
from arignote.graph.basic import Apply, interned_node_count


def test_same_expression_gives_same_node():
    x, y = at.matrix("x"), at.matrix("y")
    a = at.exp(x * y + 1.0)
    b = at.exp(x * y + 1.0)
    assert a is b
    assert a.owner is b.owner


def test_different_inputs_give_different_nodes():
    x, y = at.vector("x"), at.vector("y")
    assert (x + 1) is not (y + 1)
    assert (x + 1) is not (x + 2)
    assert (x + 1) is not (1 + x)  # argument order is part of the node


def test_named_inputs_are_distinct():
    assert at.vector("x") is not at.vector("x")


def test_constants_are_interned_by_value_and_type():
    assert at.constant(1.5) is at.constant(1.5)
    assert at.constant(np.arange(3)) is at.constant(np.arange(3))
    assert at.constant(np.arange(3)) is not at.constant(np.arange(3, dtype="int32"))
    assert at.constant(np.zeros((2, 3))) is not at.constant(np.zeros((3, 2)))
    assert at.constant(0.0) is not at.constant(-0.0)
    assert at.constant(np.nan) is at.constant(np.nan)
    big = np.random.default_rng(0).normal(size=1000)
    assert at.constant(big) is at.constant(big.copy())


def test_constants_are_read_only_copies():
    data = np.arange(3.0)
    c = at.constant(data)
    data[0] = 99
    assert c.data[0] == 0
    with pytest.raises(ValueError):
        c.data[0] = 1


def test_equal_ops_are_interchangeable():
    x = at.matrix("x")
    assert x.T is at.transpose(x)
    assert x.dimshuffle(1, 0) is x.T


def test_apply_built_directly_is_the_interned_node():
    # PyTensor's Apply(op, inputs, outputs) gives the interned node, with outputs of its own
    x = at.matrix("x")
    node = x.T.owner
    again = Apply(node.op, [x], [at.matrix()])
    assert again is node
    with pytest.raises(TypeError, match="give the op, its inputs and its outputs"):
        Apply()


def test_dead_graphs_are_collected():
    gc.collect()
    before = interned_node_count()

    def build():
        x = at.vector("x")
        y = x
        for i in range(200):
            y = at.exp(y) * float(i) + 1.0
        return y

    y = build()
    assert interned_node_count() >= before + 600
    del y
    gc.collect()
    assert interned_node_count() <= before + 5


def test_live_graph_is_kept_and_reused():
    x = at.vector("x")
    y = at.sin(x) + 2.0
    node = y.owner
    gc.collect()
    assert (at.sin(x) + 2.0).owner is node


def test_source_line_is_recorded():
    x = at.vector("x")
    y = at.exp(x)  # this line
    assert y.owner.source[0] == __file__
    assert y.owner.where().endswith(f"test_interning.py:{y.owner.source[1]}")
    with config.change_flags(trace_source=False):
        z = at.cos(x)
    assert z.owner.source is None
    assert z.owner.where() == ""
