"""Reductions (sum, prod, max, min, all, any, argmax, argmin) and the statistics
built on them (mean, var, std, logsumexp), compared with NumPy and SciPy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sps
from hypothesis import given
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.scalar import math as sm
from arignote.tensor.reduction import CAReduce, normalize_reduce_axes
from tests.checks import check_against_numpy, random_array

SHAPES = [(), (4,), (3, 4), (2, 3, 4)]
DTYPES = ["bool", "int8", "int32", "uint8", "float32", "float64", "complex128"]


def axis_forms(ndim: int) -> list:
    """Every way of naming axes that NumPy accepts for an ``ndim``-d array."""
    if ndim == 0:
        return [None, (), 0, -1]
    forms = [None, (), 0, -1, (0,), tuple(range(ndim)), tuple(range(-ndim, 0))]
    if ndim >= 2:
        forms += [(0, -1), (-1, 0), 1]
    if ndim >= 3:
        forms += [(0, 2), (1,)]
    return forms


def run(build, value, static=False):
    """Compile ``build`` on an input like ``value`` and run it."""
    x = at.tensor("x", dtype=value.dtype, shape=value.shape if static else (None,) * value.ndim)
    return arignote.function([x], build(x))(value)


# --- sum, prod, max, min, all, any --------------------------------------------------

REDUCERS = {
    "sum": (at.sum, np.sum),
    "prod": (at.prod, np.prod),
    "max": (at.max, np.max),
    "min": (at.min, np.min),
    "all": (at.all, np.all),
    "any": (at.any, np.any),
}


@pytest.mark.parametrize("name", list(REDUCERS))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("static", [False, True])
def test_reduction_matches_numpy(rng, name, dtype, static):
    ours, reference = REDUCERS[name]
    for shape in SHAPES:
        value = random_array(rng, shape, dtype, low=-2, high=2)
        for axis in axis_forms(len(shape)):
            for keepdims in (False, True):
                check_against_numpy(lambda x: ours(x, axis=axis, keepdims=keepdims),
                                    lambda v: reference(v, axis=axis, keepdims=keepdims),
                                    value, static=static)


@pytest.mark.parametrize("dtype,expected", [
    ("bool", "int64"), ("int8", "int64"), ("int16", "int64"), ("int32", "int64"),
    ("int64", "int64"), ("uint8", "uint64"), ("uint32", "uint64"), ("uint64", "uint64"),
    ("float16", "float16"), ("float32", "float32"), ("float64", "float64"),
    ("complex64", "complex64"), ("complex128", "complex128"),
])
def test_sum_and_prod_result_dtypes(dtype, expected):
    x = at.vector("x", dtype=dtype)
    assert at.sum(x).dtype == expected == np.sum(np.ones(2, dtype)).dtype
    assert at.prod(x, axis=0).dtype == expected == np.prod(np.ones(2, dtype)).dtype


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "float16", "float32", "complex64"])
def test_max_min_keep_dtype_and_all_any_give_bool(dtype):
    x = at.matrix("x", dtype=dtype)
    assert at.max(x, axis=0).dtype == dtype
    assert at.min(x).dtype == dtype
    assert at.all(x).dtype == "bool"
    assert at.any(x, axis=1).dtype == "bool"


@pytest.mark.parametrize("dtype,acc_dtype", [("float32", None), ("int32", None), ("float64", None),
                                             ("int64", "float64"), ("float32", "float64"),
                                             ("bool", None), ("uint8", None)])
def test_sum_prod_dtype_and_acc_dtype(rng, dtype, acc_dtype):
    value = random_array(rng, (3, 5), "int8")
    for ours, reference in ((at.sum, np.sum), (at.prod, np.prod)):
        def expected(v, reference=reference):
            acc = reference(v, axis=1, dtype=acc_dtype or dtype)
            return acc.astype(dtype)
        check_against_numpy(lambda x, ours=ours: ours(x, axis=1, dtype=dtype, acc_dtype=acc_dtype),
                            expected, value)


def test_sum_of_float32_stays_float32_with_large_values(rng):
    value = random_array(rng, (50, 7), "float32", low=-1e30, high=1e30)
    check_against_numpy(lambda x: at.sum(x, axis=0), lambda v: np.sum(v, axis=0), value)


def test_integer_sums_wrap_like_numpy():
    value = np.full((4,), 2**62, dtype="int64")
    check_against_numpy(at.sum, np.sum, value)
    check_against_numpy(lambda x: at.sum(x, dtype="int8"), lambda v: np.sum(v, dtype="int8"),
                        np.full(3, 100, dtype="int8"))


@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("dtype", ["int8", "float32", "float64", "bool", "complex128"])
def test_empty_sum_prod_all_any(static, dtype):
    for shape, axis in [((0,), None), ((0, 3), 0), ((3, 0), 1), ((3, 0), 0), ((0, 0), None),
                        ((2, 0, 3), (0, 2))]:
        value = np.zeros(shape, dtype=dtype)
        for name in ("sum", "prod", "all", "any"):
            ours, reference = REDUCERS[name]
            for keepdims in (False, True):
                check_against_numpy(lambda x: ours(x, axis=axis, keepdims=keepdims),
                                    lambda v: reference(v, axis=axis, keepdims=keepdims),
                                    value, static=static)


@pytest.mark.parametrize("name", ["max", "min"])
def test_empty_max_min_fail_like_numpy(name):
    ours, reference = REDUCERS[name]
    fails = [((0,), None), ((0, 3), 0), ((3, 0), 1), ((0, 0), 0), ((0, 0), None)]
    for shape, axis in fails:
        value = np.zeros(shape)
        with pytest.raises(ValueError, match="zero-size array"):
            reference(value, axis=axis)
        with pytest.raises(ValueError, match="zero-size array"):
            run(lambda x: ours(x, axis=axis), value)  # unknown shape: at run time
        with pytest.raises(ValueError, match="zero-size array"):
            run(lambda x: ours(x, axis=axis), value, static=True)  # known shape: at build time
    for shape, axis in [((3, 0), 0), ((2, 0, 3), (0, 2))]:  # nothing reduced over an empty axis
        for static in (False, True):
            check_against_numpy(lambda x: ours(x, axis=axis), lambda v: reference(v, axis=axis),
                                np.zeros(shape), static=static)


def test_max_min_with_initial():
    for static in (False, True):
        check_against_numpy(lambda x: at.max(x, initial=-np.inf), lambda v: np.max(v, initial=-np.inf),
                            np.zeros((0,)), static=static)
        check_against_numpy(lambda x: at.min(x, axis=0, initial=5.0),
                            lambda v: np.min(v, axis=0, initial=5.0), np.array([[7.0, 1.0]]),
                            static=static)
    with pytest.raises(TypeError, match="initial"):
        at.max(at.vector(dtype="int8"), initial=-np.inf)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", ["max", "min", "sum", "prod"])
def test_nan_and_inf_propagate_like_numpy(name):
    ours, reference = REDUCERS[name]
    nan, inf = np.nan, np.inf
    value = np.array([[1.0, nan, 3.0], [inf, -inf, 2.0], [-inf, -inf, -inf], [nan, inf, -inf]])
    for axis in (None, 0, 1):
        for dtype in ("float32", "float64"):
            check_against_numpy(lambda x: ours(x, axis=axis), lambda v: reference(v, axis=axis),
                                value.astype(dtype))


def test_complex_max_is_lexicographic_like_numpy():
    value = np.array([[1 + 5j, 1 + 6j, 0 + 9j], [2 - 1j, 2 - 3j, np.nan + 0j]])
    for axis in (None, 0, 1):
        check_against_numpy(lambda x: at.max(x, axis=axis), lambda v: np.max(v, axis=axis), value)
        check_against_numpy(lambda x: at.min(x, axis=axis), lambda v: np.min(v, axis=axis), value)


def test_all_any_on_numbers_treat_nan_as_true():
    value = np.array([[0.0, np.nan], [0.0, 0.0], [1.0, -2.0]])
    for axis in (None, 0, 1):
        check_against_numpy(lambda x: at.all(x, axis=axis), lambda v: np.all(v, axis=axis), value)
        check_against_numpy(lambda x: at.any(x, axis=axis), lambda v: np.any(v, axis=axis), value)


def test_static_shapes_of_reductions():
    x = at.tensor("x", shape=(2, None, 4))
    assert at.sum(x, axis=1).type.shape == (2, 4)
    assert at.sum(x, axis=(0, 2)).type.shape == (None,)
    assert at.max(x, axis=-1, keepdims=True).type.shape == (2, None, 1)
    assert at.all(x, keepdims=True).type.shape == (1, 1, 1)
    assert at.prod(x).type.shape == ()
    assert at.sum(x, axis=()).type.shape == (2, None, 4)
    assert at.argmax(x, axis=0).type.shape == (None, 4)
    assert at.argmin(x, axis=None, keepdims=True).type.shape == (1, 1, 1)
    assert at.mean(x, axis=(0, 1), keepdims=True).type.shape == (1, 1, 4)


def test_reduction_op_fields_are_canonical():
    x = at.tensor("x", dtype="int8", shape=(None, None, None))
    node = at.sum(x, axis=(-1, 0)).owner
    assert isinstance(node.op, CAReduce) and isinstance(node.op.scalar_op, sm.Add)
    assert node.op.axis == (0, 2) and node.op.dtype is None
    assert at.sum(x, axis=(2, 0, 1)).owner.op.axis is None
    keep = at.max(x, axis=1, keepdims=True)
    assert keep.owner.op.new_order == (0, "x", 1)  # a DimShuffle adding the axis back
    assert isinstance(keep.owner.inputs[0].owner.op.scalar_op, sm.Maximum)
    scalar_ops = {name: type(REDUCERS[name][0](x).owner.op.scalar_op) for name in REDUCERS}
    assert scalar_ops == {"sum": sm.Add, "prod": sm.Mul, "max": sm.Maximum, "min": sm.Minimum,
                          "all": sm.LogicalAnd, "any": sm.LogicalOr}


def test_equal_reductions_intern():
    x = at.matrix("x", dtype="int8")
    assert at.sum(x) is at.sum(x, axis=(0, 1)) is at.sum(x, axis=[-1, 0]) is at.sum(x, dtype="int64")
    assert at.sum(x, axis=0) is at.sum(x, axis=-2) is x.sum(0)
    assert at.sum(x, dtype="int32") is not at.sum(x)
    assert at.sum(x, dtype="int64", acc_dtype="int64") is at.sum(x)


def test_careduce_op_direct_use():
    op = CAReduce(sm.Add(), (1,))
    assert op == CAReduce(sm.Add(), (1,), None, None) and hash(op) == hash(CAReduce(sm.Add(), (1,)))
    assert str(op) == "Sum{axis=(1,)}"
    value = np.arange(6, dtype="int16").reshape(2, 3)
    np.testing.assert_array_equal(op.perform(value), value.sum(axis=1))
    assert op.perform(value).dtype == np.int64
    with pytest.raises(ValueError, match="sorted tuple"):
        CAReduce(sm.Add(), (1, 0))
    with pytest.raises(ValueError, match="sorted tuple"):
        CAReduce(sm.Add(), 1)
    with pytest.raises(TypeError, match="cannot reduce"):
        CAReduce(sm.Exp())
    with pytest.raises(ValueError, match="out of range"):
        op(at.vector())


def test_reduction_axis_errors():
    x = at.matrix("x")
    with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
        at.sum(x, axis=2)
    with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
        at.max(x, axis=(0, -3))
    with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
        at.sum(at.scalar(), axis=(0,))  # only a plain int axis 0/-1 is allowed on 0-d, as NumPy
    with pytest.raises(ValueError, match="duplicate"):
        at.sum(x, axis=(1, -1))
    with pytest.raises(TypeError, match="axis"):
        at.sum(x, axis=1.0)
    with pytest.raises(TypeError, match="axis"):
        at.any(x, axis=True)


def test_reduction_dtype_errors_and_unsafe_casts():
    # NumPy casts the elements unsafely into a requested dtype (1.5 + 2.5 -> 3)
    check_against_numpy(lambda x: at.sum(x, dtype="int32"), lambda v: np.sum(v, dtype="int32"),
                        np.array([1.5, 2.5, -0.7]))
    with pytest.raises(TypeError, match="not supported"):
        at.sum(at.vector(), dtype="datetime64")


def test_variable_methods():
    value = np.arange(12.0).reshape(3, 4) - 5
    check_against_numpy(
        lambda x: [x.sum(), x.sum(axis=0, keepdims=True), x.prod(1), x.max(), x.min(axis=-1),
                   x.all(), x.any(axis=0), x.argmax(), x.argmin(axis=1), x.mean(axis=0),
                   x.var(ddof=1), x.std(axis=1, keepdims=True)],
        lambda v: [v.sum(), v.sum(axis=0, keepdims=True), v.prod(1), v.max(), v.min(axis=-1),
                   v.all(), v.any(axis=0), v.argmax(), v.argmin(axis=1), v.mean(axis=0),
                   v.var(ddof=1), v.std(axis=1, keepdims=True)],
        value)


# --- argmax / argmin ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int32", "float32", "float64", "complex128"])
@pytest.mark.parametrize("static", [False, True])
def test_argmax_argmin_match_numpy(rng, name, dtype, static):
    ours, reference = getattr(at, name), getattr(np, name)
    for shape in SHAPES:
        value = random_array(rng, shape, dtype, low=-2, high=2)  # small range: many ties
        axes = [None, 0, -1] + list(range(1, len(shape)))  # NumPy takes 0 and -1 for a 0-d array too
        for axis in axes:
            for keepdims in (False, True):
                check_against_numpy(lambda x: ours(x, axis=axis, keepdims=keepdims),
                                    lambda v: reference(v, axis=axis, keepdims=keepdims),
                                    value, static=static)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_nan_and_ties_like_numpy(name):
    ours, reference = getattr(at, name), getattr(np, name)
    value = np.array([[1.0, 3.0, 3.0, 1.0], [np.nan, 2.0, np.nan, 9.0], [np.inf, -np.inf, np.inf, 0.0]])
    for axis in (None, 0, 1):
        check_against_numpy(lambda x: ours(x, axis=axis), lambda v: reference(v, axis=axis), value)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_empty(name):
    ours, reference = getattr(at, name), getattr(np, name)
    with pytest.raises(ValueError, match="empty sequence"):
        run(lambda x: ours(x), np.zeros((0,)))
    with pytest.raises(ValueError, match="empty sequence"):
        run(lambda x: ours(x, axis=0), np.zeros((0, 3)))
    with pytest.raises(ValueError, match="empty sequence"):
        ours(at.tensor(shape=(0, 3)), axis=0)
    for static in (False, True):
        check_against_numpy(lambda x: ours(x, axis=0), lambda v: reference(v, axis=0),
                            np.zeros((3, 0)), static=static)


def test_argmax_errors_and_op():
    x = at.matrix("x")
    with pytest.raises(TypeError, match="axis"):
        at.argmax(x, axis=1.0)
    with pytest.raises(ValueError, match="duplicate"):
        at.argmax(x, axis=(0, 0))
    with pytest.raises(np.exceptions.AxisError):
        at.argmin(x, axis=2)
    node = at.argmax(x, axis=-1).owner
    assert isinstance(node.op, at.Argmax) and node.op.axis == 1
    assert at.argmax(at.vector(), axis=0).owner.op.axis is None  # 1-d: flat index == index
    assert at.argmax(x, axis=1) is at.argmax(x, axis=-1)
    with pytest.raises(ValueError, match="non-negative"):
        at.Argmin(-1)


def test_max_and_argmax(rng):
    value = random_array(rng, (3, 4), "float64")
    for axis in (None, 0, -1):
        check_against_numpy(lambda x: list(at.max_and_argmax(x, axis)),
                            lambda v: [np.max(v, axis=axis), np.argmax(v, axis=axis)], value)


# --- mean, var, std ----------------------------------------------------------------------

STATS = {"mean": (at.mean, np.mean), "var": (at.var, np.var), "std": (at.std, np.std)}


@pytest.mark.parametrize("name", list(STATS))
@pytest.mark.parametrize("dtype", DTYPES + ["float16", "complex64"])
@pytest.mark.parametrize("static", [False, True])
def test_stats_match_numpy(rng, name, dtype, static):
    ours, reference = STATS[name]
    for shape in SHAPES:
        value = random_array(rng, shape, dtype)
        for axis in axis_forms(len(shape)):
            if not shape and axis in (0, -1):
                continue  # np.mean refuses these; tested below
            for keepdims in (False, True):
                check_against_numpy(lambda x: ours(x, axis=axis, keepdims=keepdims),
                                    lambda v: reference(v, axis=axis, keepdims=keepdims),
                                    value, static=static,
                                    rtol=1e-2 if dtype == "float16" else None,
                                    atol=1e-2 if dtype == "float16" else None)


@pytest.mark.parametrize("dtype", ["int8", "bool", "float16", "float32", "float64", "complex64"])
def test_stats_result_dtypes(dtype):
    x = at.matrix("x", dtype=dtype)
    sample = np.ones((2, 2), dtype)
    assert at.mean(x).dtype == np.mean(sample).dtype
    assert at.var(x, axis=0).dtype == np.var(sample, axis=0).dtype
    assert at.std(x, axis=1).dtype == np.std(sample, axis=1).dtype


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("ddof", [0, 1, 2, 0.5, 5])
def test_var_std_ddof(rng, static, ddof):
    value = random_array(rng, (3, 4), "float64")
    for axis in (None, 0, 1, (0, 1)):
        check_against_numpy(lambda x: [at.var(x, axis=axis, ddof=ddof), at.std(x, axis, ddof)],
                            lambda v: [np.var(v, axis=axis, ddof=ddof), np.std(v, axis, ddof=ddof)],
                            value, static=static)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("static", [False, True])
def test_stats_of_empty_are_nan_like_numpy(static):
    for shape, axis in [((0,), None), ((0, 3), 0), ((3, 0), 1), ((3, 0), 0)]:
        value = np.zeros(shape, "float32")
        for name in STATS:
            ours, reference = STATS[name]
            check_against_numpy(lambda x: ours(x, axis=axis), lambda v: reference(v, axis=axis),
                                value, static=static)


@pytest.mark.parametrize("dtype", [None, "float32", "float64", "int32", "complex128"])
def test_mean_dtype_argument(rng, dtype):
    value = random_array(rng, (3, 5), "int16", low=-50, high=50)

    def reference(v, axis):
        if dtype == "int32":  # PyTensor's rule: the sum in int32, the mean float64
            return v.sum(axis=axis, dtype=dtype) / (v.size if axis is None else v.shape[axis])
        return np.mean(v, axis=axis, dtype=dtype)
    for axis in (None, 1):
        check_against_numpy(lambda x: at.mean(x, axis=axis, dtype=dtype),
                            lambda v: reference(v, axis), value)


def _op_types(var):
    found, stack = set(), [var]
    while stack:
        var = stack.pop()
        if var.owner is not None:
            found.add(type(var.owner.op))
            stack.extend(var.owner.inputs)
    return found


def test_mean_is_sum_over_count():
    from arignote.tensor.shape import ShapeI

    x = at.tensor("x", shape=(None, 3))
    static = at.mean(x, axis=1)  # the count is a constant
    assert _op_types(static) == {CAReduce, at.Elemwise}
    dynamic = at.mean(x, axis=0)  # the count is the run-time length
    assert ShapeI in _op_types(dynamic)
    # partly static reduced dims: the count is the run-time lengths times the static ones
    y = at.tensor("y", shape=(None, 3, None))
    value = np.arange(30.0).reshape(2, 3, 5) ** 1.5
    fn = arignote.function([y], [at.mean(y, axis=(0, 1)), at.var(y, ddof=1), at.std(y, axis=(1, 2))])
    for got, expected in zip(fn(value), [np.mean(value, axis=(0, 1)), np.var(value, ddof=1),
                                         np.std(value, axis=(1, 2))]):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_var_of_large_offset_is_accurate(rng):
    value = 1e8 + random_array(rng, (1000,), "float64")  # two-pass, not E[x^2] - E[x]^2
    check_against_numpy(at.var, np.var, value, rtol=1e-6)


def test_var_ddof_must_be_a_number():
    with pytest.raises(TypeError, match="ddof"):
        at.var(at.vector(), ddof="1")


# --- logsumexp -------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["bool", "int8", "int32", "float32", "float64", "complex128"])
@pytest.mark.parametrize("static", [False, True])
def test_logsumexp_matches_scipy(rng, dtype, static):
    for shape in SHAPES:
        value = random_array(rng, shape, dtype, low=-5, high=5)
        for axis in axis_forms(len(shape)):
            for keepdims in (False, True):
                if not shape and (keepdims or axis in ((), 0, -1)):
                    continue  # SciPy treats 0-d input as 1-d; see test_logsumexp_of_0d
                check_against_numpy(lambda x: at.logsumexp(x, axis=axis, keepdims=keepdims),
                                    lambda v: sps.logsumexp(v, axis=axis, keepdims=keepdims),
                                    value, static=static)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logsumexp_extremes_like_scipy(dtype):
    nan, inf = np.nan, np.inf
    rows = np.array([
        [1000.0, 1000.0, 999.0], [-1000.0, -1000.0, -1001.0], [1000.0, -1000.0, 0.0],
        [-inf, -inf, -inf], [inf, 1.0, 2.0], [inf, -inf, 0.0], [nan, 1.0, 2.0], [inf, nan, 0.0],
        [-inf, 3.0, -inf], [1e-30, -1e-30, 0.0],
    ], dtype=dtype)
    got = check_against_numpy(lambda x: at.logsumexp(x, axis=1),
                              lambda v: sps.logsumexp(v, axis=1), rows)[0]
    assert got[0] == pytest.approx(1000 + np.log(2 + np.exp(-1)), rel=1e-6)
    assert np.isfinite(got[:3]).all()
    check_against_numpy(lambda x: at.logsumexp(x, axis=0, keepdims=True),
                        lambda v: sps.logsumexp(v, axis=0, keepdims=True), rows[:4])


def test_logsumexp_of_0d():
    for axis in (None, (), 0, -1):
        for keepdims in (False, True):
            check_against_numpy(lambda x: at.logsumexp(x, axis=axis, keepdims=keepdims),
                                lambda v: np.asarray(v, dtype="float64"), np.array(2.5))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("static", [False, True])
def test_logsumexp_of_empty_is_minus_inf(static):
    for shape, axis in [((0,), None), ((0, 3), 0), ((3, 0), 1), ((3, 0), 0)]:
        check_against_numpy(lambda x: at.logsumexp(x, axis=axis),
                            lambda v: sps.logsumexp(v, axis=axis), np.zeros(shape), static=static)


# --- properties -------------------------------------------------------------------------------

@st.composite
def arrays_and_axes(draw):
    shape = tuple(draw(st.lists(st.integers(0, 3), min_size=0, max_size=3)))
    dtype = draw(st.sampled_from(["int8", "uint8", "float32", "float64", "bool"]))
    ndim = len(shape)
    axis = draw(st.one_of(
        st.none(),
        st.integers(-ndim, ndim - 1) if ndim else st.sampled_from([0, -1]),
        st.lists(st.integers(0, ndim - 1), unique=True).map(tuple) if ndim else st.just(()),
    ))
    seed = draw(st.integers(0, 2**16))
    return random_array(np.random.default_rng(seed), shape, dtype, low=-2, high=2), axis


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's mean of nothing warns
@given(arrays_and_axes(), st.booleans(), st.booleans(),
       st.sampled_from(["sum", "prod", "max", "min", "all", "any", "mean"]))
def test_reductions_property(case, keepdims, static, name):
    value, axis = case
    ours, reference = REDUCERS.get(name) or STATS[name]
    try:
        with np.errstate(all="ignore"):
            expected = reference(value, axis=axis, keepdims=keepdims)
    except ValueError:
        with pytest.raises(ValueError):
            run(lambda x: ours(x, axis=axis, keepdims=keepdims), value, static)
        return
    with np.errstate(all="ignore"):
        check_against_numpy(lambda x: ours(x, axis=axis, keepdims=keepdims),
                            lambda v: expected, value, static=static)


def test_normalize_reduce_axes():
    assert normalize_reduce_axes(None, 3) is None
    assert normalize_reduce_axes((2, -3), 3) == (0, 2)
    assert normalize_reduce_axes([0, 1, 2], 3) is None
    assert normalize_reduce_axes((), 2) == ()
    assert normalize_reduce_axes((), 0) is None
    assert normalize_reduce_axes(-1, 0) is None
    assert normalize_reduce_axes(np.int64(1), 2) == (1,)
    with pytest.raises(np.exceptions.AxisError):
        normalize_reduce_axes(0, 0, int_axis_on_0d=False)


def test_mean_var_refuse_int_axis_on_0d_like_numpy():
    with pytest.raises(np.exceptions.AxisError):
        np.mean(np.array(1.0), axis=0)
    for function in (at.mean, at.var, at.std):
        with pytest.raises(np.exceptions.AxisError):
            function(at.scalar(), axis=0)
