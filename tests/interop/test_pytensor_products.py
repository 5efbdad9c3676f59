"""PyTensor's products, BLAS ops, sorting and plain ``CAReduce`` s converted to arignote
(arignote/interop/pytensor/products.py).

Each graph is evaluated by PyTensor (its default mode) and by arignote, both through
``from_pytensor`` + ``arignote.function`` and through PyTensor's function with arignote's
``mode()`` linker, on the run's backend (``--mode``).  Products of length-n rows and columns
(n <= 6, entries of order 1) computed by different BLAS kernels or summation orders differ by
at most about n * eps relative to the sum of |terms|, which is within a few units of the
result here: 1e-12 relative and absolute in float64 (eps 2.2e-16) and 1e-5 in float32 (eps
1.2e-7).  Sorting copies values: exact.
"""

from __future__ import annotations

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.scalar as ps  # noqa: E402
import pytensor.tensor as pt  # noqa: E402
from pytensor.tensor.blas.batched import BatchedDot  # noqa: E402
from pytensor.tensor.blas.gemm import Dot22, Dot22Scalar, Gemm  # noqa: E402
from pytensor.tensor.blas.gemv import Gemv  # noqa: E402
from pytensor.tensor.blockwise import Blockwise  # noqa: E402
from pytensor.tensor.elemwise import CAReduce  # noqa: E402
from pytensor.tensor.math import Dot, ProdWithoutZeros  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import from_pytensor, mode  # noqa: E402
from tests.interop.helpers import backend, check  # noqa: E402

TOL = {"float64": 1e-12, "float32": 1e-5, "int64": 0.0, "int32": 0.0}
RNG = np.random.default_rng(1803)


@pytest.fixture(autouse=True)
def _reseed():
    """Each test draws the same values whatever ran before it (in this process, under xdist)."""
    global RNG
    RNG = np.random.default_rng(1803)


def _values(shape, dtype):
    if dtype.startswith("int"):
        return RNG.integers(-4, 5, size=shape).astype(dtype)
    return RNG.normal(size=shape).astype(dtype)


@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float32"), ("int64", "int64"),
                                    ("float32", "float64"), ("int32", "float64")])
def test_dot_tensordot_outer_and_matmul(dtypes):
    a = pt.tensor("a", dtype=dtypes[0], shape=(None, None))
    b = pt.tensor("b", dtype=dtypes[1], shape=(None, None))
    v = pt.tensor("v", dtype=dtypes[1], shape=(None,))
    t = pt.tensor("t", dtype=dtypes[0], shape=(None, None, None))
    outputs = [pt.dot(a, b), pt.dot(a, v), pt.dot(v, b.T), a @ b, pt.matmul(t, b), pt.outer(v, v),
               pt.tensordot(t, b, axes=[[2], [0]]), pt.matvec(a, v), pt.vecdot(b.T, v),
               pt.dot(v, v)]
    tol = max(TOL[d] for d in dtypes)
    check([a, b, v, t], outputs, _values((3, 4), dtypes[0]), _values((4, 4), dtypes[1]),
          _values(4, dtypes[1]), _values((2, 3, 4), dtypes[0]), rtol=tol, op_types=[Dot, Blockwise])


def test_gradients_of_products():
    a, b = pt.dmatrix("a"), pt.dmatrix("b")
    t = pt.dtensor3("t")
    cost = ((pt.dot(a, b) ** 2).sum() + (pt.matmul(t, b) * 3).sum() + pt.tensordot(t, b, axes=1).sum()
            + (pt.outer(a[0], b[:, 0]) ** 2).sum())
    check([a, b, t], pt.grad(cost, [a, b, t]), _values((3, 4), "float64"), _values((4, 4), "float64"),
          _values((2, 3, 4), "float64"), rtol=TOL["float64"])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_blas_ops(dtype):
    # built directly here; PyTensor's own rewrites build them (mode(pytensor_rewrites=...))
    z, x, y = (pt.tensor(n, dtype=dtype, shape=(None, None)) for n in "zxy")
    u, w = pt.tensor("u", dtype=dtype, shape=(None,)), pt.tensor("w", dtype=dtype, shape=(None,))
    t = pt.tensor("t", dtype=dtype, shape=(None, None, None))
    alpha, beta = pt.scalar("alpha", dtype=dtype), pt.scalar("beta", dtype=dtype)
    outputs = [Dot22()(x, y), Dot22Scalar()(x, y, alpha), Gemm(inplace=False)(z, alpha, x, y, beta),
               Gemv(inplace=False)(u, alpha, x, w, beta), BatchedDot()(t, t)]
    values = [_values((3, 3), dtype) for _ in range(3)] + [_values(3, dtype), _values(3, dtype),
                                                           _values((2, 3, 3), dtype)]
    check([z, x, y, u, w, t, alpha, beta], outputs, *values, np.asarray(1.5, dtype), np.asarray(-0.5, dtype),
          rtol=TOL[dtype])


