"""Clean-ups for the forms that derivative rules build (the ``canonicalize`` phase).

A derivative rule must return an array of its input's exact shape, so rules
broadcast (``broadcast_to(g, x.shape)``) and sum back (`SumTo`) where
shapes might differ.  Most of that is visibly unnecessary once the graph
is seen whole:

- ``sum_to(g, s) -> g`` when ``g`` provably has the shape ``s`` already, and
  ``sum_to(sum_to(g, a), b) -> sum_to(g, b)`` (chains of broadcasts give
  chains of sums), and ``sum_to(-g) -> -sum_to(g)``, ``sum_to(c * g) ->
  c * sum_to(g)`` for a constant ``c`` of one element (so the negations
  cancel and the chains meet);
- ``broadcast_to(dimshuffle(broadcast_to(a, s)), t) -> broadcast_to(dimshuffle(a), t)``;
- ``f(broadcast_to(a, s), b) -> f(a, b)`` (also through ``alloc``) when the
  elementwise result provably keeps its shape without the broadcast:
  broadcasting does the same work for free;
- ``f(broadcast_to(a, s), c) -> broadcast_to(f(a, c), s)`` for size-1
  constants ``c``: compute ``f`` on the small value, broadcast once;
- ``sum(broadcast_to(a, s)) -> sum(a) * (the number of copies)`` for an ``a``
  of one element;
- ``f(c, x) -> f(c0, x)`` for a constant ``c`` whose elements are all ``c0``,
  when ``x`` gives the shape anyway (a folded broadcast of a gradient's seed
  would otherwise be an array the size of ``x``);
- ``sum(-x) -> -sum(x)`` and ``sum(c * x) -> c * sum(x)`` for a constant
  ``c`` of one element (derivatives scale and negate cotangents all the time):
  one operation on the sum instead of one per element, and the scalar joins
  the elementwise work after the sum;
- the gradient identities (``zero_grad``, ``disconnected_grad``,
  ``grad_clip``, ``grad_scale``) are the identity on values: they go.

"Provably" is by symbolic shapes (:mod:`arignote.tensor.shape_inference`):
the same symbolic length, or equal constants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from arignote.autodiff.gradient_ops import GradientOp
from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite import canonicalize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.rewrite.toolkit import is_float, is_real_float, match_op, scaling, uniform_value
from arignote.scalar.math import Add, Neg
from arignote.tensor.alloc import Alloc, BroadcastTo, broadcast_to
from arignote.tensor.basic import cast, constant
from arignote.tensor.dimshuffle import DimShuffle, dimshuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.math import mul, neg
from arignote.tensor.reduction import CAReduce
from arignote.tensor.shape import ShapeI, reshape
from arignote.tensor.shape_inference import as_dim, mul_dims, same_dim, shape_of
from arignote.tensor.sum_to import SumTo, same_shape


@canonicalize.rule(GradientOp, tags=[FAST_COMPILE])
def remove_gradient_identities(node: Apply) -> Variable | None:
    """zero_grad(x), disconnected_grad(x), grad_clip(x, ...), grad_scale(x, ...) -> x."""
    return node.inputs[0]


def _length(var: Variable) -> Variable:
    """A length, read through ``shape_i(v, k)`` to ``v``'s symbolic length (so it compares
    equal to the same length found another way, also where the shape rules do not run)."""
    if var.owner is not None and isinstance(var.owner.op, ShapeI):
        return shape_of(var.owner.inputs[0])[var.owner.op.axis]
    return as_dim(var)


@canonicalize.rule(SumTo, tags=[FAST_COMPILE])
def remove_sum_to_own_shape(node: Apply) -> Variable | None:
    """sum_to(g, s) -> g when g's shape is provably s (nothing to sum)."""
    g, *lengths = node.inputs
    if g.type.ndim != node.op.ndim:
        return None
    if all(same_dim(_length(a), b) for a, b in zip(lengths, shape_of(g))):
        return g
    return None


