"""Rules of arignote/tensor/rewrites/linalg_operand_structure.py: scales out of solves, products
and solves with outer products; each fires where it should, not where it must not, and keeps
the values (against the unrewritten function and NumPy)."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.tensor import linalg as la
from tests.tensor.rewrites.numerics_checks import assert_same_values, fired, fires, op_names

DTYPES = ["float64", "float32"]


def _rtol(dtype):
    # a solve of a matrix of condition < 10 (n = 5) and one product: 10 * n * cond * eps
    return 500 * np.finfo(dtype).eps


def _matrix(rng, dtype, n=5):
    return (rng.normal(size=(n, n)) + n * np.eye(n)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("side", ["right", "left"])
def test_product_with_outer_is_a_matrix_vector_product(rng, dtype, side):
    m = at.matrix("m", dtype=dtype)
    u = at.vector("u", dtype=dtype)
    v = at.vector("v", dtype=dtype)
    s = at.scalar("s", dtype=dtype)
    rank_one = u[:, None] * v[None, :] * s
    out = at.dot(m, rank_one) if side == "right" else at.dot(rank_one, m)
    assert "product_with_outer" in fired(out)
    names = op_names(out)
    assert "Gemm" not in names and names.count("Dot") == 1
    mv, uv, vv = _matrix(rng, dtype), rng.normal(size=5).astype(dtype), rng.normal(size=5).astype(dtype)
    got = assert_same_values([m, u, v, s], out, mv, uv, vv, np.asarray(1.5, dtype), rtol=_rtol(dtype))
    outer = np.outer(uv, vv) * 1.5
    np.testing.assert_allclose(got, mv @ outer if side == "right" else outer @ mv, rtol=_rtol(dtype),
                               atol=_rtol(dtype) * 10)


@pytest.mark.parametrize("solve", [
    lambda a, b: la.solve(a, b), lambda a, b: la.solve_triangular(a, b, lower=True),
    lambda a, b: la.cho_solve((a, True), b)])
def test_solve_of_outer_solves_one_column(rng, solve):
    a = at.dmatrix("a")
    u = at.dvector("u")
    v = at.dvector("v")
    out = solve(a, u[:, None] * v[None, :])
    assert fires("solve_of_outer", out.owner.outputs[0]) or "solve_of_outer" in fired(out)
    av = np.tril(_matrix(rng, "float64"))
    uv, vv = rng.normal(size=5), rng.normal(size=5)
    got = assert_same_values([a, u, v], out, av, uv, vv, rtol=1e-10)
    assert got.shape == (5, 5)


def test_scale_comes_out_of_a_solve_and_the_solves_are_shared(rng):
    a = at.dmatrix("a")
    b = at.dvector("b")
    assert fires("scale_out_of_solve", la.solve(a, -0.5 * b))
    out = [la.solve_triangular(a, b, lower=True), la.solve_triangular(a, -0.5 * b, lower=True)]
    assert "scale_out_of_solve" in fired(out)
    assert op_names(out).count("SolveTriangular") == 1
    av, bv = np.tril(_matrix(rng, "float64")), rng.normal(size=5)
    first, second = arignote.function([a, b], out)(av, bv)
    np.testing.assert_allclose(first, np.linalg.solve(av, bv), rtol=1e-12)
    np.testing.assert_array_equal(second, -0.5 * first)  # scaling by a power of two is exact


def test_no_rule_fires_on_full_rank_operands_or_other_dtypes():
    m = at.dmatrix("m")
    n = at.dmatrix("n")
    u = at.dvector("u")
    w = at.dvector("w")
    names = fired(at.dot(m, n * u[None, :]))  # a scaled matrix, not an outer product
    assert "product_with_outer" not in names
    assert "product_with_outer" not in fired(at.dot(m, u[:, None] * u[:, None]))  # a column twice
    f32 = at.fvector("f")
    assert "scale_out_of_solve" not in fired(la.solve(m, at.cast(f32, "float64") * w))  # no scalar
    assert "scale_out_of_solve" not in fired(la.solve(m, u * w))


def test_the_gradient_of_a_quadratic_form_in_an_inverse_has_no_matrix_products(rng):
    k = at.dmatrix("k")
    y = at.dvector("y")
    spd = la.assume(k, "positive_definite")
    cost = y @ at.dot(la.inv(spd), y)
    g = arignote.grad(cost, k)
    names = op_names(g)
    assert "Dot" not in names and "Gemm" not in names  # -(K^-1 y)(K^-1 y)^T from one solve
    assert names.count("CholeskySolve") == 1
    x = rng.normal(size=(6, 6))
    kv = x @ x.T + 6 * np.eye(6)
    yv = rng.normal(size=6)
    alpha = np.linalg.solve(kv, yv)
    got = arignote.function([k, y], g)(kv, yv)
    np.testing.assert_allclose(got, -np.outer(alpha, alpha), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("form", ["left matrix", "left vector", "right vector"])
def test_products_with_a_solved_identity_are_solves(rng, form):
    a = at.dmatrix("a")
    b = at.dmatrix("b")
    v = at.dvector("v")
    inverse = la.cho_solve((a, True), at.eye(a.shape[0]))
    out = {"left matrix": lambda: at.dot(inverse, b), "left vector": lambda: at.dot(inverse, v),
           "right vector": lambda: at.dot(v, inverse)}[form]()
    assert "product_with_solved_identity" in fired(out)
    assert "Eye" not in op_names(out)
    factor = np.tril(_matrix(rng, "float64"))
    bv, vv = rng.normal(size=(5, 3)), rng.normal(size=5)
    got = assert_same_values([a, b, v], out, factor, bv, vv, rtol=1e-10)
    k_inv = np.linalg.inv(factor @ factor.T)
    want = {"left matrix": k_inv @ bv, "left vector": k_inv @ vv, "right vector": vv @ k_inv}[form]
    np.testing.assert_allclose(got, want, rtol=1e-10)
    assert "product_with_solved_identity" not in fired(at.dot(la.cho_solve((a, True), b), v))
