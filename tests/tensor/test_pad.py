"""pad against np.pad: every mode, the forms of pad_width and of the options, derivatives."""

import importlib.util

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad

HAVE_JAX = importlib.util.find_spec("jax") is not None
MODES = ["PY", "FAST_RUN",
         pytest.param("JAX", marks=pytest.mark.skipif(not HAVE_JAX, reason="JAX is not installed"))]

WIDTHS = [0, 2, (1, 2), [[1], [2]], ((0, 3), (2, 1)), ((5, 1), (0, 9))]
CASES = [
    ("constant", {}), ("constant", {"constant_values": 2.5}),
    ("constant", {"constant_values": ((1, 2), (3, 4))}),
    ("edge", {}), ("wrap", {}), ("symmetric", {}), ("reflect", {}), ("reflect", {"reflect_type": "even"}),
    ("linear_ramp", {}), ("linear_ramp", {"end_values": (3, -2)}),
    ("maximum", {}), ("minimum", {"stat_length": 2}), ("mean", {}),
    ("mean", {"stat_length": ((1, 2), (3, 1))}), ("median", {}), ("median", {"stat_length": 3}),
]


def _check(x, value, expected, got):
    """pad copies elements or computes a statistic (a mean of a few values, a ramp point):
    a few ulps of the values' magnitude, and exact for integers (NumPy's rounding)."""
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if expected.dtype.kind in "iu":
        np.testing.assert_array_equal(got, expected)
    else:
        eps = np.finfo(expected.dtype).eps
        scale = max(np.abs(value).max(initial=0), 10)  # the ramps' end values are up to 10
        np.testing.assert_allclose(got, expected, rtol=8 * eps, atol=8 * eps * scale)


def _run(mode, value, pad_width, pad_mode, kwargs, static=False):
    shape = value.shape if static else (None,) * value.ndim
    x = at.tensor("x", dtype=value.dtype, shape=shape)
    out = at.pad(x, pad_width, pad_mode, **kwargs)
    expected = np.pad(value, pad_width, pad_mode, **kwargs)
    if static:  # constant widths of a known shape: the padded shape is known too
        assert out.type.shape == expected.shape
    got = arignote.function([x], out, mode=mode)(value)
    _check(x, value, expected, got)


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
@pytest.mark.parametrize("pad_mode, kwargs", CASES)
def test_matches_numpy(rng, mode, dtype, pad_mode, kwargs):
    value = (rng.uniform(-5, 5, (3, 4)) if dtype != "int64" else rng.integers(-5, 6, (3, 4))).astype(dtype)
    for pad_width in WIDTHS:
        _run(mode, value, pad_width, pad_mode, kwargs, static=pad_width == WIDTHS[-1])


@pytest.mark.parametrize("mode", MODES)
# the options given per axis of a 2-d array do not fit 3 dims
@pytest.mark.parametrize("pad_mode, kwargs", [c for c in CASES if "((" not in repr(c[1])])
def test_three_dims_and_backends(rng, mode, pad_mode, kwargs):
    value = rng.normal(size=(2, 3, 4))
    _run(mode, value, ((1, 0), (2, 3), (0, 4)), pad_mode, kwargs)
    _run(mode, rng.normal(size=(5,)), 3, pad_mode, kwargs, static=True)


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
@pytest.mark.parametrize("pad_mode, kwargs", [
    ("constant", {"constant_values": 7}), ("edge", {}), ("wrap", {}), ("symmetric", {}), ("reflect", {}),
    ("linear_ramp", {"end_values": 1}), ("mean", {"stat_length": 2}), ("maximum", {})])
