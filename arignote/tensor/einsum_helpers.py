"""PyTensor's helpers of ``tensor.einsum``: ``_iota`` (``arange`` along one axis of a shape),
``_delta`` (Kronecker delta tensors) and ``_general_dot`` (``tensordot`` with batch axes)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from typing import Any

from arignote.tensor.alloc import arange, broadcast_to
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.blockwise import blockwise, format_signature
from arignote.tensor.dimshuffle import expand_dims, moveaxis, normalize_axis
from arignote.tensor.join import stack
from arignote.tensor.math import and_, eq
from arignote.tensor.products import TensorDot, tensordot
from arignote.tensor.variable import TensorVariable

__all__ = ["_delta", "_general_dot", "_iota"]


def _entries(shape: Any) -> list[Any]:
    if isinstance(shape, (tuple, list)):
        return list(shape)
    vector = as_tensor_variable(shape)
    length = vector.type.shape[0] if vector.ndim == 1 else None
    if length is None:
        raise ValueError(f"a shape of known length is needed, got {vector.type}")
    return [vector[i] for i in range(length)]


def _iota(shape: Any, axis: int) -> TensorVariable:
    """An int64 array of ``shape`` counting 0, 1, ... along ``axis`` (constant along the others)."""
    dims = _entries(shape)
    axis = normalize_axis(axis, len(dims)) if dims else 0
    values = arange(dims[axis])
    return broadcast_to(expand_dims(values, list(range(1, len(dims) - axis))), dims)


def _delta(shape: Any, axes: Sequence[int]) -> TensorVariable:
    """A bool array of ``shape``, True where the indices along all of ``axes`` are equal
    (a Kronecker delta; constant along the other axes)."""
    if len(axes) < 2:
        raise ValueError("Need at least two axes to create a delta tensor")
    dims = _entries(shape)
    base = stack([as_tensor_variable(dims[a]) for a in axes])
    iotas = [_iota(base, i) for i in range(len(axes))]
    result = reduce(and_, [eq(a, b) for a, b in zip(iotas, iotas[1:])])
    others = [i for i in range(len(dims)) if i not in axes]
    return broadcast_to(expand_dims(result, others) if others else result, dims)


def _general_dot(vars: tuple[Any, Any], axes: Sequence[Sequence[int]],
                 batch_axes: Sequence[Sequence[int]]) -> TensorVariable:
    """``tensordot`` of the two tensors along ``axes``, looped over their ``batch_axes`` (which
    broadcast together and come first in the result)."""
    lhs, rhs = (as_tensor_variable(v) for v in vars)
    if not batch_axes[0] and not batch_axes[1]:
        return tensordot(lhs, rhs, axes=[list(axes[0]), list(axes[1])])
    operands, core_axes = [], []
    for x, x_axes, x_batch in zip((lhs, rhs), axes, batch_axes):
        x_batch = [normalize_axis(a, x.ndim) for a in x_batch]
        x_axes = [normalize_axis(a, x.ndim) for a in x_axes]
        x = moveaxis(x, x_batch, list(range(len(x_batch))))
        # where each contracted axis went, counted in the core (non-batch) axes
        rest = [a for a in range(x.ndim) if a not in x_batch]
        operands.append(x)
        core_axes.append([rest.index(a) for a in x_axes])
    cores = [x.ndim - len(b) for x, b in zip(operands, batch_axes)]
    sig_in = [[f"l{i}" for i in range(cores[0])], [f"r{i}" for i in range(cores[1])]]
    for k, (la, ra) in enumerate(zip(*core_axes)):
        sig_in[0][la] = sig_in[1][ra] = f"a{k}"
    sig_out = [d for d in sig_in[0] if d[0] == "l"] + [d for d in sig_in[1] if d[0] == "r"]
    op = TensorDot(tuple(core_axes[0]), tuple(core_axes[1]))
    signature = format_signature([tuple(s) for s in sig_in], [tuple(sig_out)])
    return blockwise(op, *operands, signature=signature)
