"""Loop rewrites: each fires where it should, not where it must not, and keeps values."""

import tracemalloc

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph.traversal import toposort
from arignote.loop import Loop
from arignote.loop.formals import formal

NO_REWRITES = arignote.Mode(optimizer=None)


def loops_of(f):
    return [n for n in toposort(f.graph_outputs) if isinstance(n.op, Loop)]


def same_values(inputs, outputs, *values, **kwargs):
    got = arignote.function(inputs, outputs, **kwargs)(*values)
    want = arignote.function(inputs, outputs, mode=NO_REWRITES, **kwargs)(*values)
    for g, w in zip(got if isinstance(got, list) else [got], want if isinstance(want, list) else [want]):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    return got


# --- the last states only ---------------------------------------------------------------

def cumulative(n):
    acc0 = at.scalar("acc0")
    out, _ = arignote.scan(lambda acc: acc * 0.999 + 1.0, outputs_info=acc0, n_steps=n)
    return acc0, out


@pytest.mark.parametrize("read, k", [(lambda o: o[-1], 1), (lambda o: o[-3:], 3),
                                     (lambda o: [o[-2], o[-1]], 2), (lambda o: o[-4:-1], 4),
                                     (lambda o: o[-3::2], 3)])
def test_only_the_rows_read_are_kept(read, k):
    n = at.iscalar("n")
    acc0, out = cumulative(n)
    outputs = read(out)
    f = arignote.function([acc0, n], outputs)
    (node,) = loops_of(f)
    assert node.op.keep == (k,)
    ref = arignote.function([acc0, n], outputs, mode=NO_REWRITES)
    for steps in range(0, 7):
        try:
            want = ref(0.5, steps)
        except IndexError:
            with pytest.raises(IndexError):
                f(0.5, steps)
            continue
        got = f(0.5, steps)
        for g, w in zip(got if isinstance(got, list) else [got], want if isinstance(want, list) else [want]):
            np.testing.assert_array_equal(g, w)


def test_reads_elsewhere_keep_everything():
    n = at.iscalar("n")
    acc0, out = cumulative(n)
    for outputs in ([out[-1], out[0]], [out[-1], out], [out[-1], out.sum()], [out[1:]]):
        f = arignote.function([acc0, n], outputs)
        (node,) = loops_of(f)
        assert node.op.keep == (None,)


def test_while_loop_keeps_its_last_state_only():
    q = at.scalar("q")
    out, _ = arignote.scan(lambda h: (h + 1, arignote.until(h + 1 >= 1000)), outputs_info=q, n_steps=10 ** 6)
    f = arignote.function([q], out[-1])
    assert loops_of(f)[0].op.keep == (1,)
    assert f(0.0) == 1000
    assert f(5000.0) == 5001


