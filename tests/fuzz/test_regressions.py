"""Bugs the differential fuzzer found, each reduced to a few lines.

A test is a strict expected failure while its bug is open: when the
bug is fixed the test passes, strict xfail turns that into a failure, and
the fixer removes the mark here and the bug's entry in ``known.py`` (which
keeps the fuzz tests from failing on it meanwhile).  Where a backend gets
it right, a plain test says so, and a bug fixed since is a plain test.
"""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from tests.fuzz.run import unavailable

# NaN and infinity inputs are the point of several tests here
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _mode(name: str) -> str:
    why = unavailable({"PY": "py", "C": "c", "JAX": "jax"}[name])
    if why is not None:
        pytest.skip(why)
    return name


# Found by seeds 287, 818, 1421 (and smooth seeds 244, 1477, in gradient graphs).
# `drop_broadcast_into_elemwise` (arignote/tensor/rewrites/gradient_forms.py) rewrites
# f(broadcast_to(a, s), ...) to f(a, ...) when "the other operands give the length"; when
# the broadcast adds leading axes that no other operand has (a unary op, or operands of
# lower rank), the check holds vacuously and the result loses those axes: RewriteError
# "replaced an output of Exp of type (1,) by one of type ()", the function does not compile.
# Fixed since (commit cc13c19: the rule now also requires the same rank).
def _unary(x, v):
    return at.exp(at.broadcast_to(x, (1,))), [np.e]


def _binary(x, v):
    return v + at.broadcast_to(v, (1, 2)), [[2.0, 4.0]]


@pytest.mark.parametrize("build", [_unary, _binary], ids=["unary", "binary"])
@pytest.mark.parametrize("mode", ["PY", "C", "JAX"])
def test_broadcast_into_elemwise_keeps_rank(mode, build):
    x = at.tensor("x", dtype="float64", shape=())
    v = at.tensor("v", dtype="float64", shape=(2,))
    out, expected = build(x, v)
    f = arignote.function([x, v], out, mode=_mode(mode), on_unused_input="ignore")
    got = f(np.array(1.0), np.array([1.0, 2.0]))
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got, expected)


# Found by seeds 19, 1001.  AdvancedIncSubtensor (arignote/tensor/subtensor_inc.py,
# `np.add.at(out, key, y)`) hands NumPy a value that still needs broadcasting against a
# multi-dimensional index array; NumPy 2.5's ufunc.at then adds the wrong elements and
# reads past the value's buffer (results vary between calls: garbage like 8e18 was seen).
# Broadcasting y to out[key].shape before np.add.at gives the right sums.  JAX was right.
# Fixed since (commit cc13c19).
@pytest.mark.parametrize("mode", ["PY", "C", "JAX"])
def test_inc_subtensor_nd_index_broadcast_value(mode):
    x = at.tensor("x", dtype="float64", shape=(None,))
    y = at.tensor("y", dtype="float64", shape=(None,))
    f = arignote.function([x, y], at.inc_subtensor(x[np.array([[1, 0], [0, 0]])], y), mode=_mode(mode))
    for _ in range(20):      # x[1] += 1; x[0] += 10 + 1 + 10
        np.testing.assert_array_equal(f(np.zeros(2), np.array([1.0, 10.0])), [21.0, 1.0])


# Found by seed 1435.  Elementwise fusion (arignote/tensor/rewrites/fusion.py) takes the
# uniform constant c (shape (1, 1)) into the composite as the scalar 2.0, so the fused
# node has x's rank, not the broadcast rank 2; the static shape then put back with a
# SpecifyShape{(1,)} fails at run time ("expected shape (1,), got (3,)").  JAX (no
# fusion) gave the (1, 3) result.  Fixed since (commit 6e00715).
# Seeds 16 and 1332 show the silent form: with a 0-d x and a (1,) constant the result
# simply comes out 0-d (`at.cast(c - x, "int64")`, `at.exp(x * [2.0])`).
@pytest.mark.parametrize("x_shape", [(None,), ()], ids=["error", "silent"])
@pytest.mark.parametrize("mode", ["PY", "C", "JAX"])
def test_fusion_keeps_rank_of_constant(mode, x_shape):
    x = at.tensor("x", dtype="float64", shape=x_shape)
    c = at.constant(np.full((1,) * (len(x_shape) + 1), 2.0))
    f = arignote.function([x], at.exp(x * c), mode=_mode(mode))
    value = np.ones((3,) * len(x_shape))
    got = f(value)
    assert got.shape == (1,) + value.shape
    np.testing.assert_allclose(got, np.exp(value * 2.0)[None])


# Found by seed 75.  Dot.perform (arignote/tensor/products.py) calls np.dot, which hands
# a single-element operand to BLAS's scal; with that element 0, scal writes zeros and the
# NaN of the other operand is lost (np.matmul, the C and JAX backends give NaN, as IEEE
# 0 * NaN and NumPy's `@` do).  TensorDot's np.tensordot goes through np.dot likewise.
# Seed 1394: the C backend runs TensorDot through the same NumPy code (np.tensordot ->
# np.dot), so there int64 [0] (x) [[1, inf, -3]] gives [0, 0, 0] instead of [0, nan, 0].
# Both fixed since (commit 6e00715): products go through np.matmul.
@pytest.mark.parametrize("mode", ["PY", "C", "JAX"])
def test_tensordot_propagates_nan_through_single_element(mode):
    x = at.tensor("x", dtype="int64", shape=(1,))
    y = at.tensor("y", dtype="float64", shape=(None, None))
    f = arignote.function([x, y], at.tensordot(x, y, axes=1), mode=_mode(mode))
    np.testing.assert_array_equal(np.isnan(f(np.array([0]), np.array([[1.0, np.inf, -3.0]]))),
                                  [False, True, False])


