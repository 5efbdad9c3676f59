"""Building a loop node from a traced step: types checked, free variables made inputs.

The user-level APIs (``scan``, ``loop``) call the user's step function on
formal inputs and hand the results here.  :func:`build_loop` checks the
carries' types and *closes* the body: every variable the step used that
does not depend on the step's own inputs (a weight matrix, a shared
variable, an outer loop's slice, ``W ** 2`` computed outside) becomes a
constant input of the loop, so the body refers only to its own formals.
Subgraphs that do not depend on the step's inputs are cut at their top, so
they are computed once, outside the loop.

Random draws: a carry may be a generator (its new value is the step's next
generator), so each step draws new numbers.  A draw from a generator that is
not carried reads the same generator at every step and repeats its numbers;
that is PyTensor's documented behaviour (its PRNG tutorial, "Random
variables in inner graphs"), so it is allowed, not refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.sourceinfo import carry_source
from arignote.graph.traversal import graph_inputs, toposort
from arignote.loop.formals import formal
from arignote.loop.op import Loop, LoopTypeError, compatible, is_generator
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.random.type import RandomGeneratorSharedVariable


def substitute(outputs: Sequence[Variable], mapping: Mapping[Variable, Variable]) -> list[Variable]:
    """``outputs`` rebuilt with ``mapping`` applied at once; new nodes keep their user line."""
    if not mapping:
        return list(outputs)
    mapping = dict(mapping)
    for node in toposort(outputs):
        if any(o in mapping for o in node.outputs):
            continue
        args = [mapping.get(v, v) for v in node.inputs]
        if all(a is b for a, b in zip(args, node.inputs)):
            continue
        with carry_source(node.source):
            new = node.op.make_node(*args).outputs
        mapping.update(zip(node.outputs, new))
    return [mapping.get(v, v) for v in outputs]


def free_variables(outputs: Sequence[Variable], own: Sequence[Variable]) -> list[Variable]:
    """The topmost variables below ``outputs`` that do not depend on ``own`` (constants excluded).

    They are what a body built on the formals ``own`` reads from outside.
    """
    own_ids = {id(v) for v in own}
    depends: dict[int, bool] = {}

    def dep(var: Variable) -> bool:
        found = depends.get(id(var))
        if found is None:
            found = id(var) in own_ids
        return found

    free: dict[int, Variable] = {}
    for node in toposort(outputs):
        flag = any(dep(v) for v in node.inputs)
        for out in node.outputs:
            depends[id(out)] = flag
        if flag:
            for var in node.inputs:
                if not dep(var) and not isinstance(var, Constant):
                    free.setdefault(id(var), var)
    for var in outputs:
        if not dep(var) and not isinstance(var, Constant):
            free.setdefault(id(var), var)
    return list(free.values())


def check_carry(label: str, init: Variable, update: Variable) -> None:
    """LoopTypeError unless the step's new value of a carry fits its initial value's type.

    A generator carry's new value must be a generator (the step's next generator), and a
    tensor carry's a tensor.
    """
    a, b = init.type, update.type
    where = ""
    if update.owner is not None and update.owner.where():
        where = f" (computed at {update.owner.where()})"
    if is_generator(init) or is_generator(update):
        if not (is_generator(init) and is_generator(update)):
            raise LoopTypeError(
                f"{label}: the initial value is {a} but the step returns {b}{where}; a carried "
                "generator's new value is the generator after the step's draws (next_rng, x = "
                "rng.normal(); return next_rng), and a tensor carry's new value is a tensor")
        return
    if a.dtype != b.dtype:
        raise LoopTypeError(
            f"{label}: the initial value has dtype {a.dtype} but the step returns {b.dtype}{where}; "
            f"a carried value keeps its dtype (cast the initial value or the step's result)")
    if a.ndim != b.ndim:
        raise LoopTypeError(
            f"{label}: the initial value has {a.ndim} dimension(s) but the step returns "
            f"{b.ndim}{where} ({a} vs {b}); a carried value keeps its shape")
    if not compatible(a, b):
        raise LoopTypeError(f"{label}: the initial value has static shape {a.shape} but the step "
                            f"returns {b.shape}{where}; a carried value keeps its shape")


def build_loop(depth: int, n_steps: Variable, sequences: Sequence[Variable], seq_formals: Sequence[Variable],
               inits: Sequence[Variable], carry_formals: Sequence[Variable], updates: Sequence[Variable],
               ys: Sequence[Variable], stop: Variable | None = None, keep: Sequence[int | None] | None = None,
               truncate_gradient: int = -1, name: str | None = None,
               carry_labels: Sequence[str] | None = None) -> Apply:
    """The loop node of a traced step (see the module docstring).

    ``seq_formals`` and ``carry_formals`` are the formals the step was called
    with; ``updates`` are the carries' new values, ``ys`` the per-step
    outputs, ``stop`` the stop flag; all may read any outer variable.
    """
    labels = carry_labels or [f"carry {i}" for i in range(len(inits))]
    # a generator stays a generator (check_carry says if it stands where a tensor should)
    updates = [u if isinstance(u, Variable) and (is_generator(f) or is_generator(u))
               else as_tensor_variable(u) for f, u in zip(carry_formals, updates)]
    for position, y in enumerate(ys):
        if isinstance(y, Variable) and is_generator(y):
            raise LoopTypeError(
                f"per-step output {position} is a random generator ({y}); a generator cannot be "
                "stacked over the steps: carry it instead (give it as the initial value of a "
                "carry, in scan's outputs_info, and return the next generator from the step)")
    ys = [as_tensor_variable(y) for y in ys]
    for label, init, update in zip(labels, carry_formals, updates):
        check_carry(label, init, update)
    outputs = [*updates, *ys]
    if stop is not None:
        stop = as_tensor_variable(stop)
        if stop.ndim != 0:
            raise LoopTypeError(f"the stop condition must be a 0-d value, got {stop.type}")
        outputs.append(cast(stop, "bool") if stop.dtype != "bool" else stop)
    own = [*seq_formals, *carry_formals]
    outer_consts = free_variables(outputs, own)
    first = len(own)
    const_formals = [formal(depth, first + i, v.type, v.name) for i, v in enumerate(outer_consts)]
    inner_outputs = substitute(outputs, dict(zip(outer_consts, const_formals)))
    op = Loop([*own, *const_formals], inner_outputs, len(seq_formals), len(carry_formals),
              keep=[None] * len(ys) if keep is None else keep, until=stop is not None,
              truncate_gradient=truncate_gradient, name=name)
    return op.make_node(n_steps, *sequences, *inits, *outer_consts)


def step_generators(values: Sequence[Any], skip: Mapping[Any, Any], first: int) -> dict[Any, Variable]:
    """The shared generators made while a step was traced (``serial >= first``) that ``values``
    read, with a default update, and not in ``skip``: each mapped to its default update.

    These are the generators of the step's own draws (a draw without ``rng``,
    ``RandomStream``'s): the loop carries them, as PyTensor's scan does.  Their default update
    is cleared: it is an expression of the step, which the function around the loop must not
    compute; the caller gives the loop's final generator instead.  Generators made before the
    step keep theirs, and the step reads them as constants.
    """
    found: dict[Any, Variable] = {}
    for var in graph_inputs([v for v in values if isinstance(v, Variable)]):
        if (isinstance(var, RandomGeneratorSharedVariable) and var.serial >= first and var not in skip
                and var.default_update is not None):
            found[var] = var.default_update
            var.default_update = None
    return found


def as_outputs(node: Apply) -> tuple[list[Variable], list[Variable], Variable | None]:
    """A loop node's outputs as ``(final carries, stacked outputs, steps done or None)``."""
    op: Any = node.op
    outs = list(node.outputs)
    return (outs[:op.n_carries], outs[op.n_carries:op.n_carries + op.n_ys],
            outs[-1] if op.until else None)
