"""cumsum, cumprod, diff, searchsorted, bincount and unique against NumPy."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arignote
import arignote.tensor as at
from arignote.tensor.extra_ops import BinCount, CumOp, Diff, SearchSorted, Unique
from tests.checks import check_against_numpy, random_array

DTYPES = ("int8", "int32", "int64", "uint8", "uint32", "float16", "float32", "float64", "bool",
          "complex128")


# --- cumsum, cumprod -----------------------------------------------------------------

@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("shape, axis", [((5,), None), ((5,), 0), ((5,), -1), ((3, 4), None),
                                         ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), 1), ((2, 3, 4), -3),
                                         ((), None), ((), 0), ((), -1), ((0,), 0), ((2, 0), None),
                                         ((2, 0), 1)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cumsum_cumprod(rng, dtype, shape, axis, static):
    value = random_array(rng, shape, dtype, low=-2, high=2)
    for ours, theirs in ((at.cumsum, np.cumsum), (at.cumprod, np.cumprod)):
        check_against_numpy(lambda x: ours(x, axis), lambda x: theirs(x, axis=axis), value,
                            static=static, rtol=1e-2 if dtype == "float16" else None)


def test_cum_methods_and_static_shapes(rng):
    value = random_array(rng, (3, 4), "int16")
    check_against_numpy(lambda x: x.cumsum(), np.cumsum, value)
    check_against_numpy(lambda x: x.cumprod(axis=1), lambda x: x.cumprod(axis=1), value)
    x = at.tensor("x", dtype="int8", shape=(2, None))
    assert at.cumsum(x, 0).type == at.TensorType("int64", (2, None))
    assert at.cumsum(x).type.shape == (None,)
    assert at.cumprod(at.tensor(dtype="uint16", shape=(2, 3))).type == at.TensorType("uint64", (6,))
    assert at.cumsum(at.tensor(dtype="float32", shape=(2, 3)), -1).type.shape == (2, 3)


def test_cum_errors():
    with pytest.raises(np.exceptions.AxisError):
        at.cumsum(at.matrix(), 2)
    with pytest.raises(np.exceptions.AxisError):
        at.cumprod(at.scalar(), 1)
    with pytest.raises(ValueError, match="mode"):
        CumOp(0, "max")
    with pytest.raises(ValueError, match="does not fit"):
        CumOp(1, "add")(at.vector())


def test_cumop_interns():
    x = at.matrix("x")
    assert at.cumsum(x, -1) is at.cumsum(x, 1)
    assert at.cumsum(x).owner.op == CumOp(None, "add")


# --- diff --------------------------------------------------------------------------------

@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("shape, n, axis", [((6,), 1, -1), ((6,), 2, 0), ((6,), 6, 0), ((3,), 5, 0),
                                            ((3, 4), 1, 0), ((3, 4), 2, -1), ((2, 3, 4), 1, 1),
                                            ((0,), 1, 0), ((3, 4), 0, 0)])
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64", "float32", "float64", "bool",
                                   "complex128"])
def test_diff(rng, dtype, shape, n, axis, static):
    check_against_numpy(lambda x: at.diff(x, n, axis), lambda x: np.diff(x, n, axis),
                        random_array(rng, shape, dtype), static=static)


def test_diff_static_shape_and_errors():
    x = at.tensor("x", shape=(5, None))
    assert at.diff(x, 2, 0).type.shape == (3, None)
    assert at.diff(x, 7, 0).type.shape == (0, None)
    assert at.diff(x, 0) is x
    assert isinstance(at.diff(x).owner.op, Diff)
    with pytest.raises(ValueError, match="order must be non-negative"):
        at.diff(x, -1)
    with pytest.raises(ValueError, match="at least one dimensional"):
        at.diff(at.scalar())
    with pytest.raises(np.exceptions.AxisError):
        at.diff(x, 1, 2)
    with pytest.raises(TypeError, match="n must be an int"):
        at.diff(x, 1.0)


# --- searchsorted ------------------------------------------------------------------------

@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("v_shape", [(), (4,), (2, 3), (0,)])
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("int32", "float32"), ("int64", "int8"),
                                    ("float32", "float32")])
def test_searchsorted(rng, dtypes, v_shape, side, static):
    a = np.sort(random_array(rng, (7,), dtypes[0]))
    v = random_array(rng, v_shape, dtypes[1])
    check_against_numpy(lambda a, v: at.searchsorted(a, v, side),
                        lambda a, v: np.searchsorted(a, v, side), a, v, static=static)


def test_searchsorted_sorter_and_nan(rng):
    a = np.array([3.0, np.nan, 1.0, 2.0, 2.0])
    sorter = np.argsort(a, kind="stable")
    v = np.array([0.5, 2.0, np.nan, 10.0])
    for side in ("left", "right"):
        check_against_numpy(lambda a, v, s: at.searchsorted(a, v, side, sorter=s),
                            lambda a, v, s: np.searchsorted(a, v, side, sorter=s), a, v, sorter)


def test_searchsorted_errors():
    with pytest.raises(ValueError, match="search side must be"):
        at.searchsorted(at.vector(), 1.0, side="middle")
    with pytest.raises(ValueError, match="a must be 1-d"):
        at.searchsorted(at.matrix(), 1.0)
    with pytest.raises(TypeError, match="sorter must be an integer"):
        at.searchsorted(at.vector(), 1.0, sorter=at.vector())
    with pytest.raises(ValueError, match="sorter has length 3"):
        at.searchsorted(at.vector(shape=(4,)), 1.0, sorter=at.vector(dtype="int64", shape=(3,)))
    assert at.searchsorted(at.vector(), at.matrix(shape=(2, None))).type == \
        at.TensorType("int64", (2, None))
    assert isinstance(at.searchsorted(at.vector(), 1.0).owner.op, SearchSorted)


# --- bincount ----------------------------------------------------------------------------

@pytest.mark.parametrize("minlength", [0, 3, 12])
@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8", "uint32", "bool"])
def test_bincount(rng, dtype, minlength):
    x = random_array(rng, (9,), dtype, low=0, high=6)
    for static in (False, True):
        check_against_numpy(lambda x: at.bincount(x, minlength=minlength),
                            lambda x: np.bincount(x, minlength=minlength), x, static=static)
        for wdtype in ("float32", "int64", "bool"):
            w = random_array(rng, (9,), wdtype)
            check_against_numpy(lambda x, w: at.bincount(x, w, minlength),
                                lambda x, w: np.bincount(x, w, minlength), x, w, static=static)


def test_bincount_empty_and_errors():
    check_against_numpy(lambda x: at.bincount(x, minlength=4), lambda x: np.bincount(x, minlength=4),
                        np.zeros(0, dtype="int64"), static=True)
    assert at.bincount(at.vector(dtype="int64", shape=(0,)), minlength=4).type.shape == (4,)
    assert isinstance(at.bincount(at.vector(dtype="int64")).owner.op, BinCount)
    with pytest.raises(TypeError, match="integers"):
        at.bincount(at.vector(dtype="float64"))
    with pytest.raises(TypeError, match="integers"):
        at.bincount(at.vector(dtype="uint64"))
    with pytest.raises(ValueError, match="1-d"):
        at.bincount(at.matrix(dtype="int64"))
    with pytest.raises(ValueError, match="minlength"):
        at.bincount(at.vector(dtype="int64"), minlength=-1)
    with pytest.raises(TypeError, match="weights must be real"):
        at.bincount(at.vector(dtype="int64"), at.vector(dtype="complex128"))
    with pytest.raises(ValueError, match="same length"):
        at.bincount(at.vector(dtype="int64", shape=(3,)), at.vector(shape=(4,)))
    x = at.vector("x", dtype="int64")
    f = arignote.function([x], at.bincount(x))
    with pytest.raises(ValueError, match="negative"):
        f(np.array([1, -1]))


# --- unique ------------------------------------------------------------------------------

@pytest.mark.parametrize("flags", [(False, False, False), (True, False, False), (False, True, False),
                                   (False, False, True), (True, True, True)])
@pytest.mark.parametrize("shape, axis", [((8,), None), ((3, 4), None), ((), None), ((0,), None),
                                         ((6, 2), 0), ((2, 6), -1), ((1, 3), 0), ((3, 0), 1)])
@pytest.mark.parametrize("dtype", ["int32", "float64", "bool"])
def test_unique(rng, dtype, shape, axis, flags):
    value = random_array(rng, shape, dtype, low=-1, high=1)
    for static in (False, True):
        check_against_numpy(lambda x: at.unique(x, *flags, axis=axis),
                            lambda x: np.unique(x, *flags, axis=axis), value, static=static)


def test_unique_nan_and_types():
    value = np.array([np.nan, 1.0, np.nan, 0.0, 1.0])
    for equal_nan in (True, False):
        check_against_numpy(lambda x: at.unique(x, return_counts=True, equal_nan=equal_nan),
                            lambda x: np.unique(x, return_counts=True, equal_nan=equal_nan), value)
    x = at.tensor("x", shape=(2, 3))
    values, inverse = at.unique(x, return_inverse=True)
    assert values.type.shape == (None,) and inverse.type == at.TensorType("int64", (2, 3))
    values, index = at.unique(x, return_index=True, axis=1)
    assert values.type.shape == (2, None) and index.type.shape == (None,)
    assert at.unique(at.tensor(shape=(1, 1))).type.shape == (1,)
    assert isinstance(at.unique(x).owner.op, Unique)
    with pytest.raises(np.exceptions.AxisError):
        at.unique(x, axis=2)


@given(value=hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=5),
                        elements=st.integers(-2, 2)))
def test_cumsum_diff_hypothesis(value):
    axis = value.ndim - 1
    check_against_numpy(lambda x: at.diff(at.cumsum(x, axis), 1, axis),
                        lambda x: np.diff(np.cumsum(x, axis=axis), 1, axis), value)
