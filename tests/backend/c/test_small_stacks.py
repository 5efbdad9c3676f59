"""Stacks of tiny problems in the C runtime: the loops that replace a library call per item.

- a stack of vectors solved against one broadcast float64 triangular matrix of order <= 8
  (``runtime/steps_lapack.c``, ``small_trsv``): it agrees with SciPy's ``solve_triangular``
  on each vector within the error bound of substitution, for both triangles, unit diagonals,
  both memory layouts of the matrix (rows or columns contiguous, or copied), and batch shapes
  of any rank with ``b`` itself broadcast.  It does trsv's operations in trsv's order (and is
  bit-identical to the reference OpenBLAS here), but a BLAS built to use fused multiply-adds
  on another CPU rounds differently: the tests take the bound, not the bits;
- batched outer products (``matmul`` with a contracted length of 1,
  ``runtime/steps_matmul.c``): bit-identical to NumPy's matmul, signed zeros included.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.linalg as sl

import arignote
import arignote.tensor as at
from arignote.tensor.blockwise import Blockwise
from arignote.tensor.linalg.solves import SolveTriangular

RAW = arignote.Mode(linker="c", optimizer=None)


def _scipy_per_vector(a, b, lower, unit):
    """SciPy's solve of each vector of ``b`` (batch axes first) against the one matrix ``a``."""
    flat = b.reshape(-1, b.shape[-1])
    solved = [sl.solve_triangular(a, v, lower=lower, unit_diagonal=unit) for v in flat]
    return np.stack(solved).reshape(b.shape)


def _assert_solves_agree(got, want, a, lower, unit):
    """Forward/back substitution is componentwise backward stable (Higham, Accuracy and
    Stability, Thm 8.5): each computed solution is within ``gamma_n |T^-1| |T| |x|`` of the
    exact ``x`` elementwise, ``gamma_n = n u / (1 - n u)``; so two of them, whatever their
    order of operations or use of fused multiply-adds, differ by at most twice that (1%
    slack for evaluating the bound at the computed instead of the exact ``x``)."""
    t = np.tril(a) if lower else np.triu(a)
    if unit:
        np.fill_diagonal(t, 1.0)
    n = t.shape[-1]
    u = np.finfo(np.asarray(want).dtype).eps / 2
    gamma = n * u / (1 - n * u)
    t64 = t.astype(np.float64)
    amplification = np.abs(np.linalg.inv(t64)) @ np.abs(t64)
    flat_want = np.asarray(want, dtype=np.float64).reshape(-1, n)
    bound = 2.02 * gamma * (np.abs(flat_want) @ amplification.T)
    diff = np.abs(np.asarray(got, dtype=np.float64).reshape(-1, n) - flat_want)
    assert np.asarray(got).shape == np.asarray(want).shape
    assert np.all(diff <= bound), f"max excess {np.max(diff - bound)}"


def _solve_stack(a_shape, b_shape, lower, unit, layout, dtype="float64"):
    a = at.tensor("a", dtype=dtype, shape=a_shape)
    b = at.tensor("b", dtype=dtype, shape=b_shape)
    seen = {"rows": a, "columns": a.mT, "strided": a[..., ::2, ::2]}[layout]
    x = Blockwise(SolveTriangular(lower=lower, b_ndim=1, unit_diagonal=unit))(seen, b)
    f = arignote.function([a, b], x, mode=RAW)
    assert [p.kind for p in f.program.plans if p.label.startswith("Blockwise")] == ["LAPACK"]
    return f


_CASES = list(itertools.product([True, False], [False, True], ["rows", "columns", "strided"]))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
@pytest.mark.parametrize(("lower", "unit", "layout"), _CASES)
def test_vectors_against_one_triangular_matrix_agree_with_scipy(rng, n, lower, unit, layout):
    f = _solve_stack((1, None, None), (None, n), lower, unit, layout)
    for _ in range(5):
        size = 2 * n if layout == "strided" else n
        a = rng.normal(size=(1, size, size)) + 3 * np.eye(size)
        b = rng.normal(size=(23, n))
        seen = {"rows": a, "columns": a.transpose(0, 2, 1), "strided": a[:, ::2, ::2]}[layout]
        _assert_solves_agree(f(a, b), _scipy_per_vector(seen[0], b, lower, unit), seen[0], lower, unit)


