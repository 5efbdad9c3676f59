"""Joining and rearranging arrays: concatenate, stack, split, tile, repeat, roll, flip."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule, Op
from arignote.tensor import shape_inference as si
from arignote.tensor.alloc import arange, zeros_like
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.batching import broadcast_batch
from arignote.tensor.dimshuffle import expand_dims, normalize_axis
from arignote.tensor.math import neg
from arignote.tensor.reduction import sum as tensor_sum
from arignote.tensor.shape import (
    as_shape_vector,
    flatten,
    make_vector,
    reshape,
    shape,
    shape_entry_facts,
    shape_i,
    shape_tuple,
    static_entries,
)
from arignote.tensor.shape_inference import add_dims, dim, mul_dims, vector_entries
from arignote.tensor.subtensor_inc import inc_subtensor
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorConstant, TensorVariable


def _int_tensor(value: Any, what: str, where: str, ndims: tuple[int, ...] = (0, 1)) -> TensorVariable:
    """``value`` as an integer tensor with one of the ranks ``ndims``; TypeError otherwise."""
    value = as_tensor_variable(value)
    if value.ndim not in ndims or value.type.numpy_dtype.kind not in "biu":
        ranks = " or ".join(f"{n}-d" for n in ndims)
        raise TypeError(f"{where}: {what} must be a {ranks} integer tensor, got {value.type}")
    return value


def _as_tensor_list(tensors: Any, where: str) -> list[TensorVariable]:
    if isinstance(tensors, Variable) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{where}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{where}: need at least one array")
    return [as_tensor_variable(t) for t in tensors]


# --- concatenate ----------------------------------------------------------------------

@dataclass(frozen=True)
class Join(Op):
    """``np.concatenate`` of the inputs along ``axis`` (non-negative), NumPy's dtype promotion."""

    axis: int

    def make_node(self, *inputs: Any) -> Apply:
        tensors = [as_tensor_variable(t) for t in inputs]
        if not tensors:
            raise ValueError(f"{self}: need at least one array to concatenate")
        ndim = tensors[0].ndim
        if ndim == 0:
            raise ValueError(f"{self}: zero-dimensional arrays cannot be concatenated")
        for position, t in enumerate(tensors):
            if t.ndim != ndim:
                raise ValueError(f"{self}: all the input arrays must have same number of dimensions, "
                                 f"but input 0 is {ndim}-d and input {position} is {t.ndim}-d")
        if not 0 <= self.axis < ndim:
            raise np.exceptions.AxisError(f"{self}: axis {self.axis} is out of bounds for "
                                          f"arrays of dimension {ndim}")
        out_shape: list[int | None] = []
        for axis in range(ndim):
            dims = [t.type.shape[axis] for t in tensors]
            if axis == self.axis:
                out_shape.append(None if None in dims else sum(cast(list[int], dims)))
                continue
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise ValueError(f"{self}: all the input array dimensions except for the "
                                 f"concatenation axis must match exactly, but along dimension "
                                 f"{axis} the inputs have lengths {sorted(known)}")
            out_shape.append(known.pop() if known else None)
        dtype = np.result_type(*[t.type.numpy_dtype for t in tensors])
        return Apply.build(self, tensors, [TensorType(dtype, out_shape)])

    def perform(self, *tensors: np.ndarray) -> np.ndarray:
        return np.concatenate(tensors, axis=self.axis)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """The cotangent cut back into the inputs' lengths along ``axis``."""

        sizes = make_vector(*[shape_i(t, self.axis) for t in inputs], dtype="int64")
        parts = Split(len(inputs), self.axis).make_node(cotangents[0], sizes).outputs
        return [part if t.type.numpy_dtype.kind in "fc" else None for t, part in zip(inputs, parts)]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:

        dtype = outputs[0].dtype
        return [self(*[zeros_like(x, dtype=dtype) if t is None else t for x, t in zip(inputs, tangents)])]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        """The lengths along ``axis`` add up; the other axes are the first input's."""

        out = list(input_shapes[0])
        out[self.axis] = add_dims(*[s[self.axis] for s in input_shapes])
        return [tuple(out)]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        parts = [x if b else broadcast_batch(x, size) for x, b in zip(inputs, batched)]
        return [Join(self.axis + 1)(*parts)]


