"""convolve1d and convolve2d against scipy.signal, batched, with derivatives."""

import importlib.util

import numpy as np
import pytest
import scipy.signal

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.tensor.signal import convolve1d, convolve2d
from arignote.tensor.signal.conv import Convolve

MODES = ["PY", "FAST_RUN", pytest.param("JAX", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))]
CONV_MODES = ["full", "valid", "same"]


def _atol(dtype, a, b):
    """Each output is a sum of at most min(size a, size b) products, each rounded once and
    accumulated with one more rounding (or an FFT of comparable error, SciPy's 'auto'):
    a few ulps times that count times the largest magnitudes."""
    if np.dtype(dtype).kind in "iu":
        return 0
    terms = min(a.size, b.size)
    return 4 * np.finfo(dtype).eps * terms * np.abs(a).max() * np.abs(b).max() * max(np.log2(terms), 1)


def _vars(*values):
    return [at.tensor(f"x{k}", dtype=v.dtype, shape=tuple(1 if n == 1 else None for n in v.shape))
            for k, v in enumerate(values)]


def _batched_reference(fn, a, b, core):
    """``fn`` applied over the broadcast leading dims of ``a`` and ``b`` (``core`` trailing dims)."""
    batch = np.broadcast_shapes(a.shape[:a.ndim - core], b.shape[:b.ndim - core])
    a = np.broadcast_to(a, batch + a.shape[a.ndim - core:])
    b = np.broadcast_to(b, batch + b.shape[b.ndim - core:])
    results = [fn(a[i], b[i]) for i in np.ndindex(batch)]
    return np.array(results).reshape(batch + results[0].shape) if batch else results[0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("conv_mode", CONV_MODES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
@pytest.mark.parametrize("n, k", [(7, 3), (3, 7), (5, 5), (1, 4), (6, 1)])
def test_convolve1d_matches_scipy(rng, mode, conv_mode, dtype, n, k):
    a = (rng.uniform(-3, 3, n) if dtype != "int32" else rng.integers(-5, 6, n)).astype(dtype)
    b = (rng.uniform(-3, 3, k) if dtype != "int32" else rng.integers(-5, 6, k)).astype(dtype)
    x, y = _vars(a, b)
    got = arignote.function([x, y], convolve1d(x, y, conv_mode), mode=mode)(a, b)
    expected = scipy.signal.convolve(a, b, conv_mode)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=_atol(dtype, a, b))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("conv_mode", CONV_MODES)
@pytest.mark.parametrize("shapes", [((2, 1, 7), (3, 4)), ((3, 5), (2, 1, 2)), ((4, 6), (6,))])
def test_convolve1d_batches(rng, mode, conv_mode, shapes):
    a, b = (rng.normal(size=s) for s in shapes)
    x, y = _vars(a, b)
    got = arignote.function([x, y], convolve1d(x, y, conv_mode), mode=mode)(a, b)
    expected = _batched_reference(lambda p, q: scipy.signal.convolve(p, q, conv_mode), a, b, 1)
    np.testing.assert_allclose(got, expected, rtol=0, atol=_atol("float64", a, b))


def test_mixed_dtypes_promote(rng):
    x, y = at.vector("x", dtype="float32"), at.vector("y", dtype="int64")
    assert convolve1d(x, y).dtype == "float64"
    assert convolve2d(at.matrix("m", dtype="int32"), at.matrix("k", dtype="float32")).dtype == "float64"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("conv_mode", CONV_MODES)
@pytest.mark.parametrize("boundary, fillvalue", [("fill", 0), ("fill", 1.5), ("wrap", 0), ("symm", 0)])
@pytest.mark.parametrize("n, k", [((6, 5), (3, 2)), ((3, 2), (6, 5)), ((4, 4), (4, 4)), ((2, 7), (3, 3))])
def test_convolve2d_matches_scipy(rng, mode, conv_mode, boundary, fillvalue, n, k):
    a, b = rng.normal(size=n), rng.normal(size=k)
    x, y = _vars(a, b)
    expected_error = conv_mode == "valid" and not (np.all(np.greater_equal(n, k))
                                                    or np.all(np.greater_equal(k, n)))
    f = arignote.function([x, y], convolve2d(x, y, conv_mode, boundary, fillvalue), mode=mode)
    if expected_error:  # SciPy refuses too: neither input is the larger along both axes
        with pytest.raises(ValueError, match="at least as large"):
            f(a, b)
        return
    got = f(a, b)
    expected = scipy.signal.convolve2d(a, b, conv_mode, boundary, fillvalue)
    assert got.shape == expected.shape
    # the padded input enters the sums too: its magnitude is that of a or of the fill value
    scale = np.maximum(np.abs(a), abs(fillvalue))
    np.testing.assert_allclose(got, expected, rtol=0, atol=_atol("float64", scale, b))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_convolve2d_batches(rng, mode, dtype):
    a = rng.normal(size=(2, 1, 5, 6)).astype(dtype)
    b = rng.normal(size=(3, 2, 3)).astype(dtype)
    x, y = _vars(a, b)
    for conv_mode, boundary in (("full", "fill"), ("same", "wrap"), ("valid", "fill"), ("full", "symm")):
        got = arignote.function([x, y], convolve2d(x, y, conv_mode, boundary), mode=mode)(a, b)
        expected = _batched_reference(
            lambda p, q: scipy.signal.convolve2d(p, q, conv_mode, boundary), a, b, 2)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, expected, rtol=0, atol=_atol(dtype, a, b))