@canonicalize.rule(Elemwise, tags=[FAST_COMPILE])
def drop_broadcast_into_elemwise(node: Apply) -> Variable | list[Variable] | None:
    """f(broadcast_to(a, s), b) -> f(a, b) when the result keeps its shape: the elementwise op
    broadcasts ``a`` itself."""
    replacements = [(k, v.owner.inputs[0]) for k, v in enumerate(node.inputs)
                    if v.owner is not None and isinstance(v.owner.op, (BroadcastTo, Alloc))]

    def keeps(args: list[Variable], k: int, outputs: Sequence[Variable]) -> bool:
        pairs = list(zip(outputs, node.outputs))
        # the same dtype and rank (a broadcast may add axes no other operand has), and
        # every length provably the same
        return all(o.type.dtype == old.type.dtype and o.type.ndim == old.type.ndim
                   for o, old in pairs) and (
            _others_give_the_length(args, k) or all(same_shape(o, old) for o, old in pairs))
    return _with_operands_replaced(node, replacements, keeps)


def _with_operands_replaced(node: Apply, replacements: Iterable[tuple[int, Variable]],
                            keeps: Callable[[list[Variable], int, Sequence[Variable]], bool]
                            ) -> Variable | list[Variable] | None:
    """``node`` rebuilt with the operand replacements ``(position, new)`` that
    ``keeps(operands so far, position, outputs with it)`` accepts, tried one by one;
    None when it accepts none."""
    args = list(node.inputs)
    changed = False
    for k, new in replacements:
        trial = args[:k] + [new] + args[k + 1:]
        if keeps(args, k, node.op.make_node(*trial).outputs):
            args = trial
            changed = True
    if not changed:
        return None
    outputs = list(node.op.make_node(*args).outputs)
    return outputs[0] if len(outputs) == 1 else outputs


def _others_give_the_length(args: list[Variable], k: int) -> bool:
    """Whether ``args[k]`` (a broadcast of ``a``) may be replaced by ``a``: on every axis the
    broadcast stretched, another operand has a length that is not statically 1, which the
    elementwise op already requires to equal the broadcast's (only statically-1 lengths
    stretch, see `arignote.tensor.broadcasting`)."""
    spread = args[k]
    value = spread.owner.inputs[0]  # type: ignore[union-attr]
    ndim = max(v.type.ndim for v in args)

    def length(var: Variable, axis: int) -> int | None | str:
        offset = axis - (ndim - var.type.ndim)
        return "missing" if offset < 0 else var.type.shape[offset]

    for axis in range(ndim):
        if length(spread, axis) in (1, "missing"):
            continue
        own = length(value, axis)
        if own not in (1, "missing"):
            if own is None or own != length(spread, axis):
                return False  # an unknown length the broadcast may have stretched
            continue
        if not any(length(v, axis) not in (1, "missing") for j, v in enumerate(args) if j != k):
            return False
    return True


def _size_one(var: Variable) -> bool:
    return all(n == 1 for n in var.type.shape)


@canonicalize.rule(Elemwise, tags=[FAST_COMPILE])
def lift_elemwise_through_broadcast(node: Apply) -> Variable | None:
    """f(broadcast_to(a, s), c) -> broadcast_to(f(a, c), s) when the other operands are constants
    of one element: f runs once per element of ``a``, not of the broadcast."""
    if len(node.outputs) != 1:
        return None
    broadcasts = [v for v in node.inputs
                  if v.owner is not None and isinstance(v.owner.op, (BroadcastTo, Alloc))]
    if len(broadcasts) != 1:
        return None
    spread = broadcasts[0]
    if not all(v is spread or (isinstance(v, Constant) and _size_one(v)) for v in node.inputs):
        return None
    value, target = spread.owner.inputs  # type: ignore[union-attr]
    out = node.outputs[0]
    inner = node.op.make_node(*[value if v is spread else v for v in node.inputs]).outputs[0]
    if inner.ndim > out.ndim or inner.type.dtype != out.type.dtype:
        return None
    result = broadcast_to(inner, target)
    return result if same_shape(result, out) else None


@canonicalize.rule(CAReduce, tags=[FAST_COMPILE])
def sum_of_broadcast_value(node: Apply) -> Variable | None:
    """sum(broadcast_to(a, s), all axes) -> a * prod(s), for an ``a`` of one element."""
    op = node.op
    spread = node.inputs[0]
    if not isinstance(op.scalar_op, Add) or op.axis is not None or op.initial is not None:
        return None
    if spread.owner is None or not isinstance(spread.owner.op, (BroadcastTo, Alloc)):
        return None
    value = spread.owner.inputs[0]
    out = node.outputs[0]
    if not _size_one(value) or value.type.dtype != out.type.dtype or not is_real_float(value):
        return None
    count = mul_dims(*shape_of(spread))
    return reshape(value, ()) * cast(count, out.type.dtype)


