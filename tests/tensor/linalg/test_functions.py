"""matrix_power, norm and expm against NumPy/SciPy: values, batches, keyword variants, errors and
derivatives (which come from the ops they are built of)."""

import pickle

import numpy as np
import pytest
import scipy.linalg

import arignote
import arignote.tensor as at
from arignote.tensor.linalg import Expm, expm, matrix_power, norm
from tests.tensor.linalg.helpers import FLOATS, check_grad, close, general, numeric_rop, run

VECTOR_ORDS = [None, 2, 1, np.inf, -np.inf, 0, 3, 0.5, -1]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [0, 1, 2, 5, 8, -1, -3])
def test_matrix_power(rng, dtype, n):
    a = (general(rng, 3) / 3).astype(dtype)
    got = run(lambda x: matrix_power(x, n), a)
    assert got.dtype == dtype
    close(got, np.linalg.matrix_power(a.astype("float64"), n), dtype, [a], scale=abs(n) + 1)


def test_matrix_power_batched_grad_and_errors(rng):
    a = general(rng, 3, batch=(2,)) / 3
    close(run(lambda x: matrix_power(x, 3), a), np.linalg.matrix_power(a, 3), "float64", [a])
    close(run(lambda x: matrix_power(x, 0), a), np.broadcast_to(np.eye(3), a.shape), "float64")
    check_grad(lambda x: matrix_power(x, 3), [a[0]], rng)
    check_grad(lambda x: matrix_power(x, -2), [a], rng)
    with pytest.raises(TypeError, match="integer"):
        matrix_power(at.matrix(), 1.5)
    with pytest.raises(ValueError, match="square"):
        matrix_power(at.matrix(shape=(2, 3)), 2)
    with pytest.raises(TypeError, match="at least 2"):
        matrix_power(at.vector(), 2)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # NumPy's, for ord=-1 at a 0
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("ord", VECTOR_ORDS)
def test_vector_norms(rng, dtype, ord):
    v = rng.normal(size=6).astype(dtype)
    v[2] = 0
    got = run(lambda x: norm(x, ord), v)
    assert got.dtype == dtype
    close(got, np.linalg.norm(v.astype("float64"), ord), dtype, scale=10)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norms(rng, dtype, ord):
    a = rng.normal(size=(4, 3)).astype(dtype)
    got = run(lambda x: norm(x, ord), a)
    assert got.dtype == dtype
    close(got, np.linalg.norm(a.astype("float64"), ord), dtype, scale=10)