def test_methods_agree(rng):
    a, b = rng.normal(size=(9, 8)), rng.normal(size=(4, 3))
    x, y = at.matrix("x"), at.matrix("y")
    expected = scipy.signal.convolve2d(a, b)
    for method in ("auto", "direct", "fft"):
        got = arignote.function([x, y], convolve2d(x, y, method=method))(a, b)
        np.testing.assert_allclose(got, expected, rtol=0, atol=_atol("float64", a, b))


def test_static_shapes():
    x, y = at.tensor("x", shape=(2, 7)), at.tensor("y", shape=(3,))
    assert convolve1d(x, y).type.shape == (2, 9)
    assert convolve1d(x, y, "valid").type.shape == (2, 5)
    assert convolve1d(y, x, "valid").type.shape == (2, 5)
    assert convolve1d(x, y, "same").type.shape == (2, 7)
    m, k = at.tensor("m", shape=(5, 6)), at.tensor("k", shape=(2, 3))
    assert convolve2d(m, k).type.shape == (6, 8)
    assert convolve2d(m, k, "valid").type.shape == (4, 4)
    assert convolve2d(m, k, "same", "wrap").type.shape == (5, 6)
    assert convolve2d(m, k, "full", "symm").type.shape == (6, 8)


@pytest.mark.parametrize("conv_mode", CONV_MODES)
@pytest.mark.parametrize("n, k", [(6, 3), (3, 6), (4, 4)])
def test_convolve1d_gradient(rng, conv_mode, n, k):
    # unknown lengths: in valid mode the larger input is only known when it runs
    verify_grad(lambda p, q: convolve1d(p, q, conv_mode), [rng.normal(size=n), rng.normal(size=k)], rng=rng)


@pytest.mark.parametrize("n, k", [(6, 3), (3, 6)])
def test_valid_gradient_with_static_lengths(rng, n, k):
    a, b = rng.normal(size=n), rng.normal(size=k)
    x, y = at.tensor("x", shape=(n,)), at.tensor("y", shape=(k,))
    weights = rng.normal(size=abs(n - k) + 1)
    cost = (convolve1d(x, y, "valid") * weights).sum()
    got = arignote.function([x, y], arignote.grad(cost, [x, y]))(a, b)
    # the cost is bilinear: its gradient with respect to a is the cost at each unit vector
    for position, (value, other) in enumerate(((a, b), (b, a))):
        expected = np.array([(scipy.signal.convolve(np.eye(len(value))[i], other, "valid") * weights).sum()
                             for i in range(len(value))])
        np.testing.assert_allclose(got[position], expected, atol=1e-12)


