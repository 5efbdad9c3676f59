"""Rules of arignote/tensor/rewrites/linalg.py: each fires where it should, not where it must
not, and keeps the values (against the unrewritten function and NumPy)."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.tensor import linalg as la
from arignote.tensor.linalg.assumptions import assume
from tests.tensor.rewrites.numerics_checks import assert_same_values, fired, fires

DTYPES = ["float64", "float32"]


def _rtol(dtype: str) -> float:
    return 2e-4 if dtype == "float32" else 1e-9


def _spd(rng: np.random.Generator, n: int, dtype: str, batch: tuple[int, ...] = ()) -> np.ndarray:
    x = rng.normal(size=(*batch, n, n))
    return (x @ np.swapaxes(x, -1, -2) + n * np.eye(n)).astype(dtype)


def _pd_graph(x):
    return x @ x.T + 2.0 * at.eye(x.shape[0])


# --- inv -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_inv_of_inv(dtype):
    a = at.matrix("a", dtype=dtype)
    out = la.inv(la.inv(a))
    assert fires("inv_of_inv", out)
    assert not fires("inv_of_inv", la.inv(a))
    av = _spd(np.random.default_rng(0), 4, dtype)
    f = arignote.function([a], out)
    np.testing.assert_allclose(f(av), av, rtol=_rtol(dtype))


def test_inv_of_inv_keeps_integer_dtype():
    a = at.matrix("a", dtype="int64")
    assert not fires("inv_of_inv", la.inv(la.inv(a)))  # float64 out, int64 in


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("b_rank", [1, 2])
def test_inv_times_b_is_a_solve(dtype, b_rank):
    rng = np.random.default_rng(1)
    a = at.matrix("a", dtype=dtype)
    b = at.tensor("b", dtype=dtype, shape=(None,) * b_rank)
    for out in (at.dot(la.inv(a), b), la.inv(a) @ b):
        assert "solve_from_inv_product" in fired(out)
        av = rng.normal(size=(4, 4)).astype(dtype) + 4 * np.eye(4, dtype=dtype)
        bv = rng.normal(size=(4,) * b_rank).astype(dtype)
        got = assert_same_values([a, b], out, av, bv, rtol=_rtol(dtype))
        np.testing.assert_allclose(got, np.linalg.solve(av, bv), rtol=_rtol(dtype))


def test_inv_times_b_batched():
    rng = np.random.default_rng(2)
    a, b = at.tensor3("a"), at.tensor3("b")
    out = la.inv(a) @ b
    assert "solve_from_inv_product" in fired(out)
    av = rng.normal(size=(3, 4, 4)) + 4 * np.eye(4)
    bv = rng.normal(size=(3, 4, 2))
    np.testing.assert_allclose(assert_same_values([a, b], out, av, bv), np.linalg.solve(av, bv))


def test_no_solve_without_inv():
    a, b = at.matrix("a"), at.vector("b")
    assert not fires("solve_from_inv_product", at.dot(a, b))
    assert not fires("solve_from_inv_product", at.dot(b, la.inv(a)))  # b @ inv(a): not a solve


# --- solve of structured matrices --------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_solve_of_positive_definite_uses_cholesky(dtype):
    rng = np.random.default_rng(3)
    x, b = at.matrix("x", dtype=dtype), at.vector("b", dtype=dtype)
    out = la.solve(_pd_graph(x), b)
    assert fires("solve_with_structure", out)
    xv, bv = rng.normal(size=(4, 4)).astype(dtype), rng.normal(size=4).astype(dtype)
    got = assert_same_values([x, b], out, xv, bv, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, np.linalg.solve(xv @ xv.T + 2 * np.eye(4), bv), rtol=_rtol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_solve_of_assumed_positive_definite_batched(dtype):
    rng = np.random.default_rng(4)
    a, b = at.tensor3("a", dtype=dtype), at.tensor3("b", dtype=dtype)
    out = la.solve(assume(a, "pd"), b)
    assert fires("solve_with_structure", out)
    av, bv = _spd(rng, 4, dtype, (2,)), rng.normal(size=(2, 4, 3)).astype(dtype)
    got = assert_same_values([a, b], out, av, bv, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, np.linalg.solve(av, bv), rtol=_rtol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lower", [True, False])
def test_solve_of_triangular(dtype, lower):
    rng = np.random.default_rng(5)
    a, b = at.matrix("a", dtype=dtype), at.matrix("b", dtype=dtype)
    t = at.tril(a) if lower else at.triu(a)
    out = la.solve(t, b)
    assert fires("solve_with_structure", out)
    av = rng.normal(size=(4, 4)).astype(dtype) + 4 * np.eye(4, dtype=dtype)
    bv = rng.normal(size=(4, 2)).astype(dtype)
    tv = np.tril(av) if lower else np.triu(av)
    got = assert_same_values([a, b], out, av, bv, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, np.linalg.solve(tv, bv), rtol=_rtol(dtype))


def test_solve_reading_a_triangle_keeps_triangular_a():
    # assume_a="sym" reads the lower triangle mirrored: a triangular a is not what it solves
    a, b = at.matrix("a"), at.vector("b")
    assert not fires("solve_with_structure", la.solve(at.tril(a), b, assume_a="sym", lower=True))
    assert not fires("solve_with_structure", la.solve(a, b))
    assert not fires("solve_with_structure", la.solve(a @ a.T - at.eye(a.shape[0]), b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("b_rank", [1, 2])
def test_solve_of_diagonal(dtype, b_rank):
    rng = np.random.default_rng(6)
    d = at.vector("d", dtype=dtype)
    b = at.tensor("b", dtype=dtype, shape=(None,) * b_rank)
    out = la.solve(at.diag(d), b)
    assert fires("solve_with_structure", out)
    dv = rng.uniform(1, 2, size=4).astype(dtype)
    bv = rng.normal(size=(4,) * b_rank).astype(dtype)
    got = assert_same_values([d, b], out, dv, bv, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, np.linalg.solve(np.diag(dv), bv), rtol=_rtol(dtype))


# --- determinants ------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_log_det_of_positive_definite(dtype):
    rng = np.random.default_rng(7)
    x = at.matrix("x", dtype=dtype)
    out = at.log(la.det(_pd_graph(x)))
    assert fires("log_det_from_structure", out)
    xv = rng.normal(size=(5, 5)).astype(dtype)
    got = assert_same_values([x], out, xv, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, np.linalg.slogdet(xv @ xv.T + 2 * np.eye(5))[1], rtol=_rtol(dtype))


def test_log_det_does_not_overflow():
    a = at.matrix("a")
    f = arignote.function([a], at.log(la.det(assume(a, "pd"))))
    big = 1e3 * np.eye(200)  # det = 1e600: inf in float64
    np.testing.assert_allclose(f(big), 200 * np.log(1e3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_det_of_cholesky_factor(dtype):
    rng = np.random.default_rng(8)
    a = at.matrix("a", dtype=dtype)
    out = at.log(la.det(la.cholesky(a)))
    assert fires("log_det_from_structure", out)
    av = _spd(rng, 4, dtype)
    got = assert_same_values([a], out, av, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, 0.5 * np.linalg.slogdet(av)[1], rtol=_rtol(dtype))


def test_log_det_of_general_or_triangular_matrix_stays():
    a = at.matrix("a")
    assert not fires("log_det_from_structure", at.log(la.det(a)))
    # a triangular matrix of unknown signs: log(prod) and sum(log) differ for two negatives
    assert not fires("log_det_from_structure", at.log(la.det(at.tril(a))))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lower", [True, False])
def test_det_of_triangular(dtype, lower):
    rng = np.random.default_rng(9)
    a = at.matrix("a", dtype=dtype)
    t = at.tril(a) if lower else at.triu(a)
    out = la.det(t)
    assert fires("det_of_triangular", out)
    assert not fires("det_of_triangular", la.det(a))
    av = rng.normal(size=(4, 4)).astype(dtype)
    got = assert_same_values([a], out, av, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, np.linalg.det(np.tril(av) if lower else np.triu(av)), rtol=_rtol(dtype))


def test_det_of_triangular_batched():
    rng = np.random.default_rng(10)
    a = at.tensor3("a")
    out = la.det(assume(a, "lower"))
    assert fires("det_of_triangular", out)
    av = np.tril(rng.normal(size=(3, 4, 4)))
    np.testing.assert_allclose(assert_same_values([a], out, av), np.linalg.det(av))


# --- diagonal matrices -------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_cholesky_and_inv_of_diagonal(dtype):
    rng = np.random.default_rng(11)
    d = at.vector("d", dtype=dtype)
    dv = rng.uniform(0.5, 2, size=4).astype(dtype)
    for out, want in ((la.cholesky(at.diag(d)), np.diag(np.sqrt(dv))), (la.inv(at.diag(d)), np.diag(1 / dv))):
        assert fires("diagonal_factor_or_inverse", out)
        got = assert_same_values([d], out, dv, rtol=_rtol(dtype))
        np.testing.assert_allclose(got, want, rtol=_rtol(dtype))


def test_cholesky_and_inv_of_full_matrix_stay():
    a = at.matrix("a")
    assert not fires("diagonal_factor_or_inverse", la.cholesky(a))
    assert not fires("diagonal_factor_or_inverse", la.inv(at.tril(a)))
    assert not fires("diagonal_factor_or_inverse", la.cholesky(at.diag(at.vector("d")), on_error="raise"))


# --- traces ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_trace_of_product(dtype):
    rng = np.random.default_rng(12)
    a, b = at.matrix("a", dtype=dtype), at.matrix("b", dtype=dtype)
    out = la.trace(a @ b)
    assert fires("trace_of_product", out)
    assert not fires("trace_of_product", la.trace(a))
    assert not fires("trace_of_product", at.sum(at.diagonal(a @ b, 1)))
    av, bv = rng.normal(size=(3, 5)).astype(dtype), rng.normal(size=(5, 3)).astype(dtype)
    got = assert_same_values([a, b], out, av, bv, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, np.trace(av @ bv), rtol=_rtol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_abs_det_and_slogdet_of_triangular(dtype):
    rng = np.random.default_rng(13)
    a = at.matrix("a", dtype=dtype)
    signs = np.diag([3.0, -3.0, 3.0, -3.0])  # a negative determinant, two negative pivots
    av = (rng.normal(size=(4, 4)) + signs).astype(dtype)
    out = at.log(at.abs(la.det(at.triu(a))))
    assert fires("log_det_from_structure", out)
    assert not fires("log_det_from_structure", at.log(at.abs(la.det(a))))
    want = np.linalg.slogdet(np.triu(av))
    got = assert_same_values([a], out, av, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, want[1], rtol=_rtol(dtype))
    sign, logabs = la.slogdet(at.tril(a))
    assert fires("slogdet_of_triangular", logabs)
    assert not fires("slogdet_of_triangular", la.slogdet(a)[1])
    f = arignote.function([a], [sign, logabs])
    got_sign, got_logabs = f(av)
    want = np.linalg.slogdet(np.tril(av))
    assert got_sign.dtype == np.dtype(dtype) and got_logabs.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got_sign, want[0])
    np.testing.assert_allclose(got_logabs, want[1], rtol=_rtol(dtype))


def test_slogdet_of_triangular_batched():
    rng = np.random.default_rng(14)
    a = at.tensor3("a")
    sign, logabs = la.slogdet(assume(a, "upper"))
    assert "slogdet_of_triangular" in fired([sign, logabs])
    av = np.triu(rng.normal(size=(3, 4, 4)))
    got = arignote.function([a], [sign, logabs])(av)
    want = np.linalg.slogdet(av)
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
