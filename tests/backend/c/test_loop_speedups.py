"""Loops made cheaper per step: buffers that pass one element per step become scalar carries
(``loop_scalar_buffers``), so that the loop runs as one compiled scalar loop.

Values are compared with a NumPy loop and, bit for bit, with the same graph compiled without
the rewrite (the buffers carried and the body driven step by step).
"""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph import toposort
from arignote.loop.body import build_loop
from arignote.loop.op import Loop
from arignote.tensor.composite import Composite, composite_inputs
from arignote.tensor.elemwise import Elemwise

C = arignote.Mode(linker="c")
PASSES = ("loop_scalar_buffers", "loop_scalar_buffers_again")


def _loops(f) -> list[Loop]:
    return [n.op for n in toposort(f.graph_outputs) if isinstance(n.op, Loop)]


def _scalar_loop(f) -> bool:
    return any("one compiled scalar loop" in line for line in f.program.describe())


def buffered_loop(dtype: str, start: int = 0, step: int = 1, read_final: bool = False,
                  increment: bool = False):
    """A loop carrying a counter ``s``, a buffer ``b`` and a scalar ``h``, reading ``b[s]`` and
    ``b[s + 1]`` and setting ``b[s + 1]``, the way a converted scan gradient does."""
    xs, b0, n = at.vector("xs", dtype=dtype), at.vector("b0", dtype=dtype), at.iscalar("n")
    s, b, h = at.lscalar("s"), at.vector("b", dtype=dtype), at.scalar("h", dtype=dtype)
    x = at.scalar("x", dtype=dtype)
    nxt = s + step
    half = np.asarray(0.5, dtype)
    v = b[nxt] * half + b[s] * x - h * half
    write = at.inc_subtensor if increment else at.set_subtensor
    b_new = write(b[nxt], v)
    h_new = h * np.asarray(0.9, dtype) + v
    node = build_loop(1, n, [xs], [x], [at.constant(np.int64(start)), b0, at.constant(np.asarray(0, dtype))],
                      [s, b, h], [nxt, b_new, h_new], [h_new, v])
    outputs = [node.outputs[2], node.outputs[3], node.outputs[4]]
    if read_final:
        outputs.append(node.outputs[1])
    return [xs, b0, n], outputs


def numpy_loop(xs, b0, n, dtype):
    b, h, hs, vs = b0.copy(), np.asarray(0, dtype), [], []
    for t in range(n):
        v = (b[t + 1] * np.asarray(0.5, dtype) + b[t] * xs[t] - h * np.asarray(0.5, dtype)).astype(dtype)
        b[t + 1] = v
        h = (h * np.asarray(0.9, dtype) + v).astype(dtype)
        hs.append(h)
        vs.append(v)
    return h, np.asarray(hs, dtype).reshape(n), np.asarray(vs, dtype).reshape(n), b


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("steps", [0, 1, 5, 300])
def test_buffer_becomes_a_scalar_carry(dtype, steps):
    inputs, outputs = buffered_loop(dtype)
    fast = arignote.function(inputs, outputs, mode=C)
    slow = arignote.function(inputs, outputs, mode=C.excluding(*PASSES))
    assert all(op.n_carries == 2 and all(v.type.ndim == 0 for v in op.carry_inputs) for op in _loops(fast))
    assert any(v.type.ndim == 1 for op in _loops(slow) for v in op.carry_inputs)
    assert _scalar_loop(fast)
    rng = np.random.default_rng(steps)
    for length in (steps + 1, steps + 4):
        xs = rng.uniform(-0.5, 0.5, size=steps).astype(dtype)
        b0 = rng.normal(size=length).astype(dtype)
        got = fast(xs, b0, np.int32(steps))
        for a, b in zip(got, slow(xs, b0, np.int32(steps))):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype and a.shape == b.shape
        h, hs, vs, _ = numpy_loop(xs, b0, steps, dtype)
        # the terms are O(1) and the recurrence contracts (|x| < 0.5), so each step's few
        # roundings of O(1) terms give an absolute error of a few eps (relative error is
        # unbounded where a value cancels to near 0: hence atol); NumPy may round the
        # float32 products differently (no fused or wider arithmetic is assumed either way)
        tol = 1e-5 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(got[0], h, rtol=tol, atol=tol)
        np.testing.assert_allclose(got[1], hs, rtol=tol, atol=tol)
        np.testing.assert_allclose(got[2], vs, rtol=tol, atol=tol)


