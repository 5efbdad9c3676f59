"""PyTensor's FFTs, ``Fourier`` and signal convolutions converted to arignote
(arignote/interop/pytensor/fourier.py).

The reference is PyTensor's own evaluation through its Python implementations
(``FAST_COMPILE``: ``np.fft``, ``np.convolve``, ``scipy.signal.convolve``); arignote runs
through ``from_pytensor`` + ``arignote.function`` and through PyTensor's function with
arignote's linker, both on the backend of the run (``--mode``).

Tolerances, from the error analysis of each computation (``eps`` the dtype's):

- an FFT of N points is normwise backward stable: ``|y_err|_2 <= c log2(N) eps |y|_2`` with
  c a small constant, and ``|y|_2 <= sqrt(N) max|y|``; two different FFTs (NumPy's complex one
  against a real one, pocketfft against JAX's) differ by twice that.  :func:`_fft_tol` is
  ``8 log2(N) sqrt(N) eps`` relative to the largest entry (c = 4).  Where both sides make the
  same library call (``rfft`` on the C and Python backends) the results are equal, exactly.
- a direct convolution sums k products per point: its rounding error is at most
  ``gamma_k (|a| * |b|)`` (``gamma_k ~ k eps``), elementwise; :func:`_conv_tol` checks that bound
  with ``|a| * |b|`` computed here.  The same routine on both sides (NumPy's ``convolve`` and
  SciPy's, on the C and Python backends) gives equal results, exactly; a different summation
  order (PyTensor's gradients, whose mode is decided at run time, become a "valid" convolution
  of a zero-padded input; JAX's convolution) stays within the bound.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
from pytensor.tensor import fft as ptfft  # noqa: E402
from pytensor.tensor import fourier as ptfourier  # noqa: E402
from pytensor.tensor import signal as ptsignal  # noqa: E402
from pytensor.tensor.blockwise import Blockwise  # noqa: E402
from pytensor.tensor.signal.conv import Convolve1d, Convolve2d  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import from_pytensor, mode  # noqa: E402
from tests.interop.helpers import backend  # noqa: E402

RNG = np.random.default_rng(1901)


@pytest.fixture(autouse=True)
def _reseed():
    """Each test draws the same values whatever ran before it (in this process, under xdist)."""
    global RNG
    RNG = np.random.default_rng(1901)


def _eps(dtype) -> float:
    dtype = np.dtype(dtype)
    return float(np.finfo(dtype).eps) if dtype.kind in "fc" else float(np.finfo("float64").eps)


def _fft_tol(dtype, n_points: int):
    """An FFT's error bound relative to the largest entry (see the module docstring)."""
    tol = 8 * max(np.log2(n_points), 1.0) * np.sqrt(n_points) * _eps(dtype)

    def close(got, want, values):
        scale = max(float(np.max(np.abs(want))) if want.size else 0.0, 1.0)
        np.testing.assert_allclose(got, want, rtol=0, atol=tol * scale)
    return close


def _conv_tol(k: int, dtype, bound):
    """A direct sum of k products per point: ``|err| <= gamma_k * bound(values)``, with
    ``bound`` the convolution of the absolute values (see the module docstring)."""
    gamma = 2 * k * _eps(dtype)  # gamma_k = k eps / (1 - k eps), doubled: two roundings compared

    def close(got, want, values):
        limit = gamma * bound(*values)
        assert got.shape == want.shape
        assert np.all(np.abs(got - want) <= limit + np.finfo(want.dtype).tiny)
    return close


def _exact(got, want, values):
    np.testing.assert_array_equal(got, want)


def _compare(inputs, outputs, values, closeness, op_types=(), dtypes=None):
    """Each output of arignote (both routes) against PyTensor's Python evaluation.

    ``closeness``: one comparison for all outputs or a list; ``dtypes``: the expected dtypes
    (default PyTensor's results')."""
    outputs = list(outputs)
    graph_ops = {type(n.op) for n in pytensor.graph.traversal.io_toposort(inputs, outputs)}
    graph_ops |= {type(n.op.core_op) for n in pytensor.graph.traversal.io_toposort(inputs, outputs)
                  if isinstance(n.op, Blockwise)}
    assert set(op_types) <= graph_ops
    want = pytensor.function(inputs, outputs, mode="FAST_COMPILE")(*values)
    converted = from_pytensor(outputs, inputs)
    direct = arignote.function(converted.inputs, converted.outputs)(*values)
    linked = pytensor.function(inputs, outputs, mode=mode(backend()))(*values)
    checks = closeness if isinstance(closeness, list) else [closeness] * len(outputs)
    dtypes = dtypes or [np.asarray(w).dtype for w in want]
    for got in (direct, linked):
        for g, w, close, dtype in zip(got, want, checks, dtypes, strict=True):
            g, w = np.asarray(g), np.asarray(w)
            assert g.dtype == dtype and g.shape == w.shape
            close(g, w, values)
    return want


