"""schur, qz, ordqz: the factorisations' defining properties (they are not unique, so the
factors are compared through what they reconstruct and their structure), against SciPy's
eigenvalues and ordering, NaNs, errors, no derivatives, batches.

Tolerances: both are backward stable: ``Z T Z^H`` is within ``~ n * eps * ||A||`` of ``A``
and ``Z^H Z`` within ``~ n * eps`` of ``I`` (``helpers.tolerance`` with the identity, scaled
by the norms).  Eigenvalues read off ``T`` are compared to SciPy's (computed in float64) to
``n * eps * ||A||`` over their separation; the test matrices have well-separated ones.
"""

import pickle

import numpy as np
import pytest
import scipy.linalg
from scipy.optimize import linear_sum_assignment

import arignote
import arignote.tensor as at
from arignote.backend.jax import JaxCompileError
from arignote.graph.op import NotDifferentiable
from arignote.tensor.linalg import QZ, Schur, ordqz, qz, schur
from tests.tensor.linalg.helpers import FLOATS, close, run

N = 5
JAX = arignote.config.mode == "JAX"


def _matrix(rng, n=N, dtype="float64", batch=()):
    """A matrix with well-separated eigenvalues, some complex pairs, some of each sign and
    inside and outside the unit circle."""
    return (rng.normal(size=(*batch, n, n)) * 1.5).astype(dtype)


def _eye_tol(dtype, n):
    return [np.eye(n)]


def _check_unitary(z, dtype):
    n = z.shape[-1]
    close(np.swapaxes(z, -1, -2).conj() @ z, np.broadcast_to(np.eye(n), z.shape), dtype, _eye_tol(dtype, n))


def _matched(got, expected):
    """``got`` reordered to pair each entry with its nearest in ``expected`` (eigenvalues come
    in any order, and sorting splits conjugate pairs whose real parts differ by rounding)."""
    got, expected = np.asarray(got, "complex128"), np.asarray(expected, "complex128")
    rows, cols = linear_sum_assignment(np.abs(got[:, None] - expected[None, :]))
    out = np.empty_like(got)
    out[cols] = got[rows]
    return out


def _quasi_triangular(t):
    """Zero below the first subdiagonal, and a subdiagonal entry only at a 2x2 block (never two
    in a row)."""
    assert np.all(np.tril(t, -2) == 0)
    sub = np.diagonal(t, -1) != 0
    assert not np.any(sub[1:] & sub[:-1])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("output", ["real", "complex"])
def test_schur(rng, dtype, output):
    a = _matrix(rng, dtype=dtype)
    t, z = run(lambda x: schur(x, output=output), a)
    expected = dtype if output == "real" else {"float32": "complex64", "float64": "complex128"}[dtype]
    assert t.dtype == expected and z.dtype == expected
    scale = float(np.linalg.norm(a, 2))
    close(z @ t @ z.conj().T, a, dtype, _eye_tol(dtype, N), scale=scale)
    _check_unitary(z, dtype)
    if output == "real":
        _quasi_triangular(t)
    else:
        assert np.all(np.tril(t, -1) == 0)
    w_t = np.linalg.eigvals(t.astype("complex128"))
    w_a = np.linalg.eigvals(a.astype("float64"))
    close(_matched(w_t, w_a), w_a, dtype, _eye_tol(dtype, N), scale=scale)


@pytest.mark.parametrize("sort", ["lhp", "rhp", "iuc", "ouc"])
def test_schur_sort(rng, sort):
    a = _matrix(rng)
    if JAX:
        with pytest.raises(JaxCompileError, match="sort"):
            run(lambda x: schur(x, sort=sort), a)
        pytest.xfail("JAX's schur does not reorder eigenvalues")
    t, z = run(lambda x: schur(x, sort=sort), a)
    close(z @ t @ z.T, a, "float64", _eye_tol("float64", N), scale=float(np.linalg.norm(a, 2)))
    _, _, sdim = scipy.linalg.schur(a, sort=sort)
    expected_t, _, _ = scipy.linalg.schur(a, sort=sort)
    # the first sdim eigenvalues are the selected ones, as SciPy's
    w_top = np.linalg.eigvals(t[:sdim, :sdim]) if sdim else np.empty(0)
    w_expected = np.linalg.eigvals(expected_t[:sdim, :sdim]) if sdim else np.empty(0)
    close(_matched(w_top, w_expected), w_expected, "float64", _eye_tol("float64", N),
          scale=float(np.linalg.norm(a, 2)))


def test_schur_complex_input(rng):
    a = _matrix(rng) + 1j * _matrix(rng)
    t, z = run(schur, a)  # output="real" is ignored for a complex matrix, as in SciPy
    assert t.dtype == "complex128"
    close(z @ t @ z.conj().T, a, "float64", _eye_tol("float64", N), scale=float(np.linalg.norm(a, 2)))
    assert np.all(np.tril(t, -1) == 0)


def _check_qz(a, b, aa, bb, q, z, dtype, output):
    scale = float(max(np.linalg.norm(a, 2), np.linalg.norm(b, 2)))
    n = a.shape[-1]
    close(q @ aa @ z.conj().T, a, dtype, _eye_tol(dtype, n), scale=scale)
    close(q @ bb @ z.conj().T, b, dtype, _eye_tol(dtype, n), scale=scale)
    _check_unitary(q, dtype)
    _check_unitary(z, dtype)
    assert np.all(np.tril(bb, -1) == 0)
    if output == "real":
        _quasi_triangular(aa)
    else:
        assert np.all(np.tril(aa, -1) == 0)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("output", ["real", "complex"])
