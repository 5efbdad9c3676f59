"""Linear-algebra rules for matrices assembled from smaller ones: Kronecker products
(``kron(a, b)``, ``a`` n x n and ``b`` m x m), block-diagonal matrices
(``block_diag(a_1, ..., a_k)``), and Gram matrices of triangular factors (``l @ l.T``).

Each works on the factors (blocks) instead of the assembled matrix: ``O(n³ + m³)`` instead of
``O(n³ m³)`` for a Kronecker product, and no overflow of a determinant.

- stabilize: ``log(det(x))`` and ``log(abs(det(x)))`` of ``kron(a, b)``
  (``m log|det a| + n log|det b|``), of ``block_diag`` (the sum over blocks), and of
  ``l @ l.T`` / ``l.T @ l`` with a square triangular ``l`` (``2 sum(log(|diag(l)|))``);
- specialize: ``det`` (``det(a)^m det(b)^n``, the product over blocks, ``prod(diag(l))²``) and
  ``slogdet`` of the same; ``cholesky``, ``inv`` and ``solve`` of ``kron(a, b)``
  (``kron(chol(a), chol(b))``, ``kron(inv(a), inv(b))``, and for ``solve`` the vec trick:
  ``kron(a, b) @ vec(x) == vec(a @ x @ b.T)`` with ``vec`` reading rows, so ``x`` is
  ``solve(a, y) @ inv(b).T`` with ``y`` the right-hand side read as an n x m matrix) and of
  ``block_diag`` (block by block).

The factors must be square: a rule does not fire where the static shapes say otherwise.  Where
they are not known, a factor that is not square (``kron`` of 2 x 3 and 3 x 2 matrices is
square, and singular) makes the rewritten graph raise where the original gave 0 or NaNs.  A
block that is singular (not positive definite for ``cholesky``) gives NaNs in its own part of
a solution or a factor, where the whole matrix's routine gives NaNs everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.rewrite import specialize, stabilize
from arignote.rewrite.toolkit import fit_to, match
from arignote.scalar.math import Abs, Log
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.blockwise import Blockwise
from arignote.tensor.dimshuffle import expand_dims
from arignote.tensor.join import concatenate
from arignote.tensor.linalg.assumptions import core_op, has, is_square, properties, transpose_of
from arignote.tensor.linalg.common import apply_core, diag_part, mT
from arignote.tensor.linalg.decompositions import Cholesky
from arignote.tensor.linalg.inverses import Det, MatrixInverse, SLogDet, det, slogdet
from arignote.tensor.linalg.products import KroneckerProduct
from arignote.tensor.linalg.solves import Solve, solve
from arignote.tensor.linalg.structure import BlockDiagonal
from arignote.tensor.products import Dot, MatMul
from arignote.tensor.reduction import prod
from arignote.tensor.shape import reshape, shape_i
from arignote.tensor.variable import TensorVariable

__all__ = ["assembled"]


# --- recognising the assembled matrices ------------------------------------------------------

def _maybe_square(x: Variable) -> bool:
    rows, cols = x.type.shape[-2:]
    return rows is None or cols is None or rows == cols


def _parts(v: Variable, kind: type) -> list[Variable] | None:
    """The factors (blocks) of ``v`` when its producer's core op is a ``kind``, cast to ``v``'s
    dtype (the assembled matrix is in the promoted dtype: so is the work on its parts), when
    each may be square."""
    node = v.owner
    if not isinstance(core_op(node), kind):
        return None
    assert node is not None
    if not all(_maybe_square(p) for p in node.inputs):
        return None
    return [p if p.type.dtype == v.type.dtype else p.astype(v.type.dtype) for p in node.inputs]


def kron_factors(v: Variable) -> list[Variable] | None:
    """``[a, b]`` when ``v`` is ``kron(a, b)`` (of two matrices, or stacks of them)."""
    return _parts(v, KroneckerProduct)


def diagonal_blocks(v: Variable) -> list[Variable] | None:
    """The blocks when ``v`` is ``block_diag(*blocks)``."""
    return _parts(v, BlockDiagonal)


def assembled(v: Variable) -> bool:
    """Whether ``v`` is a Kronecker product or a block-diagonal matrix (the rules here work on
    its parts; the rules for structured matrices leave it to them)."""
    return isinstance(core_op(v.owner), (KroneckerProduct, BlockDiagonal))


def _order(a: Variable, dtype: str) -> TensorVariable:
    """The length of the square ``a`` in ``dtype``: the power of the other factor's determinant."""
    return shape_i(a, a.type.ndim - 1).astype(dtype)


