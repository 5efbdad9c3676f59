"""Views (dimshuffle, reshape, basic indexing), shapes, alloc and BLAS products in C."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from tests.backend.c.helpers import PY, C, assert_close, check, kernels_of

RAW = arignote.Mode(linker="c", optimizer=None)


def _runs_in_c(f, op_name):
    lines = [line for line in kernels_of(f) if line.startswith(op_name)]
    assert lines and all(not line.endswith("NumPy") for line in lines), kernels_of(f)


def test_dimshuffle_is_a_view(rng):
    x = at.dtensor3("x")
    f = arignote.function([x], [x.dimshuffle(2, "x", 0, 1), x.T], mode=RAW)
    _runs_in_c(f, "DimShuffle")
    value = rng.normal(size=(2, 3, 4))
    a, b = f(value)
    np.testing.assert_array_equal(a, value.transpose(2, 0, 1)[:, None])
    np.testing.assert_array_equal(b, value.T)
    y = at.tensor("y", dtype="float64", shape=(None, 1))
    g = arignote.function([y], y.dimshuffle(0), mode=RAW)
    np.testing.assert_array_equal(g(np.ones((3, 1))), np.ones(3))
    h = arignote.function([y], y.dimshuffle(0), mode=RAW, trust_input=True)
    with pytest.raises(ValueError, match=r"DimShuffle.*cannot drop axis 1 of length 2"):
        h(np.ones((3, 2)))  # a wrong shape passed with trust_input never reads out of bounds


def test_reshape(rng):
    x = at.dmatrix("x")
    n = at.lscalar("n")
    f = arignote.function([x, n], x.reshape((n, -1)), mode=RAW)
    _runs_in_c(f, "Reshape")
    value = rng.normal(size=(4, 6))
    np.testing.assert_array_equal(f(value, 3), value.reshape(3, -1))
    np.testing.assert_array_equal(f(value.T, 2), value.T.reshape(2, -1))  # copies, as NumPy
    with pytest.raises(ValueError, match=r"Reshape.*cannot reshape array of size 24 into shape \(5"):
        f(value, 5)


@pytest.mark.parametrize("key", [
    lambda x, i, j: x[1], lambda x, i, j: x[-1, 2:], lambda x, i, j: x[::-2, None, 1:-1:3],
    lambda x, i, j: x[i, j], lambda x, i, j: x[i:j], lambda x, i, j: x[j:i:-1, i],
    lambda x, i, j: x[:, ::j], lambda x, i, j: x[i:, None], lambda x, i, j: x[5:100],
])
def test_basic_indexing(key, rng):
    x, i, j = at.dmatrix("x"), at.lscalar("i"), at.lscalar("j")
    out = key(x, i, j)
    f = arignote.function([x, i, j], out, mode=RAW, on_unused_input="ignore")
    g = arignote.function([x, i, j], out, mode=PY, on_unused_input="ignore")
    _runs_in_c(f, "Subtensor")
    value = rng.normal(size=(7, 9))
    for a, b in [(1, 3), (-2, 5), (0, -1), (3, 2)]:
        np.testing.assert_array_equal(f(value, a, b), g(value, a, b))


def test_index_errors_name_the_op_and_line():
    x, i = at.dvector("x"), at.lscalar("i")
    f = arignote.function([x, i], x[i] * 2, mode=C)
    assert f(np.arange(3.0), -3) == 0
    with pytest.raises(IndexError, match=r"Subtensor\{\?\} \(built at .*test_views_blas.py:\d+\): "
                                         r"index 3 is out of bounds for axis 0 with size 3"):
        f(np.arange(3.0), 3)
    with pytest.raises(IndexError, match="index -4 is out of bounds"):
        f(np.arange(3.0), -4)
    j = at.lscalar("j")
    g = arignote.function([x, j], x[::j], mode=C)
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        g(np.arange(3.0), 0)


def test_shapes_alloc_and_specify_shape(rng):
    x = at.dmatrix("x")
    check(lambda v: [v.shape, v.shape[1] * 2], rng.normal(size=(3, 5)))
    check(lambda v: at.zeros((v.shape[0], 4)) + at.alloc(v.sum(), 2, v.shape[0], 1), rng.normal(size=(3, 5)))
    n = at.lscalar("n")
    f = arignote.function([n], at.alloc(np.float32(1.5), n, 3), mode=RAW)
    _runs_in_c(f, "Alloc")
    np.testing.assert_array_equal(f(2), np.full((2, 3), 1.5, dtype="float32"))
    with pytest.raises(ValueError, match="negative dimensions are not allowed"):
        f(-1)
    y = at.specify_shape(x, (None, 3))
    g = arignote.function([x], y * 2, mode=RAW)
    _runs_in_c(g, "SpecifyShape")
    with pytest.raises(ValueError, match=r"SpecifyShape.*expected shape \(None, 3\), got \(2, 4\)"):
        g(np.ones((2, 4)))


LAYOUTS = {
    "C": lambda m: m,
    "F": np.asfortranarray,
    "transposed view": lambda m: np.ascontiguousarray(m.T).T,
    "strided": lambda m: np.repeat(np.repeat(m, 2, 0), 2, 1)[::2, ::2],
    "negative": lambda m: m[::-1, ::-1].copy()[::-1, ::-1],
    "reversed rows": lambda m: np.ascontiguousarray(m[::-1])[::-1],
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_dot_layouts(layout, dtype, rng):
    make = LAYOUTS[layout]
    a = make(rng.normal(size=(5, 7)).astype(dtype))
    b = make(rng.normal(size=(7, 3)).astype(dtype))
    v = rng.normal(size=7).astype(dtype)[::-1]
    w = rng.normal(size=5).astype(dtype)
    tol = 1e-12 if dtype == "float64" else 1e-5
    for build, args, expected in [
            (lambda p, q: at.dot(p, q), (a, b), a @ b),
            (lambda p, q: at.dot(p, q), (a, v), a @ v),
            (lambda p, q: at.dot(p, q), (w, a), w @ a),
            (lambda p, q: at.dot(p, q), (v, v), v @ v),
            (lambda p, q: p @ q, (a, b), a @ b),
            (lambda p, q: p @ q, (b.T, v), b.T @ v)]:
        inputs = [at.tensor(f"x{k}", dtype=dtype, shape=(None,) * arg.ndim) for k, arg in enumerate(args)]
        f = arignote.function(inputs, build(*inputs), mode=RAW)
        assert any(line.startswith(("Dot", "MatMul")) and line.endswith("C runtime")
                   for line in kernels_of(f)), kernels_of(f)
        np.testing.assert_allclose(f(*args), expected, rtol=tol, atol=tol)


def test_dot_edge_cases(rng):
    check(lambda p, q: at.dot(p, q), np.zeros((3, 0)), np.zeros((0, 4)))      # k = 0: zeros
    check(lambda p, q: at.dot(p, q), np.zeros((0, 3)), rng.normal(size=(3, 4)))
    check(lambda p, q: at.dot(p, q), rng.integers(0, 5, (3, 4)), rng.integers(0, 5, (4, 2)))  # NumPy
    check(lambda p, q: at.dot(p, q), rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(4, 2)))
    x, y = at.dmatrix("x"), at.dmatrix("y")
    f = arignote.function([x, y], at.dot(x, y), mode=C)
    with pytest.raises(ValueError, match=r"Dot \(built at .*\): shapes \(3,4\) and \(5,2\) not aligned"):
        f(np.ones((3, 4)), np.ones((5, 2)))


def test_gemm_and_gemv(rng):
    from arignote.tensor.blas import gemm, gemv

    z, x, y = at.dmatrix("z"), at.dmatrix("x"), at.dmatrix("y")
    a, b = at.dscalar("a"), at.dscalar("b")
    f = arignote.function([z, a, x, y, b], gemm(z, a, x, y, b) + 0, mode=C)
    g = arignote.function([z, a, x, y, b], gemm(z, a, x, y, b) + 0, mode=PY)
    args = [rng.normal(size=(4, 3)), 0.5, rng.normal(size=(4, 6)), np.asfortranarray(rng.normal(size=(6, 3))),
            2.0]
    assert_close(f(*args), g(*args))
    for alpha, beta in [(0.0, 1.0), (np.inf, 1.0), (1.0, np.nan)]:  # NumPy's form: NaN/inf propagate
        args[1], args[4] = alpha, beta
        assert_close(f(*args), g(*args))
    vz, vx = at.dvector("vz"), at.dvector("vx")
    h = arignote.function([vz, a, x, vx, b], gemv(vz, a, x, vx, b), mode=C)
    k = arignote.function([vz, a, x, vx, b], gemv(vz, a, x, vx, b), mode=PY)
    margs = [rng.normal(size=4), 1.5, rng.normal(size=(6, 4)).T, rng.normal(size=12)[::2], -1.0]
    assert_close(h(*margs), k(*margs))


def test_bias_plus_product_updates_a_dead_buffer_in_place(rng):
    # z + dot(x, y) becomes Gemm; z, computed and dead afterwards, gives its buffer
    x, y, w = at.dmatrix("x"), at.dmatrix("y"), at.dmatrix("w")
    z = at.exp(w)
    out = z + at.dot(x, y)
    f = arignote.function([x, y, w], out, mode=C)
    assert any(line.startswith("Gemm") for line in kernels_of(f)), kernels_of(f)
    args = [rng.normal(size=(70, 80)), rng.normal(size=(80, 90)), rng.normal(size=(70, 90))]
    assert_close(f(*args), np.exp(args[2]) + args[0] @ args[1])
