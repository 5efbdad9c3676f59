"""``z + a * dot(x, y)`` as one BLAS call: `Gemm` (matrices) and `Gemv` (matrix-vector).

This is a whole-graph pass of the ``specialize`` phase, not a local rule,
because it must see consumers: when ``dot(x, y)`` (or ``a * dot(x, y)``)
is used anywhere else as well, folding it into a Gemm would compute the
product twice.  The pass therefore rewrites a sum only when each node
between the sum and the dot serves that sum alone.

Recognised terms (``s`` a 0-d factor of the sum's dtype)::

    dot(x, y)      -dot(x, y)      s * dot(x, y)      z - dot(x, y)      dot(x, y) - z

with ``dot`` of two matrices (Gemm), of a matrix and a vector (Gemv), or of
a vector and a matrix (Gemv on the transposed matrix, a view).  The other
terms of the sum become ``z``; it may broadcast against the product (a bias
row).  Only float32 and float64, the dtypes BLAS serves, and only when every
operand has the sum's dtype.  A product scaled by several factors is left
alone: ``(s * t) * dot`` can overflow where ``(s * dot) * t`` does not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.graph.traversal import consumers, toposort
from arignote.rewrite import specialize
from arignote.rewrite.toolkit import elemwise_inputs
from arignote.scalar.math import Add, Mul, Neg, Sub
from arignote.tensor.blas import Gemm, Gemv
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.products import Dot

_BLAS_DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class _ScaledDot:
    """A term ``alpha * dot(left, right)`` (``alpha`` None for 1), with its sign."""

    dot: Apply
    alpha: Variable | None
    negative: bool


def _dot_times_scalar(factors: Sequence[Variable], dtype: str) -> tuple[Variable, Variable] | None:
    """``(alpha, product)`` when ``factors`` are a 0-d ``alpha`` of ``dtype`` and a Dot output."""
    if len(factors) != 2:
        return None
    for position, factor in enumerate(factors):
        other = factors[1 - position]
        if (other.owner is not None and isinstance(other.owner.op, Dot) and factor.ndim == 0
                and factor.type.dtype == dtype):
            return factor, other
    return None


def _scaled_dot(term: Variable, dtype: str, used_once: Callable[[Variable], bool]) -> _ScaledDot | None:
    """``term`` as a scaled matrix product that only this sum uses, or None."""
    if not used_once(term):
        return None
    negative, alpha, product = False, None, term
    if (inner := elemwise_inputs(term, Neg)) is not None:
        negative, product = True, inner[0]
    elif (factors := elemwise_inputs(term, Mul)) is not None:
        found = _dot_times_scalar(factors, dtype)
        if found is None:
            return None
        alpha, product = found
    if product is not term and not used_once(product):
        return None
    node = product.owner
    if node is None or not isinstance(node.op, Dot):
        return None
    left, right = node.inputs
    if left.ndim + right.ndim not in (3, 4) or any(
            v.type.dtype != dtype for v in (left, right, product)):
        return None
    return _ScaledDot(node, alpha, negative)


def _signed_terms(node: Apply) -> list[tuple[Variable, bool]] | None:
    """The terms of a sum or difference with whether each is subtracted."""
    scalar_op = node.op.scalar_op
    if isinstance(scalar_op, Add):
        return [(t, False) for t in node.inputs]
    if isinstance(scalar_op, Sub):
        return [(node.inputs[0], False), (node.inputs[1], True)]
    return None


def _blas_form(node: Apply, mapped: Callable[[Variable], Variable],
               used_once: Callable[[Variable], bool]) -> Variable | None:
    """The Gemm/Gemv computing ``node`` (a sum), built on the mapped inputs, or None."""
    out = node.outputs[0]
    terms = _signed_terms(node)
    if terms is None or out.type.dtype not in _BLAS_DTYPES:
        return None
    return _blas_of_terms(terms, out, mapped, used_once)


def _blas_of_terms(terms: Sequence[tuple[Variable, bool]], out: Variable,
                   mapped: Callable[[Variable], Variable],
                   used_once: Callable[[Variable], bool]) -> Variable | None:
    """The sum of signed ``terms`` (computing ``out``) as nested Gemm/Gemv nodes, or None.

    The products the sum alone uses are folded onto the other terms one by one, the first
    product outermost: ``z + a*dot(x1, y1) + b*dot(x2, y2)`` is ``gemm(gemm(z, b, x2, y2, 1),
    a, x1, y1, 1)``; with no other term the last product is ``z``.  A loop, not a recursion
    per term: a sum of a thousand products is one pass of this loop.
    """
    dtype = out.type.dtype
    if len(terms) < 2:
        return None
    dots: list[tuple[_ScaledDot, bool]] = []
    others: list[tuple[Variable, bool]] = []
    for term, subtracted in terms:
        found = _scaled_dot(term, dtype, used_once)
        if found is not None and found.dot.outputs[0].ndim == out.ndim:
            dots.append((found, subtracted))
        else:
            others.append((term, subtracted))
    if not dots:
        return None
    if len(terms) > 2 and any(t.type.dtype != dtype for t, _ in terms):
        return None  # several terms of other dtypes: they add up in the sum's dtype only as it did
    if others:
        z, beta = _rest_sum(others, dtype, mapped)
    else:  # every term is a product: the last one is the sum's start
        dots.pop()
        z, beta = _rest_sum(terms[-1:], dtype, mapped)
    for found, subtracted in reversed(dots):
        z = _build(found, subtracted, z, beta, dtype, mapped)
        beta = 1.0
    return z


def _rest_sum(rest: Sequence[tuple[Variable, bool]], dtype: str,
              mapped: Callable[[Variable], Variable]) -> tuple[Variable, float]:
    """``(z, beta)``: the terms that are not folded products, as one variable, and its sign."""
    if len(rest) == 1:
        term, subtracted = rest[0]
        return at.cast(mapped(term), dtype), -1.0 if subtracted else 1.0
    # several come only from an n-ary Add, which subtracts none
    return at.add(*[mapped(t) for t, _ in rest]), 1.0


def _build(found: _ScaledDot, subtracted: bool, z: Variable, beta: float, dtype: str,
           mapped: Callable[[Variable], Variable]) -> Variable:
    negative = found.negative != subtracted
    if found.alpha is None:
        alpha: Variable = at.constant(np.asarray(-1.0 if negative else 1.0, dtype=dtype))
    else:
        alpha = mapped(found.alpha)
        if negative:
            alpha = at.neg(alpha)
    beta_var = at.constant(np.asarray(beta, dtype=dtype))
    left, right = (mapped(v) for v in found.dot.inputs)
    if left.ndim == 2 and right.ndim == 2:
        return Gemm()(z, alpha, left, right, beta_var)
    if left.ndim == 2:
        return Gemv()(z, alpha, left, right, beta_var)
    return Gemv()(z, alpha, at.transpose(right), left, beta_var)  # v @ A == A.T @ v


@specialize.graph_pass(requires=[Dot])
def gemm_from_dot_plus(outputs: Sequence[Variable]) -> list[Variable]:
    """z + a * dot(x, y) -> gemm(z, a, x, y, 1) (gemv for a matrix and a vector), where
    the product is used by the sum alone."""
    outputs = list(outputs)
    users = consumers(outputs)

    def used_once(var: Variable) -> bool:
        return len(users.get(var, ())) + sum(o is var for o in outputs) == 1

    mapping: dict[Variable, Variable] = {}

    def mapped(var: Variable) -> Variable:
        return mapping.get(var, var)

    for node in toposort(outputs):
        replacement = None
        if isinstance(node.op, Elemwise) and isinstance(node.op.scalar_op, (Add, Sub)):
            replacement = _blas_form(node, mapped, used_once)
        replacement_outputs: Sequence[Variable]
        if replacement is None:
            mapped_inputs = [mapped(v) for v in node.inputs]
            if all(new is old for new, old in zip(mapped_inputs, node.inputs)):
                continue
            replacement_outputs = node.op.make_node(*mapped_inputs).outputs
        else:
            replacement_outputs = [replacement]
        for old, new in zip(node.outputs, replacement_outputs):
            mapping[old] = new
    return [mapped(v) for v in outputs]