def _same_library_call():
    """Whether arignote runs the same NumPy/SciPy routine as PyTensor's Python implementation
    (the C and Python backends call them; JAX has its own)."""
    return backend() in ("c", "py")


# --- real FFTs ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(3, 8), (2, 7), (2, 3, 6), (1, 5, 4)])
def test_rfft_and_irfft_with_every_norm(dtype, shape):
    x = pt.tensor("x", dtype=dtype, shape=(None,) * len(shape))
    value = RNG.normal(size=shape).astype(dtype)
    n_points = int(np.prod(shape[1:]))
    forward = [ptfft.rfft(x, norm=norm) for norm in (None, "ortho", "no_norm")]
    spectrum = ptfft.rfft(x)
    odd = shape[-1] % 2 == 1
    inverse = [ptfft.irfft(spectrum, norm=norm, is_odd=odd) for norm in (None, "ortho", "no_norm")]
    # rfft: NumPy's rfftn on both sides, then the same division; irfft: PyTensor scales NumPy's
    # normalized inverse back by N, arignote asks NumPy for the unnormalized one
    fwd_close = _exact if _same_library_call() else _fft_tol(dtype, n_points)
    want = _compare([x], forward + inverse, [value],
                    [fwd_close] * 3 + [_fft_tol(dtype, n_points)] * 3,
                    op_types=(ptfft.RFFTOp, ptfft.IRFFTOp))
    # the round trip gives the input back (a check of the reference itself)
    np.testing.assert_allclose(want[3], value, atol=1e-4 if dtype == "float32" else 1e-12)


def test_irfft_of_a_spectrum_given_directly_and_rfft_op_with_lengths():
    # the op with explicit lengths: crops (5 < 8) and zero-pads (12 > 8) the last axis
    x = pt.dmatrix("x")
    z = pt.dtensor3("z")
    outputs = [ptfft.rfft_op(x, [5]), ptfft.rfft_op(x, [12]), ptfft.irfft_op(z, [9]),
               ptfft.irfft_op(z, [4]), ptfft.irfft(z, is_odd=True)]
    values = [RNG.normal(size=(2, 8)), RNG.normal(size=(2, 5, 2))]
    _compare([x, z], outputs, values,
             [_exact if _same_library_call() else _fft_tol("float64", 12)] * 2
             + [_fft_tol("float64", 12)] * 3)


@pytest.mark.parametrize("norm", [None, "ortho", "no_norm"])
def test_fft_gradients_pytensor_builds(norm):
    """pt.grad's graphs of rfft and irfft (PyTensor's adjoints) converted and run."""
    x = pt.dmatrix("x")
    spec = pt.dtensor3("spec")
    w = RNG.normal(size=(3, 4, 2))
    cost = (ptfft.rfft(x, norm=norm) * w).sum() + (ptfft.irfft(spec, norm=norm) ** 2).sum()
    grads = pt.grad(cost, [x, spec])
    _compare([x, spec], grads, [RNG.normal(size=(3, 6)), RNG.normal(size=(2, 4, 2))],
             _fft_tol("float64", 8))


# --- the complex DFT along one axis ---------------------------------------------------------

@pytest.mark.parametrize(("dtype", "shape", "n", "axis"), [
    ("float64", (3, 8), 8, 1), ("float64", (3, 8), 5, 1), ("float64", (3, 8), 11, 1),
    ("float64", (4, 3), 6, 0), ("float64", (7,), 4, 0), ("float64", (2, 5, 3), 5, 1),
    ("complex128", (3, 6), 6, 1), ("complex128", (4, 3), 7, 0), ("complex64", (2, 5), 4, 1),
    ("int64", (2, 6), 6, 1), ("float32", (3, 8), 8, 1),
])
def test_fourier_fft(dtype, shape, n, axis):
    a = pt.tensor("a", dtype=dtype, shape=(None,) * len(shape))
    value = RNG.normal(size=shape) * 4
    if dtype.startswith("complex"):
        value = value + 1j * RNG.normal(size=shape)
    value = value.astype(dtype)
    out = ptfourier.fft(a, n, axis)
    # PyTensor's type says complex128 whatever the input, but NumPy transforms single
    # precision in single precision (complex64): arignote follows the type, in float64
    precision = "float32" if dtype in ("float32", "complex64") else "float64"
    _compare([a], [out], [value], _fft_tol(precision, max(n, shape[axis])),
             op_types=(ptfourier.Fourier,), dtypes=[np.dtype("complex128")])


