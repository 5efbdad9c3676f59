"""solve_sylvester, solve_continuous_lyapunov, solve_discrete_lyapunov, solve_discrete_are:
values against SciPy, failures as NaNs, errors, derivatives, shapes, batches.

Tolerances: each equation is a linear map ``L(X) = Q`` (the DARE's derivative is one), whose
matrix in Kronecker form ``K`` gives the condition number; a backward-stable solver's
relative error is then within ``~ n**2 * cond(K) * eps`` (``helpers.tolerance`` with ``K``).
"""

import pickle

import numpy as np
import pytest
import scipy.linalg

import arignote
import arignote.tensor as at
from arignote.graph.op import NotDifferentiable
from arignote.tensor.linalg import (
    SolveContinuousLyapunov,
    SolveDiscreteARE,
    SolveDiscreteLyapunov,
    SolveSylvester,
    solve_continuous_lyapunov,
    solve_discrete_are,
    solve_discrete_lyapunov,
    solve_sylvester,
)
from tests.tensor.linalg.helpers import FLOATS, check_grad, close, numeric_rop, run

N = 4


def _stable(rng, n, batch=()):
    """A continuous-stable matrix (eigenvalues in the left half plane, well inside)."""
    return rng.normal(size=(*batch, n, n)) / np.sqrt(n) - 2 * np.eye(n)


def _contractive(rng, n, batch=()):
    """A discrete-stable matrix: spectral norm 0.6 (so every eigenvalue is inside the circle)."""
    x = rng.normal(size=(*batch, n, n))
    return 0.6 * x / np.linalg.norm(x, ord=2, axis=(-2, -1), keepdims=True)


def _sylvester_operator(a, b):
    """K with vec(A X + X B) = K vec(X) (column-major vec)."""
    return np.kron(np.eye(b.shape[-1]), a) + np.kron(b.T, np.eye(a.shape[-1]))


def _stein_operator(a):
    """K with vec(X - A X A^T) = K vec(X)."""
    return np.eye(a.shape[-1] ** 2) - np.kron(a, a)


# --- Sylvester --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_sylvester_values(rng, dtype):
    a, b = _stable(rng, N).astype(dtype), _stable(rng, 3).astype(dtype)
    q = rng.normal(size=(N, 3)).astype(dtype)
    got = run(solve_sylvester, a, b, q)
    assert got.dtype == dtype and got.shape == (N, 3)
    expected = scipy.linalg.solve_sylvester(*(v.astype("float64") for v in (a, b, q)))
    close(got, expected, dtype, [_sylvester_operator(a, b)])


@pytest.mark.parametrize("dtype", FLOATS)
def test_continuous_lyapunov_values(rng, dtype):
    a, q = _stable(rng, N).astype(dtype), rng.normal(size=(N, N)).astype(dtype)
    got = run(solve_continuous_lyapunov, a, q)
    assert got.dtype == dtype
    expected = scipy.linalg.solve_continuous_lyapunov(a.astype("float64"), q.astype("float64"))
    close(got, expected, dtype, [_sylvester_operator(a, a.T)])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("method", ["bilinear", "direct", "auto", None])
def test_discrete_lyapunov_values(rng, dtype, method):
    a, q = _contractive(rng, N).astype(dtype), rng.normal(size=(N, N)).astype(dtype)
    got = run(lambda x, y: solve_discrete_lyapunov(x, y, method=method), a, q)
    assert got.dtype == dtype
    expected = scipy.linalg.solve_discrete_lyapunov(a.astype("float64"), q.astype("float64"))
    close(got, expected, dtype, [_stein_operator(a)])
    # the equation itself, to the same precision
    close(a.astype("float64") @ got @ a.T - got + q, np.zeros((N, N)), dtype, [_stein_operator(a)],
          scale=float(np.abs(expected).max()))


def test_complex_inputs(rng):
    a = (_stable(rng, 3) + 1j * rng.normal(size=(3, 3)) / 3).astype("complex128")
    q = (rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))).astype("complex128")
    got = run(solve_continuous_lyapunov, a, q)
    assert got.dtype == "complex128"
    close(a @ got + got @ a.conj().T, q, "float64", [_sylvester_operator(a, a.conj().T)])
    c = 0.5 * a / np.linalg.norm(a, 2)
    got = run(solve_discrete_lyapunov, c, q)
    close(c @ got @ c.conj().T - got + q, np.zeros((3, 3)), "float64", [_stein_operator(c)], scale=10)


