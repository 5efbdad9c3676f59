"""Kernels over iteration spaces whose innermost axis is short.

The runtime may run such a space with a longer axis innermost (and cut a very
long one into tiles), so these tests compare values with NumPy and, bit for
bit, with the same kernel run over contiguous copies of the broadcast inputs
(one long row: every element goes through the same function wherever it lies,
so the order of the loop must not change any value).  Reductions are checked
against NumPy, and bit for bit against the fold in the order they must keep:
a reduction runs with another axis innermost only where each accumulator
element still folds the same values in the same order (maximum and minimum;
float sums of rows shorter than 8, which the kernel adds in order from +0.0;
products and vector-math folds, one value at a time; a long reduced axis the
kernel folds in order on request, for a few accumulators).
"""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from tests.backend.c.helpers import PY, C, assert_same

DTYPES = ["float64", "float32", "int64", "int32"]


def values(rng, shape, dtype):
    v = rng.normal(size=shape) * 3
    return v.astype(dtype)


def symbolic(value, name):
    # statically-1 lengths stay 1 (only those may stretch); the others are unknown
    return at.tensor(name, dtype=value.dtype, shape=tuple(1 if n == 1 else None for n in value.shape))


def layouts(rng, dtype, n):
    """(a, b) pairs whose broadcast shape has a short last axis, in several layouts."""
    a = values(rng, (n, 3), dtype)
    return {
        "(N,3)+(3,)": (a, values(rng, (3,), dtype)),
        "(N,1)+(1,3)": (values(rng, (n, 1), dtype), values(rng, (1, 3), dtype)),
        "(N,3)+(N,1)": (a, values(rng, (n, 1), dtype)),
        "transposed": (values(rng, (3, n), dtype).T, values(rng, (3,), dtype)),
        "negative": (a[::-1, ::-1], values(rng, (6,), dtype)[::-2]),
        "3-d": (values(rng, (4, n, 3), dtype), values(rng, (n, 1), dtype)),
        "3-d middle short": (values(rng, (n, 2, 5), dtype)[:, :, ::2], values(rng, (1, 2, 1), dtype)),
    }


def elemwise(x, y):
    if x.dtype.startswith("float"):
        return at.exp(x - y) * at.tanh(y) + x / 3
    return (x - y) * 3 + x // 2


def numpy_elemwise(x, y):
    if x.dtype.kind == "f":
        return np.exp(x - y) * np.tanh(y) + x / np.asarray(3, x.dtype)
    return (x - y) * 3 + x // 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 7, 40, 1000, 5000])
def test_elemwise_matches_numpy_and_the_contiguous_kernel(dtype, n, rng):
    for name, (a, b) in layouts(rng, dtype, n).items():
        x, y = symbolic(a, "x"), symbolic(b, "y")
        f = arignote.function([x, y], elemwise(x, y), mode=C)
        got = f(a, b)
        expected = numpy_elemwise(a, b)
        assert got.shape == expected.shape, name
        if a.dtype.kind == "f":
            # exp and tanh of libm/libmvec against NumPy's differ by a few ulps of each term,
            # and the sum may cancel: bound the error by ulps of the terms' magnitudes
            terms = np.abs(np.exp(a - b) * np.tanh(b)) + np.abs(a / np.asarray(3, a.dtype))
            bound = 8 * np.finfo(dtype).eps * terms.astype("float64")
            assert np.all(np.abs(got.astype("float64") - expected) <= bound), name
        else:
            np.testing.assert_array_equal(got, expected, err_msg=name)
        # the same kernel over one long contiguous row: bit for bit the same values
        wide_a, wide_b = (np.ascontiguousarray(np.broadcast_to(v, expected.shape)).ravel()
                          for v in (a, b))
        u, v = at.vector("u", dtype=dtype), at.vector("v", dtype=dtype)
        flat = arignote.function([u, v], elemwise(u, v), mode=C)
        assert_same(got.ravel(), flat(wide_a, wide_b), ulps=0)


@pytest.mark.parametrize("threads", [1, 2])
def test_long_broadcast_spaces_with_and_without_threads(threads, rng):
    # (200000, 3): the long axis is cut into tiles and a rest; with 2 threads the work
    # exceeds the threshold that splits loops across threads
    a = rng.normal(size=(200_003, 3))
    b = rng.normal(size=3)
    c = rng.normal(size=(200_003, 1))
    with arignote.config.change_flags(c_threads=threads):
        x, y, z = symbolic(a, "x"), symbolic(b, "y"), symbolic(c, "z")
        f = arignote.function([x, y, z], at.exp(at.sin(x) - y) * z, mode=C)
        u, v, w = at.dvector("u"), at.dvector("v"), at.dvector("w")
        flat = arignote.function([u, v, w], at.exp(at.sin(u) - v) * w, mode=C)
    got = f(a, b, c)
    np.testing.assert_allclose(got, np.exp(np.sin(a) - b) * c, rtol=1e-13)
    wide = [np.ascontiguousarray(np.broadcast_to(v, a.shape)).ravel() for v in (a, b, c)]
    assert_same(got.ravel(), flat(*wide), ulps=0)
    t = a.T  # transposed: the short axis first, the long one already innermost
    assert_same(f(t.T, b, c), got, ulps=0)


