"""Lowerings of the shape ops: reading shapes, int vectors, reshape, dimshuffle.

Shapes are static while JAX traces, so ``Shape`` and ``ShapeI`` give NumPy
values: graphs that compute a shape from other shapes stay static, and the
ops that need a shape (reshape, alloc, ...) get it as a plain value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.shape import MakeVector, Reshape, Shape, ShapeI, SpecifyShape


@jax_impl.register(Shape)
def _shape(op: Shape, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    return lambda x: np.array(np.shape(x), dtype=np.int64)


@jax_impl.register(ShapeI)
def _shape_i(op: ShapeI, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    axis = op.axis
    return lambda x: np.asarray(np.shape(x)[axis], dtype=np.int64)


@jax_impl.register(MakeVector)
def _make_vector(op: MakeVector, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = np.dtype(op.dtype)

    def run(*scalars: Any) -> Any:
        if not scalars:
            return jnp.zeros((0,), dtype)
        return jnp.stack([jnp.asarray(s).astype(dtype) for s in scalars])
    return run


@jax_impl.register(Reshape, static=(1,))
def _reshape(op: Reshape, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    ndim = op.ndim

    def run(x: Any, shape: np.ndarray) -> Any:
        if shape.shape != (ndim,):
            raise ValueError(f"the shape has {shape.size} entries, expected {ndim}")
        target = tuple(int(n) for n in shape)
        _check_reshape(np.shape(x), target)  # NumPy's message (JAX raises a TypeError)
        return jnp.reshape(x, target)
    return run


def _check_reshape(shape: tuple[int, ...], target: tuple[int, ...]) -> None:
    size = int(np.prod(shape, dtype=np.int64))
    known = [n for n in target if n != -1]
    if any(n < -1 for n in target) or target.count(-1) > 1:
        raise ValueError(f"cannot reshape array of size {size} into shape {target}")
    product = int(np.prod(known, dtype=np.int64))
    if (-1 not in target and product != size) or (-1 in target and (product == 0 or size % product)):
        raise ValueError(f"cannot reshape array of size {size} into shape {target}")


@jax_impl.register(SpecifyShape)
def _specify_shape(op: SpecifyShape, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    if not all(ctx.is_static(i) for i in range(1, len(node.inputs))):
        ctx.needs_checks()
    def run(x: Any, *lengths: Any) -> Any:
        expected: list[Any] = list(op.shape)
        have = np.shape(x)
        dynamic = []
        for axis, n in zip(op.symbolic_axes, lengths):
            if isinstance(n, np.ndarray):
                expected[axis] = int(n)
            else:  # a length known only when the function runs
                expected[axis] = "{}"
                dynamic.append((axis, n))
        text = "(" + ", ".join(str(w) for w in expected) + ("," if len(expected) == 1 else "") + ")"
        if any(isinstance(w, int) and w != h for w, h in zip(expected, have)):
            raise ValueError(f"SpecifyShape: expected shape {text}, got {have}")
        if dynamic:
            ok = jnp.all(jnp.stack([jnp.asarray(n) == have[axis] for axis, n in dynamic]))
            ctx.check(ok, ValueError, f"SpecifyShape: expected shape {text}, got {have}",
                      *[jnp.asarray(n) for _, n in dynamic])
        return x
    return run


@jax_impl.register(DimShuffle)
def _dimshuffle(op: DimShuffle, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dropped = op.dropped
    kept = [d for d in op.new_order if isinstance(d, int)]  # the others are "x"
    remaining = [d for d in range(op.input_ndim) if d not in dropped]
    permutation = [remaining.index(d) for d in kept]
    new_axes = tuple(i for i, d in enumerate(op.new_order) if d == "x")
    identity_perm = permutation == list(range(len(permutation)))

    def run(x: Any) -> Any:
        x = jnp.asarray(x)
        if dropped:
            x = jnp.squeeze(x, axis=dropped)
        if not identity_perm:
            x = jnp.transpose(x, permutation)
        if new_axes:
            x = jnp.expand_dims(x, new_axes)
        return x
    return run
