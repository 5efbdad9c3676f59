"""take, nonzero and flatnonzero against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from tests.checks import check_against_numpy, random_array


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "bool"])
@pytest.mark.parametrize("axis", [0, 1, -1, 2, -3])
@pytest.mark.parametrize("indices", [[0, 2, 0], [[1], [-1]], 1, -2, []], ids=repr)
@pytest.mark.parametrize("static", [False, True])
def test_take_constant_indices(rng, dtype, axis, indices, static):
    value = random_array(rng, (3, 4, 5), dtype)
    check_against_numpy(lambda a: at.take(a, indices, axis=axis),
                        lambda v: np.take(v, indices, axis=axis), value, static=static)


@pytest.mark.parametrize("index_dtype", ["int32", "int64", "uint8"])
def test_take_symbolic_indices(rng, index_dtype):
    value = random_array(rng, (3, 4))
    idx = np.array([[3, 0], [1, 1]], dtype=index_dtype)
    for axis in (1, -1):
        check_against_numpy(lambda a, i: at.take(a, i, axis=axis),
                            lambda v, i: np.take(v, i, axis=axis), value, idx)
        check_against_numpy(lambda a, i: a.take(i, axis=axis),
                            lambda v, i: v.take(i, axis=axis), value, idx)


def test_take_flat(rng):
    vector = random_array(rng, (6,))
    check_against_numpy(lambda a: at.take(a, [5, -6, 0]), lambda v: np.take(v, [5, -6, 0]), vector)
    check_against_numpy(lambda a: at.take(a, np.array([True, False])),
                        lambda v: np.take(v, np.array([True, False])), vector)
    if not hasattr(at, "flatten"):
        pytest.skip("at.flatten is not available yet")
    matrix = random_array(rng, (3, 4))
    check_against_numpy(lambda a: at.take(a, [[11, 0]]), lambda v: np.take(v, [[11, 0]]), matrix)


def test_take_errors(rng):
    a = at.matrix("a")
    with pytest.raises(TypeError, match="take: indices must be integers"):
        at.take(a, [0.5], axis=0)
    with pytest.raises(np.exceptions.AxisError):
        at.take(a, [0], axis=2)
    with pytest.raises(ValueError, match="mode"):
        at.take(a, [0], axis=0, mode="nearest")
    i = at.lvector("i")
    f = arignote.function([a, i], at.take(a, i, axis=1))
    with pytest.raises(IndexError, match="out of bounds"):
        f(random_array(rng, (2, 3)), np.array([3]))


@pytest.mark.parametrize("mode", ["wrap", "clip"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_take_wrap_and_clip(rng, mode, axis):
    matrix = random_array(rng, (3, 4))
    wild = np.array([[-7, 5, 0], [13, -1, 3]])  # below, inside and beyond every axis
    check_against_numpy(lambda v, i: v.take(i, axis=axis, mode=mode),
                        lambda v, i: np.take(v, i, axis=axis, mode=mode), matrix, wild)
    # the derivative goes to the element each index lands on, as NumPy's add.at would
    a, i = at.dmatrix("a"), at.lmatrix("i")
    cost = at.take(a, i, axis=axis, mode=mode).sum()
    grad = arignote.function([a, i], arignote.grad(cost, a))(matrix, wild)
    expected = np.zeros(matrix.size if axis is None else matrix.shape)
    landing = np.take(np.arange(expected.shape[0 if axis in (None, 0) else 1]), wild, mode=mode)
    if axis is None:
        np.add.at(expected, landing, 1.0)
        expected = expected.reshape(matrix.shape)
    elif axis == 0:
        np.add.at(expected, (landing.ravel(),), 1.0)
    else:
        np.add.at(expected, (slice(None), landing.ravel()), 1.0)
    np.testing.assert_array_equal(grad, expected)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "bool"])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 0, 3), (2, 3, 2)])
@pytest.mark.parametrize("static", [False, True])
def test_nonzero_and_flatnonzero(rng, dtype, shape, static):
    value = random_array(rng, shape, dtype, low=-1, high=1)
    check_against_numpy(lambda a: list(at.nonzero(a)), lambda v: list(np.nonzero(v)), value,
                        static=static)
    check_against_numpy(at.flatnonzero, np.flatnonzero, value, static=static)


def test_nonzero_types_and_errors(rng):
    x = at.matrix("x")
    rows, cols = at.nonzero(x)
    assert rows.type == cols.type == at.TensorType("int64", (None,))
    assert at.flatnonzero(at.tensor(shape=(0, 3))).type.shape == (0,)
    with pytest.raises(ValueError, match="0-d"):
        at.nonzero(at.scalar())
    check_against_numpy(at.flatnonzero, np.flatnonzero, np.asarray(2.0))
    # nonzero feeds advanced indexing as in NumPy
    value = random_array(rng, (3, 4))
    check_against_numpy(lambda a: a[at.nonzero(a > 0)], lambda v: v[np.nonzero(v > 0)], value)
