"""eigh and eigvalsh: values against SciPy (eigenvectors up to sign), the triangle read,
derivatives where eigenvalues are distinct, and the limit where they are not."""

import pickle

import numpy as np
import pytest
import scipy.linalg

import arignote
import arignote.tensor as at
from arignote.tensor.linalg import Eigh, Eigvalsh, GeneralizedEigh, GeneralizedEigvalsh, eigh, eigvalsh
from tests.tensor.linalg.helpers import FLOATS, check_grad, close, numeric_rop, run, spd

N = 5


def _signs_fixed(v):
    """Eigenvectors with the sign that makes each one's largest component positive."""
    rows = np.argmax(np.abs(v), axis=-2)
    signs = np.sign(np.take_along_axis(v, rows[..., None, :], axis=-2))
    return v * signs


def _symmetric(rng, n, dtype="float64"):
    """A symmetric matrix with well-separated eigenvalues (gaps >= 1 relative to ~n)."""
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    w = np.arange(n) * 1.5 - n / 2 + rng.uniform(0, 0.2, n)
    return ((q * w) @ q.T).astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("lower", [True, False])
def test_eigh(rng, dtype, lower):
    a = _symmetric(rng, N, dtype)
    w, v = run(lambda x: eigh(x, lower=lower), a)
    assert w.dtype == dtype and v.dtype == dtype
    expected_w, expected_v = scipy.linalg.eigh(a.astype("float64"), lower=lower)
    # eigenvalues: to the matrix's norm times the dtype's precision; eigenvectors: that over
    # the smallest gap between eigenvalues (here >= 1)
    close(w, expected_w, dtype, [np.eye(N) * np.abs(a).max()])
    close(_signs_fixed(v), _signs_fixed(expected_v), dtype, [np.eye(N) * np.abs(a).max()], scale=10)
    close(run(lambda x: eigvalsh(x, lower=lower), a), expected_w, dtype, [np.eye(N) * np.abs(a).max()])


def test_reads_one_triangle(rng):
    a = _symmetric(rng, N)
    noisy = np.tril(a) + np.triu(rng.normal(size=(N, N)), 1)
    close(run(eigvalsh, noisy), np.linalg.eigvalsh(a), "float64", [np.eye(N) * 5])
    w, v = run(lambda x: eigh(x, UPLO="L"), noisy)
    close(a @ v, v * w, "float64", [np.eye(N) * 5])
    noisy_lower = np.triu(a) + np.tril(rng.normal(size=(N, N)), -1)
    close(run(lambda x: eigvalsh(x, lower=False), noisy_lower), np.linalg.eigvalsh(a), "float64",
          [np.eye(N) * 5])


@pytest.mark.parametrize("driver", ["evr", "evd"])
def test_drivers(rng, driver):
    a = _symmetric(rng, 4)
    w, v = run(lambda x: eigh(x, driver=driver), a)
    close(w, np.linalg.eigvalsh(a), "float64", [np.eye(4) * 5])
    close(a @ v, v * w, "float64", [np.eye(4) * 5])


def test_dtypes_and_errors():
    assert eigvalsh(at.matrix(dtype="int64")).dtype == "float64"
    assert eigh(at.matrix(dtype="int8"))[1].dtype == "float32"
    with pytest.raises(ValueError, match="driver"):
        eigh(at.matrix(), driver="ev")
    with pytest.raises(TypeError, match="at least 2"):
        eigh(at.matrix(), at.vector())
    with pytest.raises(ValueError, match="square"):
        eigvalsh(at.matrix(shape=(2, 3)))
    with pytest.raises(TypeError, match="at least 2"):
        eigh(at.vector())


@pytest.mark.parametrize("lower", [True, False])
def test_gradients(rng, lower):
    # a point that is not symmetric: the derivative is with respect to the triangle read
    a = _symmetric(rng, 4) + 0.1 * rng.normal(size=(4, 4))
    check_grad(lambda x: eigvalsh(x, lower=lower), [a], rng)
    check_grad(lambda x: eigh(x, lower=lower)[0], [a], rng)
    # sign-free functions of the eigenvectors
    check_grad(lambda x: eigh(x, lower=lower)[1] ** 2, [a], rng)
    check_grad(lambda x: (lambda w, v: (v * w) @ v.T)(*eigh(x, lower=lower)), [a], rng)


def test_gradient_float32(rng):
    check_grad(eigvalsh, [_symmetric(rng, 3, "float32")], rng)


def test_forward_mode(rng):
    a = _symmetric(rng, 4)
    numeric_rop(eigvalsh, [a], rng)
    numeric_rop(lambda x: eigh(x)[1] ** 2, [a], rng)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the division by the zero gap, on purpose
