"""Lowerings of ``unravel_index`` and ``ravel_multi_index`` (``arignote.tensor.flat_index``).

``dims`` is static (a shape, known while tracing).  NumPy raises on an
index outside the array where JAX would clamp it, so mode 'raise' becomes a
run-time check; 'wrap' and 'clip' are computed as NumPy defines them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.flat_index import RavelMultiIndex, UnravelIndex


def _strides(dims: tuple[int, ...], order: str) -> list[int]:
    """The flat distance between neighbours along each axis, in C or Fortran order."""
    walk = dims[::-1] if order == "C" else dims
    strides, step = [], 1
    for n in walk:
        strides.append(step)
        step *= n
    return strides[::-1] if order == "C" else strides


@jax_impl.register(UnravelIndex, static=(1,))
def _unravel_index(op: UnravelIndex, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    ctx.needs_checks()

    def run(indices: Any, dims: np.ndarray) -> Any:
        shape = tuple(int(d) for d in dims)
        if any(n < 0 for n in shape):
            raise ValueError(f"unravel_index: dimensions must be non-negative, got {shape}")
        size = int(np.prod(shape, dtype=np.int64))
        indices = jnp.asarray(indices).astype(np.int64)
        ctx.check(jnp.all((indices >= 0) & (indices < size)), ValueError,
                  f"unravel_index: an index is out of bounds for an array of size {size}")
        found = tuple((indices // stride) % n if n else indices * 0
                      for stride, n in zip(_strides(shape, op.order), shape))
        # one output is returned as itself (a tuple means several outputs)
        return found[0] if len(found) == 1 else found
    return run


@jax_impl.register(RavelMultiIndex, static_of=lambda node: (len(node.inputs) - 1,))
def _ravel_multi_index(op: RavelMultiIndex, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    if "raise" in op.modes:
        ctx.needs_checks()

    def run(*inputs: Any) -> Any:
        *indices, dims = inputs
        shape = tuple(int(d) for d in dims)
        flat = jnp.zeros((), np.int64)
        for index, n, stride, mode in zip(indices, shape, _strides(shape, op.order), op.modes):
            index = jnp.asarray(index).astype(np.int64)
            if mode == "raise":
                ctx.check(jnp.all((index >= 0) & (index < n)), ValueError,
                          "ravel_multi_index: invalid entry in coordinates array")
            elif mode == "wrap":
                index = index % n
            else:
                index = jnp.clip(index, 0, n - 1)
            flat = flat + index * stride
        return jnp.broadcast_to(flat, np.broadcast_shapes(*[np.shape(i) for i in indices]))
    return run
