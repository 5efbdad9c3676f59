"""The lowering of ``Blockwise``: the core op's own lowering under ``jnp.vectorize``.

The core op is lowered through the registry on the Blockwise node's core node
(its inputs' core-rank stand-ins), and ``jnp.vectorize`` with the node's
signature maps it over the batch dims (a ``vmap`` per batch dim, so XLA sees
one batched computation, not a loop).  Inputs the core lowering needs while
tracing (a shape, a slice bound) are passed through unvectorized; such an
input may not vary along the batch.

``jnp.vectorize`` broadcasts as NumPy does (any length 1 stretches), so the
shapes are checked first as the NumPy implementation checks them: only a
statically-1 batch length stretches, and core dims of one name agree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from arignote.backend.jax.plan import VALUE_SHAPED
from arignote.backend.jax.registry import LoweringContext, ShapeDependsOnValues, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.blockwise import Blockwise, format_signature
from arignote.tensor.blockwise_perform import ShapeChecker


def _static_positions(node: Apply) -> tuple[int, ...]:
    """The inputs the core lowering needs while tracing (none when it has no lowering)."""
    op = node.op
    entry = jax_impl.entry(op.core_op)
    if entry is None:
        return ()
    return tuple(entry.static_inputs(op.core_node(node.inputs)))


def _why_unsupported(node: Apply) -> str | None:
    op = node.op
    if isinstance(op.core_op, VALUE_SHAPED):
        return ShapeDependsOnValues(f"the length of the core op's result ({op.core_op}) depends on "
                                    f"the values in its input; JAX must know every shape while tracing")
    entry = jax_impl.entry(op.core_op)
    if entry is None:
        return f"the JAX backend has no implementation of its core op {op.core_op}"
    reason = entry.why_unsupported(op.core_node(node.inputs))
    if reason is not None:
        return reason
    batch_ndims = op.batch_ndims(node.inputs)
    varying = [p for p in _static_positions(node) if batch_ndims[p]]
    if varying:
        return ShapeDependsOnValues(f"input(s) {varying} decide the shape of the core op's result, so "
                                    f"JAX must know them while tracing, but they vary along the batch")
    return None


@jax_impl.register(Blockwise, static_of=_static_positions, unsupported=_why_unsupported)
def _blockwise(op: Blockwise, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    core = op.core_node(node.inputs)
    entry = jax_impl.entry(op.core_op)
    assert entry is not None  # _why_unsupported ruled it out
    static = set(_static_positions(node))
    in_dims, out_dims = op.dims
    mapped = [p for p in range(len(node.inputs)) if p not in static]
    # under jnp.vectorize the mapped inputs are traced values, even those known here: the
    # core lowering must not take them for NumPy ones (it would skip its run-time checks)
    core_ctx = dataclasses.replace(ctx, static=tuple(ctx.is_static(p) and p in static
                                                     for p in range(len(node.inputs))),
                                   declared=False, check_kinds=[], children=[])
    ctx.children.append(core_ctx)
    core_fn = entry.lower(op.core_op, core, core_ctx)
    if core_ctx.declared:
        ctx.needs_checks()
    signature = format_signature([in_dims[p] for p in mapped], out_dims)
    several = len(node.outputs) > 1
    dtypes = [o.type.numpy_dtype for o in node.outputs]
    check = ShapeChecker(node)

    def run(*values: Any) -> Any:
        check([np.shape(v) for v in values])  # shapes are known while tracing

        def core_call(*dynamic: Any) -> Any:
            args = list(values)
            for position, value in zip(mapped, dynamic):
                args[position] = value
            result = core_fn(*args)
            return tuple(result) if several else result

        if not mapped:  # every input is static: nothing varies along a batch
            result = core_call()
        else:
            result = jnp.vectorize(core_call, signature=signature)(*[jnp.asarray(values[p]) for p in mapped])
        parts = list(result) if several else [result]
        parts = [jnp.asarray(p).astype(d) for p, d in zip(parts, dtypes)]
        return parts if several else parts[0]
    return run