@canonicalize.rule(Elemwise, tags=[FAST_COMPILE])
def shrink_uniform_constant(node: Apply) -> Variable | list[Variable] | None:
    """f(full(s, c0), x) -> f(c0, x) when the result keeps its shape without the constant's."""
    replacements = []
    for k, v in enumerate(node.inputs):
        if not isinstance(v, Constant) or _size_one(v):
            continue
        data = np.asarray(v.data)
        if uniform_value(data) is not None:
            replacements.append((k, constant(data.reshape(-1)[:1].reshape((1,) * data.ndim))))

    def keeps(args: list[Variable], k: int, outputs: Sequence[Variable]) -> bool:
        return all(o.type.dtype == old.type.dtype and same_shape(o, old)
                   for o, old in zip(outputs, node.outputs))
    return _with_operands_replaced(node, replacements, keeps)


@canonicalize.rule(SumTo, tags=[FAST_COMPILE])
def merge_sums_to(node: Apply) -> Variable | None:
    """sum_to(sum_to(g, a), b) -> sum_to(g, b): in a valid graph ``b`` broadcasts to ``a`` and
    ``a`` to ``g``, so summing to ``a`` first only does part of the work in two passes."""
    inner = node.inputs[0]
    if inner.owner is None or not isinstance(inner.owner.op, SumTo):
        return None
    return SumTo(node.op.ndim)(inner.owner.inputs[0], *node.inputs[1:])


@canonicalize.rule(BroadcastTo, tags=[FAST_COMPILE])
def merge_broadcasts(node: Apply) -> Variable | None:
    """broadcast_to(dimshuffle(broadcast_to(a, s)), t) -> broadcast_to(dimshuffle(a), t), the
    dimshuffle only adding length-1 axes (and the inner broadcast's shape a part of ``t``)."""
    value, target = node.inputs
    order = None
    if value.owner is not None and isinstance(value.owner.op, DimShuffle):
        order = value.owner.op.new_order
        if [d for d in order if d != "x"] != list(range(value.owner.op.input_ndim)):
            return None
        value = value.owner.inputs[0]
    if value.owner is None or not isinstance(value.owner.op, BroadcastTo):
        return None
    inner = value.owner.inputs[0]
    lead = value.ndim - inner.ndim  # the inner broadcast may have added leading axes
    if order is not None:
        inner = dimshuffle(inner, ["x"] * lead + list(range(inner.ndim)))
        inner = dimshuffle(inner, order)
    return node.op(inner, target)


@canonicalize.rule(SumTo, tags=[FAST_COMPILE])
def lift_scaling_out_of_sum_to(node: Apply) -> Variable | None:
    """sum_to(-g) -> -sum_to(g); sum_to(c * g) -> c * sum_to(g) for one-element constants c."""
    g, *lengths = node.inputs
    op = node.op
    negated = match_op(g, Neg)
    if negated is not None:
        return neg(op(negated.inputs[0], *lengths))
    found = scaling(g)
    if found is None:
        return None
    inner, constants = found
    factor = mul(*constants) if len(constants) > 1 else constants[0]
    if factor.ndim > op.ndim:
        return None
    result = mul(op(inner, *lengths), factor)
    return result if result.type.dtype == node.outputs[0].type.dtype else None


@canonicalize.rule(CAReduce, tags=[FAST_COMPILE])
def scaling_out_of_sum(node: Apply) -> Variable | None:
    """sum(-x) -> -sum(x); sum(c * x) -> sum(x) * c for a one-element constant ``c``."""
    op = node.op
    x = node.inputs[0]
    out = node.outputs[0]
    if (not isinstance(op.scalar_op, Add) or op.initial is not None or op.acc_dtype is not None
            or x.type.dtype != out.type.dtype or not is_float(x)):
        return None
    negated = match_op(x, Neg)
    if negated is not None:
        return neg(op(negated.inputs[0]))
    found = scaling(x)
    if found is None or len(found[1]) != 1:
        return None  # no constant, or one that took part in broadcasting or in the dtype
    inner, (scale,) = found
    result = mul(op(inner), constant(np.asarray(scale.data).reshape(())))
    return result if result.type.dtype == out.type.dtype else None
