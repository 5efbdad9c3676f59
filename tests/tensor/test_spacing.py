"""linspace, logspace, geomspace (arignote/tensor/spacing.py), moveaxis, broadcast_arrays and
broadcast_shape, against NumPy on the py and C backends, with derivatives."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad

MODES = ["PY", "FAST_RUN"]
# a few float64 operations per sample (i * step + start): rounding of a few ulps, relative to
# the larger bound
RTOL = 8 * np.finfo(np.float64).eps


def _close(got, want):
    scale = np.maximum(np.abs(want), 1.0)
    np.testing.assert_array_less(np.abs(got - want), RTOL * scale + 1e-300)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("endpoint", [True, False])
@pytest.mark.parametrize(("start", "stop", "num"), [
    (0.0, 1.0, 5), (2.0, -3.0, 7), (1.0, 1.0, 3), (0.0, 1.0, 1), (0.0, 1.0, 0), (-5, 5, 11),
    (np.array([0.0, 1.0]), np.array([1.0, 3.0]), 4), (np.zeros((2, 1)), np.arange(3.0), 6),
])
def test_linspace_matches_numpy(mode, endpoint, start, stop, num):
    got = arignote.function([], at.linspace(start, stop, num, endpoint=endpoint), mode=mode)()
    want = np.linspace(start, stop, num, endpoint=endpoint)
    assert got.shape == want.shape and got.dtype == np.float64
    _close(got, want)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_linspace_axis_and_retstep(axis):
    start, stop = np.array([0.0, 1.0]), np.array([1.0, 5.0])
    got, step = arignote.function([], list(at.linspace(start, stop, 5, axis=axis, retstep=True)))()
    want, want_step = np.linspace(start, stop, 5, axis=axis, retstep=True)
    _close(got, want)
    _close(step, want_step)
    one_step = at.linspace(0.0, 1.0, 1, retstep=True)[1].eval()
    assert np.isnan(one_step) and np.isnan(np.linspace(0.0, 1.0, 1, retstep=True)[1])


def test_symbolic_num_and_dtype():
    n = at.lscalar("n")
    f = arignote.function([n], at.linspace(0.0, 1.0, n, dtype="float32"))
    assert f(4).dtype == np.float32
    np.testing.assert_allclose(f(4), np.linspace(0, 1, 4, dtype=np.float32), rtol=1e-7)
    with pytest.raises(TypeError, match="num must be an integer"):
        at.linspace(0.0, 1.0, 2.5)


@pytest.mark.parametrize("mode", MODES)
def test_logspace_and_geomspace_match_numpy(mode):
    cases = [
        (at.logspace(0.0, 3.0, 4), np.logspace(0.0, 3.0, 4)),
        (at.logspace(1.0, 2.0, 5, base=2.0, endpoint=False),
         np.logspace(1.0, 2.0, 5, base=2.0, endpoint=False)),
        (at.logspace(np.array([0.0, 1.0]), 2.0, 3, base=np.array([2.0, 10.0])),
         np.logspace(np.array([0.0, 1.0]), 2.0, 3, base=np.array([2.0, 10.0]))),
        (at.geomspace(1.0, 1000.0, 4), np.geomspace(1.0, 1000.0, 4)),
        (at.geomspace(-1.0, -16.0, 5), np.geomspace(-1.0, -16.0, 5)),
        (at.geomspace(2.0, 3.0, 6, endpoint=False, axis=0), np.geomspace(2.0, 3.0, 6, endpoint=False)),
        (at.geomspace(np.array([1.0, 2.0]), np.array([8.0, 32.0]), 4, axis=1),
         np.geomspace(np.array([1.0, 2.0]), np.array([8.0, 32.0]), 4, axis=1)),
    ]
    outs = arignote.function([], [c[0] for c in cases], mode=mode)()
    for got, (_, want) in zip(outs, cases):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=32 * np.finfo(np.float64).eps)
    # the ends are exact, as NumPy's
    ends = arignote.function([], at.geomspace(3.0, 7.0, 9), mode=mode)()
    assert ends[0] == 3.0 and ends[-1] == 7.0


def test_linspace_derivatives():
    rng = np.random.default_rng(0)
    verify_grad(lambda a, b: at.linspace(a, b, 5).sum() * 1.0, [rng.normal(size=2), rng.normal(size=2)],
                rng=rng)
    verify_grad(lambda a, b: (at.geomspace(a, b, 4) ** 2).sum(), [np.array(1.5), np.array(6.0)], rng=rng)


@pytest.mark.parametrize(("source", "destination", "shape"), [
    (0, -1, (2, 3, 4)), (-1, 0, (2, 3, 4)), ([0, 1], [-1, -2], (2, 3, 4)), (1, 1, (2, 3)),
])
def test_moveaxis(source, destination, shape):
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    np.testing.assert_array_equal(at.moveaxis(at.constant(x), source, destination).eval(),
                                  np.moveaxis(x, source, destination))
    with pytest.raises(ValueError, match="repeated axis"):
        at.moveaxis(at.constant(x), [0, 0], [1, 0])


def test_broadcast_arrays_and_shape():
    a, b = at.tensor("a", shape=(None, 1)), at.dvector("b")  # the 1 declared: it stretches
    f = arignote.function([a, b], [*at.broadcast_arrays(a, b), *at.broadcast_shape(a, b)])
    x, y = np.ones((3, 1)), np.arange(4.0)
    ga, gb, s0, s1 = f(x, y)
    wa, wb = np.broadcast_arrays(x, y)
    np.testing.assert_array_equal(ga, wa)
    np.testing.assert_array_equal(gb, wb)
    assert (int(s0), int(s1)) == (3, 4)
    shape = at.broadcast_shape((2, 1), (1, 5), arrays_are_shapes=True)
    assert [int(s.eval()) for s in shape] == [2, 5]