@pytest.mark.parametrize("mode", ["PY", "C", "JAX"])
def test_dot_propagates_nan_through_single_element(mode):
    x = at.tensor("x", dtype="float64", shape=(1, 1))
    c = at.constant(np.array([[1.0, np.nan, 2.0]]))
    f = arignote.function([x], x @ c, mode=_mode(mode))
    np.testing.assert_array_equal(np.isnan(f(np.zeros((1, 1)))), [[False, True, False]])


# Found by seed 1121 (a build finding).  at.flatten (arignote/tensor/shape.py) reshapes
# to (*shape[:ndim-1], -1); for an array with an empty axis the -1 is ambiguous, so
# flattening (0, 1, 1, 4) to 3 dims raises (at build time when the shape is static, at
# run time otherwise) instead of giving shape (0, 1, 4).  Fixed since (commit 6e00715).
@pytest.mark.parametrize("static", [True, False], ids=["static", "unknown"])
@pytest.mark.parametrize("mode", ["PY", "C", "JAX"])
def test_flatten_of_empty_array(mode, static):
    x = at.tensor("x", dtype="float64", shape=(0, 1, 1, 4) if static else (None, 1, 1, 4))
    f = arignote.function([x], at.flatten(x, 3), mode=_mode(mode))
    assert f(np.zeros((0, 1, 1, 4))).shape == (0, 1, 4)


# Found by seeds 426, 1637, 1845, 1877, 2643, 2790, 3131, 3332.  The JAX backend
# (arignote/backend/jax/scalar.py) computes Mul and TrueDiv with jnp after casting the
# bool operand to float; XLA's algebraic simplifier then rewrites x * convert(b) into
# select(b, x, 0) (and convert(b) / 0 likewise), which is not IEEE: NaN * False and
# inf * False give 0 instead of NaN, and False / False (0 / 0) gives 0.  Eager jnp and
# the py and C backends give NaN.  So `x * (x > 0)`, the mask idiom, differs on JAX.
# Fixed: a bool made a float for Mul or TrueDiv goes through an optimization barrier.
def test_jax_mul_by_bool_keeps_nan():
    x = at.tensor("x", dtype="float32", shape=(None,))
    b = at.tensor("b", dtype="bool", shape=(None,))
    f = arignote.function([x, b], [x * b, b / False], mode=_mode("JAX"))
    product, quotient = f(np.array([np.nan, np.inf, 1.0], dtype="float32"), np.zeros(3, dtype=bool))
    np.testing.assert_array_equal(np.isnan(product), [True, True, False])
    assert np.isnan(quotient).all()


@pytest.mark.parametrize("mode", ["PY", "C"])
def test_mul_by_bool_keeps_nan(mode):
    x = at.tensor("x", dtype="float32", shape=(None,))
    b = at.tensor("b", dtype="bool", shape=(None,))
    f = arignote.function([x, b], x * b, mode=_mode(mode))
    np.testing.assert_array_equal(np.isnan(f(np.array([np.nan, np.inf, 1.0], dtype="float32"),
                                             np.zeros(3, dtype=bool))), [True, True, False])


# Found by seeds 2097, 3535.  The JAX backend's Pow (arignote/backend/jax/scalar.py,
# `_power`) calls jnp.power, whose integer algorithm only looks at the low log2(bits)
# bits of the exponent (it assumes larger exponents overflow anyway): uint8 128 ** 128
# gives 1 and int64 3 ** 70 gives 729, where NumPy (and py, C) wrap around: 0 and
# 3 ** 70 mod 2 ** 64.
# Fixed: integer powers square over every bit of the exponent (_integer_power).
def test_jax_integer_power_wraps_for_large_exponents():
    x = at.tensor("x", dtype="int64", shape=(None,))
    f = arignote.function([x], x ** x[::-1], mode=_mode("JAX"))
    values = np.array([70, 2, 3], dtype="int64")
    np.testing.assert_array_equal(f(values), values ** values[::-1])
    u = at.tensor("u", dtype="uint8", shape=(None,))
    g = arignote.function([u], u ** u, mode=_mode("JAX"))
    u8 = np.array([128, 3, 0], "uint8")
    np.testing.assert_array_equal(g(u8), u8 ** u8)


@pytest.mark.parametrize("mode", ["PY", "C"])
def test_integer_power_wraps_for_large_exponents(mode):
    x = at.tensor("x", dtype="int64", shape=(None,))
    f = arignote.function([x], x ** x[::-1], mode=_mode(mode))
    values = np.array([70, 2, 3], dtype="int64")
    np.testing.assert_array_equal(f(values), values ** values[::-1])
