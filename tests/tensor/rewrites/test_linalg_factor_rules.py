"""Rules of arignote/tensor/rewrites/linalg_factor.py: one factorisation of a matrix serves all
its solves and determinants (counted in the compiled graph), and values are kept."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph.traversal import toposort
from arignote.tensor import linalg as la
from arignote.tensor.linalg.assumptions import assume, core_op
from tests.tensor.rewrites.numerics_checks import REFERENCE, assert_same_values, fired

DTYPES = ["float64", "float32"]


def _rtol(dtype: str) -> float:
    return 2e-3 if dtype == "float32" else 1e-8


def _core_ops(f) -> Counter:
    """How many nodes of each core linear-algebra op the compiled function ``f`` runs."""
    return Counter(type(core_op(n)).__name__ for n in toposort(f.graph_outputs))


def _general(rng, n, dtype="float64", batch=()):
    return (rng.normal(size=(*batch, n, n)) + n * np.eye(n)).astype(dtype)


# --- the Gaussian-process marginal likelihood ------------------------------------------------

def _gp(assumed: bool):
    """``-0.5 y' K^-1 y - 0.5 log det K`` for a squared-exponential kernel of ``X``, with
    hyper-parameters ``amplitude``, ``lengthscale`` and ``noise``."""
    X, y = at.matrix("X"), at.vector("y")
    amplitude, lengthscale, noise = at.scalar("amplitude"), at.scalar("lengthscale"), at.scalar("noise")
    diff = X[:, None, :] - X[None, :, :]
    kernel = amplitude ** 2 * at.exp(-0.5 * at.sum(diff ** 2, axis=-1) / lengthscale ** 2)
    K = kernel + noise ** 2 * at.eye(X.shape[0])
    if assumed:
        K = assume(K, "pd")
    loss = -0.5 * y @ la.solve(K, y) - 0.5 * at.log(la.det(K))
    return [X, y, amplitude, lengthscale, noise], loss


def _gp_values(rng, n=6):
    return [rng.normal(size=(n, 2)), rng.normal(size=n), np.float64(1.3), np.float64(0.8), np.float64(0.5)]


def _gp_reference(X, y, amplitude, lengthscale, noise):
    d2 = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = amplitude ** 2 * np.exp(-0.5 * d2 / lengthscale ** 2) + noise ** 2 * np.eye(len(X))
    return -0.5 * y @ np.linalg.solve(K, y) - 0.5 * np.linalg.slogdet(K)[1]


def test_gp_likelihood_has_one_cholesky():
    inputs, loss = _gp(assumed=True)
    f = arignote.function(inputs, loss)
    ops = _core_ops(f)
    assert ops["Cholesky"] == 1 and ops["Solve"] == 0 and ops["Det"] == 0, ops
    values = _gp_values(np.random.default_rng(0))
    np.testing.assert_allclose(f(*values), _gp_reference(*values), rtol=1e-10)


def test_gp_gradient_reuses_the_factor():
    inputs, loss = _gp(assumed=True)
    params = inputs[2:]
    grads = arignote.grad(loss, params)
    f = arignote.function(inputs, [loss, *grads])
    ops = _core_ops(f)
    # the forward solve, the derivative's solves (with K and K.T) and inv(K) of det's rule
    # all read one factor
    assert ops["Cholesky"] == 1, ops
    assert ops["Solve"] == ops["MatrixInverse"] == ops["Det"] == ops["LUFactor"] == 0, ops
    # the factor serves the solve of y and the inverse the log-determinant's gradient needs
    assert ops["CholeskySolve"] + ops["CholeskyInverse"] >= 2, ops
    assert "transpose_of_symmetric" in fired([loss, *grads])  # K.T -> K: one factor
    values = _gp_values(np.random.default_rng(1))
    got = f(*values)
    want = arignote.function(inputs, [loss, *grads], mode=REFERENCE)(*values)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-8)
    eps = 1e-6  # against central differences, for each hyper-parameter
    for k in range(3):
        up, down = list(values), list(values)
        up[2 + k], down[2 + k] = values[2 + k] + eps, values[2 + k] - eps
        numeric = (_gp_reference(*up) - _gp_reference(*down)) / (2 * eps)
        np.testing.assert_allclose(got[1 + k], numeric, rtol=1e-5)


def test_gp_with_a_kernel_positive_definite_by_construction():
    # x @ x.T + 2 I is positive definite by how it is built: no assume needed
    X, y, c = at.matrix("X"), at.vector("y"), at.vector("c")
    K = X @ X.T + 2.0 * at.eye(X.shape[0])
    loss = -0.5 * y @ la.solve(K, y) - 0.5 * at.log(la.det(K)) + c @ la.solve(K, c)
    grads = arignote.grad(loss, [X])
    f = arignote.function([X, y, c], [loss, *grads])
    ops = _core_ops(f)
    assert ops["Cholesky"] == 1 and ops["Solve"] == 0 and ops["MatrixInverse"] == 0, ops
    rng = np.random.default_rng(2)
    values = [rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=5)]
    want = arignote.function([X, y, c], [loss, *grads], mode=REFERENCE)(*values)
    for g, w in zip(f(*values), want):
        np.testing.assert_allclose(g, w, rtol=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_positive_definite_det_slogdet_inv_from_cholesky(dtype):
    rng = np.random.default_rng(3)
    a, b = at.matrix("a", dtype=dtype), at.vector("b", dtype=dtype)
    pd = assume(a, "pd")
    x = rng.normal(size=(4, 4))
    av = (x @ x.T + 4 * np.eye(4)).astype(dtype)
    bv = rng.normal(size=4).astype(dtype)
    sign, logabs = la.slogdet(pd)
    outs = [la.solve(pd, b), la.det(pd), sign, logabs, la.inv(pd)]
    assert {"determinant_from_cholesky", "inverse_from_cholesky"} <= set(fired(outs))
    f = arignote.function([a, b], outs)
    ops = _core_ops(f)
    assert ops["Cholesky"] == 1 and ops["Det"] == ops["SLogDet"] == ops["MatrixInverse"] == 0, ops
    got = f(av, bv)
    want = [np.linalg.solve(av, bv), np.linalg.det(av), *np.linalg.slogdet(av), np.linalg.inv(av)]
    for g, w in zip(got, want):
        assert g.dtype == np.dtype(dtype)
        np.testing.assert_allclose(g, w, rtol=_rtol(dtype), atol=_rtol(dtype))
    for out in outs:
        assert_same_values([a, b], out, av, bv, rtol=_rtol(dtype))


def test_positive_definite_rules_leave_other_matrices():
    a = at.matrix("a")
    for out in (la.det(a), la.inv(a), la.det(at.tril(assume(a, "pd"))), la.inv(at.diag(at.vector("d")))):
        rules = fired(out)
        assert "determinant_from_cholesky" not in rules and "inverse_from_cholesky" not in rules


# --- general matrices: LU factors shared -------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_two_solves_share_one_lu_factor(dtype):
    rng = np.random.default_rng(5)
    a, b, c = at.matrix("a", dtype=dtype), at.vector("b", dtype=dtype), at.matrix("c", dtype=dtype)
    outs = [la.solve(a, b), la.solve(a, c), la.solve(a.T, b)]
    assert "shared_lu_factor" in fired(outs)
    f = arignote.function([a, b, c], outs)
    ops = _core_ops(f)
    assert ops["LUFactor"] == 1 and ops["LUSolve"] == 3 and ops["Solve"] == 0, ops
    av = _general(rng, 5, dtype)
    bv, cv = rng.normal(size=5).astype(dtype), rng.normal(size=(5, 2)).astype(dtype)
    want = [np.linalg.solve(av, bv), np.linalg.solve(av, cv), np.linalg.solve(av.T, bv)]
    for g, w in zip(f(av, bv, cv), want):
        assert g.dtype == np.dtype(dtype)
        np.testing.assert_allclose(g, w, rtol=_rtol(dtype), atol=_rtol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_solve_and_det_share_one_lu_factor(dtype):
    rng = np.random.default_rng(6)
    a, b = at.matrix("a", dtype=dtype), at.vector("b", dtype=dtype)
    sign, logabs = la.slogdet(a)
    outs = [la.solve(a, b), la.det(a), sign, logabs]
    f = arignote.function([a, b], outs)
    ops = _core_ops(f)
    assert ops["LUFactor"] == 1 and ops["Det"] == ops["SLogDet"] == ops["Solve"] == 0, ops
    for swaps in (0, 1, 2):  # the sign of det from the pivots: even and odd numbers of swaps
        av = _general(rng, 4, dtype)
        av = av[np.r_[np.arange(swaps, 4), np.arange(swaps)]] * np.array([1, -1, 1, 1], dtype)[:, None]
        bv = rng.normal(size=4).astype(dtype)
        got = f(av, bv)
        want = [np.linalg.solve(av, bv), np.linalg.det(av), *np.linalg.slogdet(av)]
        for g, w in zip(got, want):
            assert g.dtype == np.dtype(dtype)
            np.testing.assert_allclose(g, w, rtol=_rtol(dtype), atol=_rtol(dtype))


def test_singular_matrix_gives_nans_as_solve_does():
    a, b = at.matrix("a"), at.vector("b")
    f = arignote.function([a, b], [la.solve(a, b), la.solve(a.T, b), la.det(a)])
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    x, xt, det = f(singular, np.ones(2))
    assert np.isnan(x).all() and np.isnan(xt).all() and det == 0


def test_gradient_of_a_general_solve_shares_the_factor():
    rng = np.random.default_rng(7)
    a, b = at.matrix("a"), at.vector("b")
    loss = at.sum(la.solve(a, b) ** 2)
    grads = arignote.grad(loss, [a, b])
    f = arignote.function([a, b], [loss, *grads])
    ops = _core_ops(f)
    assert ops["LUFactor"] == 1 and ops["LUSolve"] == 2 and ops["Solve"] == 0, ops
    av, bv = _general(rng, 4), rng.normal(size=4)
    want = arignote.function([a, b], [loss, *grads], mode=REFERENCE)(av, bv)
    for g, w in zip(f(av, bv), want):
        np.testing.assert_allclose(g, w, rtol=1e-10)


def test_batched_solves_share_one_lu_factor():
    rng = np.random.default_rng(8)
    a, b = at.tensor3("a"), at.tensor3("b")
    outs = [la.solve(a, b), la.det(a)]
    f = arignote.function([a, b], outs)
    ops = _core_ops(f)
    assert ops["LUFactor"] == 1 and ops["Solve"] == ops["Det"] == 0, ops
    av, bv = _general(rng, 3, batch=(2,)), rng.normal(size=(2, 3, 2))
    got = f(av, bv)
    np.testing.assert_allclose(got[0], np.linalg.solve(av, bv), rtol=1e-10)
    np.testing.assert_allclose(got[1], np.linalg.det(av), rtol=1e-10)


def test_one_solve_stays_gesv():
    a, b, c = at.matrix("a"), at.vector("b"), at.vector("c")
    for outs in ([la.solve(a, b)], [la.solve(a, b), la.solve(a.T.T + 0 * a, c)], [la.det(a)],
                 [la.solve(a, b, assume_a="sym"), la.solve(a, c, assume_a="sym")],
                 [la.solve(at.tril(a), b), la.solve(at.tril(a), c)]):
        assert "shared_lu_factor" not in fired(outs)


def test_a_matrix_with_many_users_is_left_alone():
    # more users than MAX_USERS: deciding would read them all at every solve
    from arignote.tensor.rewrites.linalg_factor import MAX_USERS
    a = at.matrix("a")
    outs = [la.solve(a, at.vector(f"b{k}")) for k in range(MAX_USERS + 1)]
    assert "shared_lu_factor" not in fired(outs)
    assert "shared_lu_factor" in fired(outs[:2])


# --- the derivative of log(det(a)) ------------------------------------------------------------

@pytest.mark.parametrize("pd", [True, False])
def test_gradient_of_log_det_does_not_overflow(pd):
    a = at.matrix("a")
    m = assume(a, "pd") if pd else a
    grad = arignote.grad(at.log(la.det(m)) * 3.0, a)
    assert "cancel_determinant" in fired(grad)
    f = arignote.function([a], grad)
    big = 1e3 * np.eye(200)  # det = 1e600: inf, and Jacobi's det * inv / det is inf / inf
    np.testing.assert_allclose(np.diag(f(big)), np.full(200, 3e-3), rtol=1e-12)
    rng = np.random.default_rng(9)
    x = rng.normal(size=(4, 4))
    av = x @ x.T + 4 * np.eye(4)
    np.testing.assert_allclose(f(av), 3 * np.linalg.inv(av).T, rtol=1e-10)


def test_gradient_of_log_det_batched():
    a = at.tensor3("a")
    grad = arignote.grad(at.sum(at.log(la.det(a))), a)
    assert "cancel_determinant" in fired(grad)
    big = np.stack([1e3 * np.eye(150), 2e3 * np.eye(150)])
    got = arignote.function([a], grad)(big)
    np.testing.assert_allclose(got, np.linalg.inv(big).transpose(0, 2, 1), rtol=1e-12)


def test_determinants_of_other_matrices_do_not_cancel():
    a, b, g = at.matrix("a"), at.matrix("b"), at.matrix("g")
    assert "cancel_determinant" not in fired(la.det(a) * (g / la.det(b)))
    assert "cancel_determinant" not in fired(la.det(a) * g)
    assert "cancel_determinant" not in fired(at.exp(a) * (g / la.det(a)))
