"""qr against NumPy (``numpy_qr``: NumPy's modes) and SciPy (``qr``: SciPy's modes, PyTensor 3's
``qr``): the modes, batches, derivatives for square and tall matrices, errors."""

import pickle

import numpy as np
import pytest
import scipy.linalg

import arignote
import arignote.tensor as at
from arignote.graph.op import NotDifferentiable
from arignote.tensor.linalg import QR
from arignote.tensor.linalg import qr as scipy_qr
from arignote.tensor.linalg.factorizations import numpy_qr as qr
from tests.tensor.linalg.helpers import FLOATS, check_grad, close, general, numeric_rop, run

SHAPES = [(4, 4), (5, 3), (3, 5)]


def _fix_signs(q, r):
    """Q and R with R's diagonal made non-negative (the factorisation is unique then)."""
    k = min(r.shape[-2:])
    signs = np.sign(np.diagonal(r, axis1=-2, axis2=-1)[..., :k])
    signs = np.where(signs == 0, 1, signs)
    q = q.copy()
    r = r.copy()
    q[..., :, :k] *= signs[..., None, :]
    r[..., :k, :] *= signs[..., :, None]
    return q, r


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr(rng, dtype, shape, mode):
    a = (rng.normal(size=shape) + 2 * np.eye(*shape)).astype(dtype)
    q, r = run(lambda x: qr(x, mode=mode), a)
    eq, er = np.linalg.qr(a.astype("float64"), mode=mode)
    assert q.shape == eq.shape and r.shape == er.shape and q.dtype == dtype and r.dtype == dtype
    close(q @ r, a, dtype, [a])
    np.testing.assert_array_equal(r, np.triu(r))
    gq, gr = _fix_signs(q, r)
    wq, wr = _fix_signs(eq, er)
    close(gr, wr, dtype, [a], scale=10)
    close(gq, wq, dtype, [a], scale=10)
    r_only = run(lambda x: qr(x, mode="r"), a)
    close(np.abs(r_only), np.abs(np.linalg.qr(a.astype("float64"), mode="r")), dtype, [a], scale=10)


def test_batched(rng):
    a = general(rng, 3, batch=(2, 4))
    q, r = run(qr, a)
    close(q @ r, a, "float64", [a])
    close(np.abs(r), np.abs(np.linalg.qr(a)[1]), "float64", [a], scale=10)
    check_grad(lambda x: qr(x)[1], [a[0]], rng)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3)])
def test_gradients(rng, shape):
    a = rng.normal(size=shape) + 2 * np.eye(*shape)
    check_grad(lambda x: qr(x)[0], [a], rng)
    check_grad(lambda x: qr(x)[1], [a], rng)
    check_grad(lambda x: (lambda q, r: q * 2 + r.sum())(*qr(x)), [a], rng)
    check_grad(lambda x: qr(x, mode="r"), [a], rng)


def test_gradient_complete_square_and_float32(rng):
    a = general(rng, 3)
    check_grad(lambda x: qr(x, mode="complete")[0], [a], rng)
    check_grad(lambda x: qr(x)[1], [a.astype("float32")], rng)


def test_forward_mode(rng):
    a = rng.normal(size=(4, 3)) + 2 * np.eye(4, 3)
    numeric_rop(lambda x: qr(x)[0], [a], rng)


def test_not_differentiable_cases():
    with pytest.raises(NotDifferentiable, match="tall"):
        x = at.matrix("x", shape=(3, 5))
        arignote.grad(qr(x)[1].sum(), x)
    with pytest.raises(NotDifferentiable, match="complete"):
        x = at.matrix("x", shape=(5, 3))
        arignote.grad(qr(x, mode="complete")[0].sum(), x)

    # a shape known only at run time: the derivative's triangular solve with R raises then
    x = at.matrix("x")
    g = arignote.function([x], arignote.grad(qr(x)[1].sum(), x))
    with pytest.raises(ValueError, match="square"):
        g(np.ones((2, 4)))


