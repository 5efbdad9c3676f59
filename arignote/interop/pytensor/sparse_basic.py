"""Converters of PyTensor's sparse matrices (``pytensor.sparse``): the type, constants and
shared variables, and the ops of ``pytensor.sparse.basic`` and ``pytensor.sparse.linalg``.

A PyTensor ``SparseTensorType`` becomes arignote's of the same format (csr/csc; PyTensor's bsr
has no arignote counterpart and is refused), dtype and static shape; a sparse constant becomes
an arignote sparse constant; a shared sparse variable an arignote sparse shared variable (or an
input, for the linker) on the same scipy.sparse value.

Ops with an arignote twin call it (``CSM``, ``CSMProperties``, ``Cast``, ``Transpose``, the
conversions, ``HStack``/``VStack``, the scalings).  The others are composed from arignote's
sparse and tensor ops so that the stored entries are PyTensor's too, not just the values:
``Remove0`` filters the data with a mask and recounts ``indptr``; row selection
(``GetItemList``) gathers each row's segment of the CSR arrays; slices use the stacks' slicing
op; ``ConstructSparseFromList`` builds its CSC arrays directly.  Ops returning dense values
(``Diag``, ``GetItemScalar``, ``GetItem2Lists``) read the dense matrix, which holds the same
values (repeated entries summed, as SciPy does).  A strided ``GetItem2d`` slice is refused.

``sparse_math.py`` has the arithmetic and products; :func:`register` is shared with it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
from pytensor.graph.type import Type as PtType
from pytensor.sparse import basic as psb
from pytensor.sparse import linalg as psl
from pytensor.sparse.type import SparseTensorType as PtSparseTensorType
from pytensor.tensor.shape import Shape, Shape_i, SpecifyShape

import arignote.sparse as sparse
import arignote.tensor as at
from arignote.interop.pytensor.convert import Converter, constant_converters, converters, type_converters
from arignote.interop.pytensor.shape_ops import with_static_shapes
from arignote.sparse.basic import CSM, SparseShape, ValuesAt, sparse_dims
from arignote.sparse.join import SparseSlice
from arignote.sparse.type import FORMATS, SparseTensorType
from arignote.sparse.variable import is_sparse_variable
from arignote.tensor.check_and_raise import CheckAndRaise
from arignote.tensor.type_other import NoneTypeT

__all__ = ["register"]


# --- the type, constants and shared variables ------------------------------------------------

@type_converters.register(PtSparseTensorType)
def _sparse_type(pt_type: Any) -> SparseTensorType:
    if pt_type.format not in FORMATS:
        raise TypeError(f"from_pytensor: arignote has no {pt_type.format} sparse matrices "
                        f"({pt_type}); only {FORMATS}")
    return SparseTensorType(pt_type.format, pt_type.dtype, pt_type.shape)


@constant_converters.register(PtSparseTensorType)
def _sparse_constant(var: Any) -> Any:
    _sparse_type(var.type)  # refuses bsr
    value = var.data.asformat(var.type.format).astype(var.type.dtype)
    return sparse.constant(value, name=var.name)


# --- the registration shared by the sparse converters ---------------------------------------

def _fit(pt_type: PtType, out: Any, op: Any) -> Any:
    """``out`` as PyTensor's output type ``pt_type`` says: a sparse output in its format and
    dtype (which ``check_outputs`` does not cast for sparse types); sparse where PyTensor's
    is dense, or the other way round, is an error of the converter."""
    if isinstance(pt_type, PtSparseTensorType):
        if not is_sparse_variable(out):
            raise RuntimeError(f"from_pytensor: the converter of {op} built {out.type} for {pt_type}")
        out = sparse.as_format(out, pt_type.format)
        return sparse.cast(out, pt_type.dtype)
    if is_sparse_variable(out):
        raise RuntimeError(f"from_pytensor: the converter of {op} built {out.type} for {pt_type}")
    return out


def register(*op_types: type) -> Callable[[Converter], Converter]:
    """``converters.register`` for the sparse converters: their outputs are fitted to
    PyTensor's types (format, dtype, static lengths)."""
    def decorate(converter: Converter) -> Converter:
        @functools.wraps(converter)
        def fitted(op: Any, node: Any, *inputs: Any) -> Any:
            built = converter(op, node, *inputs)
            outs = list(built) if isinstance(built, (list, tuple)) else [built]
            outs = [_fit(o.type, v, op) for o, v in zip(node.outputs, outs, strict=True)]
            outs = [v if isinstance(o.type, PtSparseTensorType)
                    else with_static_shapes(SimpleNamespace(outputs=[o]), v)
                    for o, v in zip(node.outputs, outs, strict=True)]
            return outs if isinstance(built, (list, tuple)) else outs[0]
        converters.register(*op_types)(fitted)
        return converter
    return decorate


