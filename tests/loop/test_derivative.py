"""Reverse-mode derivatives through loops, against finite differences."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.graph.traversal import toposort
from arignote.loop import Loop
from arignote.loop.formals import formal

TOL = dict(abs_tol=1e-7, rel_tol=1e-6)


def rnn_last(x, h0, W):
    out, _ = arignote.scan(lambda xt, h, W: at.tanh(W @ h + xt), sequences=x, outputs_info=h0,
                           non_sequences=W)
    return out


def test_rnn_gradients_with_respect_to_everything(rng):
    point = [rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=(3, 3)) * 0.5]
    verify_grad(rnn_last, point, rng=rng, **TOL)
    verify_grad(lambda x, h0, W: rnn_last(x, h0, W)[-1], point, rng=rng, **TOL)


def test_gradient_compiles_to_one_forward_and_one_backward_loop(rng):
    x, h0, W = at.matrix("x"), at.vector("h0"), at.matrix("W")
    cost = rnn_last(x, h0, W)[-1].sum()
    grads = arignote.grad(cost, [W, h0])
    f = arignote.function([x, h0, W], [cost, *grads])
    loops = [n for n in toposort(f.graph_outputs) if isinstance(n.op, Loop)]
    assert len(loops) == 2


def test_output_taps_and_initial_rows(rng):
    def f(init, a):
        out, _ = arignote.scan(lambda older, prev, a: at.sin(prev) * a + older * 0.5,
                               outputs_info=dict(initial=init, taps=[-3, -1]), non_sequences=a, n_steps=6)
        return out
    verify_grad(f, [rng.normal(size=(4, 2)), rng.normal(size=2)], rng=rng, **TOL)


def test_sequence_taps_go_backwards_and_short_n_steps(rng):
    def f(s, k):
        out, _ = arignote.scan(lambda a, b, c, acc, k: acc * at.cos(a) + b * c * k,
                               sequences=dict(input=s, taps=[-1, 0, 2]), outputs_info=at.zeros(2),
                               non_sequences=k, go_backwards=True, n_steps=4)
        return out
    verify_grad(f, [rng.normal(size=(9, 2)), rng.normal(size=2)], rng=rng, **TOL)


def test_several_outputs_with_an_integer_carry(rng):
    def f(s, a0):
        outs, _ = arignote.scan(lambda x, a, count: [a * x + 1.0, count + 1, at.exp(a) * x],
                                sequences=s, outputs_info=[a0, np.int64(0), None])
        return outs[0].sum() + outs[2].sum() * 0.3 + at.cast(outs[1][-1], "float64")
    verify_grad(f, [rng.normal(size=5), rng.normal(size=())], rng=rng, **TOL)


def test_while_loop(rng):
    def f(c0, k):
        out, _ = arignote.scan(lambda c, k: (c * k + 0.1, arignote.until(c.sum() > 10)),
                               outputs_info=c0, non_sequences=k, n_steps=50)
        return out
    c0, k = np.array([1.0, 2.0]), np.array([1.5, 1.2])
    assert arignote.function([], f(at.constant(c0), at.constant(k)))().shape[0] < 50
    verify_grad(f, [c0, k], rng=rng, **TOL)
    # the carry-style loop with a stop flag and no bound
    def g(c0):
        final, _ = arignote.loop(lambda c, _: (c * 1.5, None, c.sum() > 20), c0)
        return final
    verify_grad(g, [np.array([1.0, 2.0])], rng=rng, **TOL)


def test_zero_steps(rng):
    x0 = at.vector("x0")
    k = at.vector("k")
    n = at.iscalar("n")
    out, _ = arignote.scan(lambda x, k: x * k, outputs_info=x0, non_sequences=k, n_steps=n)
    final, _ = arignote.loop(lambda c, _: (c * k, None), x0, n_steps=n)
    gx, gk = arignote.grad(final.sum(), [x0, k])
    g_out = arignote.grad(out.sum(), k)
    f = arignote.function([x0, k, n], [gx, gk, g_out])
    got = f(np.ones(3), np.full(3, 2.0), 0)
    np.testing.assert_array_equal(got[0], np.ones(3))
    np.testing.assert_array_equal(got[1], np.zeros(3))
    np.testing.assert_array_equal(got[2], np.zeros(3))
    got = f(np.ones(3), np.full(3, 2.0), 3)
    np.testing.assert_allclose(got[0], np.full(3, 8.0))
    np.testing.assert_allclose(got[1], np.full(3, 3 * 4.0))


def test_truncate_gradient_matches_truncated_backpropagation(rng):
    x, h0, W = at.matrix("x"), at.vector("h0"), at.matrix("W")
    truncate = 3
    out, _ = arignote.scan(lambda xt, h, W: at.tanh(W @ h + xt), sequences=x, outputs_info=h0,
                           non_sequences=W, truncate_gradient=truncate)
    cost = out.sum() + out[-1].sum()
    f = arignote.function([x, h0, W], arignote.grad(cost, [W, h0, x]))
    xv, hv, Wv = rng.normal(size=(6, 3)), rng.normal(size=3), rng.normal(size=(3, 3)) * 0.5

    def reference(xv, hv, Wv):
        hs = [hv]
        for row in xv:
            hs.append(np.tanh(Wv @ hs[-1] + row))
        m = len(xv)
        g_h = np.ones(3) * 2  # d cost / d h_m  (last row counted twice)
        gW, gx = np.zeros_like(Wv), np.zeros_like(xv)
        for t in range(m - 1, max(m - truncate, 0) - 1, -1):
            g_pre = g_h * (1 - hs[t + 1] ** 2)
            gW += np.outer(g_pre, hs[t])
            gx[t] = g_pre
            g_h = Wv.T @ g_pre + (np.ones(3) if t > 0 else 0)
        g_h0 = g_h if m <= truncate else np.zeros(3)
        return gW, g_h0, gx
    for steps in (6, 2):
        got = f(xv[:steps], hv, Wv)
        want = reference(xv[:steps], hv, Wv)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_nested_loops(rng):
    def f(m, w):
        def row_step(row, acc, w):
            inner, _ = arignote.scan(lambda x, a, w: a * at.tanh(x * w) + x, sequences=row,
                                     outputs_info=at.ones((), dtype="float64"), non_sequences=w)
            return acc + inner[-1] * row.sum()
        out, _ = arignote.scan(row_step, sequences=m, outputs_info=at.zeros(()), non_sequences=w)
        return out
    verify_grad(f, [rng.normal(size=(3, 4)), rng.normal(size=())], rng=rng, **TOL)


def test_gradient_inside_a_loop_body(rng):
    # Newton steps for x**3 = a: the step differentiates its own expression
    def f(a):
        def newton(x, a):
            residual = x ** 3 - a
            slope = arignote.grad(residual.sum(), x)
            return x - residual / slope
        out, _ = arignote.scan(newton, outputs_info=at.ones_like(a), non_sequences=a, n_steps=5)
        return out[-1]
    av = np.array([2.0, 5.0])
    np.testing.assert_allclose(arignote.function([], f(at.constant(av)))(), np.cbrt(av), rtol=1e-3)
    verify_grad(f, [av], rng=rng, **TOL)


def test_grad_of_grad(rng):
    def hvp(x, h0, W, v):
        cost = (rnn_last(x, h0, W)[-1] ** 2).sum()
        gW = arignote.grad(cost, W)
        return (gW * v).sum()  # a directional derivative of the gradient: its grad is H v
    point = [rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(3, 3)) * 0.5,
             rng.normal(size=(3, 3))]
    verify_grad(hvp, point, rng=rng, **TOL)


def test_batched_jacobian_and_hessian_through_a_loop(rng):
    from arignote.autodiff import vectorize

    W, x, h0 = at.matrix("W"), at.matrix("x"), at.vector("h0")
    out = rnn_last(x, h0, W)
    cost = (out[-1] ** 2).sum()
    jac = arignote.jacobian(out[-1], h0)
    hess = arignote.hessian(cost, h0)
    assert vectorize.batched_pullback(out[-1], [h0]) is not None  # no row-by-row fallback
    f = arignote.function([x, h0, W], [jac, hess])
    xv, hv, Wv = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(3, 3)) * 0.5
    fo = arignote.function([x, h0, W], out[-1])
    fg = arignote.function([x, h0, W], arignote.grad(cost, h0))
    eps = 1e-6
    num_jac = np.stack([(fo(xv, hv + e, Wv) - fo(xv, hv - e, Wv)) / (2 * eps) for e in np.eye(3) * eps], 1)
    num_hess = np.stack([(fg(xv, hv + e, Wv) - fg(xv, hv - e, Wv)) / (2 * eps) for e in np.eye(3) * eps], 1)
    got_jac, got_hess = f(xv, hv, Wv)
    np.testing.assert_allclose(got_jac, num_jac, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got_hess, num_hess, rtol=1e-6, atol=1e-8)


def test_keep_last_rows_and_the_carry_style_loop(rng):
    c = formal(21, 0, at.TensorType("float64", (None,)), "c")
    op = Loop([c], [at.sin(c) * 1.1, c ** 2], n_seqs=0, n_carries=1, keep=[2])
    n = at.constant(np.int64(5))
    verify_grad(lambda c0: op.make_node(n, c0).outputs[1], [rng.normal(size=3)], rng=rng, **TOL)

    def f(c0, xs):
        (a, b), ys = arignote.loop(lambda carry, x: ((carry[0] * x, carry[1] + carry[0]), {"y": at.exp(x)}),
                                   (c0, c0 * 2), xs)
        return a.sum() + b.sum() + ys["y"].sum()
    verify_grad(f, [rng.normal(size=2), rng.normal(size=(4, 2))], rng=rng, **TOL)


def test_shared_variable_updates_and_rop(rng):
    acc = arignote.shared(np.array([1.0, 2.0]), name="acc")
    k = at.vector("k")
    out, _ = arignote.scan(lambda k: (acc * k, {acc: acc * k}), non_sequences=k, n_steps=3)
    g = arignote.grad(out.sum(), k)
    f = arignote.function([k], g)
    kv = np.array([0.5, 1.5])
    a0 = np.array([1.0, 2.0])
    np.testing.assert_allclose(f(kv), a0 * (1 + 2 * kv + 3 * kv ** 2))
    x, h0, W = at.matrix("x"), at.vector("h0"), at.matrix("W")
    V = at.matrix("V")
    out = rnn_last(x, h0, W)
    jvp = arignote.Rop(out, W, V)
    fj = arignote.function([x, h0, W, V], jvp)
    xv, hv = rng.normal(size=(4, 3)), rng.normal(size=3)
    Wv, Vv = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    fo = arignote.function([x, h0, W], out)
    eps = 1e-6
    numeric = (fo(xv, hv, Wv + eps * Vv) - fo(xv, hv, Wv - eps * Vv)) / (2 * eps)
    np.testing.assert_allclose(fj(xv, hv, Wv, Vv), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", ["float32"])
def test_float32(rng, dtype):
    x, h0, W = at.matrix("x", dtype=dtype), at.vector("h0", dtype=dtype), at.matrix("W", dtype=dtype)
    cost = rnn_last(x, h0, W)[-1].sum()
    gW = arignote.grad(cost, W)
    assert gW.dtype == dtype
    f = arignote.function([x, h0, W], gW)
    xv, hv, Wv = [a.astype(dtype) for a in (rng.normal(size=(4, 3)), rng.normal(size=3),
                                             rng.normal(size=(3, 3)) * 0.5)]
    f64 = arignote.function([x, h0, W], gW)
    assert f(xv, hv, Wv).dtype == dtype
    assert f64 is not None


def test_gradient_of_a_rewritten_loop(rng):
    from arignote.rewrite import optimize

    x, h0, W = at.matrix("x"), at.vector("h0"), at.matrix("W")
    cost = rnn_last(x, h0, W)[-1].sum()
    (rewritten,) = optimize([cost])
    loops = [n for n in toposort([rewritten]) if isinstance(n.op, Loop)]
    assert loops and loops[0].op.keep == (1,)  # only the last state is kept
    g_rewritten = arignote.grad(rewritten, [W, h0])
    g_original = arignote.grad(cost, [W, h0])
    f = arignote.function([x, h0, W], g_rewritten + g_original)
    xv, hv, Wv = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=(3, 3)) * 0.5
    a, b, c, d = f(xv, hv, Wv)
    np.testing.assert_allclose(a, c, rtol=1e-12)
    np.testing.assert_allclose(b, d, rtol=1e-12)
