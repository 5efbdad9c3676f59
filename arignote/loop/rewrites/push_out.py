"""Work moved out of a loop into whole-array operations (PyTensor's "push out" rewrites).

- ``loop_push_out_sequences``: body values that read sequences and
  constants but no carry (``U @ x_t + b`` in an RNN) are computed for every
  step at once before the loop (``X @ U.T + b``), with the batching rules
  of :mod:`arignote.autodiff.vectorize`; the loop reads their rows.  A sum
  mixing such terms with carry-dependent ones is regrouped first so that
  they form one value.  Not done in while loops (their steps past the stop
  would be computed for nothing), nor for values with more dimensions than
  the sequences they read (they would take more memory than the sequences).
  Random draws are never pushed out (drawn for all steps at once they would
  give other numbers).
- ``loop_push_out_sums``: a carry that only accumulates, ``c = c + f_t``
  with ``f_t`` not reading ``c``, becomes ``c_0 + sum_t f_t`` after the
  loop.  When ``f_t`` is an outer product ``a_t b_t^T`` (the gradient of a
  matrix-vector product, which the backward pass of an RNN accumulates), the
  loop stacks ``a_t`` and ``b_t`` and the sum is one matrix product
  ``A^T B``; a sequence factor is read from the sequence itself.  Other
  ``f_t`` are pushed out when stacking them costs no more than the
  sequences already take (at most as many dimensions as the widest one).

Both change the order of floating-point additions, as any reassociation
does; the values agree to rounding.
"""

from __future__ import annotations

import typing

from arignote.autodiff.vectorize import NoBatchingRule, vectorize_graph
from arignote.graph.basic import Apply, Variable
from arignote.graph.traversal import ancestors, toposort
from arignote.loop.body import substitute
from arignote.loop.checks import checked_steps
from arignote.loop.op import Loop, is_generator
from arignote.loop.parts import LoopParts, Stacked, value_name
from arignote.loop.rewrites.simplify import drop_unused
from arignote.rewrite.phases import canonicalize
from arignote.scalar.math import Add, Mul
from arignote.tensor.basic import cast
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.math import add, mul
from arignote.tensor.products import dot
from arignote.tensor.reduction import sum as tensor_sum

SEQ, INVARIANT, VARYING = "seq", "invariant", "varying"


def _kinds(op_nodes: list[Apply], parts: LoopParts) -> dict[int, str]:
    """For each inner variable: reads a carry (varying), else a sequence (seq), else invariant."""
    kinds: dict[int, str] = {}
    for _, f in parts.seqs:
        kinds[id(f)] = SEQ
    for c in parts.carries:
        kinds[id(c.formal)] = VARYING
    for _, f in parts.consts:
        kinds[id(f)] = INVARIANT
    formals = {id(f) for _, f in parts.seqs} | {id(c.formal) for c in parts.carries}
    for node in op_nodes:
        found = [kinds.get(id(v), INVARIANT) for v in node.inputs]
        kind = VARYING if VARYING in found else SEQ if SEQ in found else INVARIANT
        if type(node.op).__name__ in ("Shape", "ShapeI") and id(node.inputs[0]) in formals:
            kind = INVARIANT  # rows and carries keep their shape: hoisting takes these out
        if any(is_generator(v) for v in (*node.inputs, *node.outputs)):
            # a draw stays in the loop: drawn for all steps at once, it would give other numbers
            # (a generator that is not carried gives every step the same ones)
            kind = VARYING
        for out in node.outputs:
            kinds[id(out)] = kind
    return kinds


def _is_add(node: Apply | None) -> bool:
    return node is not None and isinstance(node.op, Elemwise) and type(node.op.scalar_op) is Add


