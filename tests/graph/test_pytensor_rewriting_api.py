"""PyTensor's way to write and register rewrites (its rewriting tutorial), on arignote's engine:
``debugprint`` of a FunctionGraph, elementwise functions as tracks, ``PatternNodeRewriter``,
and ``optdb[phase].register`` / ``register_canonicalize`` feeding compilation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import arignote
import arignote.tensor as pt
from arignote.compile.mode import get_mode, optdb
from arignote.graph import FunctionGraph
from arignote.graph.basic import Constant
from arignote.graph.rewriting.basic import PatternNodeRewriter, in2out, node_rewriter, out2in
from arignote.graph.traversal import toposort
from arignote.tensor.rewriting.basic import register_canonicalize, register_specialize

_names = itertools.count()


def _scalar_ops(outputs):
    return [type(getattr(n.op, "scalar_op", n.op)).__name__ for n in toposort(outputs)]


def _has_abs(outputs):
    # fused nodes print their scalar graph (Composite{abs(exp(i0))})
    return any("abs" in str(n.op).lower() for n in toposort(outputs))


@node_rewriter(tracks=[pt.abs])
def abs_of_exp(fgraph, node):
    inner = node.inputs[0].owner
    if inner is None or getattr(inner.op, "scalar_op", None) != pt.exp.scalar_op:
        return None
    return inner.outputs


def abs_of_square():
    return PatternNodeRewriter((pt.abs, (pt.pow, "x", 2)), (pt.pow, "x", 2),
                               name=f"abs_of_square_{next(_names)}")


@pytest.fixture
def registered():
    """Register into a phase under fresh names; removed after the test."""
    done = []

    def register(phase, rewriter, *tags):
        name = f"user_rewrite_{next(_names)}"
        optdb[phase].register(name, rewriter, *tags)
        done.append((phase, name))
        return name
    yield register
    for phase, name in done:
        if name in optdb[phase]:
            del optdb[phase][name]


def test_debugprint_of_function_graph():
    x = pt.scalar("x")
    fg = FunctionGraph([x], [pt.exp(x) * 2])
    text = arignote.dprint(fg, file="str")
    assert text == arignote.dprint(fg.outputs, file="str")
    assert "Exp" in text and "Mul" in text


def test_elementwise_functions_as_tracks():
    x = pt.vector("x")
    assert abs_of_exp.tracks() == (pt.abs.scalar_op,)
    assert abs_of_exp.matches(pt.abs(x).owner)
    assert not abs_of_exp.matches(pt.exp(x).owner)
    assert pt.add.scalar_op is not None and pt.mul.scalar_op is not None
    fg = FunctionGraph([x], [pt.abs(pt.exp(x)) + 1])
    in2out(abs_of_exp).rewrite(fg)
    assert not _has_abs(fg.outputs)
    v = np.random.default_rng(0).normal(size=5)
    np.testing.assert_allclose(arignote.function([x], fg.outputs[0])(v), np.exp(v) + 1)


def test_pattern_rewriter_rewrites_and_keeps_values():
    x = pt.scalar("x")
    out = pt.abs(pt.log(1.0 + pt.abs(pt.exp(x))) ** 2)
    fg = FunctionGraph([x], [out])
    out2in(abs_of_exp, abs_of_square()).rewrite(fg)
    assert not _has_abs(fg.outputs)
    f = arignote.function([x], fg.outputs[0], mode="FAST_COMPILE")
    for v in np.random.default_rng(1).normal(size=4):
        np.testing.assert_allclose(f(v), np.log1p(np.exp(v)) ** 2)


def test_pattern_bindings_constants_and_commutativity():
    x, y = pt.scalars("x", "y")
    # a variable named twice must meet the same variable; add matches either order
    twice = PatternNodeRewriter((pt.mul, "a", "a"), (pt.sqr, "a"))
    const = PatternNodeRewriter((pt.add, "a", 1), (pt.log1p, "a"))
    assert twice.transform(None, (x * x).owner)[0].owner.op.scalar_op == pt.sqr.scalar_op
    assert twice.transform(None, (x * y).owner) is False
    assert const.transform(None, (1 + x).owner) is not False  # 1 first: commuted
    assert const.transform(None, (x + 1).owner) is not False
    assert const.transform(None, (x + 2).owner) is False
    assert const.transform(None, (x - 1).owner) is False
    # a Constant pattern matches an equal constant only; a constraint restricts a binding
    positive = PatternNodeRewriter(
        (pt.log, (pt.true_div, "a", {"pattern": "c", "constraint":
                                     lambda fg, v: isinstance(v, Constant) and v.data > 0})),
        (pt.sub, (pt.log, "a"), (pt.log, "c")))
    assert positive.transform(None, pt.log(x / 2.0).owner) is not False
    assert positive.transform(None, pt.log(x / -2.0).owner) is False
    assert positive.transform(None, pt.log(x / y).owner) is False
    new = positive.transform(None, pt.log(x / 4.0).owner)[0]
    np.testing.assert_allclose(arignote.function([x], new)(3.0), np.log(3.0 / 4.0))
    # a callable output pattern gets (fgraph, node, bindings)
    swap = PatternNodeRewriter((pt.sub, "a", "b"), lambda fg, node, s: -(s["b"] - s["a"]))
    new = swap.transform(None, (x - y).owner)[0]
    np.testing.assert_allclose(arignote.function([x, y], new)(5.0, 2.0), 3.0)


def test_pattern_multiple_clients():
    x = pt.scalar("x")
    inner = x ** 2
    out = pt.abs(inner) + inner  # the square is read twice
    fg = FunctionGraph([x], [out])
    node = pt.abs(inner).owner
    assert abs_of_square().transform(fg, node) is False
    shared = PatternNodeRewriter((pt.abs, (pt.pow, "x", 2)), (pt.pow, "x", 2),
                                 allow_multiple_clients=True)
    assert shared.transform(fg, node) is not False


def test_register_runs_in_compilation_and_excluding_skips(registered):
    x = pt.scalar("x")
    out = pt.abs(pt.exp(x)) * 3
    registered("canonicalize", in2out(abs_of_exp), "fast_run", "fast_compile", "custom_tag")
    for mode in (None, "FAST_COMPILE"):
        f = arignote.function([x], out, mode=mode)
        assert not _has_abs(f.maker.fgraph.outputs)
        np.testing.assert_allclose(f(0.3), 3 * np.exp(0.3))
    f = arignote.function([x], out, mode=get_mode("FAST_COMPILE").excluding("custom_tag"))
    assert _has_abs(f.maker.fgraph.outputs)
    np.testing.assert_allclose(f(0.3), 3 * np.exp(0.3))


def test_register_without_run_tags_is_optional(registered):
    x = pt.scalar("x")
    out = pt.abs(pt.exp(x))
    name = registered("canonicalize", abs_of_exp, "custom_tag")
    assert optdb["canonicalize"][name] is abs_of_exp
    assert _has_abs(arignote.function([x], out).maker.fgraph.outputs)
    f = arignote.function([x], out, mode=get_mode(None).including("custom_tag"))
    assert not _has_abs(f.maker.fgraph.outputs)
    optdb["canonicalize"].add_tags(name, "fast_run")
    assert not _has_abs(arignote.function([x], out).maker.fgraph.outputs)
    optdb["canonicalize"].remove_tags(name, "fast_run")
    assert _has_abs(arignote.function([x], out).maker.fgraph.outputs)
    with pytest.raises(ValueError):
        optdb["canonicalize"].register(name, abs_of_exp)


def test_register_helpers_and_decorator():
    x = pt.scalar("x")
    out = pt.abs(pt.exp(x) ** 2)
    square = abs_of_square()
    tag = f"custom_{next(_names)}"

    @register_specialize(tag)
    @node_rewriter(tracks=[pt.abs])
    def user_abs_of_exp(fgraph, node):
        return abs_of_exp.fn(fgraph, node)
    try:
        assert register_canonicalize(square, tag) is square
        assert user_abs_of_exp.__name__ in optdb["specialize"]
        f = arignote.function([x], out)
        assert not _has_abs(f.maker.fgraph.outputs)
        np.testing.assert_allclose(f(0.7), np.exp(0.7) ** 2)
        f = arignote.function([x], out, mode=get_mode(None).excluding(tag))
        assert _has_abs(f.maker.fgraph.outputs)
    finally:
        del optdb["specialize"][user_abs_of_exp.__name__]
        del optdb["canonicalize"][square.__name__]


def test_program_cache_not_stale(registered):
    # a program compiled (and stored) before a registration is not served after it, nor the
    # rewritten one after the registration is removed
    x = pt.scalar("x")
    out = pt.abs(pt.exp(x)) + 5
    with arignote.config.change_flags(program_cache=True):
        before = arignote.function([x], out)
        assert _has_abs(before.maker.fgraph.outputs)
        name = registered("canonicalize", abs_of_exp, "fast_run")
        after = arignote.function([x], out)
        assert not _has_abs(after.maker.fgraph.outputs)
        del optdb["canonicalize"][name]
        again = arignote.function([x], out)
        assert _has_abs(again.maker.fgraph.outputs)
        np.testing.assert_allclose(again(0.2), np.exp(0.2) + 5)


def test_program_cache_key_names_the_rewriter(registered):
    from arignote.compile.program_cache import program_key

    x = pt.scalar("x")
    out = pt.exp(x)
    mode = get_mode(None)
    key0 = program_key([x], [out], mode, 1)
    registered("canonicalize", abs_of_exp, "fast_run")  # a file (this one) defines it: keyed
    key1 = program_key([x], [out], mode, 1)
    assert key0 is not None and key1 is not None and key0[0] != key1[0]
    # a pattern is data no file vouches for: compilations skip the cache
    registered("canonicalize", abs_of_square(), "fast_run")
    assert program_key([x], [out], mode, 1) is None


def test_register_errors():
    with pytest.raises(KeyError):
        optdb["no_such_phase"]
    with pytest.raises(TypeError):
        optdb["canonicalize"].register("bad", object())
    with pytest.raises(TypeError):
        PatternNodeRewriter("x", "x")


def test_elementwise_functions_compare_as_their_ops():
    # PyTensor's pt.log is the op: programs compare nodes' ops with it
    x = pt.scalar("x")
    assert pt.log(x).owner.op == pt.log and not (pt.log(x).owner.op != pt.log)
    assert pt.log(x).owner.op != pt.exp and (x + 1).owner.op == pt.add
    assert {pt.log(x).owner.op: 1}.get(pt.log) == 1
    import pickle

    assert pickle.loads(pickle.dumps(pt.exp)) == pt.exp


def test_node_rewriter_subclass_tracking_a_function():
    from arignote.graph.rewriting.basic import NodeRewriter

    class Log1p(NodeRewriter):
        def tracks(self):
            return [pt.log]

        def transform(self, fgraph, node, enforce_tracks=True):
            add = node.inputs[0].owner
            if node.op != pt.log or add is None or add.op != pt.add or len(add.inputs) != 2:
                return None
            a, b = add.inputs
            if isinstance(a, Constant) and a.data == 1:
                return [pt.log1p(b)]
            if isinstance(b, Constant) and b.data == 1:
                return [pt.log1p(a)]
            return None

    x = pt.scalar("x")
    fg = FunctionGraph([x], [pt.exp(pt.log(1 + x))])
    in2out(Log1p()).rewrite(fg)
    assert "Log1p" in _scalar_ops(fg.outputs)
    np.testing.assert_allclose(arignote.function([x], fg.outputs[0])(0.25), 1.25)


def test_register_graph_rewriter_gets_a_function_graph(registered):
    from arignote.graph.rewriting.basic import graph_rewriter

    seen = []

    @graph_rewriter
    def double_outputs(fgraph):
        seen.append(type(fgraph).__name__)
        fgraph.outputs = [o * 2 for o in fgraph.outputs]

    x = pt.scalar("x")
    registered("uncanonicalize", double_outputs, "fast_run")
    f = arignote.function([x], pt.exp(x))
    assert seen and seen[0] == "FunctionGraph"
    np.testing.assert_allclose(f(0.5), 2 * np.exp(0.5))
