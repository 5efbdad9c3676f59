"""PyTensor's ``pytensor.compile.*`` and ``pytensor.gradient`` names on arignote: optdb,
DeepCopyOp, compile.debug (DebugMode, str_diagnostic, MonitorMode), rebuild_collect_shared,
add_supervisor_to_fgraph, and the gradient ops and subgraph_grad."""

import sys

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.compile import In, optdb
from arignote.compile.aliasing import add_supervisor_to_fgraph
from arignote.compile.debug import debugmode
from arignote.compile.debug.debugmode import DebugMode, str_diagnostic
from arignote.compile.debug.monitormode import MonitorMode
from arignote.compile.ops import DeepCopyOp, deep_copy_op
from arignote.compile.rebuild import rebuild_collect_shared
from arignote.gradient import (
    GradClip,
    GradScale,
    NullTypeGradError,
    UndefinedGrad,
    disconnected_grad,
    disconnected_grad_,
    grad,
    grad_clip,
    grad_scale,
    subgraph_grad,
    undefined_grad,
    zero_grad,
    zero_grad_,
)
from arignote.graph import FunctionGraph, RewriteDatabaseQuery
from arignote.graph.null_type import NullType
from arignote.scalar.math import Log1p, Softplus

rng = np.random.default_rng(20261207)


def _scalar_ops(fg):
    return {type(getattr(n.op, "scalar_op", n.op)) for n in fg.toposort()}


# --- optdb ----------------------------------------------------------------------------------

def test_optdb_query_applies_the_selected_phases():
    x = at.vector("x")
    out = at.log(1 + at.exp(x))
    for query in (RewriteDatabaseQuery(include=["stabilize"]), RewriteDatabaseQuery(include=["fast_run"]),
                  "+stabilize", "fast_run"):
        fg = FunctionGraph([x], [out])
        optdb.query(query).rewrite(fg)
        assert Softplus in _scalar_ops(fg), query
    value = rng.normal(size=5)
    np.testing.assert_allclose(fg.outputs[0].eval({x: value}), np.logaddexp(0, value))
    # canonicalize alone does not stabilize; excluding a phase leaves it out
    for query in (RewriteDatabaseQuery(include=["canonicalize"]),
                  RewriteDatabaseQuery(include=["fast_run"]).excluding("stabilize"),
                  RewriteDatabaseQuery(include=["stabilize"], exclude=["stabilize"])):
        fg = FunctionGraph([x], [out])
        optdb.query(query).rewrite(fg)
        assert Softplus not in _scalar_ops(fg), query
    with pytest.raises(TypeError):
        optdb.query(3)


def test_optdb_query_position_cutoff_keeps_the_earlier_phases():
    x = at.vector("x")
    out = at.log(1 + at.exp(x)) * 2
    query = RewriteDatabaseQuery(include=["fast_run"])
    query.position_cutoff = 1.51  # canonicalize and stabilize, not specialize nor fusion
    fg = FunctionGraph([x], [out])
    optdb.query(query).rewrite(fg)
    assert Softplus in _scalar_ops(fg) and len(fg.toposort()) == 2
    query.position_cutoff = 1.2  # canonicalize only
    fg = FunctionGraph([x], [out])
    optdb.query(query).rewrite(fg)
    assert Softplus not in _scalar_ops(fg)
    fg = FunctionGraph([x], [out])
    optdb.query(RewriteDatabaseQuery(include=["fast_run"])).rewrite(fg)
    assert len(fg.toposort()) == 1  # fused
    with pytest.raises(Exception, match="include"):
        query.include = ("stabilize",)


def test_optdb_query_of_nothing_changes_nothing():
    x = at.vector("x")
    fg = FunctionGraph([x], [at.log(1 + x)])
    optdb.query(RewriteDatabaseQuery()).rewrite(fg)
    assert fg.outputs[0] is at.log(1 + x)
    optdb.query("+stabilize").rewrite(fg)
    assert Log1p in _scalar_ops(fg)


