"""Batching a loop over a leading axis: a loop over a batched body.

The autodiff layer builds Jacobians and Hessians from one pullback batched
over basis cotangents (:mod:`arignote.autodiff.vectorize`).  A loop batches
as ``vmap(scan) = scan(vmap(step))``: batched sequences get the batch as
their second axis (the first is time), a carry is batched when its initial
value is or when its update reads something batched, and the body is the
batched body.  Stacked outputs come out as ``(steps, batch, ...)`` and are
transposed to ``(batch, steps, ...)``.

A while loop whose stop condition reads batched values would stop at a
different step for each element of the batch: it has no batching rule (the
Jacobian is then built row by row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from arignote.autodiff.vectorize import vectorize_graph
from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule
from arignote.graph.traversal import ancestors
from arignote.loop.op import Loop, is_generator
from arignote.loop.parts import Carry, LoopParts, Stacked
from arignote.tensor.batching import broadcast_batch
from arignote.tensor.dimshuffle import dimshuffle
from arignote.tensor.shape import shape_i


def _reads(values: list[Variable], formals: set[int]) -> list[bool]:
    return [any(id(v) in formals for v in ancestors([value])) for value in values]


def batch_loop(node: Apply, xs: Sequence[Variable], flags: Sequence[bool], size: Variable) -> list[Variable]:
    """The batching rule of `Loop` (``Loop.batch``; see the module docstring)."""

    op = cast(Loop, node.op)
    if flags[0]:
        raise NoBatchingRule(f"{op}: the number of steps differs across the batch")
    ns, nc = op.n_seqs, op.n_carries
    batched = {id(f) for f, flag in zip(op.inner_inputs, flags[1:]) if flag}
    carry_batched = [flags[1 + ns + j] for j in range(nc)]
    while True:  # a carry whose update reads a batched value is batched too
        reads = _reads(list(op.carry_outputs), batched)
        grown = [b or r for b, r in zip(carry_batched, reads)]
        if grown == carry_batched:
            break
        carry_batched = grown
        batched |= {id(f) for f, b in zip(op.carry_inputs, carry_batched) if b}
    if any(b and is_generator(f) for f, b in zip(op.carry_inputs, carry_batched)):
        # a generator has no batch axis, and one drawing for the whole batch would not give
        # each element the numbers its own loop draws
        raise NoBatchingRule(f"{op}: a carried random generator draws from batched values")
    if op.until and _reads([op.stop_output], batched)[0]:  # type: ignore[list-item]
        raise NoBatchingRule(f"{op}: the stop condition differs across the batch")
    ys_batched = _reads(list(op.y_outputs), batched)

    parts = LoopParts.of(node)
    # unbatched inputs may still have been rebuilt (a shape read of a batched value)
    parts.n_steps = xs[0]
    parts.seqs = [(x, f) for x, (_, f) in zip(xs[1:1 + ns], parts.seqs)]
    for carry, x in zip(parts.carries, xs[1 + ns:1 + ns + nc]):
        carry.init = x
    parts.consts = [(x, f) for x, (_, f) in zip(xs[1 + ns + nc:], parts.consts)]
    mapping: dict[Variable, Variable] = {}
    for i, (_, formal) in enumerate(parts.seqs):
        if flags[1 + i]:
            moved = dimshuffle(xs[1 + i], [1, 0, *range(2, xs[1 + i].ndim)])
            new = formal.type.clone(shape=(None, *formal.type.shape)).make_variable(formal.name)
            parts.seqs[i] = (moved, new)
            mapping[formal] = new
    for j, carry in enumerate(parts.carries):
        if carry_batched[j]:
            init = xs[1 + ns + j] if flags[1 + ns + j] else broadcast_batch(carry.init, size)
            new_type = carry.formal.type.clone(shape=(None, *carry.formal.type.shape))
            new = new_type.make_variable(carry.formal.name)
            parts.carries[j] = Carry(init, new, carry.update, carry.final)
            mapping[carry.formal] = new
    first_const = 1 + ns + nc
    for l, (_, formal) in enumerate(parts.consts):
        if flags[first_const + l]:
            new = formal.type.clone(shape=(None, *formal.type.shape)).make_variable(formal.name)
            parts.consts[l] = (xs[first_const + l], new)
            mapping[formal] = new
    if not mapping:
        raise NoBatchingRule(f"{op}: no batched input reaches the body")
    inner_size = shape_i(next(iter(mapping.values())), 0)
    to_batch = [c.update for c, b in zip(parts.carries, carry_batched) if b]
    to_batch += [y.value for y, b in zip(parts.ys, ys_batched) if b]
    batched_values = iter(vectorize_graph(to_batch, mapping, inner_size))
    for j, carry in enumerate(parts.carries):
        if carry_batched[j]:
            carry.update = next(batched_values)
    for q, y in enumerate(parts.ys):
        if ys_batched[q]:
            parts.ys[q] = Stacked(next(batched_values), y.keep, y.output)
    # unbatched parts still read the unbatched formals: nothing to change for them
    new = parts.build()
    outputs = list(new.outputs)
    result = []
    for j in range(nc):
        result.append(outputs[j])
    for q in range(op.n_ys):
        out = outputs[nc + q]
        result.append(dimshuffle(out, [1, 0, *range(2, out.ndim)]) if ys_batched[q] else out)
    if op.until:
        result.append(outputs[-1])
    return result
