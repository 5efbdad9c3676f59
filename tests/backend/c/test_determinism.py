"""Each element computed by the same function, wherever it lies (issue 11).

A vectorized loop calling glibc's vector math used to compute the remainder
of an array with the scalar libm, so equal inputs gave outputs differing in
the last bit depending on their position, the array's length, its alignment
and strides, and how threads split it (``unique(exp(x))`` counted 1.0 twice).
Every vectorized function is run here over arrays of every length from 1 to
70, at every offset of an aligned buffer, strided and reversed, and equal
inputs must give bit-identical outputs.  Reductions must meet zeros,
infinities and overflow in NumPy's order, whatever the lanes.
"""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from tests.backend.c.test_vector_math import UNARY

C = arignote.Mode(linker="c", optimizer=None)
LENGTHS = range(1, 71)
OFFSETS = range(8)   # elements past a 64-byte boundary: every alignment of float32 and float64


def _inputs(bounds: tuple[float, float], dtype: str) -> np.ndarray:
    low, high = bounds
    limit = 80 if dtype == "float32" else 700   # keep float32 exp/sinh/cosh finite
    low, high = max(low, -limit), min(high, limit)
    return np.random.default_rng(7).uniform(low, high, 70).astype(dtype)


def _bits(values: np.ndarray) -> np.ndarray:
    return values.view(np.uint32 if values.dtype == np.float32 else np.uint64)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, fn, bounds", UNARY, ids=[u[0] for u in UNARY])
def test_equal_inputs_give_equal_outputs_at_every_length_and_offset(name, fn, bounds, dtype):
    x = at.vector("x", dtype=dtype)
    f = arignote.function([x], fn(x), mode=C)
    values = _inputs(bounds, dtype)
    expected = _bits(f(values))
    buffer = np.empty(70 + 64, dtype=dtype)
    base = (-buffer.ctypes.data % 64) // buffer.itemsize   # first element on a 64-byte boundary
    for offset in OFFSETS:
        for length in LENGTHS:
            start = base + offset
            buffer[start:start + length] = values[:length]
            got = _bits(f(buffer[start:start + length]))
            np.testing.assert_array_equal(got, expected[:length], err_msg=f"{name} length {length} "
                                                                          f"offset {offset}")
    strided = np.repeat(values, 3)[::3]
    np.testing.assert_array_equal(_bits(f(np.repeat(values, 3)[::3])), expected)
    np.testing.assert_array_equal(_bits(f(values[::-1].copy()[::-1])), expected)
    del strided
    for i in range(70):   # f(x)[i] == f(x[i:i+1])[0], and on a 0-d input
        assert _bits(f(values[i:i + 1]))[0] == expected[i]
    scalar = at.scalar("s", dtype=dtype)
    g = arignote.function([scalar], fn(scalar), mode=C)
    assert all(_bits(np.asarray(g(values[i])).reshape(1))[0] == expected[i] for i in range(0, 70, 7))


def test_threads_and_length_do_not_change_a_value():
    x = at.vector("x")
    f = arignote.function([x], at.exp(x), mode=C)
    for n in (1, 7, 9, 63, 65, 100_003):
        assert set(f(np.ones(n)).tolist()) == {f(np.ones(1))[0]}
    assert arignote.function([x], at.unique(at.exp(x)).shape, mode=C)(np.array([1.0, 2.0, 1.0]))[0] == 2


def test_the_same_function_in_kernels_of_other_dtypes():
    """exp in a float64 kernel and in kernels mixing in float32 and int8 operands: one function."""
    x = at.vector("x")
    small, single = at.vector("k", dtype="int8"), at.vector("s", dtype="float32")
    values = np.random.default_rng(1).uniform(-50, 50, 67)
    zeros8, zeros32 = np.zeros(67, "int8"), np.zeros(67, "float32")
    alone = arignote.function([x], at.exp(x), mode=C)(values)
    with_int8 = arignote.function([x, small], at.exp(x) + small, mode=C)(values, zeros8)
    with_single = arignote.function([x, single], at.exp(x) + single, mode=C)(values, zeros32)
    np.testing.assert_array_equal(_bits(alone), _bits(with_int8))
    np.testing.assert_array_equal(_bits(alone), _bits(with_single))


def test_reductions_of_vector_math_use_the_elementwise_values():
    x = at.vector("x")
    values = np.random.default_rng(2).uniform(-30, 30, 1000)
    exp_values = arignote.function([x], at.exp(x), mode=C)(values)
    total, index = arignote.function([x], [at.exp(x).sum(), at.argmax(at.exp(x))], mode=C)(values)
    assert total == np.sum(exp_values)   # the same values, summed in NumPy's order
    assert index == np.argmax(exp_values)


# --- sums and products in NumPy's order of special values ---------------------------

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e300, -1e300, 1e308, -1e308, 1.0, -1.0, 0.5]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sums_and_products_meet_special_values_as_numpy(dtype):
    rng = np.random.default_rng(3)
    x = at.vector("x", dtype=dtype)
    f = arignote.function([x], [x.sum(), x.prod()], mode=C)
    special = np.array(SPECIAL).astype(dtype) if dtype == "float64" else \
        np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 3e38, -3e38, 1.0, -1.0, 0.5], dtype)
    with np.errstate(all="ignore"):
        for length in LENGTHS:
            for _ in range(6):
                values = rng.choice(special, size=length)
                total, product = f(values)
                np.testing.assert_array_equal(total, np.sum(values), err_msg=f"sum of {values}")
                np.testing.assert_array_equal(product, np.prod(values), err_msg=f"prod of {values}")


def test_the_reported_product_and_overflowing_sum():
    x = at.vector("x")
    f = arignote.function([x], [x.sum(), x.prod()], mode=C)
    with np.errstate(all="ignore"):
        assert f(np.array([1e300, 0, 1, 1, 1e300, 1, 1, 1]))[1] == 0.0
        assert f(np.array([1e308, 1e308, -1e308, -1e308]))[0] == np.inf
        assert np.isnan(f(np.array([1e308, 1e308, -1e308, -1e308] * 3))[0])   # NumPy's too


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_sums_are_numpys_bit_for_bit(dtype):
    """Pairwise summation in NumPy's order: every length up to 300 and some long rows."""
    rng = np.random.default_rng(4)
    x = at.vector("x", dtype=dtype)
    m = at.matrix("m", dtype=dtype)
    f = arignote.function([x], x.sum(), mode=C)
    for length in [*range(0, 300), 1000, 4099, 100_000]:
        values = (rng.normal(size=length) * 10.0 ** rng.uniform(-5, 5, length)).astype(dtype)
        assert f(values) == np.sum(values), length
    rows = rng.normal(size=(37, 301)).astype(dtype)
    g = arignote.function([m], [m.sum(axis=0), m.sum(axis=1), m.sum()], mode=C)
    for got, expected in zip(g(rows), [rows.sum(0), rows.sum(1), rows.sum()]):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_compiled_scalar_loop_computes_what_an_array_kernel_does(dtype):
    """A recurrence over single elements calls the array kernels' vector variant per step."""
    xs = at.vector("xs", dtype=dtype)
    ys = arignote.scan(lambda x, y: at.exp(x) + at.sin(y) * 0, sequences=xs,
                       outputs_info=at.constant(np.array(0.0, dtype)), return_updates=False)
    values = np.random.default_rng(5).uniform(-20, 20, 67).astype(dtype)
    looped = arignote.function([xs], ys, mode=C)(values)
    direct = arignote.function([xs], at.exp(xs), mode=C)(values)
    np.testing.assert_array_equal(_bits(looped), _bits(direct))
