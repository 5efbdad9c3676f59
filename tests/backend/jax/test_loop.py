"""Loops on the JAX backend: lax.scan for known step counts, lax.while_loop for the rest."""

import pytest

jax = pytest.importorskip("jax", reason="JAX is not installed (pip install 'arignote[jax]')")

import numpy as np  # noqa: E402

import arignote  # noqa: E402
import arignote.tensor as at  # noqa: E402
from arignote.backend.jax import JaxCompileError  # noqa: E402
from arignote.graph.traversal import toposort  # noqa: E402
from arignote.loop.op import Loop  # noqa: E402


def both(inputs, outputs, *values):
    py = arignote.function(inputs, outputs, mode="PY")(*values)
    jx = arignote.function(inputs, outputs, mode="JAX")(*values)
    return py, jx


def assert_close(py, jx, rtol=1e-12):
    for a, b in zip(py, jx):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=rtol, atol=1e-14)


def rnn(x, h0, W, U, b):
    hs, _ = arignote.scan(lambda xt, h, W, U, b: at.tanh(W @ h + U @ xt + b), sequences=[x],
                          outputs_info=[h0], non_sequences=[W, U, b])
    return hs


def test_an_rnn_and_its_gradient_match_py(rng):
    x, h0, W, U, b = at.matrix("x"), at.vector("h0"), at.matrix("W"), at.matrix("U"), at.vector("b")
    hs = rnn(x, h0, W, U, b)
    loss = hs[-1].sum()
    grads = arignote.grad(loss, [W, U, b])
    values = (rng.normal(size=(20, 3)), np.zeros(4), rng.normal(size=(4, 4)) * 0.3,
              rng.normal(size=(4, 3)), rng.normal(size=4))
    assert_close(*both([x, h0, W, U, b], [hs, loss, *grads], *values))
    f = arignote.function([x, h0, W, U, b], loss, mode="JAX")
    assert any(isinstance(n.op, Loop) for n in toposort(f.graph_outputs))


def test_scan_with_taps_and_zero_steps(rng):
    x = at.matrix("x")
    fib, _ = arignote.scan(lambda a, b: a + b, outputs_info=[{"initial": x, "taps": [-2, -1]}], n_steps=6)
    assert_close(*both([x], [fib], rng.normal(size=(2, 3))))
    m = at.matrix("m")
    empty, _ = arignote.scan(lambda r: r * 2, sequences=[m])
    _, jx = both([m], [empty], np.zeros((0, 3)))
    assert jx[0].shape == (0, 3)


def test_while_loop_reading_the_last_state():
    c, n = at.dscalar("c"), at.lscalar("n")
    out, _ = arignote.scan(lambda v: (v * 2, arignote.until(v > 100)), outputs_info=[c], n_steps=n)
    f_py = arignote.function([c, n], [out[-1], out[-2:]], mode="PY")
    f_jx = arignote.function([c, n], [out[-1], out[-2:]], mode="JAX")
    for args in [(1.0, 20), (1.0, 3), (1.5, 9)]:
        assert_close(f_py(*args), f_jx(*args))
    # a loop that ran fewer steps than the rows JAX must return says so
    with pytest.raises(ValueError, match="the loop ran 1 steps, but JAX returns the last 2"):
        f_jx(300.0, 5)


def test_a_step_count_known_at_run_time_without_stacked_outputs():
    c, n = at.dscalar("c"), at.lscalar("n")
    final = arignote.loop(lambda carry, x: (carry * 2 + 1, None), c, n_steps=n)[0]
    f = arignote.function([c, n], final, mode="JAX")
    assert f(1.0, 0) == 1.0 and f(1.0, 3) == 15.0
    with pytest.raises(ValueError, match="the number of steps must be >= 0, got -1"):
        f(1.0, -1)


def test_stacked_outputs_of_a_while_loop_are_reported():
    c, n = at.dscalar("c"), at.lscalar("n")
    out, _ = arignote.scan(lambda v: (v * 2, arignote.until(v > 100)), outputs_info=[c], n_steps=n)
    with pytest.raises(JaxCompileError, match="stop condition.*kept whole"):
        arignote.function([c, n], out, mode="JAX")