@pytest.mark.parametrize(("a_shape", "b_shape", "b_value_shape"), [
    ((1, 1, None, None), (None, None, 4), (3, 7, 4)),    # two batch axes
    ((None, None), (None, 4), (9, 4)),                     # a matrix with no batch axes at all
    ((1, 1, None, None), (None, 1, 4), (6, 1, 4)),         # b of length 1 along an axis
])
def test_batch_shapes(rng, a_shape, b_shape, b_value_shape):
    a = at.tensor("a", dtype="float64", shape=a_shape)
    b = at.tensor("b", dtype="float64", shape=b_shape)
    f = arignote.function([a, b], Blockwise(SolveTriangular(lower=True, b_ndim=1))(a, b), mode=RAW)
    a_value = (rng.normal(size=(4, 4)) + 3 * np.eye(4)).reshape((1,) * (len(a_shape) - 2) + (4, 4))
    b_value = rng.normal(size=b_value_shape)
    got = f(a_value, b_value)
    assert got.shape == b_value_shape
    matrix = a_value.reshape(4, 4)
    _assert_solves_agree(got, _scipy_per_vector(matrix, b_value, True, False), matrix, True, False)


def test_b_broadcast_along_a_batch_axis(rng):
    a = at.tensor("a", dtype="float64", shape=(1, 1, None, None))
    b = at.tensor("b", dtype="float64", shape=(None, 1, 3))
    c = at.tensor("c", dtype="float64", shape=(None, None, 3))
    x = Blockwise(SolveTriangular(lower=False, b_ndim=1))(a, b + 0 * c)   # b stretched by c
    f = arignote.function([a, b, c], x, mode=RAW)
    a_value = rng.normal(size=(1, 1, 3, 3)) + 3 * np.eye(3)
    b_value, c_value = rng.normal(size=(4, 1, 3)), np.ones((4, 5, 3))
    want = _scipy_per_vector(a_value[0, 0], np.broadcast_to(b_value, (4, 5, 3)), False, False)
    _assert_solves_agree(f(a_value, b_value, c_value), want, a_value[0, 0], False, False)


def test_zero_diagonal_gives_the_ops_result_and_float32_keeps_trsv(rng):
    f = _solve_stack((1, None, None), (None, 3), True, False, "rows")
    a = rng.normal(size=(1, 3, 3))
    a[0, 1, 1] = 0.0
    b = rng.normal(size=(5, 3))
    got = f(a, b)
    a_sym = at.tensor("a", dtype="float64", shape=(1, None, None))
    b_sym = at.tensor("b", dtype="float64", shape=(None, 3))
    ref = arignote.function([a_sym, b_sym], Blockwise(SolveTriangular(lower=True, b_ndim=1))(a_sym, b_sym),
                            mode=arignote.Mode(linker="py", optimizer=None))(a, b)
    np.testing.assert_array_equal(got, ref)
    f32 = _solve_stack((1, None, None), (None, 5), True, False, "rows", dtype="float32")
    a32 = (rng.normal(size=(1, 5, 5)) + 3 * np.eye(5)).astype("float32")
    b32 = rng.normal(size=(11, 5)).astype("float32")
    _assert_solves_agree(f32(a32, b32), _scipy_per_vector(a32[0], b32, True, False), a32[0], True, False)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("left", "right"), [((50, 5, 1), (50, 1, 7)), ((1, 4, 1), (30, 1, 3)),
                                             ((6, 3, 1), (1, 4)), ((2, 3, 4, 1), (3, 1, 2))])
def test_outer_products_are_numpys_bits(rng, dtype, left, right):
    x = at.tensor("x", dtype=dtype, shape=left)
    y = at.tensor("y", dtype=dtype, shape=right)
    f = arignote.function([x, y], at.matmul(x, y), mode=RAW)
    assert "MATMUL" in [p.kind for p in f.program.plans]
    a = rng.normal(size=left).astype(dtype)
    b = rng.normal(size=right).astype(dtype)
    a.flat[0], b.flat[1] = -0.0, np.inf   # a signed zero and an infinite product (and 0 * inf)
    a.flat[-1] = 0.0
    with np.errstate(invalid="ignore"):
        want = np.matmul(a, b)
        got = f(a, b)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_outer_product_with_strided_right_operand(rng):
    x = at.tensor("x", dtype="float64", shape=(40, 5, 1))
    y = at.tensor("y", dtype="float64", shape=(40, 1, None))
    f = arignote.function([x, y], at.matmul(x, y[:, :, ::2]), mode=RAW)
    a, b = rng.normal(size=(40, 5, 1)), rng.normal(size=(40, 1, 12))
    np.testing.assert_array_equal(f(a, b), np.matmul(a, b[:, :, ::2]))
