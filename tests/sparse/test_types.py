"""Sparse types, variables, constants, shared variables and the checks of input values."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import arignote
import arignote.sparse as sparse
import arignote.tensor as at
from arignote.sparse import SparseTensorType
from tests.sparse.helpers import ALL_MODES, MODES, random_sparse


def test_constructors_and_properties():
    x = sparse.csr_matrix("x", dtype="float32")
    y = sparse.csc_matrix("y")
    z = sparse.matrix("csc", "z", "float64")
    w = SparseTensorType("csr", "int64", shape=(3, None))("w")
    assert (x.format, x.dtype, x.ndim, x.name) == ("csr", "float32", 2, "x")
    assert (y.format, y.dtype) == ("csc", arignote.config.floatX)
    assert z.type == SparseTensorType("csc", "float64")
    assert w.type.shape == (3, None) and w.dtype == "int64"
    assert isinstance(x, sparse.SparseVariable)
    assert x.T.format == "csc" and x.T.dtype == "float32"
    assert sparse.csr_dmatrix("d").type == SparseTensorType("csr", "float64")


def test_type_arguments_are_checked():
    with pytest.raises(ValueError, match="format"):
        SparseTensorType("bsr", "float64")
    with pytest.raises(ValueError, match="2-d"):
        SparseTensorType("csr", "float64", (3,))
    with pytest.raises(TypeError, match="dtype"):
        SparseTensorType("csr", "object")


def test_filter_accepts_matching_values_and_refuses_others():
    kind = SparseTensorType("csr", "float64", (2, None))
    value = sp.csr_matrix(np.eye(2))
    assert kind.filter(value) is value
    assert kind.filter(sp.csr_array(np.eye(2))).format == "csr"
    assert kind.filter(sp.csr_matrix(np.eye(2, dtype="int32"))).dtype == np.float64  # safe cast
    with pytest.raises(TypeError, match="csr format.*got csc"):
        kind.filter(sp.csc_matrix(np.eye(2)), name="x")
    with pytest.raises(TypeError, match="x: expected a scipy.sparse csr matrix.*got ndarray.*dense"):
        kind.filter(np.eye(2), name="x")
    with pytest.raises(ValueError, match="dimension 0 must have length 2"):
        kind.filter(sp.csr_matrix(np.eye(3)))
    with pytest.raises(TypeError, match="does not convert safely"):
        SparseTensorType("csr", "float32").filter(sp.csr_matrix(np.eye(2)))


@pytest.mark.parametrize("mode", MODES)
def test_function_inputs_are_validated(mode):
    x = sparse.csr_matrix("x")
    f = arignote.function([x], sparse.dense_from_sparse(x), mode=mode)
    with pytest.raises(TypeError, match="x.*csr format.*got csc"):
        f(sp.csc_matrix(np.eye(2)))
    with pytest.raises(TypeError, match="x.*expected a scipy.sparse csr matrix.*ndarray"):
        f(np.eye(2))
    with pytest.raises(TypeError, match="x.*dtype"):
        f(sp.csr_matrix(np.eye(2, dtype=np.complex128)))


def test_building_with_a_dense_variable_where_sparse_is_needed_fails_clearly():
    y = at.matrix("y")
    with pytest.raises(TypeError, match="expected a sparse variable.*csr_from_dense"):
        sparse.dense_from_sparse(y)
    with pytest.raises(TypeError, match="at least one operand must be sparse"):
        sparse.dot(y, y)


def test_as_sparse_variable_and_constants(rng):
    value = random_sparse(rng, (3, 4), 0.5, "csc")
    c = sparse.as_sparse_variable(value)
    assert isinstance(c, sparse.SparseConstant) and c.format == "csc" and c.type.shape == (3, 4)
    assert sparse.as_sparse_variable(value) is c  # constants are interned by value
    assert c.data is not value  # a copy: changing value later must not change the graph
    x = sparse.csr_matrix("x")
    assert sparse.as_sparse_variable(x) is x
    assert isinstance(sparse.as_sparse_or_tensor_variable(np.eye(2)).type, at.TensorType)
    assert sparse.as_sparse_or_tensor_variable(x) is x
    with pytest.raises(TypeError, match="scipy.sparse"):
        sparse.as_sparse_variable(np.eye(2))
    with pytest.raises(TypeError, match="not supported"):
        sparse.constant(sp.coo_matrix(np.eye(2)))


@pytest.mark.parametrize("mode", ALL_MODES)
def test_sparse_constant_in_a_graph(mode, rng):
    value = random_sparse(rng, (3, 4), 0.5)
    y = at.matrix("y")
    f = arignote.function([y], sparse.dot(sparse.as_sparse_variable(value), y), mode=mode)
    b = rng.standard_normal((4, 2))
    np.testing.assert_allclose(f(b), value @ b, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("mode", MODES)
def test_shared_sparse_variable_is_read_and_updated(mode, rng):
    value = random_sparse(rng, (3, 3), 0.5)
    w = sparse.shared(value, name="w")
    assert isinstance(w, sparse.SparseSharedVariable) and w.format == "csr"
    value.data[:] = 0  # shared copies unless borrow
    assert w.get_value().nnz == value.nnz and w.get_value().data.min() != 0
    start = w.get_value()
    f = arignote.function([], sparse.sp_sum(w), updates={w: w * 2.0}, mode=mode)
    np.testing.assert_allclose(f(), start.sum())
    np.testing.assert_allclose(w.get_value().toarray(), 2 * start.toarray())
    with pytest.raises(TypeError, match="csr format"):
        w.set_value(sp.csc_matrix(np.eye(3)))
    with pytest.raises(TypeError, match="scipy.sparse"):
        sparse.shared(np.eye(3))


def test_operators_dispatch_to_sparse_ops():
    x, z = sparse.csr_matrix("x"), sparse.csr_matrix("z")
    y = at.matrix("y")
    assert isinstance((x + z).owner.op, sparse.AddSS)
    assert isinstance((x + y).owner.op, sparse.AddSD)
    assert isinstance((x * z).owner.op, sparse.MulSS)
    assert isinstance((x * y).owner.op, sparse.MulSD)
    assert isinstance((-x).owner.op, sparse.math.Neg)
    assert isinstance((x @ y).owner.op, sparse.Dot)
    assert isinstance(x.toarray().owner.op, sparse.DenseFromSparse)
    assert x.shape.dtype == "int64" and x.shape.ndim == 1
