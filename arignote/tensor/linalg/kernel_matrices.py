"""Signs of scalars and the structure of kernel matrices, for the matrix assumptions.

Two facts the assumptions (:mod:`arignote.tensor.linalg.assumptions`) use beyond how a matrix
was assembled:

- **positive scalars**: ``exp(t)``, ``softplus(t)``, ``sigmoid(t)``, ``sqrt`` of a positive,
  positive constants, and products, quotients, sums and powers of positives are > 0; so
  ``variance * K`` keeps ``K``'s definiteness and ``noise * eye(n)`` is positive definite
  when ``variance`` and ``noise`` are written as such (as models parametrised on the log
  scale write them);
- **Gaussian kernels**: ``exp(-c * D)`` with ``c >= 0`` and ``D`` the matrix of squared
  Euclidean distances between the rows of one ``x`` (``sum((x[:, None] - x[None]) ** 2,
  axis=-1)``, or ``(x[:, None] - x[None]) ** 2`` for points on a line) is symmetric and
  positive semidefinite (Schoenberg: a squared Euclidean distance matrix is conditionally
  negative definite, so ``exp(-c D)`` is positive semidefinite for every ``c >= 0``).

Every check looks a bounded number of producers deep (:data:`SIGN_DEPTH`).
"""

from __future__ import annotations

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.scalar.math import Add, Exp, Mul, Neg, Pow, Sigmoid, Softplus, Sqr, Sqrt, Sub, TrueDiv
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.reduction import CAReduce
from arignote.tensor.subtensor_basic import Subtensor

__all__ = ["SIGN_DEPTH", "is_gaussian_kernel", "is_nonnegative", "is_positive", "is_squared_distance",
           "one_new_axis"]

#: how many producers deep a sign is looked for
SIGN_DEPTH = 6

_POSITIVE_FUNCTIONS = (Exp, Softplus, Sigmoid)


def _elemwise(v: Variable) -> Apply | None:
    node = v.owner
    return node if node is not None and isinstance(node.op, Elemwise) else None


def _constant_values(v: Variable) -> list[float] | None:
    if not isinstance(v, Constant) or np.iscomplexobj(v.data):
        return None  # a complex number has no sign
    try:
        return [float(x) for x in np.ravel(v.data)]
    except (TypeError, ValueError):
        return None


def _through_broadcast(v: Variable) -> Variable:
    """``v`` without the DimShuffles that only add broadcast axes to it."""
    node = v.owner
    while node is not None and isinstance(node.op, DimShuffle) and \
            [d for d in node.op.new_order if d != "x"] == list(range(node.inputs[0].type.ndim)):
        v = node.inputs[0]
        node = v.owner
    return v


def is_positive(v: Variable, depth: int = SIGN_DEPTH) -> bool:
    """Whether every element of ``v`` is known to be > 0 (NaN aside)."""
    return _sign(v, depth, strict=True)


def is_nonnegative(v: Variable, depth: int = SIGN_DEPTH) -> bool:
    """Whether every element of ``v`` is known to be >= 0 (NaN aside)."""
    return _sign(v, depth, strict=False)


def _sign(v: Variable, depth: int, strict: bool) -> bool:
    if depth <= 0 or getattr(v.type, "dtype", "").startswith("complex"):
        return False  # nor has exp(z), sqrt(z)... of a complex z
    v = _through_broadcast(v)
    values = _constant_values(v)
    if values is not None:
        return bool(values) and all(x > 0 if strict else x >= 0 for x in values)
    node = _elemwise(v)
    if node is None:
        return False
    op = node.op.scalar_op
    inputs = node.inputs
    if isinstance(op, _POSITIVE_FUNCTIONS):
        return True
    if isinstance(op, Sqrt):
        return _sign(inputs[0], depth - 1, strict)
    if isinstance(op, Sqr):
        return not strict or _sign(inputs[0], depth - 1, True)
    if isinstance(op, (Mul, Add)):
        return all(_sign(i, depth - 1, strict) for i in inputs)
    if isinstance(op, TrueDiv):
        return _sign(inputs[0], depth - 1, strict) and _sign(inputs[1], depth - 1, True)
    if isinstance(op, Pow):
        exponent = _constant_values(_through_broadcast(inputs[1]))
        even = exponent is not None and len(exponent) == 1 and exponent[0] % 2 == 0
        base_positive = _sign(inputs[0], depth - 1, True)
        return base_positive or (not strict and even)
    return False


def _nonpositive_scale_of(t: Variable, depth: int) -> Variable | None:
    """The squared-distance matrix ``D`` when ``t`` is ``-c * D`` (or ``D * -c``, ``-c * D / s``,
    ``-(c * D)``) for known ``c >= 0`` and ``s > 0``; else None."""
    return _scaled_distance(t, depth, negated=True)


