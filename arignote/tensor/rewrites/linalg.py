"""Linear-algebra rules: inverses as solves, and solves, determinants, factorisations and
inverses of structured matrices in cheaper closed forms.

The structure of a matrix comes from :mod:`arignote.tensor.linalg.assumptions` (bounded depth,
remembered per variable).  Each op may be a core node or a ``Blockwise`` node applying it to
stacks of matrices: rules read the core op with :func:`core_of`.

- canonicalize: ``inv(inv(a)) -> a``;
- stabilize: ``inv(a) @ b -> solve(a, b)`` (one LU factorisation, no explicit inverse: more
  accurate), and ``solve(a, eye(n)) @ b -> solve(a, b)`` and ``inv(a).T @ b -> solve(a.T, b)``
  alike (the identity solve is read as ``inv(a)``:
  :func:`~arignote.tensor.rewrites.linalg_inverses.inverse_of`); ``log(det(a))`` of
  a positive definite ``a`` -> ``2 * sum(log(diag(cholesky(a))))`` and of a matrix with a
  positive diagonal (a Cholesky factor) -> ``sum(log(diag(a)))``; no overflow of the
  determinant; ``log(abs(det(a)))`` of a triangular ``a`` from its diagonal;
- specialize: ``solve`` with a diagonal, triangular or positive definite ``a`` -> a division,
  ``solve_triangular``, ``cho_solve(cholesky(a))``; ``det`` and ``slogdet`` of a triangular
  matrix from its diagonal; ``cholesky`` / ``inv`` of a diagonal matrix -> ``sqrt`` / ``1 /``
  of its diagonal; ``trace(a @ b)`` -> ``sum(a * b.T)`` (n² products instead of n³; not when
  the graph computes ``a @ b`` for another user anyway).

``solve(a, eye(n))`` on its own stays a solve: it costs what ``inv`` costs (one LU
factorisation and ``n`` substitutions) and is as accurate, and it gives NaNs for a singular
``a`` where ``inv`` raises; it is read as an inverse where that pays, in a product.

The rules for Kronecker products, block-diagonal matrices and ``l @ l.T`` are in
:mod:`~arignote.tensor.rewrites.linalg_structure` (the rules here leave those matrices to
them: their parts give cheaper forms than their structure does); those for products and
transposes of inverses, transposes of symmetric matrices and ``diag(a @ b)`` in
:mod:`~arignote.tensor.rewrites.linalg_inverses`.
"""

from __future__ import annotations

from typing import Any

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.rewrite import canonicalize, specialize, stabilize
from arignote.rewrite.driver import given_node
from arignote.rewrite.toolkit import fit_to, match
from arignote.scalar.math import Abs, Add, Log
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.blockwise import Blockwise
from arignote.tensor.dimshuffle import expand_dims
from arignote.tensor.linalg.assumptions import core_op, properties
from arignote.tensor.linalg.common import diag_embed, diag_part
from arignote.tensor.linalg.decompositions import Cholesky, cholesky
from arignote.tensor.linalg.inverses import Det, MatrixInverse, SLogDet
from arignote.tensor.linalg.solves import Solve, cho_solve, solve, solve_triangular
from arignote.tensor.products import Diagonal, Dot, MatMul
from arignote.tensor.reduction import CAReduce
from arignote.tensor.rewrites.linalg_inverses import inverse_of, product_kept
from arignote.tensor.rewrites.linalg_structure import assembled
from arignote.tensor.shape import shape_i
from arignote.tensor.shape_inference import same_dim, shape_of
from arignote.tensor.variable import TensorVariable


def core_of(v: Variable, kind: type) -> Apply | None:
    """``v``'s producer when its core op (plain, or applied by a ``Blockwise``) is a ``kind``."""
    node = v.owner
    return node if isinstance(core_op(node), kind) else None


def _core(node: Apply) -> Op:
    op = core_op(node)
    assert op is not None
    return op


# --- canonicalize -----------------------------------------------------------------------

