"""Mixtures: a ``switch`` between random variables, and indexing of stacked random variables.

Switch
    ``at.switch(cond, a, b)`` with ``a`` and ``b`` random, neither broadcast by the switch, and
    ``cond`` not random (a constant, an input, or a random variable with a value: a valued
    Bernoulli indicator is the common case).  Each element of the output is the element of
    ``a`` or of ``b`` at its position, so its density is ``a``'s or ``b``'s there:
    ``switch(cond, logp_a(v), logp_b(v))``.  ``a`` and ``b`` must not depend on a common random
    variable (or be the same variable): a product of the selected elements' densities is the
    joint density only when the branches are independent.  Both are continuous or both
    discrete (a density and a mass do not mix in one term).  A multivariate draw's term has
    only its batch axes: ``cond`` must then be constant along the core axes.

Indexing (a ``Subtensor`` or ``AdvancedSubtensor`` of a random ``X``)
    ``X`` is a stack of components (``at.stack([c0, c1, c2])``, any axis), a concatenation, or
    one random variable whose axes are independent (a batched draw such as
    ``normal(mus[:, None], 1, size=(3, n))``), or an elementwise transform or running sum of
    those; the index is not random (a constant, an input, a valued categorical).  The forms
    recognised are those where every output element is a distinct element of ``X`` and sits
    at the position it had in ``X`` (the selected axes removed):

    * a basic key of integer scalars and full slices: ``X[idx]``, ``X[:, idx]``, ``X[i, j]``;
    * an advanced key of full slices, exactly one ``arange`` over a whole axis of ``X``, and
      selectors that are integer scalars or vectors broadcasting against it:
      ``X[idx, at.arange(n)]`` or ``X[at.arange(n), idx]`` (each position picks one
      component's element at that position).

    The term is then the density of ``X`` at a value with ``v`` repeated along the selected
    axes, indexed with the same key: each output element gets its own component's density at
    its own value.  This needs the selected axes to be axes along which ``X``'s elements are
    independent and its term factorises (a stack's new axis, a draw's batch axes; not the axis
    of a running sum, nor a multivariate draw's core axes).  Anything else (an index vector
    without the ``arange``, which repeats draws; slices that move elements; boolean masks;
    new axes; a random index) is not measurable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.logprob.combining import independent, refuse, symbolic_shape, term_of
from arignote.logprob.measurable import Derivation, elemwise_rules, is_draw, measurable_rules
from arignote.scalar import math as sm
from arignote.tensor.alloc import ARange
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.extra_ops import CumOp
from arignote.tensor.join import Join
from arignote.tensor.shape import MakeVector
from arignote.tensor.subtensor_advanced import AdvancedSubtensor
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_index import INDEX_ARRAY, SYMBOLIC, SliceSpec
from arignote.tensor.variable import TensorConstant, TensorVariable

__all__ = ["independent_axes"]


def _is_discrete(x: Variable) -> bool:
    return x.type.numpy_dtype.kind in "biu"


def _not_broadcast(x: Variable, out: Variable) -> bool:
    """Whether the elementwise node with output ``out`` keeps ``x``'s elements one to one."""
    return x.type.ndim == out.type.ndim and not any(
        xb and not ob for xb, ob in zip(x.type.broadcastable, out.type.broadcastable))


# --- switch -----------------------------------------------------------------------------------

def _core_free_condition(cond: Variable, ndim: int, term_ndim: int) -> TensorVariable | None:
    """``cond`` (of the switch's ``ndim`` axes or fewer, aligned right) seen on the first
    ``term_ndim`` axes, or None when it varies along a later (core) axis."""
    full = cond.dimshuffle(*(["x"] * (ndim - cond.type.ndim) + list(range(cond.type.ndim))))
    if not all(full.type.broadcastable[term_ndim:]):
        return None
    return at.as_tensor_variable(full.dimshuffle(*range(term_ndim)))


