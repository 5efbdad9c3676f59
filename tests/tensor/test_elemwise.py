"""Every elementwise op against NumPy/SciPy over dtypes and broadcasting patterns."""

import numpy as np
import pytest
import scipy.special as sps
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arignote
import arignote.tensor as at
from arignote.config import config
from tests.checks import check_against_numpy, random_array

FLOATS = ("float32", "float64")
NUMERIC = ("int8", "int32", "int64", "uint8", "float32", "float64")


def _small_int_to_float32(ref, *inputs):
    """``ref(*inputs)`` with PyTensor's departures from NumPy: a real function of small ints
    gives float32, computed in float32 (NumPy's loop for them is float16); integer / integer
    gives floatX."""
    small = {"bool", "int8", "uint8", "int16", "uint16"}
    result = ref(*inputs)
    if ref is np.true_divide and all(np.asarray(i).dtype.kind in "biu" for i in inputs):
        return np.asarray(result).astype(config.floatX)  # PyTensor: integer / integer is floatX
    if np.asarray(result).dtype.kind == "f" and all(np.asarray(i).dtype.name in small for i in inputs):
        return np.asarray(ref(*[np.asarray(i, dtype="float32") for i in inputs])).astype("float32")
    return result


def _log1mexp(x):
    return np.log(-np.expm1(x))


# name, arignote function, reference, (low, high) input range, dtypes
UNARY = [
    ("neg", at.neg, np.negative, (-3, 3), ("int8", "int64", "float32", "float64", "complex128")),
    ("abs", at.abs, np.abs, (-3, 3), ("int16", "int64", "float32", "float64", "complex128")),
    ("sign", at.sign, np.sign, (-3, 3), ("int32", "float32", "float64")),
    ("exp", at.exp, np.exp, (-3, 3), NUMERIC + ("complex128",)),
    ("exp2", at.exp2, np.exp2, (-3, 3), NUMERIC),
    ("expm1", at.expm1, np.expm1, (-3, 3), FLOATS),
    ("log", at.log, np.log, (0.1, 5), NUMERIC + ("complex128",)),
    ("log2", at.log2, np.log2, (0.1, 5), FLOATS),
    ("log10", at.log10, np.log10, (0.1, 5), FLOATS),
    ("log1p", at.log1p, np.log1p, (-0.5, 5), FLOATS),
    ("sqrt", at.sqrt, np.sqrt, (0, 5), NUMERIC),
    ("sqr", at.sqr, np.square, (-3, 3), NUMERIC),
    ("reciprocal", at.reciprocal, lambda x: np.true_divide(1, x), (0.5, 3), ("int32", "float32", "float64")),
    ("sin", at.sin, np.sin, (-3, 3), FLOATS + ("int16",)),
    ("cos", at.cos, np.cos, (-3, 3), FLOATS),
    ("tan", at.tan, np.tan, (-1, 1), FLOATS),
    ("arcsin", at.arcsin, np.arcsin, (-0.9, 0.9), FLOATS),
    ("arccos", at.arccos, np.arccos, (-0.9, 0.9), FLOATS),
    ("arctan", at.arctan, np.arctan, (-3, 3), FLOATS),
    ("sinh", at.sinh, np.sinh, (-3, 3), FLOATS),
    ("cosh", at.cosh, np.cosh, (-3, 3), FLOATS),
    ("tanh", at.tanh, np.tanh, (-3, 3), FLOATS),
    ("arcsinh", at.arcsinh, np.arcsinh, (-3, 3), FLOATS),
    ("arccosh", at.arccosh, np.arccosh, (1.1, 4), FLOATS),
    ("arctanh", at.arctanh, np.arctanh, (-0.9, 0.9), FLOATS),
    ("sigmoid", at.sigmoid, sps.expit, (-8, 8), FLOATS + ("int8",)),
    ("softplus", at.softplus, lambda x: np.logaddexp(np.zeros((), np.result_type(x, np.float16)), x),
     (-8, 8), FLOATS),
    ("log1mexp", at.log1mexp, _log1mexp, (-5, -0.01), FLOATS),
    ("erf", at.erf, sps.erf, (-2, 2), FLOATS),
    ("erfc", at.erfc, sps.erfc, (-2, 2), FLOATS),
    ("erfinv", at.erfinv, sps.erfinv, (-0.9, 0.9), FLOATS),
    ("gamma", at.gamma, sps.gamma, (0.5, 4), FLOATS),
    ("gammaln", at.gammaln, sps.gammaln, (0.5, 8), FLOATS),
    ("digamma", at.digamma, sps.digamma, (0.5, 8), FLOATS),
    ("floor", at.floor, np.floor, (-3, 3), FLOATS),
    ("ceil", at.ceil, np.ceil, (-3, 3), FLOATS),
    ("round", at.round, np.round, (-3, 3), FLOATS + ("int32",)),
    ("trunc", at.trunc, np.trunc, (-3, 3), FLOATS),
    ("isnan", at.isnan, np.isnan, (-3, 3), FLOATS + ("int32",)),
    ("isinf", at.isinf, np.isinf, (-3, 3), FLOATS),
    ("isfinite", at.isfinite, np.isfinite, (-3, 3), FLOATS + ("int8",)),
    ("invert", at.invert, np.invert, (-3, 3), ("bool", "int8", "uint16", "int64")),
    ("logical_not", at.logical_not, np.logical_not, (-1, 1), ("bool", "int32", "float64")),
    ("real", at.real, np.real, (-3, 3), ("complex64", "complex128", "float64")),
    ("imag", at.imag, np.imag, (-3, 3), ("complex64", "complex128")),
    ("conj", at.conj, np.conjugate, (-3, 3), ("complex128", "float32")),
    ("angle", at.angle, np.angle, (-3, 3), ("complex128", "float64")),
]

