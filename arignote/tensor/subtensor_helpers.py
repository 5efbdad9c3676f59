"""PyTensor's indexing helpers of ``tensor.subtensor`` on arignote's indexing.

``advanced_subtensor(x, *idx)`` is ``x[idx]``, ``advanced_inc_subtensor(x, y, *idx)`` and
``advanced_set_subtensor`` write ``y`` there (the ``...1`` forms, deprecated in PyTensor, warn
as its do).  ``basic_shape`` and ``indexed_result_shape`` give the symbolic shape of an
indexing result from the indexed array's shape, with NumPy's rules; ``as_index_literal`` and
``_is_provably_positive``/``_is_provably_non_negative`` read what is known of an index while
the graph is built; ``get_canonical_form_slice`` rewrites a slice into one with a positive step
within ``[0, length]`` and a direction (arignote's own indexing ops keep slices as given).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from arignote.graph.basic import Constant, Variable
from arignote.scalar import math as sm
from arignote.tensor.alloc import zeros
from arignote.tensor.basic import NotScalarConstantError, as_tensor_variable, constant
from arignote.tensor.constant_values import get_underlying_scalar_constant_value
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.math import abs as tensor_abs
from arignote.tensor.math import ge, gt, lt, maximum, minimum, switch
from arignote.tensor.shape import MakeVector, Shape, ShapeI
from arignote.tensor.shape_inference import shape_of, slice_length
from arignote.tensor.subtensor import getitem
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_inc import inc_subtensor
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["advanced_inc_subtensor", "advanced_inc_subtensor1", "advanced_set_subtensor",
           "advanced_set_subtensor1", "advanced_subtensor", "advanced_subtensor1",
           "as_index_literal", "basic_shape", "get_canonical_form_slice", "indexed_result_shape",
           "_is_provably_non_negative", "_is_provably_positive"]


def advanced_subtensor(x: Any, *index: Any) -> TensorVariable:
    """``x[index]`` (index entries: integer arrays, boolean masks, slices, None)."""
    return getitem(x, tuple(index))


def advanced_inc_subtensor(x: Any, y: Any, *index: Any, set_instead_of_inc: bool = False,
                           ignore_duplicates: bool = False, inplace: bool = False) -> TensorVariable:
    """``x`` with ``y`` added at ``x[index]`` (``np.add.at``: repeated indices add up unless
    ``ignore_duplicates``), or written there with ``set_instead_of_inc``."""
    return inc_subtensor(getitem(x, tuple(index)), y, set_instead_of_inc=set_instead_of_inc,
                         ignore_duplicates=ignore_duplicates)


def advanced_set_subtensor(x: Any, y: Any, *index: Any, **kwargs: Any) -> TensorVariable:
    """``x`` with ``y`` written at ``x[index]``."""
    return advanced_inc_subtensor(x, y, *index, set_instead_of_inc=True, **kwargs)


def _deprecated(name: str, instead: str) -> None:
    warnings.warn(f"{name} is deprecated; use {instead} instead.", FutureWarning, stacklevel=3)


def advanced_subtensor1(x: Any, ilist: Any) -> TensorVariable:
    """``x[ilist]`` for an integer vector ``ilist`` (deprecated, as in PyTensor)."""
    _deprecated("advanced_subtensor1", "advanced_subtensor(x, ilist)")
    return advanced_subtensor(x, ilist)


def advanced_inc_subtensor1(x: Any, y: Any, ilist: Any) -> TensorVariable:
    """``y`` added to ``x`` at the rows ``ilist`` (deprecated, as in PyTensor)."""
    _deprecated("advanced_inc_subtensor1", "advanced_inc_subtensor(x, y, ilist)")
    return advanced_inc_subtensor(x, y, ilist)


def advanced_set_subtensor1(x: Any, y: Any, ilist: Any) -> TensorVariable:
    """``y`` written into ``x`` at the rows ``ilist`` (deprecated, as in PyTensor)."""
    _deprecated("advanced_set_subtensor1", "advanced_set_subtensor(x, y, ilist)")
    return advanced_set_subtensor(x, y, ilist)


def as_index_literal(idx: Any) -> Any:
    """The Python value of an index entry: ints, None and slices of them as they are, a
    constant's value; NotScalarConstantError for a symbolic entry."""
    if idx is None or isinstance(idx, (int, np.integer)):
        return idx
    if isinstance(idx, slice):
        return slice(as_index_literal(idx.start), as_index_literal(idx.stop), as_index_literal(idx.step))
    if not isinstance(idx, Variable):
        raise TypeError(f"Not an index element: {idx}")
    if isinstance(idx, Constant) and isinstance(idx.data, np.ndarray):
        return idx.data.item()
    raise NotScalarConstantError(f"{idx} is not a constant index")


