"""svd against NumPy: values (singular vectors up to sign), shapes of the modes, batches,
derivatives where they are defined, and where they are not."""

import pickle

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph.op import NotDifferentiable
from arignote.tensor.linalg import SVD, Eig, Eigvals, eig, eigvals, svd
from tests.tensor.linalg.helpers import FLOATS, check_grad, close, numeric_rop, run

SHAPES = [(4, 4), (5, 3), (3, 5)]


def _separated(rng, m, n, dtype="float64", batch=()):
    """A matrix with distinct singular values well away from zero (gaps >= 1)."""
    k = min(m, n)
    u, _ = np.linalg.qr(rng.normal(size=(*batch, m, m)))
    v, _ = np.linalg.qr(rng.normal(size=(*batch, n, n)))
    s = np.arange(k, 0, -1) + 1.0 + rng.uniform(0, 0.2, k)
    return (u[..., :, :k] * s) @ np.swapaxes(v[..., :, :k], -1, -2)


def _scale(a):
    return [np.eye(a.shape[-1]) * np.abs(a).max()]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("full_matrices", [True, False])
def test_svd(rng, dtype, shape, full_matrices):
    a = _separated(rng, *shape).astype(dtype)
    u, s, vh = run(lambda x: svd(x, full_matrices=full_matrices), a)
    eu, es, evh = np.linalg.svd(a.astype("float64"), full_matrices=full_matrices)
    assert u.shape == eu.shape and vh.shape == evh.shape and s.dtype == dtype and u.dtype == dtype
    close(s, es, dtype, _scale(a))
    k = min(shape)
    close((u[:, :k] * s) @ vh[:k], a, dtype, _scale(a))
    close(u.T @ u, np.eye(u.shape[1]), dtype, scale=10)
    close(vh @ vh.T, np.eye(vh.shape[0]), dtype, scale=10)
    close(run(lambda x: svd(x, compute_uv=False), a), es, dtype, _scale(a))


def test_batched(rng):
    a = _separated(rng, 4, 3, batch=(2, 3))
    u, s, vh = run(lambda x: svd(x, full_matrices=False), a)
    close(s, np.linalg.svd(a, compute_uv=False), "float64", _scale(a))
    close(u * s[..., None, :] @ vh, a, "float64", _scale(a))
    assert run(lambda x: svd(x), a)[0].shape == (2, 3, 4, 4)
    check_grad(lambda x: svd(x, compute_uv=False), [a[0]], rng)
    check_grad(lambda x: svd(x, full_matrices=False)[0] ** 2, [a[:, 0]], rng)


def test_dtypes_shapes_and_errors():
    assert svd(at.matrix(dtype="int64"), compute_uv=False).dtype == "float64"
    assert svd(at.matrix(dtype="int8"))[0].dtype == "float32"
    u, s, vh = svd(at.matrix(shape=(5, 3)))
    assert (u.type.shape, s.type.shape, vh.type.shape) == ((5, 5), (3,), (3, 3))
    u, s, vh = svd(at.matrix(shape=(5, 3)), full_matrices=False)
    assert (u.type.shape, s.type.shape, vh.type.shape) == ((5, 3), (3,), (3, 3))
    with pytest.raises(TypeError, match="at least 2"):
        svd(at.vector())
    x = at.matrix("x")
    u, s, vh = svd(x, full_matrices=False)
    got = arignote.function([x], [u.shape, s.shape, vh.shape])(np.ones((2, 5)))
    assert [list(g) for g in got] == [[2, 2], [2], [2, 5]]


@pytest.mark.parametrize("shape", SHAPES)
def test_gradients(rng, shape):
    a = _separated(rng, *shape)
    check_grad(lambda x: svd(x, compute_uv=False), [a], rng)
    check_grad(lambda x: svd(x)[1], [a], rng)  # s of the full SVD: any shape
    # sign-free functions of the singular vectors (thin SVD)
    check_grad(lambda x: svd(x, full_matrices=False)[0] ** 2, [a], rng)
    check_grad(lambda x: svd(x, full_matrices=False)[2] ** 2, [a], rng)
    check_grad(lambda x: (lambda u, s, vh: (u * s) @ vh)(*svd(x, full_matrices=False)), [a], rng)


