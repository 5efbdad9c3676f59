"""Moving a cheap op below elementwise ops that nothing else reads: a whole-graph pass.

``exp(x).T -> exp(x.T)`` and ``exp(x)[i] -> exp(x[i])`` are good rewrites only
when nothing else reads ``exp(x)``: otherwise the graph computes ``exp(x)``
for its other consumers *and* ``exp`` of the moved view, doing the work
twice.  A local rule sees a node's inputs, never its consumers, so it cannot
tell; this pass counts every variable's consumers once and lifts only
through elementwise nodes read by exactly one consumer (the op being lifted,
or an elementwise node being lifted through).

A :class:`Lifter` says how one kind of op goes through an elementwise node:
what it becomes on each operand (a dimshuffle order, an index), whether it
is worth going on down, and how to apply it to a variable where lifting
stops.  The pass walks the graph inputs first; lifting a node rebuilds the
chain of single-consumer elementwise nodes below it on moved operands,
iteratively (graphs may be deep) and memoized.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from arignote.graph.basic import Apply, Variable
from arignote.graph.sourceinfo import carry_source
from arignote.graph.traversal import toposort
from arignote.rewrite.toolkit import keep_static_shape
from arignote.tensor.elemwise import Elemwise

Rewritten = Callable[[Variable], Variable]
#: the op being lifted, described by a hashable parameter, applied to a variable
Task = tuple[Hashable, Variable]


class Lifter:
    """How to move one kind of op (the "lifted op") below elementwise nodes."""

    def start(self, node: Apply, rewritten: Rewritten) -> Hashable | None:
        """The parameter of ``node`` if it is a lifted op worth moving down, else None.

        Symbolic parts of the parameter must be ``rewritten`` variables.
        """
        raise NotImplementedError

    def worth(self, param: Hashable) -> bool:
        """Whether moving ``param`` below an elementwise node pays."""
        return True

    def through(self, param: Hashable, node: Apply) -> list[Hashable | None] | None:
        """The parameter for each input of the elementwise ``node`` (None: the input
        is used as it is), or None when ``param`` cannot go through ``node``."""
        raise NotImplementedError

    def absorb(self, param: Hashable, var: Variable) -> Task | None:
        """``param`` applied to ``var`` as the same op applied to one of ``var``'s
        inputs (a dimshuffle of a dimshuffle), or None."""
        return None

    def apply(self, param: Hashable, var: Variable) -> Variable:
        """The lifted op with ``param`` applied to the (rewritten) ``var``."""
        raise NotImplementedError


def lift_through_elemwise(outputs: Sequence[Variable], lifter: Lifter) -> list[Variable]:
    """``outputs`` with the lifter's op moved below single-consumer elementwise nodes."""
    return _LiftPass(outputs, lifter).run()


class _LiftPass:
    def __init__(self, outputs: Sequence[Variable], lifter: Lifter) -> None:
        self.outputs = list(outputs)
        self.lifter = lifter
        self.nodes = toposort(self.outputs)
        # consumers counted per use: x * x reads x twice
        self.uses: Counter[Variable] = Counter(self.outputs)
        for node in self.nodes:
            self.uses.update(node.inputs)
        self.new: dict[Variable, Variable] = {}
        self.plans: dict[Task, tuple[Any, ...]] = {}
        self.done: dict[Task, Variable] = {}

    def rewritten(self, var: Variable) -> Variable:
        return self.new.get(var, var)

    def run(self) -> list[Variable]:
        for node in self.nodes:
            param = self.lifter.start(node, self.rewritten)
            if param is not None and self._plan((param, node.inputs[0]))[0] == "elemwise":
                old = node.outputs[0]
                with carry_source(node.source):
                    self.new[old] = keep_static_shape(self._lift((param, node.inputs[0])), old)
                continue
            inputs = [self.rewritten(i) for i in node.inputs]
            if all(a is b for a, b in zip(inputs, node.inputs)):
                continue
            with carry_source(node.source):
                rebuilt = node.op.make_node(*inputs)
            for old, new in zip(node.outputs, rebuilt.outputs):
                self.new[old] = new
        return [self.rewritten(v) for v in self.outputs]

    def _plan(self, task: Task) -> tuple[Any, ...]:
        """("elemwise", node, child tasks), ("alias", task) or ("leaf",)."""
        found = self.plans.get(task)
        if found is not None:
            return found
        param, var = task
        owner = var.owner
        plan: tuple[Any, ...] = ("leaf",)
        if owner is not None and self.uses[var] == 1:
            if isinstance(owner.op, Elemwise) and self.lifter.worth(param):
                params = self.lifter.through(param, owner)
                if params is not None:
                    children = [None if p is None else (p, i) for p, i in zip(params, owner.inputs)]
                    plan = ("elemwise", owner, children)
            elif (inner := self.lifter.absorb(param, var)) is not None:
                plan = ("alias", inner)
        self.plans[task] = plan
        return plan

    def _lift(self, root: Task) -> Variable:
        done = self.done
        stack = [root]
        while stack:
            task = stack[-1]
            if task in done:
                stack.pop()
                continue
            plan = self._plan(task)
            if plan[0] == "leaf":
                done[task] = self.lifter.apply(task[0], self.rewritten(task[1]))
            elif plan[0] == "alias":
                if plan[1] not in done:
                    stack.append(plan[1])
                    continue
                done[task] = done[plan[1]]
            else:
                _, node, children = plan
                missing = [c for c in children if c is not None and c not in done]
                if missing:
                    stack.extend(missing)
                    continue
                inputs = [self.rewritten(i) if c is None else done[c]
                          for c, i in zip(children, node.inputs)]
                with carry_source(node.source):
                    done[task] = node.op.make_node(*inputs).outputs[0]
            stack.pop()
        return done[root]
