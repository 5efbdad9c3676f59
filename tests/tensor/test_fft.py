"""rfft and irfft (PyTensor's layout: batch first, real/imag last) against numpy.fft."""

import importlib.util

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.tensor.fft import IRFFTOp, RFFTOp, irfft, rfft

MODES = ["PY", "FAST_RUN", pytest.param("JAX", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))]
SHAPES = [(3, 8), (2, 5), (2, 3, 4), (1, 4, 5)]
#: numpy.fft's names for the inverse's scaling of each of PyTensor's norms
INVERSE_NORM = {None: "backward", "ortho": "ortho", "no_norm": "forward"}
FORWARD_NORM = {None: "backward", "ortho": "ortho", "no_norm": "backward"}


def _atol(dtype, values, points):
    """An FFT of N points sums N terms through log2(N) butterfly stages, each rounding once:
    the error is about eps * log2(N) * sum|values| (a few ulps of margin on top)."""
    eps = np.finfo(dtype).eps
    return 8 * eps * max(np.log2(points), 1) * np.abs(values).sum(axis=tuple(range(1, values.ndim))).max()


def _complex(a):
    return a[..., 0] + 1j * a[..., 1]


def _split(c, dtype):
    return np.stack([c.real, c.imag], axis=-1).astype(dtype)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("norm", [None, "ortho", "no_norm"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES)
def test_rfft_matches_numpy(rng, mode, norm, dtype, shape):
    value = rng.uniform(-3, 3, shape).astype(dtype)
    x = at.tensor("x", dtype=dtype, shape=(None,) * len(shape))
    got = arignote.function([x], rfft(x, norm=norm), mode=mode)(value)
    axes = tuple(range(1, len(shape)))
    expected = np.fft.rfftn(value.astype("float64"), axes=axes, norm=FORWARD_NORM[norm])
    assert got.dtype == dtype
    assert got.shape == (*shape[:-1], shape[-1] // 2 + 1, 2)
    np.testing.assert_allclose(_complex(got), expected, rtol=0,
                               atol=_atol(dtype, value, np.prod(shape[1:])))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("norm", [None, "ortho", "no_norm"])
@pytest.mark.parametrize("is_odd", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(3, 5), (2, 3, 4)])
def test_irfft_matches_numpy(rng, mode, norm, is_odd, dtype, shape):
    spectrum = rng.uniform(-3, 3, (*shape, 2)).astype(dtype)
    n = 2 * (shape[-1] - 1) + int(is_odd)
    s = (*shape[1:-1], n)
    a = at.tensor("a", dtype=dtype, shape=(None,) * (len(shape) + 1))
    got = arignote.function([a], irfft(a, norm=norm, is_odd=is_odd), mode=mode)(spectrum)
    axes = tuple(range(1, len(shape)))
    expected = np.fft.irfftn(_complex(spectrum.astype("float64")), s=s, axes=axes,
                             norm=INVERSE_NORM[norm])
    assert got.dtype == dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=_atol(dtype, spectrum, 2 * np.prod(s)))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n", [6, 7])
def test_round_trip(rng, mode, n):
    value = rng.normal(size=(4, 3, n))
    x = at.tensor3("x")
    for norm in (None, "ortho"):
        back = irfft(rfft(x, norm=norm), norm=norm, is_odd=n % 2 == 1)
        got = arignote.function([x], back, mode=mode)(value)
        # two transforms: twice the error of one, relative to the values' sum
        np.testing.assert_allclose(got, value, rtol=0, atol=_atol("float64", value, 3 * n) * 2)


def test_static_shapes_and_types():
    x = at.tensor("x", shape=(2, 6, 4))
    assert rfft(x).type == at.TensorType("float64", (2, 6, 3, 2))
    assert irfft(rfft(x)).type == at.TensorType("float64", (2, 6, 4))
    assert irfft(rfft(x), is_odd=True).type.shape == (2, 6, 5)
    y = at.tensor("y", dtype="float32", shape=(None, None))
    assert rfft(y).type == at.TensorType("float32", (None, None, 2))
    # integers are transformed in float64
    i = at.tensor("i", dtype="int32", shape=(2, 4))
    assert rfft(i).type == at.TensorType("float64", (2, 3, 2))
    value = np.arange(8, dtype="int32").reshape(2, 4)
    got = arignote.function([i], rfft(i))(value)
    np.testing.assert_allclose(_complex(got), np.fft.rfft(value), atol=1e-12)