def test_gemm_with_zero_beta_ignores_z():
    # BLAS's rule, which PyTensor's rewrites rely on when z is an uninitialised buffer
    z, x, y = pt.dmatrix("z"), pt.dmatrix("x"), pt.dmatrix("y")
    u, w = pt.dvector("u"), pt.dvector("w")
    two, zero = pt.constant(2.0, dtype="float64"), pt.constant(0.0, dtype="float64")
    outputs = [Gemm(inplace=False)(z, two, x, y, zero), Gemv(inplace=False)(u, two, x, w, zero)]
    zv = np.full((3, 3), np.nan)
    uv = np.array([np.inf, np.nan, 1.0])
    xv, yv, wv = _values((3, 3), "float64"), _values((3, 3), "float64"), _values(3, "float64")
    converted = from_pytensor(outputs, [z, x, y, u, w])
    got = arignote.function(converted.inputs, converted.outputs)(zv, xv, yv, uv, wv)
    np.testing.assert_allclose(got[0], 2 * xv @ yv, rtol=1e-12)
    np.testing.assert_allclose(got[1], 2 * xv @ wv, rtol=1e-12)


def test_pytensor_rewrites_then_arignote():
    # with PyTensor's fast_run rewrites first, the graph reaching arignote has BLAS ops
    x, y, z = pt.dmatrix("x"), pt.dmatrix("y"), pt.dmatrix("z")
    out = [z + 2 * pt.dot(x, y), pt.dot(x, y[:, 0]) * 3 + z[0]]
    values = [_values((5, 5), "float64") for _ in range(3)]
    want = pytensor.function([x, y, z], out)(*values)
    got = pytensor.function([x, y, z], out, mode=mode(backend(), pytensor_rewrites="fast_run"))(*values)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_sort_and_argsort(dtype):
    x = pt.tensor("x", dtype=dtype, shape=(None, None))
    outputs = [pt.sort(x), pt.sort(x, axis=0), pt.sort(x, axis=None), pt.argsort(x), pt.argsort(x, axis=0),
               pt.argsort(x, axis=None)]
    # distinct values: argsort is then unique whatever the algorithm's tie rule
    xv = RNG.permutation(12).reshape(3, 4).astype(dtype) - 5
    check([x], outputs, xv)
    if dtype == "float64":  # the gradient scatters back through argsort
        check([x], pt.grad((pt.sort(x, axis=0) * pt.arange(4)).sum(), x), xv, rtol=TOL[dtype])


@pytest.mark.parametrize("dtype", ["float64", "int64", "bool"])
def test_plain_careduce_and_prod_without_zeros(dtype):
    x = pt.tensor("x", dtype=dtype, shape=(None, None))
    outputs = [CAReduce(ps.add, axis=(0,))(x), CAReduce(ps.mul, axis=None)(x),
               CAReduce(ps.maximum, axis=(1,))(x), CAReduce(ps.minimum, axis=(0, 1))(x)]
    if dtype == "bool":
        outputs += [CAReduce(ps.and_, axis=(1,))(x), CAReduce(ps.or_, axis=(0,))(x)]
    else:
        outputs += [ProdWithoutZeros(axis=(1,))(x), ProdWithoutZeros(axis=None)(x)]
    xv = (RNG.integers(0, 2, (3, 4)) > 0) if dtype == "bool" else RNG.integers(-2, 3, (3, 4)).astype(dtype)
    xv[0] = 0  # a row of zeros: the product without zeros is 0 there (its first entry)
    check([x], outputs, xv, op_types=[CAReduce])
    if dtype == "float64":  # over an empty axis: 0, as for all zeros
        check([x], [ProdWithoutZeros(axis=(0,))(x)], np.zeros((0, 4)))


def test_gradient_of_prod_uses_prod_without_zeros():
    x = pt.dmatrix("x")
    grad = pt.grad(pt.prod(x, axis=1).sum(), x)
    xv = _values((3, 4), "float64")
    xv[1, 2] = 0.0  # one zero in a row; PyTensor's gradient switches to the product without it
    xv[2, :2] = 0.0
    check([x], grad, xv, rtol=TOL["float64"])
