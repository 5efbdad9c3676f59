"""sort and argsort against NumPy."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arignote
import arignote.tensor as at
from arignote.tensor.sort import ArgSort, Sort
from tests.checks import check_against_numpy, random_array

DTYPES = ("int32", "int64", "uint8", "float32", "float64", "bool", "complex128")
CASES = [((5,), -1), ((5,), 0), ((3, 4), -1), ((3, 4), 0), ((3, 4), -2), ((2, 3, 4), 1),
         ((2, 3, 4), None), ((3, 4), None), ((), None), ((0,), -1), ((2, 0), 0), ((2, 0), None)]


def _stable_argsort(x, axis=-1):
    return np.argsort(x, axis=axis, kind="stable")


@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("shape, axis", CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_sort_and_argsort(rng, dtype, shape, axis, static):
    value = random_array(rng, shape, dtype)  # small ints and bools: many ties
    check_against_numpy(lambda x: at.sort(x, axis), lambda x: np.sort(x, axis), value, static=static)
    check_against_numpy(lambda x: at.argsort(x, axis), lambda x: _stable_argsort(x, axis), value,
                        static=static)


def test_methods_and_default_axis(rng):
    value = random_array(rng, (3, 4))
    check_against_numpy(lambda x: x.sort(), np.sort, value)
    check_against_numpy(lambda x: x.argsort(0), lambda x: _stable_argsort(x, 0), value)


def test_nan_sorted_last():
    value = np.array([[3.0, np.nan, 1.0, -np.inf, np.nan, np.inf, 0.0]])
    for dtype in ("float32", "float64"):
        v = value.astype(dtype)
        check_against_numpy(at.sort, np.sort, v)
        check_against_numpy(at.argsort, _stable_argsort, v)
        check_against_numpy(lambda x: at.sort(x, None), lambda x: np.sort(x, None), v)
    c = np.array([1 + 2j, complex(np.nan, 0), 1 + 1j, complex(0, np.nan), -1 + 5j])
    check_against_numpy(at.sort, np.sort, c)
    check_against_numpy(at.argsort, _stable_argsort, c)


def test_argsort_is_stable():
    value = np.array([1, 0, 1, 0, 1, 0, 2, 1], dtype="int64")
    x = at.vector("x", dtype="int64")
    got = arignote.function([x], at.argsort(x, kind="quicksort"))(value)
    np.testing.assert_array_equal(got, [1, 3, 5, 0, 2, 4, 7, 6])


def test_kinds_do_not_change_the_graph():
    x = at.matrix("x")
    nodes = {at.sort(x, kind=k).owner for k in (None, "quicksort", "mergesort", "heapsort", "stable")}
    assert len(nodes) == 1
    assert at.sort(x, 1) is at.sort(x, -1)
    with pytest.raises(ValueError, match="sort kind must be one of"):
        at.sort(x, kind="bubble")
    with pytest.raises(ValueError, match="sort kind must be one of"):
        at.argsort(x, kind="bubble")
    with pytest.raises(ValueError, match="can't be provided at the same time"):
        at.argsort(x, kind="stable", stable=True)
    assert at.argsort(x, stable=True) is at.argsort(x)


def test_static_shapes():
    x = at.tensor("x", shape=(2, None, 4))
    assert at.sort(x, 1).type.shape == (2, None, 4)
    assert at.argsort(x).type == at.TensorType("int64", (2, None, 4))
    assert at.sort(x, None).type.shape == (None,)
    assert at.sort(at.tensor(shape=(2, 3, 4)), None).type.shape == (24,)
    assert at.argsort(at.tensor(shape=(2, None, 0)), None).type.shape == (0,)
    assert at.sort(at.scalar(), None).type.shape == (1,)


def test_axis_errors():
    with pytest.raises(np.exceptions.AxisError):
        at.sort(at.matrix(), 2)
    with pytest.raises(np.exceptions.AxisError):
        at.argsort(at.scalar())  # axis -1 of a 0-d array, as NumPy
    with pytest.raises(ValueError, match="does not fit"):
        Sort(3)(at.matrix())
    with pytest.raises(ValueError, match="does not fit"):
        ArgSort(-1)(at.matrix())


@given(value=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5),
                        elements=st.sampled_from([0.0, 1.0, -2.5, np.nan, np.inf, -np.inf])),
       data=st.data())
def test_sort_hypothesis(value, data):
    axis = data.draw(st.integers(-value.ndim, value.ndim - 1))
    check_against_numpy(lambda x: at.sort(x, axis), lambda x: np.sort(x, axis), value)
    check_against_numpy(lambda x: at.argsort(x, axis), lambda x: _stable_argsort(x, axis), value)