@canonicalize.rule(MatrixInverse, Blockwise)
def inv_of_inv(node: Apply) -> Any:
    """inv(inv(a)) -> a (the dtype kept: an integer ``a`` stays as it is)."""
    if not isinstance(_core(node), MatrixInverse):
        return None
    inner = core_of(node.inputs[0], MatrixInverse)
    if inner is None:
        return None
    return fit_to(inner.inputs[0], node.outputs[0])


# --- stabilize --------------------------------------------------------------------------

@stabilize.rule(Dot, MatMul)
def solve_from_inv_product(node: Apply) -> Any:
    """inv(a) @ b -> solve(a, b), solve(a, eye(n)) @ b -> solve(a, b), and inv(a).T @ b ->
    solve(a.T, b): no explicit inverse (its rounding errors are amplified by the condition
    number of ``a`` once more)."""
    left, b = node.inputs
    a = inverse_of(left, through_transpose=True)
    if a is None or b.type.ndim < 1:
        return None
    if isinstance(node.op, MatMul) and b.type.ndim < 2:
        return None  # a stack of matrices times one vector: matmul's broadcasting, not solve's
    b_ndim = 1 if b.type.ndim == 1 else 2
    if isinstance(node.op, Dot) and b.type.ndim > 2:
        return None  # np.dot contracts with the second-to-last axis of a stack: not a solve
    out = node.outputs[0]
    x = solve(a, b, b_ndim=b_ndim)
    if x.type.dtype != out.type.dtype and out.type.numpy_dtype.kind in "fc":
        # the product's dtype is the wider one (an identity of float64 beside a float32 ``a``):
        # solve in it, as the inverse was computed
        x = solve(a, b.astype(out.type.dtype), b_ndim=b_ndim)
    return fit_to(x, out)


def _log_diagonal_sum(a: Variable) -> TensorVariable:
    return at.sum(at.log(diag_part(a)), axis=-1)


@stabilize.rule(Log)
def log_det_from_structure(node: Apply) -> Any:
    """log(det(a)) -> 2 * sum(log(diag(cholesky(a)))) for a positive definite ``a``, and
    sum(log(diag(a))) for a triangular ``a`` with a positive diagonal; log(abs(det(a))) ->
    sum(log(abs(diag(a)))) for any triangular ``a``: no overflow of det."""
    inner = node.inputs[0]
    absolute = match(inner, Abs)
    det = (inner if absolute is None else absolute).owner
    if det is None or not isinstance(core_op(det), Det):
        return None
    a = det.inputs[0]
    if assembled(a):
        return None  # log_det_of_assembled works on its parts
    props = properties(a)
    triangular = bool(props & {"lower_triangular", "upper_triangular"})
    if absolute is not None:
        if not triangular:
            return None
        return fit_to(at.sum(at.log(at.abs(diag_part(a))), axis=-1), node.outputs[0])
    if "positive_diagonal" in props and triangular:
        return fit_to(_log_diagonal_sum(a), node.outputs[0])
    if "positive_definite" in props:
        return fit_to(2 * _log_diagonal_sum(cholesky(a, lower=True)), node.outputs[0])
    return None


# --- specialize -------------------------------------------------------------------------

@specialize.rule(Solve, Blockwise)
def solve_with_structure(node: Apply) -> Any:
    """solve(a, b) for a structured ``a``: diagonal -> b / diag(a); triangular ->
    solve_triangular; positive definite -> cho_solve((cholesky(a), True), b)."""
    op = _core(node)
    if not isinstance(op, Solve):
        return None
    a, b = node.inputs
    if assembled(a):
        return None  # solve_with_assembled works on its parts: smaller systems
    props = properties(a)
    out = node.outputs[0]
    if "diagonal" in props:  # every assume_a reads the diagonal as it is
        d = diag_part(a)
        return fit_to(b / (d if op.b_ndim == 1 else expand_dims(d, -1)), out)
    if op.assume_a == "gen":  # the others read a triangle, or a band, of a: not a triangular a
        for side in ("lower", "upper"):
            if f"{side}_triangular" in props:
                return fit_to(solve_triangular(a, b, lower=side == "lower", b_ndim=op.b_ndim), out)
    if "positive_definite" in props and op.assume_a in ("gen", "sym", "pos"):
        return fit_to(cho_solve((cholesky(a, lower=True), True), b, b_ndim=op.b_ndim), out)
    return None