def test_symbolic_widths(rng, mode, pad_mode, kwargs):
    value = rng.normal(size=(3, 4))
    x, w = at.matrix("x"), at.lmatrix("w")
    f = arignote.function([x, w], at.pad(x, w, pad_mode, **kwargs), mode=mode)
    for widths in ([[1, 2], [0, 3]], [[4, 0], [6, 5]]):
        _check(x, value, np.pad(value, widths, pad_mode, **kwargs), f(value, np.array(widths)))
    # entries given one by one, some symbolic
    a, b = at.lscalar("a"), at.lscalar("b")
    g = arignote.function([x, a, b], at.pad(x, [(a, 1), (0, b)], pad_mode, **kwargs), mode=mode)
    _check(x, value, np.pad(value, [(2, 1), (0, 3)], pad_mode, **kwargs), g(value, 2, 3))


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_symbolic_options(rng, mode):
    value = rng.normal(size=(3, 4))
    x, c, n = at.matrix("x"), at.dvector("c"), at.lscalar("n")
    f = arignote.function([x, c], at.pad(x, 2, constant_values=c), mode=mode)
    _check(x, value, np.pad(value, 2, constant_values=(-1.0, 3.0)), f(value, [-1.0, 3.0]))
    g = arignote.function([x, n], at.pad(x, 2, "mean", stat_length=n), mode=mode)
    _check(x, value, np.pad(value, 2, "mean", stat_length=2), g(value, 2))


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       pad_mode=st.sampled_from(["edge", "wrap", "symmetric", "reflect", "linear_ramp", "minimum", "median"]),
       data=st.data())
def test_random_shapes_and_widths(shape, pad_mode, data):
    widths = [tuple(data.draw(st.integers(0, 7)) for _ in range(2)) for _ in shape]
    value = np.arange(np.prod(shape), dtype="float64").reshape(shape) ** 1.5
    _run("PY", value, widths, pad_mode, {})


def test_empty_axes():
    value = np.zeros((0, 3))
    _run("PY", value, ((1, 2), (0, 1)), "constant", {"constant_values": 4})
    _run("PY", value, ((0, 0), (2, 1)), "edge", {})  # an empty array with its empty axis unpadded
    x = at.tensor("x", shape=(0, 3))
    with pytest.raises(ValueError, match="can't extend empty axis 0"):
        at.pad(x, 1, "edge")


@pytest.mark.parametrize("pad_mode, kwargs", [("constant", {}), ("edge", {}), ("wrap", {}), ("symmetric", {}),
                                              ("reflect", {}), ("linear_ramp", {"end_values": (1.0, -1.0)}),
                                              ("maximum", {}), ("minimum", {"stat_length": 2}),
                                              ("mean", {"stat_length": ((1, 2), (3, 1))}), ("median", {})])
def test_gradient(rng, pad_mode, kwargs):
    # distinct values: the derivatives of max, min and median are defined
    value = rng.permutation(12).reshape(3, 4) + rng.uniform(0, 0.5, (3, 4))
    verify_grad(lambda x: at.pad(x, ((1, 2), (3, 1)), pad_mode, **kwargs), [value], rng=rng)


def test_gradient_of_the_values(rng):
    value = rng.normal(size=(3, 4))
    verify_grad(lambda x, c: at.pad(x, 1, constant_values=c), [value, np.array([2.0, -1.0])], rng=rng)
    verify_grad(lambda x, e: at.pad(x, (2, 3), "linear_ramp", end_values=e), [value, np.array(0.5)], rng=rng)


def test_bad_arguments():
    x = at.matrix("x")
    with pytest.raises(ValueError, match="Invalid mode: 'mirror'"):
        at.pad(x, 1, "mirror")
    with pytest.raises(ValueError, match=r"Invalid keyword arguments for mode 'edge': \['constant_values'\]"):
        at.pad(x, 1, "edge", constant_values=1)
    with pytest.raises(ValueError, match="Invalid keyword arguments for mode 'constant'"):
        at.pad(x, 1, stat_length=2)
    with pytest.raises(NotImplementedError, match="odd"):
        at.pad(x, 1, "reflect", reflect_type="odd")
    with pytest.raises(ValueError, match="reflect_type must be"):
        at.pad(x, 1, "symmetric", reflect_type="strange")
    with pytest.raises(ValueError, match="must not be negative"):
        at.pad(x, -1)
    with pytest.raises(TypeError, match="pad_width must be integers"):
        at.pad(x, 1.5)
    with pytest.raises(TypeError, match="pad_width must be integers"):
        at.pad(x, at.dvector("w"))
    with pytest.raises(ValueError, match="does not fit"):
        at.pad(x, [[1, 2], [3, 4], [5, 6]])
    with pytest.raises(ValueError, match="stat_length of 0"):
        at.pad(x, 1, "mean", stat_length=0)
