"""Stable forms of expressions over axes: logsumexp, softmax, log_softmax (``stabilize``).

``log(sum(exp(x)))`` overflows for ``x = 1000`` and ``exp(x) / sum(exp(x))``
gives NaN there; subtracting the maximum first gives the right values.
``log(softmax(x))`` is ``-inf`` where the softmax underflows, while
``log_softmax`` stays finite.  Like the elementwise stabilisations these
rules run in FAST_COMPILE too.
"""

from __future__ import annotations

import numpy as np

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.rewrite import stabilize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.rewrite.toolkit import elemwise_inputs, is_number, is_real_float, match, match_op
from arignote.scalar.math import Exp, Log, Maximum, Mul, Pow, Reciprocal, TrueDiv
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.reduction import CAReduce, keep_reduced_dims
from arignote.tensor.rewrites.stabilize_forms import Axes, plain_sum, summed_keepdims
from arignote.tensor.special import LogSoftmax, Softmax

STABLE = [FAST_COMPILE]

#: how deep below an exponent to look for the maximum it already subtracts
_SHIFT_SEARCH_DEPTH = 6


def _subtracts_max_over(exponent: Variable, axes: Axes) -> bool:
    """Whether ``exponent`` already subtracts a maximum over ``axes`` (it is stable).

    The stable form this module builds (and ``at.logsumexp``) is
    ``exp(x - max(x, axes))`` in some arrangement; finding a maximum over the
    same axes among the exponent's first few producers is enough to leave
    the sum alone, and keeps the rule from firing on its own result.
    """
    stack = [(exponent, 0)]
    seen: set[int] = set()
    while stack:
        var, depth = stack.pop()
        node = var.owner
        if node is None or id(node) in seen or depth > _SHIFT_SEARCH_DEPTH:
            continue
        seen.add(id(node))
        op = node.op
        if isinstance(op, CAReduce) and isinstance(op.scalar_op, Maximum) and op.axis == axes:
            return True
        if isinstance(op, (Elemwise, DimShuffle)):
            stack.extend((i, depth + 1) for i in node.inputs)
    return False


def _stable_logsumexp(x: Variable, axes: Axes) -> Variable:
    """``log(sum(exp(x), axes))`` with the (finite) maximum taken out first.

    An infinite maximum is not subtracted (``inf - inf`` would be NaN): the
    naive formula's ``inf`` and ``-inf`` are then right already.  The maximum
    of an empty reduction is ``-inf``, so empty sums still give ``log(0)``.
    """
    largest = at.max(x, axis=axes, initial=-np.inf)
    shift = at.switch(at.isinf(largest), 0, largest)
    shifted = at.sub(x, keep_reduced_dims(shift, axes, x.ndim))
    return at.add(at.log(at.sum(at.exp(shifted), axis=axes)), shift)


@stabilize.rule(Log, tags=STABLE)
def logsumexp_from_log_sum_exp(node: Apply) -> Variable | None:
    """log(sum(exp(x), axes)) -> m + log(sum(exp(x - m), axes)), m = max(x, axes).

    Also through a keepdims ``DimShuffle`` between the log and the sum.
    """
    arg = node.inputs[0]
    reshuffle = match_op(arg, DimShuffle)
    total = arg if reshuffle is None else reshuffle.inputs[0]
    sum_node = plain_sum(total)
    if sum_node is None:
        return None
    x = match(sum_node.inputs[0], Exp)
    axes = sum_node.op.axis
    if x is None or not is_real_float(x) or x.type.dtype != node.outputs[0].type.dtype:
        return None
    if _subtracts_max_over(x, axes):
        return None
    stable = _stable_logsumexp(x, axes)
    return stable if reshuffle is None else reshuffle.op(stable)


@stabilize.rule(Log, tags=STABLE)
def log_softmax_from_log_softmax(node: Apply) -> Variable | None:
    """log(softmax(x, axes)) -> log_softmax(x, axes): finite where softmax underflows."""
    found = match_op(node.inputs[0], Softmax)
    if found is None or not isinstance(found.op, Softmax):
        return None
    return LogSoftmax(found.op.axis)(found.inputs[0])


# --- exp(x) / sum(exp(x), axes, keepdims=True) -> softmax ------------------------------------

def _denominator_of(node: Apply) -> tuple[Variable, Variable] | None:
    """``(numerator, denominator)`` of ``node`` written as ``a / b``, ``a * reciprocal(b)``
    or ``a * b ** -1``."""
    inputs = list(node.inputs)
    if isinstance(node.op.scalar_op, TrueDiv):
        return inputs[0], inputs[1]
    if len(inputs) != 2:
        return None
    for position, factor in enumerate(inputs):
        inverted = match(factor, Reciprocal)
        if inverted is None:
            operands = elemwise_inputs(factor, Pow)
            if operands is not None and is_number(operands[1], -1):
                inverted = operands[0]
        if inverted is not None:
            return inputs[1 - position], inverted
    return None


@stabilize.rule(TrueDiv, Mul, tags=STABLE)
def softmax_from_exp_over_sum(node: Apply) -> Variable | None:
    """exp(x) / sum(exp(x), axes, keepdims=True) -> softmax(x, axes): no overflow to NaN."""
    parts = _denominator_of(node)
    if parts is None:
        return None
    numerator, denominator = parts
    x = match(numerator, Exp)
    out = node.outputs[0]
    if x is None or not is_real_float(x) or x.type.dtype != out.type.dtype or x.ndim != out.ndim:
        return None
    found = summed_keepdims(denominator, numerator.ndim)
    if found is None or found[0] is not numerator:
        return None
    return Softmax(found[1])(x)
