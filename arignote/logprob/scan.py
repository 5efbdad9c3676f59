"""Densities of random variables drawn inside loops (``scan``): AR and state-space series.

A stacked output ``xs`` of a :class:`~arignote.loop.op.Loop` whose step draws ``x_t`` has, given
a value ``v`` for the whole series, the density ``sum_t log p(v[t] | step inputs at t)``: once
every random quantity a step reads is replaced by its value, the steps' densities are
independent of each other.  The step's inputs at ``t`` are

- the rows ``t`` of the loop's sequences, and its constants (parameters, valued random
  variables outside the loop, which the caller replaces by their values);
- its carries.  A carry whose new value is the draw of a valued output (``x_{t-1}``, the
  default tap ``-1`` of ``scan``), or the previous value of such a carry (taps ``[-2, -1]``:
  ``x_{t-2}``), holds at step ``t`` a row of the valued series shifted by its lag, the carries'
  initial values in front: it becomes a sequence.  A carry that depends on no draw (a step
  counter) stays a carry.  Random generators are dropped: no density reads them.

The density of one step is derived in the body by the body's own measurable rules (a draw, or
a measurable transform of one, such as ``rho * x_prev + sigma * eps``).  When every carry it
reads has become a sequence, the per-step density is *batched* over the steps
(:func:`~arignote.graph.replace.vectorize_graph`): one vectorised expression, no loop, which is
what makes the density of a 500-step AR(1) series as fast as a hand-written ``logpdf``.  When
batching is not possible (a deterministic carry is read, or an op has no batching), a new loop
computes the per-step terms.

Several outputs of one loop may be valued (a latent walk ``z_t`` and observations
``y_t ~ N(z_t, e)``); a step density that needs a per-step draw without a value, or a loop
with a stop condition (``until``), whose number of steps is random, raise
:class:`~arignote.logprob.basic.NotMeasurable`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule
from arignote.graph.replace import vectorize_graph
from arignote.graph.sourceinfo import describe_node
from arignote.graph.traversal import ancestors
from arignote.logprob.basic import NotMeasurable
from arignote.logprob.measurable import Derivation, inner_draw_rules, is_draw, measurable_rules
from arignote.loop.body import substitute
from arignote.loop.formals import depth_of
from arignote.loop.op import Loop, is_generator
from arignote.loop.parts import Carry, LoopParts, Stacked
from arignote.tensor import math as tm
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.check_and_raise import CheckAndRaise
from arignote.tensor.dimshuffle import expand_dims
from arignote.tensor.join import concatenate
from arignote.tensor.shape import shape_i
from arignote.tensor.shape_inference import known_dim
from arignote.tensor.variable import TensorVariable

__all__ = ["loop_output_is_random"]


def _label(op: Loop, node: Apply, k: int) -> str:
    """How an error names stacked output ``k`` of the loop ``node``."""
    out = node.outputs[op.n_carries + k]
    return f"scan output {k}" + (f" ({out.name})" if out.name else "")


def loop_output_is_random(var: Variable) -> bool:
    """Whether the output ``var`` of a loop node depends on a draw made inside the loop.

    The draws of a loop's body are not ancestors of its outputs in the outer graph (the body is
    an inner graph), so a walk over the outer graph does not see them; this looks inside: a
    per-step output or a carry is random when its inner value depends on a draw, or on a carry
    that does.
    """
    node = var.owner
    if node is None or not isinstance(node.op, Loop):
        return False
    op = node.op
    random_carries = _random_carries(op)
    position = node.outputs.index(var)
    inner = op.inner_outputs[position] if position < op.n_carries + op.n_ys else None
    return inner is not None and _reads_random(inner, op, random_carries)


inner_draw_rules.add(Loop, loop_output_is_random)


def _reads_random(value: Variable, op: Loop, random_carries: set[int]) -> bool:
    """Whether the inner ``value`` depends on a draw or on a random carry."""
    carry_ids = {id(f): c for c, f in enumerate(op.carry_inputs)}
    return any(is_draw(a) or carry_ids.get(id(a)) in random_carries for a in ancestors([value]))


def _random_carries(op: Loop) -> set[int]:
    """The carries (positions) whose value depends on a draw of the body, by a fixed point."""
    random: set[int] = set()
    while True:
        grown = {c for c, update in enumerate(op.carry_outputs)
                 if not is_generator(update) and _reads_random(update, op, random)}
        if grown <= random:
            return random
        random |= grown


@dataclass
class _Step:
    """One step's density and what it reads, while it is being turned into the series' density."""

    term: Variable                                   # inner: the step's density
    seqs: list[tuple[Variable, Variable]] = field(default_factory=list)   # (outer rows, formal)
    carries: list[Carry] = field(default_factory=list)                   # carries still carried
    consts: list[tuple[Variable, Variable]] = field(default_factory=list)  # (outer, formal)
    value: Variable | None = None   # the valued series (outer), checked against the steps
    what: str = ""                  # how errors name it


def _lags(op: Loop, valued_inner: dict[int, Variable]) -> dict[int, tuple[int, int, int | None]]:
    """The carries that hold past values of a valued output: carry position -> (output, lag,
    the carry of lag - 1 or None).  A carry whose new value is the output's draw holds it one
    step back; one whose new value is such a carry's formal holds it one step further back."""
    lags: dict[int, tuple[int, int, int | None]] = {}
    formals = {id(f): c for c, f in enumerate(op.carry_inputs)}
    grown = True
    while grown:
        grown = False
        for c, update in enumerate(op.carry_outputs):
            if c in lags:
                continue
            for k, inner in valued_inner.items():
                if update is inner:
                    lags[c] = (k, 1, None)
                    grown = True
                    break
            else:
                parent = formals.get(id(update))
                if parent is not None and parent in lags:
                    k, lag, _ = lags[parent]
                    lags[c] = (k, lag + 1, parent)
                    grown = True
    return lags


