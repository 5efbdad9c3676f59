"""`TensorVariable` and `TensorConstant`: NumPy-like operators and methods.

The methods only forward to the functions of the tensor API, imported when
first used so that this module stays at the bottom of the import graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arignote.graph.basic import Constant, Variable
from arignote.tensor.type import TensorType

_tensor_module: Any = None


def _api() -> Any:
    """``arignote.tensor`` (imported on first use: it imports this module)."""
    global _tensor_module
    if _tensor_module is None:
        import arignote.tensor as at

        _tensor_module = at
    return _tensor_module


class _TensorOperators:
    """Operators and methods shared by tensor variables and constants."""

    __slots__ = ()
    type: TensorType

    # NumPy arrays and scalars on the left of an operator (``w * v``, ``np.float64(2) < v``)
    # must hand the operation back to the variable: otherwise NumPy maps the operator over
    # the array's elements and builds an object array of separate graphs.
    __array_ufunc__ = None

    # --- static facts -----------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.type.shape)

    @property
    def dtype(self) -> str:
        return self.type.dtype

    @property
    def broadcastable(self) -> tuple[bool, ...]:
        return self.type.broadcastable

    @property
    def shape(self) -> Any:
        """The symbolic shape: an int64 vector (a node of this variable even when the
        shape is static, so a graph built from it uses the variable)."""
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.shape import shape_node

        return shape_node(self)

    @property
    def size(self) -> Any:
        return _api().prod(self.shape)

    # --- arithmetic ---------------------------------------------------------------
    def __add__(self, other: Any) -> Any: return _api().add(self, other)
    def __radd__(self, other: Any) -> Any: return _api().add(other, self)
    def __sub__(self, other: Any) -> Any: return _api().sub(self, other)
    def __rsub__(self, other: Any) -> Any: return _api().sub(other, self)
    def __mul__(self, other: Any) -> Any: return _api().mul(self, other)
    def __rmul__(self, other: Any) -> Any: return _api().mul(other, self)
    def __truediv__(self, other: Any) -> Any: return _api().true_div(self, other)
    def __rtruediv__(self, other: Any) -> Any: return _api().true_div(other, self)
    def __floordiv__(self, other: Any) -> Any: return _api().int_div(self, other)
    def __rfloordiv__(self, other: Any) -> Any: return _api().int_div(other, self)
    def __mod__(self, other: Any) -> Any: return _api().mod(self, other)
    def __divmod__(self, other: Any) -> Any: return self // other, self % other
    def __rdivmod__(self, other: Any) -> Any: return other // self, other % self
    def __rmod__(self, other: Any) -> Any: return _api().mod(other, self)
    def __pow__(self, other: Any) -> Any: return _api().pow(self, other)
    def __rpow__(self, other: Any) -> Any: return _api().pow(other, self)
    def __neg__(self) -> Any: return _api().neg(self)
    def __pos__(self) -> Any: return self
    def __abs__(self) -> Any: return _api().abs(self)
    def __matmul__(self, other: Any) -> Any: return _api().matmul(self, other)
    def __rmatmul__(self, other: Any) -> Any: return _api().matmul(other, self)

    # --- comparisons and logic (``==`` stays identity, as in PyTensor: use eq) ----
    def __lt__(self, other: Any) -> Any: return _api().lt(self, other)
    def __le__(self, other: Any) -> Any: return _api().le(self, other)
    def __gt__(self, other: Any) -> Any: return _api().gt(self, other)
    def __ge__(self, other: Any) -> Any: return _api().ge(self, other)
    def __and__(self, other: Any) -> Any: return _api().bitwise_and(self, other)
    def __rand__(self, other: Any) -> Any: return _api().bitwise_and(other, self)
    def __or__(self, other: Any) -> Any: return _api().bitwise_or(self, other)
    def __ror__(self, other: Any) -> Any: return _api().bitwise_or(other, self)
    def __xor__(self, other: Any) -> Any: return _api().bitwise_xor(self, other)
    def __rxor__(self, other: Any) -> Any: return _api().bitwise_xor(other, self)
    def __invert__(self) -> Any: return _api().invert(self)

    def __bool__(self) -> bool:
        raise TypeError("a symbolic variable has no truth value; use arignote.ifelse or "
                        "at.switch for a symbolic condition")

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d variable")
        length = self.type.shape[0]
        if length is None:
            raise TypeError("len() needs a static length; use x.shape[0] for a symbolic one")
        return length

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    # --- indexing ---------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        return _api().subtensor.getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        raise TypeError("symbolic variables are immutable; use at.set_subtensor(x[idx], value)"
                        " or at.inc_subtensor(x[idx], value)")

    def zeros_like(self, dtype: Any = None) -> Any:
        """Zeros of this variable's shape (and dtype, unless ``dtype``)."""
        return _api().zeros_like(self, dtype=dtype)

    def ones_like(self, dtype: Any = None) -> Any:
        """Ones of this variable's shape (and dtype, unless ``dtype``)."""
        return _api().ones_like(self, dtype=dtype)

    def fill(self, value: Any) -> Any:
        """``value`` broadcast to this variable's shape (PyTensor's ``fill``)."""
        return _api().fill(self, value)

    def take(self, indices: Any, axis: int | None = None, mode: str = "raise") -> Any:
        return _api().take(self, indices, axis=axis, mode=mode)

    # --- shape ------------------------------------------------------------------
    @property
    def T(self) -> Any:
        return _api().transpose(self)

    @property
    def mT(self) -> Any:
        """The transpose of the last two axes (NumPy's ``ndarray.mT``)."""
        return _api().matrix_transpose(self)

    def transpose(self, *axes: Any) -> Any:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _api().transpose(self, axes or None)

    def dimshuffle(self, *pattern: Any) -> Any:
        if len(pattern) == 1 and isinstance(pattern[0], (tuple, list)):
            pattern = tuple(pattern[0])
        return _api().dimshuffle(self, pattern)

    def reshape(self, *shape: Any, ndim: int | None = None) -> Any:
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = shape[0]
        return _api().reshape(self, shape, ndim=ndim)

    def flatten(self, ndim: int = 1) -> Any:
        return _api().flatten(self, ndim)

    def ravel(self) -> Any:
        return _api().flatten(self, 1)

    def squeeze(self, axis: Any = None) -> Any:
        return _api().squeeze(self, axis)

    def swapaxes(self, axis1: int, axis2: int) -> Any:
        return _api().swapaxes(self, axis1, axis2)

    def repeat(self, repeats: Any, axis: int | None = None) -> Any:
        return _api().repeat(self, repeats, axis=axis)

    # --- conversion and elementwise -----------------------------------------------
    def astype(self, dtype: Any) -> Any:
        return _api().cast(self, dtype)

    def copy(self, name: str | None = None) -> Any:
        out = _api().tensor_copy(self)
        if name is not None:
            out.name = name
        return out

    def clip(self, a_min: Any, a_max: Any) -> Any:
        return _api().clip(self, a_min, a_max)

    def round(self) -> Any:
        return _api().round(self)

    def conj(self) -> Any:
        return _api().conj(self)

    @property
    def real(self) -> Any:
        return _api().real(self)

    @property
    def imag(self) -> Any:
        return _api().imag(self)

    # --- reductions ---------------------------------------------------------------
    def sum(self, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
        return _api().sum(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def prod(self, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
        return _api().prod(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def mean(self, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
        return _api().mean(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def var(self, axis: Any = None, ddof: int = 0, keepdims: bool = False, corrected: bool = False) -> Any:
        return _api().var(self, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)

    def std(self, axis: Any = None, ddof: int = 0, keepdims: bool = False, corrected: bool = False) -> Any:
        return _api().std(self, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)

    def max(self, axis: Any = None, keepdims: bool = False) -> Any:
        return _api().max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Any:
        return _api().min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis: Any = None, keepdims: bool = False) -> Any:
        return _api().argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis: Any = None, keepdims: bool = False) -> Any:
        return _api().argmin(self, axis=axis, keepdims=keepdims)

    def all(self, axis: Any = None, keepdims: bool = False) -> Any:
        return _api().all(self, axis=axis, keepdims=keepdims)

    def any(self, axis: Any = None, keepdims: bool = False) -> Any:
        return _api().any(self, axis=axis, keepdims=keepdims)

    def cumsum(self, axis: int | None = None) -> Any:
        return _api().cumsum(self, axis=axis)

    def cumprod(self, axis: int | None = None) -> Any:
        return _api().cumprod(self, axis=axis)

    # --- products and sorting -------------------------------------------------------
    def dot(self, other: Any) -> Any:
        return _api().dot(self, other)

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
        return _api().diagonal(self, offset, axis1, axis2)

    def trace(self, offset: int = 0) -> Any:
        return _api().trace(self, offset)

    def sort(self, axis: int = -1) -> Any:
        return _api().sort(self, axis=axis)

    def argsort(self, axis: int = -1) -> Any:
        return _api().argsort(self, axis=axis)

    # --- writing through an index: ``x[i].set(v)`` is ``set_subtensor(x[i], v)`` ---------
    def set(self, value: Any) -> Any:
        """The indexed array with ``value`` written where this index selects (PyTensor's
        ``x[idx].set(value)``); this variable must be the result of indexing."""
        return _api().set_subtensor(self, value)

    def inc(self, value: Any) -> Any:
        """The indexed array with ``value`` added where this index selects (``x[idx].inc(v)``)."""
        return _api().inc_subtensor(self, value)


class TensorVariable(_TensorOperators, Variable):
    """A symbolic array."""

    __slots__ = ()
    type: TensorType


class TensorConstant(_TensorOperators, Constant):
    """An array known when the graph is built."""

    __slots__ = ()
    type: TensorType

    @property
    def value(self) -> np.ndarray:
        return self.data


TensorType.variable_class = TensorVariable
TensorType.constant_class = TensorConstant
