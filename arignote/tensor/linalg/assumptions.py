"""Matrix assumptions: the structure of a matrix, derived from how it was built.

:func:`properties` tells which of :data:`PROPERTIES` a matrix (or each matrix of a stack) has:
``symmetric``, ``positive_definite``, ``positive_semidefinite``, ``lower_triangular``,
``upper_triangular``, ``diagonal``, ``unit_diagonal``, ``orthogonal``, and
``positive_diagonal`` (every diagonal entry > 0: a Cholesky factor).  It reads:

- ``eye(n)``; ``diag(v)``; ``tril(x)`` / ``triu(x)`` (with ``k`` <= 0 / >= 0);
- ``cholesky(a)`` (triangular, positive diagonal);
- ``x @ x.T`` and ``x.T @ x`` (symmetric, positive semidefinite); products of lower
  (upper) triangular matrices;
- sums of matrices (the structures all terms share; positive definite when every term is
  positive semidefinite and one is positive definite, as ``x @ x.T + c * eye(n)``);
- ``a * c`` and ``c * a`` for a scalar ``c > 0`` (a constant, or one known positive as
  ``exp(t)``, ``softplus(t)``: :mod:`arignote.tensor.linalg.kernel_matrices`); transposes;
  ``inv`` of a structured matrix;
- Gaussian kernel matrices ``exp(-c * D)`` of squared distances ``D`` (symmetric, positive
  semidefinite), so ``variance * exp(-d / (2 l**2)) + noise * eye(n)`` is positive definite;
- any elementwise function of symmetric matrices and scalars (symmetric); ``l @ l.T`` of a
  triangular ``l`` with a positive diagonal (positive definite: ``l`` is nonsingular);
- ``kron(a, b)`` of square factors (the structures both have) and ``block_diag`` of square
  blocks (the structures all have);
- :func:`assume` annotations.

A query looks at most :data:`DEPTH` producers deep, and at most :data:`MAX_TERMS` operands
of a sum, so its cost does not grow with the graph; results are remembered per variable.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.op import Op
from arignote.scalar.math import Add, Exp, Mul, Switch
from arignote.tensor.alloc import Alloc, Eye, Tri
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.blockwise import Blockwise
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.linalg.common import _SquareMapOp
from arignote.tensor.linalg.decompositions import Cholesky
from arignote.tensor.linalg.inverses import MatrixInverse
from arignote.tensor.linalg.kernel_matrices import is_gaussian_kernel, is_positive
from arignote.tensor.linalg.products import KroneckerProduct
from arignote.tensor.linalg.structure import BlockDiagonal
from arignote.tensor.products import Dot, MatMul
from arignote.tensor.shape import SpecifyShape
from arignote.tensor.subtensor_inc import AdvancedIncSubtensor
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["DEPTH", "PROPERTIES", "Assume", "assume", "core_op", "has", "is_square", "properties",
           "transpose_of"]

PROPERTIES = ("symmetric", "positive_definite", "positive_semidefinite", "lower_triangular",
              "upper_triangular", "diagonal", "unit_diagonal", "orthogonal", "positive_diagonal")

#: how many producers deep a query looks (x @ x.T + c * eye(n) needs 3: add, mul/dot, eye/dimshuffle)
DEPTH = 4
#: the operands of a sum read at most (a longer sum has no structure derived)
MAX_TERMS = 8

Props = frozenset[str]
_NONE: Props = frozenset()

# what one property implies
_IMPLIES = {
    "positive_definite": ("positive_semidefinite", "symmetric"),
    "positive_semidefinite": ("symmetric",),
    "diagonal": ("lower_triangular", "upper_triangular", "symmetric"),
    "unit_diagonal": (),
    "orthogonal": (),
}


def _closed(props: set[str] | frozenset[str]) -> Props:
    out = set(props)
    for p in list(out):
        out.update(_IMPLIES.get(p, ()))
    if {"lower_triangular", "upper_triangular"} <= out:
        out.update(("diagonal", "symmetric"))
    if "diagonal" in out and "positive_diagonal" in out:
        out.update(("positive_definite", "positive_semidefinite"))
    return frozenset(out)


def core_op(node: Apply | None) -> Op | None:
    """The core op of ``node``: its op, or the op a ``Blockwise`` node applies."""
    if node is None:
        return None
    return node.op.core_op if isinstance(node.op, Blockwise) else node.op


# --- the user's annotations -------------------------------------------------------------

@dataclass(frozen=True)
class Assume(Op):
    """``x`` unchanged, known to have ``properties`` (a view of ``x``: no copy, no check)."""

    properties: tuple[str, ...]
    view_inputs = (0,)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim < 2:
            raise TypeError(f"assume: expected a matrix or a stack of them, got {x.type}")
        return Apply.build(self, [x], [TensorType(x.dtype, x.type.shape)])

    def perform(self, x: np.ndarray) -> np.ndarray:
        return x

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(input_shapes[0])]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        return [cotangents[0]]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [tangents[0]]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        return [self(inputs[0])]  # the structure holds for each matrix of the stack

    def __str__(self) -> str:
        return f"Assume{{{', '.join(self.properties)}}}"


def assume(x: Any, *props: str) -> TensorVariable:
    """``x``, annotated with structure the rewrites may use (PyTensor 3's
    ``specify_assumptions``): names from :data:`PROPERTIES`, or ``"pd"``/``"psd"``/
    ``"lower"``/``"upper"``."""
    short = {"pd": "positive_definite", "psd": "positive_semidefinite", "lower": "lower_triangular",
             "upper": "upper_triangular", "sym": "symmetric"}
    names = tuple(sorted({short.get(p, p) for p in props}))
    unknown = [p for p in names if p not in PROPERTIES]
    if unknown:
        raise ValueError(f"assume: unknown properties {unknown}; known: {list(PROPERTIES)}")
    return Assume(names)(x)


# --- deriving ----------------------------------------------------------------------------

_memo: weakref.WeakKeyDictionary[Variable, dict[int, Props]] = weakref.WeakKeyDictionary()


def properties(x: Variable, depth: int = DEPTH) -> Props:
    """The structure known of the matrix ``x`` (its last two axes), looking ``depth`` producers
    deep at most."""
    if depth <= 0 or not isinstance(getattr(x, "type", None), TensorType) or x.type.ndim < 2:
        return _NONE
    seen = _memo.get(x)
    if seen is not None and depth in seen:
        return seen[depth]
    found = _closed(_derive(x, depth)) if x.owner is not None else _NONE
    _memo.setdefault(x, {})[depth] = found
    return found


def has(x: Variable, *props: str) -> bool:
    """Whether ``x`` is known to have every one of ``props``."""
    return set(props) <= properties(x)


def _value(v: Variable) -> Any:
    """The value of a constant of one element, else None."""
    if isinstance(v, Constant) and np.size(v.data) == 1:
        return np.asarray(v.data).item()
    return None


def _is_positive_constant(v: Variable) -> bool:
    value = _value(v)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def transpose_of(v: Variable) -> Variable | None:
    """``x`` when ``v`` is ``x`` with its last two axes swapped."""
    node = v.owner
    if node is None or not isinstance(node.op, DimShuffle):
        return None
    order = tuple(node.op.new_order)
    n = len(order)
    if n >= 2 and order == (*range(n - 2), n - 1, n - 2) and node.inputs[0].type.ndim == n:
        return node.inputs[0]
    return None


_TRANSPOSED = {"lower_triangular": "upper_triangular", "upper_triangular": "lower_triangular"}


def _derive(x: Variable, depth: int) -> set[str] | frozenset[str]:
    node = x.owner
    assert node is not None
    op = core_op(node)
    if isinstance(node.op, Elemwise):
        return _elemwise(node, x, depth)
    rule = _BY_OP.get(type(op))
    return rule(node, x, depth) if rule is not None else _NONE


def _assumed(node: Apply, x: Variable, depth: int) -> set[str]:
    return set(node.op.properties) | properties(node.inputs[0], depth - 1)


def _passed_through(node: Apply, x: Variable, depth: int) -> Props:
    return properties(node.inputs[0], depth - 1)


def _eye(node: Apply, x: Variable, depth: int) -> set[str]:
    n, m, k = node.inputs
    square = n is m or (_value(n) is not None and _value(n) == _value(m))
    if not square or _value(k) != 0:
        return set()
    return {"diagonal", "unit_diagonal", "positive_diagonal", "orthogonal"}


def _cholesky(node: Apply, x: Variable, depth: int) -> set[str]:
    op = core_op(node)
    assert isinstance(op, Cholesky)
    return {"lower_triangular" if op.lower else "upper_triangular", "positive_diagonal"}


def _inverse(node: Apply, x: Variable, depth: int) -> set[str]:
    # the inverse keeps definiteness, symmetry, triangles, a diagonal and orthogonality
    kept = {"positive_definite", "symmetric", "lower_triangular", "upper_triangular", "diagonal",
            "orthogonal", "unit_diagonal", "positive_diagonal"}
    return set(properties(node.inputs[0], depth - 1) & kept)


def _transposed(node: Apply, x: Variable, depth: int) -> set[str]:
    inner = transpose_of(x)
    if inner is None:
        return set()
    return {_TRANSPOSED.get(p, p) for p in properties(inner, depth - 1)}


def _product(node: Apply, x: Variable, depth: int) -> set[str]:
    a, b = node.inputs
    if a.type.ndim != 2 or b.type.ndim != 2:
        return set()
    if transpose_of(b) is a or transpose_of(a) is b:
        # x @ x.T; positive definite when x is nonsingular: triangular with a positive diagonal
        factor = a if transpose_of(b) is a else b
        found = properties(factor, depth - 1)
        if "positive_diagonal" in found and found & {"lower_triangular", "upper_triangular"}:
            return {"positive_definite"}
        return {"positive_semidefinite"}
    pa, pb = properties(a, depth - 1), properties(b, depth - 1)
    both = pa & pb
    return set(both & {"lower_triangular", "upper_triangular", "diagonal", "orthogonal",
                       "unit_diagonal", "positive_diagonal"})


def _diag_of_vector(node: Apply, x: Variable, depth: int) -> set[str]:
    """``diag(v)``: ``v`` set on the diagonal (equal row and column indices) of zeros."""
    op = node.op
    if not op.set_instead_of_inc or len(node.inputs) != 4 or node.inputs[2] is not node.inputs[3]:
        return set()
    zeros = node.inputs[0]
    alloc = zeros.owner
    if isinstance(zeros, Constant):
        is_zero = not np.any(zeros.data)
    else:
        is_zero = alloc is not None and isinstance(alloc.op, Alloc) and _value(alloc.inputs[0]) == 0
    return {"diagonal"} if is_zero and x.type.ndim == 2 else set()


def _triangle(node: Apply, x: Variable, depth: int) -> set[str]:
    """``tril(m, k)`` is ``switch(tri(k), m, 0)``, ``triu(m, k)`` is ``switch(tri(k - 1), 0, m)``."""
    cond, kept, other = node.inputs
    tri = cond.owner
    if tri is None or not isinstance(tri.op, Tri):
        return set()
    k = _value(tri.inputs[2])
    if not isinstance(k, int) or x.type.ndim != 2:
        return set()
    # zeroing entries keeps the triangles the matrix already had
    shapes = {"lower_triangular", "upper_triangular", "diagonal"}
    if _value(other) == 0 and k <= 0:
        return {"lower_triangular"} | (properties(kept, depth - 1) & shapes)
    if _value(kept) == 0 and k >= -1:
        return {"upper_triangular"} | (properties(other, depth - 1) & shapes)
    return set()


def _is_positive_scalar(v: Variable) -> bool:
    """A value broadcast over the matrix (every length statically 1) known to be > 0."""
    return all(length == 1 for length in v.type.shape) and is_positive(v)


def _elemwise(node: Apply, x: Variable, depth: int) -> set[str] | frozenset[str]:
    scalar = node.op.scalar_op
    if isinstance(scalar, Exp) and is_gaussian_kernel(x):
        return {"symmetric", "positive_semidefinite"}
    if isinstance(scalar, Switch):
        return _triangle(node, x, depth)
    found = _NONE
    if isinstance(scalar, Mul):
        found = frozenset(_scaled(node, x, depth))
    elif isinstance(scalar, Add):
        found = frozenset(_sum(node, x, depth))
    if "symmetric" not in found and _symmetric_operands(node, x, depth):
        return found | {"symmetric"}
    return found


def _symmetric_operands(node: Apply, x: Variable, depth: int) -> bool:
    """Every operand a symmetric matrix (of the output's rank) or a value broadcast over the
    matrix: then ``f(a, b, ...)[i, j] == f(a, b, ...)[j, i]`` for any elementwise ``f``."""
    if len(node.inputs) > MAX_TERMS:
        return False
    for operand in node.inputs:
        if all(length == 1 for length in operand.type.shape[-2:]):
            continue
        if operand.type.ndim != x.type.ndim or "symmetric" not in properties(operand, depth - 1):
            return False
    return True


def _scaled(node: Apply, x: Variable, depth: int) -> set[str]:
    """``a * c`` for ``c > 0`` (a constant, or a scalar known positive: ``exp(t)``, ...) keeps the
    structure but a unit diagonal and orthogonality."""
    matrices = [v for v in node.inputs if not (_is_positive_constant(v) or _is_positive_scalar(v))]
    if len(matrices) != 1 or matrices[0].type.ndim != x.type.ndim:
        return set()
    kept = properties(matrices[0], depth - 1) - {"unit_diagonal", "orthogonal"}
    return set(kept)


def _sum(node: Apply, x: Variable, depth: int) -> set[str]:
    terms = node.inputs
    if len(terms) > MAX_TERMS or any(t.type.ndim != x.type.ndim for t in terms):
        return set()  # a term of fewer axes would be broadcast across rows or columns
    found = [properties(t, depth - 1) for t in terms]
    common = set(frozenset.intersection(*found)) - {"unit_diagonal", "orthogonal"}
    if all("positive_semidefinite" in f for f in found) and any("positive_definite" in f for f in found):
        common.add("positive_definite")
    if not all("positive_diagonal" in f for f in found):
        common.discard("positive_diagonal")
    return common


#: what a Kronecker product or a block-diagonal matrix keeps of what all its parts have: block
#: ``(i, j)`` of ``kron(a, b)`` is ``a[i, j] * b``, so zeros, symmetry and the diagonal carry
#: over; its eigenvalues are the products of the factors' (definiteness), and
#: ``kron(q, r).T @ kron(q, r) == kron(q.T @ q, r.T @ r)`` (orthogonality)
_KEPT_BY_PARTS = frozenset({"symmetric", "positive_definite", "positive_semidefinite",
                            "lower_triangular", "upper_triangular", "diagonal", "unit_diagonal",
                            "orthogonal", "positive_diagonal"})


def is_square(x: Variable, props: Props | None = None) -> bool:
    """Whether the matrix ``x`` is known to be square: from its static shape, from a
    structure only square matrices have, or from an op whose results are square."""
    rows, cols = x.type.shape[-2:]
    if rows is not None and rows == cols:
        return True
    found = properties(x) if props is None else props
    if found & {"symmetric", "positive_diagonal", "unit_diagonal"}:
        return True
    return isinstance(core_op(x.owner), _SquareMapOp)


def _common_to_parts(node: Apply, x: Variable, depth: int) -> set[str]:
    """``kron`` of two matrices, ``block_diag`` of several: the structures every part has,
    when every part is square (a triangular factor that is not square makes a product that is
    not triangular)."""
    found = [properties(part, depth - 1) for part in node.inputs]
    common = frozenset.intersection(*found) & _KEPT_BY_PARTS
    if not common or not all(is_square(p, f) for p, f in zip(node.inputs, found)):
        return set()
    return set(common)


_BY_OP: dict[type, Callable[[Apply, Variable, int], Any]] = {
    Assume: _assumed,
    SpecifyShape: _passed_through,
    Eye: _eye,
    Cholesky: _cholesky,
    MatrixInverse: _inverse,
    DimShuffle: _transposed,
    Dot: _product,
    MatMul: _product,
    AdvancedIncSubtensor: _diag_of_vector,
    KroneckerProduct: _common_to_parts,
    BlockDiagonal: _common_to_parts,
}
