"""Building, taking apart and converting sparse matrices.

``CSM`` builds a CSR/CSC matrix from (data, indices, indptr, shape) and
``CSMProperties`` takes one apart; ``DenseFromSparse`` / ``SparseFromDense`` convert;
``Transpose`` swaps rows and columns (CSR <-> CSC, no copy of the entries' order);
``AsFormat`` converts between CSR and CSC.  Derivatives follow PyTensor: the gradient of
the data of a ``CSM`` is the cotangent read at the stored positions, and
``dense_from_sparse`` is structured (gradient only on the stored entries) unless built with
``DenseFromSparse(structured=False)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.sparse.type import FORMATS, MATRIX_CLASSES, SparseTensorType
from arignote.sparse.variable import SparseVariable, as_sparse_or_tensor_variable, as_sparse_variable
from arignote.tensor.basic import as_tensor_variable, constant
from arignote.tensor.type import TensorType, normalize_dtype

__all__ = ["CSC", "CSM", "CSMProperties", "CSR", "AsFormat", "Cast", "DenseFromSparse",
           "SparseFromDense", "SparseShape", "Transpose", "ValuesAt", "as_format", "cast",
           "csc_from_dense", "csm_data", "csm_indices", "csm_indptr", "csm_properties",
           "csm_shape", "csr_from_dense", "dense_from_sparse", "sp_ones_like", "sp_zeros_like",
           "sparse_dims", "sparse_from_dense", "sparse_shape", "transpose"]


def sparse_type(format: str, dtype: Any, shape: Sequence[int | None] = (None, None)) -> SparseTensorType:
    return SparseTensorType(format, dtype, shape)


def pattern_positions(format: str, indices: np.ndarray, indptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (rows, cols) of the stored entries of a CSR/CSC pattern, in storage order."""
    counts = np.diff(indptr)
    major = np.repeat(np.arange(len(counts)), counts)
    return (major, indices) if format == "csr" else (indices, major)


class SparseOp(Op):
    """Base of the sparse ops: never folded at compile time (constant folding makes tensor
    constants, which a sparse result is not)."""

    __slots__ = ()
    foldable: ClassVar[bool] = False


@dataclass(frozen=True)
class _FormatOp(SparseOp):
    """A sparse op with a ``format`` parameter ('csr' or 'csc'), checked when it is made."""

    format: str

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"{type(self).__name__}: format must be one of {FORMATS}, got {self.format!r}")


@dataclass(frozen=True)
class SparseShape(SparseOp):
    """The shape of a sparse matrix, an int64 2-vector."""

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        return Apply.build(self, [x], [TensorType("int64", (2,))])

    def perform(self, x: Any) -> np.ndarray:
        return np.array(x.shape, dtype=np.int64)

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        return [None]  # an integer result: no derivative flows through a shape

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Any, ...]]:
        return [(constant(np.int64(2)),)]


def sparse_shape(x: Any) -> Any:
    """The shape of the sparse matrix ``x`` (``x.shape``)."""
    return SparseShape()(x)


def sparse_dims(x: Variable) -> tuple[Any, Any]:
    """The two dims of sparse ``x`` as 0-d int64 variables (constants where static)."""
    dims: list[Any] = []
    for axis, static in enumerate(x.type.shape):
        dims.append(constant(np.int64(static)) if static is not None else sparse_shape(x)[axis])
    return dims[0], dims[1]


@dataclass(frozen=True)
class CSMProperties(SparseOp):
    """A CSR/CSC matrix taken apart: (data, indices, indptr, shape); the index arrays are
    int32, as PyTensor's."""

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        return Apply.build(self, [x], [TensorType(x.dtype, (None,)), TensorType("int32", (None,)),
                                       TensorType("int32", (None,)), TensorType("int32", (2,))])

    def perform(self, x: Any) -> tuple[np.ndarray, ...]:
        # copies: the outputs must not share memory with the input (no view is declared)
        return (np.array(x.data), x.indices.astype(np.int32), x.indptr.astype(np.int32),
                np.array(x.shape, dtype=np.int32))

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        x, g_data = inputs[0], cotangents[0]
        if g_data is None:
            return [None]
        _, indices, indptr, shape = outputs
        return [CSM(x.format)(g_data, indices, indptr, shape)]


def csm_properties(x: Any) -> list[Any]:
    """(data, indices, indptr, shape) of the CSR/CSC matrix ``x``."""
    return CSMProperties()(x)


