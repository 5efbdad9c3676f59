"""Typed-list ops against Python's list operations, on the py and C backends."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.typed_list import (
    TypedListType,
    append,
    count,
    extend,
    getitem,
    index_,
    insert,
    length,
    make_list,
    remove,
    reverse,
)

MODES = ["PY", "FAST_RUN"]
# (item dtype, item rank): the ops move whole items, so dtype and rank only need to travel
ITEM_KINDS = [("float64", 1), ("float32", 0), ("int32", 2), ("complex128", 1)]


def _items(rng: np.random.Generator, dtype: str, ndim: int, n: int) -> list[np.ndarray]:
    """``n`` items of random lengths (a list's items need not share a shape)."""
    out = []
    for _ in range(n):
        shape = tuple(int(rng.integers(0, 4)) for _ in range(ndim))
        value = rng.normal(size=shape) + (1j * rng.normal(size=shape) if dtype.startswith("c") else 0)
        out.append(np.asarray(value).astype(dtype) if dtype[0] in "fc" else
                   rng.integers(-5, 5, size=shape).astype(dtype))
    return out


def _symbols(dtype: str, ndim: int):
    item_type = at.TensorType(dtype, (None,) * ndim)
    return TypedListType(item_type)("l"), item_type("e"), at.lscalar("i")


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Python's reference for item equality: same shape, equal elements."""
    return a.shape == b.shape and bool(np.all(a == b))


def _assert_lists_equal(got: list, want: list) -> None:
    assert isinstance(got, list) and len(got) == len(want)
    for a, b in zip(got, want):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)  # items are moved, never computed: exact


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype,ndim", ITEM_KINDS)
def test_ops_match_python_lists(mode, dtype, ndim, rng):
    lst, e, i = _symbols(dtype, ndim)
    outputs = [append(lst, e), extend(lst, lst), insert(lst, i, e), reverse(lst), length(lst),
               getitem(lst, i), lst[1:], lst[::-2], lst[:i], remove(lst, e), count(lst, e),
               make_list([e, e])]
    f = arignote.function([lst, e, i], outputs, mode=mode)
    value = _items(rng, dtype, ndim, 4)
    item = value[2].copy()
    for position in (0, 2, -1, -4):
        snapshot = [v.copy() for v in value]
        got = f(value, item, position)
        expect_insert = list(value)
        expect_insert.insert(position, item)
        first_equal = next(k for k, v in enumerate(value) if _same(v, item))
        expect_remove = [v for k, v in enumerate(value) if k != first_equal]
        _assert_lists_equal(got[0], value + [item])
        _assert_lists_equal(got[1], value + value)
        _assert_lists_equal(got[2], expect_insert)
        _assert_lists_equal(got[3], value[::-1])
        assert got[4] == 4 and got[4].dtype == np.int64
        np.testing.assert_array_equal(got[5], value[position])
        _assert_lists_equal(got[6], value[1:])
        _assert_lists_equal(got[7], value[::-2])
        _assert_lists_equal(got[8], value[:position])
        _assert_lists_equal(got[9], expect_remove)
        assert got[10] == sum(_same(v, item) for v in value)
        _assert_lists_equal(got[11], [item, item])
        # the inputs are left alone
        _assert_lists_equal(value, snapshot)


@pytest.mark.parametrize("mode", MODES)
def test_results_never_share_memory_with_arguments(mode):
    lst, e, i = _symbols("float64", 1)
    f = arignote.function([lst, e, i], [lst[i], append(lst, e), make_list([e]), reverse(lst)], mode=mode)
    value, item = [np.zeros(2), np.ones(3)], np.full(2, 7.0)
    first, appended, made, reversed_ = f(value, item, 0)
    for result in (first, *appended, *made, *reversed_):
        result[...] = -1.0
    np.testing.assert_array_equal(value[0], np.zeros(2))
    np.testing.assert_array_equal(value[1], np.ones(3))
    np.testing.assert_array_equal(item, np.full(2, 7.0))