def test_qz(rng, dtype, output):
    a, b = _matrix(rng, dtype=dtype), _matrix(rng, dtype=dtype)
    if JAX:
        with pytest.raises(JaxCompileError, match="QZ"):
            run(lambda x, y: qz(x, y, output=output), a, b)
        pytest.xfail("JAX has no QZ decomposition")
    aa, bb, q, z = run(lambda x, y: qz(x, y, output=output), a, b)
    expected = dtype if output == "real" else {"float32": "complex64", "float64": "complex128"}[dtype]
    assert {aa.dtype, bb.dtype, q.dtype, z.dtype} == {np.dtype(expected)}
    _check_qz(a, b, aa, bb, q, z, dtype, output)


@pytest.mark.parametrize("sort", ["lhp", "rhp", "iuc", "ouc"])
@pytest.mark.parametrize("output", ["real", "complex"])
def test_ordqz(rng, sort, output):
    a, b = _matrix(rng), _matrix(rng)
    if JAX:
        with pytest.raises(JaxCompileError, match="QZ"):
            run(lambda x, y: ordqz(x, y, sort=sort, output=output), a, b)
        pytest.xfail("JAX has no QZ decomposition")
    aa, bb, alpha, beta, q, z = run(lambda x, y: ordqz(x, y, sort=sort, output=output), a, b)
    assert alpha.dtype == "complex128"
    _check_qz(a, b, aa, bb, q, z, "float64", output)
    e_aa, e_bb, e_alpha, e_beta, _, _ = scipy.linalg.ordqz(a, b, sort=sort, output=output)
    # the same generalized eigenvalues, in the same order (the selected ones first)
    # the pencil's eigenvalues move by the backward error (n eps ||A||) times ~cond(B)
    pencil = {"matrices": [b], "scale": float(np.linalg.norm(a, 2))}
    close(alpha / beta, e_alpha / e_beta, "float64", **pencil)
    assert e_aa.shape == aa.shape and e_bb.shape == bb.shape
    # and without sorting, qz's eigenvalues with the factors
    aa, bb, alpha, beta, q, z = run(lambda x, y: qz(x, y, output=output, return_eigenvalues=True), a, b)
    _check_qz(a, b, aa, bb, q, z, "float64", output)
    w = scipy.linalg.eigvals(a, b)
    close(_matched(alpha / beta, w), w, "float64", **pencil)


def test_nan_and_empty(rng):
    bad = np.full((3, 3), np.nan)
    t, z = run(schur, bad)
    assert np.all(np.isnan(t)) and np.all(np.isnan(z))
    t, z = run(schur, np.empty((0, 0)))
    assert t.shape == (0, 0) and z.shape == (0, 0)
    if not JAX:
        assert all(np.all(np.isnan(v)) for v in run(qz, bad, np.eye(3)))


def test_errors():
    with pytest.raises(ValueError, match="output"):
        schur(at.matrix(), output="imaginary")
    with pytest.raises(ValueError, match="sort"):
        schur(at.matrix(), sort="up")
    with pytest.raises(ValueError, match="sort"):
        qz(at.matrix(), at.matrix(), sort=lambda a, b: a)
    with pytest.raises(ValueError, match="square"):
        schur(at.matrix(shape=(2, 3)))
    with pytest.raises(ValueError, match="same size"):
        qz(at.matrix(shape=(2, 2)), at.matrix(shape=(3, 3)))
    with pytest.raises(TypeError, match="at least 2"):
        schur(at.vector())
    x = at.matrix("x")
    f = arignote.function([x], schur(x)[0], mode="PY")
    with pytest.raises(ValueError, match="square"):
        f(np.ones((2, 3)))


def test_no_derivatives():
    x, y = at.matrix("x"), at.matrix("y")
    with pytest.raises(NotDifferentiable, match="Schur"):
        arignote.grad(schur(x)[0].sum(), x)
    with pytest.raises(NotDifferentiable, match="QZ"):
        arignote.grad(qz(x, y)[0].sum(), x)


def test_shapes_and_ops():
    t, z = schur(at.matrix(shape=(None, 4)))
    assert t.type.shape == (4, 4) and z.type.shape == (4, 4)
    outs = ordqz(at.matrix(shape=(3, 3)), at.matrix())
    assert [o.type.shape for o in outs] == [(3, 3), (3, 3), (3,), (3,), (3, 3), (3, 3)]
    assert schur(at.matrix(dtype="int32"))[0].dtype == "float64"
    f32 = at.matrix(dtype="float32")
    assert qz(f32, f32, output="complex")[0].dtype == "complex64"
    for op in (Schur(), Schur("complex", "lhp"), QZ(), QZ("complex", "iuc", True)):
        assert pickle.loads(pickle.dumps(op)) == op
    assert QZ(return_eigenvalues=True).gufunc_signature == "(m,m),(m,m)->(m,m),(m,m),(m),(m),(m,m),(m,m)"
    x = at.matrix("x")
    assert list(arignote.function([x], schur(x)[1].shape, mode="PY")(np.eye(3))) == [3, 3]


def test_batched(rng):
    a = _matrix(rng, 4, batch=(2, 3))
    t, z = run(schur, a)
    close(z @ t @ np.swapaxes(z, -1, -2), a, "float64", _eye_tol("float64", 4), scale=10)
    _check_unitary(z, "float64")
    if not JAX:
        b = _matrix(rng, 4)  # broadcasts against a's batch
        aa, bb, q, zz = run(qz, a, b)
        assert aa.shape == (2, 3, 4, 4)
        close(q @ aa @ np.swapaxes(zz, -1, -2), a, "float64", _eye_tol("float64", 4), scale=10)
        close(q @ bb @ np.swapaxes(zz, -1, -2), np.broadcast_to(b, a.shape), "float64",
              _eye_tol("float64", 4), scale=10)
