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
from arignote.rewrite import match, match_op, stabilize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.scalar.math import Add, Exp, Mul, Sigmoid, TrueDiv
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.reduction import CAReduce
from arignote.tensor.rewrites.algebra_shape import fit_to
from arignote.tensor.rewrites.stabilize_forms import (elemwise_inputs, is_real_float, one_plus,
                                                      scalar_constant)
from arignote.tensor.special import Softmax
from arignote.tensor.sum_to import same_shape

STABLE = [FAST_COMPILE]


def _quotients(factors: Sequence[Variable]) -> list[tuple[int, Variable, Variable]]:
    """``(position, a, d)`` for each factor that is ``a / d``."""
    found = []
    for position, factor in enumerate(factors):
        parts = elemwise_inputs(factor, TrueDiv)
        if parts is not None:
            found.append((position, parts[0], parts[1]))
    return found


def product_like(node: Apply, factors: list[Variable], dropped: list[Variable]) -> Variable | None:
    """The product of ``factors`` (kept) in place of ``node``'s output, with its shape."""
    out = node.outputs[0]
    ones = [f for f in factors if scalar_constant(f) == 1]  # the seed of a gradient, often
    if ones and len(ones) < len(factors):
        factors = [f for f in factors if not any(f is o for o in ones)]
        dropped = dropped + ones
    result = factors[0] if len(factors) == 1 else at.mul(*factors)
    if result.type.dtype != out.type.dtype:
        return None
    if same_shape(result, out):
        return result
    fitted = fit_to(result, out, dropped)
    if fitted is not None:
        return fitted
    # the dropped factors may have decided lengths: broadcast to the original's shape, read
    # from the inputs' shapes (not from the original, which is not computed)
    from arignote.tensor.shape_inference import shape_of

    if result.ndim > out.ndim:
        return None
    return at.broadcast_to(result, at.make_vector(*shape_of(out), dtype="int64"))


def without(factors: Sequence[Variable], *positions: int) -> list[Variable]:
    return [f for k, f in enumerate(factors) if k not in positions]


@stabilize.rule(Mul, tags=STABLE)
def cancel_positive_factor(node: Apply) -> Variable | None:
    """f * (a / f) -> a for f = exp(.) or sigmoid(.): no 0 * inf or inf / inf where f over- or
    underflows."""
    factors = list(node.inputs)
    if not is_real_float(node.outputs[0]):
        return None
    for position, a, d in _quotients(factors):
        if not _positive_function(d):
            continue
        for other, factor in enumerate(factors):
            if other != position and factor is d:
                kept = without(factors, position, other) + [a]
                return product_like(node, kept, [factors[position], factor])
    return None


def _signed_terms(var: Variable) -> list[tuple[Variable, bool]] | None:
    """The terms of a sum as (term, negated), through one ``Sub`` of ``Add`` s (the canonical
    form of sums), or None when ``var`` is not a sum."""
    from arignote.scalar.math import Neg, Sub

    parts = elemwise_inputs(var, Sub)
    if parts is not None:
        signed = [(parts[0], False), (parts[1], True)]
    else:
        terms = elemwise_inputs(var, Add)
        if terms is None:
            return None
        signed = [(t, False) for t in terms]
    flat: list[tuple[Variable, bool]] = []
    for term, negated in signed:
        inner = elemwise_inputs(term, Add)
        for t in (inner if inner is not None else [term]):
            negation = elemwise_inputs(t, Neg)
            flat.append((negation[0], not negated) if negation is not None else (t, negated))
    return flat


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
    for position, factor in enumerate(factors):
        terms = _signed_terms(factor)
        if terms is None or factor.type.dtype != out.type.dtype:
            continue
        others = without(factors, position)
        # per term, the factor its divisor cancels against and its numerator (None: no
        # cancelling); nothing is built unless one cancels, as most products hold no such quotient
        cancels: list[tuple[int, Variable] | None] = []
        for term, _ in terms:
            parts = elemwise_inputs(term, TrueDiv)
            divisor = None if parts is None else parts[1]
            match_at = None if divisor is None else next(
                (k for k, f in enumerate(others) if f is divisor), None)
            cancelling = match_at is not None and _positive_function(divisor)
            cancels.append((match_at, parts[0]) if cancelling else None)  # type: ignore[index]
        if all(c is None for c in cancels):
            continue
        new_terms: list[tuple[Variable, bool]] = []
        for (term, negated), cancel in zip(terms, cancels):
            if cancel is not None:
                match_at, numerator = cancel
                kept = without(others, match_at) + [numerator]
            else:
                kept = others + [term]
            kept = [k for k in kept if scalar_constant(k) != 1] or kept[:1]
            new_terms.append((kept[0] if len(kept) == 1 else at.mul(*kept), negated))
        plus = [t for t, negated in new_terms if not negated]
        minus = [t for t, negated in new_terms if negated]
        total_minus = None if not minus else minus[0] if len(minus) == 1 else at.add(*minus)
        if plus:
            total = plus[0] if len(plus) == 1 else at.add(*plus)
            result = total if total_minus is None else at.sub(total, total_minus)
        else:
            result = at.neg(total_minus)
        return product_like(node, [result], factors)
    return None


