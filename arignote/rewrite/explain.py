"""`explain`: which rules fired on which nodes, and why a graph looks as it does."""

from __future__ import annotations

from typing import Any

from arignote.graph import hooks
from arignote.graph.basic import Variable
from arignote.rewrite.optimize import optimize
from arignote.rewrite.trace import Trace


def explain(obj: Any, mode: Any = None) -> Trace:
    """The rewrite trace of a compiled function, or of compiling ``obj`` (variables).

    ``print(explain(f))`` lists each rule firing with the graph before and
    after, and the whole-graph passes with their node counts.

    ``obj`` is a compiled ``arignote.Function`` (read through its
    ``rewrite_trace``, ``unoptimized_outputs`` and ``mode``: the engine sits
    below the compile layer and does not import it) or variables.  A ``mode``
    name is resolved by the compile layer, through
    :data:`arignote.graph.hooks.get_mode`.
    """
    if hasattr(obj, "unoptimized_outputs"):  # a compiled function
        if obj.rewrite_trace is not None and mode is None:
            return obj.rewrite_trace
        outputs, chosen = obj.unoptimized_outputs, obj.mode if mode is None else hooks.get_mode(mode)
    else:
        outputs = [obj] if isinstance(obj, Variable) else list(obj)
        chosen = hooks.get_mode(mode)
    trace = Trace()
    optimize(outputs, chosen.optimizer, chosen.include, chosen.exclude, trace)
    return trace