@specialize.rule(Det, Blockwise)
def det_of_triangular(node: Apply) -> Any:
    """det(a) -> prod(diag(a)) for a triangular (or diagonal) ``a``."""
    if not isinstance(_core(node), Det):
        return None
    a = node.inputs[0]
    if assembled(a) or not properties(a) & {"lower_triangular", "upper_triangular"}:
        return None
    return fit_to(at.prod(diag_part(a), axis=-1), node.outputs[0])


@specialize.rule(SLogDet, Blockwise)
def slogdet_of_triangular(node: Apply) -> Any:
    """slogdet(a) -> (prod(sign(diag(a))), sum(log(abs(diag(a))))) for a triangular ``a``."""
    if not isinstance(_core(node), SLogDet):
        return None
    a = node.inputs[0]
    if assembled(a) or not properties(a) & {"lower_triangular", "upper_triangular"}:
        return None
    d = diag_part(a)
    sign = fit_to(at.prod(at.sign(d), axis=-1), node.outputs[0])
    logabs = fit_to(at.sum(at.log(at.abs(d)), axis=-1), node.outputs[1])
    return None if sign is None or logabs is None else [sign, logabs]


@specialize.rule(Cholesky, MatrixInverse, Blockwise)
def diagonal_factor_or_inverse(node: Apply) -> Any:
    """cholesky(d) -> diag(sqrt(diag(d))) and inv(d) -> diag(1 / diag(d)) for a diagonal ``d``:
    n operations instead of n³."""
    op = _core(node)
    if not isinstance(op, (Cholesky, MatrixInverse)):
        return None
    if isinstance(op, Cholesky) and op.on_error != "nan":
        return None  # raising for a matrix that is not positive definite is the op's job
    a = node.inputs[0]
    if "diagonal" not in properties(a) or a.type.numpy_dtype.kind != "f":
        return None
    d = diag_part(a)
    entries = at.sqrt(d) if isinstance(op, Cholesky) else 1 / d
    return fit_to(diag_embed(entries), node.outputs[0])


def _product_kept_under(trace: Apply) -> bool:
    """Whether the product whose trace ``trace`` sums is computed for another user anyway."""
    given = given_node(trace)
    diag = None if given is None else given.inputs[0].owner
    return diag is not None and isinstance(diag.op, Diagonal) and product_kept(diag)


@specialize.rule(CAReduce)
def trace_of_product(node: Apply) -> Any:
    """trace(a @ b) -> sum(a * b.T): the diagonal of the product alone, without the product."""
    op = node.op
    if not isinstance(op.scalar_op, Add) or op.initial is not None:
        return None
    diag = node.inputs[0].owner
    if diag is None or not isinstance(diag.op, Diagonal) or node.inputs[0].type.ndim != 1:
        return None
    if (diag.op.offset, diag.op.axis1, diag.op.axis2) != (0, 0, 1):
        return None
    product = diag.inputs[0].owner
    if product is None or not isinstance(product.op, Dot) or _product_kept_under(node):
        return None
    a, b = product.inputs
    if a.type.ndim != 2 or b.type.ndim != 2:
        return None
    bt = b.T
    if not same_dim(shape_of(a)[0], shape_of(b)[1]):
        # an (n, k) @ (k, p) product has min(n, p) diagonal entries: rows of a, of b.T
        d = at.minimum(shape_i(a, 0), shape_i(b, 1))
        a, bt = as_tensor_variable(a)[:d], bt[:d]
    return fit_to(at.sum(a * bt, dtype=op.dtype), node.outputs[0])


__all__ = ["core_of"]
