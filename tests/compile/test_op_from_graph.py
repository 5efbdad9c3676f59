"""``OpFromGraph`` (arignote/tensor/op_from_graph.py): a graph as an op, inlined by
rewriting, run as its graph without rewriting, with derivatives through the graph or
overridden."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.compile.builders import OpFromGraph
from arignote.gradient import verify_grad
from arignote.graph.traversal import toposort
from arignote.graph.utils import MissingInputError

_NO_JAX = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
# with rewriting (the node inlined) and without (the node runs its graph), on every backend
MODES = ["PY", "FAST_RUN", pytest.param("JAX", marks=_NO_JAX), arignote.Mode("py", None),
         arignote.Mode(None, None), pytest.param(arignote.Mode("jax", None), marks=_NO_JAX)]


def _axpy():
    a, x, y = at.dscalar("a"), at.dvector("x"), at.dvector("y")
    return OpFromGraph([a, x, y], [a * x + y], name="axpy")


@pytest.mark.parametrize("mode", MODES)
def test_values_inlined_or_not(mode):
    op = _axpy()
    u, v = at.dvector("u"), at.dvector("v")
    out = op(2.0, u, v)
    assert out.owner.op is op
    f = arignote.function([u, v], out * 3.0, mode=mode)
    np.testing.assert_array_equal(f(np.array([1.0, 2.0]), np.array([0.5, 0.5])), [7.5, 13.5])


def test_rewriting_inlines_it():
    op = _axpy()
    u = at.dvector("u")
    f = arignote.function([u], op(1.0, u, u), trace=True)
    assert "inline_op_from_graph" in str(arignote.rewrite.explain(f))
    assert not any(isinstance(n.op, OpFromGraph) for n in toposort(f.graph_outputs))


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN", arignote.Mode("py", None)])
def test_shared_variables_are_implicit_inputs(mode):
    w = arignote.shared(np.array([1.0, 2.0]), name="w")
    x = at.dvector("x")
    op = OpFromGraph([x], [(w * x).sum()])
    assert op.implicit == [w]
    z = at.dvector("z")
    f = arignote.function([z], op(z), mode=mode)
    assert f(np.array([3.0, 4.0])) == 11.0
    w.set_value(np.array([0.0, 1.0]))
    assert f(np.array([3.0, 4.0])) == 4.0


def test_several_outputs_and_nesting():
    x = at.dvector("x")
    stats = OpFromGraph([x], [x.sum(), x.max()])
    outer_in = at.dvector("o")
    total, largest = stats(outer_in)
    twice = OpFromGraph([outer_in], [total * 2.0 + largest])
    y = at.dvector("y")
    f = arignote.function([y], twice(y))
    assert f(np.array([1.0, 5.0])) == 17.0


def test_derivatives_through_the_graph_and_overridden():
    rng = np.random.default_rng(0)
    op = _axpy()
    verify_grad(lambda a, x, y: op(a, x, y).sum() * 1.0,
                [np.array(0.7), rng.normal(size=3), rng.normal(size=3)], rng=rng)
    x = at.dvector("x")
    calls = []

    def lop(inputs, outputs, grads):
        calls.append(1)
        return [grads[0] * 10.0]

    scaled = OpFromGraph([x], [x * 2.0], pullback=lop)
    u = at.dvector("u")
    g = arignote.grad(scaled(u).sum(), u)
    np.testing.assert_array_equal(arignote.function([u], g)(np.ones(2)), [10.0, 10.0])
    assert calls == [1]
    by_grad = OpFromGraph([x], [x * 2.0], grad_overrides=lambda inputs, grads: [grads[0] * -1.0])
    g = arignote.grad(by_grad(u).sum(), u)
    np.testing.assert_array_equal(arignote.function([u], g)(np.ones(2)), [-1.0, -1.0])


def test_bad_graphs_are_named():
    x, y = at.dvector("x"), at.dvector("y")
    with pytest.raises(MissingInputError, match="not among the inputs"):
        OpFromGraph([x], [x + y])
    with pytest.raises(TypeError, match="must be a free variable"):
        OpFromGraph([x * 2.0], [x])
    op = OpFromGraph([x], [x * 2.0])
    with pytest.raises(TypeError, match="expected 1 input"):
        op(x, y)
    with pytest.raises(TypeError, match="input 0 must be like"):
        op(at.dmatrix("m"))
    with pytest.raises(ValueError, match="one entry per input"):
        OpFromGraph([x], [x], pullback=[None, None])
    w = arignote.shared(np.zeros(1))
    with pytest.raises(ValueError, match="strict=True"):
        OpFromGraph([x], [x + w], strict=True)


def test_shape_without_running_the_graph():
    x = at.dvector("x")
    op = OpFromGraph([x], [at.concatenate([x, x])])
    u = at.dvector("u")
    f = arignote.function([u], op(u).shape, mode=arignote.Mode("py", "fast_run"))
    assert list(f(np.ones(3))) == [6]
