"""Numerically stable forms of the products that derivatives build (the ``stabilize`` phase).

The forward rules turn ``log(sigmoid(x))`` into ``-softplus(-x)``; its
derivative, built from the textbook rules, is ``sigmoid(x) * sigmoid(-x) /
sigmoid(x)``, which is ``0 * 0 / 0 = NaN`` at ``x = -800`` though it is
``sigmoid(-x) = 1`` there.  These rules cancel such factors:

- ``f * (a / f) -> a`` for ``f`` an ``exp``, a ``sigmoid`` or a ``softmax``
  (positive everywhere, so the cancellation is exact; only the
  floating-point overflow to ``inf`` or underflow to 0 made it fail): the
  derivative of ``log(sigmoid(x))``, of ``log(exp(x))`` and, with the next
  rule, of ``log(softmax(x))``;
- ``f * g * (a / f - b / g) -> g * a - f * b`` (a product with a sum of such
  quotients, distributed): the derivative of the cross-entropy
  ``y log(sigmoid(z)) + (1 - y) log(1 - sigmoid(z))``, ``0 * inf`` once
  either sigmoid underflows;
- ``exp(x) * (a / (1 + exp(x))) -> a * sigmoid(x)``: the derivative of
  ``log(1 + exp(x))``, ``inf / inf`` at ``x = 800``;
- ``exp(x) * (a / sum(exp(x), axes))`` with the quotient laid out to
  broadcast (``keepdims``) ``-> softmax(x, axes) * a``: the derivative of
  ``log(sum(exp(x)))``, ``inf / inf`` at ``x = 1000``.

Like the other stabilizations they run in FAST_COMPILE too.
"""

from __future__ import annotations

from collections.abc import Sequence

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.rewrite import Pattern, stabilize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.rewrite.toolkit import (
    elemwise_inputs,
    is_number,
    is_real_float,
    match,
    positions_of,
    signed_sum,
    sum_terms,
    without,
)
from arignote.scalar.math import Exp, Mul, Sigmoid, TrueDiv
from arignote.tensor.reduction import keep_reduced_dims
from arignote.tensor.rewrites.stabilize_forms import broadcast_layout, keepdims_order, plain_sum, product_like
from arignote.tensor.special import Softmax

STABLE = [FAST_COMPILE]


def _quotients(factors: Sequence[Variable]) -> list[tuple[int, Variable, Variable]]:
    """``(position, a, d)`` for each factor that is ``a / d``."""
    found = []
    for position, factor in enumerate(factors):
        parts = elemwise_inputs(factor, TrueDiv)
        if parts is not None:
            found.append((position, parts[0], parts[1]))
    return found


@stabilize.rule(Mul, tags=STABLE)
def cancel_positive_factor(node: Apply) -> Variable | None:
    """f * (a / f) -> a for f = exp(.) or sigmoid(.): no 0 * inf or inf / inf where f over- or
    underflows."""
    factors = list(node.inputs)
    if not is_real_float(node.outputs[0]):
        return None
    quotients = _quotients(factors)
    if not quotients:
        return None
    where = positions_of(factors)
    for position, a, d in quotients:
        other = where.get(d)
        if other is None or other == position or not _positive_function(d):
            continue
        kept = without(factors, position, other) + [a]
        return product_like(node, kept, [factors[position], d])
    return None


def _positive_function(var: Variable) -> bool:
    """exp, sigmoid and softmax: positive everywhere, so they cancel against a division by
    themselves exactly (only their floating-point underflow to 0 made that fail)."""
    if match(var, Exp) is not None or match(var, Sigmoid) is not None:
        return True
    return var.owner is not None and isinstance(var.owner.op, Softmax)


