"""Numerically stable forms of elementwise expressions (the ``stabilize`` phase).

A user writes the textbook formula, ``log(1 + exp(x))``; it overflows at
``x = 800`` and loses every digit near 0.  These rules turn such formulas into
the library functions that are accurate everywhere (``softplus``, ``log1p``,
``expm1``, ``log1mexp``).  They change values only where the naive form
overflows, underflows or cancels, i.e. where the naive value is wrong.

Every rule is tagged ``fast_compile``: users rely on stable values even when
they ask for a quick compilation.

The rules only handle real floating-point expressions whose parts share one
dtype: integer forms can wrap around (``1 + x`` at the largest int8) and the
stable functions would not reproduce that, and mixed dtypes are rare enough
not to be worth a cast.

The forms match what the user wrote (``Sub``, ``Neg``) and what the
canonical algebra makes of it (sums with the constant last, ``a + (-b)``,
``-1 * b``): see :mod:`arignote.tensor.rewrites.stabilize_forms`.  The rules
chain: ``log(1 + exp(x))`` becomes ``log1p(exp(x))`` and then ``softplus(x)``;
``log(1 - sigmoid(x))`` becomes ``log(sigmoid(-x))`` and then ``-softplus(x)``.
"""

from __future__ import annotations

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.rewrite import match, stabilize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.scalar.math import Add, Exp, Expm1, Log, Log1p, Mul, Pow, Sigmoid, Sqr, Sqrt, Sub
from arignote.tensor.rewrites.stabilize_forms import (elemwise_inputs, fit, is_real_float,
                                                      minus_one_terms, negate, negated, one_minus,
                                                      one_plus, scalar_constant)

STABLE = [FAST_COMPILE]


def _real_float_like(node: Apply, *inner: Variable) -> bool:
    """The node's output and ``inner`` all have the same real float dtype."""
    out = node.outputs[0]
    return is_real_float(out) and all(v.type.dtype == out.type.dtype for v in inner)  # type: ignore[attr-defined]


# --- log of sums: log1p -----------------------------------------------------------------

@stabilize.rule(Log, tags=STABLE)
def log1p_from_log(node: Apply) -> Variable | None:
    """log(1 + y) -> log1p(y): accurate when y is tiny."""
    rest = one_plus(node.inputs[0])
    if rest is None or not _real_float_like(node, rest):
        return None
    return fit(at.log1p(rest), node.outputs[0])


@stabilize.rule(Log, tags=STABLE)
def log1p_from_log_one_minus(node: Apply) -> Variable | None:
    """log(1 - y) -> log1p(-y): accurate when y is tiny."""
    inner = one_minus(node.inputs[0])
    if inner is None or not _real_float_like(node, inner):
        return None
    return fit(at.log1p(negate(inner)), node.outputs[0])


# --- exp(x) - 1: expm1 ------------------------------------------------------------------

@stabilize.rule(Add, Sub, tags=STABLE)
def expm1_from_exp_minus_one(node: Apply) -> Variable | None:
    """exp(x) - 1 -> expm1(x) (also inside a longer sum: a + exp(x) - 1 -> a + expm1(x))."""
    out = node.outputs[0]
    terms = minus_one_terms(out)
    if terms is None or not is_real_float(out):
        return None
    for position, term in enumerate(terms):
        x = match(term, Exp)
        if x is not None and _real_float_like(node, x):
            others = terms[:position] + terms[position + 1:]
            return fit(at.add(*others, at.expm1(x)) if others else at.expm1(x), out)
    return None


@stabilize.rule(Add, Sub, tags=STABLE)
def neg_expm1_from_one_minus_exp(node: Apply) -> Variable | None:
    """1 - exp(x) -> -expm1(x): accurate when x is near 0."""
    inner = one_minus(node.outputs[0])
    x = None if inner is None else match(inner, Exp)
    if x is None or not _real_float_like(node, x):
        return None
    return fit(at.neg(at.expm1(x)), node.outputs[0])


# --- log(1 - exp(x)): log1mexp ----------------------------------------------------------

