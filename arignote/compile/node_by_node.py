"""A rewritten graph run one node at a time, with observers between nodes.

A linked program runs its graph as a whole (the C backend from start to end in C), so
nothing can look at a node's values while it runs.  Profiling (``function(profile=True)``),
``NanGuardMode`` and ``DebugMode`` need exactly that: here each node of the rewritten graph
is linked alone, by the mode's linker, and the nodes run in order from Python, each
observer seeing every node's inputs and outputs.  The kernels are the mode's own (a C
kernel is the one the whole program would call), but values go through Python between
nodes and buffers are not reused, so a call costs more than the program's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.replace import graph_replace
from arignote.graph.traversal import toposort

__all__ = ["NodeByNodeProgram", "NodeObserver"]


class NodeObserver(Protocol):
    """Something told about every node a call runs."""

    def before(self, node: Apply, inputs: Sequence[Any]) -> Any:
        """Called before the node runs; the result is given back to :meth:`after`."""

    def after(self, node: Apply, inputs: Sequence[Any], outputs: Sequence[Any], token: Any) -> None:
        """Called after the node ran, with its input and output values."""


def _alone(node: Apply) -> tuple[list[Variable], list[Variable]]:
    """The node as a graph of its own: fresh inputs of the same types (constants kept)."""
    fresh: list[Variable] = []
    replace: dict[Variable, Variable] = {}
    for var in node.inputs:
        if isinstance(var, Constant) or var in replace:
            continue
        new = var.type()
        replace[var] = new
        fresh.append(new)
    if not replace:
        return fresh, list(node.outputs)
    return fresh, list(graph_replace(list(node.outputs), replace, strict=False))


class NodeByNodeProgram:
    """``outputs`` from ``inputs``, each node linked alone by ``link_one`` and run in
    topological order; every observer sees every node (see the module docstring)."""

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 link_one: Callable[[list[Variable], list[Variable]], Any],
                 observers: Sequence[NodeObserver]) -> None:
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.observers = list(observers)
        self.nodes = toposort(self.outputs)
        for observer in self.observers:
            attach = getattr(observer, "attach", None)
            if attach is not None:  # an observer that wants the whole graph (MonitorMode's)
                attach(self.inputs, self.outputs, self.nodes)
        self._steps = []
        for node in self.nodes:
            fresh, node_outputs = _alone(node)
            feeds = [var for var in node.inputs if not isinstance(var, Constant)]
            # one value per fresh input: a variable read twice by the node is one input
            feeds = list(dict.fromkeys(feeds))
            self._steps.append((node, feeds, link_one(fresh, node_outputs)))
        self._failed: Apply | None = None

    def __call__(self, *values: Any) -> list[Any]:
        env: dict[Variable, Any] = dict(zip(self.inputs, values))
        for node, feeds, program in self._steps:
            args = [env[v] for v in feeds]
            node_inputs = [v.data if isinstance(v, Constant) else env[v] for v in node.inputs]
            tokens = [observer.before(node, node_inputs) for observer in self.observers]
            try:
                results = program(*args)
            except Exception:
                self._failed = node
                raise
            for observer, token in zip(self.observers, tokens):
                observer.after(node, node_inputs, results, token)
            env.update(zip(node.outputs, results))
        return [var.data if isinstance(var, Constant) else env[var] for var in self.outputs]

    run = __call__

    def node_at_failure(self, exc: BaseException) -> Apply | None:
        """The node whose program raised (for the function's error message)."""
        return self._failed
