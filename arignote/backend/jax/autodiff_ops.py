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


def _lengths(node: Apply) -> tuple[int, ...]:
    return tuple(range(1, len(node.inputs)))


@jax_impl.register(SumTo, static_of=_lengths)
def _sum_to(op: SumTo, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    def run(x: Any, *lengths: np.ndarray) -> Any:
        x = jnp.asarray(x)
        target = tuple(int(n) for n in lengths)
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
