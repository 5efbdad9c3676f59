"""Products: reading the factors of a product out of a graph, and writing its normal form.

The normal form of a product (see :mod:`arignote.tensor.rewrites.algebra`) is
``mul(f1, ..., fn, c)``: the non-constant factors in canonical order, then at
most one constant.  Negations among the factors of a real product join the
sign of the constant; a constant 1 disappears and -1 becomes a negation
around the product: ``(-a) * b * 2 * -1 -> mul(a, b, 2)``, ``-1 * a * b ->
-(a * b)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite.toolkit import computes_in_output_dtype, dtype_of, kind_of, scalar_op_of
from arignote.scalar.math import Mul, Neg
from arignote.tensor.basic import constant
from arignote.tensor.math import mul, neg
from arignote.tensor.rewrites.algebra_order import sort_terms
from arignote.tensor.rewrites.algebra_shape import shape_neutral
from arignote.tensor.rewrites.algebra_values import is_value, negate, one, times, value_in


@dataclass
class Product:
    """``coefficient * f1 * ... * fn``: the factors in canonical order."""

    factors: list[Variable]
    #: the product of the constant factors and signs, in the output dtype (None: 1)
    coefficient: np.ndarray | None = None
    #: the constants that were multiplied into ``coefficient``
    constants: list[Variable] = field(default_factory=list)


def expand_product(node: Apply) -> Product:
    """The factors of the product computed by ``node`` (a ``Mul`` computing in its output dtype).

    Nested products of the same dtype that compute in it are flattened, and
    (for real dtypes) negations of factors become a sign of the coefficient:
    ``-(a)`` in a product is ``a`` times -1, exactly, in floats and in
    wrapping integers alike.
    """
    dtype = dtype_of(node.outputs[0])
    signed = kind_of(dtype) in "iuf"
    result = Product([])
    negations = 0
    stack = list(reversed(node.inputs))
    while stack:
        var = stack.pop()
        if isinstance(var, Constant):
            result.coefficient = times(result.coefficient, value_in(var, dtype))
            result.constants.append(var)
            continue
        op = scalar_op_of(var)
        if dtype_of(var) == dtype and var.owner is not None:
            if isinstance(op, Mul) and computes_in_output_dtype(var.owner):
                stack.extend(reversed(var.owner.inputs))
                continue
            if isinstance(op, Neg) and signed:
                negations += 1
                stack.append(var.owner.inputs[0])
                continue
        result.factors.append(var)
    if negations % 2:
        result.coefficient = negate(one(dtype) if result.coefficient is None else result.coefficient)
    result.factors = sort_terms(result.factors)
    return result


def product_of(factors: list[Variable], coefficient: np.ndarray | None = None) -> Variable:
    """The normal form of ``coefficient * prod(factors)``, for sorted, non-empty ``factors``.

    ``coefficient`` is in the factors' dtype and does not decide the shape
    (all its lengths are 1 and the factors have the rank it has).
    """
    if coefficient is None or is_value(coefficient, 1):
        return factors[0] if len(factors) == 1 else mul(*factors)
    if is_value(coefficient, -1):
        return neg(product_of(factors))
    return mul(*factors, constant(coefficient))


def normalized_coefficient(product: Product, out: Variable) -> np.ndarray | None:
    """The coefficient with only the axes the product needs from it (see ``shape_neutral``)."""
    if product.coefficient is None:
        return None
    terms_ndim = max((f.type.ndim for f in product.factors), default=0)
    return shape_neutral(product.coefficient, terms_ndim, out.type.ndim)
