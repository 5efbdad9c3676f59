"""Random draws on the JAX backend: not yet (issue 15's JAX part), with the reason said.

JAX draws from ``jax.random`` keys, which a graph must thread as values (a shared generator
becoming a key held by the function); until that lands, compiling a draw for JAX raises
``JaxCompileError`` naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.random.op import RandomVariable


def _not_yet(node: Apply) -> str:
    return (f"random draws ({node.op}) do not run on the JAX backend yet: JAX draws from "
            "jax.random keys threaded through the graph; use the C or py backend")


@jax_impl.register(RandomVariable, unsupported=_not_yet)
def _draw(op: RandomVariable, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    raise NotImplementedError(_not_yet(node))