def concatenate(tensors: Sequence[Any], axis: int | None = 0) -> TensorVariable:
    """``np.concatenate``: join ``tensors`` along an existing ``axis`` (None: flatten first)."""
    tensors = _as_tensor_list(tensors, "concatenate")
    if axis is None:
        tensors = [flatten(t, 1) for t in tensors]
        axis = 0
    if tensors[0].ndim == 0:
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis(axis, tensors[0].ndim)
    if len(tensors) == 1:
        return tensors[0]
    return Join(axis)(*tensors)


def join(axis: int, *tensors: Any) -> TensorVariable:
    """PyTensor's ``join(axis, *tensors)``: ``concatenate(tensors, axis)``."""
    if isinstance(axis, Variable):
        if not isinstance(axis, TensorConstant):
            raise TypeError("join: the axis must be known when the graph is built")
        axis = int(axis.data)
    return concatenate(list(tensors), axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> TensorVariable:
    """``np.stack``: join same-shaped ``tensors`` along a new ``axis``."""
    tensors = _as_tensor_list(tensors, "stack")
    ndim = tensors[0].ndim
    for position, t in enumerate(tensors):
        if t.ndim != ndim:
            raise ValueError(f"stack: all input arrays must have the same shape, but input 0 is "
                             f"{ndim}-d and input {position} is {t.ndim}-d")
    axis = normalize_axis(axis, ndim + 1)
    if ndim == 0:
        return make_vector(*tensors)
    expanded = [expand_dims(t, axis) for t in tensors]
    if len(expanded) == 1:
        return expanded[0]
    return Join(axis)(*expanded)


def _atleast(x: TensorVariable, ndim: int) -> TensorVariable:
    """NumPy's ``atleast_{ndim}d``: (N,) -> (1, N) or (1, N, 1); (M, N) -> (M, N, 1)."""
    if x.ndim >= ndim:
        return x
    if x.ndim == 0:
        return expand_dims(x, tuple(range(ndim)))
    if x.ndim == 2:
        return expand_dims(x, -1)
    return expand_dims(x, 0 if ndim == 2 else (0, 2))


def hstack(tensors: Sequence[Any]) -> TensorVariable:
    """``np.hstack``: concatenate along axis 1 (axis 0 for vectors)."""
    arrays = [_atleast(t, 1) for t in _as_tensor_list(tensors, "hstack")]
    return concatenate(arrays, 0 if arrays[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Any]) -> TensorVariable:
    """``np.vstack``: concatenate along axis 0, vectors becoming rows."""
    return concatenate([_atleast(t, 2) for t in _as_tensor_list(tensors, "vstack")], 0)


def dstack(tensors: Sequence[Any]) -> TensorVariable:
    """``np.dstack``: concatenate along axis 2 (the depth)."""
    return concatenate([_atleast(t, 3) for t in _as_tensor_list(tensors, "dstack")], 2)


def column_stack(tensors: Sequence[Any]) -> TensorVariable:
    """``np.column_stack``: vectors become columns, then concatenate along axis 1."""
    arrays = []
    for t in _as_tensor_list(tensors, "column_stack"):
        if t.ndim < 2:  # a scalar becomes (1, 1), a vector (N, 1)
            t = expand_dims(t, (0, 1) if t.ndim == 0 else 1)
        arrays.append(t)
    return concatenate(arrays, 1)


# --- split ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Split(Op):
    """``x`` cut along ``axis`` into ``n_splits`` parts whose lengths are the int vector ``splits``."""

    n_splits: int
    axis: int
    view_inputs = (0,)

    def make_node(self, x: Any, splits: Any) -> Apply:
        x = as_tensor_variable(x)
        splits = _int_tensor(splits, "the split sizes", str(self), (1,))
        if x.ndim == 0:
            raise ValueError(f"{self}: cannot split a 0-d array")
        if not 0 <= self.axis < x.ndim:
            raise np.exceptions.AxisError(f"{self}: axis {self.axis} is out of bounds for {x.type}")
        if splits.type.shape[0] not in (None, self.n_splits):
            raise ValueError(f"{self}: got {splits.type.shape[0]} split sizes for "
                             f"{self.n_splits} parts")
        sizes = static_entries(shape_entry_facts(splits, self.n_splits))
        if any(s is not None and s < 0 for s in sizes):
            raise ValueError(f"{self}: negative split size in {sizes}")
        total = x.type.shape[self.axis]
        unknown = [i for i, s in enumerate(sizes) if s is None]
        if total is not None:
            rest = total - sum(s for s in sizes if s is not None)
            if (not unknown and rest != 0) or rest < 0:
                raise ValueError(f"{self}: the split sizes {sizes} do not add up to the length "
                                 f"{total} of axis {self.axis}")
            if len(unknown) == 1:
                sizes[unknown[0]] = rest
        types = [TensorType(x.dtype, x.type.shape[:self.axis] + (s,) + x.type.shape[self.axis + 1:])
                 for s in sizes]
        return Apply.build(self, [x, splits], types)

    def perform(self, x: np.ndarray, splits: np.ndarray) -> Any:
        if splits.shape != (self.n_splits,):
            raise ValueError(f"{self}: got {splits.size} split sizes for {self.n_splits} parts")
        if (splits < 0).any() or splits.sum() != x.shape[self.axis]:
            raise ValueError(f"{self}: the split sizes {splits.tolist()} do not add up to the "
                             f"length {x.shape[self.axis]} of axis {self.axis} (or are negative)")
        parts = np.split(x, np.cumsum(splits[:-1]), axis=self.axis)
        return parts[0] if self.n_splits == 1 else tuple(parts)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """The parts' cotangents joined again (zeros for parts that have none)."""

        parts = [zeros_like(o) if g is None else g for o, g in zip(outputs, cotangents)]
        return [parts[0] if len(parts) == 1 else Join(self.axis)(*parts), None]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        if tangents[0] is None:
            return [None] * self.n_splits
        result = self.make_node(tangents[0], inputs[1]).outputs
        return list(result)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        """Part ``i`` has length ``splits[i]`` along ``axis``."""

        x_shape = input_shapes[0]
        sizes = vector_entries(node.inputs[1], self.n_splits)
        return [x_shape[:self.axis] + (size,) + x_shape[self.axis + 1:] for size in sizes]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        if batched[1]:
            raise NoBatchingRule("split sizes cannot be batched")
        return list(Split(self.n_splits, self.axis + 1).make_node(*inputs).outputs)


def split(x: Any, splits_size: Any, n_splits: int, axis: int = 0) -> list[TensorVariable]:
    """PyTensor's ``split``: ``x`` cut along ``axis`` into parts of lengths ``splits_size``."""
    x = as_tensor_variable(x)
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 1:
        raise ValueError(f"split: n_splits must be a positive int, got {n_splits!r}")
    if x.ndim == 0:
        raise ValueError("split: cannot split a 0-d array")
    sizes = as_shape_vector(splits_size, "split")
    outputs = Split(int(n_splits), normalize_axis(axis, x.ndim)).make_node(x, sizes).outputs
    return cast(list[TensorVariable], list(outputs))


# --- tile and repeat -------------------------------------------------------------------

@dataclass(frozen=True)
class Tile(Op):
    """``np.tile(x, reps)``; ``reps`` is an int vector of static length."""

    view_inputs = (0,)  # np.tile returns its input unchanged when every rep is 1

    def make_node(self, x: Any, reps: Any) -> Apply:
        x = as_tensor_variable(x)
        reps = _int_tensor(reps, "reps", str(self), (1,))
        n_reps = reps.type.shape[0]
        if n_reps is None:
            raise ValueError(f"{self}: the number of repetitions {reps} must be known when the "
                             "graph is built; use specify_shape on it")
        counts = static_entries(shape_entry_facts(reps, n_reps))
        if any(c is not None and c < 0 for c in counts):
            raise ValueError(f"{self}: negative dimensions are not allowed (reps {counts})")
        ndim = max(x.ndim, n_reps)
        dims = [1] * (ndim - x.ndim) + list(x.type.shape)
        padding: list[int | None] = [1] * (ndim - n_reps)
        counts = padding + counts
        out = [0 if 0 in (d, c) else None if d is None or c is None else d * c
               for d, c in zip(dims, counts)]
        return Apply.build(self, [x, reps], [TensorType(x.dtype, out)])

    def perform(self, x: np.ndarray, reps: np.ndarray) -> np.ndarray:
        return np.tile(x, reps.tolist())

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Each output axis of length ``count * n`` is read as ``(count, n)`` and the copies summed."""

        x, reps = inputs
        gz = cotangents[0]
        counts: list[Variable | int] = list(vector_entries(reps, reps.type.shape[0]))
        ndim = gz.ndim
        padding: list[Variable | int] = [1] * (ndim - len(counts))
        counts = padding + counts
        lengths = [1] * (ndim - x.ndim) + list(shape_tuple(x))
        split = reshape(gz, [d for pair in zip(counts, lengths) for d in pair])
        summed = tensor_sum(split, axis=tuple(range(0, 2 * ndim, 2)))
        return [reshape(summed, shape(x), ndim=x.ndim), None]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        """Each length times its count, after padding the shorter of the two with 1s in front."""

        reps = node.inputs[1]
        counts = list(vector_entries(reps, reps.type.shape[0]))
        dims = list(input_shapes[0])
        ndim = max(len(dims), len(counts))
        dims = [dim(1)] * (ndim - len(dims)) + dims
        counts = [dim(1)] * (ndim - len(counts)) + counts
        return [tuple(mul_dims(d, c) for d, c in zip(dims, counts))]


def tile(x: Any, reps: Any) -> TensorVariable:
    """``np.tile``: ``reps`` is an int, a sequence of ints / 0-d ints, or an int vector."""
    return Tile()(as_tensor_variable(x), as_shape_vector(reps, "tile"))


@dataclass(frozen=True)
class Repeat(Op):
    """``np.repeat(x, repeats, axis)``; ``axis`` None repeats the flattened array."""

    axis: int | None

    def make_node(self, x: Any, repeats: Any) -> Apply:
        x = as_tensor_variable(x)
        repeats = _int_tensor(repeats, "repeats", str(self))
        if repeats.dtype == "uint64":  # as NumPy, which casts the counts "safely" to int64
            raise TypeError(f"{self}: cannot cast repeats of dtype uint64 to int64 safely")
        if self.axis is None:
            length = math.prod(x.type.shape) if None not in x.type.shape else None
        else:
            if not 0 <= self.axis < x.ndim:
                raise np.exceptions.AxisError(f"{self}: axis {self.axis} is out of bounds for {x.type}")
            length = x.type.shape[self.axis]
        total = self._static_total(repeats, length)
        if self.axis is None:
            out_shape: tuple[int | None, ...] = (total,)
        else:
            out_shape = x.type.shape[:self.axis] + (total,) + x.type.shape[self.axis + 1:]
        return Apply.build(self, [x, repeats], [TensorType(x.dtype, out_shape)])

    def _static_total(self, repeats: TensorVariable, length: int | None) -> int | None:
        """The repeated length, checking constant repeats against ``length`` (NumPy's broadcasting)."""
        n_counts = 1 if repeats.ndim == 0 else repeats.type.shape[0]
        if length is not None and n_counts not in (None, 1, length):
            raise ValueError(f"{self}: operands could not be broadcast together: {n_counts} "
                             f"repeat counts for an axis of length {length}")
        if not isinstance(repeats, TensorConstant):
            return 0 if length == 0 else None
        counts = np.asarray(repeats.data, dtype=np.int64).reshape(-1)
        if (counts < 0).any():
            raise ValueError(f"{self}: negative dimensions are not allowed (repeats {counts.tolist()})")
        if counts.size == 1:
            return None if length is None else length * int(counts[0])
        return int(counts.sum())

    def perform(self, x: np.ndarray, repeats: np.ndarray) -> np.ndarray:
        return np.repeat(x, repeats, axis=self.axis)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Each element collects the cotangents of its copies: an accumulating
        ``inc_subtensor`` at ``repeat(arange(n), repeats)``."""

        x, repeats = inputs
        gz = cotangents[0]
        axis = 0 if self.axis is None else self.axis
        base = flatten(x, 1) if self.axis is None else x
        sources = Repeat(0)(arange(shape_i(base, axis)), repeats)
        key = (slice(None),) * axis + (sources,)
        summed = inc_subtensor(zeros_like(base)[key], gz)
        return [reshape(summed, shape(x), ndim=x.ndim) if self.axis is None else summed, None]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        """The repeated axis has ``sum(repeats)`` elements (a single count repeats each one)."""

        x_shape, repeats = input_shapes[0], node.inputs[1]
        length = si.size_dims(x_shape) if self.axis is None else x_shape[self.axis]
        if repeats.ndim == 0:
            total = si.mul_dims(length, repeats)
        else:
            summed = si.as_dim(tensor_sum(repeats, dtype="int64"))
            n_counts = input_shapes[1][0]
            # NumPy broadcasts a single count over the axis; then the sum is that count
            total = si.switch_dims(si.eq_dims(n_counts, 1), si.mul_dims(length, summed), summed)
        if self.axis is None:
            return [(total,)]
        return [x_shape[:self.axis] + (total,) + x_shape[self.axis + 1:]]


def repeat(x: Any, repeats: Any, axis: int | None = None) -> TensorVariable:
    """``np.repeat``: ``repeats`` is an int, a sequence of ints, or a 0-d/1-d int tensor."""
    x = as_tensor_variable(x)
    if axis is not None:
        axis = normalize_axis(axis, x.ndim)
    if isinstance(repeats, (list, tuple)):
        repeats = as_shape_vector(repeats, "repeat")
    return Repeat(axis)(x, repeats)


# --- roll and flip ------------------------------------------------------------------------

def _axis_tuple(axis: Any, ndim: int, where: str, unique: bool) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(normalize_axis(a, ndim) for a in axes)
    if unique and len(set(axes)) != len(axes):
        raise ValueError(f"{where}: repeated axis in {axis}")
    return axes


@dataclass(frozen=True)
class Roll(Op):
    """``np.roll(x, shift, axis)``: elements shifted cyclically (``axis`` None: flattened order)."""

    axis: tuple[int, ...] | None

    def make_node(self, x: Any, shift: Any) -> Apply:
        x = as_tensor_variable(x)
        shift = _int_tensor(shift, "shift", str(self))
        if self.axis is not None:
            if any(not 0 <= a < x.ndim for a in self.axis):
                raise np.exceptions.AxisError(f"{self}: axis out of bounds for {x.type}")
            n_shifts = 1 if shift.ndim == 0 else shift.type.shape[0]
            if n_shifts not in (None, 1, len(self.axis)) and len(self.axis) != 1:
                raise ValueError(f"{self}: shape mismatch: {n_shifts} shifts for "
                                 f"{len(self.axis)} axes cannot be broadcast together")
        return Apply.build(self, [x, shift], [TensorType(x.dtype, x.type.shape)])

    def perform(self, x: np.ndarray, shift: np.ndarray) -> np.ndarray:
        return np.asarray(np.roll(x, shift, axis=self.axis))

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:

        return [self(cotangents[0], neg(inputs[1])), None]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [None if tangents[0] is None else self(tangents[0], inputs[1])]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        return [input_shapes[0]]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        if self.axis is None or batched[1]:
            raise NoBatchingRule(f"{self} cannot be batched")
        return [Roll(tuple(a + 1 for a in self.axis))(*inputs)]


def roll(x: Any, shift: Any, axis: int | Sequence[int] | None = None) -> TensorVariable:
    """``np.roll``: ``shift`` may be symbolic; ``axis`` an int, a tuple of ints or None."""
    x = as_tensor_variable(x)
    axes = None if axis is None else _axis_tuple(axis, x.ndim, "roll", unique=False)
    if isinstance(shift, (list, tuple)):
        shift = as_shape_vector(shift, "roll")
    return Roll(axes)(x, shift)


@dataclass(frozen=True)
class Flip(Op):
    """``np.flip``: ``x`` with the order of elements reversed along ``axis`` (a view)."""

    axis: tuple[int, ...]
    view_inputs = (0,)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if any(not 0 <= a < x.ndim for a in self.axis):
            raise np.exceptions.AxisError(f"{self}: axis out of bounds for {x.type}")
        return Apply.build(self, [x], [x.type])

    def perform(self, x: np.ndarray) -> np.ndarray:
        return x[tuple(slice(None, None, -1) if a in self.axis else slice(None)
                       for a in range(x.ndim))]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        return [self(cotangents[0])]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [None if tangents[0] is None else self(tangents[0])]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        return [input_shapes[0]]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        return [Flip(tuple(a + 1 for a in self.axis))(inputs[0])]


def flip(x: Any, axis: int | Sequence[int] | None = None) -> TensorVariable:
    """``np.flip``: reverse the order of elements along ``axis`` (all axes by default)."""
    x = as_tensor_variable(x)
    axes = tuple(range(x.ndim)) if axis is None else tuple(sorted(_axis_tuple(axis, x.ndim, "flip", True)))
    if not axes:
        return x
    return Flip(axes)(x)


def fliplr(x: Any) -> TensorVariable:
    """``np.fliplr``: reverse axis 1."""
    return flip(x, 1)


def flipud(x: Any) -> TensorVariable:
    """``np.flipud``: reverse axis 0."""
    return flip(x, 0)


__all__ = [
    "Join", "Split", "Tile", "Repeat", "Roll", "Flip",
    "concatenate", "join", "stack", "hstack", "vstack", "dstack", "column_stack", "split",
    "tile", "repeat", "roll", "flip", "fliplr", "flipud",
]
