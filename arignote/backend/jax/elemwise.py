"""Lowering of `Elemwise` (plain and fused composite nodes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.backend.jax.scalar import NO_JAX_FUNCTION, scalar_function, supports
from arignote.graph.basic import Apply
from arignote.tensor.broadcasting import run_time_check
from arignote.tensor.elemwise import Elemwise


def check_broadcast(*values: Any) -> None:
    """ValueError with NumPy's message when the shapes of ``values`` do not broadcast.

    Shapes are static while JAX traces, so this costs nothing at run time and
    replaces JAX's TypeError by the error NumPy (and the other backends) raise.
    """
    shapes = [np.shape(v) for v in values]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        text = " ".join(str(s) for s in shapes)
        raise ValueError(f"operands could not be broadcast together with shapes {text}") from None


def _why_unsupported(node: Apply) -> str | None:
    if supports(node.op.scalar_op):
        return None
    why = NO_JAX_FUNCTION.get(type(node.op.scalar_op))
    return f"its scalar op {node.op.scalar_op} has no JAX implementation" + (f": {why}" if why else "")


@jax_impl.register(Elemwise, unsupported=_why_unsupported)
def _elemwise(op: Elemwise, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    fn = scalar_function(op.scalar_op, [v.type.numpy_dtype for v in node.inputs],
                         [v.type.numpy_dtype for v in node.outputs], ctx)
    several = len(node.outputs) > 1
    # only statically-1 lengths stretch (arignote.tensor.broadcasting); shapes are
    # static while JAX traces, so the check costs nothing at run time
    static_rule = run_time_check([v.type.shape for v in node.inputs], op)

    def run(*xs: Any) -> Any:
        if len(xs) > 1:
            check_broadcast(*xs)
            if static_rule is not None:
                static_rule(xs)
        result = fn(*xs)
        if several:
            return tuple(jnp.asarray(r) for r in result)
        return result
    return run
