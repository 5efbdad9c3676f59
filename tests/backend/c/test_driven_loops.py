"""Loops over arrays on the C backend: the compiled body driven by the runtime's loop.

Every program is compared with the ``py`` backend (the loop written out in
Python) and with NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph import toposort
from arignote.loop.op import Loop

C = arignote.Mode(linker="c")
PY = arignote.Mode(linker="py")


def on_both(inputs, outputs, values):
    """The C backend's outputs, checked against the py backend's."""
    f = arignote.function(inputs, outputs, mode=C)
    assert any(isinstance(n.op, Loop) for n in toposort(f.graph_outputs))
    assert any("driven by the C runtime" in line for line in f.program.describe())
    got = f(*values)
    expected = arignote.function(inputs, outputs, mode=PY)(*values)
    for a, b in zip(got if isinstance(got, list) else [got],
                    expected if isinstance(expected, list) else [expected]):
        tol = 1e-6 if a.dtype == np.float32 else 1e-12  # BLAS and libmvec round float32 differently
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
        assert a.dtype == b.dtype and a.shape == b.shape
    return got


@pytest.mark.parametrize("steps", [0, 1, 5])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_rnn_matches_numpy(steps, dtype):
    rng = np.random.default_rng(steps)
    X = at.matrix("X", dtype=dtype)
    h0 = at.vector("h0", dtype=dtype)
    W = at.matrix("W", dtype=dtype)
    hs = arignote.scan(lambda x, h, W: at.tanh(W @ h + x), sequences=X, outputs_info=h0, non_sequences=W,
                       return_updates=False)
    x = rng.normal(size=(steps, 4)).astype(dtype)
    h = rng.normal(size=4).astype(dtype)
    w = (rng.normal(size=(4, 4)) / 2).astype(dtype)
    got = on_both([X, h0, W], hs, [x, h, w])
    expected = []
    for row in x:
        h = np.tanh(w @ h + row)
        expected.append(h)
    # Error analysis: a step rounds the 4-term product W @ h, the sum with x and tanh: about
    # 8 roundings of terms of size |w||h| + |x| (< 8 here), so an absolute error of
    # 8 * 8 ulps; tanh' <= 1, and an error carried from earlier steps grows by at most
    # ||W||_2 per step.  Values near 0 (a cancellation in W @ h + x) need the absolute term.
    eps = np.finfo(dtype).eps
    growth = sum(np.linalg.norm(w.astype("float64"), 2) ** k for k in range(steps))
    np.testing.assert_allclose(got, np.asarray(expected, dtype).reshape(steps, 4),
                               rtol=8 * eps, atol=64 * eps * growth)


def test_strided_sequences_views_and_several_outputs():
    X = at.matrix("X")
    acc0 = at.vector("acc0")

    def step(x, acc):
        # the row itself, a strided view of it, and a new carry
        return [acc + x, x[::2], x * 2.0]
    (accs, evens, doubled), _ = arignote.scan(step, sequences=X.T, outputs_info=[acc0, None, None])
    x = np.arange(24.0).reshape(4, 6)
    got = on_both([X, acc0], [accs, evens, doubled], [x, np.zeros(4)])
    np.testing.assert_array_equal(got[0], np.cumsum(x.T, axis=0))
    np.testing.assert_array_equal(got[1], x.T[:, ::2])
    np.testing.assert_array_equal(got[2], 2 * x.T)


@pytest.mark.parametrize("last", [1, 2, 4])
@pytest.mark.parametrize("steps", [1, 3, 4, 9])
def test_last_rows_kept_and_the_final_carry(last, steps):
    X = at.matrix("X")
    h0 = at.vector("h0")
    hs = arignote.scan(lambda x, h: 0.5 * h + x, sequences=X, outputs_info=h0, return_updates=False)
    x = np.random.default_rng(steps).normal(size=(steps, 3))
    got = on_both([X, h0], [hs[-last:], hs[-1]], [x, np.ones(3)])
    h, rows = np.ones(3), []
    for row in x:
        h = 0.5 * h + row
        rows.append(h)
    np.testing.assert_allclose(got[0], np.asarray(rows)[-last:], rtol=1e-12)
    np.testing.assert_allclose(got[1], rows[-1], rtol=1e-12)


def test_a_carry_that_is_a_sequence_row_does_not_alias_the_input():
    X = at.matrix("X")
    h0 = at.vector("h0")
    final, _ = arignote.scan(lambda x, h: [x, h + 1.0], sequences=X, outputs_info=[h0, None])
    f = arignote.function([X, h0], final[0][-1], mode=C)
    x = np.arange(6.0).reshape(2, 3)
    out = f(x, np.zeros(3))
    np.testing.assert_array_equal(out, x[-1])
    assert not np.shares_memory(out, x)


def test_gradient_through_a_driven_loop_matches_finite_differences():
    rng = np.random.default_rng(0)
    X = at.matrix("X")
    h0 = at.vector("h0")
    W = at.matrix("W")
    hs = arignote.scan(lambda x, h, W: at.tanh(W @ h + x), sequences=X, outputs_info=h0, non_sequences=W,
                       return_updates=False)
    cost = (hs ** 2).sum()
    gW = arignote.grad(cost, W)
    x, h, w = rng.normal(size=(6, 3)), rng.normal(size=3), rng.normal(size=(3, 3)) / 2
    got = on_both([X, h0, W], gW, [x, h, w])
    value = arignote.function([X, h0, W], cost, mode=C)
    eps = 1e-6
    fd = np.zeros_like(w)
    for i in range(3):
        for j in range(3):
            e = np.zeros_like(w)
            e[i, j] = eps
            fd[i, j] = (value(x, h, w + e) - value(x, h, w - e)) / (2 * eps)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)


def test_errors_name_the_inner_node_and_the_step():
    m = at.tensor3("m")
    h0 = at.vector("h0")
    out = arignote.scan(lambda row, h: row @ h, sequences=m, outputs_info=h0, return_updates=False)
    f = arignote.function([m, h0], out, mode=C)
    with pytest.raises(ValueError, match=r"at step 0 of Loop.*test_driven_loops.py"):
        f(np.ones((2, 3, 3)), np.ones(4))
    X = at.matrix("X")
    n = at.lscalar("n")
    hs = arignote.scan(lambda x, h: h + x, sequences=X, outputs_info=h0, n_steps=n, return_updates=False)
    g = arignote.function([X, h0, n], hs, mode=C)
    with pytest.raises(ValueError, match="fewer than the 3 steps"):
        g(np.ones((2, 4)), np.ones(4), 3)
    with pytest.raises(ValueError, match="must be >= 0"):
        g(np.ones((2, 4)), np.ones(4), -1)


@pytest.mark.parametrize("limit", [5, 100, 1000])
def test_while_loops_grow_their_stacks_and_stop(limit):
    x0 = at.vector("x0")
    bound = at.lscalar("bound")

    def step(x, bound):
        new = x * 1.05 + 1.0
        return new, arignote.until(new.sum() > bound)
    xs = arignote.scan(step, outputs_info=x0, non_sequences=bound, n_steps=300, return_updates=False)
    got = on_both([x0, bound], [xs, xs[-40:], xs[-1]], [np.ones(2), np.int64(limit)])
    x, rows = np.ones(2), []
    for _ in range(300):
        x = x * 1.05 + 1.0
        rows.append(x)
        if x.sum() > limit:
            break
    rows = np.asarray(rows)
    np.testing.assert_allclose(got[0], rows, rtol=1e-12)
    np.testing.assert_allclose(got[1], rows[-40:], rtol=1e-12)
    np.testing.assert_allclose(got[2], rows[-1], rtol=1e-12)
