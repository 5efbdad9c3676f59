"""`Variable.eval`: compile once per (variable, inputs) and evaluate."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from arignote.compile.function import function
from arignote.graph.basic import Variable
from arignote.graph.traversal import graph_inputs

# A small LRU of compiled evaluations, shared by the whole process (a cache, not state of
# one compilation); bounded so it never keeps many dead graphs alive.  Its reads and writes
# hold the lock, as threads may evaluate at once (one could evict what another moves to the
# end); compiling does not, so two threads may compile the same key and either result stays.
_CACHE_SIZE = 64
_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_cache_lock = threading.Lock()


def evaluate(var: Variable, inputs_to_values: dict | None = None, **function_kwargs: Any) -> Any:
    """The value of ``var`` given values for its inputs (keys: variables or their names);
    ``function_kwargs`` (``mode=``...) go to :func:`function`."""
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
    cache_key: tuple[Any, ...] = (var, *inputs_to_values, *sorted(function_kwargs.items()))
    try:
        hash(cache_key)
    except TypeError:  # an unhashable keyword value: compile without the cache
        return function(list(inputs_to_values), var, on_unused_input="ignore",
                        **function_kwargs)(*inputs_to_values.values())
    with _cache_lock:
        compiled = _cache.get(cache_key)
        if compiled is not None:
            _cache.move_to_end(cache_key)
    if compiled is None:
        compiled = function(list(inputs_to_values), var, **{"on_unused_input": "ignore", **function_kwargs})
        with _cache_lock:
            _cache[cache_key] = compiled
            if len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return compiled(*inputs_to_values.values())
