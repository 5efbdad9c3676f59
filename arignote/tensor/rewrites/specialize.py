"""Faster forms of the same computation (the ``specialize`` phase).

- powers by small constants become the dedicated elementwise functions or
  products: ``x ** 2 -> sqr(x)``, ``x ** 3 -> sqr(x) * x``,
  ``x ** 4 -> sqr(sqr(x))``, ``x ** 0.5 -> sqrt(x)``, ``x ** -1 ->
  reciprocal(x)`` (``pow`` is a libm call costing tens of cycles; these are
  one or two instructions);
- ``x * x -> sqr(x)`` and ``-1 * x -> neg(x)``;
- ``z + a * dot(x, y)`` becomes one BLAS call, `Gemm` or `Gemv`
  (:mod:`arignote.tensor.rewrites.specialize_blas`).

Values are kept up to float rounding, and exactly where NumPy's result is
exact: ``x ** -1`` stays a power for integers (NumPy raises there), negative
powers other than -1 are not expanded (``1 / (x * x)`` overflows to 0 where
``x ** -2`` is still a subnormal number), and ``x ** -0.5 ->
reciprocal(sqrt(x))`` is optional (it gives ``-inf`` for ``x = -0.0`` and NaN
for ``x = -inf``, where NumPy's power gives ``inf`` and 0).  Integer forms
compute in the same dtype as the original, so they wrap around the same way.
"""

from __future__ import annotations

from typing import Any

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.rewrite import specialize
from arignote.rewrite.phases import OPTIONAL
from arignote.rewrite.toolkit import constant_value, fit_to, is_number, kind_of
from arignote.scalar.math import Mul, Pow

#: the dtype kinds whose arithmetic the product forms reproduce
_NUMERIC = "iufc"


# --- powers by constants ------------------------------------------------------------------

def _power_parts(node: Apply, kinds: str) -> tuple[Variable, Any] | None:
    """``(base, exponent)`` of ``base ** exponent`` with a real constant exponent whose
    dims all have length 1, when the output's dtype kind is one of ``kinds``.

    The base comes cast to the output dtype (exactly what NumPy's power does
    before computing), so the replacement computes in the same dtype.
    """
    base, exponent = node.inputs
    value = constant_value(exponent)
    out = node.outputs[0]
    if value is None or isinstance(value, (bool, complex)) or kind_of(out) not in kinds:
        return None
    return at.cast(base, out.type.dtype), value


def _integer_power(x: Variable, n: int) -> Variable:
    """``x ** n`` for n in 2..4 as squarings and one product."""
    if n == 2:
        return at.sqr(x)
    if n == 3:
        return at.mul(at.sqr(x), x)
    return at.sqr(at.sqr(x))


@specialize.rule(Pow)
def pow_to_products(node: Apply) -> Variable | None:
    """x ** 2 -> sqr(x), x ** 3 -> sqr(x) * x, x ** 4 -> sqr(sqr(x)).

    For integers too: the products wrap around exactly as the power does.
    """
    parts = _power_parts(node, _NUMERIC)
    if parts is None:
        return None
    base, value = parts
    if value not in (2, 3, 4):
        return None
    return fit_to(_integer_power(base, int(value)), node.outputs[0])


@specialize.rule(Pow)
def pow_half_to_sqrt(node: Apply) -> Variable | None:
    """x ** 0.5 -> sqrt(x) (real floats: NumPy computes the same, -0.0 and -inf included)."""
    parts = _power_parts(node, "f")
    if parts is None or parts[1] != 0.5:
        return None
    return fit_to(at.sqrt(parts[0]), node.outputs[0])


@specialize.rule(Pow)
def pow_minus_one_to_reciprocal(node: Apply) -> Variable | None:
    """x ** -1 -> reciprocal(x) for floats (an integer to the power -1 stays a NumPy error)."""
    parts = _power_parts(node, "fc")
    if parts is None or parts[1] != -1:
        return None
    return fit_to(at.reciprocal(parts[0]), node.outputs[0])


@specialize.rule(Pow, tags=[OPTIONAL])
def pow_minus_half_to_rsqrt(node: Apply) -> Variable | None:
    """x ** -0.5 -> reciprocal(sqrt(x)) for real floats.

    Optional: at x = -0.0 it gives -inf (NumPy's power: inf) and at x = -inf
    NaN (NumPy's power: 0).  Elsewhere it agrees up to rounding.
    """
    parts = _power_parts(node, "f")
    if parts is None or parts[1] != -0.5:
        return None
    return fit_to(at.reciprocal(at.sqrt(parts[0])), node.outputs[0])


# --- products ------------------------------------------------------------------------------

@specialize.rule(Mul)
def mul_self_to_sqr(node: Apply) -> Variable | None:
    """x * x -> sqr(x); in a longer product each pair of equal factors becomes one sqr
    (x * x * x * y -> sqr(x) * x * y; four equal factors end as sqr(sqr(x))).

    Only factors of the product's own dtype: one of a narrower integer dtype
    might be multiplied by itself before or after the promotion, which wraps
    differently.
    """
    out = node.outputs[0]
    if kind_of(out) not in _NUMERIC:
        return None
    counts: dict[Variable, int] = {}
    for factor in node.inputs:
        counts[factor] = counts.get(factor, 0) + 1
    if not any(n >= 2 and f.type.dtype == out.type.dtype for f, n in counts.items()):
        return None
    factors: list[Variable] = []
    for factor, n in counts.items():
        if n >= 2 and factor.type.dtype == out.type.dtype:
            factors += [at.sqr(factor)] * (n // 2) + [factor] * (n % 2)
        else:
            factors += [factor] * n
    return fit_to(factors[0] if len(factors) == 1 else at.mul(*factors), out)


@specialize.rule(Mul)
def mul_minus_one_to_neg(node: Apply) -> Variable | None:
    """-1 * x -> neg(x) (and -1 * x * y -> neg(x * y)).

    Signed and float dtypes only; several remaining factors must share the
    product's dtype (so their product wraps as the original's would).
    """
    out = node.outputs[0]
    if kind_of(out) not in "ifc":
        return None
    inputs = list(node.inputs)
    for position, factor in enumerate(inputs):
        if is_number(factor, -1):
            rest = inputs[:position] + inputs[position + 1:]
            break
    else:
        return None
    if not rest:
        return None
    if len(rest) == 1:
        negated = at.neg(at.cast(rest[0], out.type.dtype))
    elif all(f.type.dtype == out.type.dtype for f in rest):
        negated = at.neg(at.mul(*rest))
    else:
        return None
    return fit_to(negated, out)