BINARY = [
    ("add", at.add, np.add, (-3, 3), NUMERIC + ("bool", "complex128")),
    ("sub", at.sub, np.subtract, (-3, 3), NUMERIC),
    ("mul", at.mul, np.multiply, (-3, 3), NUMERIC + ("bool",)),
    ("true_div", at.true_div, np.true_divide, (1, 4), NUMERIC),
    ("int_div", at.int_div, np.floor_divide, (1, 4), ("int8", "int64", "uint8", "float64")),
    ("mod", at.mod, np.mod, (1, 4), ("int32", "int64", "float32", "float64")),
    ("pow", at.pow, np.power, (0.5, 2), FLOATS),
    ("maximum", at.maximum, np.maximum, (-3, 3), NUMERIC),
    ("minimum", at.minimum, np.minimum, (-3, 3), NUMERIC),
    ("arctan2", at.arctan2, np.arctan2, (-3, 3), FLOATS),
    ("hypot", at.hypot, np.hypot, (-3, 3), FLOATS),
    ("lt", at.lt, np.less, (-3, 3), NUMERIC),
    ("gt", at.gt, np.greater, (-3, 3), NUMERIC),
    ("le", at.le, np.less_equal, (-3, 3), NUMERIC),
    ("ge", at.ge, np.greater_equal, (-3, 3), NUMERIC),
    ("eq", at.eq, np.equal, (-2, 2), ("int32", "float64", "bool")),
    ("neq", at.neq, np.not_equal, (-2, 2), ("int32", "float64", "bool")),
    ("bitwise_and", at.bitwise_and, np.bitwise_and, (-8, 8), ("bool", "int8", "int64", "uint32")),
    ("bitwise_or", at.bitwise_or, np.bitwise_or, (-8, 8), ("bool", "int16", "uint8")),
    ("bitwise_xor", at.bitwise_xor, np.bitwise_xor, (-8, 8), ("bool", "int32")),
    ("logical_and", at.logical_and, np.logical_and, (-1, 1), ("bool", "int32", "float64")),
    ("logical_or", at.logical_or, np.logical_or, (-1, 1), ("bool", "float32")),
    ("logical_xor", at.logical_xor, np.logical_xor, (-1, 1), ("bool", "int8")),
]


def _cases(table):
    return [pytest.param(fn, ref, rng_, dtype, id=f"{name}-{dtype}")
            for name, fn, ref, rng_, dtypes in table for dtype in dtypes]


@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("fn, ref, bounds, dtype", _cases(UNARY))
def test_unary(fn, ref, bounds, dtype, static, rng):
    x = random_array(rng, (3, 4), dtype, *bounds)
    with np.errstate(all="ignore"):
        check_against_numpy(fn, lambda v: _small_int_to_float32(ref, v), x, static=static)


@pytest.mark.parametrize("fn, ref, bounds, dtype", _cases(BINARY))
def test_binary(fn, ref, bounds, dtype, rng):
    a = random_array(rng, (3, 4), dtype, *bounds)
    b = random_array(rng, (4,), dtype, *bounds)
    with np.errstate(all="ignore"):
        check_against_numpy(fn, lambda u, v: _small_int_to_float32(ref, u, v), a, b)


