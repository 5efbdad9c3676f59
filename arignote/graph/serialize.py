"""Graphs as plain records, and back: for pickling ops with inner graphs and for caches.

A graph from given input variables to outputs is written as a
:class:`FlatGraph`: its constants (type and value), its nodes in
topological order (op, where each input comes from, output types, and the
user source line), and where each output comes from.  Input variables are
referred to by position, so the records say nothing about which Python
objects the graph was built from; rebuilding on other input variables of
the same types gives the same graph over those.

Rebuilding goes through the intern tables (``Apply.build``,
``intern_constant``), so a rebuilt graph *is* the graph it was written from
when that graph is alive in this process, and equal ops with inner graphs
(a ``Composite``) stay equal across a pickle round trip.

A reference is a pair: ``(INPUT, k)`` the k-th input, ``(CONSTANT, k)`` the
k-th constant, ``(k, j)`` output ``j`` of the k-th node (``k >= 0``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from arignote.graph.basic import Apply, Constant, Variable, intern_constant
from arignote.graph.sourceinfo import Source, _carried
from arignote.graph.traversal import toposort
from arignote.graph.type import Type

INPUT = -1
CONSTANT = -2

Reference = tuple[int, int]


class NotSerializable(ValueError):
    """The graph reaches a variable that is neither a given input, a constant nor computed."""


@dataclass(frozen=True)
class FlatGraph:
    """A graph written as records (picklable when its ops and constants are)."""

    n_inputs: int
    constants: tuple[tuple[Type, Any], ...]
    #: (op, input references, output types, source) per node, inputs first
    nodes: tuple[tuple[Any, tuple[Reference, ...], tuple[Type, ...], Any], ...]
    outputs: tuple[Reference, ...]


def flatten(inputs: Sequence[Variable], outputs: Sequence[Variable],
            source_of: Callable[[Apply], Any] | None = None) -> tuple[FlatGraph, list[Apply]]:
    """``outputs`` as a function of ``inputs`` written as records, and its nodes in the
    records' order.  ``source_of(node)`` is what a record keeps of the node's source line
    (default: the line itself).  NotSerializable when the graph needs another variable."""
    where: dict[Variable, Reference] = {var: (INPUT, k) for k, var in enumerate(inputs)}
    constants: list[tuple[Type, Any]] = []

    def reference(var: Variable) -> Reference:
        found = where.get(var)
        if found is None:
            if not isinstance(var, Constant):
                raise NotSerializable(f"the graph needs {var} ({var.type}), which is not an input")
            found = where[var] = (CONSTANT, len(constants))
            constants.append((var.type, var.data))
        return found

    nodes = toposort(outputs)
    records = []
    for k, node in enumerate(nodes):
        refs = tuple(reference(var) for var in node.inputs)
        source = node.source if source_of is None else source_of(node)
        records.append((node.op, refs, tuple(out.type for out in node.outputs), source))
        for j, out in enumerate(node.outputs):
            where[out] = (k, j)
    output_refs = tuple(reference(var) for var in outputs)  # an output may be a constant
    flat = FlatGraph(len(inputs), tuple(constants), tuple(records), output_refs)
    return flat, nodes


def rebuild(flat: FlatGraph, inputs: Sequence[Variable],
            source_of: Callable[[Any], Source | None] | None = None) -> tuple[list[Variable], list[Apply]]:
    """The graph of ``flat`` over ``inputs``: its outputs and its nodes (in the records'
    order).  ``source_of(kept)`` turns what :func:`flatten` kept of a source line back
    into one (default: kept as it is)."""
    if len(inputs) != flat.n_inputs:
        raise ValueError(f"the graph takes {flat.n_inputs} inputs, {len(inputs)} given")
    constants = [intern_constant(type_, data) for type_, data in flat.constants]
    nodes: list[Apply] = []

    def variable(ref: Reference) -> Variable:
        k, j = ref
        if k == INPUT:
            return inputs[j]
        if k == CONSTANT:
            return constants[j]
        return nodes[k].outputs[j]

    for op, refs, types, kept in flat.nodes:
        # the node gets the recorded source line, as a rewrite gives a node the replaced one's
        token = _carried.set(kept if source_of is None else source_of(kept))
        try:
            nodes.append(Apply.build(op, [variable(r) for r in refs], types))
        finally:
            _carried.reset(token)
    return [variable(r) for r in flat.outputs], nodes