def _gram_factor(v: Variable) -> tuple[Variable, frozenset[str]] | None:
    """``(l, properties(l))`` when ``v`` is ``l @ l.T`` or ``l.T @ l`` with ``l`` square and
    triangular: ``det(v) == det(l)² == prod(diag(l))²``."""
    node = v.owner
    if node is None or not isinstance(node.op, (Dot, MatMul)):
        return None
    a, b = node.inputs
    if a.type.ndim < 2 or a.type.ndim != b.type.ndim or (isinstance(node.op, Dot) and a.type.ndim != 2):
        return None
    if transpose_of(b) is a:
        factor = a
    elif transpose_of(a) is b:
        factor = b
    else:
        return None
    props = properties(factor)
    if not props & {"lower_triangular", "upper_triangular"} or not is_square(factor, props):
        return None
    return factor, props


def _log_abs_diag(factor: Variable, props: frozenset[str]) -> TensorVariable:
    d = diag_part(factor)
    return at.sum(at.log(d if "positive_diagonal" in props else at.abs(d)), axis=-1)


# --- log-determinants from the parts ---------------------------------------------------------

def _log_abs_det(a: Variable) -> TensorVariable:
    """``log|det(a)|`` as the other rules best compute it: ``log(det(a))`` for a positive
    definite ``a`` (stabilized to a Cholesky factor's diagonal), else ``slogdet``'s."""
    if has(a, "positive_definite"):
        return at.log(det(a))
    return slogdet(a)[1]


def _sign_and_log_abs(parts: Sequence[Variable], kron: bool,
                      with_sign: bool) -> tuple[TensorVariable | None, TensorVariable]:
    """The sign (None when not asked for, or known positive) and ``log|det|`` of the matrix
    assembled from ``parts``."""
    logs = [_log_abs_det(p) for p in parts]
    positive = all(has(p, "positive_definite") for p in parts)
    signs = None if positive or not with_sign else [slogdet(p)[0] for p in parts]
    if kron:
        a, b = parts
        m, n = _order(b, logs[0].dtype), _order(a, logs[1].dtype)
        log_abs = m * logs[0] + n * logs[1]
        sign = None if signs is None else signs[0] ** m * signs[1] ** n
    else:
        log_abs, sign = logs[0], None if signs is None else signs[0]
        for k in range(1, len(parts)):
            log_abs = log_abs + logs[k]
            sign = None if sign is None or signs is None else sign * signs[k]
    return sign, log_abs


@stabilize.rule(Log)
def log_det_of_assembled(node: Apply) -> Any:
    """log(det(x)), log(abs(det(x))) of ``x = kron(a, b)`` -> ``m log|det a| + n log|det b|``
    (plus ``log`` of the sign, NaN for a negative determinant, unless both are positive
    definite); of ``block_diag`` -> the sum over blocks; of ``l @ l.T`` with ``l`` triangular
    -> ``2 sum(log(|diag(l)|))``: no overflow of the determinant, and no large matrix."""
    inner = node.inputs[0]
    absolute = match(inner, Abs)
    det_node = (inner if absolute is None else absolute).owner
    if det_node is None or not isinstance(core_op(det_node), Det):
        return None
    x = det_node.inputs[0]
    out = node.outputs[0]
    gram = _gram_factor(x)
    if gram is not None:  # det(l @ l.T) = det(l)² >= 0: log|det| and log det agree
        return fit_to(2 * _log_abs_diag(*gram), out)
    factors = kron_factors(x)
    parts = factors if factors is not None else diagonal_blocks(x)
    if parts is None:
        return None
    sign, log_abs = _sign_and_log_abs(parts, factors is not None, with_sign=absolute is None)
    return fit_to(log_abs if sign is None else at.log(sign) + log_abs, out)