@pytest.mark.parametrize("shapes", [
    [(2, 3), (2, 3)], [(2, 3), (3,)], [(2, 1), (1, 3)], [(1,), (4, 1, 5)], [(), (3,)],
    [(0, 3), (1, 3)], [(2, 1, 4), (3, 1)],
])
@pytest.mark.parametrize("static", [False, True])
def test_broadcasting_patterns(shapes, static, rng):
    values = [random_array(rng, s, "float64") for s in shapes]
    check_against_numpy(lambda a, b: a * 2 + at.exp(b), lambda a, b: a * 2 + np.exp(b),
                        *values, static=static)


@pytest.mark.parametrize("d1, d2", [("int8", "uint8"), ("int32", "float32"), ("int64", "float32"),
                                    ("float32", "float64"), ("bool", "int16"), ("uint64", "int64"),
                                    ("float32", "complex64"), ("int16", "complex128")])
def test_dtype_promotion_follows_numpy(d1, d2):
    x, y = at.tensor(dtype=d1, shape=(None,)), at.tensor(dtype=d2, shape=(None,))
    assert (x + y).dtype == np.result_type(d1, d2).name
    assert (x * y).dtype == np.result_type(d1, d2).name


@pytest.mark.parametrize("dtype, scalar", [("float32", 1.5), ("int8", 3), ("int16", -2), ("float32", 2),
                                           ("int32", 0.5), ("uint8", True), ("float64", 1j)])
def test_python_scalars_are_weak(dtype, scalar, rng):
    x = random_array(rng, (5,), dtype, 1, 4)
    check_against_numpy(lambda v: v + scalar, lambda v: v + scalar, x)
    check_against_numpy(lambda v: scalar * v, lambda v: scalar * v, x)


def test_python_int_rounds_to_float32_like_numpy():
    x = np.ones(2, dtype="float32")
    check_against_numpy(lambda v: v / 16777217, lambda v: v / 16777217, x)


def test_python_int_out_of_range_for_dtype():
    with pytest.raises(OverflowError, match="1000 out of bounds for int8"):
        at.bvector() + 1000


def test_clip_switch_where(rng):
    x = random_array(rng, (4, 5))
    check_against_numpy(lambda v: at.clip(v, -1, 1.5), lambda v: np.clip(v, -1, 1.5), x)
    check_against_numpy(lambda v: v.clip(-0.5, 0.5), lambda v: np.clip(v, -0.5, 0.5), x)
    check_against_numpy(lambda v: at.switch(v > 0, v, 0.0), lambda v: np.where(v > 0, v, 0.0), x)
    cond = rng.random((5,)) < 0.5
    check_against_numpy(lambda c, v: at.where(c, v, -v), lambda c, v: np.where(c, v, -v), cond, x)
    ints = random_array(rng, (5,), "int32")
    check_against_numpy(lambda c, v: at.switch(c, v, 1), lambda c, v: np.where(c != 0, v, 1), ints, x)


@pytest.mark.parametrize("src, dst", [("float64", "int32"), ("float32", "float64"), ("int64", "int8"),
                                      ("bool", "float32"), ("float64", "bool"), ("complex128", "complex64"),
                                      ("int32", "uint8")])
def test_cast(src, dst, rng):
    x = random_array(rng, (6,), src, -100, 100)
    with np.errstate(all="ignore"):
        check_against_numpy(lambda v: at.cast(v, dst), lambda v: v.astype(dst), x)
        check_against_numpy(lambda v: v.astype(dst), lambda v: v.astype(dst), x)


@pytest.mark.parametrize("dst", ["float64", "float32", "int64", "bool"])
def test_cast_from_complex_to_real_is_refused(dst):
    z = at.zvector("z")
    with pytest.raises(TypeError, match="ambiguous.*real"):
        at.cast(z, dst)
    with pytest.raises(TypeError, match="ambiguous"):
        z.astype(dst)
    assert at.cast(at.real(z), dst).dtype == dst  # the part wanted, said explicitly