def test_gradient_square_full_and_float32(rng):
    a = _separated(rng, 3, 3)
    check_grad(lambda x: svd(x)[0] ** 2 + svd(x)[2] ** 2, [a], rng)
    check_grad(lambda x: svd(x, compute_uv=False), [a.astype("float32")], rng)


def test_forward_mode(rng):
    a = _separated(rng, 4, 3)
    numeric_rop(lambda x: svd(x, compute_uv=False), [a], rng)
    numeric_rop(lambda x: svd(x, full_matrices=False)[0] ** 2, [a], rng)


def test_full_matrices_vectors_of_a_rectangular_matrix_are_not_differentiable():
    x = at.matrix("x", shape=(5, 3))
    with pytest.raises(NotDifferentiable, match="full_matrices"):
        arignote.grad((svd(x)[0] ** 2).sum(), x)


def test_full_matrices_vectors_of_unknown_shape_are_checked_square_at_run_time(rng):
    # the shape is known only at run time: a square matrix gets its derivative, a
    # rectangular one raises saying why (it used to fail on a broadcast deep in the rule)
    x = at.matrix("x")
    cost = (svd(x)[0] ** 2).sum() + (svd(x)[2] ** 2).sum()
    grad = arignote.function([x], arignote.grad(cost, x))
    square = _separated(rng, 3, 3)
    assert grad(square).shape == (3, 3)
    # against finite differences (check_grad's inputs have unknown lengths too)
    check_grad(lambda v: svd(v)[0] ** 2 + svd(v)[2] ** 2, [square], rng)
    with pytest.raises(ValueError, match="square matrices only"):
        grad(_separated(rng, 4, 3))


def test_ops_are_values_and_pickle():
    for op in (SVD(), SVD(full_matrices=False), SVD(compute_uv=False)):
        assert pickle.loads(pickle.dumps(op)) == op
        assert hash(op) == hash(pickle.loads(pickle.dumps(op)))
    assert SVD() != SVD(full_matrices=False)
    assert SVD().gufunc_signature == "(m,n)->(m,m),(k),(n,n)"
    assert SVD(compute_uv=False).gufunc_signature == "(m,n)->(k)"


# --- eig, eigvals -------------------------------------------------------------------------

def _sorted(w):
    return np.sort_complex(np.asarray(w, dtype="complex128"))


@pytest.mark.parametrize("dtype", FLOATS)
def test_eig_and_eigvals(rng, dtype):
    a = rng.normal(size=(4, 4)).astype(dtype)  # complex eigenvalues in general
    w, v = run(eig, a)
    complex_dtype = "complex64" if dtype == "float32" else "complex128"
    assert w.dtype == complex_dtype and v.dtype == complex_dtype
    expected = np.linalg.eigvals(a.astype("float64"))
    close(_sorted(w), _sorted(expected), dtype, [a], scale=10)
    close(a @ v, v * w, dtype, [a], scale=10)
    close(np.linalg.norm(v, axis=0), np.ones(4), dtype, scale=10)
    close(_sorted(run(eigvals, a)), _sorted(expected), dtype, [a], scale=10)


def test_eig_batched_dtypes_and_errors(rng):
    a = rng.normal(size=(2, 3, 3))
    w, v = run(eig, a)
    close(a @ v, v * w[..., None, :], "float64", [a[0], a[1]], scale=10)
    close(np.sort_complex(run(eigvals, a)), np.sort_complex(np.linalg.eigvals(a)), "float64",
          [a[0], a[1]], scale=10)
    assert eigvals(at.matrix(dtype="int64")).dtype == "complex128"
    assert eig(at.matrix(dtype="float32"))[1].dtype == "complex64"
    with pytest.raises(ValueError, match="square"):
        eigvals(at.matrix(shape=(2, 3)))
    with pytest.raises(TypeError, match="at least 2"):
        eig(at.vector())


def test_eig_is_not_differentiable():
    # the complex results stop most graphs before they reach eig; the ops say so themselves
    x = at.matrix("x")
    w, v = eig(x)
    with pytest.raises(NotDifferentiable, match="eigh"):
        Eig().pullback([x], [w, v], [at.ones_like(w), None])
    with pytest.raises(NotDifferentiable, match="eigvalsh"):
        Eigvals().pullback([x], [w], [at.ones_like(w)])


def test_eig_ops_pickle():
    for op in (Eig(), Eigvals()):
        assert pickle.loads(pickle.dumps(op)) == op
    assert Eig().gufunc_signature == "(m,m)->(m),(m,m)"
