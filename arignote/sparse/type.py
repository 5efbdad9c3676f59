"""`SparseTensorType`: the type of a 2-d ``scipy.sparse`` matrix in CSR or CSC format.

Values are ``scipy.sparse.csr_matrix`` / ``csc_matrix`` (the sparse-array classes
``csr_array``/``csc_array`` are accepted and stored as matrices).  A value passed to a
compiled function must already have the type's format: a dense array, another format or a
dtype that does not convert safely is refused with an error naming the input, rather than
converted silently (a dense array would lose its meaning as a pattern of stored entries).

The type also says how cotangents of sparse variables are formed and summed
(``carries_cotangents``, ``fit_cotangent``, ``add_cotangents``), which reverse mode asks
for any type other than a tensor's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as scipy_sparse

from arignote.graph.type import Type
from arignote.tensor.type import normalize_dtype, normalize_shape

__all__ = ["FORMATS", "MATRIX_CLASSES", "SparseTensorType", "is_sparse_value", "stored_format"]

#: the formats arignote stores
FORMATS = ("csr", "csc")
#: format -> the scipy.sparse matrix class of its values
MATRIX_CLASSES = {"csr": scipy_sparse.csr_matrix, "csc": scipy_sparse.csc_matrix}


def is_sparse_value(value: Any) -> bool:
    """Whether ``value`` is a scipy.sparse matrix or array."""
    return scipy_sparse.issparse(value)


def stored_format(value: Any, who: str, format: str | None = None) -> str:
    """The format ``value`` (a scipy.sparse matrix) is stored in: ``format``, else its own;
    TypeError naming ``who`` when it is not sparse or the format is not one of ``FORMATS``."""
    if not is_sparse_value(value):
        raise TypeError(f"{who}: expected a scipy.sparse matrix, got {type(value).__name__}")
    format = value.format if format is None else format
    if format not in FORMATS:
        raise TypeError(f"{who}: format {format!r} is not supported; use one of {FORMATS}")
    return format


class SparseTensorType(Type):
    """2-d sparse matrices of ``dtype`` stored in ``format`` ('csr' or 'csc'), with a static
    ``shape`` (each dim an int or None).  PyTensor's ``SparseTensorType(format, dtype, shape)``."""

    __slots__ = ("format", "dtype", "shape", "_hash")

    def __init__(self, format: str, dtype: Any, shape: Iterable[Any] | None = None) -> None:
        if format not in FORMATS:
            raise ValueError(f"SparseTensorType: format must be one of {FORMATS}, got {format!r}")
        self.format = format
        self.dtype = normalize_dtype(dtype)
        self.shape = normalize_shape((None, None) if shape is None else shape)
        if len(self.shape) != 2:
            raise ValueError(f"SparseTensorType: sparse matrices are 2-d, got shape {self.shape}")
        self._hash = hash((SparseTensorType, self.format, self.dtype, self.shape))

    @property
    def ndim(self) -> int:
        return 2

    @property
    def broadcastable(self) -> tuple[bool, ...]:
        return tuple(d == 1 for d in self.shape)

    def __eq__(self, other: object) -> bool:
        return self is other or (type(other) is SparseTensorType and self.format == other.format
                                 and self.dtype == other.dtype and self.shape == other.shape)

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> Any:
        return (SparseTensorType, (self.format, self.dtype, self.shape))

    def __str__(self) -> str:
        dims = ", ".join("?" if d is None else str(d) for d in self.shape)
        return f"Sparse({self.format}, {self.dtype}, ({dims}))"

    __repr__ = __str__

    def clone(self, dtype: Any = None, shape: Iterable[Any] | None = None,
              format: str | None = None) -> SparseTensorType:
        return SparseTensorType(self.format if format is None else format,
                                self.dtype if dtype is None else dtype,
                                self.shape if shape is None else shape)

    def is_super(self, other: Type) -> bool:
        return (isinstance(other, SparseTensorType) and other.format == self.format
                and other.dtype == self.dtype
                and all(s is None or s == o for s, o in zip(self.shape, other.shape)))

    # --- run-time values ---------------------------------------------------------

    def filter(self, value: Any, name: str = "value") -> Any:
        """``value`` as a scipy.sparse matrix of this type, or TypeError/ValueError naming
        ``name``.  The format must match; the dtype converts only when NumPy casts safely."""
        if not scipy_sparse.issparse(value):
            hint = (f" (a dense array: make it sparse first, e.g. scipy.sparse.{self.format}_matrix(value))"
                    if isinstance(value, np.ndarray | list | tuple | int | float) else "")
            raise TypeError(f"{name}: expected a scipy.sparse {self.format} matrix ({self}), "
                            f"got {type(value).__name__}{hint}")
        if value.ndim != 2:
            raise TypeError(f"{name}: expected a 2-d sparse matrix ({self}), got {value.ndim}-d")
        if value.format != self.format:
            raise TypeError(f"{name}: expected a sparse matrix in {self.format} format ({self}), "
                            f"got {value.format}; convert it with value.asformat({self.format!r})")
        if value.dtype != np.dtype(self.dtype):
            if value.dtype.kind not in "biufc" or not np.can_cast(value.dtype, self.dtype, "safe"):
                raise TypeError(f"{name}: expected dtype {self.dtype} ({self}), got {value.dtype}, "
                                f"which does not convert safely; cast it first (value.astype("
                                f"'{self.dtype}'))")
            value = value.astype(self.dtype)
        for axis, (want, got) in enumerate(zip(self.shape, value.shape)):
            if want is not None and want != got:
                raise ValueError(f"{name}: dimension {axis} must have length {want} ({self}), "
                                 f"got shape {value.shape}")
        if not isinstance(value, scipy_sparse.spmatrix):
            value = MATRIX_CLASSES[self.format](value)
        return value

    def constant_key(self, data: Any) -> Any:
        digest = hashlib.blake2b(digest_size=20)
        digest.update(repr((data.format, data.shape, str(data.dtype))).encode())
        for part in (data.data, data.indices, data.indptr):
            digest.update(np.ascontiguousarray(part).tobytes())
        return digest.digest()

    def value_zeros(self, shape: tuple[int, ...]) -> Any:
        return MATRIX_CLASSES[self.format](shape, dtype=self.dtype)

    def __call__(self, name: str | None = None, shape: Iterable[Any] | None = None) -> Any:
        """A new sparse input variable of this type (or of this type with ``shape``)."""
        kind = self if shape is None else self.clone(shape=shape)
        return kind.make_variable(name)

    # --- derivatives (asked by arignote.autodiff.reverse) --------------------------

    @property
    def carries_cotangents(self) -> bool:
        """Whether variables of this type carry derivatives (float entries do)."""
        return np.dtype(self.dtype).kind in "fc"

    def fit_cotangent(self, cot: Any, what: str) -> Any:
        """``cot`` as a cotangent of a variable of this type: a sparse matrix of this format
        and dtype.  A dense cotangent (a regular, non-structured gradient, as a sparse
        ``dot`` gives) is stored whole, so its values are exactly the dense gradient's."""
        # basic builds on this module (the conversion ops need the type)
        from arignote.sparse.basic import as_format, cast, sparse_from_dense
        from arignote.sparse.variable import as_sparse_or_tensor_variable

        cot = as_sparse_or_tensor_variable(cot)
        if cot.ndim != 2:
            raise ValueError(f"{what}: a cotangent of a sparse matrix ({self}) must be 2-d, got {cot.type}")
        if not isinstance(cot.type, SparseTensorType):
            cot = sparse_from_dense(cot, self.format)
        cot = as_format(cot, self.format)
        return cast(cot, self.dtype) if cot.type.dtype != self.dtype else cot

    def add_cotangents(self, parts: Sequence[Any]) -> Any:
        """The sum of several cotangents (all of this type)."""
        from arignote.sparse.math import add  # math builds on this module

        total = parts[0]
        for part in parts[1:]:
            total = add(total, part)
        return total
