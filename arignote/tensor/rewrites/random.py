"""The statistics domain: rules on random draws, each saying whether it keeps the numbers.

A draw ``next_rng, x = op(rng, size, *params)`` (:class:`RandomVariable`) is a pure node,
but its numbers depend on how NumPy's ``Generator`` is called, not only on the
distribution: ``normal(mu, 1, size=10000)[:10]`` and ``normal(mu[:10], 1, size=10)`` have
the same distribution, different numbers, and leave the generator in different states.  So
each rule says which it keeps:

- *exact*: the compiled function gives NumPy's numbers bit for bit and leaves the generator
  as NumPy would (:func:`draw_constant_parameters_unbroadcast`);
- *distribution*: the numbers change, their joint distribution does not
  (:func:`lift_subtensor_into_draw`, :func:`lift_dimshuffle_into_draw`).  These fire only
  where no value of the program can tell: in the graph being compiled, the draw is read by
  the rewritten node alone and its next generator by nothing (not an update of the function,
  not the generator of another draw).

What the engine itself does with draws:

- *Unused draws.*  A graph is its outputs, so a draw that nothing reads is not in it.  A draw
  whose numbers nothing reads but whose next generator is read (an update
  ``{rng: next_rng}``, or a later draw from it) stays, and must: the generator's next state
  is the state after that draw.  No rule removes draws (PyTensor's
  ``sidestep_unused_rng_consumer``, tagged ``random_unsafe``, does; arignote has no such rule).
- *Merging.*  Nodes are interned on ``(op, inputs)``: two draws from one generator variable
  with the same parameters are one node, one draw (NumPy gives one state one sequence of
  numbers); draws from two generator variables are two nodes, even with equal seeds, and no
  rule merges nodes otherwise.
- *Folding.*  ``RandomVariable.foldable`` is False: constant folding never runs a draw, even
  from a constant generator with constant parameters; fusion fuses elementwise nodes only.

The lifts rest on the contract of :class:`RandomVariable`: the draws along the batch axes
are independent given the parameters (a sample without replacement has its sample axes in
the support: ``choice``).  Parameters broadcast as NumPy's ``Generator`` broadcasts them:
parameter ``i`` has ``ndims_params[i]`` core axes, the draw ``ndim_supp``; batch axes align
on the right.  A parameter's batch axis is *stretched* when its static length is 1 and the
draw's is not (only static lengths of 1 stretch: :mod:`arignote.tensor.broadcasting`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite import canonicalize, given_node, keep_static_shape, sole_user
from arignote.tensor.alloc import Alloc, BroadcastTo
from arignote.tensor.basic import constant
from arignote.tensor.dimshuffle import DimShuffle, dimshuffle
from arignote.tensor.random.basic import RV_OPS
from arignote.tensor.random.op import NO_SIZE, RandomVariable, size_is_none
from arignote.tensor.shape import as_shape_vector
from arignote.tensor.shape_inference import dim, indexed_dims, vector_entries
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_index import FULL_SLICE, SYMBOLIC, SliceSpec

__all__ = ["draw_constant_parameters_unbroadcast", "lift_dimshuffle_into_draw",
           "lift_subtensor_into_draw"]


# --- helpers ---------------------------------------------------------------------------------

def _draw_of(x: Variable) -> Apply | None:
    """The draw node whose numbers ``x`` is, else None."""
    node = x.owner
    if node is None or not isinstance(node.op, RandomVariable) or node.outputs[1] is not x:
        return None
    return node


def _params(draw: Apply) -> list[Variable]:
    return list(draw.inputs[2:])


def _batch_ndim(draw: Apply) -> int:
    return int(draw.outputs[1].ndim - draw.op.ndim_supp)


def _draw_read_only_by(node: Apply) -> Apply | None:
    """The draw under ``node`` (its first input), when in the graph as given to the rewrite
    that draw's numbers are read by ``node`` alone and its next generator by nothing; else
    None.  O(1): ``sole_user`` does not count outputs that nothing uses, and counts a
    graph output (an update) as a user that is not ``node``."""
    draw = _draw_of(node.inputs[0])  # the final form (a rule may have rebuilt it)
    if draw is None:
        return None  # first: the maps of users are built only for graphs with draws
    given = given_node(node)
    if given is None:
        return None
    given_draw = _draw_of(given.inputs[0])
    if given_draw is None or sole_user(given_draw) is not given:
        return None
    return draw


def _rebuilt(draw: Apply, size: Variable, params: Sequence[Variable]) -> Apply:
    """``draw``'s distribution from its generator with ``size`` and ``params``."""
    return draw.op.make_node(draw.inputs[0], size, *params)


def _sized(draw: Apply) -> bool:
    return not size_is_none(draw.inputs[1])


