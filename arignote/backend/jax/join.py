"""Lowerings of joining and rearranging: concatenate, split, tile, repeat, roll, flip.

Split sizes, tile and repeat counts decide output shapes, so they are static.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.join import Flip, Join, Repeat, Roll, Split, Tile


@jax_impl.register(Join)
def _join(op: Join, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = node.outputs[0].type.numpy_dtype
    axis = op.axis

    def run(*tensors: Any) -> Any:
        first = np.shape(tensors[0])
        for position, t in enumerate(tensors[1:], 1):
            shape = np.shape(t)
            for dim, (a, b) in enumerate(zip(first, shape)):
                if dim != axis and a != b:  # NumPy's error (JAX raises a TypeError)
                    raise ValueError(f"all the input array dimensions except for the concatenation "
                                     f"axis must match exactly, but along dimension {dim}, the array "
                                     f"at index 0 has size {a} and the array at index {position} "
                                     f"has size {b}")
        return jnp.concatenate([jnp.asarray(t).astype(dtype) for t in tensors], axis=axis)
    return run


@jax_impl.register(Split, static=(1,))
def _split(op: Split, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    def run(x: Any, splits: np.ndarray) -> Any:
        length = np.shape(x)[op.axis]
        if splits.shape != (op.n_splits,):
            raise ValueError(f"got {splits.size} split sizes for {op.n_splits} parts")
        if (splits < 0).any() or int(splits.sum()) != length:
            raise ValueError(f"the split sizes {splits.tolist()} do not add up to the length "
                             f"{length} of axis {op.axis} (or are negative)")
        parts = jnp.split(jnp.asarray(x), np.cumsum(splits[:-1]).tolist(), axis=op.axis)
        return parts[0] if op.n_splits == 1 else tuple(parts)
    return run


@jax_impl.register(Tile, static=(1,))
def _tile(op: Tile, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    def run(x: Any, reps: np.ndarray) -> Any:
        if (reps < 0).any():
            raise ValueError(f"negative dimensions are not allowed (reps {reps.tolist()})")
        return jnp.tile(jnp.asarray(x), tuple(int(r) for r in reps))
    return run


@jax_impl.register(Repeat, static=(1,))
def _repeat(op: Repeat, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    def run(x: Any, repeats: np.ndarray) -> Any:
        counts = np.asarray(repeats, dtype=np.int64)
        if (counts < 0).any():
            raise ValueError("negative dimensions are not allowed")
        shape = np.shape(x)
        length = int(np.prod(shape, dtype=np.int64)) if op.axis is None else shape[op.axis]
        if counts.ndim == 1 and counts.size not in (1, length):
            raise ValueError(f"operands could not be broadcast together with shape ({length},) "
                             f"({counts.size},)")
        if counts.ndim == 1 and counts.size == 1:
            counts = counts.reshape(())
        total = int(counts) * length if counts.ndim == 0 else int(counts.sum())
        return jnp.repeat(jnp.asarray(x), counts, axis=op.axis, total_repeat_length=total)
    return run


@jax_impl.register(Roll)
def _roll(op: Roll, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    axis = op.axis

    def run(x: Any, shift: Any) -> Any:
        x = jnp.asarray(x)
        if axis is None:
            shift = jnp.sum(jnp.asarray(shift))  # NumPy adds the shifts of the flattened array
            return jnp.roll(x.reshape(-1), shift, axis=0).reshape(x.shape)
        return jnp.roll(x, shift, axis=axis)
    return run


@jax_impl.register(Flip)
def _flip(op: Flip, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    return lambda x: jnp.flip(x, axis=op.axis)