def _shape_of(x: Any) -> Any:
    """The shape vector of a sparse or dense ``x`` (int64)."""
    return SparseShape()(x) if is_sparse_variable(x) else at.shape(x)


def _delegate(op_type: type, sparse_converter: Converter) -> None:
    """The converter of ``op_type`` (a shape op registered by shape_ops.py) extended to sparse
    operands: ``sparse_converter`` for them, the registered one for the rest."""
    dense_converter = converters.lookup(op_type)
    assert dense_converter is not None  # shape_ops.py is imported above

    def either(op: Any, node: Any, x: Any, *rest: Any) -> Any:
        if is_sparse_variable(x):
            return sparse_converter(op, node, x, *rest)
        return dense_converter(op, node, x, *rest)
    converters.add(op_type, either, replace=True)


def _sparse_specify_shape(op: Any, node: Any, x: Any, *shape: Any) -> Any:
    dims = sparse_dims(x)
    conds = [at.eq(d, at.cast(s, "int64")) for d, s in zip(dims, shape, strict=True)
             if not isinstance(s.type, NoneTypeT)]
    if not conds:
        return x
    return CheckAndRaise(AssertionError, "SpecifyShape: the sparse matrix has another shape")(x, *conds)


# PyTensor's shape ops take sparse variables too (its gradients read `x.shape` of one), and its
# rewrites assert the shape of sparse results
_delegate(Shape, lambda op, node, x: SparseShape()(x))
_delegate(Shape_i, lambda op, node, x: sparse_dims(x)[op.i])
_delegate(SpecifyShape, _sparse_specify_shape)


# --- building and taking apart ---------------------------------------------------------------

@register(psb.CSMProperties)
def _csm_properties(op: Any, node: Any, x: Any) -> Any:
    return sparse.csm_properties(x)


@register(psb.CSM)
def _csm(op: Any, node: Any, data: Any, indices: Any, indptr: Any, shape: Any) -> Any:
    return CSM(op.format)(data, indices, indptr, shape)


def csm_grad(x_indices: Any, x_indptr: Any, x_shape: Any, g_data: Any, g_indices: Any,
             g_indptr: Any) -> Any:
    """The entries of the matrix ``g`` (data, indices, indptr) at the stored positions of ``x``,
    both stored the same way (CSR or CSC): what PyTensor's ``CSMGrad`` computes.

    Read as CSR whatever the format: rows are the compressed axis (``len(indptr) - 1`` of them),
    columns the other axis of ``x_shape`` (the format is not a parameter of the op).
    """
    major = at.shape(x_indptr)[0] - 1
    minor = at.switch(at.eq(major, x_shape[0]), x_shape[1], x_shape[0])
    g = CSM("csr")(g_data, g_indices, g_indptr, at.stack([major, at.cast(minor, "int64")]))
    return ValuesAt("csr")(g, x_indices, x_indptr)


@register(psb.CSMGrad)
def _csm_grad(op: Any, node: Any, x_data: Any, x_indices: Any, x_indptr: Any, x_shape: Any,
              g_data: Any, g_indices: Any, g_indptr: Any, g_shape: Any) -> Any:
    return csm_grad(x_indices, x_indptr, x_shape, g_data, g_indices, g_indptr)


@register(psb.Cast)
def _cast(op: Any, node: Any, x: Any) -> Any:
    return sparse.cast(x, op.out_type)


@register(psb.Transpose)
def _transpose(op: Any, node: Any, x: Any) -> Any:
    return sparse.transpose(x)


