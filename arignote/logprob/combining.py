"""Measurable combinations of random variables: running sums, concatenations and stacks.

* ``at.cumsum(x, axis)`` of a random ``x`` (a random walk): the map from ``x`` to its running
  sums is linear, triangular with ones on the diagonal, so its Jacobian is 1 and the density
  of a value ``v`` is the density of ``x`` at ``v``'s first differences along ``axis`` (its
  first element kept).  ``x0 + at.cumsum(steps)`` then follows from the shift rule.
* ``at.concatenate([x1, x2, ...], axis)`` and ``at.stack([...])`` (a ``Join`` of the inputs, each
  given a new length-1 axis for a stack; a ``MakeVector`` for a stack of scalars): the value is
  cut along the axis into the inputs' pieces and each piece gets its input's density; the
  pieces' terms are joined back along the axis.  Every input must be random, and no two may
  depend on the same random variable: the joint density is the product of the pieces' only
  when they are independent (``stack([x, x])`` has no density at all).

The lengths of the pieces are the inputs' static lengths when known, else their symbolic
shapes (read from the draws' sizes and parameters, never from the draws themselves).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import arignote.tensor as at
from arignote.graph.basic import Variable
from arignote.graph.sourceinfo import describe_node
from arignote.logprob.basic import NotMeasurable
from arignote.logprob.measurable import Derivation, is_draw, measurable_rules
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.extra_ops import CumOp
from arignote.tensor.join import Join
from arignote.tensor.shape import MakeVector
from arignote.tensor.shape_inference import shape_of
from arignote.tensor.subtensor import slice_at_axis
from arignote.tensor.variable import TensorVariable

__all__ = ["independent", "join_terms", "random_draws", "refuse", "symbolic_shape", "term_of"]


def refuse(var: Variable, why: str) -> NotMeasurable:
    """The error for ``var``, computed by an op that has a rule, in a form the rule refuses."""
    assert var.owner is not None
    return NotMeasurable(f"conditional_logp: cannot derive the density of {var}: it is computed by "
                         f"{describe_node(var.owner)}, measurable only in some forms, and {why}")


def random_draws(var: Variable, d: Derivation) -> frozenset[Variable]:
    """The draws without values that ``var`` depends on (valued variables are constants)."""
    found: set[Variable] = set()
    seen: set[Variable] = set()
    stack = [var]
    while stack:  # explicit stack: random walks and loops make deep graphs
        top = stack.pop()
        if top in seen or not d.is_random(top):
            continue
        seen.add(top)
        if is_draw(top):
            found.add(top)
            continue
        assert top.owner is not None  # random, not a draw: computed
        stack.extend(top.owner.inputs)
    return frozenset(found)


def independent(variables: Sequence[Variable], d: Derivation) -> bool:
    """Whether no two of ``variables`` depend on a common random variable without a value."""
    seen: set[Variable] = set()
    for var in variables:
        draws = random_draws(var, d)
        if seen & draws:
            return False
        seen |= draws
    return True


def symbolic_shape(var: Variable, d: Derivation) -> tuple[Variable, ...] | None:
    """``var``'s shape as a graph of non-random variables (constants where static), or None
    when some length can only be read from a random variable without a value (the derived
    density must not depend on one)."""
    dims = shape_of(var)
    if any(d.is_random(entry) for entry in dims):
        return None
    return tuple(dims)


def _is_expansion(op: DimShuffle) -> bool:
    """Whether the DimShuffle only adds length-1 axes (keeps every axis, in order)."""
    kept = [a for a in op.new_order if a != "x"]
    return kept == list(range(op.input_ndim))


def _layout_known(x: Variable, d: Derivation) -> bool:
    """Whether a term of ``x`` with fewer axes than ``x`` has ``x``'s leading (batch) axes: a
    draw's, the rules of this module's, and an elementwise transform or running sum of those
    (their rules pass the operand's term on)."""
    node = x.owner
    if node is None:
        return False
    if is_draw(x) or isinstance(node.op, (Join, MakeVector)):
        return True
    if isinstance(node.op, (Elemwise, CumOp)):
        return all(_layout_known(i, d) for i in node.inputs if d.is_random(i))
    return False


def term_of(x: Variable, value: TensorVariable, d: Derivation) -> TensorVariable:
    """The density of ``value`` for the random ``x``, whose axes are ``x``'s leading ones.

    An elementwise term has ``x``'s axes.  A multivariate draw's term has its batch axes, and
    an added length-1 axis (``at.stack`` adds one to each input) is a batch axis when it
    comes before the core axes, so it is added to the term too.  A term with fewer axes whose
    layout is not known that way is refused (NotMeasurable) rather than misread.
    """
    node = x.owner
    if node is not None and isinstance(node.op, DimShuffle) and _is_expansion(node.op):
        order = node.op.new_order
        added = tuple(p for p, a in enumerate(order) if a == "x")
        inner = node.inputs[0]
        term = term_of(inner, at.squeeze(value, axis=added) if added else value, d)
        batch = term.type.ndim
        seen = 0
        term_order: list[Any] = []
        for a in order:  # the added axes before the core axes are batch axes
            if a == "x":
                if seen <= batch:
                    term_order.append("x")
            else:
                seen += 1
                if int(a) < batch:
                    term_order.append(a)
        return at.as_tensor_variable(term.dimshuffle(*term_order))
    term = d.logp(x, value)
    if term.type.ndim < x.type.ndim and not _layout_known(x, d):
        raise refuse(x, "the axes of its multivariate density are not known here")
    return term


def join_terms(terms: Sequence[TensorVariable], axis: int) -> TensorVariable:
    """The term of a value cut into pieces along ``axis``, from the pieces' terms.

    An elementwise term has the piece's axes and the terms are concatenated along ``axis``.  A
    multivariate draw's term has only its batch axes: when ``axis`` is one of the terms' common
    axes they are concatenated there (after summing any piece's extra trailing axes, which are
    core axes of another piece), and when ``axis`` is a core axis each piece's term is one
    density of the same batch element, so the terms add.
    """
    common = min(t.type.ndim for t in terms)
    reduced = [t if t.type.ndim == common else t.sum(axis=tuple(range(common, t.type.ndim)))
               for t in terms]
    if axis < common:
        return at.concatenate(reduced, axis=axis)
    return at.add(*reduced) if len(reduced) > 1 else reduced[0]


# --- cumsum ---------------------------------------------------------------------------------

def _first_differences(value: TensorVariable, axis: int) -> TensorVariable:
    """``value``'s first element along ``axis`` followed by its successive differences: the
    inverse of the running sum."""
    head = value[slice_at_axis(slice(None, 1), axis)]
    tail = value[slice_at_axis(slice(1, None), axis)] - value[slice_at_axis(slice(None, -1), axis)]
    return at.concatenate([head, tail.astype(value.dtype)], axis=axis)


@measurable_rules.register(CumOp)
def _cumsum(var: Variable, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    node = var.owner
    assert node is not None
    op = node.op
    x = node.inputs[0]
    if op.mode != "add":
        return None  # a running product is not a bijection (zeros), and has other Jacobians
    if op.axis is not None:
        return d.logp(x, _first_differences(value, op.axis))
    # axis None: the running sum of the flattened x
    steps = _first_differences(value, 0)
    if x.type.ndim == 1:
        return d.logp(x, steps)
    if x.type.ndim == 0:  # NumPy gives a length-1 vector: its one element is x
        term = d.logp(x, steps[0])
        return at.as_tensor_variable(term.dimshuffle("x"))
    shape = symbolic_shape(x, d)
    if shape is None:
        raise refuse(var, "the shape of its input depends on a random variable without a value")
    term = d.logp(x, at.reshape(steps, shape, ndim=x.type.ndim))
    if term.type.ndim != x.type.ndim:
        raise refuse(var, "it flattens a multivariate random variable (give an axis)")
    return at.as_tensor_variable(term.flatten())


# --- concatenate and stack --------------------------------------------------------------------

def _check_inputs(var: Variable, d: Derivation) -> None:
    """Every input of the join random, no two depending on one random variable."""
    node = var.owner
    assert node is not None
    fixed = [str(x) for i, x in enumerate(node.inputs) if i not in d.random_inputs(node)]
    if fixed:
        raise refuse(var, f"some inputs ({', '.join(fixed)}) are not random (constants, inputs "
                          f"or variables with values): the joined value has no density")
    if not independent(node.inputs, d):
        raise refuse(var, "its inputs depend on a common random variable: their densities do "
                          "not multiply")


@measurable_rules.register(Join)
def _join(var: Variable, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    node = var.owner
    assert node is not None
    axis = node.op.axis
    inputs = node.inputs
    _check_inputs(var, d)
    lengths = []
    for x in inputs:
        shape = symbolic_shape(x, d)
        if shape is None:
            raise refuse(var, f"the length of {x} depends on a random variable without a value")
        lengths.append(shape[axis])
    terms = []
    start: Variable | int = 0
    for x, length in zip(inputs, lengths):
        stop = start + length
        piece = value[slice_at_axis(slice(start, stop), axis)]
        # no cast to the input's dtype: a discrete piece must see a non-integer value as one
        terms.append(term_of(x, piece, d))
        start = stop
    return join_terms(terms, axis)


@measurable_rules.register(MakeVector)
def _make_vector(var: Variable, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    node = var.owner
    assert node is not None
    inputs = node.inputs
    _check_inputs(var, d)
    terms = [term_of(x, value[i], d) for i, x in enumerate(inputs)]
    return at.stack(terms)