@stabilize.rule(Log, tags=STABLE)
def log1mexp_from_log_neg_expm1(node: Apply) -> Variable | None:
    """log(-expm1(x)) -> log1mexp(x), i.e. log(1 - exp(x)) accurate for all x <= 0."""
    inner = negated(node.inputs[0])
    x = None if inner is None else match(inner, Expm1)
    if x is None or not _real_float_like(node, x):
        return None
    return at.log1mexp(x)


@stabilize.rule(Log1p, tags=STABLE)
def log1mexp_from_log1p_neg_exp(node: Apply) -> Variable | None:
    """log1p(-exp(x)) -> log1mexp(x)."""
    inner = negated(node.inputs[0])
    x = None if inner is None else match(inner, Exp)
    if x is None or not _real_float_like(node, x):
        return None
    return at.log1mexp(x)


# --- sigmoid and softplus ---------------------------------------------------------------

@stabilize.rule(Log1p, tags=STABLE)
def softplus_from_log1p_exp(node: Apply) -> Variable | None:
    """log1p(exp(x)) -> softplus(x) (and so log(1 + exp(x)) -> softplus(x)): no overflow."""
    x = match(node.inputs[0], Exp)
    if x is None or not _real_float_like(node, x):
        return None
    return at.softplus(x)


@stabilize.rule(Add, Sub, tags=STABLE)
def sigmoid_neg_from_one_minus_sigmoid(node: Apply) -> Variable | None:
    """1 - sigmoid(x) -> sigmoid(-x): no cancellation when sigmoid(x) is near 1."""
    inner = one_minus(node.outputs[0])
    x = None if inner is None else match(inner, Sigmoid)
    if x is None or not _real_float_like(node, x):
        return None
    return fit(at.sigmoid(negate(x)), node.outputs[0])


@stabilize.rule(Log, tags=STABLE)
def softplus_from_log_sigmoid(node: Apply) -> Variable | None:
    """log(sigmoid(x)) -> -softplus(-x): finite where sigmoid(x) underflows to 0."""
    x = match(node.inputs[0], Sigmoid)
    if x is None or not _real_float_like(node, x):
        return None
    return at.neg(at.softplus(negate(x)))


@stabilize.rule(Log1p, tags=STABLE)
def softplus_from_log1p_neg_sigmoid(node: Apply) -> Variable | None:
    """log1p(-sigmoid(x)) -> -softplus(x), i.e. log(1 - sigmoid(x))."""
    inner = negated(node.inputs[0])
    x = None if inner is None else match(inner, Sigmoid)
    if x is None or not _real_float_like(node, x):
        return None
    return at.neg(at.softplus(x))


# --- inverse pairs ----------------------------------------------------------------------

@stabilize.rule(Log, tags=STABLE)
def log_of_exp(node: Apply) -> Variable | None:
    """log(exp(x)) -> x: exact where exp(x) would overflow or underflow.

    Only for real x (for complex x the logarithm's branch cut makes it wrong).
    The converse, exp(log(x)) -> x, is not done: it is wrong for x < 0 (NaN).
    """
    x = match(node.inputs[0], Exp)
    if x is None or not _real_float_like(node, x):
        return None
    return x


def _square_root_of(var: Variable) -> Variable | None:
    """``x`` when ``var`` is x*x, sqr(x) or x**2."""
    x = match(var, Sqr)
    if x is not None:
        return x
    factors = elemwise_inputs(var, Mul)
    if factors is not None and len(factors) == 2 and factors[0] is factors[1]:
        return factors[0]
    operands = elemwise_inputs(var, Pow)
    if operands is not None and scalar_constant(operands[1]) == 2:
        return operands[0]
    return None


@stabilize.rule(Sqrt, tags=STABLE)
def abs_from_sqrt_sqr(node: Apply) -> Variable | None:
    """sqrt(x * x) -> abs(x): no overflow of the square for |x| > 1e154 (real x only)."""
    x = _square_root_of(node.inputs[0])
    if x is None or not _real_float_like(node, x):
        return None
    return fit(at.abs(x), node.outputs[0])

