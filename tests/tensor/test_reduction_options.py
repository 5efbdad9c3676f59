"""PyTensor's reduction options beyond NumPy's: argmax/argmin over several axes, axes given
as 0-d NumPy arrays, mean with an integer dtype, the corrected two-pass variance; and
divmod, matmul(dtype=), TensorType.values_eq.  Values against NumPy on random inputs (the
default mode of the run: C, or py/JAX under --mode)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import arignote
import arignote.tensor as at

RNG = np.random.default_rng(20261207)


def _flat_arg(np_fn, value, axes, keepdims):
    """NumPy reference: the reduced axes moved last (in order) and merged into one."""
    kept = [a for a in range(value.ndim) if a not in axes]
    merged = np.transpose(value, [*kept, *axes]).reshape([value.shape[a] for a in kept] + [-1])
    out = np_fn(merged, axis=-1)
    return np.expand_dims(out, axes) if keepdims else out


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int16"])
def test_arg_reduction_over_several_axes(name, dtype):
    value = (RNG.normal(size=(3, 4, 5)) * 100).astype(dtype)
    value[0, 0, 0] = value[0, 1, 0]  # a tie: the first in flattened order wins, as NumPy's
    x = at.tensor("x", dtype=dtype, shape=(None, None, None))
    np_fn = getattr(np, name)
    for axes in [*itertools.combinations(range(3), 2), (2, 0), (-1, 0)]:
        canonical = sorted(a % 3 for a in axes)
        for keepdims in (False, True):
            got = arignote.function([x], getattr(at, name)(x, axis=list(axes), keepdims=keepdims))(value)
            np.testing.assert_array_equal(got, _flat_arg(np_fn, value, canonical, keepdims))
            assert got.dtype == np.int64
    # all axes: the flat index, as axis=None
    got = arignote.function([x], getattr(at, name)(x, axis=(0, 1, 2)))(value)
    assert got == np_fn(value)


def test_axes_as_numpy_0d_arrays():
    value = RNG.normal(size=(3, 4))
    x = at.dmatrix("x")
    for axis, ref_axis in [(np.array(1), 1), ([np.array(0), np.array(1)], None), ((np.int64(0),), 0)]:
        for name in ("sum", "mean", "max", "var"):
            got = getattr(x, name)(axis).eval({x: value})
            np.testing.assert_allclose(got, getattr(np, name)(value, axis=ref_axis), rtol=1e-14)
    with pytest.raises(TypeError, match="axis"):
        x.sum(np.array([0, 1]))  # a 1-d array is not an axis


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int64"])
def test_mean_with_an_integer_dtype_is_a_float64_mean(dtype):
    x = at.lmatrix("x")
    value = RNG.integers(0, 3, size=(3, 4))
    out = x.mean(axis=1, dtype=dtype)
    assert out.dtype == "float64"
    # the sum accumulates in `dtype` (small values: no wrapping), then divides in float64
    expected = value.sum(axis=1, dtype=dtype).astype(np.float64) / 4
    np.testing.assert_allclose(out.eval({x: value}), expected, rtol=1e-15)


@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_corrected_two_pass_variance(ddof, axis):
    # data far from zero: the computed mean is off by some ulps of 1e4, and the
    # correction term removes the part of the error that leaves in the deviations
    value = (1e4 + RNG.normal(size=(50, 7))).astype(np.float64)
    x = at.dmatrix("x")
    got = arignote.function([x], [at.var(x, axis=axis, ddof=ddof, corrected=True),
                                  x.std(axis=axis, ddof=ddof, corrected=True)])(value)
    mean = value.mean(axis=axis, keepdims=True)
    centred = value - mean
    n = value.size if axis is None else value.shape[axis]
    expected = ((centred ** 2).sum(axis=axis) / (n - ddof)
                - centred.sum(axis=axis) ** 2 / ((n - ddof) * n))
    # both sides: the same few float64 sums of n <= 350 terms of size ~1 (a few ulps of 1 each)
    np.testing.assert_allclose(got[0], expected, rtol=1e-12)
    np.testing.assert_allclose(got[1], np.sqrt(expected), rtol=1e-12)
    np.testing.assert_allclose(got[0], np.var(value, axis=axis, ddof=ddof), rtol=1e-9)


@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_divmod_is_floor_division_and_modulo(dtype):
    x, y = at.tensor("x", dtype=dtype, shape=(None,)), at.tensor("y", dtype=dtype, shape=(None,))
    a = np.array([7, -7, 7, -7, 0, 5], dtype=dtype)
    b = np.array([2, 2, -2, -2, 3, 5], dtype=dtype)
    quotient, remainder = divmod(x, y)
    got = arignote.function([x, y], [quotient, remainder])(a, b)
    np.testing.assert_array_equal(got[0], np.floor_divide(a, b))
    np.testing.assert_array_equal(got[1], np.mod(a, b))
    rq, rr = divmod(7, y)
    np.testing.assert_array_equal(arignote.function([y], [rq, rr])(b)[1], np.mod(7, b))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matmul_dtype_casts_the_product(dtype):
    a, b = at.dmatrix("a"), at.dtensor3("b")
    va, vb = RNG.normal(size=(3, 4)), RNG.normal(size=(2, 4, 5))
    for out, expected in [(at.matmul(a, a.T, dtype=dtype), va @ va.T),
                          (at.matmul(a, b, dtype=dtype), np.matmul(va, vb))]:
        assert out.dtype == dtype
        got = arignote.function([a, b], out, on_unused_input="ignore")(va, vb)
        # a float64 product of 4 terms (a few ulps), then rounded once to `dtype`
        np.testing.assert_allclose(got, expected.astype(dtype), rtol=2 * np.finfo(dtype).eps, atol=1e-14)


def test_tensor_type_values_eq():
    t = at.dvector
    assert t.values_eq(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
    assert not t.values_eq(np.array([1.0, 2.0]), np.array([1.0, 2.5]))
    assert not t.values_eq(np.array([1.0]), np.array([1.0, 1.0]))
    assert not t.values_eq(np.array([1]), np.array([1.0]))
    assert t.values_eq(np.array([1]), np.array([1.0]), force_same_dtype=False)
    assert t.values_eq_approx(np.array([1.0]), np.array([1.0 + 1e-9]))
    assert not t.values_eq_approx(np.array([1.0]), np.array([1.1]))