def _is_provably_positive(var: Any, strict: bool = True) -> bool:
    """Whether ``var`` is known, while the graph is built, to be > 0 (``strict``) or >= 0:
    numbers, constants, lengths (>= 0), unsigned ints (>= 0), and vectors of lengths, views,
    casts (>= 0 only), minima and maxima of such values."""
    if isinstance(var, (int, np.integer)):
        return bool(var > 0) if strict else bool(var >= 0)
    if not strict and var.type.dtype.startswith("uint"):
        return True
    if isinstance(var, Constant):
        data = np.asarray(var.data)
        return bool((data > 0).all()) if strict else bool((data >= 0).all())
    op = var.owner.op if var.owner is not None else None
    if not strict and isinstance(op, (Shape, ShapeI)):
        return True
    inputs = var.owner.inputs if var.owner is not None else []
    if isinstance(op, MakeVector):
        return all(_is_provably_positive(i, strict) for i in inputs)
    if isinstance(op, (Subtensor, DimShuffle)):
        return _is_provably_positive(inputs[0], strict)
    if isinstance(op, Elemwise):
        scalar_op = op.scalar_op
        if not strict and isinstance(scalar_op, sm.Cast):
            return _is_provably_positive(inputs[0], strict)  # a cast may truncate to 0
        if isinstance(scalar_op, sm.Minimum):
            return all(_is_provably_positive(i, strict) for i in inputs)
        if isinstance(scalar_op, sm.Maximum):
            return any(_is_provably_positive(i, strict) for i in inputs)
    return False


def _is_provably_non_negative(var: Any) -> bool:
    """Whether ``var`` is known, while the graph is built, to be >= 0."""
    return _is_provably_positive(var, strict=False)


def basic_shape(shape: Sequence[Any], indices: Sequence[Any]) -> tuple[Variable, ...]:
    """The symbolic lengths of indexing an array of ``shape`` with the basic ``indices``
    (slices, and None for a new axis of length 1), one per index."""
    out: list[Variable] = []
    for n, idx in zip(shape[:len(indices)], indices, strict=True):
        if isinstance(idx, slice):
            out.append(slice_length(idx.start, idx.stop, idx.step, n))
        elif idx is None:
            out.append(constant(1, dtype="int64"))
        else:
            raise ValueError(f"Invalid index type: {idx}")
    return tuple(out)


def indexed_result_shape(array_shape: Any, indices: Sequence[Any],
                         indices_are_shapes: bool = False) -> tuple[Variable, ...]:
    """The symbolic shape of ``a[indices]`` for an array ``a`` of shape ``array_shape`` (NumPy's
    basic and advanced indexing).  With ``indices_are_shapes``, each advanced index is given by
    its shape (a tuple) instead of its value."""
    if isinstance(array_shape, Variable):
        vector = as_tensor_variable(array_shape)
        length = vector.type.shape[0] if vector.ndim == 1 else None
        if length is None:
            raise ValueError("indexed_result_shape: the shape vector must have a known length")
        array_shape = [vector[i] for i in range(length)]
    if indices_are_shapes:
        # stand-in index arrays of the given shapes: only their shapes matter below
        indices = [idx if idx is None or isinstance(idx, slice) else zeros(list(idx), dtype="int64")
                   for idx in indices]
    # the shape of indexing a stand-in array: shape inference never reads the values
    return tuple(shape_of(getitem(zeros(list(array_shape), dtype="int8"), tuple(indices))))


