"""One factorisation of a matrix for every solve and determinant of it.

A solve, a determinant or an inverse of a matrix ``A`` is rewritten into a factorisation of
``A`` and a cheap step that uses the factor.  Nodes are interned, so every rewrite of the same
``A`` builds the same factor node: the factorisation (``n³/3`` flops for Cholesky, ``2n³/3``
for LU) is computed once, and each further solve costs ``n²`` per right-hand side.

- stabilize: ``det(A) * (g / det(A)) -> g``, the derivative of ``log(det(A))``, which
  overflows with ``det(A)``;
- specialize, a positive definite ``A`` (``solve`` is rewritten by ``solve_with_structure``
  in :mod:`~arignote.tensor.rewrites.linalg` to ``cho_solve((cholesky(A), True), b)``):
  ``det(A) -> prod(diag(L))²``, ``slogdet(A) -> (1, 2 sum(log(diag(L))))`` and
  ``inv(A) -> cho_solve((L, True), I)`` with ``L = cholesky(A)``: the determinant at half
  LU's cost, the inverse at about LU's (``n³/3 + 2n³`` flops against ``2n³``) and stable for
  a positive definite ``A``, both with the factor the solves use (the derivative of
  ``log(det(A))`` holds ``inv(A)``: a gradient then factorises ``A`` once);
- specialize, a general ``A`` read by two or more solves or determinants (``A`` or ``A.T``,
  ``lu_factor(A)`` counted too): ``solve(A, b) -> lu_solve(lu_factor(A), b)`` (``A.T``:
  ``trans=1``), ``det(A) -> prod(diag(lu)) * (-1)**swaps``, ``slogdet`` likewise.  One solve
  alone is left to ``gesv``, which costs what ``getrf`` + ``getrs`` cost in one call.

The derivative of ``solve(K, y)`` solves with ``K.T``: for a symmetric ``K``,
``transpose_of_symmetric`` (:mod:`~arignote.tensor.rewrites.linalg_inverses`) makes that ``K``
in canonicalize, so it shares ``K``'s factor.  Kronecker products and block-diagonal matrices
are left to :mod:`~arignote.tensor.rewrites.linalg_structure`, which works on their parts.

Who reads ``A`` is asked of the driver (:func:`~arignote.rewrite.driver.given_users`), at
most :data:`MAX_USERS` users of ``A`` and of each of its transposes: a bounded cost per node.
These rules are in specialize, where faster forms belong, after derivatives were built
(``LUSolve`` has derivatives through its factor, but those through ``A`` of a solve are
shorter) and after stabilize wrote ``log(det(A))`` of a positive definite ``A`` with its
Cholesky factor.
"""

from __future__ import annotations

from typing import Any

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.rewrite import specialize, stabilize
from arignote.rewrite.driver import given_node, given_users
from arignote.rewrite.toolkit import elemwise_inputs, fit_to, is_real_float, positions_of, without
from arignote.scalar.math import Mul, TrueDiv
from arignote.tensor.blockwise import Blockwise
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.linalg.assumptions import core_op, properties, transpose_of
from arignote.tensor.linalg.common import apply_core, diag_part, identity_of
from arignote.tensor.linalg.decompositions import LUFactor, cholesky, lu_factor
from arignote.tensor.linalg.inverses import Det, MatrixInverse, SLogDet
from arignote.tensor.linalg.solves import LUSolve, Solve, cho_solve
from arignote.tensor.rewrites.linalg_structure import assembled
from arignote.tensor.rewrites.stabilize_forms import product_like

#: the users of a matrix (and of each transpose of it) read when deciding whether its factor
#: is shared: a matrix with more users is left as it is
MAX_USERS = 16

#: structures another rule solves better (a division, a triangular solve, Cholesky)
_STRUCTURED = frozenset({"diagonal", "lower_triangular", "upper_triangular", "positive_definite"})


def _fit_all(results: list[Any], node: Apply) -> list[Any] | None:
    fitted = [fit_to(r, out) for r, out in zip(results, node.outputs)]
    return None if any(f is None for f in fitted) else fitted


# --- stabilize: the derivative of log(det(a)) ---------------------------------------------

def _is_determinant(v: Variable) -> bool:
    """Whether ``v`` is ``det(a)``, or that with broadcast axes added (a stack's, laid out
    against its matrices)."""
    node = v.owner
    if node is not None and isinstance(node.op, DimShuffle) and "x" in node.op.new_order:
        kept = [d for d in node.op.new_order if d != "x"]
        if kept == list(range(node.inputs[0].type.ndim)):
            node = node.inputs[0].owner
    return isinstance(core_op(node), Det)


@stabilize.rule(Mul)
def cancel_determinant(node: Apply) -> Any:
    """det(a) * (g / det(a)) -> g: the derivative of log(det(a)) (Jacobi's formula divided by
    the determinant), inf / inf where det(a) overflows, as it does for a 200 x 200 matrix
    with entries of 1000 on its diagonal.  (Where det(a) is 0 both are undefined: the
    inverse beside them fails.)"""
    factors = list(node.inputs)
    if not is_real_float(node.outputs[0]):
        return None
    where: dict[Variable, int] | None = None
    for position, factor in enumerate(factors):
        parts = elemwise_inputs(factor, TrueDiv)
        if parts is None or not _is_determinant(parts[1]):
            continue
        where = positions_of(factors) if where is None else where
        other = where.get(parts[1])
        if other is not None and other != position:
            return product_like(node, without(factors, position, other) + [parts[0]],
                                [factors[position], parts[1]])
    return None