def test_fourier_fft_length_given_at_run_time():
    a = pt.dmatrix("a")
    n = pt.lscalar("n")
    outputs = [ptfourier.fft(a, n, 1), ptfourier.fft(a, None, 0)]
    for length in (3, 6, 9):
        _compare([a, n], outputs, [RNG.normal(size=(4, 6)), np.int64(length)], _fft_tol("float64", 9))


def test_fourier_gradient_formula():
    """PyTensor's gradient of ``Fourier`` (a DFT matrix product, cropped when ``n`` is shorter).

    ``pt.grad`` cannot reach it (PyTensor's ``real``/``abs`` of complex numbers have no gradient
    there), so the op's ``pullback`` builds the graph.  Error: each entry sums n products with
    twiddles ``exp(-2 pi i jk/n)`` whose arguments reach 2 pi n and are rounded to that times
    eps: ``(n + 2 pi n^2) eps`` relative to ``sum |g|``, under 1e-12 for n <= 9."""
    a = pt.dmatrix("a")
    for n in (5, 6, 9):
        out = ptfourier.fft(a, n, 1)
        g = pt.zmatrix("g")
        [grad] = ptfourier.fft.pullback(out.owner.inputs, [out], [g])[:1]
        g_value = RNG.normal(size=(3, n)) + 1j * RNG.normal(size=(3, n))

        atol = 1e-12 * np.abs(g_value).sum()

        def close(got, want, values, atol=atol):
            np.testing.assert_allclose(got, want, rtol=0, atol=atol)
        _compare([a, g], [grad], [RNG.normal(size=(3, 6)), g_value], close)


def test_fourier_with_a_symbolic_axis_is_refused():
    a = pt.dmatrix("a")
    axis = pt.lscalar("axis")
    with pytest.raises(NotImplementedError, match="axis that is not a constant"):
        from_pytensor([ptfourier.fft(a, 4, axis)], [a, axis])


# --- convolutions ---------------------------------------------------------------------------

def _abs_conv1d(in1, in2, mode):
    """|in1| * |in2| in PyTensor's ``mode`` over broadcast batches (the rounding error's bound)."""
    n, k = np.shape(in1)[-1], np.shape(in2)[-1]
    batch = np.broadcast_shapes(np.shape(in1)[:-1], np.shape(in2)[:-1])
    a = np.broadcast_to(np.abs(in1), (*batch, n)).reshape(-1, n)
    b = np.broadcast_to(np.abs(in2), (*batch, k)).reshape(-1, k)
    out = np.stack([np.convolve(x, y, mode="valid" if mode == "valid" else "full")
                    for x, y in zip(a, b, strict=True)])
    if mode == "same":  # in1 padded by k // 2 zeros before: the full result from k - 1 - k // 2
        start = k - 1 - k // 2
        out = out[:, start:start + n]
    return out.reshape(*batch, out.shape[-1])


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
@pytest.mark.parametrize("mode_", ["full", "valid", "same"])
@pytest.mark.parametrize(("shape1", "shape2"), [((9,), (4,)), ((4,), (9,)), ((2, 1, 7), (3, 3)),
                                                ((1, 6), (2, 6))])
def test_convolve1d(dtype, mode_, shape1, shape2):
    # a batch length of 1 broadcasts: PyTensor needs it in the type
    in1 = pt.tensor("in1", dtype=dtype, shape=tuple(1 if d == 1 else None for d in shape1))
    in2 = pt.tensor("in2", dtype=dtype, shape=tuple(1 if d == 1 else None for d in shape2))
    values = [(RNG.normal(size=shape1) * 3).astype(dtype), (RNG.normal(size=shape2) * 3).astype(dtype)]
    out = ptsignal.convolve1d(in1, in2, mode=mode_)
    same = _same_library_call() or dtype == "int64"  # integer sums are exact in any order
    k = min(shape1[-1], shape2[-1])
    close = _exact if same else _conv_tol(k, dtype, lambda a, b: _abs_conv1d(a, b, mode_))
    _compare([in1, in2], [out], values, close, op_types=(Convolve1d,))


