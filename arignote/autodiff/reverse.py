"""Reverse mode: cotangents pulled back from outputs to inputs, one node at a time.

The engine walks the nodes between the differentiated variables (``wrt``)
and the seeds (the cost, known gradients) in reverse topological order.  At
each node the cotangents of its outputs are complete (every consumer came
before), so they are summed once (one n-ary ``add``) and handed to the op's
own rule, :meth:`Op.pullback`, which returns the cotangent of each input.

Only real and complex floating values carry cotangents.  Connection, which
decides whether a gradient is "disconnected", follows PyTensor's intent:

* a float variable is connected when a cotangent reaches it;
* a value that reaches the cost only through integer or boolean values (a
  comparison, a cast to int, an index, a shape) is connected with gradient
  zero: an integer output of a connected node connects all of its node's
  inputs, and so does a connected node whose rule gives an integer input no
  cotangent.  (PyTensor reports shapes and indices as disconnected; arignote
  does not tell them apart from other integer values.)
* a float input for which a rule returns None (``disconnected_grad``) is not
  connected through that node.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from arignote.autodiff.errors import NullTypeGradError
from arignote.autodiff.undefined import DisconnectedType, NullType
from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NotDifferentiable
from arignote.graph.traversal import toposort


def is_inexact(var: Variable) -> bool:
    """Whether ``var`` carries derivatives (its type says: real or complex floats, sparse
    matrices of floats...)."""
    return bool(var.type.carries_cotangents)


@dataclass
class Backprop:
    """The result of a backward pass: each variable's cotangent, and what is connected."""

    cotangents: dict[int, Variable] = field(default_factory=dict)
    zero_connected: set[int] = field(default_factory=set)

    def cotangent(self, var: Variable) -> Variable | None:
        return self.cotangents.get(id(var))

    def connected(self, var: Variable) -> bool:
        return id(var) in self.cotangents or id(var) in self.zero_connected


def backpropagate(seeds: Sequence[tuple[Variable, Variable | None]], wrt: Iterable[Variable],
                  blocked: Iterable[Variable] = ()) -> Backprop:
    """Pull the ``seeds`` (variable, cotangent) back to every variable between them and ``wrt``.

    A seed's cotangent None means "connected, gradient zero" (an integer
    cost).  Nothing is pulled back through a variable of ``blocked``
    (PyTensor's ``consider_constant``).
    """
    wrt = list(wrt)
    wrt_ids = {id(w) for w in wrt}
    blocked_ids = {id(b) for b in blocked}
    order = toposort([v for v, _ in seeds])

    # the variables that depend on some wrt: only their nodes are differentiated
    depends = set(wrt_ids)
    for node in order:
        if any(id(i) in depends and (id(i) in wrt_ids or id(i) not in blocked_ids) for i in node.inputs):
            depends.update(id(o) for o in node.outputs)

    terms: dict[int, list[Variable]] = {}
    result = Backprop()
    for var, cot in seeds:
        if cot is None or not is_inexact(var):
            result.zero_connected.add(id(var))
        else:
            terms.setdefault(id(var), []).append(_fit(cot, var, None, "seed"))

    def settle(var: Variable) -> Variable | None:
        parts = terms.pop(id(var), None)
        if parts is None:
            return result.cotangents.get(id(var))
        total = parts[0] if len(parts) == 1 else _add(parts)
        result.cotangents[id(var)] = total
        return total

    for node in reversed(order):
        relevant = [k for k, i in enumerate(node.inputs) if id(i) in depends]
        outputs_cot = [None if id(o) in blocked_ids else settle(o) for o in node.outputs]
        if not relevant:
            continue
        zero_outputs = any(id(o) in result.zero_connected and id(o) not in blocked_ids
                           for o in node.outputs)
        if all(c is None for c in outputs_cot):
            if zero_outputs:
                result.zero_connected.update(id(node.inputs[k]) for k in relevant)
            continue
        if not any(is_inexact(node.inputs[k]) for k in relevant):
            # only integer (or other non-float) inputs depend on wrt, e.g. a draw's size read
            # from a shape: their cotangents would be dropped; the op is not asked for any
            result.zero_connected.update(id(node.inputs[k]) for k in relevant)
            continue
        input_cots = _call_pullback(node, outputs_cot)
        for k in relevant:
            inp = node.inputs[k]
            cot = input_cots[k]
            if cot is not None and isinstance(cot.type, NullType):  # needed, and undefined
                raise NullTypeGradError(f"cannot differentiate through {node.op}{_built_at(node)}: "
                                        f"{cot.type.why}")
            if cot is None or not is_inexact(inp):
                if not is_inexact(inp) or zero_outputs:
                    result.zero_connected.add(id(inp))
                continue
            terms.setdefault(id(inp), []).append(_fit(cot, inp, node, f"input {k}"))
    for var in wrt:
        settle(var)
    return result


def pull_back(outputs: Sequence[Variable], inputs: Sequence[Variable],
              cotangents: Sequence[Variable | None]) -> list[Variable | None]:
    """The cotangent of each of ``inputs`` given those of ``outputs`` (None: zero or none)."""
    seeds = [(o, c) for o, c in zip(outputs, cotangents) if c is not None]
    if not seeds:
        return [None] * len(inputs)
    found = backpropagate(seeds, inputs)
    return [found.cotangent(i) for i in inputs]


def _call_pullback(node: Apply, cotangents: list[Variable | None]) -> list[Variable | None]:
    try:
        graph = node.op.differentiable_graph(node.inputs, node.outputs)
        if graph is not None:  # a node standing for a graph (a fused one): pull back through it
            result = pull_back(graph, list(node.inputs), cotangents)
        else:
            result = node.op.pullback(node.inputs, node.outputs, cotangents)
    except NotDifferentiable as exc:
        raise NotDifferentiable(f"cannot differentiate through {node.op}{_built_at(node)}: {exc}") from exc
    # a rule written for PyTensor says "no cotangent" with a disconnected placeholder
    result = [None if isinstance(c, Variable) and isinstance(c.type, DisconnectedType) else c
              for c in result]
    if len(result) != len(node.inputs):
        raise TypeError(f"{node.op}.pullback returned {len(result)} cotangent(s) for "
                        f"{len(node.inputs)} input(s)")
    return result


def _built_at(node: Apply) -> str:
    where = node.where()
    return f" (built at {where})" if where else ""


def _add(parts: list[Variable]) -> Variable:
    return parts[0].type.add_cotangents(parts)


def _fit(cot: Variable, var: Variable, node: Apply | None, what: str) -> Variable:
    """``cot`` checked to be a cotangent of ``var`` (by ``var``'s type: for a tensor, same
    rank, compatible static shape, ``var``'s dtype and static shape)."""
    source = "a cotangent" if node is None else f"{node.op}.pullback"
    return var.type.fit_cotangent(cot, f"{source} gave {what} ({var}, {var.type}) a cotangent")
