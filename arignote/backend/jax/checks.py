"""JAX lowering of run-time assertions (``CheckAndRaise``): the conditions known while tracing
are checked then; the others become a run-time check raising the op's exception."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.check_and_raise import CheckAndRaise


@jax_impl.register(CheckAndRaise)
def _jax_check(op: CheckAndRaise, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    if not all(ctx.is_static(i) for i in range(1, len(node.inputs))):
        ctx.needs_checks()
    message = op.msg.replace("{", "{{").replace("}", "}}")  # ctx.check formats its message

    def run(value: Any, *conds: Any) -> Any:
        import jax.numpy as jnp  # only when a function is compiled for JAX

        if not all(bool(c) for c in conds if isinstance(c, np.ndarray)):  # known while tracing
            raise op.exc_type(op.msg)
        dynamic = [jnp.asarray(c) for c in conds if not isinstance(c, np.ndarray)]
        if dynamic:
            ctx.check(jnp.all(jnp.stack(dynamic)), op.exc_type, message)
        return value
    return run
