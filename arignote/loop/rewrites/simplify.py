"""Local rewrites of a loop node: what can be seen from the node and its body alone.

- ``loop_hoist_invariants``: body nodes that read only constants (the loop's
  constant inputs and literal constants) and the shapes of sequence rows and
  carries (which do not change from step to step) are computed once, outside
  the loop, and enter it as constants.  Note the one visible difference: a
  hoisted computation that fails now fails even when the loop runs no step.
- ``loop_drop_unused_inputs``: constants the body does not read, and
  sequences it does not read that provably have enough rows, are no longer
  inputs; the same outer value given twice becomes one input.
- ``loop_constant_carries``: a carry the step passes on unchanged is a
  constant, and its final value is its initial value.
- ``loop_stacked_sequences``: a per-step output that is a sequence's row
  (what remains of a ``map`` whose work was pushed out of the loop) is the
  sequence's first rows, read without running the loop.
"""

from __future__ import annotations

from typing import cast

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.traversal import ancestors
from arignote.loop.body import substitute
from arignote.loop.checks import checked_steps
from arignote.loop.op import Loop
from arignote.loop.parts import LoopParts, value_name
from arignote.rewrite.phases import canonicalize, specialize
from arignote.tensor.shape import Shape, ShapeI, shape, shape_i
from arignote.tensor.shape_inference import known_dim, same_dim, shape_of


def _rebuilt(parts: LoopParts, node: Apply) -> list[Variable] | None:
    new = parts.build()
    if new is node:
        return None
    mapping = parts.replacements(new)
    return [mapping.get(o, o) for o in node.outputs]


def formal_shapes(node: Apply) -> dict[Variable, Variable]:
    """The body's shape reads of sequence rows and carries, mapped to the same shapes outside.

    Rows and carries keep their shape from step to step, so their shapes are
    loop invariants: a row's is its sequence's past the first axis, a carry's
    its initial value's.
    """
    op = cast(Loop, node.op)
    _, seqs, inits, _ = op.outer_parts(node)
    outer = {id(f): (s, 1) for f, s in zip(op.seq_inputs, seqs)}
    outer.update({id(f): (i, 0) for f, i in zip(op.carry_inputs, inits)})
    found: dict[Variable, Variable] = {}
    for inner in op.nodes:
        source = outer.get(id(inner.inputs[0])) if inner.inputs else None
        if source is None:
            continue
        value, skip = source
        if isinstance(inner.op, ShapeI):
            found[inner.outputs[0]] = shape_i(value, inner.op.axis + skip)
        elif isinstance(inner.op, Shape):
            found[inner.outputs[0]] = shape(value)[skip:] if skip else shape(value)
    return found


def hoist_invariants(node: Apply) -> list[Variable] | None:
    """Move the body's loop-invariant computations out of the loop."""
    op = cast(Loop, node.op)
    shapes = formal_shapes(node)
    if not op.n_consts and not shapes and not any(isinstance(v, Constant)
                                                  for n in op.nodes for v in n.inputs):
        return None
    invariant = {id(v) for v in op.const_inputs} | {id(v) for v in shapes}
    for inner in op.nodes:
        if all(id(v) in invariant or isinstance(v, Constant) for v in inner.inputs):
            invariant.update(id(o) for o in inner.outputs)
    # the invariant values the varying part reads: what to compute outside
    frontier: dict[int, Variable] = {}
    for inner in op.nodes:
        if id(inner.outputs[0]) in invariant:
            continue
        for v in inner.inputs:
            if id(v) in invariant and v.owner is not None:
                frontier.setdefault(id(v), v)
    for v in op.inner_outputs:
        if id(v) in invariant and v.owner is not None:
            frontier.setdefault(id(v), v)
    if not frontier:
        return None
    parts = LoopParts.of(node)
    outer_of: dict[Variable, Variable] = {f: outer for outer, f in parts.consts}
    outer_of.update(shapes)
    hoisted = substitute(list(frontier.values()), outer_of)
    mapping = {}
    for inner_value, outer_value in zip(frontier.values(), hoisted):
        new_formal = inner_value.type.make_variable(value_name(inner_value))
        parts.consts.append((outer_value, new_formal))
        mapping[inner_value] = new_formal
    parts.substitute_inner(mapping)
    drop_unused(parts)
    return _rebuilt(parts, node)