def _abs_conv2d(in1, in2, mode):
    in1, in2 = np.abs(in1), np.abs(in2)
    batch = np.broadcast_shapes(in1.shape[:-2], in2.shape[:-2])
    a = np.broadcast_to(in1, (*batch, *in1.shape[-2:])).reshape(-1, *in1.shape[-2:])
    b = np.broadcast_to(in2, (*batch, *in2.shape[-2:])).reshape(-1, *in2.shape[-2:])
    out = np.stack([scipy.signal.convolve2d(x, y, mode=mode) for x, y in zip(a, b, strict=True)])
    return out.reshape(*batch, *out.shape[-2:])


@pytest.mark.parametrize("mode_", ["full", "valid", "same"])
@pytest.mark.parametrize(("boundary", "fillvalue"), [("fill", 0), ("fill", 1.5), ("wrap", 0),
                                                     ("symm", 0)])
@pytest.mark.parametrize("method", ["direct", "auto"])
def test_convolve2d(mode_, boundary, fillvalue, method):
    in1 = pt.tensor("in1", shape=(None, None, None))
    in2 = pt.dmatrix("in2")
    values = [RNG.normal(size=(2, 6, 7)), RNG.normal(size=(3, 4))]
    out = ptsignal.convolve2d(in1, in2, mode=mode_, boundary=boundary, fillvalue=fillvalue,
                              method=method)
    want_full = scipy.signal.convolve2d(values[0][1], values[1], mode=mode_, boundary=boundary,
                                        fillvalue=fillvalue)
    # the bound of a direct sum of 12 products, with |in1| extended as the boundary says and
    # every entry bounded by the largest (SciPy's FFT method, "auto", is within it too here:
    # its error is log2(N) eps |a|_2 |b|_2, below 12 eps max|a| sum|b| for these sizes)
    bound = 2 * 12 * np.finfo("float64").eps * max(np.abs(values[0]).max(), abs(fillvalue)) \
        * np.abs(values[1]).sum()

    def close(got, want, vals):
        np.testing.assert_allclose(got, want, rtol=0, atol=bound)
    want = _compare([in1, in2], [out], values, _exact if _same_library_call() else close,
                    op_types=(Convolve2d,))
    # the reference itself against SciPy's convolve2d
    np.testing.assert_allclose(want[0][1], want_full, rtol=0, atol=bound)


def test_convolve2d_batches_broadcast():
    # a batch (3, 1) against (2,): (3, 2); PyTensor's "same" pads in1 into a type that no longer
    # knows the static 1, and refuses to broadcast it, so it gets a full batch
    in1 = pt.tensor("in1", shape=(3, 1, 5, 5))
    in1_full = pt.tensor("in1_full", shape=(3, 2, 5, 5))
    in2 = pt.tensor("in2", shape=(2, 2, 3))
    values = [RNG.normal(size=(3, 1, 5, 5)), RNG.normal(size=(3, 2, 5, 5)), RNG.normal(size=(2, 2, 3))]
    outputs = [ptsignal.convolve2d(in1, in2, mode="full"), ptsignal.convolve2d(in1, in2, mode="valid"),
               ptsignal.convolve2d(in1_full, in2, mode="same")]
    if _same_library_call():
        closes = [_exact] * 3
    else:
        closes = [_conv_tol(6, "float64",
                            lambda a, a_full, b, m=m: _abs_conv2d(a_full if m == "same" else a, b, m))
                  for m in ("full", "valid", "same")]
    want = _compare([in1, in1_full, in2], outputs, values, closes)
    assert want[0].shape == (3, 2, 6, 7)


@pytest.mark.parametrize("mode_", ["full", "valid", "same"])
@pytest.mark.parametrize("static", [False, True])
def test_convolve1d_gradients_pytensor_builds(mode_, static):
    """pt.grad's graphs: each input's cotangent is a convolution with the other input flipped,
    whose mode PyTensor computes from the lengths (known when the shapes are static)."""
    shapes = [(2, 1, 9), (3, 4)]
    in1 = pt.tensor("in1", shape=shapes[0] if static else (None, 1, None))
    in2 = pt.tensor("in2", shape=shapes[1] if static else (None,) * 2)
    out = ptsignal.convolve1d(in1, in2, mode=mode_)
    w = RNG.normal(size=(2, 3, {"full": 12, "valid": 6, "same": 9}[mode_]))
    grads = pt.grad((out * w).sum() + (out ** 2).sum(), [in1, in2])
    values = [RNG.normal(size=shapes[0]), RNG.normal(size=shapes[1])]
    # each gradient entry sums at most (batch 6) x (length 12) products of order |w| + 2 |out|:
    # bounded by 72 eps times that sum of magnitudes
    scale = np.abs(w).sum() + 2 * 36 * np.abs(values[0]).max() * np.abs(values[1]).max()

    def close(got, want, vals):
        np.testing.assert_allclose(got, want, rtol=0, atol=2 * 72 * np.finfo("float64").eps * scale
                                   * max(np.abs(vals[0]).max(), np.abs(vals[1]).max()))
    _compare([in1, in2], grads, values, close, op_types=(Convolve1d,))


