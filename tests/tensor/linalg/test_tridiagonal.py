"""``tridiagonal_lu_factor`` / ``tridiagonal_lu_solve`` (arignote/tensor/linalg/tridiagonal.py):
LAPACK's gttrf/gttrs values, stacks, PyTensor's op forms, derivatives, JAX."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

import arignote
import arignote.tensor as at
from arignote.autodiff.errors import NullTypeGradError
from arignote.gradient import verify_grad
from arignote.tensor.blockwise import Blockwise
from arignote.tensor.linalg import (
    LUFactorTridiagonal,
    SolveLUFactorTridiagonal,
    tridiagonal_lu_factor,
    tridiagonal_lu_solve,
)

RNG = np.random.default_rng(11)
MODES = ["PY", "FAST_RUN"]


def _tridiagonal(a):
    return sum(np.diag(np.diagonal(a, o), o) for o in (-1, 0, 1))


def _random(shape, dtype="float64"):
    if np.dtype(dtype).kind == "c":
        return (RNG.normal(size=shape) + 1j * RNG.normal(size=shape)).astype(dtype)
    return RNG.normal(size=shape).astype(dtype)


def _program(b_ndim, transposed, dtype="float64", mode=None, batch=0):
    a = at.tensor("a", dtype=dtype, shape=(None,) * (2 + batch))
    b = at.tensor("b", dtype=dtype, shape=(None,) * (b_ndim + batch))
    factors = tridiagonal_lu_factor(a)
    x = tridiagonal_lu_solve(factors, b, b_ndim=b_ndim, transposed=transposed)
    return arignote.function([a, b], [*factors, x], mode=mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128"])
def test_factors_are_lapacks_and_solves_are_right(mode, dtype):
    gttrf = scipy.linalg.get_lapack_funcs("gttrf", dtype=np.dtype(dtype))
    rtol = 1e-4 if dtype == "float32" else 1e-10
    for b_ndim in (1, 2):
        for transposed in (False, True):
            f = _program(b_ndim, transposed, dtype, mode)
            for n in (1, 2, 3, 6):
                a, b = _random((n, n), dtype), _random((n, 3)[:b_ndim], dtype)
                *factors, x = f(a, b)
                assert factors[4].dtype == np.int32 and x.dtype == dtype
                if n >= 3:  # SciPy's wrapper takes orders from 3 on
                    for got, want in zip(factors, gttrf(*(np.diagonal(a, o) for o in (-1, 0, 1)))):
                        np.testing.assert_allclose(got, want, rtol=rtol)
                t = _tridiagonal(a)
                np.testing.assert_allclose(x, np.linalg.solve(t.T if transposed else t, b), rtol=rtol * 10)


def test_pivoting_small_orders():
    # the sub-diagonal entry is larger: rows swap (ipiv 2) in the order-2 path
    f = _program(2, False, mode="PY")
    ft = _program(2, True, mode="PY")
    a = np.array([[1e-3, 2.0], [5.0, 3.0]])
    b = _random((2, 2))
    *factors, x = f(a, b)
    assert list(factors[4]) == [2, 2]
    np.testing.assert_allclose(x, np.linalg.solve(a, b))
    np.testing.assert_allclose(ft(a, b)[-1], np.linalg.solve(a.T, b))


def test_stacks_are_mapped():
    f = _program(1, False, batch=1)
    a, b = _random((4, 5, 5)), _random((4, 5))
    *factors, x = f(a, b)
    assert factors[0].shape == (4, 4) and factors[3].shape == (4, 3)
    for k in range(4):
        np.testing.assert_allclose(x[k], np.linalg.solve(_tridiagonal(a[k]), b[k]))


def test_pytensor_op_forms():
    dl = at.vector("dl", shape=(4,), dtype="int16")
    d = at.vector("d", shape=(5,), dtype="float32")
    du = at.vector("du", shape=(4,), dtype="float64")
    b = at.vector("b", shape=(5,), dtype="float32")
    outs = Blockwise(LUFactorTridiagonal())(dl, d, du)
    assert [o.type.dtype for o in outs] == ["float64"] * 4 + ["int32"]
    assert [o.type.shape for o in outs] == [(4,), (5,), (4,), (3,), (5,)]
    x = SolveLUFactorTridiagonal(b_ndim=1, transposed=False)(*LUFactorTridiagonal()(dl, d, du), b)
    assert x.type.dtype == "float64" and x.type.shape == (5,)
    values = [np.array([1, 2, 3, 4], "int16"), np.arange(1, 6, dtype="float32"),
              np.arange(1, 5, dtype="float64"), np.arange(1, 6, dtype="float32")]
    t = np.diag(values[0], -1) + np.diag(values[1]) + np.diag(values[2], 1)
    np.testing.assert_allclose(arignote.function([dl, d, du, b], x)(*values), np.linalg.solve(t, values[3]))
    with pytest.raises(ValueError, match="b_ndim"):
        SolveLUFactorTridiagonal(b_ndim=3)
    with pytest.raises(ValueError, match="do not fit"):
        LUFactorTridiagonal()(at.dvector(shape=(3,)), at.dvector(shape=(5,)), at.dvector())


@pytest.mark.parametrize("transposed", [False, True])
def test_derivative_with_respect_to_b(transposed):
    a = _random((5, 5)) + 4 * np.eye(5)
    factors = tridiagonal_lu_factor(a)
    point = [_random((5, 2))]
    verify_grad(lambda b: tridiagonal_lu_solve(factors, b, b_ndim=2, transposed=transposed), point, rng=RNG)
    # forward mode: a solve of the tangent
    b, t = at.dmatrix("b"), at.dmatrix("t")
    x = tridiagonal_lu_solve(factors, b, b_ndim=2, transposed=transposed)
    tv = _random((5, 2))
    got = arignote.function([b, t], arignote.Rop(x, b, t), on_unused_input="ignore")(point[0], tv)
    tri = _tridiagonal(a)
    np.testing.assert_allclose(got, np.linalg.solve(tri.T if transposed else tri, tv), rtol=1e-10)


def test_no_derivative_through_the_factors():
    a, b = at.dmatrix("a"), at.dvector("b")
    x = tridiagonal_lu_solve(tridiagonal_lu_factor(a), b, b_ndim=1)
    with pytest.raises(NullTypeGradError, match="Tridiagonal"):
        arignote.grad(x.sum(), a)
    g = arignote.grad(x.sum(), b)  # the derivative wrt b needs none through the factors
    av = _random((4, 4)) + 4 * np.eye(4)
    got = arignote.function([a, b], g, on_unused_input="ignore")(av, _random(4))
    np.testing.assert_allclose(got, np.linalg.solve(_tridiagonal(av).T, np.ones(4)), rtol=1e-10)


def test_jax_matches():
    pytest.importorskip("jax")
    for b_ndim, transposed in ((1, False), (2, True)):
        f_py = _program(b_ndim, transposed, mode="PY")
        f_jax = _program(b_ndim, transposed, mode="JAX")
        for n in (1, 2, 3, 7):
            a, b = _random((n, n)), _random((n, 3)[:b_ndim])
            a[1:, :-1] *= 3  # larger sub-diagonal entries: some rows swap
            for got, want in zip(f_jax(a, b), f_py(a, b)):
                np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
                assert got.dtype == want.dtype