@stabilize.rule(Mul, tags=STABLE)
def distribute_over_quotients(node: Apply) -> Variable | None:
    """f * g * (a / f - b / g + c) -> g * a - f * b + f * g * c for f, g exp(.) or sigmoid(.):
    each quotient cancels against the factor it divides by, so none overflows."""
    out = node.outputs[0]
    if not is_real_float(out):
        return None
    factors = list(node.inputs)
    where: dict[Variable, int] | None = None
    for position, factor in enumerate(factors):
        terms = sum_terms(factor)
        if terms is None or factor.type.dtype != out.type.dtype:
            continue
        if where is None:
            where = positions_of(factors)
        # per term, the factor its divisor cancels against (its position among the others)
        # and its numerator (None: no cancelling); nothing is built unless one cancels, as
        # most products hold no such quotient
        cancels: list[tuple[int, Variable] | None] = []
        for term, _ in terms:
            parts = elemwise_inputs(term, TrueDiv)
            cancel: tuple[int, Variable] | None = None
            if parts is not None:
                numerator, divisor = parts
                match_at = where.get(divisor)
                if match_at is not None and match_at != position and _positive_function(divisor):
                    cancel = (match_at - (match_at > position), numerator)
            cancels.append(cancel)
        if all(c is None for c in cancels):
            continue
        others = without(factors, position)
        new_terms: list[tuple[Variable, bool]] = []
        for (term, added), cancel in zip(terms, cancels):
            if cancel is not None:
                match_at, numerator = cancel
                kept = without(others, match_at) + [numerator]
            else:
                kept = others + [term]
            kept = [k for k in kept if not is_number(k, 1)] or kept[:1]
            new_terms.append((kept[0] if len(kept) == 1 else at.mul(*kept), added))
        return product_like(node, [signed_sum(new_terms)], factors)
    return None


_ONE_PLUS_EXP = Pattern("1 + exp(x)")


@stabilize.rule(Mul, tags=STABLE)
def sigmoid_from_exp_over_one_plus_exp(node: Apply) -> Variable | None:
    """exp(x) * (a / (1 + exp(x))) -> a * sigmoid(x): no inf / inf for large x."""
    factors = list(node.inputs)
    if not is_real_float(node.outputs[0]):
        return None
    exps: dict[Variable, int] | None = None
    for position, a, d in _quotients(factors):
        found = _ONE_PLUS_EXP.match(d)
        if found is None:
            continue
        x = found["x"]
        if exps is None:  # exp(x) factors by x: one look-up per quotient
            exps = {}
            for k, factor in enumerate(factors):
                inner = match(factor, Exp)
                if inner is not None:
                    exps.setdefault(inner, k)
        other = exps.get(x)
        if other is not None and other != position:
            kept = without(factors, position, other) + [a, at.sigmoid(x)]
            return product_like(node, kept, [factors[position], factors[other]])
    return None


def _keepdims_quotient(factor: Variable, ndim: int) -> tuple[Variable, Apply] | None:
    """``(a, total)`` when ``factor`` is ``a / sum(...)`` (``total`` the sum's node), laid out
    with length-1 axes where the sum reduced (keepdims), else None."""
    laid_out = broadcast_layout(factor, ndim)
    if laid_out is None:
        return None
    inner, order = laid_out
    parts = elemwise_inputs(inner, TrueDiv)
    if parts is None:
        return None
    a, d = parts
    total = plain_sum(d)
    if total is None or order != keepdims_order(total.op, ndim):
        return None
    return a, total


@stabilize.rule(Mul, tags=STABLE)
def softmax_from_exp_times_quotient_of_sum(node: Apply) -> Variable | None:
    """exp(x) * keepdims(a / sum(exp(x), axes)) -> softmax(x, axes) * keepdims(a)."""
    factors = list(node.inputs)
    out = node.outputs[0]
    if not is_real_float(out):
        return None
    # the exp(x) factors of the product's rank and dtype, then one look-up per quotient
    exps: dict[Variable, int] = {}
    for position, factor in enumerate(factors):
        x = match(factor, Exp)
        if x is not None and x.ndim == out.ndim and x.type.dtype == out.type.dtype:
            exps.setdefault(factor, position)
    if not exps:
        return None
    for other, candidate in enumerate(factors):
        found = _keepdims_quotient(candidate, out.ndim)
        if found is None:
            continue
        a, total = found
        at_position = exps.get(total.inputs[0])
        if at_position is not None and at_position != other:
            position = at_position
            factor = factors[position]
            x = factor.owner.inputs[0]  # type: ignore[union-attr]
            axes = total.op.axis
            spread = a
            if a.ndim == total.outputs[0].ndim:  # a as reduced as the sum: lay it out like it
                spread = keep_reduced_dims(at.as_tensor_variable(a), axes, x.ndim)
            kept = without(factors, position, other) + [Softmax(axes)(x), spread]
            return product_like(node, kept, [factor, candidate])
    return None
