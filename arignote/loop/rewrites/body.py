"""A loop's body is rewritten with the same pipeline as the graph around it.

In each phase, a loop node's body goes through that phase's rules and
passes, with the mode of the ``optimize`` run in progress (its optimizer
level, included and excluded rules, and trace), so a body ends in the form
it would have as a graph of its own: simplified, stabilised, specialised,
fused.  Loops nested in the body are reached the same way, one level down.

A body already rewritten by a phase under a mode is remembered (weakly, per
loop op), so a loop offered again costs nothing.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import cast

from arignote.graph.basic import Apply, Variable
from arignote.loop.op import Loop
from arignote.rewrite.optimize import active_settings, optimize
from arignote.rewrite.phases import PHASES, Phase

# loop op -> the (phase, mode) keys under which its body is already in final form.  A memo
# shared by the whole process (an entry depends only on its key); the mode of the optimize
# run in progress is per thread, read from `active_settings()`.
_settled: weakref.WeakKeyDictionary[Loop, set[tuple[object, ...]]] = weakref.WeakKeyDictionary()


def body_rule(phase: Phase):
    """The rule rewriting loop bodies with ``phase``."""
    def rewrite_loop_body(node: Apply) -> Sequence[Variable] | None:
        settings = active_settings()
        if settings is None:
            return None
        optimizer, include, exclude, trace = settings
        op = cast(Loop, node.op)
        key = (phase.name, optimizer, include, exclude)
        done = _settled.get(op)
        if done is not None and key in done:
            return None
        outputs = optimize(op.inner_outputs, optimizer, include, exclude, trace, phases=(phase,))
        if all(a is b for a, b in zip(outputs, op.inner_outputs)):
            _settled.setdefault(op, set()).add(key)
            return None
        new_op = op.replace(inner_outputs=outputs)
        _settled.setdefault(new_op, set()).add(key)
        return new_op.make_node(*node.inputs).outputs
    rewrite_loop_body.__doc__ = f"Rewrite loop bodies with the {phase.name} phase."
    return rewrite_loop_body


for _phase in PHASES:
    _phase.rule(Loop, name=f"loop_body_{_phase.name}", tags=["fast_compile"])(body_rule(_phase))
