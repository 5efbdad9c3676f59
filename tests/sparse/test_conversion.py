"""Conversions between dense and sparse, and building/taking apart CSR/CSC matrices."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import arignote
import arignote.sparse as sparse
import arignote.tensor as at
from tests.sparse.helpers import ALL_MODES, DENSITIES, FLOATS, MODES, SHAPES, cases, random_sparse


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("format", ["csr", "csc"])
def test_dense_round_trip(mode, dtype, format, rng):
    y = at.matrix("y", dtype=dtype)
    made = sparse.csr_from_dense(y) if format == "csr" else sparse.csc_from_dense(y)
    f = arignote.function([y], [made, sparse.dense_from_sparse(made), made.toarray(), made.shape],
                          mode=mode)
    for shape, density in cases(mode):
        value = random_sparse(rng, shape, density, format, dtype).toarray()
        as_sparse, back, back2, shape_out = f(value)
        assert sp.issparse(as_sparse) and as_sparse.format == format
        assert as_sparse.dtype == np.dtype(dtype) and as_sparse.nnz == np.count_nonzero(value)
        # conversions copy values: exact
        np.testing.assert_array_equal(as_sparse.toarray(), value)
        np.testing.assert_array_equal(back, value)
        np.testing.assert_array_equal(back2, value)
        np.testing.assert_array_equal(shape_out, shape)


@pytest.mark.parametrize("mode", ALL_MODES)
@pytest.mark.parametrize("format", ["csr", "csc"])
def test_sparse_inputs_and_outputs_pass_through(mode, format, rng):
    x = sparse.matrix(format, "x")
    f = arignote.function([x], [x.T, sparse.transpose(x), x.toarray(), -x], mode=mode)
    for shape, density in cases(mode):
        value = random_sparse(rng, shape, density, format)
        t, t2, d, n = f(value)
        other = "csc" if format == "csr" else "csr"
        assert t.format == other and t2.format == other and n.format == format
        np.testing.assert_array_equal(t.toarray(), value.toarray().T)
        np.testing.assert_array_equal(t2.toarray(), value.toarray().T)
        np.testing.assert_array_equal(d, value.toarray())
        np.testing.assert_array_equal(n.toarray(), -value.toarray())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("format", ["csr", "csc"])
def test_csm_properties_and_construction(mode, format, rng):
    x = sparse.matrix(format, "x")
    data, indices, indptr, shape = sparse.csm_properties(x)
    build = sparse.CSR if format == "csr" else sparse.CSC
    rebuilt = build(data * 2, indices, indptr, shape)
    f = arignote.function([x], [data, indices, indptr, shape, sparse.csm_data(x), sparse.csm_shape(x),
                                rebuilt], mode=mode)
    for shape_value in SHAPES:
        for density in DENSITIES:
            value = random_sparse(rng, shape_value, density, format)
            d, i, p, s, d2, s2, r = f(value)
            np.testing.assert_array_equal(d, value.data)
            np.testing.assert_array_equal(d2, value.data)
            np.testing.assert_array_equal(i, value.indices)
            np.testing.assert_array_equal(p, value.indptr)
            assert i.dtype == np.int32 and p.dtype == np.int32 and s.dtype == np.int32
            np.testing.assert_array_equal(s, shape_value)
            np.testing.assert_array_equal(s2, shape_value)
            assert r.format == format
            np.testing.assert_array_equal(r.toarray(), 2 * value.toarray())


def test_csm_checks_its_inputs():
    v = at.vector("v")
    with pytest.raises(TypeError, match="indices must be an integer vector"):
        sparse.CSR(v, v, at.ivector("p"), at.ivector("s"))
    with pytest.raises(TypeError, match="data must be a vector"):
        sparse.CSR(at.matrix("m"), at.ivector("i"), at.ivector("p"), at.ivector("s"))
    data, i, p, s = at.vector("d"), at.ivector("i"), at.ivector("p"), at.ivector("s")
    f = arignote.function([data, i, p, s], sparse.CSR(data, i, p, s), mode="PY")
    with pytest.raises(ValueError, match="data has 2 entries but indices has 1"):
        f(np.ones(2), np.zeros(1, np.int32), np.array([0, 1], np.int32), np.array([1, 2], np.int32))


@pytest.mark.parametrize("mode", MODES)
def test_cast_and_format_conversion(mode, rng):
    x = sparse.csr_matrix("x")
    f = arignote.function([x], [sparse.cast(x, "float32"), sparse.as_format(x, "csc"), x.astype("int64")],
                          mode=mode)
    value = random_sparse(rng, (4, 3), 0.5) * 3
    c32, csc, i64 = f(value)
    assert c32.dtype == np.float32 and csc.format == "csc" and i64.dtype == np.int64
    np.testing.assert_array_equal(c32.toarray(), value.toarray().astype(np.float32))
    np.testing.assert_array_equal(csc.toarray(), value.toarray())
    np.testing.assert_array_equal(i64.toarray(), value.toarray().astype(np.int64))


@pytest.mark.parametrize("mode", MODES)
def test_stacks(mode, rng):
    a, b = sparse.csr_matrix("a"), sparse.csc_matrix("b")
    f = arignote.function([a, b], [sparse.hstack([a, b]), sparse.vstack([a.T, b.T], format="csc")],
                          mode=mode)
    for density in DENSITIES:
        va, vb = random_sparse(rng, (3, 2), density), random_sparse(rng, (3, 4), density, "csc")
        h, v = f(va, vb)
        assert h.format == "csr" and v.format == "csc"
        np.testing.assert_array_equal(h.toarray(), np.hstack([va.toarray(), vb.toarray()]))
        np.testing.assert_array_equal(v.toarray(), np.vstack([va.toarray().T, vb.toarray().T]))
    with pytest.raises(ValueError, match="differ"):
        f(random_sparse(rng, (3, 2), 0.5), random_sparse(rng, (2, 4), 0.5, "csc"))