def _switch(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | str:
    """The mixture's term, or why the switch is not one."""
    cond, a, b = node.inputs
    out = node.outputs[0]
    if d.is_random(cond):
        return "its condition is random (give it a value)"
    if not (d.is_random(a) and d.is_random(b)):
        return "one branch is not random: the output has a point mass, not a density"
    if not (_not_broadcast(a, out) and _not_broadcast(b, out)):
        return "it broadcasts a branch, which repeats its draws"
    if _is_discrete(a) != _is_discrete(b):
        return "one branch is discrete and the other continuous"
    if a is not b and not independent([a, b], d):
        return "its branches depend on a common random variable"
    term_a, term_b = term_of(a, value, d), term_of(b, value, d)
    common = min(term_a.type.ndim, term_b.type.ndim)
    # a multivariate branch's term has its batch axes only: the other one's summed to match
    term_a, term_b = (t if t.type.ndim == common else t.sum(axis=tuple(range(common, t.type.ndim)))
                      for t in (term_a, term_b))
    selector = _core_free_condition(cond, out.type.ndim, common)
    if selector is None:
        return "its condition varies along the core axes of a multivariate branch"
    return at.switch(selector, term_a, term_b)


# a Switch rule registered earlier (by another module) keeps serving the switches this one
# does not recognise (a random condition, as in rounding half away from zero)
_earlier_switch = elemwise_rules.lookup(sm.Switch)


def _switch_rule(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    term = _switch(node, value, d)
    if isinstance(term, str) and _earlier_switch is not None:
        found = _earlier_switch(node, value, d)
        if found is not None:
            return found
    if isinstance(term, str):
        raise refuse(node.outputs[0], term)
    return term


elemwise_rules.add(sm.Switch, _switch_rule, replace=True)


# --- independence along axes --------------------------------------------------------------------

def independent_axes(var: Variable, d: Derivation) -> frozenset[int]:
    """The axes of the random ``var`` along which its elements are independent, with a term
    that keeps the axis (so that the term's entries along it are the densities of the slices).

    A draw's batch axes; the axes common to a stack's or concatenation's independent inputs
    (a stack's new axis among them); a ``DimShuffle``'s leading run of such axes and new ones
    (a multivariate draw's core axes end it); an elementwise transform's (or a switch's)
    operands' axes; a running sum's other axes.  Anything else: none (conservative).
    """
    node = var.owner
    if node is None:
        return frozenset()
    if is_draw(var):
        return frozenset(range(var.type.ndim - node.op.ndim_supp))
    op = node.op
    if isinstance(op, (Join, MakeVector)):
        if len(d.random_inputs(node)) != len(node.inputs) or not independent(node.inputs, d):
            return frozenset()
        if isinstance(op, MakeVector):
            return frozenset({0})
        # a slice along any axis lies in one input or is cut across independent inputs; a
        # stack's inputs have a new length-1 axis there, independent trivially
        return frozenset.intersection(*(independent_axes(x, d) for x in node.inputs))
    if isinstance(op, DimShuffle):
        # a new axis is independent where it comes before any axis that is not (the core
        # axes of a multivariate draw): there it is a batch axis of the term
        inner = independent_axes(node.inputs[0], d)
        found = set()
        for position, axis in enumerate(op.new_order):
            if axis == "x" or axis in inner:
                found.add(position)
            else:
                break
        return frozenset(found)
    if isinstance(op, CumOp):
        if op.axis is None:
            return frozenset()
        return independent_axes(node.inputs[0], d) - {op.axis}
    if isinstance(op, Elemwise):
        random = [x for x in node.inputs if d.is_random(x)]
        if isinstance(op.scalar_op, sm.Switch):
            if d.is_random(node.inputs[0]) or len(random) != 2:
                return frozenset()
        elif len(random) != 1:
            return frozenset()
        if not all(_not_broadcast(x, var) for x in random):
            return frozenset()
        if len(random) == 2 and random[0] is not random[1] and not independent(random, d):
            return frozenset()
        return frozenset.intersection(*(independent_axes(x, d) for x in random))
    return frozenset()


# --- indexing -------------------------------------------------------------------------------------

def _is_arange(index: Variable) -> bool:
    """Whether the index vector is ``0, 1, ..., m - 1``."""
    if isinstance(index, TensorConstant):
        data = index.data
        return data.ndim == 1 and bool((data == range(len(data))).all())
    node = index.owner
    if node is None or not isinstance(node.op, ARange):
        return False
    start, _, step = node.inputs
    return (isinstance(start, TensorConstant) and start.data == 0 and isinstance(step, TensorConstant)
            and step.data == 1)


class _Key:
    """What an indexing key does to each axis of ``X``: the selected axes, the ``arange``
    axis, and where each kept axis lands in the output."""

    def __init__(self, selected: list[int], arange_axis: int | None, out_axis: dict[int, int]) -> None:
        self.selected = selected  # axes indexed by a scalar or a selector vector
        self.arange_axis = arange_axis
        self.out_axis = out_axis  # X axis -> output axis (full slices and the arange)


def _read_key(entries: Sequence[Any], indices: Sequence[Variable], ndim: int, advanced: bool
              ) -> _Key | str:
    """The recognised keys (see the module docstring) as a :class:`_Key`; why not for others."""
    inputs = iter(indices)
    axis = 0
    kinds: list[tuple[str, int]] = []  # per key position: (kind, X axis)
    arange_axis = None
    selector_ndim = 0
    for entry in entries:
        if entry is Ellipsis:  # kept only where it covers no axis: a separator
            kinds.append(("separator", -1))
            continue
        if entry is None:
            return "its key adds an axis"
        if isinstance(entry, SliceSpec):
            if not entry.is_full:
                return "its key has a partial slice, which moves elements to other positions"
            kinds.append(("slice", axis))
        elif isinstance(entry, int):
            kinds.append(("select", axis))
        elif entry is SYMBOLIC:
            next(inputs)
            kinds.append(("select", axis))
        elif entry is INDEX_ARRAY:
            index = next(inputs)
            if index.type.ndim == 1 and arange_axis is None and _is_arange(index):
                arange_axis = axis
                kinds.append(("arange", axis))
            else:
                if index.type.ndim > 1:
                    return "an index array of several axes repeats draws"
                selector_ndim = max(selector_ndim, index.type.ndim)
                kinds.append(("select", axis))
        else:
            return "its key has a boolean mask"
        axis += 1
    kinds.extend(("slice", a) for a in range(axis, ndim))
    if selector_ndim and arange_axis is None:
        return ("an index vector without an arange over another axis repeats draws (use "
                "x[idx, at.arange(n)] to pick one component per position)")
    selected = [a for kind, a in kinds if kind == "select"]
    full = [a for kind, a in kinds if kind == "slice"]
    if not advanced or arange_axis is None:
        # a basic key, or advanced indices that are all scalars: the selected axes vanish
        return _Key(selected, arange_axis, {a: position for position, a in enumerate(full)})
    positions = [p for p, (kind, _) in enumerate(kinds) if kind in ("select", "arange")]
    adjacent = positions == list(range(positions[0], positions[-1] + 1))
    out_axis: dict[int, int] = {}
    if adjacent:  # NumPy puts the broadcast axis where the advanced indices are
        before = [a for a in full if a < min(selected + [arange_axis])]
        after = [a for a in full if a not in before]
        out_axis.update({a: i for i, a in enumerate(before)})
        out_axis[arange_axis] = len(before)
        out_axis.update({a: len(before) + 1 + i for i, a in enumerate(after)})
    else:  # ... and first when slices or an ellipsis separate them
        out_axis[arange_axis] = 0
        out_axis.update({a: 1 + i for i, a in enumerate(full)})
    return _Key(selected, arange_axis, out_axis)


def _truncated(entries: Sequence[Any], ndim: int) -> tuple[Any, ...] | None:
    """The key's entries for the first ``ndim`` axes, when the later axes are taken whole."""
    kept: list[Any] = []
    axis = 0
    for entry in entries:
        if entry is Ellipsis:
            kept.append(entry)
            continue
        if axis >= ndim:
            if not (isinstance(entry, SliceSpec) and entry.is_full):
                return None
        else:
            kept.append(entry)
        axis += 1
    while kept and kept[-1] is Ellipsis:
        kept.pop()
    return tuple(kept)


def _indexing(var: Variable, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    node = var.owner
    assert node is not None
    op = node.op
    x, *indices = node.inputs
    if not d.is_random(x):
        return None
    if any(d.is_random(i) for i in indices):
        raise refuse(var, "its index is random (give it a value)")
    advanced = isinstance(op, AdvancedSubtensor)
    key = _read_key(op.idx_list, indices, x.type.ndim, advanced)
    if isinstance(key, str):
        raise refuse(var, key)
    moved = set(key.selected) | ({key.arange_axis} if key.arange_axis is not None else set())
    if not moved <= independent_axes(x, d):
        raise refuse(var, f"{x} is not known to have independent elements along the indexed axes "
                          f"{sorted(moved)} (a stack's axis, a draw's batch axes)")
    arange_axis = key.arange_axis
    if arange_axis is not None and x.type.shape[arange_axis] not in (None, 1):
        positions = indices[_input_position(op.idx_list, arange_axis)]
        if positions.type.shape[0] not in (None, 1, x.type.shape[arange_axis]):
            raise refuse(var, "its arange covers part of an axis")
    shape = symbolic_shape(x, d)
    if shape is None:
        raise refuse(var, f"the shape of {x} depends on a random variable without a value")
    # the value seen as X's: v along the kept axes, repeated along the selected ones
    order = ["x" if a not in key.out_axis else key.out_axis[a] for a in range(x.type.ndim)]
    repeated = at.broadcast_to(value.dimshuffle(*order), shape)
    term = term_of(x, repeated, d)
    entries = op.idx_list if term.type.ndim == x.type.ndim else _truncated(op.idx_list, term.type.ndim)
    if entries is None:
        raise refuse(var, "it indexes a core axis of a multivariate random variable")
    kind = AdvancedSubtensor if advanced else Subtensor
    return at.as_tensor_variable(kind(entries).make_node(term, *indices).outputs[0])


def _input_position(entries: Sequence[Any], axis: int) -> int:
    """The position among the index inputs of the array entry indexing ``axis``."""
    position, current = 0, 0
    for entry in entries:
        if entry is Ellipsis or entry is None:
            continue
        if current == axis:
            return position
        if entry is SYMBOLIC or entry is INDEX_ARRAY:
            position += 1
        elif isinstance(entry, SliceSpec):
            position += sum(part is SYMBOLIC for part in entry.parts)
        current += 1
    raise AssertionError("no entry indexes the axis")


measurable_rules.register(Subtensor, AdvancedSubtensor)(_indexing)
