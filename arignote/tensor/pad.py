"""``pad``: NumPy's ``np.pad``, built from existing ops so it differentiates and runs anywhere.

The array is padded one axis at a time, each axis seeing the padding of the
axes before it, which is how NumPy fills the corners.  Modes that copy
input elements (``edge``, ``wrap``, ``symmetric``, ``reflect``) gather along
the axis with an index map (``take``); the others join new blocks (a
constant, a statistic of the edge, a linear ramp) to either side.  Widths
given as constants keep the padded shape static; symbolic widths work too.

Where arignote differs from PyTensor (and follows NumPy): the result has the
input's dtype (PyTensor gives floats for integer inputs), so the statistics of
an integer array are rounded half to even and its ramps floored, as in NumPy;
``median`` is supported.  As in PyTensor, ``reflect_type="odd"`` is not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arignote.graph.basic import Variable
from arignote.tensor.alloc import alloc, arange, broadcast_to
from arignote.tensor.basic import as_tensor_variable, cast, constant
from arignote.tensor.dimshuffle import dimshuffle, expand_dims
from arignote.tensor.join import join
from arignote.tensor.math import floor, maximum, minimum, mod, round_half_to_even, switch
from arignote.tensor.numpy_extras import median
from arignote.tensor.reduction import max as tensor_max
from arignote.tensor.reduction import min as tensor_min
from arignote.tensor.reduction_stats import mean
from arignote.tensor.shape import shape_i
from arignote.tensor.shape_inference import add_dims, known_dim, sub_dims
from arignote.tensor.subtensor_take import take
from arignote.tensor.variable import TensorVariable

__all__ = ["pad"]

#: the keyword arguments each mode accepts
MODE_OPTIONS: dict[str, frozenset[str]] = {
    "constant": frozenset({"constant_values"}),
    "edge": frozenset(),
    "linear_ramp": frozenset({"end_values"}),
    "maximum": frozenset({"stat_length"}),
    "minimum": frozenset({"stat_length"}),
    "mean": frozenset({"stat_length"}),
    "median": frozenset({"stat_length"}),
    "reflect": frozenset({"reflect_type"}),
    "symmetric": frozenset({"reflect_type"}),
    "wrap": frozenset(),
}

Width = Any  # a Python int, or a 0-d int64 variable


def _pairs(value: Any, ndim: int, what: str, integral: bool) -> list[tuple[Any, Any]]:
    """``value`` broadcast to ``ndim`` (before, after) pairs, as NumPy reads ``pad_width``
    and the per-side options: Python numbers when constant, else 0-d variables."""
    if isinstance(value, (list, tuple)) and _holds_variables(value):
        return _nested_pairs(value, ndim, what, integral)
    if not isinstance(value, Variable):
        array = np.asarray(value)
        if integral and array.dtype.kind not in "iu":
            raise TypeError(f"pad: {what} must be integers, got {value!r}")
        if array.ndim > 2:
            raise ValueError(f"pad: {what} must be a number, a (before, after) pair or one pair "
                             f"per axis, got an array of shape {array.shape}")
        try:
            pairs = np.broadcast_to(array, (ndim, 2))
        except ValueError:
            raise ValueError(f"pad: {what} of shape {array.shape} does not fit an array of "
                             f"{ndim} dimension(s)") from None
        if integral and (pairs < 0).any():
            raise ValueError(f"pad: {what} must not be negative, got {value!r}")
        return [(p[0].item(), p[1].item()) for p in pairs]
    tensor = as_tensor_variable(value)
    if integral and tensor.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"pad: {what} must be integers, got {tensor.type}")
    if tensor.ndim > 2:
        raise ValueError(f"pad: {what} must be a number, a (before, after) pair or one pair "
                         f"per axis, got {tensor.type}")
    grid = broadcast_to(tensor, (ndim, 2))
    if integral:
        grid = cast(grid, "int64")
    return [(grid[axis, 0], grid[axis, 1]) for axis in range(ndim)]


def _holds_variables(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_holds_variables(v) for v in value)
    return isinstance(value, Variable)


def _entry(value: Any, what: str, integral: bool) -> Any:
    if not integral:
        return value
    if isinstance(value, Variable):
        value = as_tensor_variable(value)
        if value.ndim != 0 or value.type.numpy_dtype.kind not in "iu":
            raise TypeError(f"pad: {what} must be integers, got {value.type}")
        return cast(value, "int64")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"pad: {what} must be integers, got {value!r}")
    if value < 0:
        raise ValueError(f"pad: {what} must not be negative, got {value!r}")
    return int(value)


def _nested_pairs(value: Sequence[Any], ndim: int, what: str, integral: bool) -> list[tuple[Any, Any]]:
    """The pairs of a (nested) sequence holding variables, broadcast as NumPy broadcasts arrays."""
    def pair(item: Any) -> tuple[Any, Any]:
        items = list(item) if isinstance(item, (list, tuple)) else [item]
        if len(items) not in (1, 2) or any(isinstance(i, (list, tuple)) for i in items):
            raise ValueError(f"pad: {what} must be a number, a (before, after) pair or one pair "
                             f"per axis, got {value!r}")
        before, after = (items * 2)[:2]
        return _entry(before, what, integral), _entry(after, what, integral)

    if not any(isinstance(v, (list, tuple)) for v in value):
        return [pair(value)] * ndim
    if len(value) not in (1, ndim):
        raise ValueError(f"pad: {what} has {len(value)} pairs, which does not fit an array of "
                         f"{ndim} dimension(s)")
    pairs = [pair(v) for v in value]
    return pairs * ndim if len(pairs) == 1 else pairs


def _along(v: TensorVariable, axis: int, ndim: int) -> TensorVariable:
    """The vector ``v`` laid along ``axis`` of an ``ndim``-dimensional array (length 1 elsewhere)."""
    return dimshuffle(v, [0 if a == axis else "x" for a in range(ndim)])


def _block(x: TensorVariable, axis: int, width: Width, value: Any) -> TensorVariable:
    """``value`` (broadcastable to it) filling an array shaped like ``x`` but ``width`` long on ``axis``."""
    shape = [width if a == axis else shape_i(x, a) for a in range(x.ndim)]
    return alloc(cast(value, x.dtype), *shape)


def _to_dtype(value: TensorVariable, dtype: str, rounding: Callable[[Any], Any]) -> TensorVariable:
    """``value`` stored in ``dtype``, rounded first when it is an integer dtype (NumPy's way)."""
    if np.dtype(dtype).kind in "iu" and value.type.numpy_dtype.kind == "f":
        value = rounding(value)
    return cast(value, dtype)


def _check_extendable(x: TensorVariable, axis: int, before: Width, after: Width, mode: str) -> None:
    if x.type.shape[axis] == 0 and (known_dim(before) or known_dim(after)):
        raise ValueError(f"pad: can't extend empty axis {axis} using modes other than 'constant' "
                         f"(mode {mode!r})")


def _gather_indices(mode: str, size: Width, before: Width, after: Width) -> Any:
    """The input position each output position along one axis copies.

    ``edge`` clamps; ``wrap`` is periodic with period ``size``; ``symmetric``
    mirrors with the edge repeated (period ``2 size``), ``reflect`` without it
    (period ``2 size - 2``, 1 for a single element).  NumPy values when every
    length is known, so the padded length stays static.
    """
    static = all(known_dim(v) is not None for v in (size, before, after))
    if static:
        size, before, after = (int(known_dim(v)) for v in (size, before, after))  # type: ignore[arg-type]
        offsets: Any = np.arange(before + size + after, dtype=np.int64) - before
        choose: Any = np.where
        larger: Any = np.maximum
        smaller: Any = np.minimum
        remainder: Any = np.mod
    else:
        offsets = arange(add_dims(before, size, after)) - before
        choose, larger, smaller, remainder = switch, maximum, minimum, mod
    if mode == "edge":
        return larger(smaller(offsets, size - 1), 0)
    if mode == "wrap":
        return remainder(offsets, size)
    period = 2 * size if mode == "symmetric" else larger(2 * size - 2, 1)
    folded = remainder(offsets, period)
    mirrored = period - 1 - folded if mode == "symmetric" else period - folded
    return choose(folded < size, folded, mirrored)


def _gather_pad(x: TensorVariable, axis: int, before: Width, after: Width, mode: str) -> TensorVariable:
    _check_extendable(x, axis, before, after, mode)
    size = x.type.shape[axis]
    indices = _gather_indices(mode, shape_i(x, axis) if size is None else size, before, after)
    if isinstance(indices, np.ndarray):
        indices = constant(indices)
    return take(x, indices, axis=axis)


def _edges(x: TensorVariable, axis: int) -> tuple[TensorVariable, TensorVariable]:
    """The first and the last slice of ``x`` along ``axis``, kept as length-1 axes."""
    last = shape_i(x, axis) - 1
    return take(x, constant(np.array([0])), axis=axis), take(x, expand_dims(last, 0), axis=axis)


def _ramp_pad(x: TensorVariable, axis: int, before: Width, after: Width,
              ends: tuple[Any, Any]) -> TensorVariable:
    """Linear ramps from each end value to (not reaching) the edge value, as
    ``np.linspace(end, edge, width, endpoint=False)``."""
    _check_extendable(x, axis, before, after, "linear_ramp")
    compute = x.dtype if x.type.numpy_dtype.kind == "f" else "float64"
    first, last = (cast(e, compute) for e in _edges(x, axis))
    blocks = []
    for width, end, edge, outward in ((before, ends[0], first, False), (after, ends[1], last, True)):
        end = cast(end, compute)
        steps = arange(width, dtype=compute)
        if outward:  # the right ramp runs from the edge to the end value
            steps = cast(sub_dims(width, 1), compute) - steps
        fraction = _along(steps / cast(width, compute), axis, x.ndim)
        blocks.append(_to_dtype(end + (edge - end) * fraction, x.dtype, floor))
    return join(axis, blocks[0], x, blocks[1])


_STATISTICS: dict[str, Callable[[TensorVariable, int], TensorVariable]] = {
    "maximum": lambda chunk, axis: tensor_max(chunk, axis=axis, keepdims=True),
    "minimum": lambda chunk, axis: tensor_min(chunk, axis=axis, keepdims=True),
    "mean": lambda chunk, axis: mean(chunk, axis=axis, keepdims=True),
    "median": lambda chunk, axis: expand_dims(median(chunk, axis=axis), axis),
}


def _stat_pad(x: TensorVariable, axis: int, before: Width, after: Width, mode: str,
              lengths: tuple[Any, Any] | None) -> TensorVariable:
    """Each side filled with a statistic of the ``stat_length`` values nearest it (all by default)."""
    _check_extendable(x, axis, before, after, mode)
    statistic = _STATISTICS[mode]
    key_left: list[Any] = [slice(None)] * x.ndim
    key_right: list[Any] = [slice(None)] * x.ndim
    if lengths is not None:
        n = shape_i(x, axis)
        left, right = (minimum(as_tensor_variable(v), n) for v in lengths)
        key_left[axis] = slice(None, left)
        key_right[axis] = slice(n - right, None)
    stats = [_to_dtype(statistic(x[tuple(key)], axis), x.dtype, round_half_to_even)
             for key in (key_left, key_right)]
    return join(axis, _block(x, axis, before, stats[0]), x, _block(x, axis, after, stats[1]))


def _check_options(mode: Any, supplied: dict[str, Any]) -> None:
    if not isinstance(mode, str) or mode not in MODE_OPTIONS:
        raise ValueError(f"Invalid mode: {mode!r} (expected one of {', '.join(sorted(MODE_OPTIONS))})")
    given = {name for name, value in supplied.items() if value is not None}
    unsupported = given - MODE_OPTIONS[mode]
    if unsupported:
        raise ValueError(f"Invalid keyword arguments for mode '{mode}': {sorted(unsupported)}. "
                         f"Mode '{mode}' accepts {sorted(MODE_OPTIONS[mode])}")


def pad(x: Any, pad_width: Any, mode: str = "constant", *, constant_values: Any = None,
        end_values: Any = None, stat_length: Any = None,
        reflect_type: str | None = None) -> TensorVariable:
    """``np.pad``: ``x`` extended by ``pad_width`` elements before and after each axis.

    ``pad_width``: an int, a ``(before, after)`` pair, or one pair per axis.  ``mode``:
    ``"constant"`` (``constant_values``, 0 by default), ``"edge"``, ``"linear_ramp"``
    (to ``end_values``), ``"maximum"``/``"minimum"``/``"mean"``/``"median"`` (of the
    ``stat_length`` nearest values, all by default), ``"reflect"``/``"symmetric"``
    (``reflect_type="even"`` only) or ``"wrap"``.  The options take the same forms as
    ``pad_width``.
    """
    _check_options(mode, {"constant_values": constant_values, "end_values": end_values,
                          "stat_length": stat_length, "reflect_type": reflect_type})
    if reflect_type not in (None, "even"):
        if reflect_type == "odd":
            raise NotImplementedError("pad: reflect_type='odd' is not implemented")
        raise ValueError(f"pad: reflect_type must be 'even' or 'odd', got {reflect_type!r}")
    x = as_tensor_variable(x)
    widths = _pairs(pad_width, x.ndim, "pad_width", integral=True)
    if mode == "constant":
        values = _pairs(0 if constant_values is None else constant_values, x.ndim,
                        "constant_values", integral=False)
    elif mode == "linear_ramp":
        values = _pairs(0 if end_values is None else end_values, x.ndim, "end_values",
                        integral=False)
    lengths: Sequence[tuple[Any, Any] | None] = [None] * x.ndim
    if stat_length is not None:
        length_pairs = _pairs(stat_length, x.ndim, "stat_length", integral=True)
        if any(known_dim(v) == 0 for pair in length_pairs for v in pair):
            raise ValueError("pad: stat_length of 0 yields no value for padding")
        lengths = length_pairs

    for axis, (before, after) in enumerate(widths):
        if known_dim(before) == 0 and known_dim(after) == 0:
            continue
        if mode == "constant":
            x = join(axis, _block(x, axis, before, values[axis][0]), x,
                     _block(x, axis, after, values[axis][1]))
        elif mode == "linear_ramp":
            x = _ramp_pad(x, axis, before, after, values[axis])
        elif mode in _STATISTICS:
            x = _stat_pad(x, axis, before, after, mode, lengths[axis])
        else:
            x = _gather_pad(x, axis, before, after, mode)
    return x