def test_ops_transform_the_last_len_s_axes(rng):
    value = rng.normal(size=(2, 3, 4, 6))
    x = at.tensor4("x")
    got = arignote.function([x], RFFTOp()(x, [4, 6]))(value)
    np.testing.assert_allclose(_complex(got), np.fft.rfftn(value, axes=(2, 3)), atol=1e-12)
    # a shorter transform length crops, a longer one pads with zeros, as in NumPy
    got = arignote.function([x], RFFTOp()(x, [8]))(value)
    np.testing.assert_allclose(_complex(got), np.fft.rfft(value, n=8), atol=1e-12)
    spectrum = _split(np.fft.rfft(value), "float64")
    a = at.tensor("a", shape=(None,) * 5)
    got = arignote.function([a], IRFFTOp()(a, [6]))(spectrum)
    np.testing.assert_allclose(got, value * 6, atol=1e-12)  # unnormalized


@pytest.mark.parametrize("shape", [(2, 6), (2, 5), (2, 3, 4)])
def test_rfft_gradient(rng, shape):
    for norm in (None, "ortho"):
        verify_grad(lambda x: rfft(x, norm=norm), [rng.normal(size=shape)], rng=rng)


@pytest.mark.parametrize("shape", [(2, 4), (2, 3, 3)])
@pytest.mark.parametrize("is_odd", [False, True])
def test_irfft_gradient(rng, shape, is_odd):
    # the imaginary parts of bin 0 (and of bin n/2 when n is even) do not reach the result:
    # their derivative is 0, which finite differences also find
    for norm in (None, "ortho", "no_norm"):
        verify_grad(lambda a: irfft(a, norm=norm, is_odd=is_odd), [rng.normal(size=(*shape, 2))], rng=rng)


@pytest.mark.parametrize("mode", MODES)
def test_gradient_on_backends(rng, mode):
    value = rng.normal(size=(2, 5))
    x = at.matrix("x")
    weights = rng.normal(size=(2, 3, 2))
    cost = (rfft(x) * weights).sum()
    got = arignote.function([x], arignote.grad(cost, x), mode=mode)(value)
    # the cost is linear in x: its gradient is the cost of each unit vector
    expected = np.zeros_like(value)
    for index in np.ndindex(value.shape):
        unit = np.zeros_like(value)
        unit[index] = 1.0
        expected[index] = (_split(np.fft.rfft(unit), "float64") * weights).sum()
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_batching_rule(rng):
    x = at.tensor3("x")
    node = RFFTOp()(x, [4, 5]).owner
    stacked = at.tensor4("stacked")
    batched = node.op.batch(node, [stacked, node.inputs[1]], [True, False], at.shape(stacked)[0])[0]
    value = rng.normal(size=(2, 3, 4, 5))
    got = arignote.function([stacked], batched)(value)
    np.testing.assert_allclose(_complex(got), np.fft.rfftn(value, axes=(2, 3)), atol=1e-12)


def test_bad_arguments():
    x = at.matrix("x")
    with pytest.raises(ValueError, match="norm"):
        rfft(x, norm="forward")
    with pytest.raises(ValueError, match="norm"):
        irfft(at.tensor3("a"), norm="backward")
    with pytest.raises(ValueError, match="is_odd"):
        irfft(at.tensor3("a"), is_odd="yes")
    with pytest.raises(TypeError, match="at least 2 dimensions"):
        rfft(at.vector("v"))
    with pytest.raises(TypeError, match="at least 3 dimensions"):
        irfft(x)
    with pytest.raises(TypeError, match="must be real"):
        rfft(at.tensor("c", dtype="complex128", shape=(None, None)))
    with pytest.raises(ValueError, match="length 2"):
        irfft(at.tensor("a", shape=(2, 3, 3)))
    with pytest.raises(TypeError, match="integer"):
        RFFTOp()(x, at.vector("s"))
    with pytest.raises(ValueError, match="cannot transform 2 axes"):
        RFFTOp()(x, [3, 4])
    a = at.tensor3("a")
    f = arignote.function([a], irfft(a))
    with pytest.raises(ValueError, match="length 2"):
        f(np.zeros((2, 3, 3)))


def test_vectorized_jacobian(rng):
    value = rng.normal(size=(2, 5))
    x = at.matrix("x")
    jacobian = arignote.function([x], arignote.jacobian(rfft(x).flatten(), x, vectorize=True))(value)
    units = np.eye(value.size).reshape(value.size, *value.shape)
    expected = np.array([_split(np.fft.rfft(u), "float64").ravel() for u in units]).T
    np.testing.assert_allclose(jacobian, expected.reshape(jacobian.shape), atol=1e-12)


@pytest.mark.parametrize("s", [[8], [4], [5], [3, 8], [6, 4]])
def test_gradient_with_other_lengths(rng, s):
    # lengths other than the input's crop it or pad it with zeros; the adjoint does the reverse
    batch = (2, 4) if len(s) == 2 else (2,)
    verify_grad(lambda x: RFFTOp()(x, s), [rng.normal(size=(*batch, 6))], rng=rng)
    verify_grad(lambda a: IRFFTOp()(a, s), [rng.normal(size=(*batch, 3, 2))], rng=rng)
