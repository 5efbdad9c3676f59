"""``FunctionGraph``: PyTensor's view of a graph with its inputs and outputs.

arignote's graphs are immutable and interned, and a graph is its outputs (DESIGN.md section
2): there is no mutable graph object with features and listeners.  This class is the view a
PyTensor program expects: ``inputs``, ``outputs``, ``toposort()``, ``apply_nodes``,
``variables``, ``clients``; ``replace``/``replace_all`` rebind the view's outputs to the
graph with the replacement (nodes downstream of it are rebuilt, the others shared), and never
change a node; ``replace`` checks the replacement's type as PyTensor's does
(``var.type.filter_variable``).  ``clone`` is accepted and has nothing to copy; ``memo``, as
PyTensor's, maps each variable and node of the graph to the view's (the same ones here, or
their rebuilt forms where the memo given already maps a variable to a replacement).  ``features`` are attached
(``feature.on_attach(fgraph)``, PyTensor's protocol: e.g. ``ShapeFeature`` sets
``fgraph.shape_feature``); as the graph never changes, no other event reaches them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.replace import graph_replace, rebuild
from arignote.graph.traversal import graph_inputs, toposort

__all__ = ["FunctionGraph"]

#: a reader of a variable: ``(node, input position)`` or ``("output", position)``
Client = tuple[Apply | str, int]


class FunctionGraph:
    """The graph from ``inputs`` to ``outputs`` (inputs: the graph's own when None)."""

    def __init__(self, inputs: Sequence[Variable] | None = None, outputs: Sequence[Variable] | None = None,
                 features: Any = None, clone: bool = True, update_mapping: dict[int, int] | None = None,
                 name: str | None = None, memo: dict[Any, Any] | None = None,
                 **_pytensor_options: Any) -> None:
        self.outputs: list[Variable] = list(outputs or [])
        if inputs is None:
            inputs = [v for v in graph_inputs(self.outputs) if not isinstance(v, Constant)]
        self.inputs: list[Variable] = list(inputs)
        if memo is not None:
            self._fill_memo(memo)
        self.update_mapping = dict(update_mapping or {})
        self.name = name
        self._clients: tuple[tuple[Variable, ...], dict[Variable, list[Client]]] | None = None
        self._features: list[Any] = []
        for feature in features or ():
            self.attach_feature(feature)

    def _fill_memo(self, memo: dict[Any, Any]) -> None:
        """PyTensor's clone memo: variables the caller mapped are substituted, and every
        variable and node of the graph is recorded with its counterpart in this view."""
        mapping = {k: v for k, v in memo.items() if isinstance(k, Variable) and isinstance(v, Variable)}
        originals = [*self.inputs, *self.outputs]
        nodes = toposort(self.outputs)
        if mapping:
            self.outputs = rebuild(self.outputs, mapping)
            self.inputs = [mapping.get(v, v) for v in self.inputs]
        for var in [*originals, *graph_inputs(originals)]:
            memo.setdefault(var, mapping.get(var, var))
        for node in nodes:
            for out in node.outputs:
                new = memo.setdefault(out, mapping.get(out, out))
            memo.setdefault(node, new.owner)

    def attach_feature(self, feature: Any) -> None:
        """Attach ``feature`` (its ``on_attach(fgraph)``, when it has one)."""
        if feature in self._features:
            return
        on_attach = getattr(feature, "on_attach", None)
        if on_attach is not None:
            on_attach(self)
        self._features.append(feature)

    def remove_feature(self, feature: Any) -> None:
        """Detach ``feature`` (its ``on_detach(fgraph)``, when it has one)."""
        self._features.remove(feature)
        on_detach = getattr(feature, "on_detach", None)
        if on_detach is not None:
            on_detach(self)

    # --- reading ----------------------------------------------------------------------------
    def toposort(self) -> list[Apply]:
        """The nodes, each after the nodes computing its inputs."""
        return toposort(self.outputs)

    @property
    def apply_nodes(self) -> set[Apply]:
        return set(toposort(self.outputs))

    @property
    def variables(self) -> set[Variable]:
        found: set[Variable] = set(self.inputs) | set(self.outputs)
        for node in toposort(self.outputs):
            found.update(node.inputs)
            found.update(node.outputs)
        return found

    @property
    def clients(self) -> dict[Variable, list[tuple[Apply | str, int]]]:
        """Who reads each variable: ``(node, input position)``, or ``("output", position)``.

        Worked out once per set of outputs (a rewriter reading it at every node would
        otherwise walk the whole graph each time); ``replace`` gives new outputs."""
        key = tuple(self.outputs)
        if self._clients is not None and self._clients[0] == key:
            return self._clients[1]
        users: dict[Variable, list[tuple[Apply | str, int]]] = {v: [] for v in self.variables}
        for node in toposort(self.outputs):
            for position, var in enumerate(node.inputs):
                users.setdefault(var, []).append((node, position))
        for position, var in enumerate(self.outputs):
            users.setdefault(var, []).append(("output", position))
        self._clients = (key, users)
        return users

    # --- changing the view --------------------------------------------------------------------
    def replace(self, var: Variable, new_var: Variable, reason: str | None = None,
                verbose: bool | None = None, import_missing: bool = False) -> None:
        """Point the outputs at the graph with ``var`` replaced by ``new_var``, which must have
        ``var``'s type or one it converts to (TypeError otherwise)."""
        self.replace_all([(var, new_var)])

    def replace_all(self, pairs: Iterable[tuple[Variable, Variable]], **_options: Any) -> None:
        """:meth:`replace` for each ``(var, new_var)`` pair, at once."""
        checked = [(var, var.type.filter_variable(new, allow_convert=True)) for var, new in pairs]
        self.outputs = list(graph_replace(self.outputs, checked, strict=False))

    def clone(self, check_integrity: bool = True) -> FunctionGraph:
        features = [f.clone() if hasattr(f, "clone") else f for f in self._features]
        return FunctionGraph(self.inputs, self.outputs, features=features,
                             update_mapping=self.update_mapping, name=self.name)

    def __str__(self) -> str:
        return f"FunctionGraph({', '.join(map(str, self.outputs))})"

    __repr__ = __str__