def _peak_bytes(fn, *args):
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_long_loop_whose_last_state_alone_is_used_runs_in_constant_memory():
    n = at.iscalar("n")
    acc0, out = cumulative(n)
    last = arignote.function([acc0, n], out[-1])
    everything = arignote.function([acc0, n], out)
    steps = 20_000
    np.testing.assert_allclose(last(0.0, steps), 1000 * (1 - 0.999 ** steps))  # also warms up
    stacked = _peak_bytes(everything, 0.0, steps)
    short, long = _peak_bytes(last, 0.0, steps // 10), _peak_bytes(last, 0.0, steps)
    assert stacked > 8 * steps  # the whole history: 160 kB
    assert long < 20_000 and long < short + 2_000, (short, long)  # a few arrays, whatever the length


@pytest.mark.slow
def test_million_step_loop_whose_last_state_alone_is_used_runs_in_constant_memory():
    n = at.iscalar("n")
    acc0, out = cumulative(n)
    last = arignote.function([acc0, n], out[-1])
    steps = 1_000_000
    last(0.0, 10)  # the first call builds lazily compiled code: not the loop's memory
    kept = _peak_bytes(last, 0.0, steps)
    assert kept < 20_000, kept
    np.testing.assert_allclose(last(0.0, steps), 1000 * (1 - 0.999 ** steps))


# --- unused outputs and carries ----------------------------------------------------------

def test_unused_outputs_and_carries_are_dropped(rng):
    s = at.vector("s")
    a0, b0 = at.scalar("a0"), at.scalar("b0")
    outs, _ = arignote.scan(lambda x, a, b: [a + x, b * x, x ** 2], sequences=s,
                            outputs_info=[a0, b0, None])
    f = arignote.function([s, a0, b0], outs[2], on_unused_input="ignore", trace=True)
    # without its carries the loop is a map, computed for all steps at once: no loop is left
    assert "loop_prune" in str(f.rewrite_trace) and not loops_of(f)
    v = rng.normal(size=5)
    np.testing.assert_allclose(f(v, 1.0, 2.0), v ** 2)
    # a carry nobody reads but another needed value depends on stays
    outs, _ = arignote.scan(lambda x, a, b: [a + x, b + a], sequences=s, outputs_info=[a0, b0])
    f = arignote.function([s, a0, b0], outs[1][-1])
    (node,) = loops_of(f)
    assert node.op.n_carries == 2
    same_values([s, a0, b0], outs[1][-1], v, 1.0, 2.0)


def test_unread_sequences_leave_only_when_long_enough(rng):
    X = at.matrix("X")
    Y = at.matrix("Y")
    h0 = at.vector("h0")
    # the body reads X's rows only; Y's rows are never read
    steps = at.lscalar("steps")
    hs = arignote.scan(lambda x, y, h: h + x, sequences=[X, Y], outputs_info=h0, n_steps=steps,
                       return_updates=False)
    f = arignote.function([X, Y, h0, steps], hs)
    (node,) = loops_of(f)
    # Y's length is only known at run time: it stays, so a short Y still raises as before
    assert node.op.n_seqs == 2
    with pytest.raises(ValueError, match="fewer than"):
        f(np.ones((3, 2)), np.ones((2, 2)), np.zeros(2), 3)
    # statically long enough: it goes, and the values stay
    Ys = at.matrix("Ys", shape=(5, 2))
    n = at.constant(np.int64(4))
    hs = arignote.scan(lambda x, y, h: h + x, sequences=[X, Ys], outputs_info=h0, n_steps=n,
                       return_updates=False)
    f = arignote.function([X, Ys, h0], hs, on_unused_input="ignore")
    (node,) = loops_of(f)
    assert node.op.n_seqs == 1
    x = rng.normal(size=(6, 2))
    np.testing.assert_allclose(f(x, np.ones((5, 2)), np.zeros(2)), np.cumsum(x[:4], axis=0), rtol=1e-12)
    # the step count is provably the unread sequence's length: it goes too
    hs = arignote.scan(lambda y, x, h: h + x, sequences=[X * 2.0, X], outputs_info=h0,
                       n_steps=X.shape[0], return_updates=False)
    f = arignote.function([X, h0], hs)
    (node,) = loops_of(f)
    assert node.op.n_seqs == 1
    np.testing.assert_allclose(f(x, np.zeros(2)), np.cumsum(x, axis=0), rtol=1e-12)


# --- merging -------------------------------------------------------------------------

def test_loops_over_the_same_sequence_merge(rng):
    s = at.vector("s")
    a0 = at.scalar("a0")
    total, _ = arignote.scan(lambda x, a: a * 0.5 + x, sequences=s, outputs_info=a0)
    product, _ = arignote.scan(lambda x, b: b * x, sequences=s, outputs_info=at.scalar("b0"))
    outputs = [total, product]
    f = arignote.function([s, a0, product.owner.inputs[2]], outputs)
    (node,) = loops_of(f)
    assert node.op.n_seqs == 1 and node.op.n_ys == 2 and node.op.n_carries == 2
    v = rng.normal(size=6)
    same_values([s, a0, product.owner.inputs[2]], outputs, v, 0.5, 1.5)


def test_identical_carries_of_merged_loops_are_one():
    s = at.vector("s")
    a0 = at.scalar("a0")
    first, _ = arignote.scan(lambda x, a: a * 0.5 + x, sequences=s, outputs_info=a0)
    second, _ = arignote.scan(lambda x, a: [a * 0.5 + x, x * a], sequences=s, outputs_info=[a0, None])
    f = arignote.function([s, a0], [first, second[1]])
    (node,) = loops_of(f)
    assert node.op.n_carries == 1
    same_values([s, a0], [first, second[1]], np.arange(5.0), 2.0)


def test_loops_that_cannot_merge_stay_apart():
    s = at.vector("s")
    a0 = at.scalar("a0")
    first, _ = arignote.scan(lambda x, a: a + x, sequences=s, outputs_info=a0)
    # reads the first loop's result: must run after it
    second, _ = arignote.scan(lambda x, a: a * x, sequences=s, outputs_info=first[-1])
    f = arignote.function([s, a0], second)
    assert len(loops_of(f)) == 2
    same_values([s, a0], second, np.arange(1.0, 5.0), 2.0)
    # another number of steps
    n = at.iscalar("n")
    third, _ = arignote.scan(lambda a: a * 2, outputs_info=a0, n_steps=n)
    f = arignote.function([s, a0, n], [first, third])
    assert len(loops_of(f)) == 2
    # while loops stopping on different conditions
    w1, _ = arignote.scan(lambda a: (a + 1, arignote.until(a > 3)), outputs_info=a0, n_steps=n)
    w2, _ = arignote.scan(lambda a: (a + 1, arignote.until(a > 4)), outputs_info=a0, n_steps=n)
    f = arignote.function([a0, n], [w1, w2])
    assert len(loops_of(f)) == 2
    np.testing.assert_array_equal(f(0.0, 10)[0], [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(f(0.0, 10)[1], [1, 2, 3, 4, 5, 6])
    # ... and on the same one
    w3, _ = arignote.scan(lambda a: (a * 3, arignote.until(a > 3)), outputs_info=a0, n_steps=n)
    w4, _ = arignote.scan(lambda a: (a + 1, arignote.until(a > 3)), outputs_info=a0, n_steps=n)
    f = arignote.function([a0, n], [w3, w4])
    assert len(loops_of(f)) == 2  # different carries, so the conditions differ
    w5, _ = arignote.scan(lambda a: [a + 1, a * 2, arignote.until(a > 3)], outputs_info=[a0, None], n_steps=n)
    f = arignote.function([a0, n], [w4, w5[1]])
    assert len(loops_of(f)) == 1
    same_values([a0, n], [w4, w5[1]], 0.0, 10)


# --- invariants ------------------------------------------------------------------------

def direct_loop(build_body):
    """A loop built from formals (as rewrites and derivatives do), to test hoisting."""
    c = formal(11, 0, at.TensorType("float64", (None,)), "c")
    k = formal(11, 1, at.TensorType("float64", (None, None)), "k")
    update = build_body(c, k)
    return Loop([c, k], [update, update.sum()], n_seqs=0, n_carries=1, keep=[None])


def test_loop_invariant_work_is_hoisted():
    op = direct_loop(lambda c, k: at.tanh(at.exp(k).T @ c + at.log(k).sum()))
    n = at.iscalar("n")
    c0, K = at.vector("c0"), at.matrix("K")
    final, sums = op.make_node(n, c0, K).outputs
    f = arignote.function([n, c0, K], [final, sums])
    (node,) = loops_of(f)
    kinds = {type(i.op).__name__ for i in node.op.nodes}
    scalar_ops = {type(i.op.scalar_op).__name__ for i in node.op.nodes if hasattr(i.op, "scalar_op")}
    assert "Exp" not in scalar_ops and "Log" not in scalar_ops and "CAReduce" in kinds
    Kv = np.random.default_rng(0).uniform(0.5, 1.5, size=(3, 3))
    same_values([n, c0, K], [final, sums], 4, np.ones(3) * 0.1, Kv)
    got = f(0, np.ones(3), Kv)
    np.testing.assert_array_equal(got[0], np.ones(3))
    assert got[1].shape == (0,)


def test_constant_carries_become_constants():
    c = formal(12, 0, at.TensorType("float64", ()), "c")
    d = formal(12, 1, at.TensorType("float64", ()), "d")
    op = Loop([c, d], [c + d, d], n_seqs=0, n_carries=2)
    n = at.iscalar("n")
    a0, b0 = at.scalar("a0"), at.scalar("b0")
    outs = op.make_node(n, a0, b0).outputs
    f = arignote.function([n, a0, b0], outs, trace=True)
    fired = f.rewrite_trace.rules_fired()
    assert "loop_constant_carries" in fired
    # then the constant added at each step is a product: no loop is left
    assert "loop_push_out_sums" in fired and not loops_of(f)
    assert f(3, 1.0, 2.0) == [7.0, 2.0]
    assert f(0, 1.0, 2.0) == [1.0, 2.0]


def test_nested_loop_invariant_of_the_outer_step_is_hoisted(rng):
    m = at.matrix("m")
    w = at.vector("w")

    def outer_step(row, w):
        inner, _ = arignote.scan(lambda x, acc: acc + x, sequences=w, outputs_info=at.constant(0.0))
        return row * inner[-1]
    out, _ = arignote.scan(outer_step, sequences=m, non_sequences=w)
    f = arignote.function([m, w], out)
    (inner,) = loops_of(f)  # at the top level: it no longer runs per row; the outer one is a map,
    assert inner.op.n_seqs == 1  # computed for all rows at once
    mv, wv = rng.normal(size=(3, 4)), rng.normal(size=5)
    np.testing.assert_allclose(f(mv, wv), mv * wv.sum())


# --- the body goes through the same pipeline ------------------------------------------

def test_body_is_rewritten_with_the_same_mode():
    s = at.vector("s")
    out, _ = arignote.scan(lambda x, h: at.log(1 + h * x), sequences=s, outputs_info=at.constant(1.0))
    f = arignote.function([s], out, trace=True)
    assert len(loops_of(f)) == 1
    fired = f.rewrite_trace.rules_fired()
    assert "loop_body_stabilize" in fired and "log1p_from_log" in fired
    g = arignote.function([s], out, mode=arignote.Mode().excluding("log1p_from_log"), trace=True)
    assert len(loops_of(g)) == 1
    assert "log1p_from_log" not in g.rewrite_trace.rules_fired()
    np.testing.assert_allclose(f(np.array([1e-10, 1.0])), [np.log1p(1e-10), np.log1p(np.log1p(1e-10))])