def test_dtypes_shapes_and_errors():
    assert qr(at.matrix(dtype="int64"))[0].dtype == "float64"
    q, r = qr(at.matrix(shape=(5, 3)))
    assert (q.type.shape, r.type.shape) == ((5, 3), (3, 3))
    q, r = qr(at.matrix(shape=(5, 3)), mode="complete")
    assert (q.type.shape, r.type.shape) == ((5, 5), (5, 3))
    assert qr(at.matrix(shape=(3, 5)), mode="r").type.shape == (3, 5)
    with pytest.raises(ValueError, match="mode"):
        qr(at.matrix(), mode="economic")
    with pytest.raises(TypeError, match="at least 2"):
        qr(at.vector())
    x = at.matrix("x")
    q, r = qr(x)
    got = arignote.function([x], [q.shape, r.shape])(np.ones((2, 5)))
    assert [list(g) for g in got] == [[2, 2], [2, 5]]


def test_ops_are_values_and_pickle():
    for op in (QR(), QR("complete"), QR("r")):
        assert pickle.loads(pickle.dumps(op)) == op
    assert QR() != QR("r")
    assert QR().gufunc_signature == "(m,n)->(m,k),(k,n)"


# --- mode "raw": LAPACK's Householder form, as NumPy gives it ---------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", SHAPES)
def test_qr_raw(rng, dtype, shape):
    a = (rng.normal(size=shape) + 2 * np.eye(*shape)).astype(dtype)
    h, tau = run(lambda x: qr(x, mode="raw"), a)
    eh, etau = np.linalg.qr(a, mode="raw")
    assert h.shape == eh.shape == shape[::-1] and tau.shape == etau.shape == (min(shape),)
    assert h.dtype == dtype and tau.dtype == dtype
    # the same routine (LAPACK's geqrf) as NumPy: to its backward error.  Another
    # implementation (JAX's) may flip a reflector's sign (beta -> -beta), which flips the sign
    # of R's row and turns tau = 1 - alpha / beta into 1 + alpha / beta: compare |R| and |tau - 1|
    close(np.abs(np.triu(h.T)), np.abs(np.triu(eh.T)), dtype, [a], scale=10)
    close(np.abs(tau - 1), np.abs(etau - 1), dtype, [a], scale=10)


def test_qr_raw_batched_and_no_derivative(rng):
    a = rng.normal(size=(2, 5, 3)) + 2 * np.eye(5, 3)
    h, tau = run(lambda x: qr(x, mode="raw"), a)
    assert h.shape == (2, 3, 5) and tau.shape == (2, 3)
    close(np.abs(np.triu(h[1].T)[:3]), np.abs(np.linalg.qr(a[1], mode="r")), "float64", [a[1]], scale=10)
    assert qr(at.matrix(shape=(5, 3)), mode="raw")[0].type.shape == (3, 5)
    assert QR("raw").gufunc_signature == "(m,n)->(n,m),(k)"
    x = at.matrix("x")
    with pytest.raises(NotDifferentiable, match="raw"):
        arignote.grad(qr(x, mode="raw")[0].sum(), x)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mode", ["full", "economic", "r", "raw", "complete", "reduced"])
def test_scipy_modes_as_pytensor_3_has_them(rng, shape, mode):
    a = rng.normal(size=shape) + 2 * np.eye(*shape)
    got = run(lambda x: scipy_qr(x, mode=mode), a)
    scipy_mode = {"complete": "full", "reduced": "economic"}.get(mode, mode)
    want = scipy.linalg.qr(a, mode=scipy_mode)
    if mode == "raw":
        (h, tau), _ = want
        want = [h, tau, np.triu(h[:min(shape), :])]  # R with k rows, as PyTensor gives it
    got = [got] if mode == "r" else got
    for g, w in zip(got, want):
        assert g.shape == w.shape
        close(np.abs(g), np.abs(w), "float64", [a], scale=10)  # signs are LAPACK's choice
    if mode in ("full", "economic"):
        close(got[0] @ got[1], a, "float64", [a])


def test_scipy_r_mode_has_a_derivative_for_tall_matrices(rng):
    a = rng.normal(size=(5, 3)) + 2 * np.eye(5, 3)
    check_grad(lambda x: scipy_qr(x, mode="r"), [a], rng)
    assert scipy_qr(at.matrix(shape=(5, 3)), mode="r").type.shape[-1] == 3
    with pytest.raises(NotImplementedError, match="pivoting"):
        scipy_qr(at.matrix(), pivoting=True)
    with pytest.raises(ValueError, match="mode must be one of"):
        scipy_qr(at.matrix(), mode="thin")