def csm_data(x: Any) -> Any:
    return csm_properties(x)[0]


def csm_indices(x: Any) -> Any:
    return csm_properties(x)[1]


def csm_indptr(x: Any) -> Any:
    return csm_properties(x)[2]


def csm_shape(x: Any) -> Any:
    return csm_properties(x)[3]


def _int_vector(value: Any, what: str, op: Any) -> Any:
    var = as_tensor_variable(value)
    if var.ndim != 1 or var.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be an integer vector, got {var.type}")
    return var


@dataclass(frozen=True)
class CSM(_FormatOp):
    """A CSR or CSC matrix built from its data, indices, indptr and shape (PyTensor's CSM)."""

    def make_node(self, data: Any, indices: Any, indptr: Any, shape: Any) -> Apply:
        data = as_tensor_variable(data)
        if data.ndim != 1:
            raise TypeError(f"{self}: data must be a vector, got {data.type}")
        indices = _int_vector(indices, "indices", self)
        indptr = _int_vector(indptr, "indptr", self)
        shape = _int_vector(shape, "shape", self)
        if shape.type.shape[0] not in (None, 2):
            raise TypeError(f"{self}: shape must have 2 entries, got {shape.type}")
        return Apply.build(self, [data, indices, indptr, shape], [sparse_type(self.format, data.dtype)])

    def perform(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: np.ndarray) -> Any:
        if len(shape) != 2:
            raise ValueError(f"{self}: shape must have 2 entries, got {tuple(shape)}")
        if len(data) != len(indices):
            raise ValueError(f"{self}: data has {len(data)} entries but indices has {len(indices)}")
        return MATRIX_CLASSES[self.format]((np.array(data), np.array(indices), np.array(indptr)),
                                           shape=(int(shape[0]), int(shape[1])))

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        _, indices, indptr, _ = inputs
        gz = cotangents[0]
        if gz is None:
            return [None] * 4
        return [ValuesAt(self.format)(gz, indices, indptr), None, None, None]


def CSR(data: Any, indices: Any, indptr: Any, shape: Any) -> Any:
    """A CSR matrix from its data, indices, indptr and shape."""
    return CSM("csr")(data, indices, indptr, shape)


def CSC(data: Any, indices: Any, indptr: Any, shape: Any) -> Any:
    """A CSC matrix from its data, indices, indptr and shape."""
    return CSM("csc")(data, indices, indptr, shape)


@dataclass(frozen=True)
class ValuesAt(_FormatOp):
    """The entries of the sparse matrix ``g`` at the stored positions of a CSR/CSC pattern
    (``indices``, ``indptr``), zero where ``g`` stores nothing: the derivative of ``CSM``."""

    def make_node(self, g: Any, indices: Any, indptr: Any) -> Apply:
        g = as_sparse_variable(g)
        pattern = [_int_vector(indices, "indices", self), _int_vector(indptr, "indptr", self)]
        return Apply.build(self, [g, *pattern], [TensorType(g.dtype, (None,))])

    def perform(self, g: Any, indices: np.ndarray, indptr: np.ndarray) -> np.ndarray:
        rows, cols = pattern_positions(self.format, indices, indptr)
        if len(rows) == 0:
            return np.zeros(0, dtype=g.dtype)
        return np.asarray(g.tocsr()[rows, cols], dtype=g.dtype).ravel()

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        g, indices, indptr = inputs
        gz = cotangents[0]
        if gz is None:
            return [None] * 3
        return [as_format(CSM(self.format)(gz, indices, indptr, sparse_shape(g)), g.format), None, None]


@dataclass(frozen=True)
class DenseFromSparse(SparseOp):
    """The dense matrix of a sparse one.  ``structured``: its derivative keeps only the
    stored entries (PyTensor's default)."""

    structured: bool = True
    foldable: ClassVar[bool] = True  # its result is a plain array

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        return Apply.build(self, [x], [TensorType(x.dtype, x.type.shape)])

    def perform(self, x: Any) -> np.ndarray:
        return x.toarray()

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        x, gz = inputs[0], cotangents[0]
        if gz is None:
            return [None]
        if self.structured:
            from arignote.sparse.math import mul_s_d  # math builds on this module

            return [mul_s_d(sp_ones_like(x), gz)]
        return [sparse_from_dense(gz, x.format)]

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Any, ...]]:
        return [sparse_dims(node.inputs[0])]


dense_from_sparse = DenseFromSparse()


