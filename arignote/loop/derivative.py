"""Reverse-mode derivative of a loop: the backward pass is a loop over the stored states.

For a loop ``carry_{t+1}, y_t = step(s_t, carry_t, k)`` run for ``m`` steps,
the cotangents flow backwards::

    c̄ = cotangent of the final carries (zeros if none)
    k̄ = 0
    for t = m-1 down to 0:
        s̄_t, c̄, k̄_t = vjp(step at (s_t, carry_t, k))(c̄, ȳ_t)
        k̄ += k̄_t
    cotangents: sequences s̄ (zeros after the steps run), initial carries c̄,
    constants k̄

That backward pass is itself a `Loop` (so it is rewritten, run and
differentiated again like any loop: grad of grad works).  The step's
vector-Jacobian product is built once, symbolically, with the autodiff
engine on the body graph, for all inputs and outputs at once.

What the backward loop reads per step:

- the sequences' rows, reversed;
- the carries' values at each step.  For a carry whose new value is also a
  stacked output (every recurrent output of ``scan``), they are the initial
  value followed by that output's rows: nothing more is stored.  For a carry
  that only shifts another (a tap), they are the other's shifted.  Others are
  stacked by a copy of the forward loop with one more output; the
  ``loop_merge`` rewrite merges it with the original, so the forward pass
  still runs once;
- *residuals*: values of the forward step that the derivative reads (the
  ``tanh`` whose derivative is ``1 - tanh**2``) are stored rather than
  recomputed, taken from the stacked outputs when they are one, except
  views of inputs and loop-invariant values, which are cheaper to redo.

``truncate_gradient = T`` (PyTensor's truncated backpropagation through
time) runs the backward loop over the last ``min(m, T)`` steps only: the
sequences get zero cotangents before them, and the initial carries get a
cotangent only when the loop ran at most ``T`` steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from arignote.autodiff.reverse import pull_back
from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.traversal import ancestors, toposort
from arignote.loop.body import substitute
from arignote.loop.formals import depth_of
from arignote.loop.op import is_generator
from arignote.loop.parts import Carry, LoopParts, Stacked, value_name
from arignote.tensor.alloc import zeros, zeros_like
from arignote.tensor.dimshuffle import expand_dims
from arignote.tensor.join import concatenate, stack
from arignote.tensor.math import le, minimum, switch
from arignote.tensor.shape import Shape, ShapeI, shape_i
from arignote.tensor.shape_inference import shape_info
from arignote.tensor.subtensor_inc import set_subtensor

if TYPE_CHECKING:
    from arignote.loop.op import Loop

#: ops whose outputs are views or relabellings of their first input: cheaper recomputed than stored
_VIEW_OPS = ("DimShuffle", "Subtensor", "Reshape", "SpecifyShape", "ShapeI", "Shape")


def _inexact(var: Variable) -> bool:
    """Whether ``var`` has a cotangent: a float or complex tensor (a generator has none)."""
    dtype = getattr(var.type, "numpy_dtype", None)
    return dtype is not None and dtype.kind in "fc"


def loop_pullback(op: Loop, inputs: Sequence[Variable], outputs: Sequence[Variable],
                  cotangents: Sequence[Variable | None]) -> list[Variable | None]:
    """:meth:`Loop.pullback` (see the module docstring)."""
    node = outputs[0].owner
    assert node is not None
    nc, ny = op.n_carries, op.n_ys
    g_finals = list(cotangents[:nc])
    g_ys = list(cotangents[nc:nc + ny])
    if all(g is None for g in g_finals + g_ys):
        return [None] * len(inputs)
    n_steps, seqs, inits, consts = op.outer_parts(node)
    steps_run = outputs[-1] if op.until else n_steps

    # the vector-Jacobian product of one step, on the forward formals
    ct_carry = [f.type.make_variable(f"d{f.name or 'carry'}") if _inexact(f) else None
                for f in op.carry_inputs]
    ct_y = [y.type.make_variable(f"d{y.name or 'y'}") if g is not None and _inexact(y) else None
            for y, g in zip(op.y_outputs, g_ys)]
    formals = list(op.inner_inputs)
    wrt_cot = pull_back([*op.carry_outputs, *op.y_outputs], formals, [*ct_carry, *ct_y])
    seq_cot = wrt_cot[:op.n_seqs]
    carry_cot = wrt_cot[op.n_seqs:op.n_seqs + nc]
    const_cot = wrt_cot[op.n_seqs + nc:]
    const_cot = [g if g is not None and _inexact(k) else None for g, k in zip(const_cot, op.const_inputs)]
    seq_cot = [g if g is not None and _inexact(s) else None for g, s in zip(seq_cot, op.seq_inputs)]

    # the backward body's values: per-step cotangents of each carry, accumulated ones of constants
    updates = [None if c is None else (g if g is not None else _zeros(c))
               for c, g in zip(ct_carry, carry_cot)]
    acc = {l: op.const_inputs[l].type.make_variable(f"d{op.const_inputs[l].name or 'const'}")
           for l, g in enumerate(const_cot) if g is not None}
    acc_updates = {l: acc[l] + const_cot[l] for l in acc}
    stacked_cots = [g for g in seq_cot if g is not None]
    body_values = [u for u in updates if u is not None] + list(acc_updates.values()) + stacked_cots

    states = _States(op, node, inits)
    body_values = states.store_residuals(body_values)
    reached = {id(v) for v in ancestors(body_values)}
    carries_read = [j for j, formal in enumerate(op.carry_inputs) if id(formal) in reached]
    for j in carries_read:
        if is_generator(op.carry_inputs[j]):
            # its values at each step would have to be stored, and a generator is not stacked
            # (draws' derivatives read the draws, stored as residuals, never the generator)
            raise NotImplementedError(
                f"{op}: the derivative reads the generator carried as carry {j} at each step; "
                "a loop's derivative cannot store generators")
    for j in carries_read:
        states.plan_carry(j)
    states.stack_extras()

    n_back = _backward_steps(op, steps_run)
    parts = LoopParts(n_steps=n_back, truncate_gradient=op.truncate_gradient,
                      name=f"grad_of_{op.name}" if op.name else None, depth=states.depth + 1)
    for q, (formal, g) in enumerate(zip(ct_y, g_ys)):
        if formal is not None and g is not None and id(formal) in reached:  # (formal: g is not None)
            parts.seqs.append((_reversed(_full_rows(g, node.outputs[nc + q], steps_run)), formal))
    for i, formal in enumerate(op.seq_inputs):
        if id(formal) in reached:
            seq: Any = seqs[i]  # an outer tensor
            parts.seqs.append((_reversed(seq[:steps_run]), formal))
    for j in carries_read:
        parts.seqs.append((_reversed(states.carry_states(j)), op.carry_inputs[j]))
    for residual, formal in states.residual_inputs():
        if id(formal) in reached:
            parts.seqs.append((_reversed(residual), formal))
    for l, formal in enumerate(op.const_inputs):
        if id(formal) in reached:
            parts.consts.append((consts[l], formal))
    body = iter(body_values)
    carry_slots: dict[int, int] = {}
    for j, formal in enumerate(ct_carry):
        if formal is None:
            continue
        g_final = g_finals[j]
        init = g_final if g_final is not None else _zeros(node.outputs[j])
        carry_slots[j] = len(parts.carries)
        parts.carries.append(Carry(init, formal, next(body)))
    acc_slots: dict[int, int] = {}
    for l, formal in acc.items():
        acc_slots[l] = len(parts.carries)
        parts.carries.append(Carry(_zeros(consts[l]), formal, next(body)))
    seq_slots: dict[int, int] = {}
    for i, g in enumerate(seq_cot):
        if g is not None:
            seq_slots[i] = len(parts.ys)
            parts.ys.append(Stacked(next(body), None))
    if not parts.carries and not parts.ys:
        return [None] * len(inputs)
    back = parts.build()
    back_op = back.op
    finals_back = back.outputs[:back_op.n_carries]
    ys_back = back.outputs[back_op.n_carries:]

    result: list[Variable | None] = [None]
    for i, seq in enumerate(seqs):
        result.append(None if i not in seq_slots else
                      _seq_cotangent(seq, ys_back[seq_slots[i]], steps_run, n_back))
    for j in range(len(inits)):
        if j not in carry_slots:
            result.append(None)
            continue
        result.append(_init_cotangent(op, finals_back[carry_slots[j]], steps_run))
    for l in range(len(consts)):
        result.append(finals_back[acc_slots[l]] if l in acc_slots else None)
    return result


def _zeros(like: Variable) -> Variable:
    return zeros_like(like)


def _reversed(x: Any) -> Variable:  # x: a tensor
    return x[::-1]


def _backward_steps(op: Loop, steps_run: Variable) -> Variable:
    if op.truncate_gradient == -1:
        return steps_run

    return minimum(steps_run, op.truncate_gradient)


def _full_rows(g: Variable, stacked: Variable, steps_run: Variable) -> Variable:
    """The cotangent of a stacked output as one row per step run (a kept suffix padded with zeros)."""
    op = stacked.owner.op  # type: ignore[union-attr]
    if op.keep[stacked.index - op.n_carries] is None:
        return g
    rows = shape_i(g, 0)
    full = zeros((steps_run, *[shape_i(g, a) for a in range(1, g.ndim)]), dtype=g.dtype)
    return set_subtensor(full[steps_run - rows:], g)


def _seq_cotangent(seq: Variable, stacked: Variable, steps_run: Any, n_back: Variable) -> Variable:
    """A sequence's cotangent: the backward loop's rows (newest first) put back in place."""
    rows = _reversed(stacked)
    return set_subtensor(zeros_like(seq)[steps_run - n_back:steps_run], rows)


def _init_cotangent(op: Loop, back_final: Variable, steps_run: Variable) -> Variable:
    if op.truncate_gradient == -1:
        return back_final

    # the chain is cut after ``truncate_gradient`` steps: the initial value only sees it if
    # the loop was that short
    return switch(le(steps_run, op.truncate_gradient), back_final, _zeros(back_final))


class _States:
    """Where the backward loop gets the forward values it reads, per step."""

    def __init__(self, op: Loop, node: Apply, inits: list[Variable]) -> None:
        self.op, self.node, self.inits = op, node, inits
        self.depth = max((depth_of(v) for v in op.inner_inputs), default=1) or 1
        nc = op.n_carries
        # inner value -> stacked output holding it (outputs stacking every step)
        self.stacked_of: dict[int, Variable] = {}
        for q, (y, k) in enumerate(zip(op.y_outputs, op.keep)):
            if k is None:
                self.stacked_of.setdefault(id(y), node.outputs[nc + q])
        self.extra: list[Variable] = []    # inner values a copy of the loop must stack
        self._residuals: list[tuple[Variable, Variable]] = []  # (inner value, backward formal)
        self._carry_states: dict[int, Variable] = {}

    # --- residuals --------------------------------------------------------------------------
    def store_residuals(self, values: list[Variable]) -> list[Variable]:
        """``values`` with the forward step's intermediates they read replaced by stored ones.

        Shapes of intermediates become their inferred shapes first (a shape is
        no reason to recompute or store a value).
        """
        op = self.op
        forward_nodes = set(op.nodes)
        values = _shapes_inferred(values, forward_nodes)
        formal_ids = {id(v) for v in op.inner_inputs}
        invariant = {id(v) for v in op.const_inputs}
        for n in op.nodes:
            if all(id(v) in invariant or isinstance(v, Constant) for v in n.inputs):
                invariant.update(id(o) for o in n.outputs)

        def stored(v: Variable) -> bool:
            return (v.owner is not None and v.owner in forward_nodes and id(v) not in invariant
                    and not _is_view_of_formals(v, formal_ids))
        frontier: dict[int, Variable] = {}
        for n in toposort(values):
            if n not in forward_nodes:
                for v in n.inputs:
                    if stored(v):
                        frontier.setdefault(id(v), v)
        for v in values:
            if stored(v):
                frontier.setdefault(id(v), v)
        if not frontier:
            return values
        mapping = {}
        for v in frontier.values():
            formal = v.type.make_variable(value_name(v))
            mapping[v] = formal
            self._residuals.append((v, formal))
            self._request(v)
        return substitute(values, mapping)

    def residual_inputs(self) -> list[tuple[Variable, Variable]]:
        """(stacked values, backward formal) of each residual."""
        return [(self.stacked(v), formal) for v, formal in self._residuals]

    # --- stored values ------------------------------------------------------------------------
    def _request(self, inner: Variable) -> None:
        if id(inner) not in self.stacked_of and inner not in self.extra:
            self.extra.append(inner)

    def plan_carry(self, j: int, _seen: frozenset[int] = frozenset()) -> None:
        """Ask for what :meth:`carry_states` will read for carry ``j``."""
        source = self._shift_source(j, _seen)
        if source is None:
            self._request(self.op.carry_inputs[j])
        elif isinstance(source, int):
            self.plan_carry(source, _seen | {j})

    def _shift_source(self, j: int, seen: frozenset[int]) -> int | Variable | None:
        """What carry ``j``'s next value is: a stacked output, another carry (its index), or None."""
        op = self.op
        update = op.carry_outputs[j]
        if id(update) in self.stacked_of:
            return self.stacked_of[id(update)]
        if update in op.carry_inputs:
            source = op.carry_inputs.index(update)
            if source != j and source not in seen:
                return source
        return None

    def stack_extras(self) -> None:
        """Build the forward loop copy that also stacks the requested values (once)."""
        if not self.extra:
            return
        parts = LoopParts.of(self.node)
        first = len(parts.ys)
        parts.ys.extend(Stacked(v, None) for v in self.extra)
        node = parts.build()
        nc = node.op.n_carries
        for position, v in enumerate(self.extra):
            self.stacked_of[id(v)] = node.outputs[nc + first + position]

    def stacked(self, inner: Variable) -> Variable:
        """The per-step values of the forward inner value ``inner`` (one row per step run)."""
        return self.stacked_of[id(inner)]

    def carry_states(self, j: int, _seen: frozenset[int] = frozenset()) -> Variable:
        """The value carry ``j`` enters each step with: row ``t`` is its value at step ``t``."""
        found = self._carry_states.get(j)
        if found is not None:
            return found

        source = self._shift_source(j, _seen)
        if source is None:
            states = self.stacked(self.op.carry_inputs[j])
        else:
            shifted = source if isinstance(source, Variable) else self.carry_states(source, _seen | {j})
            # entering step t+1 is what step t produced; entering step 0 is the initial value
            states = concatenate([expand_dims(self.inits[j], 0), shifted[:-1]])  # type: ignore[index]
        self._carry_states[j] = states
        return states