# --- specialize: determinants ----------------------------------------------------------------

@specialize.rule(Det, Blockwise)
def det_of_assembled(node: Apply) -> Any:
    """det(kron(a, b)) -> det(a)^m * det(b)^n (``a`` n x n, ``b`` m x m);
    det(block_diag(a_1, ...)) -> the product of det(a_i); det(l @ l.T) -> prod(diag(l))² for a
    triangular ``l``."""
    if not isinstance(core_op(node), Det):
        return None
    x, out = node.inputs[0], node.outputs[0]
    gram = _gram_factor(x)
    if gram is not None:
        return fit_to(at.sqr(prod(diag_part(gram[0]), axis=-1)), out)
    factors = kron_factors(x)
    if factors is not None:
        a, b = factors
        da, db = det(a), det(b)
        return fit_to(da ** _order(b, da.dtype) * db ** _order(a, db.dtype), out)
    blocks = diagonal_blocks(x)
    if blocks is None:
        return None
    result = det(blocks[0])
    for block in blocks[1:]:
        result = result * det(block)
    return fit_to(result, out)


@specialize.rule(SLogDet, Blockwise)
def slogdet_of_assembled(node: Apply) -> Any:
    """slogdet of kron(a, b), of block_diag(...) and of l @ l.T (triangular ``l``) from the
    slogdets (diagonals) of the parts: ``(sign_a^m sign_b^n, m logabs_a + n logabs_b)``, the
    product of the signs and the sum of the logs over blocks, ``(prod(sign(diag(l)))², 2
    sum(log|diag(l)|))``."""
    if not isinstance(core_op(node), SLogDet):
        return None
    x = node.inputs[0]
    gram = _gram_factor(x)
    if gram is not None:
        factor, props = gram
        sign = at.sqr(prod(at.sign(diag_part(factor)), axis=-1))
        log_abs = 2 * _log_abs_diag(factor, props)
    else:
        factors = kron_factors(x)
        parts = factors if factors is not None else diagonal_blocks(x)
        if parts is None:
            return None
        # slogdet of each part (not log(det) of a positive definite one: that is stabilize's)
        pairs = [slogdet(p) for p in parts]
        if factors is not None:
            (sa, la), (sb, lb) = pairs
            m, n = _order(parts[1], la.dtype), _order(parts[0], lb.dtype)
            sign, log_abs = sa ** m * sb ** n, m * la + n * lb
        else:
            sign, log_abs = pairs[0]
            for s, logs in pairs[1:]:
                sign, log_abs = sign * s, log_abs + logs
    fitted = [fit_to(sign, node.outputs[0]), fit_to(log_abs, node.outputs[1])]
    return None if any(v is None for v in fitted) else fitted


# --- specialize: factors, inverses and solves ------------------------------------------------

def _kron(a: Variable, b: Variable) -> TensorVariable:
    return apply_core(KroneckerProduct(), a, b)  # of stacks too (``kron`` reads them as np.kron)


def _block_diag(blocks: Sequence[Variable]) -> TensorVariable:
    return apply_core(BlockDiagonal(len(blocks)), *blocks)


@specialize.rule(Cholesky, MatrixInverse, Blockwise)
def factor_or_inverse_of_assembled(node: Apply) -> Any:
    """inv(kron(a, b)) -> kron(inv(a), inv(b)); cholesky(kron(a, b)) -> kron(cholesky(a),
    cholesky(b)) for symmetric ``a`` and ``b`` one of which is positive definite (then the
    product is positive definite exactly when the other is, and each factor's triangle is what
    the product's is made of); inv and cholesky of block_diag(...) block by block."""
    op = core_op(node)
    if not isinstance(op, (Cholesky, MatrixInverse)):
        return None
    x = node.inputs[0]
    factors = kron_factors(x)
    parts = factors if factors is not None else diagonal_blocks(x)
    if parts is None:
        return None
    if isinstance(op, Cholesky) and factors is not None:
        a, b = factors
        if not (has(a, "symmetric") and has(b, "symmetric")):
            return None
        if not (has(a, "positive_definite") or has(b, "positive_definite")):
            return None  # two negative definite factors: a positive definite product
    done = [apply_core(op, p) for p in parts]
    return fit_to(_kron(*done) if factors is not None else _block_diag(done), node.outputs[0])


