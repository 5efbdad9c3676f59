"""Sums: reading the signed terms of a sum out of a graph, and writing its normal form.

A sum is read as ``c1 * t1 + ... + cn * tn + k``: each term a product of
factors with a coefficient, plus one constant.  ``Add``, ``Sub`` and ``Neg``
of the sum's dtype are looked through, and so are products with a constant
(``x - 2 * y`` has the terms ``1 * x`` and ``-2 * y``).  The normal form is
described in :mod:`arignote.tensor.rewrites.algebra`.

When may equal terms be collected (``c1 * t + c2 * t -> (c1 + c2) * t``)?

* integers and booleans: always; the arithmetic is exact (modular), so
  ``x - x`` is 0 and ``x + x`` in int8 wraps exactly like ``2 * x``;
* real floats: only when the coefficients have the same sign.  The result
  is then the same up to rounding, infinities and NaN included
  (``inf + inf == 2 * inf``).  With opposite signs it is not: ``x - x`` is
  NaN for an infinite ``x`` and ``+0`` for ``x = -3``, where ``0 * x`` would
  give ``-0``; such terms stay apart (``x - x`` stays a subtraction);
* complex: never (``2 * z`` is a complex product, which turns an infinite
  part into NaN where ``z + z`` does not).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite.toolkit import (
    computes_in_output_dtype,
    dtype_of,
    filled,
    fit_to,
    kind_of,
    scalar_op_of,
    uniform_value,
)
from arignote.scalar.math import Add, Mul, Neg, Sub
from arignote.tensor.basic import constant
from arignote.tensor.math import add, neg, sub
from arignote.tensor.rewrites.algebra_order import sort_terms
from arignote.tensor.rewrites.algebra_product import expand_product, product_of
from arignote.tensor.rewrites.algebra_shape import shape_neutral
from arignote.tensor.rewrites.algebra_values import is_negative, is_value, negate, one, plus, value_in


@dataclass
class Term:
    """``coefficient * prod(factors)`` (factors sorted; the coefficient 0-d, in the sum's dtype)."""

    factors: tuple[Variable, ...]
    coefficient: np.ndarray


@dataclass
class Sum:
    terms: list[Term] = field(default_factory=list)
    #: the sum of the constant terms, in the sum's dtype (None: no constant)
    constant: np.ndarray | None = None
    constants: list[Variable] = field(default_factory=list)


def expand_sum(node: Apply) -> Sum:
    """The signed terms of the sum computed by ``node`` (``Add``/``Sub``/``Neg`` computing in its dtype)."""
    dtype = dtype_of(node.outputs[0])
    result = Sum()
    for var, positive in _signed_leaves(node, dtype):
        if isinstance(var, Constant):
            value = value_in(var, dtype)
            result.constant = plus(result.constant, value if positive else negate(value))
            result.constants.append(var)
            continue
        term = _as_term(var, dtype)
        if not positive:
            term.coefficient = negate(term.coefficient)
        result.terms.append(term)
    return result


def _signed_leaves(node: Apply, dtype: str) -> Iterator[tuple[Variable, bool]]:
    """The operands of a nest of sums, differences and negations, with their signs."""
    stack = list(zip(reversed(node.inputs), reversed(_input_signs(node))))
    while stack:
        var, positive = stack.pop()
        inner = var.owner
        if (inner is not None and dtype_of(var) == dtype
                and isinstance(scalar_op_of(var), (Add, Sub, Neg)) and computes_in_output_dtype(inner)):
            for child, sign in zip(reversed(inner.inputs), reversed(_input_signs(inner))):
                stack.append((child, sign == positive))
            continue
        yield var, positive


def _input_signs(node: Apply) -> list[bool]:
    op = node.op.scalar_op
    if isinstance(op, Sub):
        return [True, False]
    if isinstance(op, Neg):
        return [False]
    return [True] * len(node.inputs)


def _as_term(var: Variable, dtype: str) -> Term:
    """``var`` as ``coefficient * factors``: a product with a constant is split (real and
    integer dtypes), anything else is one factor with coefficient 1."""
    if (kind_of(dtype) != "c" and dtype_of(var) == dtype and isinstance(scalar_op_of(var), Mul)
            and computes_in_output_dtype(var.owner)):  # type: ignore[arg-type]
        product = expand_product(var.owner)  # type: ignore[arg-type]
        coefficient = product.coefficient
        factors_ndim = max((f.type.ndim for f in product.factors), default=-1)
        # a constant that only has length-1 axes the factors have too never decides the shape
        if product.factors and (coefficient is None or (
                all(n == 1 for n in coefficient.shape) and coefficient.ndim <= factors_ndim)):
            value = one(dtype) if coefficient is None else coefficient.reshape(())
            return Term(tuple(product.factors), value)
    return Term((var,), one(dtype))


# --- collecting equal terms ----------------------------------------------------------------

def collect(terms: list[Term], dtype: str, cancel: bool) -> tuple[list[Term], list[Variable]]:
    """Equal terms merged (where value-safe, see the module docstring).

    Returns the merged terms and the factors of terms that cancelled out
    (``cancel``: integers only), whose shapes the result must keep.
    """
    kind = kind_of(dtype)
    groups: dict[object, Term] = {}
    for position, term in enumerate(terms):
        key = _merge_key(term, position, kind, cancel)
        found = groups.get(key)
        if found is None:
            groups[key] = Term(term.factors, term.coefficient)
        else:
            found.coefficient = plus(found.coefficient, term.coefficient)
    merged: list[Term] = []
    cancelled: list[Variable] = []
    for term in groups.values():
        if kind in "biu" and is_value(term.coefficient, 0):
            cancelled.extend(term.factors)
        else:
            merged.append(term)
    return merged, cancelled


def _merge_key(term: Term, position: int, kind: str, cancel: bool) -> object:
    """Terms with the same key are merged; a term's position is a key nobody else has."""
    if kind == "c":
        return position
    identity = tuple(map(id, term.factors))
    if kind in "biu" and cancel:
        return identity
    coefficient = term.coefficient
    if is_value(coefficient, 0) or (kind == "f" and bool(np.isnan(coefficient))):
        return position
    return identity, is_negative(coefficient)


# --- writing the normal form ---------------------------------------------------------------

def sum_of(parts: list[Variable]) -> Variable:
    """``add`` of terms already in canonical order (a single part stands alone)."""
    return parts[0] if len(parts) == 1 else add(*parts)


def _ordered(terms: list[Variable], constant_part: np.ndarray | None) -> list[Variable]:
    parts = sort_terms(terms)
    if constant_part is not None:
        parts.append(constant(constant_part))
    return parts


def write_sum(terms: list[Term], constant_value: np.ndarray | None, dtype: str) -> Variable | None:
    """The normal form of ``sum(terms) + constant_value`` (None when nothing is left).

    Terms with a negative coefficient (and a negative constant) are
    subtracted: ``sub(add(positive parts), add(negative parts))``; with no
    positive part, ``neg(add(negative parts))``, or for a single negative
    term ``neg(t)`` / ``mul(t, -c)``.
    """
    positive: list[Variable] = []
    negative: list[tuple[Variable, Term]] = []
    for term in terms:
        if is_negative(term.coefficient):
            magnitude = negate(term.coefficient)
            negative.append((product_of(list(term.factors), magnitude), term))
        else:
            positive.append(product_of(list(term.factors), term.coefficient))
    constant_positive = constant_negative = None
    if constant_value is not None:
        single = uniform_value(constant_value)
        if single is not None and is_negative(single):
            constant_negative = negate(constant_value)
        else:
            constant_positive = constant_value
    if not positive and not negative:
        return None
    positive_side = _ordered(positive, constant_positive)
    negative_side = _ordered([v for v, _ in negative], constant_negative)
    if not negative_side:
        return sum_of(positive_side)
    if not positive_side:
        if len(negative_side) == 1:  # one term, no constant
            term = negative[0][1]
            if is_value(negate(term.coefficient), 1) or kind_of(dtype) == "c":
                return neg(negative[0][0])
            return product_of(list(term.factors), term.coefficient)
        return neg(sum_of(negative_side))
    return sub(sum_of(positive_side), sum_of(negative_side))


def canonical_sum_of(node: Apply) -> Variable | None:
    """The normal form of the sum computed by ``node``, or None to leave it.

    Tries the simplest form first and falls back when it would lose the
    node's shape: first without cancelling integer terms whose shapes cannot
    be restored, then keeping a zero constant that decided a length.
    """
    out = node.outputs[0]
    dtype = dtype_of(out)
    expanded = expand_sum(node)
    value = expanded.constant
    if value is not None:
        terms_ndim = max((f.type.ndim for t in expanded.terms for f in t.factors), default=0)
        value = shape_neutral(value, terms_ndim, out.type.ndim)
    single = None if value is None else uniform_value(value)
    everything = [f for t in expanded.terms for f in t.factors] + expanded.constants
    if single is not None and kind_of(dtype) == "b" and single:
        # x | True: every element is True
        result = filled(True, out, everything)
        if result is not None:
            return result
    for cancel in ((True, False) if kind_of(dtype) in "iu" else (False,)):
        terms, cancelled = collect(expanded.terms, dtype, cancel)
        for drop_zero in (True, False):
            keep = value if value is not None and not (drop_zero and is_value(value, 0)) else None
            dropped = cancelled + ([constant(value)] if value is not None and keep is None else [])
            written = write_sum(terms, keep, dtype)
            if written is None:  # everything cancelled: the constant (or 0), in the node's shape
                written = constant(keep if keep is not None else np.zeros((), dtype))
                dropped = cancelled + expanded.constants
            result = fit_to(written, out, dropped)
            if result is not None:
                return result
    return None