def _regroup_sums(parts: LoopParts) -> bool:
    """Sums mixing carry-dependent terms with several others get the others summed apart."""
    nodes = toposort(parts.inner_outputs)
    kinds = _kinds(nodes, parts)
    mapping: dict[Variable, Variable] = {}
    for node in nodes:
        if not _is_add(node) or kinds[id(node.outputs[0])] != VARYING:
            continue
        fixed = [v for v in node.inputs if kinds.get(id(v), INVARIANT) != VARYING]
        if len(fixed) < 2 or not any(kinds.get(id(v)) == SEQ for v in fixed):
            continue
        varying = [v for v in node.inputs if kinds.get(id(v), INVARIANT) == VARYING]
        mapping[node.outputs[0]] = add(*varying, add(*fixed))
    if not mapping:
        return False
    parts.substitute_inner(mapping)
    return True


def _is_view_of(var: Variable, formals: set[int]) -> bool:
    while var.owner is not None and type(var.owner.op).__name__ in ("DimShuffle", "SpecifyShape"):
        var = var.owner.inputs[0]
    return id(var) in formals


def push_out_sequences(node: Apply) -> list[Variable] | None:
    """Compute the carry-free values of the body for all steps before the loop."""
    op = typing.cast(Loop, node.op)
    if op.until or not op.n_seqs:
        return None
    parts = LoopParts.of(node)
    _regroup_sums(parts)
    nodes = toposort(parts.inner_outputs)
    kinds = _kinds(nodes, parts)
    seq_formals = {id(f) for _, f in parts.seqs}
    frontier: dict[int, Variable] = {}
    for inner in nodes:
        if kinds[id(inner.outputs[0])] != VARYING:
            continue
        for v in inner.inputs:
            if kinds.get(id(v)) == SEQ and v.owner is not None:
                frontier.setdefault(id(v), v)
    for v in parts.inner_outputs:
        if kinds.get(id(v)) == SEQ and v.owner is not None:
            frontier.setdefault(id(v), v)
    n_steps = parts.n_steps
    outer_const = {f: outer for outer, f in parts.consts}
    rows = {f: outer[:n_steps] for outer, f in parts.seqs}  # type: ignore[index]
    mapping: dict[Variable, Variable] = {}
    for v in frontier.values():
        if _is_view_of(v, seq_formals):
            continue
        below = ancestors([v])
        read = [f for f in rows if id(f) in {id(a) for a in below}]
        widest = max(f.type.ndim for f in read)
        # every value computed for all steps at once must fit in the sequences' size
        if any(kinds.get(id(a)) == SEQ and a.type.ndim > widest for a in below):
            continue
        (outside,) = substitute([v], outer_const)
        try:
            (batched,) = vectorize_graph([outside], {f: rows[f] for f in read}, n_steps)
        except NoBatchingRule:
            continue
        formal = v.type.make_variable(value_name(v))
        parts.seqs.append((batched, formal))
        mapping[v] = formal
    if not mapping:
        return None  # regrouping alone gains nothing
    parts.substitute_inner(mapping)
    drop_unused(parts)
    new = parts.build()
    replacements = parts.replacements(new)
    return [replacements.get(o, o) for o in node.outputs]


def _outer_factors(f: Variable) -> tuple[Variable, Variable] | None:
    """``(a, b)`` when ``f`` is the outer product ``a[:, None] * b[None, :]`` of two vectors."""
    node = f.owner
    if node is None or not isinstance(node.op, Elemwise) or type(node.op.scalar_op) is not Mul:
        return None
    if len(node.inputs) != 2:
        return None
    found = {}
    for x in node.inputs:
        inner = x.owner
        if inner is None or not isinstance(inner.op, DimShuffle) or inner.op.input_ndim != 1:
            return None
        found[inner.op.new_order] = inner.inputs[0]
    if set(found) != {(0, "x"), ("x", 0)}:
        return None
    return found[(0, "x")], found[("x", 0)]


def _nodes(parts: LoopParts) -> list[Apply]:
    return toposort(parts.inner_outputs)


