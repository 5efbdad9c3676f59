"""Making sparse input variables: ``csr_matrix("x")``, ``csc_matrix``, ``matrix(format)``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.config import config
from arignote.sparse.type import SparseTensorType
from arignote.sparse.variable import SparseVariable

__all__ = ["csc_dmatrix", "csc_fmatrix", "csc_matrix", "csr_dmatrix", "csr_fmatrix",
           "csr_matrix", "matrix"]


def matrix(format: str, name: str | None = None, dtype: Any = None,
           shape: Sequence[int | None] | None = None) -> SparseVariable:
    """A sparse matrix input in ``format`` ('csr' or 'csc') of ``dtype`` (floatX by default)."""
    return SparseTensorType(format, config.floatX if dtype is None else dtype, shape)(name)


def csr_matrix(name: str | None = None, dtype: Any = None,
               shape: Sequence[int | None] | None = None) -> SparseVariable:
    """A CSR matrix input."""
    return matrix("csr", name, dtype, shape)


def csc_matrix(name: str | None = None, dtype: Any = None,
               shape: Sequence[int | None] | None = None) -> SparseVariable:
    """A CSC matrix input."""
    return matrix("csc", name, dtype, shape)


#: the typed types, PyTensor's
csr_dmatrix = SparseTensorType("csr", "float64")
csc_dmatrix = SparseTensorType("csc", "float64")
csr_fmatrix = SparseTensorType("csr", "float32")
csc_fmatrix = SparseTensorType("csc", "float32")