# --- DeepCopyOp ----------------------------------------------------------------------------------

def test_deep_copy_op_is_the_copy():
    x = at.matrix("x")
    y = deep_copy_op(x)
    assert isinstance(y.owner.op, DeepCopyOp) and isinstance(x.copy().owner.op, DeepCopyOp)
    assert not isinstance(at.exp(x).owner.op, DeepCopyOp)
    assert y is x.copy() and deep_copy_op == DeepCopyOp()
    value = rng.normal(size=(2, 3))
    for mode in ("py", "FAST_COMPILE", None):
        got = arignote.function([x], y, mode=mode)(value)
        np.testing.assert_array_equal(got, value)
        assert not np.shares_memory(got, value)


# --- compile.debug ------------------------------------------------------------------------------

def test_debugmode_path_and_str_diagnostic():
    assert debugmode.DebugMode is DebugMode is arignote.compile.DebugMode
    text = str_diagnostic(np.array([1.0, 2.0, np.inf]), np.array([1.0, 2.5, np.inf]), 1e-5, 1e-8)
    assert "shape (3,)" in text and "1 inf" in text and "abs diff: max" in text
    assert "rtol 1e-05" in text
    # values of other shapes or kinds are described without differences
    assert "diff" not in str_diagnostic(np.zeros(2), np.zeros(3), None, None)
    assert "expected" in str_diagnostic("a", "b", None, None)


def test_monitor_mode_sees_every_node_before_and_after():
    x = at.dscalar("x")
    calls = []

    def pre(fgraph, i, node, fn):
        calls.append(("pre", i, [c[0] for c in fn.outputs]))

    def post(fgraph, i, node, fn):
        assert node in fgraph.toposort()
        calls.append(("post", i, [float(c[0]) for c in fn.outputs], [float(c[0]) for c in fn.inputs]))

    mode = MonitorMode(pre_func=pre, post_func=post, optimizer=None)
    f = arignote.function([x], at.log(x) * x, mode=mode)
    assert np.isnan(f(0.0))
    assert calls[0] == ("pre", 0, [None])
    assert calls[1][0] == "post" and calls[1][1] == 0 and calls[1][2] == [-np.inf]
    assert calls[-1][0] == "post" and np.isnan(calls[-1][2][0])
    assert len(calls) == 4
    kept = MonitorMode(post_func=post).excluding("fusion")
    assert isinstance(kept, MonitorMode) and kept.post_func is post and "fusion" in kept.exclude


# --- rebuild, aliasing ---------------------------------------------------------------------------

def test_rebuild_collect_shared_replaces_and_collects():
    x, z = at.dvector("x"), at.dvector("z")
    w = arignote.shared(np.ones(2), name="w")
    v = arignote.shared(np.zeros(2), name="v")
    v.default_update = v + 1
    out = at.exp(x) * w + v
    ins, new_out, (clone_d, update_d, update_expr, shared) = rebuild_collect_shared(
        out, [x], replace={x: z * 2}, updates={w: w * 2})
    assert ins == [z * 2] and shared == [w, v]
    assert update_expr == [(w, w * 2), (v, v + 1)] and update_d[w] is w * 2
    assert new_out is at.exp(z * 2) * w + v and clone_d[out] is new_out
    _, _, (_, update_d, _, _) = rebuild_collect_shared(out, [x], no_default_updates=True)
    assert v not in update_d
    copied, (copied_out,), _ = rebuild_collect_shared([out], [x], copy_inputs_over=False)
    assert copied[0] is not x and copied_out.owner.inputs[1] is v
    with pytest.raises(TypeError):
        rebuild_collect_shared(out, [x], replace={x: at.dmatrix("m")})
    with pytest.raises(TypeError):
        rebuild_collect_shared(out, [x], updates={x: x})
    with pytest.raises(TypeError):
        rebuild_collect_shared(out, [w])
    _, by_value, _ = rebuild_collect_shared(out, [], replace={x: np.full(2, 3.0)})
    np.testing.assert_allclose(arignote.function([], by_value)(), np.exp(3.0) + 0)