def test_last_rows_of_a_long_scan_are_kept_in_a_buffer():
    x = at.dvector("x")
    hs, _ = arignote.scan(lambda h: h * 0.5 + 1, outputs_info=[x], n_steps=100_000)
    f = arignote.function([x], hs[-3:], mode="JAX")
    loop = next(n.op for n in toposort(f.graph_outputs) if isinstance(n.op, Loop))
    assert loop.keep == (3,)
    got = f(np.zeros(2))
    np.testing.assert_allclose(got, np.full((3, 2), 2.0))
    # the compiled program holds no (100000, 2) buffer
    text = jax.jit(f.jax_fn).lower(np.zeros(2)).as_text()
    assert "100000x2" not in text


@pytest.mark.parametrize("optimizer", ["fast_run", None])
def test_shapes_stacked_by_a_loop_stay_static(optimizer):
    # a per-step output computed from shapes alone is known while tracing: it can size an array
    m = at.matrix("m")
    lengths, _ = arignote.scan(lambda row: at.shape(row)[0] * 2, sequences=[m])
    f = arignote.function([m], at.zeros((lengths[0],)) + m.sum(), mode=arignote.Mode("jax", optimizer))
    assert any(isinstance(n.op, Loop) for n in toposort(f.graph_outputs))
    assert f(np.ones((3, 4))).shape == (8,)


def test_run_time_errors_inside_the_body_name_the_inner_node():
    x, i = at.matrix("x"), at.lscalar("i")
    rows, _ = arignote.scan(lambda r, i: r[i], sequences=[x], non_sequences=[i])
    f = arignote.function([x, i], rows, mode="JAX")
    np.testing.assert_array_equal(f(np.arange(6.0).reshape(2, 3), 1), [1.0, 4.0])
    with pytest.raises(IndexError, match=r"Subtensor.*test_loop.py:\d+.*index 5 is out of bounds"):
        f(np.arange(6.0).reshape(2, 3), 5)


def test_grad_of_grad_through_a_loop_matches_py(rng):
    # the backward pass of the backward pass: reversed sequences of written blocks, which
    # once crashed XLA's simplifier (reverse of a scatter) before writes became block updates
    x, h0, W, v = at.matrix("x"), at.vector("h0"), at.matrix("W"), at.matrix("v")
    hs, _ = arignote.scan(lambda xt, h, W: at.tanh(W @ h + xt), sequences=[x], outputs_info=[h0],
                          non_sequences=[W])
    gW = arignote.grad((hs[-1] ** 2).sum(), W)
    hv = (gW * v).sum()
    outputs = [hv, *arignote.grad(hv, [x, W])]
    values = (rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(3, 3)) * 0.5,
              rng.normal(size=(3, 3)))
    assert_close(*both([x, h0, W, v], outputs, *values), rtol=1e-10)


def test_reading_a_row_a_while_loop_did_not_reach_raises_index_error_as_on_py():
    # with the step count known at run time the loop keeps its last k rows in a buffer of k rows;
    # reading row -m of fewer than m steps is the IndexError of the other backends, not a
    # ValueError about static shapes
    c, n = at.dscalar("c"), at.lscalar("n")
    out, _ = arignote.scan(lambda v: v * 2, outputs_info=[c], n_steps=n)
    for row, steps in [(-1, 0), (-3, 2)]:
        f_py = arignote.function([c, n], out[row], mode="PY")
        f_jx = arignote.function([c, n], out[row], mode="JAX")
        with pytest.raises(IndexError) as py:
            f_py(1.0, steps)
        with pytest.raises(IndexError) as jx:
            f_jx(1.0, steps)
        assert str(jx.value) == str(py.value)  # "Subtensor{-1} (built at ...): index -1 is out of ..."
        assert f_jx(1.0, steps + 1) == f_py(1.0, steps + 1)
