"""Sparse variables and constants, and turning values into them.

``SparseVariable`` gives sparse graphs PyTensor's operators and methods: ``x + y``,
``x - y``, ``x * y`` (elementwise), ``-x``, ``x.T``, ``x.shape``, ``x.ndim``, ``x.dtype``,
``x.format``, ``x.toarray()``, ``x.sum(axis, sparse_grad)``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from arignote.graph.basic import Constant, Variable, intern_constant
from arignote.sparse.type import SparseTensorType, is_sparse_value, stored_format
from arignote.tensor.basic import as_tensor_variable

__all__ = ["SparseConstant", "SparseVariable", "as_sparse", "as_sparse_or_tensor_variable",
           "as_sparse_variable", "constant", "is_sparse_variable"]


def _api() -> ModuleType:
    # the operators use the ops, which build on this module
    import arignote.sparse as sparse

    return sparse


class SparseVariable(Variable):
    """A symbolic sparse matrix (CSR or CSC)."""

    __slots__ = ()

    @property
    def ndim(self) -> int:
        return 2

    @property
    def dtype(self) -> str:
        return self.type.dtype

    @property
    def format(self) -> str:
        return self.type.format

    @property
    def shape(self) -> Any:
        """The shape, a 2-vector of int64 (``x.shape[0]`` is the number of rows)."""
        return _api().basic.sparse_shape(self)

    @property
    def T(self) -> SparseVariable:
        return _api().transpose(self)

    def transpose(self) -> SparseVariable:
        return _api().transpose(self)

    def toarray(self) -> Any:
        """The dense matrix (``dense_from_sparse``)."""
        return _api().dense_from_sparse(self)

    todense = toarray

    def sum(self, axis: int | None = None, sparse_grad: bool = False) -> Any:
        return _api().sp_sum(self, axis, sparse_grad)

    def astype(self, dtype: Any) -> SparseVariable:
        return _api().cast(self, dtype)

    def zeros_like(self) -> SparseVariable:
        return _api().sp_zeros_like(self)

    def ones_like(self) -> SparseVariable:
        return _api().sp_ones_like(self)

    def __neg__(self) -> SparseVariable:
        return _api().neg(self)

    def __abs__(self) -> SparseVariable:
        return _api().abs(self)

    def __add__(self, other: Any) -> Any:
        return _api().add(self, other)

    def __radd__(self, other: Any) -> Any:
        return _api().add(other, self)

    def __sub__(self, other: Any) -> Any:
        return _api().subtract(self, other)

    def __rsub__(self, other: Any) -> Any:
        return _api().subtract(other, self)

    def __mul__(self, other: Any) -> Any:
        return _api().multiply(self, other)

    def __rmul__(self, other: Any) -> Any:
        return _api().multiply(other, self)

    def __matmul__(self, other: Any) -> Any:
        return _api().dot(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return _api().dot(other, self)

    __dot__ = __matmul__
    __rdot__ = __rmatmul__

    def __str__(self) -> str:
        return self.name if self.name is not None else super().__str__()


class SparseConstant(Constant, SparseVariable):
    """A sparse matrix fixed in the graph."""

    __slots__ = ()

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        return f"Sparse{{{self.data.format}, {self.data.shape}, nnz={self.data.nnz}}}"


SparseTensorType.variable_class = SparseVariable
SparseTensorType.constant_class = SparseConstant


def is_sparse_variable(value: Any) -> bool:
    """Whether ``value`` is a sparse graph variable."""
    return isinstance(value, Variable) and isinstance(value.type, SparseTensorType)


def constant(value: Any, name: str | None = None) -> SparseConstant:
    """A sparse constant holding the scipy.sparse matrix ``value`` (CSR or CSC; a copy)."""
    kind = SparseTensorType(stored_format(value, "sparse.constant"), value.dtype, value.shape)
    data = kind.filter(value.copy(), name="sparse constant")
    return intern_constant(kind, data, name)  # type: ignore[return-value]


def as_sparse_variable(value: Any, name: str | None = None) -> SparseVariable:
    """``value`` as a sparse variable: sparse variables pass through, scipy.sparse matrices
    become constants; anything else is refused."""
    if is_sparse_variable(value):
        return value
    if isinstance(value, Variable):
        raise TypeError(f"expected a sparse variable, got {value} of type {value.type}; "
                        f"make a dense matrix sparse with csr_from_dense or csc_from_dense")
    if is_sparse_value(value):
        return constant(value, name)
    raise TypeError(f"expected a sparse variable or a scipy.sparse matrix, got {type(value).__name__}")


as_sparse = as_sparse_variable


def as_sparse_or_tensor_variable(value: Any, name: str | None = None) -> Any:
    """``value`` as a sparse variable if it is sparse, else as a tensor variable."""
    if is_sparse_variable(value) or is_sparse_value(value):
        return as_sparse_variable(value, name)
    if isinstance(value, np.matrix):
        value = np.asarray(value)
    return as_tensor_variable(value, name=name)
