"""NumPy conveniences of arignote/tensor/numpy_extras.py against NumPy, on the py and C
backends, and the PyTensor module paths that forward to the tensor namespace."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad

MODES = ["PY", "FAST_RUN"]
SPECIAL = np.array([1.0, np.inf, -np.inf, np.nan, 2.0, -0.0, 1e-300])
OTHER = np.array([1.0 + 1e-9, np.inf, np.inf, np.nan, 3.0, 0.0, -1e-300])


def _run(mode, build, *values):
    inputs = [at.tensor(f"v{i}", dtype=np.asarray(v).dtype, shape=(None,) * np.ndim(v))
              for i, v in enumerate(values)]
    return arignote.function(inputs, build(*inputs), mode=mode)(*values)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("equal_nan", [False, True])
def test_isclose_and_allclose(mode, equal_nan):
    got = _run(mode, lambda a, b: at.isclose(a, b, equal_nan=equal_nan), SPECIAL, OTHER)
    np.testing.assert_array_equal(got, np.isclose(SPECIAL, OTHER, equal_nan=equal_nan))
    got = _run(mode, lambda a, b: at.isclose(a, b, rtol=0.5, atol=0.0), SPECIAL, OTHER)
    np.testing.assert_array_equal(got, np.isclose(SPECIAL, OTHER, rtol=0.5, atol=0.0))
    assert _run(mode, lambda a, b: at.allclose(a, b), np.ones(3), np.ones(3) + 1e-9)
    assert not _run(mode, lambda a, b: at.allclose(a, b), SPECIAL, OTHER)


@pytest.mark.parametrize("mode", MODES)
def test_infinities_and_nan_to_num(mode):
    np.testing.assert_array_equal(_run(mode, at.isposinf, SPECIAL), np.isposinf(SPECIAL))
    np.testing.assert_array_equal(_run(mode, at.isneginf, SPECIAL), np.isneginf(SPECIAL))
    np.testing.assert_array_equal(_run(mode, at.nan_to_num, SPECIAL), np.nan_to_num(SPECIAL))
    got = _run(mode, lambda x: at.nan_to_num(x, nan=-1.0, posinf=9.0, neginf=-9.0), SPECIAL)
    np.testing.assert_array_equal(got, np.nan_to_num(SPECIAL, nan=-1.0, posinf=9.0, neginf=-9.0))
    single = SPECIAL.astype(np.float32)
    np.testing.assert_array_equal(_run(mode, at.nan_to_num, single), np.nan_to_num(single))
    ints = np.array([1, 2], dtype=np.int32)
    np.testing.assert_array_equal(_run(mode, at.nan_to_num, ints), ints)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (1, 2)])
@pytest.mark.parametrize("shape", [(3, 4, 2), (2, 5, 1)])
def test_median(mode, axis, shape):
    values = np.random.default_rng(len(shape)).normal(size=shape)
    got = _run(mode, lambda x: at.median(x, axis=axis), values)
    np.testing.assert_allclose(got, np.median(values, axis=axis), rtol=1e-15)
    ints = np.arange(7)
    assert _run(mode, at.median, ints) == np.median(ints)


def test_median_derivative():
    rng = np.random.default_rng(1)
    verify_grad(lambda x: at.median(x, axis=1).sum(), [rng.normal(size=(3, 4))], rng=rng)


def test_angles_constants_and_shapes():
    x = np.array([0.0, 90.0, 180.0])
    np.testing.assert_allclose(at.deg2rad(x).eval(), np.deg2rad(x), rtol=1e-15)
    np.testing.assert_allclose(at.rad2deg(np.deg2rad(x)).eval(), x, rtol=1e-15)
    assert (at.pi, at.e, at.euler_gamma) == (np.pi, np.e, np.euler_gamma)
    assert np.isinf(at.inf) and np.isnan(at.nan)
    for value in (np.float64(2.0), np.ones(3), np.ones((2, 3)), np.ones((1, 2, 3, 4))):
        for ours, numpy in ((at.atleast_1d, np.atleast_1d), (at.atleast_2d, np.atleast_2d),
                            (at.atleast_3d, np.atleast_3d)):
            assert ours(at.constant(value)).eval().shape == numpy(value).shape
    assert at.atleast_Nd(at.constant(np.ones(3)), n=3, left=False).eval().shape == (3, 1, 1)
    a, b = np.ones((2, 1)), np.zeros((2, 3))
    np.testing.assert_array_equal(at.horizontal_stack(a, b).eval(), np.hstack([a, b]))
    np.testing.assert_array_equal(at.vertical_stack(np.ones(3), np.zeros((2, 3))).eval(),
                                  np.vstack([np.ones(3), np.zeros((2, 3))]))


@pytest.mark.parametrize(("module", "names"), [
    ("arignote.tensor.basic", ["alloc", "arange", "concatenate", "stack", "switch", "eye", "tril",
                               "as_tensor", "moveaxis", "atleast_2d"]),
    ("arignote.tensor.math", ["sum", "max", "argmax", "dot", "matmul", "mean", "var", "std", "isclose",
                              "median", "nan_to_num", "deg2rad"]),
    ("arignote.tensor.extra_ops", ["linspace", "geomspace", "broadcast_arrays", "broadcast_to", "repeat",
                                   "squeeze"]),
])
def test_pytensor_modules_reach_the_tensor_namespace(module, names):
    found = importlib.import_module(module)
    for name in names:
        assert getattr(found, name) is getattr(at, name), f"{module}.{name}"
    assert not hasattr(found, "no_such_name")