def _vec_solve(a: Variable, b: Variable, y: Variable, assume_a: str, lower: bool) -> TensorVariable:
    """``x`` with ``kron(a, b) @ x == y`` for vectors ``y`` (last axis, of length n m): ``y``
    read as n x m matrices ``Y`` (rows first, as ``kron`` orders them), ``x = a^-1 Y b^-T``."""
    n, m = shape_i(a, a.type.ndim - 1), shape_i(b, b.type.ndim - 1)
    batch = [shape_i(y, k) for k in range(y.type.ndim - 1)]
    left = solve(a, reshape(y, [*batch, n, m]), b_ndim=2, assume_a=assume_a, lower=lower)  # a^-1 Y
    x = mT(solve(b, mT(left), b_ndim=2, assume_a=assume_a, lower=lower))  # (b^-1 (a^-1 Y).T).T
    out_batch = [shape_i(x, k) for k in range(x.type.ndim - 2)]
    return reshape(x, [*out_batch, n * m])


def _solve_kron(factors: list[Variable], rhs: Variable, op: Solve) -> TensorVariable | None:
    a, b = factors
    if op.assume_a == "gen":
        assume_a = "gen"
    elif op.assume_a in ("sym", "pos") and has(a, "symmetric") and has(b, "symmetric"):
        # the triangle read of the product is made of the factors' own: solve each as symmetric
        # (not "pos": two negative definite factors make a positive definite product)
        assume_a = "sym"
    else:
        return None
    if op.b_ndim == 1:
        return _vec_solve(a, b, rhs, assume_a, op.lower)
    # columns of a matrix right-hand side are separate systems: an axis of the batch, before
    # which the factors' own batch axes go
    if a.type.ndim > 2:
        a, b = expand_dims(a, -3), expand_dims(b, -3)
    return mT(_vec_solve(a, b, mT(rhs), assume_a, op.lower))


def _solve_blocks(blocks: list[Variable], rhs: Variable, op: Solve) -> TensorVariable | None:
    if op.assume_a not in ("gen", "sym", "her", "pos"):
        return None
    batch = {b.type.shape[:-2] for b in blocks}
    if len(batch) != 1:
        return None  # the pieces would differ in batch shape: they could not be joined
    axis = -1 if op.b_ndim == 1 else -2
    pieces = []
    start: Any = 0
    rhs = as_tensor_variable(rhs)
    for block in blocks:
        stop = start + shape_i(block, block.type.ndim - 2)
        rows = (Ellipsis, slice(start, stop)) + ((slice(None),) if op.b_ndim == 2 else ())
        # each block reads the triangle of its own that the whole matrix's routine would
        pieces.append(solve(block, rhs[rows], b_ndim=op.b_ndim, assume_a=op.assume_a, lower=op.lower))
        start = stop
    return concatenate(pieces, axis=axis)


@specialize.rule(Solve, Blockwise)
def solve_with_assembled(node: Apply) -> Any:
    """solve(kron(a, b), y) by the vec trick (two solves of sizes n and m); solve(block_diag(a_1,
    ...), y) as one solve per block, on the rows of ``y`` that block meets."""
    op = core_op(node)
    if not isinstance(op, Solve):
        return None
    x, rhs = node.inputs
    factors = kron_factors(x)
    if factors is not None:
        result = _solve_kron(factors, rhs, op)
    else:
        blocks = diagonal_blocks(x)
        result = None if blocks is None else _solve_blocks(blocks, rhs, op)
    return None if result is None else fit_to(result, node.outputs[0])
