"""Which draws may consume their generator: draw in place instead of drawing from a copy.

A draw copies its input generator (the graph is pure: a draw never changes a value it reads).
The copy is wasted when the generator is *owned* (no one outside the graph holds it) and the
draw is its only reader: nothing can see the old state any more.  The next generator a draw
gives is such a value (a fresh copy, or the owned generator it consumed), so in a chain of
draws ``rng -> d1 -> r1 -> d2 -> r2`` each link read once may draw in place.  Callers say
which inputs are owned: the function compiler the shared generators a call replaces by the
end of their chain (compile/generators.py), a loop the generator carries it copies once
before its first step (loop/execute.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from arignote.graph.basic import Apply, Variable
from arignote.tensor.random.op import RandomVariable

__all__ = ["consumable_draws", "drawing_in_place"]


def consumable_draws(nodes: Sequence[Apply], outputs: Sequence[Variable],
                     owned: Iterable[Variable]) -> list[Apply]:
    """The draws of ``nodes`` (in topological order) whose generator is owned and read by that
    draw alone (no other node, no output of ``outputs`` reads it): they may draw in place.
    ``owned``: the input generators no one else holds."""
    reads: dict[int, int] = {}
    for node in nodes:
        for var in node.inputs:
            reads[id(var)] = reads.get(id(var), 0) + 1
    for var in outputs:
        reads[id(var)] = reads.get(id(var), 0) + 1
    private = {id(v) for v in owned}
    found = []
    for node in nodes:
        if not isinstance(node.op, RandomVariable):
            continue
        # the next generator is a value of this graph alone, whichever way the draw is made
        private.add(id(node.outputs[0]))
        rng = node.inputs[0]
        if id(rng) in private and reads.get(id(rng)) == 1:
            found.append(node)
    return found


def drawing_in_place(nodes: Sequence[Apply], outputs: Sequence[Variable],
                     draws: Sequence[Apply]) -> list[Variable]:
    """``outputs`` rebuilt with each of ``draws`` drawing in place (``nodes``: the graph in
    topological order); only the nodes downstream of those draws are rebuilt."""
    chosen = {id(node) for node in draws}
    mapping: dict[Variable, Variable] = {}
    for node in nodes:
        inputs = [mapping.get(v, v) for v in node.inputs]
        consume = id(node) in chosen
        if not consume and all(a is b for a, b in zip(inputs, node.inputs)):
            continue
        op = node.op.clone(inplace=True) if consume else node.op
        mapping.update(zip(node.outputs, op.make_node(*inputs).outputs))
    return [mapping.get(v, v) for v in outputs]