def _shapes_inferred(values: list[Variable], forward_nodes: set[Apply]) -> list[Variable]:
    """``values`` with each shape read of a forward intermediate replaced by its inferred shape."""
    mapping: dict[Variable, Variable] = {}
    for n in toposort(values):
        if not isinstance(n.op, (Shape, ShapeI)):
            continue
        target = n.inputs[0]
        if target.owner is None or target.owner not in forward_nodes:
            continue
        info = shape_info(target)
        if isinstance(n.op, ShapeI):
            if not info.reads_node[n.op.axis]:
                mapping[n.outputs[0]] = info.dims[n.op.axis]
        elif not any(info.reads_node):
            mapping[n.outputs[0]] = stack(list(info.dims)) if info.dims else n.outputs[0]
    mapping = {k: v for k, v in mapping.items() if k is not v}
    return substitute(values, mapping) if mapping else values


def _is_view_of_formals(var: Variable, formal_ids: set[int]) -> bool:
    """Whether ``var`` is a chain of views and shape reads down to a formal (or constants)."""
    while var.owner is not None:
        if type(var.owner.op).__name__ not in _VIEW_OPS:
            return False
        others = var.owner.inputs[1:]
        if any(not isinstance(o, Constant) for o in others):
            return False
        var = var.owner.inputs[0]
    return id(var) in formal_ids or isinstance(var, Constant)
