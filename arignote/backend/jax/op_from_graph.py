"""``OpFromGraph`` on the JAX backend: its graph, translated where the node is (rewriting
inlines such nodes before JAX sees them; this runs a graph compiled without rewriting)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arignote.backend.jax.plan import make_plan
from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.backend.jax.translate import translate
from arignote.graph.basic import Apply
from arignote.tensor.op_from_graph import OpFromGraph


@jax_impl.register(OpFromGraph)
def _op_from_graph(op: OpFromGraph, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    static = [v for v, flag in zip(op.inner_inputs, ctx.static) if flag]
    plan = make_plan(op.inner_inputs, op.inner_outputs, jax_impl, static)
    translation = translate(plan, op.inner_inputs, op.inner_outputs, checks=ctx.checks_enabled,
                            check=ctx._check, embed_all_constants=True)
    ctx.children.extend(translation.contexts)
    if translation.has_checks:
        ctx.needs_checks()
    single = len(op.inner_outputs) == 1

    def run(*values: Any) -> Any:
        results = translation.fn(*values)
        return results[0] if single else tuple(results)
    return run
