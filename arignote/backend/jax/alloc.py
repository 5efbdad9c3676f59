"""Lowerings of the ops that build arrays: alloc, broadcast_to, arange, eye, tri.

Their shapes must be known while JAX traces, so the shape inputs are static.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.alloc import Alloc, ARange, BroadcastTo, Eye, Tri, check_no_runtime_stretch


def _target(op: Any, shape: np.ndarray, ndim: int) -> tuple[int, ...]:
    if shape.shape != (ndim,):
        raise ValueError(f"the shape has {shape.size} entries, expected {ndim}")
    target = tuple(int(n) for n in shape)
    if any(n < 0 for n in target):
        raise ValueError(f"negative dimensions are not allowed (shape {target})")
    return target


def _broadcast(value: Any, target: tuple[int, ...]) -> Any:
    shape = np.shape(value)
    fits = len(shape) <= len(target) and all(s in (1, t) for s, t in zip(shape[::-1], target[::-1]))
    if not fits:  # NumPy's error (JAX's is worded differently)
        raise ValueError(f"operands could not be broadcast together with remapped shapes "
                         f"[original->remapped]: {shape} and requested shape {target}")
    return jnp.broadcast_to(value, target)


@jax_impl.register(Alloc, BroadcastTo, static=(1,))
def _alloc(op: Alloc, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    ndim = op.ndim
    static = node.inputs[0].type.shape

    def run(value: Any, shape: Any) -> Any:
        target = _target(op, shape, ndim)
        # shapes are concrete while tracing: the same check as on py and C
        check_no_runtime_stretch(op, static, np.shape(value), target)
        return _broadcast(value, target)
    return run


@jax_impl.register(ARange, static=(0, 1, 2))
def _arange(op: ARange, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    # the bounds are static: NumPy computes the exact values (and the length) once
    return lambda start, stop, step: jnp.asarray(op.perform(start, stop, step))


@jax_impl.register(Eye, Tri, static=(0, 1, 2))
def _eye(op: Eye, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    builder = jnp.eye if isinstance(op, Eye) else jnp.tri
    dtype = op.dtype

    def run(n: np.ndarray, m: np.ndarray, k: np.ndarray) -> Any:
        if int(n) < 0 or int(m) < 0:
            raise ValueError(f"negative dimensions are not allowed ({int(n)}, {int(m)})")
        return builder(int(n), int(m), int(k), dtype=dtype)
    return run
