"""Specialize rules: powers, products, BLAS forms, and indexing lifted through elementwise ops."""

import numpy as np
import pytest

import arignote.tensor as at
from arignote.rewrite.optimize import optimize
from tests.tensor.rewrites.numerics_checks import apply_rule, assert_same_values, fires, op_names

FLOATS = ["float32", "float64"]


# --- powers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS + ["int32", "int8"])
def test_small_integer_powers_become_products(dtype, rng):
    x = at.vector("x", dtype=dtype)
    assert op_names(x ** 2) == ["Sqr"]
    assert sorted(op_names(x ** 3)) == ["Mul", "Sqr"]
    assert op_names(x ** 4) == ["Sqr", "Sqr"]
    values = np.array([-3, -1, 0, 2, 5], dtype)
    for n in (2, 3, 4):
        assert_same_values([x], x ** n, values)  # integer powers wrap as the products do


@pytest.mark.parametrize("dtype", FLOATS)
def test_half_and_minus_one_powers(dtype):
    x = at.vector("x", dtype=dtype)
    assert op_names(x ** 0.5) == ["Sqrt"]
    assert op_names(x ** -1) == ["Reciprocal"]
    assert_same_values([x], x ** 0.5, np.array([0.0, -0.0, 4.0, np.inf, -1.0], dtype))
    assert_same_values([x], x ** -1, np.array([0.0, -0.0, 4.0, np.inf, -2.0], dtype))


def test_integer_minus_one_power_stays():
    x = at.vector("x", dtype="int32")
    assert not fires("pow_minus_one_to_reciprocal", x ** -1)


def test_rsqrt_is_optional():
    x = at.vector("x")
    assert "Pow" in op_names(x ** -0.5)
    assert fires("pow_minus_half_to_rsqrt", x ** -0.5)


def test_mul_self_and_minus_one():
    x, y = at.vector("x"), at.vector("y")
    assert apply_rule("mul_self_to_sqr", x * x) is at.sqr(x)
    assert fires("mul_minus_one_to_neg", at.mul(x, -1.0))
    assert not fires("mul_minus_one_to_neg", at.mul(x, -2.0))
    assert_same_values([x, y], x * x * y, np.array([1.5, -2.0]), np.array([3.0, 0.5]))


# --- BLAS forms -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_gemm_from_sum_of_dot(dtype, rng):
    a, b, z = at.matrix("a", dtype=dtype), at.matrix("b", dtype=dtype), at.matrix("z", dtype=dtype)
    s = at.scalar("s", dtype=dtype)
    out = z + s * at.dot(a, b)
    assert "Gemm" in op_names(out)
    values = [rng.normal(size=shape).astype(dtype) for shape in ((70, 80), (80, 90), (70, 90))]
    assert_same_values([a, b, z, s], out, *values, np.asarray(0.5, dtype), rtol=1e-4)


def test_gemv_and_vector_times_matrix(rng):
    a, v, z = at.matrix("a"), at.vector("v"), at.vector("z")
    assert "Gemv" in op_names(z + at.dot(a, v))
    assert "Gemv" in op_names(at.dot(v, a) - z)
    values = [rng.normal(size=(300, 300)), rng.normal(size=300), rng.normal(size=300)]
    assert_same_values([a, v, z], at.dot(v, a) - z, *values)


def test_dot_used_twice_is_not_folded():
    a, b, z = at.matrix("a"), at.matrix("b"), at.matrix("z")
    d = at.dot(a, b)
    names = op_names([z + d, d.sum()])
    assert "Gemm" not in names and "Dot" in names


@pytest.mark.parametrize("form", ["chain", "n-ary"])
def test_a_sum_of_many_products_folds_into_gemms_without_recursion(rng, form):
    # a sum of 1,500 products once raised RecursionError (one recursion level per term)
    n = 1500
    ws = [at.matrix(f"w{i}") for i in range(n)]
    xs = [at.matrix(f"x{i}") for i in range(3)]
    products = [at.dot(w, xs[i % 3]) for i, w in enumerate(ws)]
    if form == "chain":
        out = products[0]
        for p in products[1:]:
            out = out + p
    else:
        out = at.add(*products)
    names = op_names(out)
    assert names.count("Gemm") == n - 1 and names.count("Dot") == 1
    values = [rng.normal(size=(2, 2)) for _ in range(n + 3)]
    want = sum(values[i] @ values[n + i % 3] for i in range(n))
    import arignote

    got = arignote.function(ws + xs, out)(*values)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10 * n)


def test_no_blas_for_integers():
    a, b, z = (at.matrix(n, dtype="int64") for n in "abz")
    assert "Gemm" not in op_names(z + at.dot(a, b))


# --- indexing through elementwise ops ---------------------------------------------------------

def test_index_moves_below_a_single_consumer_chain(rng):
    x, i = at.matrix("x"), at.iscalar("i")
    out = (at.exp(x) * 2.0 + 1.0)[i]
    (rewritten,) = optimize([out], exclude=["fusion"])
    from arignote.graph.traversal import toposort
    first = toposort([rewritten])[0]
    assert type(first.op).__name__ == "Subtensor"  # indexing happens first, on x
    assert_same_values([x, i], out, rng.normal(size=(4, 3)), np.int32(2))


def test_index_stays_when_the_elementwise_result_is_used_elsewhere(rng):
    x = at.matrix("x")
    e = at.exp(x)
    out = e[0] + e.sum()
    (rewritten,) = optimize([out], exclude=["fusion"])
    from arignote.graph.traversal import toposort
    assert sum(type(getattr(n.op, "scalar_op", None)).__name__ == "Exp" for n in toposort([rewritten])) == 1
    assert_same_values([x], out, rng.normal(size=(3, 2)))


def test_index_does_not_move_onto_a_stretched_operand(rng):
    x, y = at.matrix("x"), at.tensor("y", shape=(1, None))  # y stretches along axis 0
    out = (x + y)[2]
    assert op_names(out)[-1] == "Subtensor"  # indexing stays after the sum
    assert_same_values([x, y], out, rng.normal(size=(4, 3)), rng.normal(size=(1, 3)))


def test_index_moves_onto_operands_of_unknown_shape(rng):
    x, y = at.matrix("x"), at.matrix("y")  # unknown lengths never stretch
    out = (x + y)[2]
    assert op_names(out).count("Subtensor") == 2
    assert_same_values([x, y], out, rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))


def test_index_moves_onto_operands_of_known_equal_shape(rng):
    m, n = at.tensor("m", shape=(4, 5)), at.tensor("n", shape=(4, 5))
    s = at.scalar("s")
    out = (m * n + s)[1:3, ::2]
    names = op_names(out)
    assert names.count("Subtensor") == 2
    assert_same_values([m, n, s], out, rng.normal(size=(4, 5)), rng.normal(size=(4, 5)), np.float64(2))