@stabilize.rule(Mul, tags=STABLE)
def sigmoid_from_exp_over_one_plus_exp(node: Apply) -> Variable | None:
    """exp(x) * (a / (1 + exp(x))) -> a * sigmoid(x): no inf / inf for large x."""
    factors = list(node.inputs)
    if not is_real_float(node.outputs[0]):
        return None
    for position, a, d in _quotients(factors):
        rest = one_plus(d)
        x = None if rest is None else match(rest, Exp)
        if x is None:
            continue
        for other, factor in enumerate(factors):
            if other != position and factor is rest:
                kept = without(factors, position, other) + [a, at.sigmoid(x)]
                return product_like(node, kept, [factors[position], factor])
    return None


Quotient = tuple[Variable, Variable, tuple[int, ...] | None]


def _keepdims_quotient(factor: Variable, ndim: int) -> Quotient | None:
    """``(a, d, axes)`` when ``factor`` is ``(a / d)`` for a reduction ``d`` over ``axes``, laid
    out with length-1 axes where ``d`` was reduced (keepdims), else None."""
    reshuffle = match_op(factor, DimShuffle)
    inner = factor if reshuffle is None else reshuffle.inputs[0]
    parts = elemwise_inputs(inner, TrueDiv)
    if parts is None or parts[1].owner is None or not isinstance(parts[1].owner.op, CAReduce):
        return None
    a, d = parts
    reduce_op = d.owner.op
    summed = reduce_op.reduced_axes(ndim)
    kept = iter(range(ndim - len(summed)))
    expected = ["x" if axis in summed else next(kept) for axis in range(ndim)]
    order = list(range(inner.ndim)) if reshuffle is None else list(reshuffle.op.new_order)
    order = ["x"] * (ndim - len(order)) + order
    if order != expected:
        return None
    return a, d, reduce_op.axis


@stabilize.rule(Mul, tags=STABLE)
def softmax_from_exp_times_quotient_of_sum(node: Apply) -> Variable | None:
    """exp(x) * keepdims(a / sum(exp(x), axes)) -> softmax(x, axes) * keepdims(a)."""
    from arignote.tensor.reduction import keep_reduced_dims

    factors = list(node.inputs)
    out = node.outputs[0]
    if not is_real_float(out):
        return None
    for position, factor in enumerate(factors):
        x = match(factor, Exp)
        if x is None or x.ndim != out.ndim or x.type.dtype != out.type.dtype:
            continue
        for other, candidate in enumerate(factors):
            found = None if other == position else _keepdims_quotient(candidate, x.ndim)
            if found is None:
                continue
            a, d, axes = found
            reduce_op = d.owner.op  # type: ignore[union-attr]
            if not isinstance(reduce_op.scalar_op, Add) or d.owner.inputs[0] is not factor:  # type: ignore[union-attr]
                continue
            if reduce_op.dtype is not None or reduce_op.acc_dtype is not None:
                continue
            spread = keep_reduced_dims(a, axes, x.ndim) if a.ndim == d.ndim else a
            kept = without(factors, position, other) + [Softmax(axes)(x), spread]
            return product_like(node, kept, [factor, candidate])
    return None