def _history(c: int, lags: dict[int, tuple[int, int, int | None]], inits: list[Variable],
             value: Variable) -> Variable:
    """The rows carry ``c`` holds at each step: its chain's initial values, the oldest first,
    then the valued series, cut to the series' length (``X[t]`` is the value ``lag`` steps
    before step ``t``)."""
    chain = []
    at_c: int | None = c
    while at_c is not None:
        chain.append(at_c)
        at_c = lags[at_c][2]
    lag = lags[c][1]
    rows = [expand_dims(as_tensor_variable(inits[p]), 0) for p in chain]  # lag, lag - 1, ..., 1
    return concatenate([*rows, value], axis=0)[:-lag]


def _steps_check(term: Variable, n_steps: Variable, value: Variable, what: str) -> Variable:
    """``term`` once the value has ``n_steps`` rows (a build-time error when both are known)."""
    length, steps = value.type.shape[0], known_dim(n_steps)
    if length is not None and steps is not None:
        if length != steps:
            raise ValueError(f"conditional_logp: the value of {what} has {length} rows, but the loop "
                             f"makes {steps} steps")
        return term
    same = tm.eq(shape_i(value, 0), n_steps)
    return CheckAndRaise(ValueError, f"conditional_logp: the value of {what} must have one row per "
                         f"step of the loop")(term, same)


