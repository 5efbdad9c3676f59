"""Identities of division, powers and logic (the ``canonicalize`` phase).

Each rule drops a neutral operand or replaces an absorbing one, keeping the
node's dtype (by a cast where the constant had promoted the other operand)
and broadcast shape (see :func:`~arignote.rewrite.toolkit.fit_to`).
"""

from __future__ import annotations

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite import canonicalize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.rewrite.toolkit import dtype_of, filled, fit_to, kind_of, scalar_op_of
from arignote.scalar.math import (
    BitwiseAnd,
    BitwiseOr,
    BitwiseXor,
    LogicalAnd,
    LogicalOr,
    LogicalXor,
    Neg,
    Pow,
    TrueDiv,
)
from arignote.tensor.basic import cast, constant
from arignote.tensor.math import mul, neg, true_div
from arignote.tensor.rewrites.algebra_values import is_value, negate, one, value_in

# --- division -----------------------------------------------------------------------------


def exact_reciprocal(value: np.ndarray, dtype: str) -> np.ndarray | None:
    """``1 / value`` in ``dtype`` when it is exact for every element (``value = ±2**k``,
    with ``2**-k`` representable), else None."""
    with np.errstate(all="ignore"):
        converted = value.astype(dtype)
        if converted.size == 0 or not np.array_equal(converted.astype(value.dtype), value):
            return None  # the divisor itself is rounded in dtype
        mantissa, _ = np.frexp(converted)
        if not np.all(np.abs(mantissa) == 0.5):
            return None
        reciprocal = np.asarray(np.reciprocal(converted))
        if not np.all(np.isfinite(reciprocal)) or not np.all(reciprocal * converted == 1):
            return None
    return reciprocal


@canonicalize.rule(TrueDiv, tags=[FAST_COMPILE])
def division_by_exact_reciprocal(node: Apply) -> Variable | None:
    """x / c -> x * (1 / c) when 1 / c is exact: x / 2 -> x * 0.5, x / 1 -> x, x / -1 -> -x.

    Dividing by a power of two and multiplying by its reciprocal round the
    same exact value, so the results are identical, NaN, infinities and
    underflow included.  Other divisors are left (``x / 3`` is not ``x * (1/3)``).
    """
    x, divisor = node.inputs
    out = node.outputs[0]
    dtype = dtype_of(out)
    if not isinstance(divisor, Constant) or isinstance(x, Constant) or kind_of(dtype) != "f":
        return None
    reciprocal = exact_reciprocal(np.asarray(divisor.data), dtype)
    if reciprocal is None:
        return None
    result = mul(x, constant(reciprocal))
    return result if dtype_of(result) == dtype else None


@canonicalize.rule(TrueDiv, tags=[FAST_COMPILE])
def negation_out_of_division(node: Apply) -> Variable | None:
    """(-a) / b -> -(a / b), a / (-b) -> -(a / b), (-a) / (-b) -> a / b (real floats: exact)."""
    out = node.outputs[0]
    if kind_of(dtype_of(out)) != "f":
        return None
    operands = []
    negations = 0
    for var in node.inputs:
        # an integer negation wraps (-(-128) is -128 in int8) before the division converts it
        if isinstance(scalar_op_of(var), Neg) and kind_of(dtype_of(var)) == "f":
            operands.append(var.owner.inputs[0])  # type: ignore[union-attr]
            negations += 1
        else:
            operands.append(var)
    if not negations:
        return None
    result = true_div(*operands)
    if negations == 1:
        result = neg(result)
    return result if dtype_of(result) == dtype_of(out) else None


# --- powers -------------------------------------------------------------------------------

@canonicalize.rule(Pow, tags=[FAST_COMPILE])
def power_identities(node: Apply) -> Variable | None:
    """x ** 1 -> x; x ** 0 -> 1 (NumPy gives 1 for 0 ** 0 and nan ** 0 too).

    Real and integer powers only: a complex power is computed by a formula
    that does not return ``z`` exactly for ``z ** 1``.
    """
    base, exponent = node.inputs
    out = node.outputs[0]
    if not isinstance(exponent, Constant) or isinstance(base, Constant) or kind_of(dtype_of(out)) == "c":
        return None
    value = np.asarray(exponent.data)
    if is_value(value, 1):
        return fit_to(cast(base, dtype_of(out)), out, [exponent])
    if is_value(value, 0):
        return filled(1, out, [base, exponent])
    return None


# --- logic --------------------------------------------------------------------------------

def _constant_and_other(node: Apply) -> list[tuple[Constant, Variable]]:
    first, second = node.inputs
    pairs = []
    for const, other in ((second, first), (first, second)):
        if isinstance(const, Constant) and not isinstance(other, Constant):
            pairs.append((const, other))
    return pairs


def _all_bits(dtype: str) -> np.ndarray:
    """The value with every bit set: True, -1, or the largest unsigned value."""
    return np.ones((), dtype=bool) if kind_of(dtype) == "b" else negate(one(dtype))


@canonicalize.rule(BitwiseAnd, BitwiseOr, BitwiseXor, tags=[FAST_COMPILE])
def bitwise_identities(node: Apply) -> Variable | None:
    """x & ~0 -> x, x & 0 -> 0, x | 0 -> x, x | ~0 -> ~0, x ^ 0 -> x (for booleans:
    x & True -> x, x & False -> False, x | False -> x, x | True -> True)."""
    out = node.outputs[0]
    dtype = dtype_of(out)
    op = node.op.scalar_op
    for const, other in _constant_and_other(node):
        value = value_in(const, dtype)
        full = bool(np.all(value == _all_bits(dtype)))
        zero = is_value(value, 0)
        if (isinstance(op, BitwiseAnd) and full) or (isinstance(op, (BitwiseOr, BitwiseXor)) and zero):
            return fit_to(cast(other, dtype), out, [const])
        if isinstance(op, BitwiseAnd) and zero:
            return filled(0, out, [other, const])
        if isinstance(op, BitwiseOr) and full:
            return filled(_all_bits(dtype), out, [other, const])
    return None


@canonicalize.rule(LogicalAnd, LogicalOr, LogicalXor, tags=[FAST_COMPILE])
def logical_identities(node: Apply) -> Variable | None:
    """and(x, True) -> bool(x), and(x, False) -> False, or(x, False) -> bool(x),
    or(x, True) -> True, xor(x, False) -> bool(x).

    ``bool(x)`` is ``x != 0`` (NaN is true), as the logical functions read it.
    """
    out = node.outputs[0]
    op = node.op.scalar_op
    for const, other in _constant_and_other(node):
        truth = np.asarray(const.data).astype(bool)
        if truth.size == 0:
            continue
        if bool(np.all(truth)):
            if isinstance(op, LogicalAnd):
                return fit_to(cast(other, "bool"), out, [const])
            if isinstance(op, LogicalOr):
                return filled(True, out, [other, const])
        elif not np.any(truth):
            if isinstance(op, LogicalAnd):
                return filled(False, out, [other, const])
            return fit_to(cast(other, "bool"), out, [const])
    return None
