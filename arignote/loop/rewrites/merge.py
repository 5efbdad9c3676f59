"""Merging loops that run in lockstep: ``loop_merge``.

Two loops are merged into one when nothing can tell the difference:

- they run the same number of steps: the *same* ``n_steps`` variable, and
  either neither has a stop condition or both stop on the same condition
  (the same inner variable once their shared inputs are identified);
- neither reads the other's outputs (directly or through other nodes);
- they truncate gradients alike.

The merged body computes both bodies side by side.  Inputs the two share
(the same outer sequence or constant) become one input; a carry of the
second loop with the same initial value as a carry of the first, and whose
new value is the same expression once such carries are identified, is the
same carry (a greatest fixed point: identify all candidates, drop pairs
whose updates differ, repeat); identical per-step outputs are stacked once.

This is what removes the duplicate forward pass of a gradient: the reverse
pass of a loop runs over the states of a second copy of the forward loop
that also stacks them, and the two merge into one loop.
"""

from __future__ import annotations

from arignote.graph.basic import Apply, Variable
from arignote.graph.traversal import ancestors, toposort
from arignote.loop.body import substitute
from arignote.loop.op import Loop
from arignote.loop.parts import Carry, LoopParts, Stacked


def _depends_on(node: Apply, other: Apply) -> bool:
    outputs = {id(o) for o in other.outputs}
    return any(id(v) in outputs for v in ancestors(node.inputs))


def can_merge(a: Apply, b: Apply) -> bool:
    """The cheap conditions (the stop conditions are compared while merging)."""
    op_a, op_b = a.op, b.op
    return (a is not b and a.inputs[0] is b.inputs[0] and op_a.until == op_b.until
            and op_a.truncate_gradient == op_b.truncate_gradient
            and not _depends_on(a, b) and not _depends_on(b, a))


def merge_nodes(a: Apply, b: Apply) -> dict[Variable, Variable] | None:
    """Replacements of both nodes' outputs by those of one merged loop, or None."""
    pa, pb = LoopParts.of(a), LoopParts.of(b)
    # give b's formals names of their own: both bodies may use the same canonical formals
    fresh = {f: f.type.make_variable(f.name) for f in pb.formals}
    pb.substitute_inner(fresh)
    pb.seqs = [(o, fresh[f]) for o, f in pb.seqs]
    pb.consts = [(o, fresh[f]) for o, f in pb.consts]
    for c in pb.carries:
        c.formal = fresh[c.formal]

    shared: dict[Variable, Variable] = {}
    a_seq = {id(o): f for o, f in pa.seqs}
    a_const = {id(o): f for o, f in pa.consts}
    new_seqs = []
    for outer, f in pb.seqs:
        if id(outer) in a_seq:
            shared[f] = a_seq[id(outer)]
        else:
            new_seqs.append((outer, f))
    new_consts = []
    for outer, f in pb.consts:
        if id(outer) in a_const:
            shared[f] = a_const[id(outer)]
        else:
            new_consts.append((outer, f))

    pairs = _identified_carries(pa.carries, pb.carries, shared)
    mapping = dict(shared)
    mapping.update({pb.carries[j].formal: pa.carries[i].formal for j, i in pairs.items()})
    pb.substitute_inner(mapping)
    if pa.stop is not None and pb.stop is not pa.stop:
        return None

    merged = LoopParts(pa.n_steps, pa.seqs + new_seqs, list(pa.carries), pa.consts + new_consts,
                       list(pa.ys), pa.stop, pa.steps_done, pa.truncate_gradient,
                       pa.name or pb.name, pa.depth)
    same_output: dict[Variable, Variable] = {}
    for j, c in enumerate(pb.carries):
        if j in pairs:
            same_output[c.final] = pa.carries[pairs[j]].final  # type: ignore[index, assignment]
        else:
            merged.carries.append(Carry(c.init, c.formal, c.update, c.final))
    for y in pb.ys:
        twin = next((x for x in merged.ys if x.value is y.value and x.keep == y.keep), None)
        if twin is not None:
            same_output[y.output] = twin.output  # type: ignore[index, assignment]
        else:
            merged.ys.append(Stacked(y.value, y.keep, y.output))
    node = merged.build()
    result = merged.replacements(node)
    for old, same in same_output.items():
        result[old] = result[same]
    if pb.steps_done is not None:
        result[pb.steps_done] = node.outputs[-1]
    return result


def _identified_carries(a: list[Carry], b: list[Carry], shared: dict[Variable, Variable]) -> dict[int, int]:
    """b's carries that are a's (b index -> a index): same initial value, same update."""
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for j, cb in enumerate(b):
        for i, ca in enumerate(a):
            if i not in taken and ca.init is cb.init and ca.formal.type == cb.formal.type:
                pairs[j] = i
                taken.add(i)
                break
    while pairs:
        mapping = dict(shared)
        mapping.update({b[j].formal: a[i].formal for j, i in pairs.items()})
        updates = substitute([b[j].update for j in pairs], mapping)
        keep = {j: i for (j, i), u in zip(pairs.items(), updates) if u is a[i].update}
        if len(keep) == len(pairs):
            break
        pairs = keep
    return pairs


def merge(outputs: list[Variable]) -> list[Variable]:
    """The ``loop_merge`` pass: merge loops in lockstep until no two can be."""
    while True:
        loops = [n for n in toposort(outputs) if isinstance(n.op, Loop)]
        by_steps: dict[int, list[Apply]] = {}
        for node in loops:
            by_steps.setdefault(id(node.inputs[0]), []).append(node)
        mapping = None
        for group in by_steps.values():
            for i, a in enumerate(group):
                for b in group[i + 1:]:
                    if can_merge(a, b):
                        mapping = merge_nodes(a, b)
                        if mapping:
                            break
                if mapping:
                    break
            if mapping:
                break
        if not mapping:
            return outputs
        outputs = substitute(outputs, mapping)
