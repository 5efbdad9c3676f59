"""Hand-written sigmoid and softmax recognised as the library functions (``stabilize``).

Tutorials write the logistic function out: ``1 / (1 + exp(-z))``, then the
cross-entropy ``-y log(p) - (1 - y) log(1 - p)``.  Evaluated as written,
``exp(-z)`` overflows at ``z = -800``, ``log(p)`` is ``-inf`` once ``p``
underflows, and one gradient step turns every weight into NaN.  These rules
turn the written forms into ``sigmoid`` and ``softmax``; the rules that
stabilise the named functions (``log(sigmoid(x)) -> -softplus(-x)``,
``1 - sigmoid(x) -> sigmoid(-x)``, the derivative cancellations of
:mod:`.stabilize_gradients`) then apply as if the user had named them:

- ``1 / (1 + exp(x))``, ``(1 + exp(x)) ** -1``, ``reciprocal(1 + exp(x))``
  ``-> sigmoid(-x)`` (and ``** -2`` to its square);
- ``exp(x) * sigmoid(-x) -> sigmoid(x)``, the form their derivatives take;
- ``exp(x) / (1 + exp(x)) -> sigmoid(x)``;
- ``exp(x) / sum(exp(x), axes, keepdims) -> softmax(x, axes)`` (the sum laid out
  to broadcast against ``x``, as ``keepdims`` or a full sum does).

The canonical forms keep the division (``TrueDiv``), so that is what they see.
"""

from __future__ import annotations

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.rewrite import match, match_op, stabilize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.scalar.math import Add, Exp, Mul, Pow, Reciprocal, Sigmoid, Sqr, TrueDiv
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.reduction import CAReduce
from arignote.tensor.rewrites.stabilize_forms import (elemwise_inputs, fit, is_real_float, negate, negated,
                                                      one_plus, scalar_constant)
from arignote.tensor.rewrites.stabilize_gradients import product_like, without
from arignote.tensor.special import Softmax

STABLE = [FAST_COMPILE]


def _exp_argument_of_one_plus(denominator: Variable) -> Variable | None:
    """``x`` when ``denominator`` is ``1 + exp(x)`` (in any order of the sum)."""
    rest = one_plus(denominator)
    return None if rest is None else match(rest, Exp)


def _sigmoid_of_minus(node: Apply, denominator: Variable) -> Variable | None:
    """sigmoid(-x) for ``1 / denominator`` with ``denominator = 1 + exp(x)``."""
    x = _exp_argument_of_one_plus(denominator)
    out = node.outputs[0]
    if x is None or not is_real_float(out) or x.type.dtype != out.type.dtype:
        return None
    return fit(at.sigmoid(negate(x)), out)


@stabilize.rule(TrueDiv, tags=STABLE)
def sigmoid_from_quotient(node: Apply) -> Variable | None:
    """1 / (1 + exp(x)) -> sigmoid(-x); exp(x) / (1 + exp(x)) -> sigmoid(x)."""
    numerator, denominator = node.inputs
    if scalar_constant(numerator) == 1:
        return _sigmoid_of_minus(node, denominator)
    x = _exp_argument_of_one_plus(denominator)
    out = node.outputs[0]
    if x is None or match(numerator, Exp) is not x or not is_real_float(out) \
            or x.type.dtype != out.type.dtype:
        return None
    return fit(at.sigmoid(x), out)


@stabilize.rule(Pow, tags=STABLE)
def sigmoid_from_inverse_power(node: Apply) -> Variable | None:
    """(1 + exp(x)) ** -1 -> sigmoid(-x), and ** -2 -> sigmoid(-x) ** 2 (the derivative of
    the hand-written sigmoid has the square)."""
    base, exponent = node.inputs
    power = scalar_constant(exponent)
    if power not in (-1, -2):
        return None
    found = _sigmoid_of_minus(node, base)
    return found if found is None or power == -1 else fit(at.sqr(found), node.outputs[0])


@stabilize.rule(Reciprocal, tags=STABLE)
def sigmoid_from_reciprocal(node: Apply) -> Variable | None:
    """reciprocal(1 + exp(x)) -> sigmoid(-x)."""
    return _sigmoid_of_minus(node, node.inputs[0])


def _sum_over(denominator: Variable, ndim: int) -> tuple[Variable, tuple[int, ...] | None] | None:
    """``(summed, axes)`` when ``denominator`` is ``sum(summed, axes)`` laid out to broadcast
    against an operand of ``ndim`` dimensions: length-1 axes where it was reduced."""
    reshuffle = match_op(denominator, DimShuffle)
    total = denominator if reshuffle is None else reshuffle.inputs[0]
    reduce = total.owner
    if reduce is None or not isinstance(reduce.op, CAReduce) or not isinstance(reduce.op.scalar_op, Add):
        return None
    if reduce.op.dtype is not None or reduce.op.acc_dtype is not None:
        return None
    summed = reduce.op.reduced_axes(ndim)
    kept = iter(range(ndim - len(summed)))
    expected = ["x" if axis in summed else next(kept) for axis in range(ndim)]
    order = list(range(total.ndim)) if reshuffle is None else list(reshuffle.op.new_order)
    order = ["x"] * (ndim - len(order)) + order
    if order != expected:
        return None
    return reduce.inputs[0], reduce.op.axis


@stabilize.rule(TrueDiv, tags=STABLE)
def softmax_from_quotient(node: Apply) -> Variable | None:
    """exp(x) / keepdims(sum(exp(x), axes)) -> softmax(x, axes): no inf / inf."""
    numerator, denominator = node.inputs
    x = match(numerator, Exp)
    out = node.outputs[0]
    if x is None or x.ndim != out.ndim or not is_real_float(out) or x.type.dtype != out.type.dtype:
        return None
    found = _sum_over(denominator, x.ndim)
    if found is None or found[0] is not numerator:
        return None
    return fit(Softmax(found[1])(x), out)


def _sigmoid_power(var: Variable) -> tuple[Variable, int] | None:
    """``(y, k)`` when ``var`` is ``sigmoid(y) ** k`` for k = 1 or 2 (``sqr`` or ``pow``)."""
    y = match(var, Sigmoid)
    if y is not None:
        return y, 1
    base = match(var, Sqr)
    if base is None:
        powered = elemwise_inputs(var, Pow)
        if powered is None or scalar_constant(powered[1]) != 2:
            return None
        base = powered[0]
    y = match(base, Sigmoid)
    return None if y is None else (y, 2)


def _negations(x: Variable, y: Variable) -> bool:
    return negated(x) is y or negated(y) is x


@stabilize.rule(Mul, tags=STABLE)
def sigmoid_from_exp_times_sigmoid(node: Apply) -> Variable | None:
    """exp(x) * sigmoid(-x) -> sigmoid(x) (both are exp(x) / (1 + exp(x))): no inf * 0.

    The derivatives of the hand-written sigmoid and softplus take this form once
    ``1 / (1 + exp(-x))`` has become ``sigmoid(x)``: ``exp(-x) * sigmoid(x) ** 2`` and
    ``exp(x) * sigmoid(-x)``.
    """
    factors = list(node.inputs)
    if not is_real_float(node.outputs[0]):
        return None
    for position, factor in enumerate(factors):
        x = match(factor, Exp)
        if x is None:
            continue
        for other, candidate in enumerate(factors):
            found = None if other == position else _sigmoid_power(candidate)
            if found is None or not _negations(x, found[0]):
                continue
            kept = without(factors, position, other) + [at.sigmoid(x)]
            if found[1] == 2:
                kept.append(at.sigmoid(found[0]))
            return product_like(node, kept, [factor, candidate])
    return None
