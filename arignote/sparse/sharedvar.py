"""Shared sparse variables: a scipy.sparse matrix stored between calls."""

from __future__ import annotations

from typing import Any

from arignote.graph.shared import SharedVariable
from arignote.sparse.type import SparseTensorType, is_sparse_value, stored_format
from arignote.sparse.variable import SparseVariable
from arignote.tensor.sharedvar import shared_constructor

__all__ = ["SparseSharedVariable", "shared", "sparse_constructor"]


class SparseSharedVariable(SharedVariable, SparseVariable):
    """A sparse matrix input with a stored value; functions read it and may update it."""

    __slots__ = ("_value", "default_update")

    def __init__(self, type: SparseTensorType, value: Any, name: str | None = None) -> None:
        super().__init__(type, None, None, name)
        self._value = value
        self.default_update: Any = None

    def get_value(self, borrow: bool = False, return_internal_type: bool = False) -> Any:
        """The current matrix (a copy unless ``borrow``)."""
        return self._value if borrow else self._value.copy()

    def set_value(self, value: Any, borrow: bool = False) -> None:
        """Store ``value``, checked against the variable's type (copied unless ``borrow``)."""
        matrix = self.type.filter(value, name=f"shared variable {self.name or '<unnamed>'}")
        self._value = matrix if borrow and matrix is value else matrix.copy()

    @property
    def value(self) -> Any:
        return self._value

    def __str__(self) -> str:
        return self.name if self.name is not None else f"<shared {self.type}>"


def shared(value: Any, name: str | None = None, borrow: bool = False, format: str | None = None,
           **_kwargs: Any) -> SparseSharedVariable:
    """A shared variable holding the scipy.sparse matrix ``value`` (CSR or CSC; copied
    unless ``borrow``).  Its static shape is unknown, so ``set_value`` may change it."""
    format = stored_format(value, "sparse.shared", format)
    kind = SparseTensorType(format, value.dtype)
    matrix = kind.filter(value if value.format == format else value.asformat(format),
                         name=f"shared variable {name or '<unnamed>'}")
    return SparseSharedVariable(kind, matrix if borrow and matrix is value else matrix.copy(), name)


#: PyTensor's name of the constructor
sparse_constructor = shared


def _take_sparse(value: Any, name: str | None = None, borrow: bool = False, **kwargs: Any) -> Any:
    """``arignote.shared``'s constructor for scipy.sparse matrices (None for other values)."""
    return shared(value, name, borrow, **kwargs) if is_sparse_value(value) else None


# `arignote.shared(scipy_matrix)` makes a sparse shared variable once this package is imported
shared_constructor(_take_sparse)