def test_repeated_eigenvalues():
    # eigenvalues and their derivative stay finite; the eigenvectors' derivative divides by
    # the zero gap (documented: no derivative exists there)
    x = at.matrix("x")
    a = np.diag([1.0, 1.0, 3.0])
    w_grad = arignote.function([x], arignote.grad(eigvalsh(x).sum(), x))(a)
    np.testing.assert_allclose(w_grad, np.eye(3))
    v_grad = arignote.function([x], arignote.grad((eigh(x)[1] ** 3).sum(), x))(a)
    assert not np.all(np.isfinite(v_grad))


def test_ops_are_values_and_pickle():
    for op in (Eigh(), Eigh(lower=False, driver="evd"), Eigvalsh(lower=False)):
        assert pickle.loads(pickle.dumps(op)) == op
    assert Eigh().gufunc_signature == "(m,m)->(m),(m,m)"
    assert Eigvalsh().gufunc_signature == "(m,m)->(m)"


def test_shapes():
    x = at.matrix("x")
    w, v = eigh(x)
    got = arignote.function([x], [w.shape, v.shape, eigvalsh(x).shape])(np.eye(3))
    assert [list(s) for s in got] == [[3], [3, 3], [3]]
    assert eigh(at.matrix(shape=(None, 4)))[0].type.shape == (4,)
    w, v = run(eigh, np.empty((0, 0)))
    assert w.shape == (0,) and v.shape == (0, 0)


def test_batched(rng):
    a = np.stack([_symmetric(rng, 4) for _ in range(3)])
    w, v = run(eigh, a)
    close(w, np.linalg.eigvalsh(a), "float64", [np.eye(4) * 5])
    close(a @ v, v * w[..., None, :], "float64", [np.eye(4) * 5])
    close(run(eigvalsh, a), np.linalg.eigvalsh(a), "float64", [np.eye(4) * 5])
    check_grad(lambda x: eigh(x)[1] ** 2, [a[:2]], rng)
    check_grad(eigvalsh, [spd(rng, 3, batch=(2,))], rng)


# --- the generalized problem a v = w b v ------------------------------------------------------
# Tolerance: with b = L L^T, the eigenvalues are those of L^-1 a L^-T, computed stably to
# ~ n eps ||a|| cond(b) (Golub and Van Loan 8.7): helpers.tolerance with b, scaled by ||a||.

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("lower", [True, False])
def test_generalized_eigvalsh(rng, dtype, lower):
    a, b = _symmetric(rng, N, dtype), spd(rng, N, dtype)
    noise = rng.normal(size=(N, N))
    # only one triangle of each is read: noise in the other
    other = np.triu(noise, 1) if lower else np.tril(noise, -1)
    keep = np.tril if lower else np.triu
    got = run(lambda x, y: eigvalsh(x, y, lower=lower), (keep(a) + other).astype(dtype),
              (keep(b) + other).astype(dtype))
    assert got.dtype == dtype
    expected = scipy.linalg.eigvalsh(a.astype("float64"), b.astype("float64"))
    close(got, expected, dtype, [b], scale=float(np.linalg.norm(a, 2)))


def test_generalized_eigvalsh_gradient(rng):
    a, b = _symmetric(rng, 4) + 0.1 * rng.normal(size=(4, 4)), spd(rng, 4)
    for lower in (True, False):
        check_grad(lambda x, y: eigvalsh(x, y, lower=lower), [a, b], rng)
    check_grad(lambda x, y: eigvalsh(x, y) ** 2, [a, b], rng)


def test_generalized_eigvalsh_batched_and_errors(rng):
    a = np.stack([_symmetric(rng, 3) for _ in range(2)])
    b = spd(rng, 3)                                # broadcasts against a's batch
    got = run(eigvalsh, a, b)
    close(got, np.stack([scipy.linalg.eigvalsh(m, b) for m in a]), "float64", [b], scale=5)
    check_grad(eigvalsh, [a, spd(rng, 3, batch=(2,))], rng)
    # b not positive definite: NaNs
    assert np.all(np.isnan(run(eigvalsh, np.eye(2), -np.eye(2))))
    with pytest.raises(ValueError, match="same size"):
        eigvalsh(at.matrix(shape=(2, 2)), at.matrix(shape=(3, 3)))
    with pytest.raises(TypeError, match="at least 2"):
        eigvalsh(at.matrix(), at.vector())
    x, y = at.matrix("x"), at.matrix("y")
    f = arignote.function([x, y], eigvalsh(x, y), mode="PY")
    with pytest.raises(ValueError, match="same shape"):
        f(np.eye(2), np.eye(3))
    assert eigvalsh(at.matrix(dtype="float32"), at.matrix(dtype="float32")).dtype == "float32"
    assert pickle.loads(pickle.dumps(GeneralizedEigvalsh(lower=False))) == GeneralizedEigvalsh(lower=False)
    assert GeneralizedEigvalsh().gufunc_signature == "(m,m),(m,m)->(m)"


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("lower", [True, False])
def test_generalized_eigh(rng, dtype, lower):
    a, b = _symmetric(rng, N, dtype), spd(rng, N, dtype)
    noise = rng.normal(size=(N, N))
    other = np.triu(noise, 1) if lower else np.tril(noise, -1)
    keep = np.tril if lower else np.triu
    w, v = run(lambda x, y: eigh(x, y, lower=lower), (keep(a) + other).astype(dtype),
               (keep(b) + other).astype(dtype))
    assert w.dtype == dtype and v.dtype == dtype
    a64, b64 = a.astype("float64"), b.astype("float64")
    expected_w, expected_v = scipy.linalg.eigh(a64, b64)
    scale = float(np.linalg.norm(a, 2))
    close(w, expected_w, dtype, [b], scale=scale)
    # eigenvectors up to sign, b-orthonormal, and solving the problem
    close(_signs_fixed(v), _signs_fixed(expected_v), dtype, [b], scale=10 * scale)
    close(v.T @ b64 @ v, np.eye(N), dtype, [b], scale=10)
    close(a64 @ v, (b64 @ v) * w, dtype, [b], scale=10 * scale)


