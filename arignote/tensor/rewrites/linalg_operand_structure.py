"""Products and solves whose matrix operand is an outer product or a scaled matrix (specialize).

A scale comes out of a solve: ``solve(a, c * b) -> c * solve(a, b)`` for a scalar ``c``, so
that solves of one system with ``b`` and with ``-0.5 * b`` (as a derivative makes) are one
node.  And a rank-one matrix ``u v^T`` is kept as its two vectors:

An outer product ``u[:, None] * v[None, :]`` (times scalars) is a matrix of rank one; a matrix
product or a solve with it needs only a matrix-vector product or a one-column solve:

- ``m @ (u v^T) -> (m @ u) v^T`` and ``(u v^T) @ m -> u (v^T m)``: n² work instead of n³;
- ``solve(a, u v^T) -> solve(a, u) v^T`` (``solve``, ``cho_solve``, ``solve_triangular``; one
  right-hand side instead of n).

Derivatives make these: the gradient of ``y^T f(K) y`` with respect to ``K`` is built from
``y y^T``, and of ``y^T inv(K) y`` it is ``-inv(K)^T (y y^T) inv(K)^T``, which after this rule
costs two solves with one column and an outer product, not two products of n x n matrices.
A solve of the identity is an inverse, and a product with it one more solve:

- ``solve(a, eye) @ b -> solve(a, b)`` and ``v @ solve(a, eye) -> solve(a.T, v)`` for every
  solve of one matrix (``cho_solve(c, eye)``, which the positive-definite forms make, above
  all; a general ``solve(a, eye)`` is read as ``inv(a)`` by the rules of
  :mod:`arignote.tensor.rewrites.linalg` earlier);
- an inverse that stays, ``cho_solve((c, lower), eye)``, becomes ``cho_inverse((c, lower))``
  (LAPACK's potri: a third of the work).

The rules run in specialize, before the BLAS pass turns products into ``gemm``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from arignote.graph.basic import Apply, Variable
from arignote.rewrite import specialize
from arignote.rewrite.toolkit import fit_to
from arignote.scalar.math import Mul
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.linalg.factor_inverses import CholeskyInverse
from arignote.tensor.linalg.kernel_matrices import one_new_axis
from arignote.tensor.linalg.solves import CholeskySolve, _SolveBase
from arignote.tensor.products import Dot, MatMul, dot
from arignote.tensor.rewrites.linalg_inverses import is_identity
from arignote.tensor.shape_inference import shape_of
from arignote.tensor.variable import TensorVariable

__all__ = ["outer_factors"]


def _lifted_vector(v: Variable, axis: int) -> Variable | None:
    """``u`` when ``v`` is the vector ``u`` with a new axis at ``axis`` (a column: 1, a row: 0)."""
    found = one_new_axis(v)
    if found is None or found[1] != axis or found[0].type.ndim != 1:
        return None
    return found[0]


def outer_factors(m: Variable) -> tuple[Variable, Variable, list[Variable]] | None:
    """``(u, v, scalars)`` when the matrix ``m`` is ``u[:, None] * v[None, :]`` times scalars
    (operands whose lengths are all statically 1); else None."""
    node = m.owner
    if (node is None or m.type.ndim != 2 or not isinstance(node.op, Elemwise)
            or not isinstance(node.op.scalar_op, Mul)):
        return None
    column = row = None
    scalars = []
    for operand in node.inputs:
        if all(length == 1 for length in operand.type.shape):
            scalars.append(operand)
        elif column is None and (u := _lifted_vector(operand, 1)) is not None:
            column = u
        elif row is None and (w := _lifted_vector(operand, 0)) is not None:
            row = w
        else:
            return None
    if column is None or row is None:
        return None
    return column, row, scalars


def _outer(u: Any, v: Any, scalars: list[Variable]) -> Any:
    result = u.dimshuffle(0, "x") * v.dimshuffle("x", 0)
    for s in scalars:
        result = result * s
    return result


def _is_matrix_product(node: Apply) -> bool:
    a, b = node.inputs
    return a.type.ndim == 2 and b.type.ndim == 2


@specialize.rule(Dot, MatMul)
def product_with_outer(node: Apply) -> Any:
    """m @ (u v^T) -> (m @ u) v^T; (u v^T) @ m -> u (v^T m)."""
    if not _is_matrix_product(node):
        return None
    a, b = node.inputs
    out = node.outputs[0]
    right = outer_factors(b)
    if right is not None:
        u, v, scalars = right
        return fit_to(_outer(dot(a, u), v, scalars), out)
    left = outer_factors(a)
    if left is not None:
        u, v, scalars = left
        return fit_to(_outer(u, dot(v, b), scalars), out)
    return None


def _scaled(b: Variable) -> tuple[Variable, list[Variable]] | None:
    """``(m, scalars)`` when ``b`` is ``m`` times scalars (operands of static lengths 1) and ``m``
    has ``b``'s rank; else None."""
    node = b.owner
    if node is None or not isinstance(node.op, Elemwise) or not isinstance(node.op.scalar_op, Mul):
        return None
    scalars = [i for i in node.inputs if all(length == 1 for length in i.type.shape)]
    rest = [i for i in node.inputs if all(i is not s for s in scalars)]
    if len(rest) != 1 or not scalars or rest[0].type.ndim != b.type.ndim:
        return None
    return rest[0], scalars


