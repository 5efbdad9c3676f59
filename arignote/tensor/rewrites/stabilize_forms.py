"""Recognising the written forms of ``1 + y``, ``1 - y``, ``y - 1`` and ``-y``.

The numerics rules (stabilize and specialize) must match an expression
whichever way it reached them: as the user wrote it (``Sub``, ``Neg``), or as
the canonical algebra left it (a sum with its constant last, ``a - b`` as
``a + (-b)``, a negation as ``-1 * b``).  These helpers hide the variants.

Every helper is value-exact: it answers only when the form it returns is the
same computation (same dtype, no intermediate integer wrap-around), and
:func:`fit` restores a rank that a dropped length-1 constant contributed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import arignote.scalar.math as sm
from arignote.graph.basic import Constant, Variable
from arignote.rewrite import match_op
from arignote.tensor.elemwise import Elemwise

__all__ = ["scalar_constant", "is_real_float", "elemwise_inputs", "one_plus", "one_minus",
           "minus_one_terms", "negated", "negate", "fit"]


def scalar_constant(var: Variable) -> Any:
    """The value of a constant whose dims all have length 1, else None.

    Such a constant can add axes to a broadcast but never decides a length,
    so a rule may drop it and :func:`fit` the rank back.
    """
    if not isinstance(var, Constant):
        return None
    data = np.asarray(var.data)
    if any(n != 1 for n in data.shape):
        return None
    value = data.reshape(()).item()
    if isinstance(value, bool):  # True is not the number 1 to a numerics rule
        return None
    return value


def is_real_float(*variables: Variable) -> bool:
    """All variables have a real floating-point dtype."""
    return all(np.dtype(v.type.dtype).kind == "f" for v in variables)  # type: ignore[attr-defined]


def elemwise_inputs(var: Variable, scalar_type: type) -> list[Variable] | None:
    """The inputs of ``var``'s producer if it is an elementwise ``scalar_type``."""
    node = var.owner
    if node is None or not isinstance(node.op, Elemwise) or not isinstance(node.op.scalar_op, scalar_type):
        return None
    return list(node.inputs)


def _is_constant(var: Variable, value: float) -> bool:
    found = scalar_constant(var)
    return found is not None and found == value


def _same_dtype(var: Variable, *others: Variable) -> bool:
    return all(o.type.dtype == var.type.dtype for o in others)  # type: ignore[attr-defined]


def _sum_of(terms: list[Variable]) -> Variable:
    import arignote.tensor as at

    return terms[0] if len(terms) == 1 else at.add(*terms)


def one_plus(var: Variable) -> Variable | None:
    """``y`` when ``var`` is ``1 + y`` (``y`` may be the sum of several other terms).

    The other terms must have ``var``'s dtype, so that ``y`` computes what
    ``var`` computed apart from the 1 (no integer sum that wraps first).
    """
    terms = elemwise_inputs(var, sm.Add)
    if terms is None or len(terms) < 2:
        return None
    for position, term in enumerate(terms):
        if _is_constant(term, 1):
            rest = terms[:position] + terms[position + 1:]
            if _same_dtype(var, *rest):
                return _sum_of(rest)
            return None
    return None


def negated(var: Variable) -> Variable | None:
    """``y`` when ``var`` is ``-y`` written as ``neg(y)`` or ``-1 * y``, of ``var``'s dtype."""
    inputs = elemwise_inputs(var, sm.Neg)
    if inputs is not None:
        return inputs[0]
    factors = elemwise_inputs(var, sm.Mul)
    if factors is None or len(factors) != 2:
        return None
    for position, factor in enumerate(factors):
        other = factors[1 - position]
        if _is_constant(factor, -1) and _same_dtype(var, other) and other.ndim == var.ndim:
            return other
    return None


def negate(var: Variable) -> Variable:
    """``-var``, without building a double negation."""
    import arignote.tensor as at

    inner = negated(var)
    return inner if inner is not None else at.neg(var)


def one_minus(var: Variable) -> Variable | None:
    """``y`` when ``var`` is ``1 - y``: ``sub(1, y)``, ``1 + (-y)`` or ``1 + (-1 * y)``."""
    inputs = elemwise_inputs(var, sm.Sub)
    if inputs is not None:
        first, second = inputs
        if _is_constant(first, 1) and _same_dtype(var, second):
            return second
        return None
    terms = elemwise_inputs(var, sm.Add)
    if terms is None or len(terms) != 2:
        return None
    for position, term in enumerate(terms):
        if _is_constant(term, 1):
            inner = negated(terms[1 - position])
            if inner is not None and _same_dtype(var, inner):
                return inner
    return None


def minus_one_terms(var: Variable) -> list[Variable] | None:
    """The terms that remain when ``var`` is a sum ``... - 1``: ``sub(y, 1)`` or ``y + (-1) + ...``.

    The remaining terms all have ``var``'s dtype (see :func:`one_plus`).
    """
    inputs = elemwise_inputs(var, sm.Sub)
    if inputs is not None:
        first, second = inputs
        if _is_constant(second, 1) and _same_dtype(var, first):
            return [first]
        return None
    terms = elemwise_inputs(var, sm.Add)
    if terms is None or len(terms) < 2:
        return None
    for position, term in enumerate(terms):
        if _is_constant(term, -1):
            rest = terms[:position] + terms[position + 1:]
            return rest if _same_dtype(var, *rest) else None
    return None


def fit(result: Any, original: Variable) -> Variable | None:
    """``result`` shaped as ``original``: left-padded with the length-1 axes that a
    dropped constant added.  None when dtype or static shape cannot agree."""
    import arignote.tensor as at

    result = at.as_tensor_variable(result)
    if result.dtype != original.dtype or result.ndim > original.ndim:
        return None
    if result.ndim < original.ndim:
        result = at.shape_padleft(result, original.ndim - result.ndim)
    for new, old in zip(result.type.shape, original.type.shape):
        if new is not None and old is not None and new != old:
            return None
    return result


def producer_is(var: Variable, kind: type) -> bool:
    """Whether ``var`` is computed by an op (or elementwise scalar op) of ``kind``."""
    return match_op(var, kind) is not None
