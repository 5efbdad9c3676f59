"""Lowerings of the ops derivatives add: `SumTo` and the gradient-changing identities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from arignote.autodiff.gradient_ops import GradientOp
from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.sum_to import SumTo


@jax_impl.register(GradientOp)
def _gradient_op(op: GradientOp, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    return lambda x: x  # values pass through; only differentiation looks at these ops


@jax_impl.register(SumTo, static=(1,))
def _sum_to(op: SumTo, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    def run(x: Any, shape: np.ndarray) -> Any:
        x = jnp.asarray(x)
        target = tuple(int(n) for n in shape)
        if len(target) != op.ndim:
            raise ValueError(f"the shape has {len(target)} entries, expected {op.ndim}")
        lead = x.ndim - op.ndim
        axes = list(range(lead))
        for axis, want in enumerate(target):
            have = x.shape[lead + axis]
            if want == 1 and have != 1:
                axes.append(lead + axis)
            elif want != have:
                raise ValueError(f"cannot sum an array of shape {x.shape} to shape {target}")
        return jnp.sum(x, axis=tuple(axes)).reshape(target).astype(x.dtype)
    return run