def test_convolve2d_gradients_pytensor_builds():
    in1, in2 = pt.dmatrix("in1"), pt.dmatrix("in2")
    out = ptsignal.convolve2d(in1, in2, mode="valid", method="direct")
    w = RNG.normal(size=(4, 3))
    grads = pt.grad((out * w).sum(), [in1, in2])
    values = [RNG.normal(size=(6, 5)), RNG.normal(size=(3, 3))]
    # each entry sums at most 12 products |w| |in|: 2 * 12 eps * sum|w| * max|in|
    atol = 2 * 12 * np.finfo("float64").eps * np.abs(w).sum() * max(np.abs(v).max() for v in values)

    def close(got, want, vals):
        np.testing.assert_allclose(got, want, rtol=0, atol=atol)
    _compare([in1, in2], grads, values, close, op_types=(Convolve2d,))


@pytest.mark.skipif(backend() == "jax", reason="the mode flags are input values: shapes JAX "
                    "cannot know while tracing")
def test_convolve_mode_given_at_run_time_along_a_batch():
    """A Blockwise convolution whose mode is an input: one value along the batch works, a
    mixed one (PyTensor could not stack its outputs) is refused."""
    in1, in2 = pt.dmatrix("in1"), pt.dmatrix("in2")
    flags = pt.tensor("flags", dtype="bool", shape=(None,))
    out = Blockwise(Convolve1d())(in1, in2, flags)
    values = [RNG.normal(size=(2, 7)), RNG.normal(size=(2, 3))]
    converted = from_pytensor([out], [in1, in2, flags])
    f = arignote.function(converted.inputs, converted.outputs)
    for flag, mode_ in ((True, "full"), (False, "valid")):
        got = f(*values, np.array([flag, flag]))[0]
        want = np.stack([np.convolve(a, b, mode=mode_) for a, b in zip(*values, strict=True)])
        # full: the valid convolution of a zero-padded input, a different summation order
        np.testing.assert_allclose(got, want, rtol=0, atol=2 * 3 * np.finfo("float64").eps
                                   * _abs_conv1d(*values, mode_).max())
    with pytest.raises(AssertionError, match="same along the batch"):
        f(*values, np.array([True, False]))


def test_bare_core_convolutions_with_a_constant_or_run_time_mode():
    """The core ops without a Blockwise: the mode a constant, or a boolean scalar input (then
    the full convolution is a valid one of a zero-padded input: the bound of the module)."""
    a, b = pt.dvector("a"), pt.dvector("b")
    m1, m2 = pt.dmatrix("m1"), pt.dmatrix("m2")
    flag = pt.scalar("flag", dtype="bool")
    values = [RNG.normal(size=8), RNG.normal(size=3), RNG.normal(size=(5, 6)), RNG.normal(size=(2, 3))]
    outputs = [Convolve1d()(a, b, np.bool_(True)), Convolve1d()(b, a, np.bool_(False)),
               Convolve2d(method="direct")(m1, m2, np.bool_(True))]
    same = _same_library_call()
    _compare([a, b, m1, m2], outputs, values,
             [_exact if same else _conv_tol(3, "float64", lambda a, b, m1, m2: _abs_conv1d(a, b, "full")),
              _exact if same else _conv_tol(3, "float64", lambda a, b, m1, m2: _abs_conv1d(a, b, "valid")),
              _exact if same else _conv_tol(6, "float64", lambda a, b, m1, m2: _abs_conv2d(m1, m2, "full"))])
    if backend() == "jax":
        return  # the padding depends on the flag's value: JAX cannot know the shapes
    for flag_value in (True, False):
        mode_ = "full" if flag_value else "valid"
        _compare([a, b, m1, m2, flag], [Convolve1d()(a, b, flag), Convolve2d(method="direct")(m1, m2, flag)],
                 [*values, np.bool_(flag_value)],
                 [_conv_tol(3, "float64", lambda a, b, m1, m2, f, mode_=mode_: _abs_conv1d(a, b, mode_)),
                  _conv_tol(6, "float64", lambda a, b, m1, m2, f, mode_=mode_: _abs_conv2d(m1, m2, mode_))])
