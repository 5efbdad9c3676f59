"""``IfElse`` on the JAX backend: ``lax.cond`` choosing between the branch values (which must
have the same shapes there: a traced condition cannot choose a shape)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
from jax import lax

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.ifelse import IfElse


@jax_impl.register(IfElse)
def _ifelse(op: IfElse, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    n = op.n_outs

    def run(cond: Any, *values: Any) -> Any:
        values = tuple(jnp.asarray(v) for v in values)
        for k in range(n):
            if values[k].shape != values[n + k].shape:
                raise ValueError(f"ifelse: output {k} has shape {values[k].shape} in the then-branch and "
                                 f"{values[n + k].shape} in the else-branch; branches must have the "
                                 "same shapes on the JAX backend (lax.cond), as on the py and C backends "
                                 "they need not")
        # the branches' values are computed by the time they are chosen; XLA removes the work
        # only one branch needs when it can
        chosen = lax.cond(jnp.asarray(cond).astype(bool), lambda v: v[:n], lambda v: v[n:], values)
        return chosen[0] if n == 1 else tuple(chosen)
    return run
