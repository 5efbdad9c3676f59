"""Converters of PyTensor's sparse arithmetic and products (``pytensor.sparse.math``) and of
the specialised ops its rewrites introduce (``pytensor.sparse.rewriting``, in
``mode(pytensor_rewrites="fast_run")`` graphs), by their meaning.

Ops with an arignote twin call it: sums and products of sparse and sparse or dense matrices,
``Dot``, ``StructuredDot``, ``SpSum``.  The others are composed so that the stored entries are
PyTensor's as well as the values:

- results PyTensor makes by storing a dense matrix (``MultiplySparseDenseVector``,
  ``StructuredAddSparseDenseVector``, ``TrueDot`` with a dense operand, the sparse-sparse
  comparisons, whose SciPy results store exactly the true positions) store the same dense
  matrix with ``SparseFromDense``, which keeps the nonzero entries as SciPy does;
- ops on the CSR/CSC arrays of a matrix (``MulSDCSR``, ``StructuredDotCSC``, ``UsmmCscDense``,
  ``SamplingDotCSR``...) rebuild the matrix with ``CSM`` and apply the op it stands for, then
  take its data back where PyTensor returns arrays; ``StructuredDotGradCSC/CSR`` are arignote's
  ``StructuredDotGrad`` on a matrix of that pattern.

Structured elementwise functions (``structured_sigmoid``...) are ``CSMProperties``, an
``Elemwise`` on the data and ``CSM`` in PyTensor's graphs, converted op by op.
"""

from __future__ import annotations

from typing import Any

from pytensor.sparse import math as psm
from pytensor.sparse import rewriting as psr

import arignote.sparse as sparse
import arignote.tensor as at
from arignote.interop.pytensor.sparse_basic import csm_grad, register
from arignote.sparse.basic import CSM, csm_data, csm_properties, sparse_from_dense
from arignote.sparse.math import AddSD, MulSD, StructuredDot, StructuredDotGrad
from arignote.sparse.variable import is_sparse_variable

__all__: list[str] = []


def _dense(x: Any) -> Any:
    return sparse.dense_from_sparse(x) if is_sparse_variable(x) else x


def _rows(indptr: Any) -> Any:
    """The number of compressed rows (or columns) of an ``indptr``."""
    return at.shape(indptr)[0] - 1


def _matrix(format: str, data: Any, indices: Any, indptr: Any, rows: Any, cols: Any) -> Any:
    """The sparse matrix of shape (rows, cols) stored in ``format`` by these arrays."""
    return CSM(format)(data, indices, indptr, at.stack([at.cast(rows, "int64"), at.cast(cols, "int64")]))


# --- sums -------------------------------------------------------------------------------------

@register(psm.AddSparseSparse, psm.AddSparseDense)
def _add(op: Any, node: Any, x: Any, y: Any) -> Any:
    return sparse.add(x, y)


@register(psm.AddSparseSparseData)
def _add_data(op: Any, node: Any, x: Any, y: Any) -> Any:
    # the same pattern assumed: the data vectors add up, x's arrays are kept
    data, indices, indptr, shape = csm_properties(x)
    return CSM(x.format)(data + csm_data(y), indices, indptr, shape)


@register(psr.AddSparseDenseC)
def _add_c(op: Any, node: Any, data: Any, indices: Any, indptr: Any, y: Any) -> Any:
    # repeated positions: summed here, as AddSparseDense does (the C code keeps the last one)
    return AddSD()(CSM(op.format)(data, indices, indptr, at.shape(y)), y)


@register(psm.StructuredAddSparseDenseVector)
def _structured_add_s_v(op: Any, node: Any, x: Any, y: Any) -> Any:
    dense = sparse.dense_from_sparse(x)
    return sparse_from_dense(dense + at.neq(dense, 0) * y, x.format)


@register(psr.StructuredAddSparseDenseVectorCSR)
def _structured_add_s_v_csr(op: Any, node: Any, data: Any, indices: Any, indptr: Any, y: Any) -> Any:
    return data + y[indices]


# --- elementwise products ------------------------------------------------------------------

@register(psm.MultiplySparseSparse, psm.MultiplySparseDense)
def _mul(op: Any, node: Any, x: Any, y: Any) -> Any:
    return sparse.multiply(x, y)


@register(psm.MultiplySparseDenseVector)
def _mul_s_v(op: Any, node: Any, x: Any, y: Any) -> Any:
    return sparse_from_dense(sparse.dense_from_sparse(x) * y, x.format)


@register(psr.MulSDCSC, psr.MulSDCSR)
def _mul_s_d_csx(op: Any, node: Any, data: Any, indices: Any, indptr: Any, y: Any) -> Any:
    format = "csc" if isinstance(op, psr.MulSDCSC) else "csr"
    return csm_data(MulSD()(CSM(format)(data, indices, indptr, at.shape(y)), y))


@register(psr.MulSVCSR)
def _mul_s_v_csr(op: Any, node: Any, data: Any, indices: Any, indptr: Any, y: Any) -> Any:
    return data * y[indices]


# --- comparisons -----------------------------------------------------------------------------

