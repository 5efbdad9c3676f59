"""`explain`: which rules fired on which nodes, and why a graph looks as it does."""

from __future__ import annotations

from typing import Any

from arignote.graph.basic import Variable
from arignote.rewrite.trace import Trace


def explain(obj: Any, mode: Any = None) -> Trace:
    """The rewrite trace of a compiled function, or of compiling ``obj`` (variables).

    ``print(explain(f))`` lists each rule firing with the graph before and
    after, and the whole-graph passes with their node counts.
    """
    from arignote.compile.function import Function
    from arignote.compile.mode import get_mode
    from arignote.rewrite.optimize import optimize

    if isinstance(obj, Function):
        if obj.rewrite_trace is not None and mode is None:
            return obj.rewrite_trace
        outputs, chosen = obj.unoptimized_outputs, obj.mode if mode is None else get_mode(mode)
    else:
        outputs = [obj] if isinstance(obj, Variable) else list(obj)
        chosen = get_mode(mode)
    trace = Trace()
    optimize(outputs, chosen.optimizer, chosen.include, chosen.exclude, trace)
    return trace