def reduction_cases(rng, dtype):
    return {
        "(N,3)": values(rng, (500, 3), dtype),
        "transposed": values(rng, (3, 500), dtype).T,
        "negative": values(rng, (500, 6), dtype)[::-1, ::-2],
        "3-d": values(rng, (50, 20, 3), dtype),
    }


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["sum", "prod", "max", "min"])
def test_reductions_over_each_axis(dtype, op, rng):
    for name, a in reduction_cases(rng, dtype).items():
        if op == "prod":
            a = (a / 3).astype(dtype) if dtype.startswith("float") else a % 3
        x = symbolic(a, "x")
        for axis in [None, *range(a.ndim), (0, a.ndim - 1)]:
            out = getattr(x, op)(axis=axis)
            f_c = arignote.function([x], out, mode=C)
            f_py = arignote.function([x], out, mode=PY)
            got = f_c(a)
            expected = getattr(np, op)(a, axis=axis)
            assert got.dtype == f_py(a).dtype, (name, axis)
            if dtype.startswith("float") and op in ("sum", "prod"):
                # each side folds n values with at most n - 1 roundings (in order, or fewer
                # pairwise), each at most eps times the sum of |x| (a sum) or relative (a product)
                n = a.size // max(np.size(expected), 1)
                scale = np.sum(np.abs(a), axis=axis) if op == "sum" else np.abs(expected)
                eps = np.finfo(dtype).eps
                assert np.all(np.abs(got - expected) <= 2 * n * eps * scale + 1e-300), (name, axis)
            else:
                np.testing.assert_array_equal(got, expected, err_msg=f"{name} {axis}")
            # with the exp of the input fused into the reduction (vector math in the fold)
            if dtype.startswith("float") and op in ("sum", "max"):
                g = arignote.function([x], getattr(at.exp(x), op)(axis=axis), mode=C)
                want = getattr(np, op)(np.exp(a), axis=axis)
                np.testing.assert_allclose(g(a), want, rtol=3e-5 if dtype == "float32" else 1e-12,
                                           err_msg=f"{name} {axis}")


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int16"])
def test_max_and_min_over_a_short_last_axis_with_special_values(threads, dtype, rng):
    # max and min over the short axis run with the long axis innermost: every
    # accumulator element folds its row one value at a time
    n = 200_003
    if dtype.startswith("float"):
        pool = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -2.5], dtype=dtype)
    else:
        info = np.iinfo(dtype)
        pool = np.array([0, 1, -1, info.min, info.max], dtype=dtype)
    a = rng.choice(pool, size=(n, 3))
    with arignote.config.change_flags(c_threads=threads):
        x = symbolic(a, "x")
        f = arignote.function([x], [x.max(axis=1), x.min(axis=1), x.max(axis=0), at.exp(x).max(axis=1)]
                              if dtype.startswith("float") else [x.max(axis=1), x.min(axis=1), x.max(axis=0)],
                              mode=C)
    got = f(a)
    np.testing.assert_array_equal(got[0], a.max(axis=1))
    np.testing.assert_array_equal(got[1], a.min(axis=1))
    np.testing.assert_array_equal(got[2], a.max(axis=0))
    if dtype.startswith("float"):
        # exp through the same vector function as an elementwise kernel (NumPy's may differ
        # in the last bit), then NumPy's max
        with arignote.config.change_flags(c_threads=threads):
            exp = arignote.function([x], at.exp(x), mode=C)
        np.testing.assert_array_equal(got[3], exp(a).max(axis=1))
    for view in (a[::-1], np.asfortranarray(a)):
        np.testing.assert_array_equal(f(view)[0], view.max(axis=1))