@dataclass(frozen=True)
class SparseFromDense(_FormatOp):
    """A dense matrix stored in ``format``, keeping its nonzero entries."""

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim != 2:
            raise TypeError(f"{self}: expected a matrix (2-d), got {x.type}")
        return Apply.build(self, [x], [sparse_type(self.format, x.dtype, x.type.shape)])

    def perform(self, x: np.ndarray) -> Any:
        return MATRIX_CLASSES[self.format](x)

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        gz = cotangents[0]
        return [None if gz is None else dense_from_sparse(gz)]


def sparse_from_dense(x: Any, format: str) -> Any:
    return SparseFromDense(format)(x)


def csr_from_dense(x: Any) -> Any:
    """The dense matrix ``x`` as CSR (its nonzero entries stored)."""
    return SparseFromDense("csr")(x)


def csc_from_dense(x: Any) -> Any:
    """The dense matrix ``x`` as CSC (its nonzero entries stored)."""
    return SparseFromDense("csc")(x)


@dataclass(frozen=True)
class Transpose(SparseOp):
    """The transpose: a CSR matrix becomes CSC and the other way round."""

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        other = "csc" if x.format == "csr" else "csr"
        return Apply.build(self, [x], [sparse_type(other, x.dtype, x.type.shape[::-1])])

    def perform(self, x: Any) -> Any:
        # copied: SciPy's transpose shares the entries' arrays, and no view is declared
        return MATRIX_CLASSES["csc" if x.format == "csr" else "csr"](x.transpose(), copy=True)

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        gz = cotangents[0]
        return [None if gz is None else transpose(gz)]


def transpose(x: Any) -> Any:
    """The transpose of the sparse matrix ``x`` (``x.T``)."""
    return Transpose()(x)


@dataclass(frozen=True)
class AsFormat(_FormatOp):
    """A sparse matrix converted to ``format`` (the same values)."""

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        return Apply.build(self, [x], [sparse_type(self.format, x.dtype, x.type.shape)])

    def perform(self, x: Any) -> Any:
        return MATRIX_CLASSES[self.format](x)

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        gz = cotangents[0]
        return [None if gz is None else as_format(gz, inputs[0].format)]


def as_format(x: Any, format: str) -> Any:
    """``x`` in ``format`` (itself when it already is)."""
    x = as_sparse_variable(x)
    return x if x.format == format else AsFormat(format)(x)


@dataclass(frozen=True)
class Cast(SparseOp):
    """The sparse matrix with its entries converted to ``dtype``."""

    dtype: str

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        return Apply.build(self, [x], [sparse_type(x.format, self.dtype, x.type.shape)])

    def perform(self, x: Any) -> Any:
        return x.astype(self.dtype)

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        x, gz = inputs[0], cotangents[0]
        if gz is None or np.dtype(x.dtype).kind not in "fc":
            return [None]
        return [cast(gz, x.dtype)]


def cast(x: Any, dtype: Any) -> Any:
    """``x`` with entries of ``dtype``."""
    x = as_sparse_variable(x)
    dtype = normalize_dtype(dtype)
    return x if x.dtype == dtype else Cast(dtype)(x)


class _ValuesIgnored(SparseOp):
    """A sparse matrix of ``x``'s type made from its pattern or shape only, not its values
    (so no derivative flows to ``x``)."""

    __slots__ = ()

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        return Apply.build(self, [x], [x.type])

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        return [None]  # the result does not depend on x's values


@dataclass(frozen=True)
class StructuredFill(_ValuesIgnored):
    """``x``'s pattern with every stored entry set to ``value`` (1: ``sp_ones_like``)."""

    value: float

    def perform(self, x: Any) -> Any:
        out = x.copy()
        out.data[...] = self.value
        return out


def sp_ones_like(x: Any) -> Any:
    """``x``'s pattern with every stored entry 1."""
    return StructuredFill(1.0)(x)


@dataclass(frozen=True)
class SparseZeros(_ValuesIgnored):
    """An empty sparse matrix (no stored entries) of ``x``'s shape, format and dtype."""

    def perform(self, x: Any) -> Any:
        return MATRIX_CLASSES[x.format](x.shape, dtype=x.dtype)


def sp_zeros_like(x: Any) -> Any:
    """A sparse matrix shaped like ``x`` storing nothing."""
    return SparseZeros()(x)


def is_sparse_like(x: Any) -> bool:
    return isinstance(as_sparse_or_tensor_variable(x), SparseVariable)
