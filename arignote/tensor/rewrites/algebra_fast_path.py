"""Cheap tests that a sum or product is already in its normal form.

The canonical-algebra rules (:mod:`~arignote.tensor.rewrites.algebra`) read
a node's whole sum or product, collect its terms and write the normal form
back, which costs tens of microseconds per node.  Most nodes of a real graph
are already in normal form (``x * w``, ``a + b``, ``t * 0.5``): their inputs
are final when the driver offers them, so one level of checks decides.
These tests say "already normal" only in plain cases where the full rule
would rebuild the very same node; anything unusual goes the long way.
"""

from __future__ import annotations

from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite.toolkit import computes_in_output_dtype, dtype_of, kind_of, scalar_op_of
from arignote.scalar.math import Add, Mul, Neg, Sub
from arignote.tensor.rewrites.algebra_order import term_key
from arignote.tensor.rewrites.algebra_values import is_negative

_SUM_OPS = (Add, Sub, Neg)


def _plain_constant(var: Variable, dtype: str) -> bool:
    """A 0-d constant of ``dtype`` that a normal form keeps as it is (not 0, 1 or -1)."""
    if not isinstance(var, Constant) or var.type.ndim != 0 or dtype_of(var) != dtype:
        return False
    value = var.data
    return not (value == 0 or value == 1 or (kind_of(dtype) in "if" and value == -1))


def _reads_through(var: Variable, dtype: str, kinds: tuple[type, ...]) -> bool:
    """Whether the normal form would look inside ``var`` (a same-dtype node of ``kinds``)."""
    if var.owner is None or dtype_of(var) != dtype:
        return False
    return isinstance(scalar_op_of(var), kinds) and computes_in_output_dtype(var.owner)


def _sorted(variables: list[Variable]) -> bool:
    keys = [term_key(v) for v in variables]
    return all(a < b for a, b in zip(keys, keys[1:]))


def is_normal_product(node: Apply) -> bool:
    """``mul(f1, ..., fn[, c])`` with sorted plain factors and a plain 0-d constant."""
    dtype = dtype_of(node.outputs[0])
    if kind_of(dtype) not in "iuf" or len(node.inputs) < 2 or not computes_in_output_dtype(node):
        return False
    factors = list(node.inputs)
    if isinstance(factors[-1], Constant):
        if not _plain_constant(factors.pop(), dtype):
            return False
    for factor in factors:
        if isinstance(factor, Constant) or _reads_through(factor, dtype, (Mul, Neg)):
            return False
    return _sorted(factors)


def _term_factors(var: Variable, dtype: str) -> tuple[Variable, ...] | None:
    """The factors of a positive term of a sum, or None when the term is not plain."""
    if isinstance(var, Constant) or _reads_through(var, dtype, _SUM_OPS):
        return None
    if _reads_through(var, dtype, (Mul,)):
        # inputs are final, so this is a normal product: its constant, if any, is last
        coefficient = var.owner.inputs[-1]  # type: ignore[union-attr]
        if isinstance(coefficient, Constant):
            # a non-0-d constant factor (autodiff builds them) is not a normal coefficient
            if coefficient.data.size != 1 or is_negative(coefficient.data):
                return None
            return tuple(var.owner.inputs[:-1])  # type: ignore[union-attr]
        return tuple(var.owner.inputs)  # type: ignore[union-attr]
    return (var,)


def _plain_terms(terms: list[Variable], dtype: str) -> bool:
    seen: set[tuple[int, ...]] = set()
    for term in terms:
        factors = _term_factors(term, dtype)
        if factors is None:
            return False
        key = tuple(map(id, factors))
        if key in seen:  # equal terms would be collected
            return False
        seen.add(key)
    return True


def _positive_constant(var: Variable, dtype: str) -> bool:
    return _plain_constant(var, dtype) and not is_negative(var.data)


def _side(var: Variable, dtype: str) -> tuple[list[Variable], Constant | None] | None:
    """The terms and constant of one side of a normal ``a - b``, or None when not plain."""
    if isinstance(var, Constant):
        return ([], var) if _positive_constant(var, dtype) else None
    if _reads_through(var, dtype, (Sub, Neg)):
        return None
    if not _reads_through(var, dtype, (Add,)):
        return [var], None
    terms = list(var.owner.inputs)  # type: ignore[union-attr]
    constant = None
    if isinstance(terms[-1], Constant):
        constant = terms.pop()
        if not _positive_constant(constant, dtype):
            return None
    if not terms or not _sorted(terms):
        return None
    return terms, constant


def is_normal_sum(node: Apply) -> bool:
    """``add(t1, ..., tn[, c])``, ``-a``, or ``p - n`` with each side such a sum, a plain
    term or a constant (one side at most), all terms plain and distinct."""
    dtype = dtype_of(node.outputs[0])
    if kind_of(dtype) not in "iuf" or not computes_in_output_dtype(node):
        return False
    op = node.op.scalar_op
    inputs = list(node.inputs)
    if isinstance(op, Neg):
        (x,) = inputs
        return not isinstance(x, Constant) and not _reads_through(x, dtype, (Add, Sub, Neg, Mul))
    if isinstance(op, Sub):
        positive, negative = _side(inputs[0], dtype), _side(inputs[1], dtype)
        if positive is None or negative is None or (positive[1] is not None and negative[1] is not None):
            return False
        return _plain_terms(positive[0] + negative[0], dtype)
    if len(inputs) < 2:
        return False
    if isinstance(inputs[-1], Constant):
        if not _positive_constant(inputs.pop(), dtype) or not inputs:
            return False
    return _plain_terms(inputs, dtype) and _sorted(inputs)
