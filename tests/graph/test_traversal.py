"""Topological order, ancestors, graph inputs and replacement."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph import ancestors, clone_replace, consumers, graph_inputs, graph_replace, toposort


def test_toposort_puts_inputs_first():
    x, y = at.vector("x"), at.vector("y")
    a = at.exp(x)
    b = a * y
    c = b + a
    order = toposort([c])
    assert order.index(a.owner) < order.index(b.owner) < order.index(c.owner)
    assert len(order) == 3


def test_toposort_handles_deep_graphs_without_recursion_limit():
    x = at.vector("x")
    y = x
    for _ in range(20000):
        y = y + 1.0
    assert len(toposort([y])) == 20000


def test_graph_inputs_and_ancestors():
    x, y = at.vector("x"), at.vector("y")
    z = at.exp(x) + 2.0 * y
    assert graph_inputs([z]) == [x, y]
    assert len(graph_inputs([z], include_constants=True)) == 3
    anc = ancestors([z])
    assert x in anc and y in anc and z in anc


def test_consumers():
    x = at.vector("x")
    a = at.exp(x)
    b = a + a
    users = consumers([b])
    assert users[a] == [(b.owner, 0), (b.owner, 1)]


def test_graph_replace_rebuilds_only_downstream():
    x, y, w = at.vector("x"), at.vector("y"), at.vector("w")
    shared_part = at.exp(y)
    z = at.sin(x) + shared_part
    z2 = graph_replace(z, {x: w})
    assert z2 is at.sin(w) + shared_part
    assert z2.owner.inputs[1] is shared_part
    assert graph_replace([z], {x: w}) == [z2]


def test_graph_replace_checks_types():
    x = at.vector("x")
    with pytest.raises(TypeError, match="replacement for x"):
        graph_replace(x * 2, {x: at.matrix("m")})
    m = at.matrix("m")
    assert graph_replace(x * 2, {x: m}, strict=False).ndim == 2


def test_graph_replace_accepts_values_and_replaces_inner_variables():
    x = at.vector("x")
    inner = at.exp(x)
    y = graph_replace(inner * 3.0, {inner: at.vector("e")})
    assert y.owner.inputs[0].name == "e"
    z = graph_replace(x + 1.0, {x: np.array([1.0, 2.0])})
    assert z.eval() is not None
    np.testing.assert_allclose(z.eval(), [2.0, 3.0])


def test_clone_replace_is_non_strict_replace():
    x, y = at.vector("x"), at.dvector("y")
    z = x * 2.0
    assert clone_replace(z) is z
    assert clone_replace(z, {x: y}) is y * 2.0
    assert clone_replace([z], replace={x: y}) == [y * 2.0]
    assert arignote.clone_replace is clone_replace
