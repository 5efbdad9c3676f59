"""Lowerings of indexing: basic and advanced subtensors and writes through them.

Slice bounds and boolean masks decide the result's shape, so they must be
static while JAX traces; scalar indices and integer index arrays may be
values computed at run time.  NumPy raises IndexError for an index out of
range where JAX would clamp it (reads) or drop it (writes): every index
that is not static gets a run-time check, so the compiled function raises
the same IndexError as the other backends.  (``jax_fn`` has no checks: it
follows JAX's clamping.)  An axis of length 0 has no element XLA could
clamp an index to (its gather rejects the graph), so such an axis indexed at
run time is read from a stand-in of length 1: the check fails for every
index it gets, and an empty index array reads nothing.

Writes with repeated indices: increments accumulate (``np.add.at``), as on
every backend, or with ``ignore_duplicates`` follow ``x[idx] += y`` (one
increment wins); for ``set_subtensor`` JAX does not specify which of the
repeated writes wins (NumPy: the last; XLA on the CPU: the last too).
Boolean increments are logical ors, as NumPy's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import jax.numpy as jnp
import numpy as np
from jax import lax

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.subtensor_advanced import AdvancedSubtensor
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_inc import AdvancedIncSubtensor, IncSubtensor
from arignote.tensor.subtensor_index import (
    BOOL_MASK,
    INDEX_ARRAY,
    SYMBOLIC,
    SliceSpec,
    check_int_index,
    indexed_shape,
)
from arignote.tensor.type import TensorType


def _static_positions(entries: Sequence[Any], first_index_input: int) -> tuple[int, ...]:
    """Input positions that must be static: slice bounds and masks."""
    static = []
    position = first_index_input
    for entry in entries:
        if isinstance(entry, SliceSpec):
            for part in entry.parts:
                if part is SYMBOLIC:
                    static.append(position)
                    position += 1
        elif entry is BOOL_MASK:
            static.append(position)
            position += 1
        elif entry is SYMBOLIC or entry is INDEX_ARRAY:
            position += 1
    return tuple(static)


def _check_dynamic(ctx: LoweringContext, index: Any, axis: int, length: int) -> None:
    """A run-time check that every element of the traced ``index`` fits an axis of ``length``."""
    if not ctx.checks_enabled:
        return  # jax_fn: no checks, and no work to compute them
    index = jnp.asarray(index)
    if index.dtype.kind == "u":  # -length would wrap around in an unsigned dtype
        inside = index < length
    else:
        inside = (index >= -length) & (index < length)
    if index.ndim == 0:
        ctx.check(inside, IndexError, f"index {{}} is out of bounds for axis {axis} with size {length}",
                  index)
        return
    flat, ok = index.reshape(-1), inside.reshape(-1)
    first_bad = flat[jnp.argmin(ok)] if flat.size else jnp.zeros((), index.dtype)
    ctx.check(jnp.all(inside), IndexError,
              f"index {{}} is out of bounds for axis {axis} with size {length}", first_bad)


def _check_static_array(index: np.ndarray, axis: int, length: int) -> None:
    bad = (index < -length) | (index >= length)
    if bad.any():
        raise IndexError(f"index {int(index[bad].flat[0])} is out of bounds for axis {axis} "
                         f"with size {length}")


def _build_key(entries: Sequence[Any], shape: tuple[int, ...], values: Sequence[Any],
               ctx: LoweringContext) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    """The JAX key for ``entries``, checking indices against ``shape`` (statically where possible),
    and the axes of length 0 that run-time indices address (see :func:`_padded`)."""
    walk = iter(values)
    key: list[Any] = []
    empty: list[int] = []
    axis = 0
    for entry in entries:
        if entry is None or entry is Ellipsis:
            key.append(entry)
            continue
        if isinstance(entry, SliceSpec):
            key.append(slice(*[int(next(walk)) if p is SYMBOLIC else p for p in entry.parts]))
            if key[-1].step == 0:
                raise ValueError("slice step cannot be zero")
            axis += 1
            continue
        if entry is BOOL_MASK:
            mask = np.asarray(next(walk))
            for offset, size in enumerate(mask.shape):
                if shape[axis + offset] != size:
                    raise IndexError(f"boolean index did not match indexed array along axis "
                                     f"{axis + offset}; size of axis is {shape[axis + offset]} but "
                                     f"size of corresponding boolean axis is {size}")
            key.append(mask)
            axis += mask.ndim
            continue
        value = entry if isinstance(entry, int) else next(walk)
        length = shape[axis]
        if isinstance(value, (int, np.integer)) or isinstance(value, np.ndarray):
            if np.ndim(value) == 0:
                check_int_index(int(value), axis, length)
                value = int(value)
            else:
                _check_static_array(cast(np.ndarray, value), axis, length)  # not 0-d: an array
        else:
            _check_dynamic(ctx, value, axis, length)
            if length == 0:
                empty.append(axis)
        key.append(value)
        axis += 1
    return tuple(key), tuple(empty)


def _padded(x: Any, empty: Sequence[int]) -> Any:
    """A stand-in for ``x`` with length 1 on the ``empty`` axes, so that XLA can gather from it.

    ``x`` has no elements, so nothing is lost; the index check fails for any index into these
    axes, and an empty index array reads nothing, which gives the shape NumPy gives.
    """
    return jnp.zeros([1 if axis in empty else n for axis, n in enumerate(x.shape)], x.dtype)


def _declare_checks(node: Apply, first_index_input: int, ctx: LoweringContext) -> None:
    static = set(_static_positions(node.op.idx_list, first_index_input))
    if any(not ctx.is_static(i) for i in range(first_index_input, len(node.inputs)) if i not in static):
        ctx.needs_checks()


def _index_lowering(op: Any, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    entries = op.idx_list
    _declare_checks(node, 1, ctx)

    def run(x: Any, *indices: Any) -> Any:
        x = jnp.asarray(x)
        key, empty = _build_key(entries, x.shape, indices, ctx)
        return (_padded(x, empty) if empty else x)[key]
    return run


jax_impl.register(Subtensor, AdvancedSubtensor,
                  static_of=lambda node: _static_positions(node.op.idx_list, 1))(_index_lowering)


def _write_lowering(op: Any, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    entries = op.idx_list
    _declare_checks(node, 2, ctx)
    target_ndim = len(indexed_shape(entries, cast(TensorType, node.inputs[0].type), node.inputs[2:]))
    set_values = op.set_instead_of_inc
    buffered = getattr(op, "ignore_duplicates", False)

    def run(x: Any, y: Any, *indices: Any) -> Any:
        x, y = jnp.asarray(x), jnp.asarray(y)
        extra = y.ndim - target_ndim
        if extra > 0:  # NumPy's assignment ignores leading length-1 axes of the value
            if any(n != 1 for n in y.shape[:extra]):
                raise ValueError(f"could not broadcast input array from shape {y.shape} into an "
                                 f"indexed array of {target_ndim} dimension(s)")
            y = y.reshape(y.shape[extra:])
        key, empty = _build_key(entries, x.shape, indices, ctx)
        if empty:  # nothing can be written; y must still fit what the key selects, as in NumPy
            jnp.broadcast_to(y, _padded(x, empty)[key].shape)
            return x
        window = _contiguous_window(key, x.shape)
        if window is not None and not buffered:
            return _write_window(x, y, window, set_values)
        where = x.at[key]
        if set_values:
            return where.set(y)
        if buffered:  # NumPy's x[idx] += y: read, add, write (a repeated index keeps one sum)
            return where.set(x[key] + y)
        if x.dtype == np.bool_:  # adding booleans is a logical or
            return where.max(y)
        return where.add(y)
    return run


def _contiguous_window(key: tuple[Any, ...],
                       shape: tuple[int, ...]) -> tuple[list[Any], list[int], list[bool]] | None:
    """``(starts, sizes, dropped axes)`` when ``key`` selects one contiguous block (ints, step-1
    slices, scalar indices known at run time), else None.

    Writing such a block is ``lax.dynamic_update_slice`` rather than a scatter: cheaper, and
    it keeps XLA away from a scatter followed by a reverse, which crashes XLA's simplifier
    (jaxlib 0.10: "Invalid binary instruction opcode map") in the backward pass of loops.
    """
    starts: list[Any] = []
    sizes: list[int] = []
    dropped: list[bool] = []
    axis = 0
    for entry in key:
        if entry is None or entry is Ellipsis or (isinstance(entry, np.ndarray) and entry.ndim):
            return None
        length = shape[axis]
        if isinstance(entry, slice):
            start, stop, step = entry.indices(length)
            if step != 1:
                return None
            starts.append(start)
            sizes.append(max(stop - start, 0))
            dropped.append(False)
        elif hasattr(entry, "ndim") and entry.ndim:  # an index array
            return None
        else:  # an int, static or traced (negative ones count from the end)
            index = jnp.asarray(entry)
            starts.append(jnp.where(index < 0, index + length, index) if index.dtype.kind == "i" else index)
            sizes.append(1)
            dropped.append(True)
        axis += 1
    for length in shape[axis:]:
        starts.append(0)
        sizes.append(length)
        dropped.append(False)
    return starts, sizes, dropped


def _write_window(x: Any, y: Any, window: tuple[list[Any], list[int], list[bool]], set_values: bool) -> Any:
    starts, sizes, dropped = window
    target = tuple(n for n, d in zip(sizes, dropped) if not d)
    block = jnp.broadcast_to(y, target).reshape(sizes)
    starts = [jnp.asarray(s).astype(np.int64) for s in starts]
    if not set_values:
        current = lax.dynamic_slice(x, starts, sizes)
        block = current | block if x.dtype == np.bool_ else current + block
    return lax.dynamic_update_slice(x, block.astype(x.dtype), starts)


jax_impl.register(IncSubtensor, AdvancedIncSubtensor,
                  static_of=lambda node: _static_positions(node.op.idx_list, 2))(_write_lowering)