@pytest.mark.parametrize("mode", MODES)
def test_items_feed_tensor_graphs(mode, rng):
    x = at.dmatrix("x")
    lst = make_list([x, x * 2.0, at.exp(x)])
    total = lst[0] + lst[-1] * lst[1]
    f = arignote.function([x], [total, lst.length(), lst.ind(x * 2.0)], mode=mode)
    value = rng.normal(size=(2, 3))
    got, n, position = f(value)
    # 2 roundings (a product, a sum) on top of exp's last-place error: a few ulps
    np.testing.assert_allclose(got, value + np.exp(value) * (value * 2.0), rtol=4e-15, atol=0)
    assert n == 3 and position == 1


@pytest.mark.parametrize("mode", MODES)
def test_comparisons_are_by_shape_and_value(mode):
    lst, e, _ = _symbols("float64", 1)
    f = arignote.function([lst, e], [count(lst, e), index_(lst, e), remove(lst, e)], mode=mode)
    value = [np.array([1.0, 2.0]), np.array([1.0]), np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0])]
    n, position, removed = f(value, np.array([1.0, 2.0]))
    assert n == 2 and position == 0
    _assert_lists_equal(removed, value[1:])
    # NaN equals nothing, as with ==
    n, _, _ = f([np.array([np.nan]), np.array([1.0])], np.array([1.0]))
    assert n == 1
    with pytest.raises(ValueError, match="not in the list"):
        f([np.array([np.nan])], np.array([np.nan]))


@pytest.mark.parametrize("mode", MODES)
def test_remove_of_a_missing_item_leaves_the_list_unchanged(mode):
    # PyTensor's behaviour (Python's list.remove would raise)
    lst, e, _ = _symbols("float64", 1)
    f = arignote.function([lst, e], remove(lst, e), mode=mode)
    value = [np.zeros(2), np.ones(2)]
    _assert_lists_equal(f(value, np.full(2, 5.0)), value)


@pytest.mark.parametrize("mode", MODES)
def test_nested_lists(mode):
    outer = TypedListType(at.dvector, 1)("ll")
    assert outer.type.get_depth() == 1 and isinstance(outer.ttype, TypedListType)
    inner = outer[0]
    assert inner.type == TypedListType(at.dvector)
    f = arignote.function([outer], [inner, inner.length(), outer.length(), outer[1][-1],
                                    outer.count(inner)], mode=mode)
    value = [[np.zeros(1), np.ones(2)], [np.full(3, 2.0)], [np.zeros(1), np.ones(2)]]
    first, n_inner, n_outer, last, n_same = f(value)
    _assert_lists_equal(first, value[0])
    assert (n_inner, n_outer, n_same) == (2, 3, 2)
    np.testing.assert_array_equal(last, value[1][-1])


@pytest.mark.parametrize("mode", MODES)
def test_index_errors_are_python_errors(mode):
    lst, _, i = _symbols("float64", 1)
    f = arignote.function([lst, i], lst[i], mode=mode)
    with pytest.raises(IndexError, match="out of range for a list of length 2"):
        f([np.zeros(1), np.zeros(1)], 2)
    with pytest.raises(IndexError, match="out of range"):
        f([], 0)
    step = at.lscalar("s")
    g = arignote.function([lst, step], lst[::step], mode=mode)
    with pytest.raises(ValueError, match="step cannot be zero"):
        g([np.zeros(1)], 0)


def test_empty_lists(rng):
    lst, e, _ = _symbols("float64", 1)
    f = arignote.function([lst, e], [lst.length(), lst.append(e), lst.reverse(), lst[1:]], mode="PY")
    n, appended, reversed_, tail = f([], np.ones(2))
    assert n == 0 and reversed_ == [] and tail == []
    _assert_lists_equal(appended, [np.ones(2)])