def _takes_size(op: RandomVariable) -> bool:
    """Whether ``op`` draws with a ``size`` as NumPy does: the distributions registered in
    ``RV_OPS`` (each checked in tests/tensor/rewrites/test_random_rules.py).  Ops made per call
    (``choice``: its sample shape is a parameter) may ignore a size they were not built with."""
    registered = RV_OPS.get(op.name)
    return registered is not None and type(registered) is type(op)


def _entry_inputs(entries: Sequence[Any], inputs: Sequence[Variable]) -> list[list[Variable]]:
    """The symbolic index inputs each entry of a basic key takes, in key order."""
    taken, position = [], 0
    for entry in entries:
        count = (1 if entry is SYMBOLIC else
                 sum(p is SYMBOLIC for p in entry.parts) if isinstance(entry, SliceSpec) else 0)
        taken.append(list(inputs[position:position + count]))
        position += count
    return taken


# --- 1. indexing lifted into the draw --------------------------------------------------------

@canonicalize.rule(Subtensor)
def lift_subtensor_into_draw(node: Apply) -> Variable | None:
    """``normal(mu, s, size=(10000,))[:10] -> normal(mu[:10], s, size=(10,))``: ten numbers
    drawn, not 10000.  Keeps the distribution only: the numbers change (and the generator
    after the draw), so it fires only where nothing else reads the draw or its next generator.

    Basic indexing of batch axes (ints and slices; the support axes untouched); each
    parameter is indexed on the batch axes it has, a stretched axis kept whole (a slice) or
    taken at 0 (an int), and ``size`` becomes the indexed batch shape.  An int is lifted only
    where it is still checked against the axis's length (an index out of range raises).
    """
    entries = node.op.idx_list
    if None in entries:
        return None  # a new axis: the dimshuffle rule's
    draw = _draw_read_only_by(node)
    if draw is None:
        return None
    x = draw.outputs[1]
    batch = _batch_ndim(draw)
    if any(not (isinstance(e, SliceSpec) and e.is_full) for e in entries[batch:]):
        return None  # indexes the support: a multivariate draw cut apart is another distribution
    keys = _entry_inputs(entries, node.inputs[1:])[:batch]
    entries = entries[:batch]
    plans = []  # per parameter: its key (entries, inputs)
    indexed = set()  # the draw axes some parameter is indexed on
    for p, core in zip(_params(draw), draw.op.ndims_params):
        offset = batch - (p.ndim - core)  # the draw axis of p's first batch axis
        p_entries: list[Any] = []
        p_inputs: list[Variable] = []
        for k in range(offset, len(entries)):
            if p.type.shape[k - offset] == 1 and x.type.shape[k] != 1:  # stretched
                p_entries.append(FULL_SLICE if isinstance(entries[k], SliceSpec) else 0)
            else:
                p_entries.append(entries[k])
                p_inputs.extend(keys[k])
                indexed.add(k)
        plans.append((p_entries, p_inputs))
    for k, entry in enumerate(entries):
        # x[i] raises for an i out of range, and must still: a parameter indexed there (of the
        # draw's length) checks it at run time, a constant on a known length is checked now
        if not isinstance(entry, SliceSpec) and k not in indexed and \
                (entry is SYMBOLIC or x.type.shape[k] is None):
            return None
    params = [p if all(isinstance(e, SliceSpec) and e.is_full for e in p_entries)
              else Subtensor(tuple(p_entries))(p, *p_inputs)
              for p, (p_entries, p_inputs) in zip(_params(draw), plans)]
    size = NO_SIZE
    if _sized(draw):
        flat = [i for key in keys for i in key]
        dims = indexed_dims(entries, vector_entries(draw.inputs[1], batch), flat, [()] * len(flat))
        size = as_shape_vector(list(dims), "size")
    result = _rebuilt(draw, size, params).outputs[1]
    return keep_static_shape(result, node.outputs[0])