@register(psb.DenseFromSparse)
def _dense_from_sparse(op: Any, node: Any, x: Any) -> Any:
    return sparse.DenseFromSparse(structured=op.sparse_grad)(x)


@register(psb.SparseFromDense)
def _sparse_from_dense(op: Any, node: Any, x: Any) -> Any:
    return sparse.basic.sparse_from_dense(x, op.format)


@register(psb.EnsureSortedIndices)
def _ensure_sorted_indices(op: Any, node: Any, x: Any) -> Any:
    # SciPy's conversion between CSR and CSC writes sorted indices, and keeps every stored
    # entry (explicit zeros and repeats too), as sorted_indices() does
    other = "csc" if x.format == "csr" else "csr"
    return sparse.basic.AsFormat(x.format)(sparse.basic.AsFormat(other)(x))


@register(psb.Remove0)
def _remove0(op: Any, node: Any, x: Any) -> Any:
    data, indices, indptr, shape = sparse.csm_properties(x)
    keep = at.neq(data, 0)
    # kept[k]: how many entries before position k are kept, so kept[indptr] is the new indptr
    kept = at.concatenate([at.zeros((1,), dtype="int32"), at.cumsum(at.cast(keep, "int32"))])
    return CSM(x.format)(data[keep], indices[keep], kept[indptr], shape)


@register(psb.Diag)
def _diag(op: Any, node: Any, x: Any) -> Any:
    rows, cols = sparse_dims(x)
    square = CheckAndRaise(ValueError, "Diag only apply on square matrix")
    return at.diagonal(sparse.dense_from_sparse(square(x, at.eq(rows, cols))))


@register(psb.HStack, psb.VStack)
def _stack(op: Any, node: Any, *blocks: Any) -> Any:
    join = sparse.hstack if isinstance(op, psb.HStack) else sparse.vstack
    return join(blocks, format=op.format, dtype=op.dtype)


@register(psb.ColScaleCSC)
def _col_scale(op: Any, node: Any, x: Any, s: Any) -> Any:
    return sparse.col_scale(x, s)


@register(psb.RowScaleCSC)
def _row_scale(op: Any, node: Any, x: Any, s: Any) -> Any:
    return sparse.row_scale(x, s)


# --- indexing ---------------------------------------------------------------------------------

def _take_rows_csr(x: Any, rows: Any) -> Any:
    """Rows ``rows`` (negative ones from the end) of the CSR ``x``, every stored entry kept."""
    data, indices, indptr, shape = sparse.csm_properties(x)
    n_rows = at.cast(shape[0], "int64")
    rows = at.cast(rows, "int64")
    in_range = at.all(at.and_(at.ge(rows, -n_rows), at.lt(rows, n_rows)))
    rows = CheckAndRaise(IndexError, "sparse row index out of range")(rows, in_range)
    rows = at.switch(at.lt(rows, 0), rows + n_rows, rows)
    starts, counts = indptr[rows], indptr[rows + 1] - indptr[rows]
    new_indptr = at.concatenate([at.zeros((1,), dtype="int64"), at.cumsum(at.cast(counts, "int64"))])
    owner = at.repeat(at.arange(at.shape(rows)[0]), counts)  # the new row of each entry
    pos = starts[owner] + at.arange(new_indptr[-1]) - new_indptr[owner]
    return CSM("csr")(data[pos], indices[pos], new_indptr, at.stack([at.shape(rows)[0], shape[1]]))


@register(psb.GetItemList)
def _get_item_list(op: Any, node: Any, x: Any, rows: Any) -> Any:
    return _take_rows_csr(sparse.as_format(x, "csr"), rows)


@register(psb.GetItemListGrad)
def _get_item_list_grad(op: Any, node: Any, x: Any, rows: Any, gz: Any) -> Any:
    # SciPy's row assignment stores the nonzero entries of the rows written (a later write of
    # a row wins), which is what storing the dense result keeps
    zeros = at.zeros(_shape_of(x), dtype=node.outputs[0].type.dtype)
    dense = at.set_subtensor(zeros[rows], sparse.dense_from_sparse(gz))
    return sparse.basic.sparse_from_dense(dense, x.format)