# --- specialize: positive definite matrices ---------------------------------------------

def _positive_definite(a: Variable) -> bool:
    if assembled(a):
        return False  # kron and block_diag: factorised by parts (linalg_structure)
    props = properties(a)
    # diagonal and triangular matrices have cheaper rules (arignote/tensor/rewrites/linalg.py)
    return ("positive_definite" in props and not props & {"diagonal", "lower_triangular", "upper_triangular"}
            and a.type.numpy_dtype.kind == "f")


@specialize.rule(Det, SLogDet, Blockwise)
def determinant_from_cholesky(node: Apply) -> Any:
    """det(a) -> prod(diag(L))² and slogdet(a) -> (1, 2 * sum(log(diag(L)))) with
    L = cholesky(a), for a positive definite ``a``: the factor its solves use."""
    op = core_op(node)
    if not isinstance(op, (Det, SLogDet)) or not _positive_definite(node.inputs[0]):
        return None
    d = diag_part(cholesky(node.inputs[0], lower=True))
    if isinstance(op, Det):
        return fit_to(at.sqr(at.prod(d, axis=-1)), node.outputs[0])
    logabs = 2 * at.sum(at.log(d), axis=-1)
    return _fit_all([at.ones_like(logabs), logabs], node)


@specialize.rule(MatrixInverse, Blockwise)
def inverse_from_cholesky(node: Apply) -> Any:
    """inv(a) -> cho_solve((cholesky(a), True), I) for a positive definite ``a``: about the cost
    of LU's inverse, and the factor its solves and determinant use."""
    if not isinstance(core_op(node), MatrixInverse):
        return None
    a = node.inputs[0]
    if not _positive_definite(a):
        return None
    factor = cholesky(a, lower=True)
    return fit_to(cho_solve((factor, True), identity_of(factor), b_ndim=2), node.outputs[0])


# --- specialize: general matrices read more than once -----------------------------------

def _reads_factor(user: Apply, var: Variable) -> bool:
    """Whether ``user`` reads ``var`` as a matrix whose LU factors serve it."""
    op = core_op(user)
    if isinstance(op, Solve):
        return op.assume_a == "gen" and user.inputs[0] is var
    return isinstance(op, (Det, SLogDet, LUFactor))


def _factor_readers(a: Variable) -> int:
    """How many nodes of the given graph read ``a`` or a transpose of ``a`` through an LU
    factorisation (0 when there are too many users to tell cheaply)."""
    users = given_users(a, MAX_USERS)
    if users is None:
        return 0
    count = 0
    for user in users:
        if _reads_factor(user, a):
            count += 1
        elif isinstance(user.op, DimShuffle) and transpose_of(user.outputs[0]) is a:
            through = given_users(user.outputs[0], MAX_USERS) or ()
            count += sum(_reads_factor(u, user.outputs[0]) for u in through)
    return count


def _shared_base(node: Apply) -> tuple[Variable, bool] | None:
    """``(a, transposed)`` when ``node`` reads the general matrix ``a`` (or ``a.T``) whose LU
    factors other nodes of the graph read too."""
    given = given_node(node)
    if given is None:
        return None  # made by a rule: who else reads its matrix is not known
    m, given_m = node.inputs[0], given.inputs[0]
    base, given_base = transpose_of(m), transpose_of(given_m)
    transposed = base is not None
    if transposed != (given_base is not None):
        return None
    if base is None or given_base is None:
        base, given_base = m, given_m
    if assembled(base) or properties(base) & _STRUCTURED or _factor_readers(given_base) < 2:
        return None
    return base, transposed


@specialize.rule(Solve, Det, SLogDet, Blockwise)
def shared_lu_factor(node: Apply) -> Any:
    """solve(a, b) -> lu_solve(lu_factor(a), b) (``a.T``: with ``trans=1``), det(a) ->
    prod(diag(lu)) * (-1)**swaps and slogdet(a) from the same factors, when two or more solves
    and determinants read the general matrix ``a``: one ``getrf`` for all."""
    op = core_op(node)
    if isinstance(op, Solve):
        if op.assume_a != "gen":
            return None
    elif not isinstance(op, (Det, SLogDet)):
        return None
    found = _shared_base(node)
    if found is None:
        return None
    base, transposed = found
    factors, pivots = lu_factor(base)
    if isinstance(op, Solve):
        x = apply_core(LUSolve(trans=int(transposed), b_ndim=op.b_ndim), factors, pivots, node.inputs[1])
        return fit_to(x, node.outputs[0])
    d = diag_part(factors)
    # getrf swapped row i with row piv[i], in turn: each piv[i] != i is one swap
    odd = at.eq(at.sum(at.neq(pivots, at.arange(pivots.shape[-1])), axis=-1) % 2, 1)
    if isinstance(op, Det):
        det = at.prod(d, axis=-1)
        return fit_to(at.switch(odd, -det, det), node.outputs[0])
    if d.type.numpy_dtype.kind != "f":
        return None  # the sign of a complex determinant is a phase: left to slogdet
    sign = at.prod(at.sign(d), axis=-1)
    return _fit_all([at.switch(odd, -sign, sign), at.sum(at.log(at.abs(d)), axis=-1)], node)


__all__ = ["MAX_USERS"]
