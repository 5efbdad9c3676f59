"""PyTensor's op classes of ``tensor.basic`` on arignote's ops and functions (see
:mod:`arignote.tensor.op_kinds`), and its helpers ``alloc_diag`` and ``infer_static_shape``.

- ``ExtractDiag(offset, axis1, axis2)`` is arignote's `Diagonal` op.
- ``AllocEmpty(dtype)(*shape)``, ``Choose(mode)(a, choices)`` and
  ``PermuteRowElements(inverse)(x, y)`` build ``empty``, ``choose`` and
  ``permute_row_elements``, which arignote writes with other ops: no node is one of them.
- ``TensorFromScalar()``/``ScalarFromTensor()``: arignote's scalars are 0-d tensors, so both
  return their (0-d) input; no node is one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.graph.basic import Variable
from arignote.tensor.alloc import arange, empty, zeros
from arignote.tensor.array_selection import choose, permute_row_elements
from arignote.tensor.basic import NotScalarConstantError, as_tensor_variable
from arignote.tensor.constant_values import (
    get_underlying_scalar_constant_value,
    scalar_from_tensor,
    tensor_from_scalar,
)
from arignote.tensor.dimshuffle import moveaxis, normalize_axis
from arignote.tensor.op_kinds import OpBuilder, OpKind
from arignote.tensor.products import Diagonal
from arignote.tensor.shape import shape_i, shape_tuple
from arignote.tensor.subtensor_inc import set_subtensor
from arignote.tensor.variable import TensorVariable

__all__ = ["AllocEmpty", "Choose", "ExtractDiag", "PermuteRowElements", "ScalarFromTensor",
           "TensorFromScalar", "alloc_diag", "infer_static_shape"]


class ExtractDiag(OpKind):
    """The diagonal of the ``axis1``/``axis2`` planes (arignote's `Diagonal` op)."""

    @classmethod
    def matches(cls, op: Any) -> bool:
        return isinstance(op, Diagonal)

    @classmethod
    def build(cls, offset: int = 0, axis1: int = 0, axis2: int = 1, view: bool = False) -> Any:
        if axis1 < 0 or axis2 < 0:  # the op holds non-negative axes: resolve them per input
            return OpBuilder("ExtractDiag", _diagonal, offset=offset, axis1=axis1, axis2=axis2)
        return Diagonal(offset, axis1, axis2)


def _diagonal(x: Any, *, offset: int, axis1: int, axis2: int) -> TensorVariable:
    x = as_tensor_variable(x)
    return Diagonal(offset, normalize_axis(axis1, x.ndim), normalize_axis(axis2, x.ndim))(x)


def _empty(*shape: Any, dtype: Any) -> TensorVariable:
    return empty(list(shape), dtype)


class AllocEmpty(OpKind):
    """``AllocEmpty(dtype)(*shape)``: an array of that shape whose values do not matter."""

    @classmethod
    def build(cls, dtype: Any) -> Any:
        return OpBuilder("AllocEmpty", _empty, dtype=dtype)


class Choose(OpKind):
    """``Choose(mode)(a, choices)``: ``np.choose``."""

    @classmethod
    def build(cls, mode: str = "raise") -> Any:
        return OpBuilder("Choose", choose, mode=mode)


class PermuteRowElements(OpKind):
    """``PermuteRowElements(inverse)(x, y)``: rows of ``x`` permuted by those of ``y``."""

    @classmethod
    def build(cls, inverse: bool = False) -> Any:
        return OpBuilder("PermuteRowElements", permute_row_elements, inverse=inverse)


class ScalarFromTensor(OpKind):
    """``ScalarFromTensor()(t)``: the 0-d tensor ``t`` itself (scalars are 0-d tensors)."""

    builds = staticmethod(scalar_from_tensor)


class TensorFromScalar(OpKind):
    """``TensorFromScalar()(s)``: ``s`` as a 0-d tensor (a 0-d tensor is returned as is)."""

    builds = staticmethod(tensor_from_scalar)


def alloc_diag(diag: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> TensorVariable:
    """Zeros with the last axis of ``diag`` on the ``offset`` diagonal of the ``axis1``/``axis2``
    planes of the result (which has one more axis): ``diagonal(alloc_diag(v)) == v``."""
    diag = as_tensor_variable(diag)
    ndim = diag.ndim + 1
    axis1, axis2 = sorted((normalize_axis(axis1, ndim), normalize_axis(axis2, ndim)))
    if axis1 == axis2:
        raise ValueError("alloc_diag: axis1 and axis2 must differ")
    n = shape_i(diag, diag.ndim - 1)
    size = n + abs(offset)
    steps = arange(n)
    planes = zeros([*shape_tuple(diag)[:-1], size, size], dtype=diag.dtype)
    planes = set_subtensor(planes[..., steps + max(-offset, 0), steps + max(offset, 0)], diag)
    return moveaxis(planes, [-2, -1], [axis1, axis2])


def infer_static_shape(shape: Variable | Sequence[Any]
                       ) -> tuple[list[TensorVariable], tuple[int | None, ...]]:
    """The entries of the symbolic ``shape`` as 0-d integer tensors, and the static shape they
    imply (an entry whose value is known before running: an int, else None)."""
    if isinstance(shape, Variable):
        vector = as_tensor_variable(shape)
        if vector.ndim != 1 or vector.type.shape[0] is None:
            raise ValueError(f"infer_static_shape: a vector of known length is needed, got {vector.type}")
        entries = [vector[i] for i in range(vector.type.shape[0])]
    else:
        entries = [as_tensor_variable(s) for s in shape]
    for s in entries:
        if s.ndim != 0 or s.type.numpy_dtype.kind not in "iu":
            raise TypeError(f"Shapes must be scalar integers; got {s} of type {s.type}")
    static: list[int | None] = []
    for s in entries:
        try:
            static.append(int(get_underlying_scalar_constant_value(s)))
        except NotScalarConstantError:
            static.append(None)
    return entries, tuple(static)

