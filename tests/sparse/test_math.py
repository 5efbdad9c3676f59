"""Values of the sparse arithmetic against SciPy/NumPy on random matrices."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st

import arignote
import arignote.sparse as sparse
import arignote.tensor as at
from tests.sparse.helpers import (
    ALL_MODES,
    DENSITIES,
    FLOATS,
    MODES,
    SHAPES,
    assert_sparse_equal,
    cases,
    random_sparse,
    tolerance,
)


@pytest.mark.parametrize("mode", ALL_MODES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_products_with_dense(mode, dtype, rng):
    x, z = sparse.csr_matrix("x", dtype=dtype), sparse.csc_matrix("z", dtype=dtype)
    b, v = at.matrix("b", dtype=dtype), at.vector("v", dtype=dtype)
    f = arignote.function([x, z, b, v], [sparse.dot(x, b), sparse.dot(b.T, x.T), sparse.dot(x, z.T),
                                         sparse.dot(x, v), sparse.structured_dot(x, b),
                                         sparse.structured_dot(b.T, z.T), x @ b], mode=mode)
    for (rows, cols), density in cases(mode):
        xv = random_sparse(rng, (rows, cols), density, "csr", dtype)
        zv = random_sparse(rng, (rows, cols), density, "csc", dtype)
        bv = rng.standard_normal((cols, 3)).astype(dtype)
        vv = rng.standard_normal(cols).astype(dtype)
        xd, zd = xv.toarray(), zv.toarray()
        # each entry is a sum of `cols` products
        tol = tolerance(dtype, 2 * cols)
        got = f(xv, zv, bv, vv)
        for value, want in zip(got, [xd @ bv, bv.T @ xd.T, xd @ zd.T, xd @ vv, xd @ bv,
                                     bv.T @ zd.T, xd @ bv]):
            assert isinstance(value, np.ndarray) and value.dtype == np.dtype(dtype)
            np.testing.assert_allclose(value, want, **tol)


@pytest.mark.parametrize("mode", MODES)
def test_structured_dot_of_two_sparse_is_sparse(mode, rng):
    x, z = sparse.csr_matrix("x"), sparse.csc_matrix("z")
    f = arignote.function([x, z], sparse.structured_dot(x, z), mode=mode)
    xv, zv = random_sparse(rng, (3, 4), 0.5), random_sparse(rng, (4, 2), 0.5, "csc")
    assert_sparse_equal(f(xv, zv), xv @ zv, "csr", **tolerance("float64", 8))


@pytest.mark.parametrize("mode", ALL_MODES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_elementwise(mode, dtype, rng):
    x, z = sparse.csr_matrix("x", dtype=dtype), sparse.csc_matrix("z", dtype=dtype)
    y = at.matrix("y", dtype=dtype)
    s = at.scalar("s", dtype=dtype)
    outs = [x + z, x + y, sparse.add(y, x), x - z, x - y, x * z, x * y,
            sparse.mul(y, x), x * s, -x, sparse.sub(x, z), sparse.subtract(z, x)]
    f = arignote.function([x, z, y, s], outs, mode=mode)
    for shape in SHAPES:
        for density in DENSITIES:
            xv = random_sparse(rng, shape, density, "csr", dtype)
            zv = random_sparse(rng, shape, density, "csc", dtype)
            yv = rng.standard_normal(shape).astype(dtype)
            sv = np.asarray(1.5, dtype=dtype)
            xd, zd = xv.toarray(), zv.toarray()
            want = [xd + zd, xd + yv, yv + xd, xd - zd, xd - yv, xd * zd, xd * yv, xd * yv,
                    xd * sv, -xd, xd - zd, zd - xd]
            sparse_out = [True, False, False, True, False, True, True, True, True, True, True, True]
            tol = tolerance(dtype, 1)
            for value, expected, is_sparse in zip(f(xv, zv, yv, sv), want, sparse_out):
                if is_sparse:
                    assert_sparse_equal(value, expected, **tol)
                else:
                    assert isinstance(value, np.ndarray)
                    np.testing.assert_allclose(value, expected, **tol)
                assert value.dtype == np.dtype(dtype)


def test_elementwise_keeps_the_format_of_the_first_sparse_operand():
    x, z, y = sparse.csr_matrix("x"), sparse.csc_matrix("z"), at.matrix("y")
    assert (x + z).format == "csr" and (z + x).format == "csc" and (z * y).format == "csc"
    assert (x + y).type.ndim == 2 and not isinstance(x + y, sparse.SparseVariable)
    with pytest.raises(ValueError, match="shapes do not match"):
        sparse.csr_matrix("a", shape=(2, 3)) + sparse.csr_matrix("b", shape=(3, 3))
    with pytest.raises(TypeError, match="0-d or a matrix"):
        x * at.vector("v")


@pytest.mark.parametrize("mode", MODES)
def test_mismatched_shapes_raise_at_run_time(mode, rng):
    x, z = sparse.csr_matrix("x"), sparse.csr_matrix("z")
    f = arignote.function([x, z], x + z, mode=mode)
    with pytest.raises(ValueError, match="AddSS.*shapes do not match"):
        f(random_sparse(rng, (2, 3), 0.5), random_sparse(rng, (3, 3), 0.5))


@pytest.mark.parametrize("mode", ALL_MODES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_sp_sum(mode, dtype, rng):
    x = sparse.csc_matrix("x", dtype=dtype)
    f = arignote.function([x], [sparse.sp_sum(x), sparse.sp_sum(x, 0), sparse.sp_sum(x, 1),
                                x.sum(axis=1, sparse_grad=True)], mode=mode)
    for shape, density in cases(mode):
        xv = random_sparse(rng, shape, density, "csc", dtype)
        xd = xv.toarray()
        tol = tolerance(dtype, xd.size)
        for value, want in zip(f(xv), [xd.sum(), xd.sum(0), xd.sum(1), xd.sum(1)]):
            assert value.dtype == np.dtype(dtype) and value.shape == want.shape
            np.testing.assert_allclose(value, want, **tol)
    with pytest.raises(ValueError, match="axis"):
        sparse.sp_sum(x, 2)


STRUCTURED = [
    ("abs", np.abs), ("sin", np.sin), ("sinh", np.sinh), ("arcsin", np.arcsin),
    ("arcsinh", np.arcsinh), ("tan", np.tan), ("tanh", np.tanh), ("arctan", np.arctan),
    ("arctanh", np.arctanh), ("rint", np.rint), ("sign", np.sign), ("ceil", np.ceil),
    ("floor", np.floor), ("log1p", np.log1p), ("expm1", np.expm1), ("deg2rad", np.deg2rad),
    ("rad2deg", np.rad2deg), ("trunc", np.trunc), ("sqr", np.square), ("sqrt", np.sqrt),
    ("structured_sigmoid", scipy.special.expit), ("structured_exp", np.exp),
    ("structured_log", np.log),
]


@pytest.mark.parametrize("mode", ALL_MODES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_structured_functions_act_on_stored_entries_only(mode, dtype, rng):
    x = sparse.csr_matrix("x", dtype=dtype)
    s = at.scalar("s", dtype=dtype)
    unary = [getattr(sparse, name)(x) for name, _ in STRUCTURED]
    binary = [sparse.structured_pow(x, s), sparse.structured_minimum(x, s),
              sparse.structured_maximum(x, s), sparse.structured_add(x, s)]
    f = arignote.function([x, s], unary + binary, mode=mode)
    for shape, density in cases(mode):
        xv = random_sparse(rng, shape, density, "csr", dtype)
        xv.data = np.abs(xv.data) * 0.6  # inside every function's domain (arcsin, log, ...)
        sv = np.asarray(0.7, dtype=dtype)
        fns = [fn for _, fn in STRUCTURED] + [
            lambda d: np.power(d, sv), lambda d: np.minimum(d, sv),
            lambda d: np.maximum(d, sv), lambda d: d + sv]
        for value, fn in zip(f(xv, sv), fns):
            assert value.format == "csr" and value.dtype == np.dtype(dtype)
            # the pattern is kept: the function is applied to the stored entries only
            np.testing.assert_array_equal(value.indices, xv.indices)
            np.testing.assert_array_equal(value.indptr, xv.indptr)
            # one libm call each: a few ulps
            np.testing.assert_allclose(value.data, fn(xv.data).astype(dtype), **tolerance(dtype, 2))


@pytest.mark.parametrize("mode", MODES)
def test_row_and_column_scaling(mode, rng):
    x, r, c = sparse.csr_matrix("x"), at.vector("r"), at.vector("c")
    f = arignote.function([x, r, c], [sparse.row_scale(x, r), sparse.col_scale(x, c)], mode=mode)
    xv = random_sparse(rng, (4, 3), 0.5)
    rv, cv = rng.standard_normal(4), rng.standard_normal(3)
    rows, cols = f(xv, rv, cv)
    assert_sparse_equal(rows, xv.toarray() * rv[:, None], "csr", **tolerance("float64"))
    assert_sparse_equal(cols, xv.toarray() * cv[None, :], "csr", **tolerance("float64"))
    with pytest.raises(ValueError, match="3 columns but 2 scales"):
        f(xv, rv, cv[:2])


def test_dot_refuses_what_cannot_fit():
    with pytest.raises(ValueError, match="shapes do not fit"):
        sparse.dot(sparse.csr_matrix("x", shape=(2, 3)), at.matrix("y", shape=(4, 2)))
    with pytest.raises(TypeError, match="vector or a matrix"):
        sparse.dot(sparse.csr_matrix("x"), at.tensor3("t"))


@given(rows=st.integers(0, 5), cols=st.integers(0, 5), density=st.floats(0, 1),
       seed=st.integers(0, 2**32 - 1))
def test_dot_property_matches_dense_product(rows, cols, density, seed):
    """sparse.dot(x, b) equals the dense product for any shape and pattern (PY backend)."""
    rng = np.random.default_rng(seed)
    xv = random_sparse(rng, (rows, cols), density)
    bv = rng.standard_normal((cols, 2))
    np.testing.assert_allclose(_dot_py(xv, bv), xv.toarray() @ bv, **tolerance("float64", 2 * cols))


_compiled: dict[str, object] = {}


def _dot_py(xv, bv):
    if "dot" not in _compiled:
        x, b = sparse.csr_matrix("x"), at.matrix("b")
        _compiled["dot"] = arignote.function([x, b], sparse.dot(x, b), mode="PY")
    return _compiled["dot"](xv, bv)  # type: ignore[operator]