def test_a_sum_over_the_short_axis_keeps_numpy_order(rng):
    # sums keep their order: along the short row NumPy adds in order, as the kernel does
    a = rng.normal(size=(1000, 3)) * 10.0 ** rng.integers(-8, 8, size=(1000, 3))
    x = symbolic(a, "x")
    f = arignote.function([x], [x.sum(axis=1), x.sum(axis=0)], mode=C)
    rows, columns = f(a)
    assert_same(rows, np.add.reduce(a, axis=1), ulps=0)
    # along the long outer axis both add row after row
    expected = np.zeros(3)
    for row in a:
        expected = expected + row
    assert_same(columns, expected, ulps=0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n", [50, 3000])
def test_outer_axis_folds_keep_their_order(dtype, n, rng):
    # (n, 20, 3) viewed from (3, 20, n): reducing axis 0, each accumulator element adds
    # (multiplies) its n values in order, whichever kept axis runs innermost
    a = (rng.normal(size=(3, 20, n)) * 10.0 ** rng.integers(-6, 6, size=(3, 20, n))).astype(dtype).T
    x = symbolic(a, "x")
    f = arignote.function([x], [x.sum(axis=0), x.prod(axis=0), (x * 2).sum(axis=0)], mode=C)
    total, product, doubled = f(a)
    want_sum, want_prod, want_doubled = np.zeros(a.shape[1:], dtype), np.ones(a.shape[1:], dtype), \
        np.zeros(a.shape[1:], dtype)
    with np.errstate(all="ignore"):
        for row in a:
            want_sum = want_sum + row
            want_prod = want_prod * row
            want_doubled = want_doubled + row * np.asarray(2, dtype)
    assert_same(total, want_sum, ulps=0)
    assert_same(product, want_prod, ulps=0)
    assert_same(doubled, want_doubled, ulps=0)


def special_pool(dtype):
    """Signed zeros, infinities, NaN, overflowing and subnormal values (in float32: inf, 0)."""
    with np.errstate(over="ignore", under="ignore"):
        return np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e308, -1e308, 1.0, -2.5, 1e-310],
                        dtype=dtype)


def in_order_sum(a, axis, start=0.0):
    """``a`` summed along ``axis`` one value at a time from ``start`` (NumPy's order for
    rows shorter than 8)."""
    acc = np.full(np.delete(a.shape, axis), start, dtype=a.dtype)
    for row in np.moveaxis(a, axis, 0):
        acc = acc + row
    return acc


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("k", [2, 3, 7, 8, 9])
def test_short_row_sums_are_bit_identical_whichever_axis_runs_inside(threads, dtype, k, rng):
    # a float sum over a short last axis (fewer than 8 values: added in order from +0.0)
    # may run with the long axis innermost, each accumulator adding one value per pass:
    # bit for bit the same, special values included; 8 or more keep the pairwise fold
    n = 3001
    pool = special_pool(dtype)
    a = rng.choice(pool, size=(n, k)) if threads == 1 else rng.normal(size=(n, k)).astype(dtype)
    a[: n // 2] = (rng.normal(size=(n // 2, k)) * 10.0 ** rng.integers(-8, 8, size=(n // 2, k))).astype(dtype)
    a[-5:] = -0.0
    with arignote.config.change_flags(c_threads=threads):
        x = symbolic(a, "x")
        f = arignote.function([x], [x.sum(axis=1), (x * x).sum(axis=1), at.exp(x / 8).sum(axis=1),
                                    x.prod(axis=1)], mode=C)
        exp = arignote.function([x], at.exp(x / 8), mode=C)
    def pairwise(v):   # NumPy's pairwise rows: it sums a C-contiguous copy's rows so
        return np.add.reduce(np.ascontiguousarray(v), axis=1)

    with np.errstate(all="ignore"):
        for view in (a, a[::-1], np.asfortranarray(a)):
            total, squares, exps, product = f(view)
            want = pairwise(view) if k >= 8 else in_order_sum(view, 1)
            assert_same(total, want, ulps=0)
            zeros = np.all((view == 0) & np.signbit(view), axis=1)
            assert zeros.sum() >= 5 and not np.signbit(total[zeros]).any()  # +0.0 + -0.0 is +0.0
            assert_same(squares, pairwise(view * view) if k >= 8
                        else in_order_sum(view * view, 1), ulps=0)
            e = exp(view)   # the same vector function as the fused reduction's
            assert_same(exps, pairwise(e) if k >= 8 else in_order_sum(e, 1), ulps=0)
            want_prod = np.ones(n, dtype)
            for j in range(k):
                want_prod = want_prod * view[:, j]
            assert_same(product, want_prod, ulps=0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_short_rows_of_several_reduced_axes_keep_the_pairwise_fold(dtype, rng):
    # reducing axes 0 and 2 of (4, n, 3): each accumulator gets 4 rows of 3, added row by
    # row (each row from +0.0, then into the accumulator): not the in-order fold, so the
    # space keeps its order; the result is the kernel's fold of each row added in turn
    a = (rng.normal(size=(4, 500, 3)) * 10.0 ** rng.integers(-8, 8, size=(4, 500, 3))).astype(dtype)
    x = symbolic(a, "x")
    got = arignote.function([x], x.sum(axis=(0, 2)), mode=C)(a)
    want = np.zeros(500, dtype)
    for block in a:
        want = want + in_order_sum(block, 1)
    assert_same(got, want, ulps=0)


def test_row_fold_order_of_each_kind():
    from arignote.backend.c import kernel_reduce_ordered as ko
    from arignote.scalar import math as sm
    f64 = np.dtype("float64")
    zero, minus_zero, one = np.array(0.0), np.array(-0.0), np.array(1.0)
    on_request = ko.FOLD_ROWS_ON_REQUEST
    assert ko.row_fold_order(sm.Add(), f64, False, zero) == ko.FOLD_SHORT_ROWS_FROM_ZERO | on_request
    assert ko.row_fold_order(sm.Add(), f64, True, zero) == (ko.FOLD_SHORT_ROWS_FROM_ZERO | on_request
                                                           | ko.FOLD_BLOCK_VALUES)
    # another initial value: the kernel's +0.0 start differs from the accumulator's
    assert ko.row_fold_order(sm.Add(), f64, False, minus_zero) == on_request
    assert ko.row_fold_order(sm.Add(), f64, False, one) == on_request
    assert ko.row_fold_order(sm.Mul(), f64, False, one) == ko.FOLD_IN_ORDER | on_request
    assert ko.row_fold_order(sm.Maximum(), f64, True, one) == (ko.FOLD_IN_ORDER | on_request
                                                              | ko.FOLD_BLOCK_VALUES)
    # the lane-parallel kernel folds a row its own way
    assert ko.row_fold_order(sm.Maximum(), f64, False, one) == ko.FOLD_ANY
    assert ko.row_fold_order(sm.Add(), np.dtype("int64"), False, np.array(0)) == ko.FOLD_ANY


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape, axis", [((3001, 3), 0), ((200, 2), 0), ((4, 2001, 3), 1),
                                         ((4, 501, 3), (0, 1)), ((2001, 3, 2), 0),
                                         ((1000, 4), 0), ((1000, 5), 0), ((300, 15), 0)])
