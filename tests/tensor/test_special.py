"""softmax and log_softmax (arignote.tensor.special) compared with SciPy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sps
from hypothesis import given
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.tensor.special import LogSoftmax, Softmax, log_softmax, softmax
from tests.checks import check_against_numpy, random_array

SHAPES = [(), (4,), (3, 4), (2, 3, 4)]
FUNCTIONS = {"softmax": (softmax, sps.softmax), "log_softmax": (log_softmax, sps.log_softmax)}


def axis_forms(ndim: int) -> list:
    if ndim == 0:
        return [None, (), 0, -1]
    forms = [None, 0, -1, (0,), tuple(range(ndim))]
    if ndim >= 2:
        forms += [(0, -1), 1]
    if ndim >= 3:
        forms += [(0, 2), (-2, -1)]
    return forms


def scipy_as_float64_for_ints(reference):
    """SciPy's result, in float64 for integer inputs (SciPy follows np.exp: int8 -> float16)."""
    def run(v, **kwargs):
        if v.dtype.kind in "biu":
            v = v.astype("float64")
        return reference(v, **kwargs)
    return run


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("dtype", ["bool", "int8", "int32", "uint8", "float32", "float64", "complex128"])
@pytest.mark.parametrize("static", [False, True])
def test_matches_scipy(rng, name, dtype, static):
    ours, reference = FUNCTIONS[name]
    reference = scipy_as_float64_for_ints(reference)
    for shape in SHAPES:
        value = random_array(rng, shape, dtype, low=-4, high=4)
        for axis in axis_forms(len(shape)):
            check_against_numpy(lambda x: ours(x, axis=axis), lambda v: reference(v, axis=axis),
                                value, static=static)


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int64", "float16", "float32", "float64",
                                   "complex64"])
def test_result_dtypes(dtype):
    x = at.matrix("x", dtype=dtype)
    expected = "float64" if np.dtype(dtype).kind in "biu" else dtype
    assert softmax(x).dtype == log_softmax(x, axis=1).dtype == expected


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_values_are_finite_and_accurate(name, dtype):
    ours, reference = FUNCTIONS[name]
    value = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1000.5], [1000.0, -1000.0, 0.0],
                      [3e4, 3e4, 3e4]], dtype=dtype)
    got = check_against_numpy(lambda x: ours(x, axis=1), lambda v: reference(v, axis=1), value)[0]
    assert np.isfinite(got).all()
    if name == "softmax":
        np.testing.assert_allclose(got.sum(axis=1), 1, rtol=1e-6)
        np.testing.assert_allclose(got[0], sps.softmax([2.0, 1.0, 0.0]), rtol=1e-6)
    else:
        np.testing.assert_allclose(got[2], [0.0, -2000.0, -1000.0], rtol=1e-6)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_infinities_and_nan_like_scipy(name):
    ours, reference = FUNCTIONS[name]
    nan, inf = np.nan, np.inf
    value = np.array([[inf, 1.0, 2.0], [-inf, -inf, -inf], [-inf, 0.0, 1.0], [nan, 1.0, 2.0],
                      [inf, -inf, 0.0], [inf, inf, 0.0]])
    with np.errstate(all="ignore"):
        for axis in (None, 1):
            check_against_numpy(lambda x: ours(x, axis=axis), lambda v: reference(v, axis=axis),
                                value[2:4] if axis is None else value)
        # softmax never warns about the NaN it means to give
        with np.errstate(all="raise"):
            run(lambda x: ours(x, axis=1), value)


def run(build, value, static=False):
    x = at.tensor("x", dtype=value.dtype, shape=value.shape if static else (None,) * value.ndim)
    return arignote.function([x], build(x))(value)


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("static", [False, True])
def test_empty_arrays_give_empty_results(name, static):
    ours, _ = FUNCTIONS[name]
    for shape, axis in [((0,), None), ((0, 3), 0), ((0, 3), 1), ((3, 0), None)]:
        for dtype in ("int8", "float32"):
            got = run(lambda x: ours(x, axis=axis), np.zeros(shape, dtype), static)
            assert got.shape == shape and got.dtype == ("float64" if dtype == "int8" else dtype)


def test_ops_and_static_shapes():
    x = at.tensor("x", shape=(2, None, 4))
    out = softmax(x, axis=-1)
    assert isinstance(out.owner.op, Softmax) and out.owner.op.axis == (2,)
    assert out.type.shape == (2, None, 4)
    assert softmax(x, axis=(0, 1, 2)) is softmax(x) and softmax(x).owner.op.axis is None
    assert log_softmax(x, axis=(2, 0)).owner.op == LogSoftmax((0, 2))
    assert at.special.softmax is softmax and "log_softmax" in at.special.__all__
    assert "softmax" not in at.reduction.__all__
    with pytest.raises(ValueError, match="sorted tuple"):
        Softmax(1)
    with pytest.raises(ValueError, match="out of range"):
        Softmax((3,))(x)
    with pytest.raises(np.exceptions.AxisError):
        softmax(x, axis=3)
    with pytest.raises(ValueError, match="duplicate"):
        log_softmax(x, axis=(1, -2))


def test_perform_directly():
    value = np.array([[1, 2, 3], [4, 4, 4]], dtype="int32")
    np.testing.assert_allclose(Softmax((1,)).perform(value), sps.softmax(value.astype(float), axis=1))
    assert LogSoftmax().perform(value).dtype == np.float64


@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 2**16), st.data())
def test_softmax_sums_to_one_and_log_softmax_is_its_log(shape, seed, data):
    ndim = len(shape)
    axis = data.draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1),
                               st.lists(st.integers(0, ndim - 1), min_size=1, unique=True).map(tuple)))
    value = random_array(np.random.default_rng(seed), shape, "float64", low=-50, high=50)
    got_softmax, got_log = check_against_numpy(
        lambda x: [softmax(x, axis=axis), log_softmax(x, axis=axis)],
        lambda v: [sps.softmax(v, axis=axis), sps.log_softmax(v, axis=axis)], value)
    total = got_softmax.sum(axis=axis if axis is not None else None)
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(got_log), got_softmax, rtol=1e-12, atol=1e-300)