def _long_enough(sequence: Variable, n_steps: Variable) -> bool:
    """Whether ``sequence`` provably has at least ``n_steps`` rows."""
    rows = shape_of(sequence)[0]
    if same_dim(rows, n_steps):
        return True
    known_rows, known_steps = known_dim(rows), known_dim(n_steps)
    return known_rows is not None and known_steps is not None and known_rows >= known_steps


def drop_unused(parts: LoopParts) -> bool:
    """Remove unread inputs and merge repeated outer values; whether any changed.

    An unread sequence goes only when it provably has enough rows; otherwise
    it stays, so the loop still raises when it is too short, as it did.
    """
    used = {id(v) for v in ancestors(parts.inner_outputs)}
    changed = False
    kept_seqs: list[tuple[Variable, Variable]] = []
    seen_seq: dict[int, Variable] = {}
    mapping: dict[Variable, Variable] = {}
    for outer, f in parts.seqs:
        if id(f) not in used and _long_enough(outer, parts.n_steps):
            changed = True
        elif id(outer) in seen_seq:
            mapping[f] = seen_seq[id(outer)]
            changed = True
        else:
            seen_seq[id(outer)] = f
            kept_seqs.append((outer, f))
    kept_consts: list[tuple[Variable, Variable]] = []
    seen_const: dict[int, Variable] = {}
    for outer, f in parts.consts:
        if id(f) not in used:
            changed = True
        elif id(outer) in seen_const:
            mapping[f] = seen_const[id(outer)]
            changed = True
        else:
            seen_const[id(outer)] = f
            kept_consts.append((outer, f))
    parts.seqs, parts.consts = kept_seqs, kept_consts
    if mapping:
        parts.substitute_inner(mapping)
    return changed


def drop_unused_inputs(node: Apply) -> list[Variable] | None:
    """Constants the body does not read stop being inputs; repeats merge."""
    parts = LoopParts.of(node)
    if not drop_unused(parts):
        return None
    return _rebuilt(parts, node)


def constant_carries(node: Apply) -> list[Variable] | None:
    """A carry passed on unchanged is a constant; its final value is its initial value."""
    op = cast(Loop, node.op)
    if not any(u is f for f, u in zip(op.carry_inputs, op.carry_outputs)):
        return None
    parts = LoopParts.of(node)
    finals: dict[Variable, Variable] = {}
    kept = []
    for c in parts.carries:
        if c.update is c.formal:
            parts.consts.append((c.init, c.formal))
            if c.final is not None:
                finals[c.final] = c.init
        else:
            kept.append(c)
    parts.carries = kept
    if not parts.carries and not parts.ys and parts.stop is None:
        return [finals.get(o, o) for o in node.outputs[:op.n_carries]] + list(node.outputs[op.n_carries:])
    new = parts.build()
    mapping = {**parts.replacements(new), **finals}
    return [mapping.get(o, o) for o in node.outputs]


def stacked_sequences(node: Apply) -> list[Variable] | None:
    """A per-step output that is a sequence's row is that sequence's first rows: no loop needed."""
    op = cast(Loop, node.op)
    seq_formals = {id(f) for f in op.seq_inputs}
    if not any(id(y) in seq_formals for y in op.y_outputs):
        return None
    parts = LoopParts.of(node)
    outer_of = {id(f): outer for outer, f in parts.seqs}
    forwarded = [y for y in parts.ys if id(y.value) in outer_of]
    parts.ys = [y for y in parts.ys if id(y.value) not in outer_of]
    drop_unused(parts)
    if parts.carries or parts.ys or parts.stop is not None:
        new = parts.build()
        mapping = parts.replacements(new)
        steps = new.outputs[-1] if new.op.until else new.inputs[0]
    else:  # the sequences' rows stand for the whole loop: its checks too
        mapping = {}
        steps = checked_steps(node.inputs[0], [outer for outer, _ in parts.seqs])
    for y in forwarded:
        rows = outer_of[id(y.value)][:steps]  # type: ignore[index]
        mapping[y.output] = rows if y.keep is None else rows[-y.keep:]  # type: ignore[index]
    return [mapping.get(o, o) for o in node.outputs]


for _phase in (canonicalize, specialize):
    suffix = "" if _phase is canonicalize else "_again"
    _phase.rule(Loop, name="loop_constant_carries" + suffix)(constant_carries)
    _phase.rule(Loop, name="loop_drop_unused_inputs" + suffix)(drop_unused_inputs)
    _phase.rule(Loop, name="loop_hoist_invariants" + suffix)(hoist_invariants)
    _phase.rule(Loop, name="loop_stacked_sequences" + suffix)(stacked_sequences)
