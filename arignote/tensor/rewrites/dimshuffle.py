"""DimShuffle normal forms: one dimshuffle per chain, none that changes nothing, and
transpositions moved below the elementwise ops they follow.

Rules (in canonicalize, and again in stabilize and specialize, whose rules
build chains too; all cheap, so also in FAST_COMPILE):

- ``merge_dimshuffles``: ``x.dimshuffle(a).dimshuffle(b) -> x.dimshuffle(a∘b)``;
- ``remove_identity_dimshuffle``: ``x.dimshuffle(p) -> x`` when ``p`` moves
  only length-1 axes (the layout of the values is unchanged).

Pass (canonicalize, after the rules): ``lift_dimshuffle_through_elemwise``,
``f(x, y).dimshuffle(p) -> f(x.dimshuffle(p_x), y.dimshuffle(p_y))``, where
an operand of lower rank gets ``p`` composed with the length-1 axes
broadcasting puts in front of it (and loses the leading new axes again,
since broadcasting supplies them).  Policy, and why it is a pass:

- only through elementwise nodes that nothing else reads: if ``f(x)`` were
  also used unshuffled, the graph would compute ``f`` twice.  A local rule
  cannot see consumers, so this is a whole-graph pass (see ``lifting``);
- only permutations and drops of length-1 axes are lifted, never orders
  that insert new axes: a new length-1 axis is usually broadcast by the
  consumer, and the elementwise work moved into that broadcast (once fused)
  would be done once per element of the broadcast result;
- operands that are dimshuffles themselves are composed with (a view of a
  view is one view), constants are folded, identities dropped.

What it buys: transposes cancel across elementwise chains
(``(x.T * 2).T -> x * 2``), and elementwise chains are no longer cut by
transposes, so fusion sees them whole.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite.fold import fold_node
from arignote.rewrite.phases import FAST_COMPILE, canonicalize, specialize, stabilize
from arignote.rewrite.rule import make_rule
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.rewrites.lifting import Lifter, Rewritten, lift_through_elemwise
from arignote.tensor.rewrites.structure_helpers import Order, broadcast_order, compose_orders


def is_identity_order(x: Variable, order: Order) -> bool:
    """Whether ``x.dimshuffle(order)`` holds ``x``'s values in ``x``'s layout and type.

    True for ``range(ndim)`` and for orders that only move length-1 axes: every
    axis not statically of length 1 stays in place, and the static shape is kept.
    """
    shape = x.type.shape
    if len(order) != len(shape):
        return False
    for position, entry in enumerate(order):
        if entry == position:
            continue
        moved_length = 1 if entry == "x" else shape[entry]
        if shape[position] != 1 or moved_length != 1:
            return False
    return True


def dimshuffle_of(x: Variable, order: Order) -> Variable:
    """``x.dimshuffle(order)`` in normal form: composed with ``x``'s own dimshuffle,
    folded for constants, and ``x`` itself for an identity."""
    owner = x.owner
    while owner is not None and isinstance(owner.op, DimShuffle):
        order = compose_orders(owner.op.new_order, order)
        x = owner.inputs[0]
        owner = x.owner
    if is_identity_order(x, order):
        return x
    node = DimShuffle(x.type.ndim, tuple(order)).make_node(x)
    if isinstance(x, Constant):
        folded = fold_node(node)
        if folded is not None:
            return folded[0]
    return node.outputs[0]


def merge_dimshuffles(node: Apply) -> Variable | None:
    """x.dimshuffle(a).dimshuffle(b) -> x.dimshuffle(a∘b) (or x, when that is an identity)."""
    inner = node.inputs[0].owner
    if inner is None or not isinstance(inner.op, DimShuffle):
        return None
    return dimshuffle_of(inner.inputs[0], compose_orders(inner.op.new_order, node.op.new_order))


def remove_identity_dimshuffle(node: Apply) -> Variable | None:
    """x.dimshuffle(p) -> x when p keeps every axis longer than 1 in place (and the type)."""
    x = node.inputs[0]
    return x if is_identity_order(x, node.op.new_order) else None


for _phase in (canonicalize, stabilize, specialize):
    _phase.add(make_rule(merge_dimshuffles, [DimShuffle]), tags=[FAST_COMPILE])
    _phase.add(make_rule(remove_identity_dimshuffle, [DimShuffle]), tags=[FAST_COMPILE])


# --- lifting through elementwise ops ------------------------------------------------------

def operand_order(order: Order, operand_ndim: int, ndim: int) -> Order:
    """The dimshuffle of one operand of an ``ndim``-d elementwise op that matches
    ``order`` on the result.

    The operand is first seen as broadcasting sees it (length-1 axes in
    front); for an operand of lower rank, the new axes the composed order
    puts in front are dropped again, since broadcasting adds them anyway.
    """
    composed = compose_orders(broadcast_order(operand_ndim, ndim), order)
    if operand_ndim < ndim:
        lead = 0
        while lead < len(composed) and composed[lead] == "x":
            lead += 1
        composed = composed[lead:]
    return composed


class _DimShuffleLifter(Lifter):
    def start(self, node: Apply, rewritten: Rewritten) -> Hashable | None:
        if isinstance(node.op, DimShuffle) and self.worth(node.op.new_order):
            return node.op.new_order
        return None

    def worth(self, param: Hashable) -> bool:
        return "x" not in param  # type: ignore[operator]

    def through(self, param: Hashable, node: Apply) -> list[Hashable | None]:
        ndim = node.outputs[0].type.ndim
        orders: list[Hashable | None] = []
        for operand in node.inputs:
            order = operand_order(param, operand.type.ndim, ndim)  # type: ignore[arg-type]
            orders.append(None if order == tuple(range(operand.type.ndim)) else order)
        return orders

    def absorb(self, param: Hashable, var: Variable) -> tuple[Hashable, Variable] | None:
        owner = var.owner
        if owner is None or not isinstance(owner.op, DimShuffle):
            return None
        return compose_orders(owner.op.new_order, param), owner.inputs[0]  # type: ignore[arg-type]

    def apply(self, param: Hashable, var: Variable) -> Variable:
        return dimshuffle_of(var, param)  # type: ignore[arg-type]


_DIMSHUFFLE_LIFTER = _DimShuffleLifter()


@canonicalize.graph_pass(requires=[DimShuffle])
def lift_dimshuffle_through_elemwise(outputs: Sequence[Variable]) -> list[Variable]:
    """f(x, y).dimshuffle(p) -> f(x.dimshuffle(p_x), y.dimshuffle(p_y)) for permutations
    and drops, through elementwise nodes nothing else reads (see the module docstring)."""
    return lift_through_elemwise(outputs, _DIMSHUFFLE_LIFTER)
