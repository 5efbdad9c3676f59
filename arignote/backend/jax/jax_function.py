"""A JAX function wrapped as an op (``wrap_jax``) on the JAX backend: traced in place, so XLA
fuses it with the rest of the program."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.from_jax import JaxFunctionOp


@jax_impl.register(JaxFunctionOp)
def _jax_function(op: JaxFunctionOp, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    single = len(node.outputs) == 1

    def run(*values: Any) -> Any:
        results = op.fn(*values)
        return results[0] if single else tuple(results)
    return run