def test_operators_match_functions(rng):
    a, b = random_array(rng, (3,), "float64", 1, 3), random_array(rng, (3,), "float64", 1, 3)
    check_against_numpy(lambda x, y: [x + y, x - y, x * y, x / y, x // y, x % y, x ** y, -x, abs(x),
                                      x < y, x <= y, x > y, x >= y, 2 - x, 2 / x, 2 ** x, 7 // x, 7 % x],
                        lambda x, y: [x + y, x - y, x * y, x / y, x // y, x % y, x ** y, -x, abs(x),
                                      x < y, x <= y, x > y, x >= y, 2 - x, 2 / x, 2 ** x, 7 // x, 7 % x],
                        a, b)
    i, j = random_array(rng, (3,), "int32", 0, 9), random_array(rng, (3,), "int32", 0, 9)
    check_against_numpy(lambda x, y: [x & y, x | y, x ^ y, ~x, 3 & x],
                        lambda x, y: [x & y, x | y, x ^ y, ~x, 3 & x], i, j)


def test_equality_operator_is_identity():
    x = at.vector("x")
    assert (x == x) is True
    assert at.eq(x, x).dtype == "bool"
    with pytest.raises(TypeError, match="no truth value"):
        bool(x > 0)


def test_static_shape_mismatch_raises_at_build_time():
    a = at.tensor("a", shape=(2, 3))
    b = at.tensor("b", shape=(4,))
    with pytest.raises(ValueError, match=r"cannot be broadcast.*axis 1: 3 vs 4"):
        a + b


def test_runtime_broadcast_error_names_op_and_line():
    a, b = at.vector("a"), at.vector("b")
    c = a * b  # the line reported
    f = arignote.function([a, b], c)
    with pytest.raises(ValueError, match=r"Mul \(built at .*test_elemwise.py:\d+\).*broadcast"):
        f(np.ones(3), np.ones(4))


def test_unsupported_dtype_raises_at_build_time():
    with pytest.raises(TypeError, match="GammaLn is not defined for inputs of dtype"):
        at.gammaln(at.zvector())
    with pytest.raises(TypeError, match="BitwiseAnd"):
        at.vector() & at.vector()


def test_nan_and_inf_behave_as_numpy():
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0])
    with np.errstate(all="ignore"):
        check_against_numpy(lambda v: [at.log(v), at.maximum(v, 0.0), at.minimum(v, 0.0), 1 / v,
                                       at.sqrt(v), at.sign(v), at.exp(v)],
                            lambda v: [np.log(v), np.maximum(v, 0.0), np.minimum(v, 0.0), 1 / v,
                                       np.sqrt(v), np.sign(v), np.exp(v)], x)


def test_stable_special_functions_at_extremes():
    x = np.array([-800.0, -30.0, 0.0, 30.0, 800.0])
    check_against_numpy(at.softplus, lambda v: np.logaddexp(0, v), x)
    check_against_numpy(at.sigmoid, sps.expit, x)
    y = np.array([-800.0, -1e-10, -0.5, -5.0])
    check_against_numpy(at.log1mexp, lambda v: np.log(-np.expm1(v)), y)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
                  elements=st.floats(-10, 10)))
def test_composite_expression_property(x):
    check_against_numpy(lambda v: at.tanh(v) * at.exp(-v ** 2) + at.log1p(v ** 2),
                        lambda v: np.tanh(v) * np.exp(-v ** 2) + np.log1p(v ** 2), x)


@given(st.sampled_from(["int8", "int16", "int32", "float32", "float64", "bool", "uint8"]),
       st.sampled_from(["int8", "int16", "int32", "float32", "float64", "bool", "uint8"]))
def test_add_dtype_matches_numpy_for_any_pair(d1, d2):
    a = np.ones(2, d1)
    b = np.ones(2, d2)
    check_against_numpy(at.add, np.add, a, b)


@given(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
       st.booleans())
def test_broadcasting_any_shapes(shapes, static):
    rng = np.random.default_rng(1)
    values = [random_array(rng, s) for s in shapes.input_shapes]
    check_against_numpy(lambda a, b, c: at.where(a > 0, b, c) * a,
                        lambda a, b, c: np.where(a > 0, b, c) * a, *values, static=static)


def test_broadcastable_spelling():
    t = at.TensorType("float64", broadcastable=(True, False))
    assert t.shape == (1, None)
    assert at.tensor("x", dtype="float32", broadcastable=(False,)).type.shape == (None,)


def test_only_statically_one_lengths_stretch():
    # PyTensor's rule: an unknown length that is 1 at run time does not stretch
    x, y = at.matrix("x"), at.matrix("y")
    f = arignote.function([x, y], x + y)
    np.testing.assert_allclose(f(np.ones((2, 3)), np.ones((2, 3))), 2 * np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Add \(built at .*\): operands could not be broadcast.*"
                                         r"does not broadcast at run time.*specify_broadcastable"):
        f(np.ones((2, 3)), np.ones((1, 3)))
    row = at.specify_broadcastable(y, 0)
    assert row.type.shape == (1, None)
    g = arignote.function([x, y], x + row)
    np.testing.assert_allclose(g(np.ones((2, 3)), np.ones((1, 3))), 2 * np.ones((2, 3)))
    with pytest.raises(ValueError):
        g(np.ones((2, 3)), np.ones((2, 3)))  # the assertion of length 1 fails
    with pytest.raises(ValueError, match="out of range"):
        at.specify_broadcastable(y, 2)
