"""The schedule of a compiled program: slots, steps, and which buffers may be reused.

Decided once, when the program is made (the graph stays pure):

- every value gets a *slot*: the program's inputs first, then constants,
  then the outputs of the nodes in topological order;
- each value is released right after the step that reads it last
  (``frees``), unless it is a program output;
- *donors*: an input of a step that dies at that step may give its buffer
  to the step's output (an elementwise loop writes element ``i`` after
  reading element ``i``, so it can work in place).  Only values computed by
  the program qualify, never inputs or constants, and only when dtype and
  static shape allow it; the runtime checks the rest (same shape, nobody
  else holds or views the buffer) before using one;
- *recyclable* values: dead intermediates whose buffer a later step could
  reuse for an output of the same dtype and rank; the runtime keeps them in
  a small pool for the rest of the call instead of freeing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.backend.c.node_lowering import StepPlan
from arignote.graph.basic import Apply, Constant, Variable


@dataclass
class Schedule:
    n_slots: int
    n_inputs: int
    consts: list[tuple[int, Any]]
    steps: list[tuple[Any, ...]]      # (kind name, ins, outs, frees, donors, fallback, params)
    outputs: list[int]
    recyclable: list[int]


def _buffer_kind(var: Variable) -> tuple[np.dtype, int] | None:
    """(dtype, rank) of an array value, whose dead buffer may be reused; None for other values
    (a random generator)."""
    kind = var.type
    dtype = getattr(kind, "numpy_dtype", None)
    return None if dtype is None else (dtype, kind.ndim)


def _static_compatible(a: Variable, b: Variable) -> bool:
    ta, tb = a.type, b.type
    if ta.numpy_dtype != tb.numpy_dtype or ta.ndim != tb.ndim:
        return False
    return all(x is None or y is None or x == y for x, y in zip(ta.shape, tb.shape))


def make_schedule(inputs: Sequence[Variable], outputs: Sequence[Variable], nodes: Sequence[Apply],
                  plans: Sequence[StepPlan], params: Sequence[tuple[Any, ...]]) -> Schedule:
    """The schedule running ``nodes`` (topologically ordered) with their ``plans``.

    ``params[i]`` are the runtime parameters of step ``i`` (kernel addresses filled in).
    """
    slot: dict[Variable, int] = {var: k for k, var in enumerate(inputs)}
    consts: list[tuple[int, Any]] = []

    def slot_of(var: Variable) -> int:
        found = slot.get(var)
        if found is None:
            if not isinstance(var, Constant):
                raise ValueError(f"the graph needs input {var}, which was not given")
            found = slot[var] = len(slot)
            consts.append((found, var.data))
        return found

    last_use: dict[Variable, int] = {}
    for step, node in enumerate(nodes):
        for var in node.inputs:
            last_use[var] = step
    kept = set(outputs)
    computed = set()
    for node in nodes:
        for var in node.inputs:
            slot_of(var)
        for var in node.outputs:
            slot[var] = len(slot)
            computed.add(var)
    for var in outputs:
        slot_of(var)

    # which (dtype, rank) pairs later steps produce: a dead buffer is worth keeping only for them
    produced_after: list[set[tuple[np.dtype, int]]] = [set() for _ in range(len(nodes) + 1)]
    for step in range(len(nodes) - 1, -1, -1):
        produced_after[step] = set(produced_after[step + 1])
        for var in nodes[step].outputs:
            found = _buffer_kind(var)
            if found is not None:
                produced_after[step].add(found)

    extra_slots: dict[int, int] = {}   # id of a kernel constant -> its slot

    def constant_slot(value: np.ndarray) -> int:
        found = extra_slots.get(id(value))
        if found is None:
            found = extra_slots[id(value)] = len(slot) + len(extra_slots)
            consts.append((found, value))
        return found

    for plan in plans:
        for value in plan.constants:
            constant_slot(value)
    n_slots = len(slot) + len(extra_slots)
    recyclable = [0] * n_slots
    steps = []
    for step, (node, plan) in enumerate(zip(nodes, plans)):
        ins = [slot_of(v) for v in node.inputs] + [constant_slot(c) for c in plan.constants]
        outs = [slot[v] for v in node.outputs]
        dying = {v for v in node.inputs if last_use.get(v) == step and v not in kept}
        unused = [v for v in node.outputs if v not in last_use and v not in kept]
        # sorted: the same graph gets the same schedule in every process (``dying`` is a set
        # of variables, ordered by their addresses), so cached programs are byte-identical
        frees = sorted({slot[v] for v in [*dying, *unused]})
        donors = []
        for position in plan.donor_inputs:
            var = node.inputs[position]
            if var not in dying or var not in computed:
                continue
            if plan.exclusive_donors and sum(v is var for v in node.inputs) > 1:
                continue
            if any(_static_compatible(var, out) for out in node.outputs):
                donors.append(slot[var])
        for var in dying:
            if var in computed and _buffer_kind(var) in produced_after[step + 1]:
                recyclable[slot[var]] = 1
        steps.append((plan.kind, ins, outs, frees, list(dict.fromkeys(donors)), plan.fallback,
                      params[step]))
    return Schedule(n_slots, len(inputs), consts, steps, [slot[v] for v in outputs], recyclable)
