"""The Loop op itself: identity, types, shapes, keep, the body-compiling hook, checks."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.backend.python.linker import PyProgram
from arignote.loop import Loop, LoopTypeError
from arignote.loop.formals import formal
from arignote.tensor.shape_inference import shape_of


def rnn(x, h0, W):
    out, _ = arignote.scan(lambda xt, h, W: at.tanh(W @ h + xt), sequences=x, outputs_info=h0,
                           non_sequences=W)
    return out


def test_equal_scans_are_one_node():
    x, h0, W = at.matrix("x"), at.vector("h0"), at.matrix("W")
    a, b = rnn(x, h0, W), rnn(x, h0, W)
    assert a is b
    assert a.owner.op == b.owner.op and hash(a.owner.op) == hash(b.owner.op)
    other = rnn(x, h0, at.matrix("W"))  # another variable of the same name and type
    assert other.owner is not a.owner
    assert other.owner.op == a.owner.op  # same body, other inputs


def test_body_is_a_closed_graph_of_ordinary_nodes():
    x, h0, W = at.matrix("x"), at.vector("h0"), at.matrix("W")
    op = rnn(x, h0, W).owner.op
    assert [v.name for v in op.inner_inputs] == ["x[t]", "h0[t-1]", "W"]
    assert {type(n.op).__name__ for n in op.nodes} == {"Dot", "Elemwise"}
    assert str(op) == "Loop{1 seq, 1 carry, 1 const, 1 y}"


def test_static_types_and_inferred_shapes():
    x = at.matrix("x", shape=(6, 3))
    h0 = at.vector("h0")
    W = at.matrix("W")
    out = rnn(x, h0, W)
    assert out.type.shape == (6, 3)
    y = at.matrix("y")
    out = rnn(y, h0, W)
    n_rows, width = shape_of(out)
    f = arignote.function([y, h0, W], [n_rows, width], on_unused_input="ignore")
    assert [int(v) for v in f(np.zeros((4, 2)), np.zeros(2), np.zeros((2, 2)))] == [4, 2]
    # the shape graph reads only inputs: the loop itself is not needed for it
    from arignote.graph.traversal import toposort
    assert not any(isinstance(n.op, Loop) for n in toposort([n_rows, width]))


def test_keep_last_rows_is_exactly_a_suffix():
    depth = 7
    c = formal(depth, 0, at.TensorType("float64", ()), "c")
    op = Loop([c], [c + 1, c * 10, c * 100], n_seqs=0, n_carries=1, keep=[2, 1])
    n = at.iscalar("n")
    c0 = at.scalar("c0")
    final, last2, last1 = op.make_node(n, c0).outputs
    f = arignote.function([n, c0], [final, last2, last1])
    for steps in (0, 1, 2, 5):
        got = f(steps, 0.0)
        assert got[0] == steps
        np.testing.assert_array_equal(got[1], (10 * np.arange(steps))[-2:])
        np.testing.assert_array_equal(got[2], (100 * np.arange(steps))[-1:])
    assert last2.type.shape == (None,)
    fixed = op.make_node(at.constant(np.int64(5)), c0).outputs
    assert fixed[1].type.shape == (2,) and fixed[2].type.shape == (1,)


def test_make_driver_runs_a_body_compiled_elsewhere(rng):
    x, h0, W = at.matrix("x"), at.vector("h0"), at.matrix("W")
    node = rnn(x, h0, W).owner
    compiled = []

    def compile_body(inputs, outputs):
        compiled.append(len(outputs))
        return PyProgram(inputs, outputs).run
    run = node.op.make_driver(node, compile_body)
    xv, hv, Wv = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=(3, 3))
    final, stacked = run(np.int64(5), xv, hv, Wv)
    assert compiled == [2]
    ref = arignote.function([x, h0, W], node.outputs[1])(xv, hv, Wv)
    np.testing.assert_allclose(stacked, ref)
    np.testing.assert_allclose(final, ref[-1])


def test_outputs_never_alias_inputs():
    s = at.vector("s")
    c0 = at.vector("c0")
    final, ys = arignote.loop(lambda c, x: (c, x), c0, s)
    f = arignote.function([s, c0], [final, ys], mode=arignote.Mode(optimizer=None))
    sv, cv = np.arange(3.0), np.ones(2)
    got = f(sv, cv)
    assert not np.shares_memory(got[0], cv)
    got[0][:] = 5
    assert cv[0] == 1


def test_op_checks():
    t = at.TensorType("float64", ())
    c = formal(9, 0, t, "c")
    other = at.scalar("free")
    with pytest.raises(ValueError, match="not one of its inner inputs"):
        Loop([c], [c + other], n_seqs=0, n_carries=1)
    with pytest.raises(ValueError, match="expected 2 inner outputs"):
        Loop([c], [c], n_seqs=0, n_carries=1, keep=[None])
    with pytest.raises(LoopTypeError, match="carry 0 enters the step as"):
        Loop([c], [at.cast(c, "float32")], n_seqs=0, n_carries=1)
    with pytest.raises(LoopTypeError, match="stop flag must be a 0-d bool"):
        Loop([c], [c, c], n_seqs=0, n_carries=1, until=True)
    with pytest.raises(ValueError, match="computes nothing"):
        Loop([c], [], n_seqs=0, n_carries=0)
    op = Loop([c], [c + 1], n_seqs=0, n_carries=1)
    with pytest.raises(LoopTypeError, match="0-d integer"):
        op.make_node(at.scalar(), at.scalar())
    with pytest.raises(LoopTypeError, match="initial carry 0 must be of type"):
        op.make_node(3, at.vector())
    with pytest.raises(TypeError, match="takes 1 inputs"):
        op.make_node(3)
    with pytest.raises(AttributeError, match="immutable"):
        op.keep = (1,)
    n = at.iscalar("n")
    for mode in (None, arignote.Mode(optimizer=None)):  # rewritten, the loop is a product
        f = arignote.function([n], op.make_node(n, at.constant(0.0)).outputs[0], mode=mode)
        with pytest.raises(ValueError, match="number of steps must be >= 0"):
            f(-1)


def test_another_linker_compiles_the_body(rng, monkeypatch):
    import sys

    from arignote.graph.linking import Linking, linking

    function_module = sys.modules["arignote.compile.function"]  # the module, not arignote.compile.function()

    linked = []

    def fake_link(inputs, outputs, mode):
        # a linker other than py, stating itself as every linker does (arignote.graph.linking)
        linked.append(len(outputs))
        with linking(Linking(arignote.Mode(linker="jax"), lambda ins, outs: fake_link(ins, outs, mode))):
            return PyProgram(inputs, outputs)
    x, h0, W = at.matrix("x"), at.vector("h0"), at.matrix("W")
    out = rnn(x, h0, W)
    monkeypatch.setattr(function_module, "link", fake_link)
    f = arignote.function([x, h0, W], out, mode=arignote.Mode(optimizer=None))
    assert linked == [1, 2]  # the function, then the loop's body (new carry and stacked output)
    xv, hv, Wv = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(3, 3))
    monkeypatch.undo()
    np.testing.assert_allclose(f(xv, hv, Wv), arignote.function([x, h0, W], out)(xv, hv, Wv))


def test_linking_mode_is_the_mode_of_the_program_being_linked():
    from arignote.compile.pipeline import linking_mode

    seen = []
    c = formal(13, 0, at.TensorType("float64", ()), "c")
    op = Loop([c], [c + 1], n_seqs=0, n_carries=1)
    original = Loop.py_impl

    def spy(self, node):
        seen.append(linking_mode())
        return original(self, node)
    Loop.py_impl = spy
    try:
        arignote.function([], op.make_node(3, at.constant(0.0)).outputs[0],
                          mode=arignote.Mode(optimizer=None))
    finally:
        Loop.py_impl = original
    assert seen == [arignote.Mode(optimizer=None)] and linking_mode() is None


def test_debugprint_shows_the_body():
    x, h0, W = at.matrix("x"), at.vector("h0"), at.matrix("W")
    text = arignote.debugprint(rnn(x, h0, W)[-1], file="str")
    main, inner = text.split("Inner graphs:")
    assert "Loop{1 seq, 1 carry, 1 const, 1 y}" in main
    assert "inputs: x[t], h0[t-1], W" in inner and "Tanh" in inner and "Dot" in inner
    # nested loops print their own bodies too
    m = at.matrix("m")
    out, _ = arignote.scan(lambda row: arignote.scan(lambda v, a: a + v, sequences=row,
                                                      outputs_info=at.constant(0.0))[0][-1], sequences=m)
    assert arignote.debugprint(out, file="str").count("inputs:") == 2