_COMPARISONS = {
    psm.EqualSparseSparse: at.eq, psm.EqualSparseDense: at.eq,
    psm.NotEqualSparseSparse: at.neq, psm.NotEqualSparseDense: at.neq,
    psm.LessThanSparseSparse: at.lt, psm.LessThanSparseDense: at.lt,
    psm.GreaterThanSparseSparse: at.gt, psm.GreaterThanSparseDense: at.gt,
    psm.LessEqualSparseSparse: at.le, psm.LessEqualSparseDense: at.le,
    psm.GreaterEqualSparseSparse: at.ge, psm.GreaterEqualSparseDense: at.ge,
}


@register(*_COMPARISONS)
def _compare(op: Any, node: Any, x: Any, y: Any) -> Any:
    result = at.cast(_COMPARISONS[type(op)](sparse.dense_from_sparse(x), _dense(y)), "uint8")
    # sparse and sparse: SciPy's result stores exactly the positions where it is true
    return sparse_from_dense(result, x.format) if is_sparse_variable(y) else result


# --- matrix products ------------------------------------------------------------------------

@register(psm.Dot)
def _dot(op: Any, node: Any, x: Any, y: Any) -> Any:
    return sparse.dot(x, y)


@register(psm.StructuredDot)
def _structured_dot(op: Any, node: Any, a: Any, b: Any) -> Any:
    return StructuredDot()(a, b)


@register(psr.StructuredDotCSC)
def _structured_dot_csc(op: Any, node: Any, data: Any, indices: Any, indptr: Any, n_rows: Any,
                        b: Any) -> Any:
    return StructuredDot()(_matrix("csc", data, indices, indptr, n_rows, at.shape(b)[0]), b)


@register(psr.StructuredDotCSR)
def _structured_dot_csr(op: Any, node: Any, data: Any, indices: Any, indptr: Any, b: Any) -> Any:
    return StructuredDot()(_matrix("csr", data, indices, indptr, _rows(indptr), at.shape(b)[0]), b)


@register(psm.StructuredDotGradCSC, psm.StructuredDotGradCSR)
def _structured_dot_grad(op: Any, node: Any, indices: Any, indptr: Any, b: Any, g: Any) -> Any:
    # (g @ b.T) at the stored positions of a, a (g rows, b rows) matrix of that pattern
    format = "csc" if isinstance(op, psm.StructuredDotGradCSC) else "csr"
    n_rows = sparse.basic.sparse_dims(g)[0] if is_sparse_variable(g) else at.shape(g)[0]
    n_cols = sparse.basic.sparse_dims(b)[0] if is_sparse_variable(b) else at.shape(b)[0]
    pattern = _matrix(format, at.zeros(at.shape(indices), dtype="int8"), indices, indptr, n_rows, n_cols)
    return csm_data(StructuredDotGrad()(pattern, b, g))


@register(psm.TrueDot)
def _true_dot(op: Any, node: Any, x: Any, y: Any) -> Any:
    if is_sparse_variable(y):
        return StructuredDot()(x, y)  # SciPy's sparse product, in x's format
    if y.ndim != 2:
        raise NotImplementedError(f"from_pytensor: {op} of a sparse matrix and a {y.ndim}-d tensor")
    # SciPy's dense product, stored: its nonzero entries
    return sparse_from_dense(sparse.dot(x, y), x.format)


@register(psm.SamplingDot)
def _sampling_dot(op: Any, node: Any, x: Any, y: Any, p: Any) -> Any:
    # every stored entry of p is kept, times the entry of x @ y.T there
    return MulSD()(p, at.dot(x, y.T))


@register(psr.SamplingDotCSR)
def _sampling_dot_csr(op: Any, node: Any, x: Any, y: Any, data: Any, indices: Any, indptr: Any,
                      n_cols: Any) -> Any:
    p = _matrix("csr", data, indices, indptr, _rows(indptr), n_cols)
    return [csm_data(MulSD()(p, at.dot(x, y.T))), indices, indptr]


def _usmm(alpha: Any, x: Any, y: Any, z: Any) -> Any:
    """``alpha * (x @ y) + z`` with at least one of x, y sparse."""
    return sparse.dot(x, y) * alpha + z


@register(psm.Usmm)
def _usmm_op(op: Any, node: Any, alpha: Any, x: Any, y: Any, z: Any) -> Any:
    return _usmm(alpha, x, y, z)


@register(psr.UsmmCscDense)
def _usmm_csc_dense(op: Any, node: Any, alpha: Any, data: Any, indices: Any, indptr: Any,
                    n_rows: Any, y: Any, z: Any) -> Any:
    return _usmm(alpha, _matrix("csc", data, indices, indptr, n_rows, at.shape(y)[0]), y, z)


@register(psr.CSMGradC)
def _csm_grad_c(op: Any, node: Any, x_data: Any, x_indices: Any, x_indptr: Any, x_shape: Any,
                g_data: Any, g_indices: Any, g_indptr: Any, g_shape: Any) -> Any:
    return csm_grad(x_indices, x_indptr, x_shape, g_data, g_indices, g_indptr)


# --- reductions -------------------------------------------------------------------------------

@register(psm.SpSum)
def _sp_sum(op: Any, node: Any, x: Any) -> Any:
    return sparse.sp_sum(x, op.axis, sparse_grad=op.structured)
