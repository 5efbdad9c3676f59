"""PyTensor's reduction op classes (``tensor.math.Sum``, ``Prod``, ``Max``, ``Min``, ``All``,
``Any``, ``ProdWithoutZeros``) on arignote's reductions.

arignote has one reduction op, `CAReduce`, holding its scalar op; ``Sum`` and the others are
:class:`~arignote.tensor.op_kinds.OpKind`\\ s: ``isinstance(node.op, Sum)`` holds for the
nodes of ``at.sum``, and ``Sum(axis=1)`` is ``CAReduce(Add(), (1,))``.  A `CAReduce` holds
canonical (non-negative, sorted) axes, so a negative axis, which only the input's rank can
resolve, gives a builder resolving it when called (``Min(axis=-1)(x)``).
``ProdWithoutZeros`` (the product of the nonzero elements) builds a product of other ops.
"""

from __future__ import annotations

import typing
from typing import ClassVar

import numpy as np

from arignote.scalar import math as sm
from arignote.scalar.basic import ScalarOp
from arignote.tensor.basic import as_tensor_variable, constant
from arignote.tensor.math import eq, switch
from arignote.tensor.op_kinds import OpBuilder, OpKind
from arignote.tensor.reduction import CAReduce, _reduce

__all__ = ["All", "Any", "Max", "Min", "Prod", "ProdWithoutZeros", "Sum"]


def _fixed_axes(axis: typing.Any) -> tuple[int, ...] | None | typing.Literal[False]:
    """``axis`` as a CAReduce field without knowing the input's rank, or False when it
    holds a negative axis (known only with the input)."""
    if axis is None:
        return None
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"axis must be None, an int or a sequence of ints, got {axis!r}")
    if len(set(axes)) != len(axes):
        raise ValueError(f"duplicate value in 'axis': {axis}")
    if any(a < 0 for a in axes):
        return False
    return tuple(sorted(int(a) for a in axes))


def _reduce_later(x: typing.Any, *, scalar_op: ScalarOp, axis: typing.Any, dtype: typing.Any,
                  acc_dtype: typing.Any) -> typing.Any:
    return _reduce(scalar_op, x, axis, False, dtype, acc_dtype)


class _ReductionKind(OpKind):
    scalar_op_type: ClassVar[type[ScalarOp]]

    @classmethod
    def matches(cls, op: typing.Any) -> bool:
        return isinstance(op, CAReduce) and type(op.scalar_op) is cls.scalar_op_type

    @classmethod
    def _make(cls, axis: typing.Any, dtype: typing.Any = None, acc_dtype: typing.Any = None) -> typing.Any:
        axes = _fixed_axes(axis)
        if axes is False:
            return OpBuilder(cls.__name__, _reduce_later, scalar_op=cls.scalar_op_type(), axis=axis,
                             dtype=dtype, acc_dtype=acc_dtype)
        return CAReduce(cls.scalar_op_type(), axes, dtype, acc_dtype)

    @classmethod
    def build(cls, axis: typing.Any = None) -> typing.Any:
        """The reduction over ``axis`` (Sum and Prod take dtypes too)."""
        return cls._make(axis)


class Sum(_ReductionKind):
    """Sum over ``axis`` (PyTensor's ``Sum(axis=None, dtype=None, acc_dtype=None)``)."""

    scalar_op_type = sm.Add

    @classmethod
    def build(cls, axis: typing.Any = None, dtype: typing.Any = None,
              acc_dtype: typing.Any = None) -> typing.Any:
        return cls._make(axis, dtype, acc_dtype)


class Prod(_ReductionKind):
    """Product over ``axis``.  ``no_zeros_in_input`` (PyTensor's promise allowing a cheaper
    derivative) is accepted and changes nothing: arignote's derivative of a product is exact
    with or without zeros."""

    scalar_op_type = sm.Mul

    @classmethod
    def build(cls, axis: typing.Any = None, dtype: typing.Any = None, acc_dtype: typing.Any = None,
              no_zeros_in_input: bool = False) -> typing.Any:
        return cls._make(axis, dtype, acc_dtype)


class Max(_ReductionKind):
    """Maximum over ``axis`` (NaN propagates)."""

    scalar_op_type = sm.Maximum


class Min(_ReductionKind):
    """Minimum over ``axis`` (NaN propagates)."""

    scalar_op_type = sm.Minimum


class All(_ReductionKind):
    """Whether all elements over ``axis`` are true (a bool result)."""

    scalar_op_type = sm.LogicalAnd


class Any(_ReductionKind):
    """Whether any element over ``axis`` is true (a bool result)."""

    scalar_op_type = sm.LogicalOr


def _prod_without_zeros(x: typing.Any, *, axis: typing.Any, dtype: typing.Any,
                        acc_dtype: typing.Any) -> typing.Any:
    x = as_tensor_variable(x)
    nonzero = switch(eq(x, 0), constant(1, dtype=x.dtype), x)
    return _reduce(sm.Mul(), nonzero, axis, False, dtype, acc_dtype)


class ProdWithoutZeros(OpKind):
    """``ProdWithoutZeros(axis, dtype, acc_dtype)(x)``: the product over ``axis`` of the nonzero
    elements (zeros count as ones), as ``np.prod``'s result dtype unless ``dtype`` is given.
    arignote builds it as the product of ``switch(x == 0, 1, x)``: no node is one of them, and
    its derivative is that of this graph (0 at the zeros; PyTensor leaves it undefined)."""

    @classmethod
    def build(cls, axis: typing.Any = None, dtype: typing.Any = None,
              acc_dtype: typing.Any = None) -> typing.Any:
        return OpBuilder("ProdWithoutZeros", _prod_without_zeros, axis=axis, dtype=dtype,
                         acc_dtype=acc_dtype)
