"""`Variable.eval`: compile once per (variable, inputs) and evaluate."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from arignote.graph.basic import Variable

# A small LRU of compiled evaluations; bounded so it never keeps many dead graphs alive.
_CACHE_SIZE = 64
_cache: OrderedDict[tuple[Variable, ...], Any] = OrderedDict()


def evaluate(var: Variable, inputs_to_values: dict | None = None) -> Any:
    """The value of ``var`` given values for its inputs (keys: variables or their names)."""
    from arignote.compile.function import function
    from arignote.graph.traversal import graph_inputs

    inputs_to_values = dict(inputs_to_values or {})
    if any(isinstance(k, str) for k in inputs_to_values):
        by_name = {v.name: v for v in graph_inputs([var]) if v.name}
        resolved = {}
        for key, value in inputs_to_values.items():
            if isinstance(key, str):
                if key not in by_name:
                    raise ValueError(f"eval: the graph has no input named {key!r}")
                key = by_name[key]
            resolved[key] = value
        inputs_to_values = resolved
    key = (var, *inputs_to_values)
    compiled = _cache.get(key)
    if compiled is None:
        compiled = function(list(inputs_to_values), var, on_unused_input="ignore")
        _cache[key] = compiled
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return compiled(*inputs_to_values.values())