def test_convolve1d_batched_gradient(rng):
    verify_grad(lambda p, q: convolve1d(p, q, "valid"), [rng.normal(size=(2, 6)), rng.normal(size=(3, 1, 4))],
                rng=rng)


@pytest.mark.parametrize("conv_mode, boundary", [("full", "fill"), ("valid", "fill"), ("same", "fill"),
                                                 ("same", "wrap"), ("full", "symm")])
@pytest.mark.parametrize("n, k", [((5, 4), (2, 3)), ((2, 3), (5, 4))])
def test_convolve2d_gradient(rng, conv_mode, boundary, n, k):
    verify_grad(lambda p, q: convolve2d(p, q, conv_mode, boundary), [rng.normal(size=n), rng.normal(size=k)],
                rng=rng)


@pytest.mark.parametrize("mode", MODES)
def test_gradient_on_backends(rng, mode):
    a, b = rng.normal(size=(2, 6)), rng.normal(size=(3,))
    x, y = at.matrix("x"), at.vector("y")
    cost = (convolve1d(x, y, "same") ** 2).sum()
    got = arignote.function([x, y], arignote.grad(cost, [x, y]), mode=mode)(a, b)
    expected = arignote.function([x, y], arignote.grad(cost, [x, y]), mode="PY")(a, b)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


def test_pushforward(rng):
    a, b = rng.normal(size=5), rng.normal(size=3)
    ta, tb = rng.normal(size=5), rng.normal(size=3)
    x, y, tx, ty = at.vector("x"), at.vector("y"), at.vector("tx"), at.vector("ty")
    out = convolve1d(x, y, "valid")
    tangent = arignote.Rop(out, [x, y], [tx, ty])
    got = arignote.function([x, y, tx, ty], tangent)(a, b, ta, tb)
    expected = np.convolve(ta, b, "valid") + np.convolve(a, tb, "valid")
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_bad_arguments():
    x, y = at.vector("x"), at.vector("y")
    with pytest.raises(ValueError, match="mode must be one of"):
        convolve1d(x, y, mode="circular")
    with pytest.raises(ValueError, match="at least 1 dimension"):
        convolve1d(at.scalar("s"), y)
    m = at.matrix("m")
    with pytest.raises(ValueError, match="boundary must be one of"):
        convolve2d(m, m, boundary="reflect")
    with pytest.raises(ValueError, match="method must be one of"):
        convolve2d(m, m, method="fast")
    with pytest.raises(ValueError, match="at least 2 dimension"):
        convolve2d(x, m)
    with pytest.raises(ValueError, match="at least as large"):
        convolve2d(at.tensor("a", shape=(2, 5)), at.tensor("b", shape=(3, 3)), "valid")
    with pytest.raises(ValueError, match="must not be empty"):
        convolve1d(at.tensor("e", shape=(0,)), y)
    with pytest.raises(ValueError, match="ndim must be 1 or 2"):
        Convolve(3)
    f = arignote.function([x, y], convolve1d(x, y))
    with pytest.raises(ValueError, match="must not be empty"):
        f(np.zeros(0), np.ones(3))


@pytest.mark.parametrize("conv_mode", CONV_MODES)
def test_vectorized_jacobian(rng, conv_mode):
    # the rows of the Jacobian come from the pullback batched over them (Convolve.batch)
    a, b = rng.normal(size=5), rng.normal(size=3)
    x, y = at.vector("x"), at.vector("y")
    jacobians = arignote.jacobian(convolve1d(x, y, conv_mode), [x, y], vectorize=True)
    jx, jy = arignote.function([x, y], jacobians)(a, b)
    np.testing.assert_allclose(jx, np.array([np.convolve(e, b, conv_mode) for e in np.eye(5)]).T, atol=1e-12)
    np.testing.assert_allclose(jy, np.array([np.convolve(a, e, conv_mode) for e in np.eye(3)]).T, atol=1e-12)
