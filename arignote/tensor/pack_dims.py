"""Merging and splitting axes (PyTensor 3's ``pytensor.tensor.reshape`` helpers):
``join_dims``, ``split_dims``, and ``pack``/``unpack``, which flatten several tensors into one
(keeping some leading and trailing axes) and cut it back into the original shapes.

(The module is not named ``reshape``: that name is the tensor API's function.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from arignote.graph.basic import Constant, Variable
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import normalize_axis
from arignote.tensor.join import join, split
from arignote.tensor.reduction import prod
from arignote.tensor.shape import MakeVector, as_shape_vector, get_vector_length, reshape, shape_tuple
from arignote.tensor.shape_inference import mul_dims
from arignote.tensor.variable import TensorConstant, TensorVariable

__all__ = ["join_dims", "pack", "split_dims", "unpack"]


def join_dims(x: Any, start_axis: int = 0, n_axes: int | None = None) -> TensorVariable:
    """``x`` with its ``n_axes`` axes from ``start_axis`` merged into one (all axes from
    ``start_axis`` when None; ``n_axes=0`` inserts an axis of length 1 there)."""
    x = as_tensor_variable(x)
    ndim = x.ndim
    if start_axis < 0:
        start_axis += max(1, ndim)  # a scalar counts as having one axis
    if not 0 <= start_axis <= ndim:
        raise IndexError(f"join_dims: axis {start_axis} is out of bounds for an array of dimension {ndim}")
    if n_axes is None:
        n_axes = ndim - start_axis
    if n_axes < 0 or start_axis + n_axes > ndim:
        raise ValueError(f"join_dims: cannot merge {n_axes} axes from axis {start_axis} of a "
                         f"{ndim}-d array")
    lengths = shape_tuple(x)
    merged = mul_dims(*lengths[start_axis:start_axis + n_axes]) if n_axes else 1
    new_shape = [*lengths[:start_axis], merged, *lengths[start_axis + n_axes:]]
    return reshape(x, new_shape, ndim=len(new_shape))


def _shape_entries(new_shape: Any) -> list[Any]:
    if isinstance(new_shape, (int, np.integer)):
        return [int(new_shape)]
    if isinstance(new_shape, (Variable, np.ndarray)):
        vector = as_tensor_variable(new_shape)
        if vector.ndim == 0:
            return [vector]
        if vector.ndim != 1 or vector.type.numpy_dtype.kind not in "iu":
            raise TypeError(f"split_dims: the shape must be an int vector, got {vector.type}")
        # a constant or a vector of scalars (what pack returns) gives its entries as they are,
        # so static lengths stay static
        if isinstance(vector, Constant):
            return [int(n) for n in vector.data]
        if vector.owner is not None and isinstance(vector.owner.op, MakeVector):
            return list(vector.owner.inputs)
        return [vector[i] for i in range(get_vector_length(vector))]
    return list(new_shape)


def split_dims(x: Any, shape: Any, axis: int = 0) -> TensorVariable:
    """``x`` with its axis ``axis`` split into axes of lengths ``shape`` (a sequence, an int
    vector, or one int); ``shape=()`` drops an axis of length 1."""
    x = as_tensor_variable(x)
    axis = normalize_axis(axis, x.ndim)
    entries = _shape_entries(shape)
    lengths = shape_tuple(x)
    new_shape = [*lengths[:axis], *entries, *lengths[axis + 1:]]
    return reshape(x, new_shape, ndim=len(new_shape))


def _kept_axes(keep_axes: int | Sequence[int] | None) -> tuple[int, int]:
    """(axes kept before the packed ones, axes kept after them) for ``keep_axes``: none, or
    ``0, 1, ..., k`` (leading axes), ``-j, ..., -1`` (trailing axes), or leading then trailing.
    Any other choice would be ambiguous for tensors of different ranks."""
    if keep_axes is None:
        return 0, 0
    axes: list[int] = [keep_axes] if isinstance(keep_axes, (int, np.integer)) else list(keep_axes)
    if not isinstance(keep_axes, (int, np.integer)) and not isinstance(keep_axes, Iterable):
        raise TypeError("keep_axes must be an int, a sequence of ints, or None")
    if not axes:
        raise ValueError("keep_axes=[] is ambiguous; use None to pack all axes")
    if len(set(axes)) != len(axes):
        raise ValueError(f"keep_axes must not repeat an axis, got {axes}")
    leading = [a for a in axes if a >= 0]
    trailing = [a for a in axes if a < 0]
    if axes != leading + trailing:
        raise ValueError(f"keep_axes: the negative axes must come after the positive ones, got {axes}")
    for part, first, last in ((leading, 0, None), (trailing, None, -1)):
        if any(b != a + 1 for a, b in pairwise(part)):
            raise ValueError(f"keep_axes: the axes must be consecutive and increasing, got {axes}")
        if part and first is not None and part[0] != first:
            raise ValueError(f"keep_axes: kept leading axes must start at 0 (to keep axes counted "
                             f"from the end use negative axes), got {axes}")
        if part and last is not None and part[-1] != last:
            raise ValueError(f"keep_axes: kept trailing axes must end at -1, got {axes}")
    return len(leading), len(trailing)


def pack(*tensors: Any, keep_axes: int | Sequence[int] | None = None
         ) -> tuple[TensorVariable, list[TensorVariable | TensorConstant]]:
    """Join ``tensors`` into one: each has its axes other than ``keep_axes`` merged into one,
    and they are concatenated along it.  Returns the packed tensor and, per tensor, the int
    vector of the merged axes' lengths (what `unpack` needs).

    ``keep_axes``: None (flatten everything: ``concatenate([t.ravel() for t in tensors])``),
    leading axes ``0, ..., k``, trailing axes ``-j, ..., -1``, or both; kept axes must have
    the same lengths in every tensor.
    """
    if not tensors:
        raise ValueError("pack needs at least one tensor")
    before, after = _kept_axes(keep_axes)
    packed: list[TensorVariable] = []
    shapes: list[TensorVariable | TensorConstant] = []
    for k, t in enumerate(tensors):
        t = as_tensor_variable(t)
        if t.ndim < before + after:
            raise ValueError(f"pack: input {k} has {t.ndim} dimensions, but keep_axes={keep_axes} "
                             f"needs at least {before + after}")
        n_packed = t.ndim - before - after
        shapes.append(as_shape_vector(list(shape_tuple(t)[before:before + n_packed])))
        packed.append(join_dims(t, before, n_packed))
    return join(before, *packed), shapes


def unpack(packed_input: Any, packed_shapes: Sequence[Any], keep_axes: int | Sequence[int] | None = None
           ) -> list[TensorVariable]:
    """The inverse of `pack`: ``packed_input`` cut along its packed axis into tensors with the
    merged axes of lengths ``packed_shapes`` (one int vector or sequence per tensor)."""
    packed_input = as_tensor_variable(packed_input)
    before, after = _kept_axes(keep_axes)
    if packed_input.ndim != before + after + 1:
        raise ValueError(f"unpack: the input must have one axis more than keep_axes={keep_axes} keeps "
                         f"({before + after + 1}), got {packed_input.type}")
    if not packed_shapes:
        raise ValueError("unpack needs at least one shape")
    if len(packed_shapes) == 1:
        parts = [packed_input]
    else:
        sizes = [prod(as_tensor_variable(s), dtype="int64") if _is_vector(s)
                 else mul_dims(*s) if len(s) else 1 for s in packed_shapes]
        parts = split(packed_input, sizes, len(packed_shapes), axis=before)
    return [split_dims(part, s, before) for part, s in zip(parts, packed_shapes)]


def _is_vector(s: Any) -> bool:
    return isinstance(s, (Variable, np.ndarray))
