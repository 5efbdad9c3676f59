"""Work pushed out of loops: carry-free values vectorized, accumulations turned into sums."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph.traversal import toposort
from arignote.loop import Loop

NO_REWRITES = arignote.Mode(optimizer=None)


def loops_of(f):
    return [n for n in toposort(f.graph_outputs) if isinstance(n.op, Loop)]


def body_ops(node):
    return [type(getattr(i.op, "scalar_op", i.op)).__name__ for i in node.op.nodes]


def compare(inputs, outputs, *values, rtol=1e-12):
    got = arignote.function(inputs, outputs)(*values)
    want = arignote.function(inputs, outputs, mode=NO_REWRITES)(*values)
    for g, w in zip(got if isinstance(got, list) else [got], want if isinstance(want, list) else [want]):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-13)


def rnn(X, h0, W, U, b):
    hs, _ = arignote.scan(lambda x, h, W, U, b: at.tanh(W @ h + U @ x + b), sequences=X, outputs_info=h0,
                          non_sequences=[W, U, b])
    return hs


def rnn_inputs(rng, steps=7):
    return [rng.normal(size=(steps, 4)), rng.normal(size=3), rng.normal(size=(3, 3)) * 0.5,
            rng.normal(size=(3, 4)) * 0.5, rng.normal(size=3)]


def test_input_projection_is_computed_for_all_steps_at_once(rng):
    X, h0, W, U, b = at.matrix("X"), at.vector("h0"), at.matrix("W"), at.matrix("U"), at.vector("b")
    hs = rnn(X, h0, W, U, b)
    f = arignote.function([X, h0, W, U, b], hs, mode=arignote.Mode().excluding("fusion"))
    (node,) = loops_of(f)
    assert body_ops(node).count("Dot") + body_ops(node).count("Gemv") == 1  # W @ h only
    assert node.op.n_consts == 1  # W; U and b are read outside
    compare([X, h0, W, U, b], hs, *rnn_inputs(rng))
    compare([X, h0, W, U, b], hs, *rnn_inputs(rng, steps=0))


def test_what_is_not_pushed_out(rng):
    s = at.matrix("s")
    h0 = at.vector("h0")
    # a value larger than the sequence rows it reads stays inside
    out, _ = arignote.scan(lambda x, h: h + at.outer(x, x).sum(axis=0), sequences=s, outputs_info=h0)
    f = arignote.function([s, h0], out)
    (node,) = loops_of(f)
    assert node.op.n_seqs == 1
    compare([s, h0], out, rng.normal(size=(5, 3)), rng.normal(size=3))
    # nor anything in a while loop
    w, _ = arignote.scan(lambda x, h: (h + at.exp(x), arignote.until(h.sum() > 3)), sequences=s,
                         outputs_info=h0)
    f = arignote.function([s, h0], w)
    (node,) = loops_of(f)
    assert "exp" in str([i.op for i in node.op.nodes])
    compare([s, h0], w, rng.normal(size=(6, 3)), np.zeros(3))


def test_gradient_accumulations_become_matrix_products(rng):
    X, h0, W, U, b = at.matrix("X"), at.vector("h0"), at.matrix("W"), at.matrix("U"), at.vector("b")
    hs = rnn(X, h0, W, U, b)
    grads = arignote.grad(hs[-1:].sum() + hs.sum() * 0.1, [W, U, b, h0])
    f = arignote.function([X, h0, W, U, b], grads, trace=True)
    assert "loop_push_out_sums" in f.rewrite_trace.rules_fired()
    backward = [n for n in loops_of(f) if n.op.n_seqs > 1]
    assert backward and all(v.type.ndim <= 1 for n in backward for v in n.op.carry_inputs)
    compare([X, h0, W, U, b], grads, *rnn_inputs(rng), rtol=1e-10)
    compare([X, h0, W, U, b], grads, *rnn_inputs(rng, steps=1), rtol=1e-10)
    compare([X, h0, W, U, b], grads, *rnn_inputs(rng, steps=0), rtol=1e-10)


def test_sums_of_constants_and_running_values(rng):
    s = at.vector("s")
    a0, k = at.scalar("a0"), at.scalar("k")
    # a constant added at each step: a product; the running sum read at each step stays a carry
    total, _ = arignote.scan(lambda x, a, k: a + k, sequences=s, outputs_info=a0, non_sequences=k)
    compare([s, a0, k], [total], rng.normal(size=5), 1.0, 0.25)
    final, _ = arignote.loop(lambda c, x: (c + k * 2, None), a0, s)
    f = arignote.function([s, a0, k], final)
    assert not loops_of(f)
    assert f(np.ones(4), 1.0, 0.25) == 3.0
    n = at.iscalar("n")
    g = arignote.function([a0, k, n], arignote.loop(lambda c, _: (c + k, None), a0, n_steps=n)[0])
    assert not loops_of(g)
    assert g(1.0, 0.5, 4) == 3.0
    with pytest.raises(ValueError, match="steps must be >= 0"):
        g(1.0, 1.0, -2)


def test_while_loop_sums(rng):
    s = at.vector("s")
    a0 = at.scalar("a0")
    (acc, count), _ = arignote.loop(lambda c, x: ((c[0] + x * x, c[1] + 1.0), None, c[1] > 2),
                                    (a0, at.constant(0.0)), s)
    compare([s, a0], [acc, count], rng.normal(size=8), 0.5)
    compare([s, a0], [acc, count], rng.normal(size=2), 0.5)


def test_maps_without_loops_keep_the_loop_checks():
    s = at.vector("s")
    n = at.iscalar("n")
    out, _ = arignote.scan(lambda x: at.exp(x) * 2, sequences=s, n_steps=n)
    f = arignote.function([s, n], out)
    assert not loops_of(f)
    np.testing.assert_allclose(f(np.zeros(4), 3), [2, 2, 2])
    with pytest.raises(ValueError, match="sequence 0 has 4 rows, fewer than the 5 steps"):
        f(np.zeros(4), 5)
    with pytest.raises(ValueError, match="steps must be >= 0"):
        f(np.zeros(4), -1)