def push_out_sums(node: Apply) -> list[Variable] | None:
    """Accumulating carries become sums (or one matrix product) after the loop."""
    op = typing.cast(Loop, node.op)
    if not op.n_carries:
        return None
    parts = LoopParts.of(node)
    plans = []
    for j, carry in enumerate(parts.carries):
        update = carry.update
        if not _is_add(update.owner) or len(update.owner.inputs) != 2:  # type: ignore[union-attr]
            continue
        a, b = update.owner.inputs  # type: ignore[union-attr]
        f = b if a is carry.formal else a if b is carry.formal else None
        if f is None or f is carry.formal:
            continue
        others = [c.update for k, c in enumerate(parts.carries) if k != j] + [y.value for y in parts.ys]
        if parts.stop is not None:
            others.append(parts.stop)
        if any(v is update for v in others) or any(v is carry.formal for v in ancestors([f, *others])):
            continue  # the running value is read at each step: it must stay a carry
        plans.append((j, f, _outer_factors(f) if carry.formal.type.ndim == 2 else None))
    if not plans:
        return None
    kinds = _kinds(_nodes(parts), parts)
    widest = max((f.type.ndim for _, f in parts.seqs), default=0)
    stacked_values = {id(y.value) for y in parts.ys} | {
        id(v) for _, _, fac in plans if fac is not None for v in fac}
    chosen = [(j, f, fac) for j, f, fac in plans
              if fac is not None or f.type.ndim <= widest or id(f) in stacked_values
              or kinds.get(id(f), INVARIANT) == INVARIANT]
    if not chosen:
        return None
    seq_outer = {id(f): outer for outer, f in parts.seqs}
    wanted: list[Variable] = []   # inner values to stack
    invariant_sums = {j: f for j, f, fac in chosen
                      if fac is None and kinds.get(id(f), INVARIANT) == INVARIANT}
    for j, f, fac in chosen:
        if j in invariant_sums:
            continue
        for v in (fac if fac is not None else (f,)):
            if id(v) not in seq_outer and all(v is not w for w in wanted):
                wanted.append(v)
    dropped = {j for j, _, _ in chosen}
    finals = {j: parts.carries[j].final for j in dropped}
    inits = {j: parts.carries[j].init for j in dropped}
    parts.carries = [c for j, c in enumerate(parts.carries) if j not in dropped]
    first = len(parts.ys)
    parts.ys.extend(Stacked(v, None) for v in wanted)
    outer_const = {f: outer for outer, f in parts.consts}
    drop_unused(parts)
    if parts.carries or parts.ys or parts.stop is not None:
        new = parts.build()
        new_op = typing.cast(Loop, new.op)
        replacements = parts.replacements(new)
        steps = new.outputs[-1] if new_op.until else new.inputs[0]
        stacks = new.outputs[new_op.n_carries + first:new_op.n_carries + new_op.n_ys]
    else:  # only invariant sums were left: no loop at all, but its checks stay
        replacements, stacks = {}, ()
        steps = checked_steps(node.inputs[0], [outer for outer, _ in parts.seqs])

    def rows(v: Variable) -> Variable:
        if id(v) in seq_outer:
            return seq_outer[id(v)][:steps]  # type: ignore[index]
        return stacks[[id(w) for w in wanted].index(id(v))]
    for j, f, fac in chosen:
        if j in invariant_sums:  # the same value added at every step
            (value,) = substitute([f], outer_const)
            total = mul(cast(steps, value.dtype) if value.type.numpy_dtype.kind in "fc" else steps, value)
        elif fac is not None:
            total = dot(rows(fac[0]).T, rows(fac[1]))
        else:
            total = tensor_sum(rows(f), axis=0)
        final = add(inits[j], total)
        old = finals[j]
        if final.dtype != old.dtype:  # type: ignore[union-attr]
            final = cast(final, old.dtype)  # type: ignore[union-attr]
        replacements[old] = final  # type: ignore[index]
    return [replacements.get(o, o) for o in node.outputs]


canonicalize.rule(Loop, name="loop_push_out_sums")(push_out_sums)
canonicalize.rule(Loop, name="loop_push_out_sequences")(push_out_sequences)
