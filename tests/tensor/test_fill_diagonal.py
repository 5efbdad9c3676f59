"""fill_diagonal and fill_diagonal_offset against NumPy (np.fill_diagonal on a copy, and the
offset diagonal written through np.diag's indices): values, static shapes, dtypes, errors and
derivatives."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from tests.checks import FLOAT_DTYPES, check_against_numpy, random_array


def _np_fill(a: np.ndarray, val) -> np.ndarray:
    out = a.copy()
    np.fill_diagonal(out, val)
    return out


def _np_fill_offset(a: np.ndarray, val, offset: int) -> np.ndarray:
    out = a.copy()
    rows = np.arange(a.shape[0])
    cols = rows + offset
    inside = (cols >= 0) & (cols < a.shape[1])
    out[rows[inside], cols[inside]] = val
    return out


@pytest.mark.parametrize("dtype", [*FLOAT_DTYPES, "int32", "complex64"])
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3), (1, 4), (0, 3), (3, 3, 3), (2, 2, 2, 2)])
@pytest.mark.parametrize("static", [False, True])
def test_fill_diagonal(rng, dtype, shape, static):
    a = random_array(rng, shape, dtype)
    val = np.array(7, dtype=dtype)
    check_against_numpy(at.fill_diagonal, _np_fill, a, val, static=static)
    # a Python number takes a's dtype
    check_against_numpy(lambda x: at.fill_diagonal(x, 2), lambda x: _np_fill(x, 2), a, static=static)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (3, 6), (6, 3)])
@pytest.mark.parametrize("offset", [-6, -3, -1, 0, 1, 2, 5, 6])
def test_fill_diagonal_offset(rng, dtype, shape, offset):
    a = random_array(rng, shape, dtype)
    val = np.array(-2.5, dtype=dtype)
    check_against_numpy(lambda x, v: at.fill_diagonal_offset(x, v, offset),
                        lambda x, v: _np_fill_offset(x, v, offset), a, val)
    check_against_numpy(lambda x, v: at.fill_diagonal_offset(x, v, offset),
                        lambda x, v: _np_fill_offset(x, v, offset), a, val, static=True)


def test_fill_diagonal_offset_symbolic_offset(rng):
    """PyTensor's offset may be an input; the diagonal's length then depends on its value
    (a shape JAX cannot trace: an expected failure under --mode JAX)."""
    x, v, k = at.matrix("x"), at.scalar("v"), at.iscalar("k")
    f = arignote.function([x, v, k], at.fill_diagonal_offset(x, v, k))
    for shape in [(5, 8), (8, 5), (5, 5)]:
        a = rng.normal(size=shape)
        for offset in (-5, -4, -1, 0, 1, 4, 5, 9):
            np.testing.assert_array_equal(f(a, 3.0, offset), _np_fill_offset(a, 3.0, offset))


def test_static_shapes_exports_and_errors():
    assert at.fill_diagonal(at.tensor(dtype="float32", shape=(3, 4)), 1).type.shape == (3, 4)
    assert at.fill_diagonal_offset(at.matrix(shape=(2, None)), 1.0, 1).type.shape == (2, None)
    from arignote.tensor import extra_ops  # PyTensor's module for them
    assert extra_ops.fill_diagonal is at.fill_diagonal
    assert extra_ops.fill_diagonal_offset is at.fill_diagonal_offset
    with pytest.raises(TypeError, match="at least two dimensions"):
        at.fill_diagonal(at.vector(), 1.0)
    with pytest.raises(TypeError, match="scalar"):
        at.fill_diagonal(at.matrix(), at.vector())
    with pytest.raises(TypeError, match="cast val to float32"):
        at.fill_diagonal(at.matrix(dtype="float32"), at.scalar(dtype="float64"))
    with pytest.raises(TypeError, match="cast val to int64"):
        at.fill_diagonal(at.matrix(dtype="int64"), at.scalar(dtype="float32"))
    with pytest.raises(ValueError, match="equal length"):
        at.fill_diagonal(at.tensor(shape=(3, 4, 3)), 1.0)
    with pytest.raises(TypeError, match="2-d"):
        at.fill_diagonal_offset(at.tensor3(), 1.0, 0)
    with pytest.raises(TypeError, match="integer"):
        at.fill_diagonal_offset(at.matrix(), 1.0, 1.5)
    with pytest.raises(TypeError, match="integer"):
        at.fill_diagonal_offset(at.matrix(), 1.0, True)
    # NumPy's check that the lengths of an n-d array are equal, at run time
    t = at.tensor3("t")
    f = arignote.function([t], at.fill_diagonal(t, 1.0))
    with pytest.raises(ValueError):
        f(np.zeros((3, 4, 3)))


@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (3, 3, 3)])
def test_fill_diagonal_grad(rng, shape):
    # a's cotangent with the diagonal zeroed; val's the sum of the diagonal's
    verify_grad(at.fill_diagonal, [rng.random(shape), np.array(rng.random())], n_tests=1, rng=rng)


@pytest.mark.parametrize("offset", [-5, -2, 0, 3, 7])
@pytest.mark.parametrize("shape", [(5, 8), (8, 5)])
def test_fill_diagonal_offset_grad(rng, shape, offset):
    verify_grad(lambda a, v: at.fill_diagonal_offset(a, v, offset),
                [rng.random(shape), np.array(rng.random())], n_tests=1, rng=rng)


def test_grad_values(rng):
    a, v = at.matrix("a"), at.scalar("v")
    weights = rng.normal(size=(3, 4))
    cost = (at.fill_diagonal(a, v) * weights).sum()
    ga, gv = arignote.function([a, v], arignote.grad(cost, [a, v]))(np.zeros((3, 4)), 0.0)
    expected = weights.copy()
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(ga, expected)
    np.testing.assert_allclose(gv, np.trace(weights))


def test_float32_grad(rng):
    verify_grad(at.fill_diagonal, [rng.random((4, 6)).astype("float32"),
                                   np.array(rng.random(), dtype="float32")], n_tests=1, rng=rng)


def test_matrix_transpose_mT(rng):
    """``x.mT``: NumPy's ndarray.mT (the last two axes swapped), for stacks too."""
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    check_against_numpy(lambda t: t.mT, lambda t: t.mT, x)
    check_against_numpy(lambda t: t.mT, lambda t: t.mT, x, static=True)
    check_against_numpy(lambda t: t.mT, lambda t: t.mT, x[0])
    assert at.tensor(shape=(2, 3, 4)).mT.type.shape == (2, 4, 3)
    with pytest.raises(ValueError, match="at least 2-dimensional"):
        _ = at.vector().mT
    with pytest.raises(ValueError, match="at least 2-dimensional"):
        at.matrix_transpose(at.vector())
    verify_grad(lambda t: t.mT, [rng.normal(size=(2, 3, 4))], n_tests=1, rng=rng)
