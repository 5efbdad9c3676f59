"""Lazy ``ifelse`` on the ``py`` and C backends: only the branch taken runs.

``IfElse(cond, *then_values, *else_values)`` (:mod:`arignote.tensor.ifelse`) needs its branch
values computed before it chooses.  Before linking, the pass :func:`lazy_ifelse` (lowering
phase) finds, for each ``IfElse`` node, the work that only one branch needs: the nodes whose
every output is read only by that branch of that node, or by such nodes (never by the other
branch, the condition, another node or a graph output).  That work moves into a
:class:`LazyIfElse` node, whose two branches are inner graphs; its implementation links them
with the backend of the program around it (as a loop links its body) and runs one of them per
call.  Work both branches read, or that anything else reads, stays outside and runs first.
A draw moved into a branch advances its generator only when that branch runs; a draw whose
next generator is read outside (an update) stays outside.

The pass costs one traversal of the graph per ``IfElse`` node.  JAX runs ``IfElse`` as
``lax.cond`` instead (backend/jax/ifelse.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.linking import current_linking
from arignote.graph.op import Op
from arignote.graph.replace import graph_replace
from arignote.graph.traversal import consumers, toposort
from arignote.rewrite.phases import FAST_COMPILE, lowering
from arignote.tensor.ifelse import IfElse

__all__ = ["LazyIfElse", "lazy_ifelse"]


@dataclass(frozen=True)
class LazyIfElse(Op):
    """``IfElse`` with its branches as inner graphs over ``formals`` (one per outer input after
    the condition): ``then_outputs`` when the condition holds, else ``else_outputs``."""

    formals: tuple[Variable, ...]
    then_outputs: tuple[Variable, ...]
    else_outputs: tuple[Variable, ...]

    def make_node(self, cond: Variable, *values: Variable) -> Apply:
        if len(values) != len(self.formals):
            raise TypeError(f"LazyIfElse: expected {len(self.formals)} inputs after the condition, "
                            f"got {len(values)}")
        return Apply.build(self, [cond, *values], [o.type for o in self.then_outputs])

    def __str__(self) -> str:
        return f"LazyIfElse{{{len(self.then_outputs)} outputs, {len(self.formals)} inputs}}"

    def py_impl(self, node: Apply) -> Any:
        state = current_linking()
        if state is None:
            raise RuntimeError("LazyIfElse runs only inside a program being linked")
        then_run = _runner(state.link(list(self.formals), list(self.then_outputs)))
        else_run = _runner(state.link(list(self.formals), list(self.else_outputs)))
        single = len(self.then_outputs) == 1

        def run(cond: Any, *values: Any) -> Any:
            results = (then_run if bool(cond) else else_run)(*values)
            # a branch that gives back one of its inputs (or a view of one) must not hand the
            # outer program a value that shares memory with another
            owned = [np.array(r, copy=True) if _shares(r, values) else r for r in results]
            return owned[0] if single else tuple(owned)
        return run


def _runner(program: Any) -> Any:
    return getattr(program, "run", program)


def _shares(value: Any, inputs: Sequence[Any]) -> bool:
    if not isinstance(value, np.ndarray):
        return False
    return any(isinstance(v, np.ndarray) and np.may_share_memory(value, v) for v in inputs)


@c_lowering(IfElse)
def ifelse_by_numpy(node: Apply, context: LoweringContext) -> StepPlan:
    """An ``IfElse`` the lazy pass left (nothing to skip): a Python step choosing."""
    return python_step(node, "chooses between values computed already")


@c_lowering(LazyIfElse)
def lazy_ifelse_by_python(node: Apply, context: LoweringContext) -> StepPlan:
    """The branch taken, a program linked by this backend, called from a Python step."""
    return python_step(node, "runs the branch taken, linked by this backend")


# --- the pass -----------------------------------------------------------------------------

def _exclusive(node: Apply, positions: set[int], users: dict[Variable, list[tuple[Apply, int]]],
               outputs: set[int]) -> set[int]:
    """The ids of the nodes whose outputs only ``node``'s inputs at ``positions`` read, directly
    or through other such nodes (and no graph output)."""
    branch_values = [node.inputs[p] for p in positions]
    found: set[int] = set()
    for candidate in reversed(toposort(branch_values)):
        if all(id(out) not in outputs and all(
                (user is node and pos in positions) or id(user) in found
                for user, pos in users.get(out, ()))
               for out in candidate.outputs):
            found.add(id(candidate))
    return found


def _branch_frontier(values: Sequence[Variable], inside: set[int]) -> list[Variable]:
    """The variables the moved work of a branch reads from outside it (constants stay inside)."""
    frontier: dict[int, Variable] = {}
    for var in values:
        if var.owner is None or id(var.owner) not in inside:
            if not isinstance(var, Constant):
                frontier.setdefault(id(var), var)
    for moved in toposort(values):
        if id(moved) not in inside:
            continue
        for var in moved.inputs:
            if (var.owner is None or id(var.owner) not in inside) and not isinstance(var, Constant):
                frontier.setdefault(id(var), var)
    return list(frontier.values())


def _make_lazy(node: Apply, users: dict[Variable, list[tuple[Apply, int]]],
               outputs: set[int]) -> list[Variable] | None:
    n = node.op.n_outs
    then_positions, else_positions = set(range(1, 1 + n)), set(range(1 + n, 1 + 2 * n))
    then_inside = _exclusive(node, then_positions, users, outputs)
    else_inside = _exclusive(node, else_positions, users, outputs)
    if not then_inside and not else_inside:
        return None  # nothing to skip: the plain node chooses
    then_values = list(node.inputs[1:1 + n])
    else_values = list(node.inputs[1 + n:])
    frontier = _branch_frontier(then_values, then_inside)
    seen = {id(v) for v in frontier}
    frontier += [v for v in _branch_frontier(else_values, else_inside) if id(v) not in seen]
    formals = [v.type.make_variable(v.name) for v in frontier]
    mapping = list(zip(frontier, formals))
    then_inner = lazy_ifelse(list(graph_replace(then_values, mapping, strict=False)))
    else_inner = lazy_ifelse(list(graph_replace(else_values, mapping, strict=False)))
    op = LazyIfElse(tuple(formals), tuple(then_inner), tuple(else_inner))
    return list(op.make_node(node.inputs[0], *frontier).outputs)


@lowering.graph_pass(name="lazy_ifelse", tags=(FAST_COMPILE,), requires=(IfElse,))
def lazy_ifelse(outputs: Sequence[Variable]) -> list[Variable]:
    """``outputs`` with each ``IfElse`` that has work only one branch needs made lazy."""
    outputs = list(outputs)
    done: set[int] = set()  # IfElse nodes left as they are (nothing to skip)
    while True:
        pending = [n for n in toposort(outputs) if isinstance(n.op, IfElse) and id(n) not in done]
        if not pending:
            return outputs
        node = pending[-1]  # the most downstream: its branches may hold the others
        lazy = _make_lazy(node, consumers(outputs), {id(v) for v in outputs})
        if lazy is None:
            done.add(id(node))
            continue
        outputs = list(graph_replace(outputs, list(zip(node.outputs, lazy)), strict=False))
