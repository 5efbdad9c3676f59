"""The carry-style ``arignote.loop(step, init, xs, n_steps)`` against NumPy loops."""

from collections import namedtuple

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.loop import LoopTypeError


def test_nested_carry_and_outputs(rng):
    xs = at.matrix("xs")
    a, s = at.vector("a"), at.scalar("s")

    def step(carry, x):
        vec, extra = carry
        return (vec + x, {"s": extra["s"] + x.sum()}), {"double": x * 2, "pair": (x[0], vec[0])}

    (vec, extra), ys = arignote.loop(step, (a, {"s": s}), xs)
    f = arignote.function([xs, a, s], [vec, extra["s"], ys["double"], ys["pair"][0], ys["pair"][1]])
    xv, av = rng.normal(size=(5, 3)), rng.normal(size=3)
    got = f(xv, av, 0.25)
    np.testing.assert_allclose(got[0], av + xv.sum(0))
    np.testing.assert_allclose(got[1], 0.25 + xv.sum())
    np.testing.assert_allclose(got[2], xv * 2)
    np.testing.assert_allclose(got[3], xv[:, 0])
    np.testing.assert_allclose(got[4], av[0] + np.concatenate([[0], np.cumsum(xv[:-1, 0])]))


def test_n_steps_without_xs_and_no_stacked_output():
    c0 = at.scalar("c0")
    n = at.iscalar("n")
    final, ys = arignote.loop(lambda c, _: (c * 3, None), c0, n_steps=n)
    assert ys is None
    f = arignote.function([c0, n], final)
    assert f(1.0, 4) == 81.0
    assert f(2.0, 0) == 2.0


def test_reverse_keeps_ys_aligned_with_xs(rng):
    xs = at.vector("xs")
    final, ys = arignote.loop(lambda c, x: (c * 0.5 + x, c), at.constant(0.0), xs, reverse=True)
    v = rng.normal(size=5)
    c, seen = 0.0, [None] * 5
    for i in reversed(range(5)):
        seen[i] = c
        c = c * 0.5 + v[i]
    got = arignote.function([xs], [final, ys])(v)
    np.testing.assert_allclose(got[0], c)
    np.testing.assert_allclose(got[1], seen)


def test_while_loop_without_bound():
    x0 = at.scalar("x0")
    # Collatz: runs until 1, however long that takes
    final, path = arignote.loop(
        lambda x, _: (at.switch(at.eq(x % 2, 0), x // 2, 3 * x + 1), x,
                      at.eq(at.switch(at.eq(x % 2, 0), x // 2, 3 * x + 1), 1)),
        at.cast(x0, "int64"))
    f = arignote.function([x0], [final, path])
    last, seen = f(27.0)
    expected, x = [], 27
    while True:
        expected.append(x)
        x = x // 2 if x % 2 == 0 else 3 * x + 1
        if x == 1:
            break
    assert last == 1
    np.testing.assert_array_equal(seen, expected)


def test_namedtuple_carry():
    State = namedtuple("State", ["pos", "vel"])
    init = State(at.scalar("p"), at.scalar("v"))
    final, _ = arignote.loop(lambda s, _: (State(s.pos + s.vel, s.vel * 0.5), None), init, n_steps=3)
    assert isinstance(final, State)
    f = arignote.function([init.pos, init.vel], [final.pos, final.vel])
    np.testing.assert_allclose(f(0.0, 1.0), [1.75, 0.125])


def test_errors():
    a = at.vector("a")
    with pytest.raises(LoopTypeError, match="structure"):
        arignote.loop(lambda c, _: ((c, c), None), a, n_steps=2)
    with pytest.raises(ValueError, match="give xs or n_steps"):
        arignote.loop(lambda c, _: (c, None), a)
    with pytest.raises(ValueError, match=r"return \(carry, y\)"):
        arignote.loop(lambda c, _: c, a, n_steps=2)
    with pytest.raises(LoopTypeError, match="dtype float64 but the step returns int64"):
        arignote.loop(lambda c, _: (at.cast(c, "int64"), None), a, n_steps=2)
    with pytest.raises(ValueError, match="different lengths"):
        arignote.loop(lambda c, x: (c, None), a, (at.vector(shape=(3,)), at.vector(shape=(4,))))