def test_column_folds_run_the_long_axis_inside_in_order(threads, dtype, shape, axis, rng):
    # a reduction over a long axis into a few accumulators runs that axis innermost,
    # the kernel folding each column one value at a time from its accumulator: bit for
    # bit the fold row after row (NumPy's order along an outer axis), special values included
    pool = special_pool(dtype)
    a = (rng.normal(size=shape) * 10.0 ** rng.integers(-8, 8, size=shape)).astype(dtype)
    a.reshape(-1)[: a.size // 4] = rng.choice(pool, size=a.size // 4)
    with arignote.config.change_flags(c_threads=threads):
        x = symbolic(a, "x")
        f = arignote.function([x], [x.sum(axis=axis), (x * x).sum(axis=axis),
                                    at.exp(x / 8).sum(axis=axis), (x / 4).prod(axis=axis)], mode=C)
        exp = arignote.function([x], at.exp(x / 8), mode=C)
    axes = axis if isinstance(axis, tuple) else (axis,)

    def in_order(v, start, op):
        # the kept axes first, the reduced ones flattened last (C order), folded in turn
        kept = [d for d in range(v.ndim) if d not in axes]
        flat = np.transpose(v, kept + list(axes)).reshape([v.shape[d] for d in kept] + [-1])
        acc = np.full(flat.shape[:-1], start, dtype)
        for i in range(flat.shape[-1]):
            acc = op(acc, flat[..., i])
        return acc

    with np.errstate(all="ignore"):
        for view in (a, a[::-1], np.asfortranarray(a)):
            total, squares, exps, product = f(view)
            assert_same(total, in_order(view, 0.0, np.add), ulps=0)
            assert_same(squares, in_order(view * view, 0.0, np.add), ulps=0)
            assert_same(exps, in_order(exp(view), 0.0, np.add), ulps=0)
            assert_same(product, in_order(view / np.asarray(4, dtype), 1.0, np.multiply), ulps=0)


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_integer_column_sums(dtype, rng):
    a = rng.integers(-1000, 1000, size=(3001, 3)).astype(dtype)
    x = symbolic(a, "x")
    f = arignote.function([x], [x.sum(axis=0), x.sum(axis=1), (x * 3).sum(axis=0)], mode=C)
    for got, want in zip(f(a), [a.sum(axis=0), a.sum(axis=1), (a * 3).sum(axis=0)]):
        np.testing.assert_array_equal(got, want)