@pytest.mark.parametrize("ord, axis", [(None, 1), (1, 0), (np.inf, -1), (None, (0, 2)),
                                       ("nuc", (2, 0)), (2, (1, 2)), (1, (2, 1)), (-np.inf, (0, 1))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_axes_and_keepdims(rng, ord, axis, keepdims):
    x = rng.normal(size=(2, 3, 4))
    got = run(lambda t: norm(t, ord, axis=axis, keepdims=keepdims), x)
    close(got, np.linalg.norm(x, ord, axis=axis, keepdims=keepdims), "float64", scale=10)


def _stacked_norms(x: np.ndarray, ord, keepdims: bool) -> np.ndarray:
    """NumPy's matrix norm of each matrix over the last two axes of ``x``."""
    flat = x.reshape(-1, *x.shape[-2:])
    parts = [np.linalg.norm(m, ord, keepdims=keepdims) for m in flat]
    return np.stack(parts).reshape(*x.shape[:-2], *parts[0].shape)


@pytest.mark.parametrize("dtype", [*FLOATS, "complex64", "complex128"])
@pytest.mark.parametrize("ord", MATRIX_ORDS + ["f", "inf", "-inf"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_batched_matrix_norms(rng, dtype, ord, keepdims):
    """axis=None with more than two axes: PyTensor's rule, a matrix norm per matrix of the
    last two axes (NumPy would take the 2-norm of all entries, or refuse an ``ord``)."""
    x = rng.normal(size=(2, 3, 4, 3))
    if dtype.startswith("complex"):
        x = x + 1j * rng.normal(size=x.shape)
    x = x.astype(dtype)
    np_ord = {"f": "fro", "inf": np.inf, "-inf": -np.inf}.get(ord, ord)
    got = run(lambda t: norm(t, ord, keepdims=keepdims), x)
    assert got.dtype == np.empty(0, dtype).real.dtype
    close(got, _stacked_norms(x.astype("complex128" if dtype.startswith("c") else "float64"), np_ord,
                              keepdims), dtype, scale=10)


def test_batched_norm_static_shape_and_gradients(rng):
    x = at.tensor("x", shape=(2, 3, 4))
    assert norm(x).type.shape == (2,)
    assert norm(x, 2, keepdims=True).type.shape == (2, 1, 1)
    assert norm(x, axis=-1).type.shape == (2, 3)
    point = rng.normal(size=(2, 3, 4))
    for ord in (None, "nuc", 2, 1, -np.inf):
        check_grad(lambda t, o=ord: norm(t, o), [point], rng)


def test_pytensor_spellings():
    """The orders only PyTensor spells ("f", "inf", "-inf") and "fro" over one axis of a
    matrix (PyTensor: the 2-norm of each row or column)."""
    a = np.array([[3.0, -4.0], [1.0, 2.0]])
    assert run(lambda t: norm(t, "f"), a) == pytest.approx(np.linalg.norm(a, "fro"))
    assert run(lambda t: norm(t, "inf"), a) == pytest.approx(np.linalg.norm(a, np.inf))
    assert run(lambda t: norm(t, "-inf"), a) == pytest.approx(np.linalg.norm(a, -np.inf))
    close(run(lambda t: norm(t, "fro", axis=1), a), np.linalg.norm(a, axis=1), "float64")
    assert run(lambda t: norm(t, "inf"), a[0]) == pytest.approx(4.0)
    assert run(lambda t: norm(t), np.array(-3.0)) == 3.0  # a 0-d x without ord, as NumPy


def test_integer_input_and_errors():
    x = at.matrix("x", dtype="int64")
    assert norm(x).dtype == "float64"
    np.testing.assert_allclose(arignote.function([x], norm(x, 1))(np.array([[1, -2], [3, 4]])), 6.0)
    # PyTensor's messages, which its users match on
    with pytest.raises(ValueError, match="Invalid norm order for matrices: bad"):
        norm(at.matrix(), "bad")
    with pytest.raises(ValueError, match="Invalid norm order 'fro' for vectors"):
        norm(at.vector(), "fro")
    with pytest.raises(ValueError, match="Invalid norm order for matrices: 3"):
        norm(at.matrix(), 3)
    with pytest.raises(ValueError, match="Invalid norm order for matrices: 0"):
        norm(at.tensor3(), 0)
    with pytest.raises(ValueError, match="core_dims = 0"):
        norm(at.scalar(), 2)
    with pytest.raises(TypeError, match="'axis' must be None, an integer, or a tuple of integers"):
        norm(at.matrix(), axis=at.iscalar("i"))
    with pytest.raises(TypeError, match="'axis' must be"):
        norm(at.matrix(), axis=1.0)
    with pytest.raises(ValueError, match="out of bounds"):
        norm(at.matrix(), axis=2)
    with pytest.raises(ValueError, match="duplicate"):
        norm(at.matrix(), axis=(1, -1))
    with pytest.raises(ValueError, match="one or two axes"):
        norm(at.tensor3(), axis=(0, 1, 2))


def test_gradients(rng):
    v = rng.normal(size=5)
    for ord in (None, 1, np.inf, 3):
        check_grad(lambda x, o=ord: norm(x, o), [v], rng)
    a = rng.normal(size=(4, 3))
    for ord in ("fro", "nuc", 2, 1, -np.inf):
        check_grad(lambda x, o=ord: norm(x, o), [a], rng)
    check_grad(lambda x: norm(x, 2, axis=(0, 2)), [rng.normal(size=(3, 2, 4))], rng)


# --- expm -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_expm(rng, dtype):
    a = (rng.normal(size=(4, 4)) / 2).astype(dtype)
    got = run(expm, a)
    assert got.dtype == dtype
    close(got, scipy.linalg.expm(a.astype("float64")), dtype, [scipy.linalg.expm(a.astype("float64"))])


def test_expm_batched_errors_and_pickle(rng):
    a = rng.normal(size=(2, 3, 3)) / 2
    close(run(expm, a), np.stack([scipy.linalg.expm(m) for m in a]), "float64", scale=10)
    assert expm(at.matrix(dtype="int64")).dtype == "float64"
    with pytest.raises(ValueError, match="square"):
        expm(at.matrix(shape=(2, 3)))
    with pytest.raises(TypeError, match="at least 2"):
        expm(at.vector())
    assert pickle.loads(pickle.dumps(Expm())) == Expm()
    assert Expm().gufunc_signature == "(m,m)->(m,m)"


def test_expm_derivatives(rng):
    a = rng.normal(size=(3, 3)) / 2
    check_grad(expm, [a], rng)
    check_grad(expm, [rng.normal(size=(2, 3, 3)) / 2], rng)
    numeric_rop(expm, [a], rng)