def test_generalized_eigh_gradients(rng):
    a, b = _symmetric(rng, 4) + 0.1 * rng.normal(size=(4, 4)), spd(rng, 4) + 0.1 * rng.normal(size=(4, 4))
    for lower in (True, False):
        check_grad(lambda x, y: eigh(x, y, lower=lower)[0], [a, b], rng)
        # LAPACK's sign is stable under the small steps: v itself, and a sign-free function
        check_grad(lambda x, y: eigh(x, y, lower=lower)[1], [a, b], rng)
        check_grad(lambda x, y: eigh(x, y, lower=lower)[1] ** 2, [a, b], rng)
    # both outputs at once, and through eigvalsh's derivative (which uses GeneralizedEigh)
    check_grad(lambda x, y: (lambda w, v: (v * w) @ v.T)(*eigh(x, y)), [a, b], rng)
    check_grad(lambda x, y: eigvalsh(x, y) ** 2, [a, b], rng)


def test_generalized_eigh_gradient_float32(rng):
    check_grad(lambda x, y: eigh(x, y)[1] ** 2, [_symmetric(rng, 3, "float32"), spd(rng, 3, "float32")], rng)


def test_generalized_eigh_forward_mode(rng):
    numeric_rop(lambda x, y: eigh(x, y)[1] ** 2, [_symmetric(rng, 4), spd(rng, 4)], rng)


def test_generalized_eigh_batched_and_errors(rng):
    a = np.stack([_symmetric(rng, 3) for _ in range(2)])
    b = spd(rng, 3)                                # broadcasts against a's batch
    w, v = run(eigh, a, b)
    expected = [scipy.linalg.eigh(m, b) for m in a]
    close(w, np.stack([e[0] for e in expected]), "float64", [b], scale=5)
    close(_signs_fixed(v), _signs_fixed(np.stack([e[1] for e in expected])), "float64", [b], scale=50)
    check_grad(lambda x, y: eigh(x, y)[1] ** 2, [a, spd(rng, 3, batch=(2,))], rng)
    w, v = run(eigh, np.eye(2), -np.eye(2))        # b not positive definite: NaNs
    assert np.all(np.isnan(w)) and np.all(np.isnan(v))
    w, v = run(eigh, np.empty((0, 0)), np.empty((0, 0)))
    assert w.shape == (0,) and v.shape == (0, 0)
    with pytest.raises(ValueError, match="same size"):
        eigh(at.matrix(shape=(2, 2)), at.matrix(shape=(3, 3)))
    x, y = at.matrix("x"), at.matrix("y")
    f = arignote.function([x, y], eigh(x, y), mode="PY")
    with pytest.raises(ValueError, match="same shape"):
        f(np.eye(2), np.eye(3))
    w, v = eigh(at.matrix(shape=(None, 4)), at.matrix())
    assert w.type.shape == (4,) and v.type.shape == (4, 4)
    assert eigh(at.matrix(dtype="float32"), at.matrix(dtype="float32"))[1].dtype == "float32"
    op = GeneralizedEigh(lower=False)
    assert pickle.loads(pickle.dumps(op)) == op
    assert op.gufunc_signature == "(m,m),(m,m)->(m),(m,m)"


def test_generalized_eigh_complex(rng):
    a = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    b = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    a, b = a + a.conj().T, b @ b.conj().T + 3 * np.eye(3)
    w, v = run(eigh, a, b)
    assert w.dtype == "float64" and v.dtype == "complex128"
    close(w, scipy.linalg.eigvalsh(a, b), "float64", [b], scale=5)
    close(a @ v, (b @ v) * w, "float64", [b], scale=50)