def test_dtypes_and_errors():
    f32 = at.matrix(dtype="float32")
    assert solve_sylvester(at.matrix(dtype="int64"), f32, at.matrix()).dtype == "float64"
    assert solve_continuous_lyapunov(f32, f32).dtype == "float32"
    with pytest.raises(TypeError, match="at least 2 dimensions"):
        solve_sylvester(at.vector(), at.matrix(), at.matrix())
    with pytest.raises(TypeError, match="Q must be a matrix"):
        SolveContinuousLyapunov()(at.matrix(), at.vector())
    with pytest.raises(ValueError, match="square"):
        solve_continuous_lyapunov(at.matrix(shape=(2, 3)), at.matrix())
    with pytest.raises(ValueError, match="rows of A and Q"):
        solve_sylvester(at.matrix(shape=(3, 3)), at.matrix(shape=(2, 2)), at.matrix(shape=(4, 2)))
    with pytest.raises(ValueError, match="columns of B and Q"):
        solve_sylvester(at.matrix(shape=(3, 3)), at.matrix(shape=(2, 2)), at.matrix(shape=(3, 3)))
    with pytest.raises(ValueError, match="method"):
        solve_discrete_lyapunov(at.matrix(), at.matrix(), method="schur")
    with pytest.raises(ValueError, match="columns of B and the size of R"):
        solve_discrete_are(at.matrix(), at.matrix(shape=(3, 2)), at.matrix(), at.matrix(shape=(3, 3)))
    a, q = at.matrix("a"), at.matrix("q")
    f = arignote.function([a, q], solve_discrete_lyapunov(a, q))
    with pytest.raises(ValueError, match="square"):
        f(np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="do not fit"):
        f(np.eye(3), np.eye(2))


def test_failures_give_nan():
    # A and -B share the eigenvalue 1: the Sylvester operator is singular
    a, q = np.diag([1.0, 2.0]), np.ones((2, 2))
    got = run(solve_sylvester, a, -a, q)
    assert np.all(np.isnan(got)) or np.all(np.isfinite(got))  # LAPACK may perturb: never an error
    assert np.all(np.isnan(run(solve_continuous_lyapunov, np.array([[np.nan]]), np.ones((1, 1)))))
    # (A, B) not stabilizable: no stabilizing DARE solution
    x = run(solve_discrete_are, 2 * np.eye(2), np.zeros((2, 1)), np.eye(2), np.eye(1))
    assert np.all(np.isnan(x))


def test_shapes(rng):
    x = solve_sylvester(at.matrix(shape=(3, None)), at.matrix(shape=(None, 2)), at.matrix())
    assert x.type.shape == (3, 2)
    x = solve_discrete_are(at.matrix(), at.matrix(shape=(4, 2)), at.matrix(), at.matrix())
    assert x.type.shape == (4, 4)
    a, b, q = at.matrix("a"), at.matrix("b"), at.matrix("q")
    got = arignote.function([a, b, q], solve_sylvester(a, b, q).shape)(np.eye(3), np.eye(2), np.ones((3, 2)))
    assert list(got) == [3, 2]
    assert run(solve_continuous_lyapunov, np.empty((0, 0)), np.empty((0, 0))).shape == (0, 0)


def test_ops_are_values_and_pickle():
    ops = [SolveSylvester(), SolveContinuousLyapunov(), SolveDiscreteLyapunov(),
           SolveDiscreteLyapunov(method="direct"), SolveDiscreteARE()]
    for op in ops:
        assert pickle.loads(pickle.dumps(op)) == op
    assert SolveDiscreteLyapunov() != SolveDiscreteLyapunov(method="direct")
    assert SolveSylvester().gufunc_signature == "(m,m),(n,n),(m,n)->(m,n)"
    assert SolveDiscreteARE().gufunc_signature == "(m,m),(m,n),(m,m),(n,n)->(m,m)"


def test_batched(rng):
    a, q = _stable(rng, 3, batch=(2,)), rng.normal(size=(3, 3))   # q broadcasts over a's batch
    got = run(solve_continuous_lyapunov, a, q)
    expected = np.stack([scipy.linalg.solve_continuous_lyapunov(m, q) for m in a])
    close(got, expected, "float64", [_sylvester_operator(m, m.T) for m in a])
    c = _contractive(rng, 3, batch=(2, 1))
    qs = rng.normal(size=(3, 3, 3))
    got = run(solve_discrete_lyapunov, c, qs, static=True)  # a static 1 broadcasts
    assert got.shape == (2, 3, 3, 3)
    expected = np.array([[scipy.linalg.solve_discrete_lyapunov(c[i, 0], qs[j]) for j in range(3)]
                         for i in range(2)])
    close(got, expected, "float64", [_stein_operator(m) for m in c[:, 0]])
    b = _stable(rng, 2)
    qb = rng.normal(size=(2, 3, 2))
    got = run(solve_sylvester, a, b, qb)
    expected = np.stack([scipy.linalg.solve_sylvester(a[i], b, qb[i]) for i in range(2)])
    close(got, expected, "float64", [_sylvester_operator(a[i], b) for i in range(2)])
    check_grad(solve_continuous_lyapunov, [a, rng.normal(size=(2, 3, 3))], rng)


# --- derivatives -------------------------------------------------------------------------------