@canonicalize.rule(DimShuffle)
def lift_dimshuffle_into_draw(node: Apply) -> Variable | None:
    """``normal(mu, s).T -> normal(mu.T, s.T)``; ``normal(mu, s, size=(n, 3)).dimshuffle(1,
    'x', 0)`` draws with ``size=(3, 1, n)``.  Keeps the distribution; the numbers change for
    a permutation of the batch axes and are kept for new or dropped length-1 axes (NumPy
    fills a draw in C order).  Fires only where nothing else reads the draw or its next
    generator; the support axes must stay last, in order.
    """
    draw = _draw_read_only_by(node)
    if draw is None:
        return None
    batch, supp = _batch_ndim(draw), draw.op.ndim_supp
    order = node.op.new_order
    head = order[:len(order) - supp]
    if tuple(order[len(order) - supp:]) != tuple(range(batch, batch + supp)) or \
            any(d != "x" and int(d) >= batch for d in head):
        return None
    dropped = [d for d in range(batch) if d not in head]
    params = _params(draw)
    if not _sized(draw) and not params:
        return None  # no parameter carries the new axes (and none is needed)
    new_params = []
    for p, core in zip(params, draw.op.ndims_params):
        p_batch = p.ndim - core
        offset = batch - p_batch
        if any(d >= offset and p.type.shape[d - offset] != 1 for d in dropped):
            return None  # p may be longer than 1 there: it cannot drop the axis
        p_order: list[int | str] = ["x" if d == "x" or int(d) < offset else int(d) - offset
                                    for d in head]
        if _sized(draw) or p_batch < batch:
            # batch axes align on the right: a leading new axis is implied (a full-rank
            # parameter of an unsized draw keeps them: it gives the draw its rank)
            while p_order and p_order[0] == "x":
                p_order.pop(0)
        new_params.append(dimshuffle(p, [*p_order, *range(p_batch, p.ndim)]))
    size = NO_SIZE
    if _sized(draw):
        lengths = vector_entries(draw.inputs[1], batch)
        size = as_shape_vector([dim(1) if d == "x" else lengths[int(d)] for d in head], "size")
    result = _rebuilt(draw, size, new_params).outputs[1]
    return keep_static_shape(result, node.outputs[0])


# --- 3. constant parameters broadcast statically ---------------------------------------------

def _unbroadcast_constant(p: Constant, core: int) -> Variable | None:
    """The constant ``p`` without its batch axes along which it repeats (kept at length 1,
    leading ones dropped), or None when there are none."""
    data = np.asarray(p.data)
    small = data
    for axis in range(data.ndim - core):
        if small.shape[axis] > 1:
            first = small.take([0], axis=axis)
            if np.array_equal(small, np.broadcast_to(first, small.shape)):
                small = first
    while small.ndim > core and small.shape[0] == 1:
        small = small[0]
    if small.shape == data.shape:
        return None
    return constant(np.array(small), dtype=p.type.dtype)


def _unbroadcast(p: Variable, core: int, offset: int, lengths: dict[int, Variable]) -> Variable | None:
    """``p`` before a broadcast of a constant (``Alloc``, ``broadcast_to``, a folded array),
    with its core axes; the batch lengths the broadcast gave, by draw axis, in ``lengths``."""
    if isinstance(p, Constant):
        return _unbroadcast_constant(p, core)
    owner = p.owner
    if owner is None or not isinstance(owner.op, (Alloc, BroadcastTo)):
        return None
    value = owner.inputs[0]
    if not isinstance(value, Constant):
        return None
    p_core = p.type.shape[p.ndim - core:]
    if value.ndim < core or tuple(value.type.shape[value.ndim - core:]) != tuple(p_core) or None in p_core:
        return None  # the broadcast made (part of) the support: it must stay
    entries = vector_entries(owner.inputs[1], p.ndim)
    for axis in range(p.ndim - core):
        if p.type.shape[axis] != 1:
            lengths.setdefault(axis + offset, entries[axis])
    return value


@canonicalize.rule(RandomVariable)
def draw_constant_parameters_unbroadcast(node: Apply) -> list[Variable] | None:
    """``normal(full((n, 3), 2.0), 1.0) -> normal(2.0, 1.0, size=(n, 3))``: a constant
    parameter broadcast to the batch shape (``alloc``, ``broadcast_to``, ``ones * c``, or
    folded into an array that repeats a value) is given un-broadcast, with an explicit
    ``size``.  Keeps the numbers exactly, and the next generator: NumPy's ``Generator``
    broadcasts its parameters to ``size`` and draws in C order either way.
    """
    draw, op = node, node.op
    if not isinstance(op, RandomVariable) or (not _sized(node) and not _takes_size(op)):
        return None
    batch = _batch_ndim(draw)
    params = _params(draw)
    lengths: dict[int, Variable] = {}
    new_params, changed = [], False
    for p, core in zip(params, draw.op.ndims_params):
        small = _unbroadcast(p, core, batch - (p.ndim - core), lengths)
        changed |= small is not None
        new_params.append(p if small is None else small)
    if not changed:
        return None
    size = draw.inputs[1]
    if not _sized(draw):
        static = draw.outputs[1].type.shape
        dims = []
        for axis in range(batch):
            length = static[axis]
            found = dim(length) if length is not None else lengths.get(axis)
            if found is None:
                return None  # the batch length comes from a parameter left symbolic
            dims.append(found)
        size = as_shape_vector(dims, "size")
    rebuilt = _rebuilt(draw, size, new_params)
    return [rebuilt.outputs[0], keep_static_shape(rebuilt.outputs[1], draw.outputs[1])]
