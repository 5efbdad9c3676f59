"""``rewrite_graph``: PyTensor's documented way to apply rewrites to a graph and look at it.

The rewrites are the engine's (the rule library's phases: ``canonicalize``, ``stabilize``,
``specialize``, ``fusion``); it is reached through a hook (``arignote.compile`` installs it)
because this module sits in the graph layer, below the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.graph import hooks
from arignote.graph.basic import Variable
from arignote.graph.fg import FunctionGraph
from arignote.graph.rewriting.basic import _as_graph_rewriter

__all__ = ["rewrite_graph"]


def rewrite_graph(graph: Any, include: Sequence[str] = ("canonicalize",), custom_rewrite: Any = None,
                  clone: bool = False, exclude: Sequence[str] = (), **_pytensor_options: Any) -> Any:
    """``graph`` (a variable, a list of them, or a ``FunctionGraph``) rewritten by the phases
    named in ``include`` (``"fast_run"``: all of them), without the rules, passes or tags named
    in ``exclude``, then by ``custom_rewrite`` (a node rewriter, ``node_rewriter``, or a graph
    rewriter such as ``out2in(...)``: :mod:`arignote.graph.rewriting.basic`); returns the same
    kind of thing."""
    extra = None if custom_rewrite is None else _as_graph_rewriter(custom_rewrite)
    if isinstance(graph, FunctionGraph):
        outputs = list(graph.outputs)
    elif isinstance(graph, Variable):
        outputs = [graph]
    else:
        outputs = list(graph)
    rewritten = hooks.rewrite_phases(outputs, tuple(include), tuple(exclude)) if include else outputs
    if extra is not None:
        view = graph.clone() if isinstance(graph, FunctionGraph) else FunctionGraph(outputs=outputs)
        view.outputs = list(rewritten)
        extra.rewrite(view)
        rewritten = view.outputs
    if isinstance(graph, FunctionGraph):
        result = graph if not clone else graph.clone()
        result.outputs = list(rewritten)
        return result
    if isinstance(graph, Variable):
        return rewritten[0]
    return list(rewritten)