@register(psb.GetItem2Lists)
def _get_item_2lists(op: Any, node: Any, x: Any, rows: Any, cols: Any) -> Any:
    return sparse.dense_from_sparse(x)[rows, cols]


@register(psb.GetItem2ListsGrad)
def _get_item_2lists_grad(op: Any, node: Any, x: Any, rows: Any, cols: Any, gz: Any) -> Any:
    # SciPy stores every position assigned, even a zero written there: the assigned positions
    # are the pattern (a mask made sparse), their values the dense assignment's (last wins)
    dtype = node.outputs[0].type.dtype
    zeros = at.zeros(_shape_of(x), dtype=dtype)
    assigned = sparse.basic.sparse_from_dense(at.set_subtensor(zeros[rows, cols], 1), x.format)
    values = at.set_subtensor(zeros[rows, cols], gz)
    return sparse.math.MulSD()(assigned, values)


@register(psb.GetItemScalar)
def _get_item_scalar(op: Any, node: Any, x: Any, row: Any, col: Any) -> Any:
    return sparse.dense_from_sparse(x)[row, col]


@register(psb.GetItem2d)
def _get_item_2d(op: Any, node: Any, x: Any, *bounds: Any) -> Any:
    out = x
    for axis in (0, 1):
        start, stop, step = bounds[3 * axis: 3 * axis + 3]
        if not isinstance(step.type, NoneTypeT):
            raise NotImplementedError(f"from_pytensor: {op} with a step: arignote has no strided "
                                      "slice of a sparse matrix")
        if isinstance(start.type, NoneTypeT) and isinstance(stop.type, NoneTypeT):
            continue
        start = at.constant(np.int64(0)) if isinstance(start.type, NoneTypeT) else start
        stop = sparse_dims(x)[axis] if isinstance(stop.type, NoneTypeT) else stop
        out = SparseSlice(axis, x.format)(out, start, stop)
    return out


@register(psb.ConstructSparseFromList)
def _construct_sparse_from_list(op: Any, node: Any, shape: Any, values: Any, rows: Any) -> Any:
    # column j stores values[:, j] at rows `rows`: a CSC matrix written directly
    n_rows, n_cols = at.shape(values)[0], at.shape(values)[1]
    in_range = at.eq(at.shape(rows)[0], n_rows)
    rows = CheckAndRaise(AssertionError, "ConstructSparseFromList: one row index per row of values")(
        rows, in_range)
    indptr = at.arange(n_cols + 1) * n_rows
    return CSM("csc")(at.flatten(values.T), at.tile(rows, at.stack([n_cols])), indptr, shape)


# --- linalg -----------------------------------------------------------------------------------

def _empty(rows: Any, cols: Any, dtype: str) -> Any:
    """A CSR matrix of shape (rows, cols) storing nothing."""
    return CSM("csr")(at.zeros((0,), dtype=dtype), at.zeros((0,), dtype="int32"),
                      at.zeros(at.stack([rows + 1]), dtype="int32"), at.stack([rows, cols]))


def _all_entries(x: Any) -> Any:
    """The dense matrix ``x`` as CSR storing every entry, zeros included."""
    rows, cols = at.shape(x)[0], at.shape(x)[1]
    return CSM("csr")(at.flatten(x), at.tile(at.arange(cols), at.stack([rows])),
                      at.arange(rows + 1) * cols, at.shape(x))


@register(psl.SparseBlockDiagonal)
def _block_diagonal(op: Any, node: Any, *blocks: Any) -> Any:
    if any(b.ndim != 2 for b in blocks):
        raise NotImplementedError(f"from_pytensor: {op} of blocks that are not matrices")
    # SciPy keeps the stored entries of sparse blocks and every entry of dense ones
    blocks_ = [b if is_sparse_variable(b) else _all_entries(b) for b in blocks]
    dims = [sparse_dims(b) for b in blocks_]
    dtype = node.outputs[0].type.dtype
    band_rows = []
    for i, block in enumerate(blocks_):
        parts = [block if j == i else _empty(dims[i][0], dims[j][1], dtype) for j in range(len(blocks_))]
        band_rows.append(sparse.hstack(parts, format=op.format, dtype=dtype))
    return sparse.vstack(band_rows, format=op.format, dtype=dtype)