def test_rebuild_collect_shared_on_deep_graphs():
    x = at.dscalar("x")
    out = x
    for i in range(sys.getrecursionlimit() + 200):
        out = out + i
    ins, outs, (clone_d, *_) = rebuild_collect_shared([out], [x])
    assert ins == [x] and outs == [clone_d[out]]


def test_add_supervisor_checks_its_specs():
    x, y = at.dvector("x"), at.dvector("y")
    fg = FunctionGraph([x, y], [x + y])
    add_supervisor_to_fgraph(fg, [In(x, mutable=True), In(y)])
    with pytest.raises(ValueError):
        add_supervisor_to_fgraph(fg, [In(x)])
    with pytest.raises(ValueError):
        add_supervisor_to_fgraph(fg, [In(y), In(x)])


# --- gradient ---------------------------------------------------------------------------------

def test_gradient_op_classes_are_the_ones_the_functions_build():
    x = at.dvector("x")
    assert isinstance(grad_clip(x, -1, 1).owner.op, GradClip)
    assert isinstance(grad_scale(x, 2).owner.op, GradScale)
    assert isinstance(undefined_grad(x).owner.op, UndefinedGrad)
    assert zero_grad(x).owner.op == zero_grad_
    assert disconnected_grad(x).owner.op == disconnected_grad_
    f = arignote.function([x], grad_clip(undefined_grad(x), -1, 1) * 2)
    assert not any(isinstance(n.op, (GradClip, UndefinedGrad)) for n in f.maker.fgraph.toposort())
    np.testing.assert_allclose(f(np.arange(3.0)), [0, 2, 4])


def test_undefined_grad_raises_where_needed():
    x, y = at.dscalar("x"), at.dscalar("y")
    cost = undefined_grad(x) * y
    with pytest.raises(NullTypeGradError, match="undefined"):
        grad(cost, x)
    np.testing.assert_allclose(grad(cost, y).eval({x: 3.0, y: 1.0}), 3.0)
    with pytest.raises(NullTypeGradError):
        grad(x * 2, x, known_grads={x * 2: NullType("no")()})


def test_subgraph_grad_matches_grad():
    x, t = at.dvector("x"), at.dvector("t")
    w1 = arignote.shared(rng.normal(size=(3, 4)))
    w2 = arignote.shared(rng.normal(size=(4, 2)))
    a1 = at.tanh(at.dot(x, w1))
    a2 = at.tanh(at.dot(a1, w2))
    cost2 = at.sqr(a2 - t).sum() + at.sqr(w2.sum())
    cost1 = at.sqr(w1.sum())
    values = [rng.normal(size=2), rng.normal(size=3)]
    expected = arignote.function([t, x], grad(cost2 + cost1, [w2, w1]))(*values)
    (g2,), ends = subgraph_grad(wrt=[w2], end=[a1], cost=cost2)
    (g1,), (gx,), from_start, from_cost = subgraph_grad(wrt=[w1], end=[x], start=dict(zip([a1], ends)),
                                                        cost=cost1, details=True)
    got = arignote.function([t, x], [g2, g1])(*values)
    for want, have in zip(expected, got):
        np.testing.assert_allclose(have, want, rtol=1e-10, atol=1e-12)
    assert len(from_start) == 1 and len(from_cost) == 1
    # the gradient with respect to x, through the whole graph, by central differences
    f = arignote.function([t, x], cost2 + cost1)
    eps = 1e-6
    numeric = [(f(values[0], values[1] + eps * e) - f(values[0], values[1] - eps * e)) / (2 * eps)
               for e in np.eye(3)]
    np.testing.assert_allclose(arignote.function([t, x], gx)(*values), numeric, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError):
        subgraph_grad(wrt=[w1], end=[x])
    with pytest.raises(TypeError):
        subgraph_grad(wrt=w1, end=[x], cost=cost1)
