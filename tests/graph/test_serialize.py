"""Graphs as records and pickles: rebuilt graphs are interned again."""

import pickle

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph.serialize import NotSerializable, flatten, rebuild
from arignote.graph.traversal import toposort
from arignote.tensor.type import TensorType


def test_a_rebuilt_graph_is_the_graph_it_was_written_from():
    x, y = at.dvector("x"), at.dmatrix("y")
    outputs = [at.exp(x) * y + 2.0, (y ** 2).sum(axis=1), at.constant(3.0)]
    flat, nodes = flatten([x, y], outputs)
    rebuilt, rebuilt_nodes = rebuild(pickle.loads(pickle.dumps(flat)), [x, y])
    assert all(a is b for a, b in zip(rebuilt, outputs))
    assert rebuilt_nodes == nodes == toposort(outputs)


def test_a_graph_over_other_inputs_of_the_same_types():
    x, y = at.dvector("x"), at.dvector("y")
    flat, _ = flatten([x, y], [at.sin(x) - y * 3.0])
    a, b = at.dvector("a"), at.dvector("b")
    (out,), _ = rebuild(flat, [a, b])
    assert out is at.sin(a) - b * 3.0
    with pytest.raises(ValueError, match="takes 2 inputs"):
        rebuild(flat, [a])


def test_a_variable_that_is_not_an_input_cannot_be_written():
    x, y = at.dvector("x"), at.dvector("y")
    with pytest.raises(NotSerializable, match="not an input"):
        flatten([x], [x + y])


def test_source_lines_are_kept_or_mapped():
    x = at.dvector("x")
    out = at.exp(x)
    flat, _ = flatten([x], [out], source_of=lambda node: "kept")
    assert flat.nodes[0][3] == "kept"
    with arignote.config.change_flags(trace_source=True):
        y = at.dvector("y")
        (rebuilt,), _ = rebuild(flat, [y], source_of=lambda kept: ("somewhere.py", 7))
    assert rebuilt.owner.source == ("somewhere.py", 7)


def test_pickled_nodes_types_and_composites_are_interned_again():
    x = at.dvector("x")
    out = at.exp(x) * 2.0 + 1.0
    f = arignote.function([x], out, mode=arignote.Mode(linker="py"))
    (fused,) = [n for n in toposort(f.graph_outputs) if "Composite" in str(n.op)]
    assert pickle.loads(pickle.dumps(fused.op)) == fused.op
    t = TensorType("float32", (None, 1))
    assert pickle.loads(pickle.dumps(t)) == t and hash(pickle.loads(pickle.dumps(t))) == hash(t)
    c = at.constant(np.arange(3.0))
    assert pickle.loads(pickle.dumps(c)) is c
    inputs, computed = pickle.loads(pickle.dumps(([x], out)))
    assert computed.owner.inputs[0].owner.inputs[0].owner.inputs[0] is inputs[0]
    # a whole graph pickled with its input: rebuilt over the copy of the input, interned
    x_copy, out_copy = pickle.loads(pickle.dumps((x, out)))
    assert x_copy is not x and out_copy is at.exp(x_copy) * 2.0 + 1.0
