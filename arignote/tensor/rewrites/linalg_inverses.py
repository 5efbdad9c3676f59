"""Linear-algebra rules on inverses and transposes (canonicalize), and the diagonal of a product
(specialize).

- ``solve(a, eye(n))`` (a general solve of the identity) is read as ``inv(a)`` by
  :func:`inverse_of`, so ``solve(a, eye(n)) @ b -> solve(a, b)`` (the rule in
  :mod:`arignote.tensor.rewrites.linalg`) fires for it as for ``inv(a) @ b``, and
  ``inv(a).T @ b -> solve(a.T, b)`` too;
- ``inv(a) @ inv(b) -> inv(b @ a)``: one inverse instead of two;
- ``inv(a).T -> inv(a.T)`` (and ``solve(a, eye).T -> solve(a.T, eye)``) when the inverse has
  no other user (as the graph was given: an inverse rebuilt by an earlier rule is left): the
  normal form of the transposed inverse; where the inverse is used elsewhere too (the
  derivative of ``inv`` reads ``inv(a).T``) a second inverse would cost more than the
  transpose;
- ``a.T -> a`` for a symmetric ``a`` (a transpose of the last two axes only): so
  ``inv(a.T) -> inv(a)`` and ``solve(a.T, b) -> solve(a, b)``;
- ``diag(a @ b) -> sum(a * b.T, axis=-1)``, batched too: n² products instead of n³; not when
  the graph computes ``a @ b`` anyway for another user (a Cholesky derivative reads both
  ``L.T @ dL`` and its diagonal): the diagonal of the product is then a copy of n entries,
  where the sum is one more pass over n² of them.

No rule here undoes another: none makes a transpose of an inverse, or a transpose of a
symmetric matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import arignote.tensor as at
from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite import canonicalize, specialize
from arignote.rewrite.driver import given_node, sole_user
from arignote.rewrite.toolkit import fit_to
from arignote.tensor.alloc import Eye
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.linalg.assumptions import core_op, has, transpose_of
from arignote.tensor.linalg.common import apply_core, mT
from arignote.tensor.linalg.inverses import MatrixInverse
from arignote.tensor.linalg.solves import Solve
from arignote.tensor.products import Diagonal, Dot, MatMul, matmul
from arignote.tensor.shape import shape_i
from arignote.tensor.shape_inference import same_dim, shape_of

__all__ = ["inverse_of", "is_identity", "product_kept"]


def _same_length(n: Variable, m: Variable) -> bool:
    if n is m:
        return True
    return (isinstance(n, Constant) and isinstance(m, Constant)
            and np.size(n.data) == 1 and np.size(m.data) == 1 and int(n.data) == int(m.data))


def is_identity(v: Variable, columns: Variable | None = None) -> bool:
    """Whether ``v`` is a square identity matrix: ``eye(n)`` (``eye(n, n, 0)``, or
    ``eye(n, columns, 0)`` where ``n == columns`` is known otherwise), or a constant holding one
    (``eye`` of a constant size folded)."""
    node = v.owner
    if node is not None:
        if not isinstance(node.op, Eye):
            return False
        n, m, k = node.inputs
        square = _same_length(n, m) or (columns is not None and same_dim(m, columns))
        return square and isinstance(k, Constant) and int(k.data) == 0
    if not isinstance(v, Constant):
        return False
    data = np.asarray(v.data)
    # a constant's size is its own, not the graph's: reading it is bounded by the node
    return data.ndim == 2 and data.shape[0] == data.shape[1] and np.array_equal(data, np.eye(len(data)))


def inverse_of(v: Variable, through_transpose: bool = False) -> Variable | None:
    """``a`` when ``v`` is ``inv(a)``, or ``solve(a, eye(n))`` with ``assume_a="gen"`` (the
    same LU factorisation and substitutions as ``inv``; a singular ``a`` gives NaNs); with
    ``through_transpose``, also ``a.T`` when ``v`` is the transpose of one of those."""
    if through_transpose:
        inner = transpose_of(v)
        if inner is not None:
            a = inverse_of(inner)
            return None if a is None else mT(a)
    node = v.owner
    op = core_op(node)
    if node is None:
        return None
    if isinstance(op, MatrixInverse):
        return node.inputs[0]
    if isinstance(op, Solve) and op.assume_a == "gen" and op.b_ndim == 2:
        a, rhs = node.inputs
        # the solve checks that the identity has as many rows as ``a``, and ``a`` is square: an
        # identity with as many columns as ``a`` is square too (``identity_like(a)``)
        if is_identity(rhs, columns=shape_of(a)[-1]):
            return a
    return None


def _is_matrix_transpose(node: Apply) -> bool:
    """``node`` swaps the last two axes and does nothing else."""
    x = node.inputs[0]
    return x.type.ndim >= 2 and transpose_of(node.outputs[0]) is x


def _matrix_product_operands(node: Apply) -> tuple[Variable, Variable] | None:
    """``(a, b)`` when ``node`` is a product of matrices (or of stacks of them): ``Dot`` of two
    matrices, or ``MatMul`` of operands of rank 2 or more."""
    a, b = node.inputs
    if a.type.ndim < 2 or b.type.ndim < 2:
        return None
    if isinstance(node.op, Dot) and (a.type.ndim != 2 or b.type.ndim != 2):
        return None  # np.dot of stacks contracts with the second-to-last axis: not a product of matrices
    return a, b


# --- canonicalize ---------------------------------------------------------------------------

@canonicalize.rule(Dot, MatMul)
def inv_of_product_from_inverses(node: Apply) -> Any:
    """inv(a) @ inv(b) -> inv(b @ a): one inverse (and one product) instead of two inverses;
    for floating-point ``a`` and ``b`` (integers would be multiplied exactly, and could
    overflow)."""
    operands = _matrix_product_operands(node)
    if operands is None:
        return None
    left, right = (core_op(v.owner) for v in operands)
    if not isinstance(left, MatrixInverse) or not isinstance(right, MatrixInverse):
        return None
    a, b = (v.owner.inputs[0] for v in operands)  # type: ignore[union-attr]
    if a.type.numpy_dtype.kind != "f" or b.type.numpy_dtype.kind != "f":
        return None
    return fit_to(apply_core(MatrixInverse(), matmul(b, a)), node.outputs[0])


@canonicalize.rule(DimShuffle)
def transpose_of_inverse(node: Apply) -> Any:
    """inv(a).T -> inv(a.T), solve(a, eye).T -> solve(a.T, eye), when the inverse has no other
    user (else the transpose of the one inverse is cheaper than a second inverse)."""
    if not _is_matrix_transpose(node):
        return None
    inverse = node.inputs[0].owner
    a = inverse_of(node.inputs[0])
    if a is None or inverse is None:
        return None
    user = sole_user(inverse)
    if user is None or not isinstance(user.op, DimShuffle) or not _is_matrix_transpose(user):
        return None
    op = core_op(inverse)
    assert op is not None
    rebuilt = apply_core(op, mT(a), *inverse.inputs[1:])
    return fit_to(rebuilt, node.outputs[0])


@canonicalize.rule(DimShuffle)
def transpose_of_symmetric(node: Apply) -> Any:
    """a.T -> a for a symmetric ``a`` (each matrix of a stack: a transpose of the last two
    axes alone)."""
    if not _is_matrix_transpose(node):
        return None
    a = node.inputs[0]
    if not has(a, "symmetric"):
        return None
    return fit_to(a, node.outputs[0])


# --- specialize -----------------------------------------------------------------------------

def product_kept(diagonal: Apply) -> bool:
    """Whether the graph as given computes the product whose diagonal ``diagonal`` (the node
    offered to a rule) takes for something else too: another user, or as an output of the
    graph.  False when that cannot be told (a node made by a rule, or outside a rewrite).
    The product is asked of the given graph through ``diagonal``: the product node itself
    may have been rebuilt with rewritten inputs."""
    given = given_node(diagonal)
    if given is None or given.inputs[0].owner is None:
        return False
    return sole_user(given.inputs[0].owner) is not given


@specialize.rule(Diagonal)
def diagonal_of_product(node: Apply) -> Any:
    """diag(a @ b) -> sum(a * b.T, axis=-1) (over the last two axes of stacks too): the
    diagonal alone, n² products instead of the n³ of the product."""
    op = node.op
    x = node.inputs[0]
    ndim = x.type.ndim
    if op.offset != 0 or (op.axis1, op.axis2) != (ndim - 2, ndim - 1) or x.owner is None:
        return None
    if not isinstance(x.owner.op, (Dot, MatMul)) or product_kept(node):
        return None
    operands = _matrix_product_operands(x.owner)
    if operands is None:
        return None
    a, b = operands
    bt = mT(b)
    if not same_dim(shape_of(a)[-2], shape_of(b)[-1]):
        # the diagonal of an (n, k) @ (k, p) product has min(n, p) entries: rows of a, of b.T
        d = at.minimum(shape_i(a, a.type.ndim - 2), shape_i(b, b.type.ndim - 1))
        a, bt = as_tensor_variable(a)[..., :d, :], bt[..., :d, :]
    out = node.outputs[0]
    return fit_to(at.sum(a * bt, axis=-1, dtype=out.type.dtype), out)
