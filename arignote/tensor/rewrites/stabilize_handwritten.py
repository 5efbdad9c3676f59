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
- ``exp(x) / (1 + exp(x)) -> sigmoid(x)``.

``exp(x) / sum(exp(x), axes, keepdims) -> softmax(x, axes)`` is
``softmax_from_exp_over_sum`` of :mod:`.stabilize_reductions`.  The canonical
forms keep the division (``TrueDiv``), so that is what these rules see.
"""

from __future__ import annotations

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.rewrite import pattern, stabilize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.rewrite.toolkit import elemwise_inputs, is_number, is_real_float, match, negated, without
from arignote.scalar.math import Exp, Mul, Pow, Sigmoid, Sqr
from arignote.tensor.rewrites.stabilize_forms import product_like, real_floats

STABLE = [FAST_COMPILE]


stabilize.add(pattern({"1 / (1 + exp(x))": "sigmoid(-x)", "exp(x) / (1 + exp(x))": "sigmoid(x)"},
                      name="sigmoid_from_quotient", where=real_floats), tags=STABLE)
# the derivative of the hand-written sigmoid has the square
stabilize.add(pattern({"(1 + exp(x)) ** -1": "sigmoid(-x)", "(1 + exp(x)) ** -2": "sqr(sigmoid(-x))"},
                      name="sigmoid_from_inverse_power", where=real_floats), tags=STABLE)
stabilize.add(pattern("reciprocal(1 + exp(x))", "sigmoid(-x)", name="sigmoid_from_reciprocal",
                      where=real_floats), tags=STABLE)


def _sigmoid_power(var: Variable) -> tuple[Variable, int] | None:
    """``(y, k)`` when ``var`` is ``sigmoid(y) ** k`` for k = 1 or 2 (``sqr`` or ``pow``)."""
    y = match(var, Sigmoid)
    if y is not None:
        return y, 1
    base = match(var, Sqr)
    if base is None:
        powered = elemwise_inputs(var, Pow)
        if powered is None or not is_number(powered[1], 2):
            return None
        base = powered[0]
    y = match(base, Sigmoid)
    return None if y is None else (y, 2)


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
    # exp(x) factors by x and by -x, then one look-up per sigmoid factor (linear in the factors)
    exps: dict[Variable, int] = {}
    exps_of_negated: dict[Variable, int] = {}
    for position, factor in enumerate(factors):
        x = match(factor, Exp)
        if x is not None:
            exps.setdefault(x, position)
            inner = negated(x)
            if inner is not None:
                exps_of_negated.setdefault(inner, position)
    if not exps:
        return None
    for other, candidate in enumerate(factors):
        found = _sigmoid_power(candidate)
        if found is None:
            continue
        y = found[0]
        inner = negated(y)
        at_position = exps.get(inner) if inner is not None else None
        if at_position is None:
            at_position = exps_of_negated.get(y)
        if at_position is None or at_position == other:
            continue
        position = at_position
        factor = factors[position]
        x = factor.owner.inputs[0]  # type: ignore[union-attr]
        kept = without(factors, position, other) + [at.sigmoid(x)]
        if found[1] == 2:
            kept.append(at.sigmoid(y))
        return product_like(node, kept, [factor, candidate])
    return None
