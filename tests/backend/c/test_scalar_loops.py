"""Loops whose step works on single elements: one compiled C loop, NumPy's values.

Each program is compared with a NumPy loop and with the same program
compiled with ``config.c_scalar_loops = False`` (the body compiled alone and
driven step by step), which must agree bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.config import config
from arignote.graph import toposort
from arignote.loop.op import Loop

C = arignote.Mode(linker="c")


def both_ways(inputs, outputs, values):
    """The outputs with one compiled scalar loop, and with the body driven per step."""
    fast = arignote.function(inputs, outputs, mode=C)
    with config.change_flags(c_scalar_loops=False):
        driven = arignote.function(inputs, outputs, mode=C)
    a, b = fast(*values), driven(*values)
    for x, y in zip(a if isinstance(a, list) else [a], b if isinstance(b, list) else [b]):
        np.testing.assert_array_equal(x, y)
    return fast, a


def has_scalar_loop(f) -> bool:
    """Whether a loop of ``f`` runs as one compiled scalar loop."""
    assert any(isinstance(n.op, Loop) for n in toposort(f.graph_outputs))
    return any("one compiled scalar loop" in line for line in f.program.describe())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("steps", [0, 1, 7, 1000])
def test_recurrence_matches_a_numpy_loop(dtype, steps):
    xs = at.vector("xs", dtype=dtype)
    a = at.scalar("a", dtype=dtype)
    ys = arignote.scan(lambda x, y, a: a * y + at.sin(x), sequences=xs,
                       outputs_info=at.constant(np.asarray(0.5, dtype)), non_sequences=a,
                       return_updates=False)
    x = np.random.default_rng(steps).normal(size=steps).astype(dtype)
    decay = np.asarray(0.9, dtype)
    f, got = both_ways([xs, a], ys, [x, decay])
    assert has_scalar_loop(f)
    expected, y = [], np.asarray(0.5, dtype)
    for v in x:
        y = (decay * y + np.sin(v)).astype(dtype)
        expected.append(y)
    np.testing.assert_allclose(got, np.asarray(expected, dtype).reshape(steps),
                               rtol=1e-5 if dtype == "float32" else 1e-12,
                               atol=1e-5 if dtype == "float32" else 0)
    assert got.dtype == dtype and got.shape == (steps,)


def test_several_carries_integers_and_strided_sequences():
    xs = at.lvector("xs")
    n = at.lscalar("n")

    def step(x, prev2, prev1, total):
        new = prev1 + prev2 + x
        return [new, total + new * 2]
    (fib, totals), _ = arignote.scan(step, sequences=xs,
                                     outputs_info=[dict(initial=at.constant(np.array([1, 1])), taps=[-2, -1]),
                                                   at.constant(np.int64(0))], n_steps=n)
    x = np.arange(40, dtype=np.int64)[::3]
    f, (got_fib, got_totals) = both_ways([xs, n], [fib, totals], [x, np.int64(10)])
    assert has_scalar_loop(f)
    p2, p1, total, fibs, tots = 1, 1, 0, [], []
    for v in x[:10]:
        p2, p1 = p1, p1 + p2 + v
        total += 2 * p1
        fibs.append(p1)
        tots.append(total)
    np.testing.assert_array_equal(got_fib, fibs)
    np.testing.assert_array_equal(got_totals, tots)


@pytest.mark.parametrize("last", [1, 3])
@pytest.mark.parametrize("steps", [0, 2, 3, 10, 11])
def test_only_the_last_rows_are_kept(last, steps):
    xs = at.vector("xs")
    ys = arignote.scan(lambda x, y: 0.5 * y + x, sequences=xs, outputs_info=at.constant(1.0),
                       return_updates=False)
    x = np.arange(float(steps))
    expected, y = [], 1.0
    for v in x:
        y = 0.5 * y + v
        expected.append(y)
    _, got = both_ways([xs], ys[-last:], [x])
    np.testing.assert_array_equal(got, np.asarray(expected)[-last:] if steps else np.zeros(0))
    if steps:
        _, final = both_ways([xs], ys[-1], [x])
        assert final == expected[-1]


def test_integer_power_of_a_negative_exponent_raises():
    ks = at.lvector("ks")
    ys = arignote.scan(lambda k, y: y + 2 ** k, sequences=ks, outputs_info=at.constant(np.int64(0)),
                       return_updates=False)
    f = arignote.function([ks], ys, mode=C)
    assert has_scalar_loop(f)
    np.testing.assert_array_equal(f(np.array([0, 1, 2])), [1, 3, 7])
    with pytest.raises(ValueError, match="negative integer powers"):
        f(np.array([1, -1, 2]))


def test_bad_inputs_name_what_was_wrong():
    xs = at.vector("xs")
    n = at.lscalar("n")
    ys = arignote.scan(lambda x, y: y + x, sequences=xs, outputs_info=at.constant(0.0), n_steps=n,
                       return_updates=False)
    f = arignote.function([xs, n], ys, mode=C)
    assert has_scalar_loop(f)
    with pytest.raises(ValueError, match="fewer than the 5 steps"):
        f(np.ones(3), 5)
    raw = arignote.function([xs, n], ys, mode=C, trust_input=True)
    with pytest.raises(TypeError, match="float64"):
        raw(np.ones(3, dtype=np.float32), np.int64(2))


def test_gradient_of_a_scalar_recurrence_matches_finite_differences():
    xs = at.vector("xs")
    a = at.scalar("a")
    ys = arignote.scan(lambda x, y, a: at.tanh(a * y + x), sequences=xs, outputs_info=at.constant(0.1),
                       non_sequences=a, return_updates=False)
    cost = ys.sum()
    ga, gx = arignote.grad(cost, [a, xs])
    x = np.random.default_rng(3).normal(size=50)
    _, (got_a, got_x) = both_ways([xs, a], [ga, gx], [x, np.float64(0.7)])
    value = arignote.function([xs, a], cost, mode=C)
    eps = 1e-6
    fd_a = (value(x, 0.7 + eps) - value(x, 0.7 - eps)) / (2 * eps)
    np.testing.assert_allclose(got_a, fd_a, rtol=1e-6)
    e = np.zeros_like(x)
    e[7] = eps
    np.testing.assert_allclose(got_x[7], (value(x + e, 0.7) - value(x - e, 0.7)) / (2 * eps), rtol=1e-6)


def test_loops_over_vectors_keep_the_driven_path():
    xs = at.matrix("xs")
    ys = arignote.scan(lambda x, y: y + x, sequences=xs, outputs_info=at.zeros(3), return_updates=False)
    f = arignote.function([xs], ys, mode=C)
    assert not has_scalar_loop(f)
    x = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(f(x), np.cumsum(x, axis=0))