def _known(v: Any) -> int | None:
    """The int value of ``v`` when known while the graph is built (None stays None)."""
    if v is None or isinstance(v, (int, np.integer)):
        return None if v is None else int(v)
    try:
        return int(get_underlying_scalar_constant_value(v))
    except (NotScalarConstantError, TypeError, ValueError):
        return None


def _is_index(v: Any) -> bool:
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return True
    return (isinstance(v, Variable) and isinstance(v.type, TensorType) and v.type.ndim == 0
            and v.type.numpy_dtype.kind in "iu")


def _bound(b: Any, length: Any, default: Any, low: Any, high: Any) -> Any:
    """NumPy's reading of a slice bound: None is ``default``, negative counts from the end,
    and the result is clipped to ``[low, high]``."""
    if b is None:
        return default
    return switch(lt(b, 0), maximum(b + length, low), minimum(b, high))


def get_canonical_form_slice(theslice: Any, length: Any) -> tuple[Any, Any]:
    """A slice or an integer index in canonical form, and a direction.

    For a slice: ``(slice(start, stop, step), direction)`` with ``0 <= start <= stop <=
    length`` and ``step > 0``, such that ``x[theslice]`` is ``x[canonical][::direction]`` for
    an axis of ``length``.  For an index: the index made non-negative, and 1.  Entries known
    while the graph is built give Python ints; others give 0-d tensors.
    """
    if isinstance(theslice, slice):
        parts = (theslice.start, theslice.stop, theslice.step)
        if not all(p is None or _is_index(p) for p in parts):
            raise ValueError(f"{theslice} is not a supported slice (bounds must be integers)")
        known = [_known(p) for p in parts]
        n = _known(length)
        if n is not None and all(k is not None or p is None for k, p in zip(known, parts)):
            return _canonical_numbers(slice(*known), n)
        step_value = 1 if theslice.step is None else known[2]
        if step_value is not None and step_value > 0:
            return _forward(theslice, length), 1
        if step_value is not None:
            return _backward(theslice, length), -1
        step = as_tensor_variable(theslice.step)
        forward, backward = _forward(theslice, length), _backward(theslice, length)
        up = gt(step, 0)
        return (slice(switch(up, forward.start, backward.start), switch(up, forward.stop, backward.stop),
                      tensor_abs(step)), switch(up, 1, -1))
    if not _is_index(theslice):
        raise ValueError(f"{theslice!r} is not a supported slice or integer index")
    value = _known(theslice)
    if value is not None and value >= 0:
        return theslice, 1
    index = as_tensor_variable(theslice)
    if value is not None:
        return index + length, 1
    return switch(lt(index, 0), index + length, index), 1


def _canonical_numbers(theslice: slice, length: int) -> tuple[slice, int]:
    start, stop, step = theslice.indices(length)
    if step > 0:
        return slice(start, max(stop, start), step), 1
    count = len(range(start, stop, step))
    if count == 0:
        return slice(0, 0, -step), -1
    return slice(start + (count - 1) * step, start + 1, -step), -1


def _forward(theslice: slice, length: Any) -> slice:
    start = _bound(theslice.start, length, 0, 0, length)
    stop = _bound(theslice.stop, length, length, 0, length)
    return slice(start, maximum(stop, start), 1 if theslice.step is None else theslice.step)


def _backward(theslice: slice, length: Any) -> slice:
    # the elements start, start + step, ... (step < 0) that stay above stop, taken upwards
    step = as_tensor_variable(theslice.step)
    start = _bound(theslice.start, length, length - 1, -1, length - 1)
    stop = _bound(theslice.stop, length, -1, -1, length - 1)
    size = -step
    count = maximum((start - stop + size - 1) // size, 0)
    first = start - (count - 1) * size
    return slice(switch(ge(count, 1), first, 0), switch(ge(count, 1), start + 1, 0), size)