def test_too_short_buffer_still_fails():
    inputs, outputs = buffered_loop("float64")
    fast = arignote.function(inputs, outputs, mode=C)
    with pytest.raises((ValueError, IndexError)):
        fast(np.zeros(5), np.zeros(5), np.int32(5))


@pytest.mark.parametrize("kwargs", [dict(read_final=True), dict(start=1), dict(step=2), dict(increment=True)])
def test_other_buffers_are_left_alone(kwargs):
    inputs, outputs = buffered_loop("float64", **kwargs)
    fast = arignote.function(inputs, outputs, mode=C)
    assert any(v.type.ndim == 1 for op in _loops(fast) for v in op.carry_inputs)
    slow = arignote.function(inputs, outputs, mode=C.excluding(*PASSES))
    rng = np.random.default_rng(1)
    xs, b0 = rng.normal(size=6), rng.normal(size=20)
    for a, b in zip(fast(xs, b0, np.int32(6)), slow(xs, b0, np.int32(6))):
        np.testing.assert_array_equal(a, b)


def test_composites_sharing_a_value_in_one_scalar_loop():
    # composites are interned: two that compute the same ``i0 * i1`` share that inner value,
    # which the scalar loop's C code must still give one local per use
    i0, i1 = composite_inputs(["float64", "float64"])
    first = Elemwise(Composite([i0, i1], [i0 * i1 + 1.0]))
    second = Elemwise(Composite([i0, i1], [i0 * i1 - 2.0]))
    xs, y0 = at.vector("xs"), at.scalar("y0")
    ys = arignote.scan(lambda x, y: second(first(x, y), x), sequences=xs, outputs_info=y0,
                       return_updates=False)
    f = arignote.function([xs, y0], ys, mode=arignote.Mode(linker="c", optimizer=None))
    assert _scalar_loop(f)
    x = np.random.default_rng(0).normal(size=7)
    expected, y = [], 0.25
    for v in x:
        y = (v * y + 1.0) * v - 2.0
        expected.append(y)
    np.testing.assert_array_equal(f(x, 0.25), np.asarray(expected))


def test_scan_gradient_from_pytensor_runs_as_scalar_loops():
    pytensor = pytest.importorskip("pytensor")
    pt = pytest.importorskip("pytensor.tensor")
    from arignote.interop.pytensor import from_pytensor

    ys, q = pt.dvector("ys"), pt.dscalar("q")

    def step(y, mu, p, q):
        p_pred = p + q
        gain = p_pred / (p_pred + 1.0)
        return mu + gain * (y - mu), (1.0 - gain) * p_pred, -0.5 * (y - mu) ** 2 / (p_pred + 1.0)

    (_, _, terms), _ = pytensor.scan(step, sequences=ys, outputs_info=[pt.constant(np.float64(0.0)),
                                                                          pt.constant(np.float64(1.0)),
                                                                          None], non_sequences=q)
    logp = terms.sum()
    outs = [logp, *pytensor.grad(logp, [q, ys])]
    conv = from_pytensor(outs, [ys, q])
    fast = arignote.function(conv.inputs, conv.outputs, mode=C)
    slow = arignote.function(conv.inputs, conv.outputs, mode=C.excluding(*PASSES))
    assert all(all(v.type.ndim == 0 for v in op.carry_inputs) for op in _loops(fast))
    assert any(v.type.ndim == 1 for op in _loops(slow) for v in op.carry_inputs)
    reference = pytensor.function([ys, q], outs)
    rng = np.random.default_rng(3)
    for n in (1, 2, 40):
        values = [rng.normal(size=n), np.asarray(0.3)]
        got = fast(*values)
        for a, b, c in zip(got, slow(*values), reference(*values)):
            np.testing.assert_array_equal(a, b)
            # PyTensor evaluates the same formulas, possibly fused differently: agreement to a
            # few roundings per step, over at most 40 steps of a contracting recurrence
            np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-12)