def _scaled_distance(t: Variable, depth: int, negated: bool) -> Variable | None:
    """``D`` when ``t`` is ``D`` times factors whose product is >= 0 (``<= 0`` if ``negated``:
    exactly one non-positive constant among them), divided by positives."""
    if depth <= 0:
        return None
    if not negated and is_squared_distance(t):
        return t
    node = _elemwise(t)
    if node is None:
        return None
    op = node.op.scalar_op
    if isinstance(op, Neg):
        return _scaled_distance(node.inputs[0], depth - 1, not negated)
    if isinstance(op, TrueDiv) and is_positive(node.inputs[1], depth - 1):
        return _scaled_distance(node.inputs[0], depth - 1, negated)
    if not isinstance(op, Mul):
        return None
    distances = [i for i in node.inputs if is_squared_distance(i)]
    if len(distances) != 1:
        return None
    rest = [i for i in node.inputs if i is not distances[0]]
    negatives = [i for i in rest if _is_nonpositive_constant(i)]
    others = [i for i in rest if all(i is not n for n in negatives)]
    if len(negatives) != (1 if negated else 0) or not all(is_nonnegative(i, depth - 1) for i in others):
        return None
    return distances[0]


def _is_nonpositive_constant(v: Variable) -> bool:
    values = _constant_values(_through_broadcast(v))
    return values is not None and bool(values) and all(x <= 0 for x in values)


def _points_as_column_and_row(a: Variable, b: Variable) -> bool:
    """Whether ``a`` is ``x[:, None, ...]`` and ``b`` is ``x[None, ...]`` of one ``x``."""
    col, row = one_new_axis(a), one_new_axis(b)
    return col is not None and row is not None and col[0] is row[0] and col[1] == 1 and row[1] == 0


def one_new_axis(v: Variable) -> tuple[Variable, int] | None:
    """(x, axis) when ``v`` is ``x`` with one new axis of length 1 inserted at ``axis`` (0 or 1),
    by ``dimshuffle`` or by indexing with ``None`` (``x[None]``, ``x[:, None]``)."""
    node = v.owner
    if node is None:
        return None
    x = node.inputs[0]
    if isinstance(node.op, DimShuffle):
        order = list(node.op.new_order)
        if order.count("x") != 1:
            return None
        axis = order.index("x")
        if [d for d in order if d != "x"] == list(range(x.type.ndim)) and axis in (0, 1):
            return x, axis
        return None
    if isinstance(node.op, Subtensor) and len(node.inputs) == 1:
        entries = list(node.op.idx_list)
        full = [e for e in entries if e is not None]
        if entries.count(None) != 1 or not all(_is_full_slice(e) for e in full):
            return None
        axis = entries.index(None)
        return (x, axis) if axis in (0, 1) else None
    return None


def _is_full_slice(entry: object) -> bool:
    parts = getattr(entry, "parts", None)
    return parts is not None and all(p is None for p in parts)


def is_squared_distance(d: Variable) -> bool:
    """Whether ``d`` is the matrix of squared Euclidean distances between the rows (or, for a
    vector, the elements) of one ``x``: ``sum((x[:, None] - x[None]) ** 2, axis=-1)`` or
    ``(x[:, None] - x[None]) ** 2``."""
    if d.type.ndim != 2:
        return False
    node = d.owner
    if node is not None and isinstance(node.op, CAReduce) and isinstance(node.op.scalar_op, Add):
        inner = node.inputs[0]
        axis = node.op.axis
        if inner.type.ndim != 3 or axis is None or tuple(a % 3 for a in axis) != (2,):
            return False
        return _squared_difference(inner)
    return _squared_difference(d)


def _squared_difference(v: Variable) -> bool:
    node = _elemwise(v)
    if node is None:
        return False
    op = node.op.scalar_op
    if isinstance(op, Pow):
        exponent = _constant_values(_through_broadcast(node.inputs[1]))
        if exponent != [2.0]:
            return False
    elif not isinstance(op, Sqr):
        return False
    diff = _elemwise(node.inputs[0])
    return (diff is not None and isinstance(diff.op.scalar_op, Sub)
            and _points_as_column_and_row(diff.inputs[0], diff.inputs[1]))


def is_gaussian_kernel(k: Variable, depth: int = SIGN_DEPTH) -> bool:
    """Whether ``k`` is ``exp(-c * D)`` for a squared-distance matrix ``D`` and ``c >= 0``."""
    node = _elemwise(k)
    if node is None or not isinstance(node.op.scalar_op, Exp) or k.type.ndim != 2:
        return False
    return _nonpositive_scale_of(node.inputs[0], depth) is not None