def test_sylvester_gradient(rng):
    a, b, q = _stable(rng, 3), _stable(rng, 2), rng.normal(size=(3, 2))
    check_grad(solve_sylvester, [a, b, q], rng)
    check_grad(lambda x: solve_sylvester(x, x[:2, :2], q), [a], rng)


def test_lyapunov_gradients(rng):
    a, q = _stable(rng, 3), rng.normal(size=(3, 3))
    check_grad(solve_continuous_lyapunov, [a, q], rng)
    c = _contractive(rng, 3)
    for method in ("bilinear", "direct"):
        check_grad(lambda x, y: solve_discrete_lyapunov(x, y, method=method), [c, q], rng)


def test_gradient_float32(rng):
    a, q = _stable(rng, 3).astype("float32"), rng.normal(size=(3, 3)).astype("float32")
    check_grad(solve_continuous_lyapunov, [a, q], rng)


def test_forward_mode(rng):
    a, b, q = _stable(rng, 3), _stable(rng, 2), rng.normal(size=(3, 2))
    numeric_rop(solve_sylvester, [a, b, q], rng)
    numeric_rop(solve_continuous_lyapunov, [a, rng.normal(size=(3, 3))], rng)
    numeric_rop(solve_discrete_lyapunov, [_contractive(rng, 3), rng.normal(size=(3, 3))], rng)


def test_complex_gradient_refused():
    a = at.matrix("a", dtype="complex128")
    with pytest.raises(NotDifferentiable, match="complex"):
        arignote.grad(at.real(solve_continuous_lyapunov(a, a)).sum(), a)


# --- discrete algebraic Riccati equation ---------------------------------------------------------

def _dare_problem(rng, m=3, n=2, dtype="float64"):
    """A stabilizable, detectable problem: any A (here with eigenvalues outside the circle
    too), random B, positive-definite Q and R."""
    a = rng.normal(size=(m, m)) * 0.8
    b = rng.normal(size=(m, n))
    q = rng.normal(size=(m, m))
    r = rng.normal(size=(n, n))
    return [v.astype(dtype) for v in (a, b, q @ q.T + np.eye(m), r @ r.T + np.eye(n))]


def _dare_condition(a, b, r, x):
    """The Stein operator of the closed loop, the derivative of the DARE at X."""
    gain = np.linalg.solve(r + b.T @ x @ b, b.T @ x @ a)
    return _stein_operator((a - b @ gain).T)


@pytest.mark.parametrize("dtype", FLOATS)
def test_dare_values(rng, dtype):
    a, b, q, r = _dare_problem(rng, dtype=dtype)
    got = run(solve_discrete_are, a, b, q, r)
    assert got.dtype == dtype
    expected = scipy.linalg.solve_discrete_are(*(v.astype("float64") for v in (a, b, q, r)))
    close(got, expected, dtype, [_dare_condition(a, b, r, expected)])
    np.testing.assert_allclose(got, got.T, rtol=0, atol=0)


@pytest.mark.parametrize("enforce", [False, True])
def test_dare_reads_symmetric_parts(rng, enforce):
    # Q and R count by their symmetric parts (SciPy would refuse others; PyTensor accepts
    # them), whatever PyTensor's old enforce_Q_symmetric keyword says
    a, b, q, r = _dare_problem(rng)
    skew_q, skew_r = rng.normal(size=q.shape), rng.normal(size=r.shape)
    got = run(lambda *v: solve_discrete_are(*v, enforce_Q_symmetric=enforce), a, b,
              q + skew_q - skew_q.T, r + skew_r - skew_r.T)
    expected = scipy.linalg.solve_discrete_are(a, b, q, r)
    close(got, expected, "float64", [_dare_condition(a, b, r, expected)])


def test_dare_gradient(rng):
    a, b, q, r = _dare_problem(rng)
    check_grad(lambda x, y, s, t: solve_discrete_are(x, y, s + s.T, t + t.T), [a, b, q / 2, r / 2], rng)
    # at non-symmetric Q and R directly: the steps move one entry, the derivative is that of
    # their symmetric parts
    skew_q, skew_r = rng.normal(size=q.shape), rng.normal(size=r.shape)
    check_grad(solve_discrete_are, [a, b, q + skew_q - skew_q.T, r + skew_r - skew_r.T], rng)
    # a cost that weighs X's entries unevenly (a non-symmetric cotangent)
    weights = rng.normal(size=q.shape)
    check_grad(lambda *v: solve_discrete_are(*v) * weights, [a, b, q, r], rng)


def test_dare_batched(rng):
    problems = [_dare_problem(rng) for _ in range(2)]
    a, b, q, r = (np.stack(parts) for parts in zip(*problems))
    got = run(solve_discrete_are, a, b, q, r)
    for i in range(2):
        expected = scipy.linalg.solve_discrete_are(a[i], b[i], q[i], r[i])
        close(got[i], expected, "float64", [_dare_condition(a[i], b[i], r[i], expected)])