def _step_density(var: Variable, value: TensorVariable, derivation: Derivation) -> _Step:
    """The density of one step of ``var`` (a stacked output of a loop) at the rows of ``value``,
    written with the loop's formals, the carries holding past values turned into sequences."""
    node = var.owner
    assert node is not None
    op = cast(Loop, node.op)
    where = describe_node(node)
    if op.until:
        raise NotMeasurable(f"conditional_logp: cannot derive the density of {var}: it is computed by "
                            f"{where}, a loop with a stop condition (until), whose number of steps is "
                            "itself random; only loops of a given number of steps are measurable")
    position = node.outputs.index(var)
    if position < op.n_carries:
        raise NotMeasurable(f"conditional_logp: cannot derive the density of {var}: it is the final "
                            f"value of a carry of {where}; give a value to the per-step output (the "
                            "stacked series) instead")
    j = position - op.n_carries
    n_steps, outer_seqs, inits, outer_consts = op.outer_parts(node)
    # the values of the valued stacked outputs: `value` for var, the outputs themselves for the
    # others (the caller replaces them by their values in every term)
    values: dict[int, Variable] = {}
    for k, out in enumerate(node.outputs[op.n_carries:op.n_carries + op.n_ys]):
        if op.keep[k] is not None:
            if k == j:
                raise NotMeasurable(f"conditional_logp: cannot derive the density of {var}: only its "
                                    f"last {op.keep[k]} rows are kept by {where}")
            continue
        if k == j or out in derivation.valued:
            values[k] = as_tensor_variable(value) if k == j else out
    inner_ys = op.y_outputs
    valued_inner = {k: inner_ys[k] for k in values}
    if len({id(v) for v in valued_inner.values()}) != len(valued_inner):
        raise NotMeasurable(f"conditional_logp: {where} stacks one per-step value twice, and both "
                            "stacks have values; give a value to one of them")
    for k, v in values.items():
        if v.type.ndim != inner_ys[k].type.ndim + 1:
            raise ValueError(f"conditional_logp: the value of {_label(op, node, k)} ({v.type}) needs "
                             f"one more dimension than one step of it ({inner_ys[k].type})")
    rows = {k: v.type.clone(shape=v.type.shape[1:]).make_variable(f"{_label(op, node, k)}[t]")
            for k, v in values.items()}

    inner = Derivation(valued_inner.values(), derivation.check_parameters)
    try:
        term: Variable = inner.logp(inner_ys[j], rows[j])
    except NotMeasurable as exc:
        raise NotMeasurable(f"{exc} (in the step of {where}, deriving the density of "
                            f"{_label(op, node, j)})") from None

    lags = _lags(op, valued_inner)
    lag_rows = {c: op.carry_inputs[c].type.make_variable(op.carry_inputs[c].name) for c in lags}
    mapping: dict[Variable, Variable] = {inner_ys[k]: rows[k] for k in values}
    mapping.update({op.carry_inputs[c]: row for c, row in lag_rows.items()})
    term = substitute([term], mapping)[0]

    # the carries the density still reads, and those their updates read, must be deterministic
    carry_ids = {id(f): c for c, f in enumerate(op.carry_inputs)}
    needed: dict[int, Variable] = {}
    pending: list[Variable] = [term]
    while pending:
        for a in ancestors([pending.pop()]):
            c = carry_ids.get(id(a))
            if c is not None and c not in lags and c not in needed:
                needed[c] = substitute([op.carry_outputs[c]], mapping)[0]
                pending.append(needed[c])
    unvalued = {id(inner_ys[k]): k for k in range(op.n_ys) if k not in values}
    for reader, what in [(term, "its step's density"),
                         *[(update, f"carry {c} ({op.carry_inputs[c]})") for c, update in needed.items()]]:
        for a in ancestors([reader]):
            if not is_draw(a):
                continue
            output = unvalued.get(id(a))
            drawn = (f"the per-step draw of {_label(op, node, output)}" if output is not None
                     else f"the per-step draw {a} ({describe_node(cast(Apply, a.owner))})")
            hint = ("give that output a value too" if output is not None
                    else "it would have to be integrated out at each step")
            raise NotMeasurable(f"conditional_logp: cannot derive the density of {_label(op, node, j)} "
                                f"of {where}: {what} depends on {drawn}, which has no value; {hint}")

    step = _Step(term)
    length = known_dim(n_steps)
    for (outer, formal) in zip(outer_seqs, op.seq_inputs):
        if outer.type.shape[0] is None or outer.type.shape[0] != length:
            outer = cast(TensorVariable, outer)[:n_steps]
        step.seqs.append((outer, formal))
    for k, row in rows.items():
        step.seqs.append((values[k], row))
    for c, row in lag_rows.items():
        k = lags[c][0]
        step.seqs.append((_history(c, lags, inits, values[k]), row))
    step.carries = [Carry(inits[c], op.carry_inputs[c], update) for c, update in sorted(needed.items())]
    step.consts = list(zip(outer_consts, op.const_inputs))
    step.value, step.what = values[j], _label(op, node, j)
    return step


def _batched(step: _Step) -> Variable | None:
    """The per-step density batched over the steps (the sequences' rows as a leading axis), or
    None when a carry is read or some op of it has no batching."""
    if step.carries:
        return None
    term = substitute([step.term], {formal: outer for outer, formal in step.consts})[0]
    try:
        return vectorize_graph(term, {formal: outer for outer, formal in step.seqs})
    except (NoBatchingRule, NotImplementedError):
        return None


def _looped(step: _Step, node: Apply, n_steps: Variable) -> Variable:
    """The per-step densities computed by a new loop over the rows of the values."""
    op = cast(Loop, node.op)
    read = {id(a) for a in ancestors([step.term, *(c.update for c in step.carries)])}
    parts = LoopParts(
        n_steps=n_steps,
        seqs=[(outer, formal) for outer, formal in step.seqs if id(formal) in read],
        carries=step.carries,
        consts=[(outer, formal) for outer, formal in step.consts if id(formal) in read],
        ys=[Stacked(step.term, None)],
        name=f"{op.name} density" if op.name else "density",
        depth=max((depth_of(v) for v in op.inner_inputs), default=1) or 1)
    built = parts.build()
    return built.outputs[len(step.carries)]


@measurable_rules.register(Loop)
def _loop_density(var: Variable, value: TensorVariable, derivation: Derivation) -> TensorVariable | None:
    """The density of a stacked output of a loop: one term per step (see the module docstring)."""
    step = _step_density(var, value, derivation)
    node = var.owner
    assert node is not None
    term = _batched(step)
    if term is None:
        term = _looped(step, node, node.inputs[0])
    assert step.value is not None
    return as_tensor_variable(_steps_check(term, node.inputs[0], step.value, step.what))