@specialize.rule(_SolveBase)
def scale_out_of_solve(node: Apply) -> Any:
    """solve(a, c * b) -> c * solve(a, b) for scalars c (one solve shared with solve(a, b)).
    Only for a right-hand side of the solve's dtype: scaling afterwards rounds the same."""
    a, b = node.inputs
    found = _scaled(b)
    if found is None:
        return None
    m, scalars = found
    if m.type.dtype != node.outputs[0].type.dtype:
        return None
    result = node.op(a, m)
    for s in scalars:
        result = result * s
    return fit_to(result, node.outputs[0])


@specialize.rule(_SolveBase)
def solve_of_outer(node: Apply) -> Any:
    """solve(a, u v^T) -> solve(a, u) v^T, for every solve of one matrix (one right-hand side
    instead of n)."""
    op = node.op
    assert isinstance(op, _SolveBase)
    if op.b_ndim != 2:
        return None
    a, b = node.inputs
    found = outer_factors(b)
    if found is None:
        return None
    u, v, scalars = found
    one_column = dataclasses.replace(op, b_ndim=1)
    return fit_to(_outer(one_column(a, u), v, scalars), node.outputs[0])


def _solved_identity(m: Variable) -> tuple[_SolveBase, Variable] | None:
    """(the solve, its matrix) when ``m`` is a solve (of one matrix) whose right-hand side is
    the identity, or the inverse from a Cholesky factor (``cho_solve(c, eye)`` made cheaper)."""
    node = m.owner
    if node is None:
        return None
    if isinstance(node.op, CholeskyInverse):
        return CholeskySolve(lower=node.op.lower, b_ndim=2), node.inputs[0]
    if not isinstance(node.op, _SolveBase) or node.op.b_ndim != 2:
        return None
    a, rhs = node.inputs
    return (node.op, a) if is_identity(rhs, columns=shape_of(a)[-1]) else None


@specialize.rule(CholeskySolve)
def cholesky_inverse_from_solve(node: Apply) -> Any:
    """cho_solve((c, lower), eye) -> cho_inverse((c, lower)): LAPACK's potri, a third of the
    work of two triangular solves with n columns."""
    op = node.op
    assert isinstance(op, CholeskySolve)
    if op.b_ndim != 2:
        return None
    c, rhs = node.inputs
    if not is_identity(rhs, columns=shape_of(c)[-1]):
        return None
    return fit_to(CholeskyInverse(lower=op.lower)(c), node.outputs[0])


@specialize.rule(Dot, MatMul)
def product_with_solved_identity(node: Apply) -> Any:
    """solve(a, eye) @ b -> solve(a, b); v @ solve(a, eye) -> solve(a^T, v) (v a vector)."""
    left, right = node.inputs
    if left.type.ndim > 2 or right.type.ndim > 2:
        return None
    out = node.outputs[0]
    found = _solved_identity(left)
    if found is not None and right.type.ndim in (1, 2):
        solve, a = found
        return fit_to(dataclasses.replace(solve, b_ndim=right.type.ndim)(a, right), out)
    found = _solved_identity(right)
    if found is not None and left.type.ndim == 1:
        solve, a = found
        v = left
        assert isinstance(a, TensorVariable) and isinstance(v, TensorVariable)
        return fit_to(dataclasses.replace(solve, b_ndim=1).transposed_system(a, v), out)
    return None
