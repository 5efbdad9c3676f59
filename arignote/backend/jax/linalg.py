"""Lowerings of the linear-algebra ops (``arignote.tensor.linalg``) to ``jax.numpy.linalg``,
``jax.scipy.linalg`` and ``jax.lax.linalg``.

Each lowering computes what the op's NumPy implementation does, on one matrix (a
``Blockwise`` node maps it over the batch):

- a routine that reads one triangle (``cholesky``, ``eigh``, ``solve`` with ``sym``/``her``/
  ``pos``) is given that triangle mirrored, since JAX's versions read (or average) both;
- failures give what SciPy's give through the op: a factor or a solution of NaNs (JAX leaves
  infinities, or NaNs in part of a factor), ``LinAlgError`` for ``inv`` of a singular
  matrix and for ``cholesky(on_error="raise")`` (run-time checks; ``jax_fn`` has none);
- ``pinv`` cuts singular values at NumPy's relative bound (1e-15), not JAX's.

Eigenvectors may differ from SciPy's in sign (both are right).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
from jax import lax

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.linalg.common import linalg_output_dtype
from arignote.tensor.linalg.decompositions import LU, Cholesky, LUFactor
from arignote.tensor.linalg.eigen import Eigh, Eigvalsh
from arignote.tensor.linalg.inverses import Det, MatrixInverse, MatrixPinv, SLogDet
from arignote.tensor.linalg.pivots import PivotToPermutations
from arignote.tensor.linalg.solves import CholeskySolve, Solve, SolveTriangular

#: NumPy's default relative cutoff of ``pinv``'s singular values
PINV_RTOL = 1e-15


# --- helpers ------------------------------------------------------------------------------

def _dtype(node: Apply, position: int = 0) -> Any:
    return node.outputs[position].type.numpy_dtype


def _square(a: Any, what: str = "the matrix") -> None:
    """The ValueError of the op's NumPy implementation for a matrix that is not square
    (shapes are known while tracing; the backend names the op)."""
    shape = np.shape(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"{what} must be square, got shape {tuple(shape)}")


def _rows_match(a: Any, b: Any, b_ndim: int) -> None:
    sa, sb = np.shape(a), np.shape(b)
    rows = sb[-2] if b_ndim == 2 else sb[-1]
    if rows != sa[-1]:
        raise ValueError(f"a of shape {tuple(sa)} and b of shape {tuple(sb)} do not fit: "
                         f"b must have {sa[-1]} rows")


def _mirror(a: Any, lower: bool, hermitian: bool = True) -> Any:
    """The Hermitian (or, ``hermitian=False``, complex symmetric) matrix made of ``a``'s lower
    (or upper) triangle; for real matrices both are the symmetric one."""
    part = jnp.tril(a, -1) if lower else jnp.triu(a, 1)
    mirrored = jnp.swapaxes(part, -1, -2)
    if hermitian:
        mirrored = mirrored.conj()
    return (jnp.tril(a) if lower else jnp.triu(a)) + mirrored


def _diagonal(a: Any) -> Any:
    return jnp.diagonal(a, axis1=-2, axis2=-1)


def _nan_where(failed: Any, x: Any) -> Any:
    """``x``, or NaNs where ``failed`` (a flag per matrix)."""
    failed = jnp.reshape(failed, jnp.shape(failed) + (1,) * (jnp.ndim(x) - jnp.ndim(failed)))
    return jnp.where(failed, jnp.asarray(jnp.nan, x.dtype), x)


def _as_columns(b: Any, b_ndim: int) -> Any:
    return b[..., None] if b_ndim == 1 else b


def _from_columns(x: Any, b_ndim: int) -> Any:
    return x[..., 0] if b_ndim == 1 else x


def _lu_solve_or_nan(a: Any, b: Any, b_ndim: int) -> Any:
    """``a^-1 b`` by LU, NaNs where LAPACK's ``getrf`` reports a singular matrix (a zero pivot)."""
    factors, _, permutation = lax.linalg.lu(a)
    rhs = _as_columns(b, b_ndim)[..., permutation, :]
    y = lax.linalg.triangular_solve(factors, rhs, left_side=True, lower=True, unit_diagonal=True)
    x = lax.linalg.triangular_solve(factors, y, left_side=True, lower=False)
    return _nan_where(jnp.any(_diagonal(factors) == 0, axis=-1), _from_columns(x, b_ndim))


# --- factorisations -------------------------------------------------------------------------

@jax_impl.register(Cholesky)
def _cholesky(op: Cholesky, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _dtype(node)
    if op.on_error == "raise":
        ctx.needs_checks()

    def run(x: Any) -> Any:
        _square(x)
        x = jnp.asarray(x, dtype)
        factor = lax.linalg.cholesky(_mirror(x, op.lower), symmetrize_input=False)
        failed = jnp.any(jnp.isnan(factor), axis=(-2, -1))
        if op.on_error == "raise":
            ctx.check(~jnp.any(failed), np.linalg.LinAlgError, "Matrix is not positive definite")
        factor = _nan_where(failed, factor)  # JAX leaves the zeros of the other triangle
        return factor if op.lower else jnp.swapaxes(factor, -1, -2).conj()
    return run


@jax_impl.register(LU)
def _lu(op: LU, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _dtype(node, -1)
    perm_dtype = _dtype(node, 0)

    def run(x: Any) -> Any:
        _square(x)
        factors, _, permutation = lax.linalg.lu(jnp.asarray(x, dtype))
        n = factors.shape[-1]
        lower = jnp.tril(factors, -1) + jnp.eye(n, dtype=dtype)
        upper = jnp.triu(factors)
        # x[permutation] == L @ U, so x == L[p] @ U with p the inverse permutation
        p = jnp.argsort(permutation)
        if op.permute_l:
            return lower[p], upper
        if op.p_indices:
            return p.astype(perm_dtype), lower, upper
        return jnp.eye(n, dtype=perm_dtype)[p], lower, upper
    return run


@jax_impl.register(LUFactor)
def _lu_factor(op: LUFactor, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _dtype(node)

    def run(x: Any) -> Any:
        _square(x)
        factors, pivots, _ = lax.linalg.lu(jnp.asarray(x, dtype))
        return factors, pivots.astype(np.int32)
    return run


@jax_impl.register(PivotToPermutations)
def _pivots(op: PivotToPermutations, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    def run(pivots: Any) -> Any:
        n = np.shape(pivots)[-1]
        permutation = lax.linalg.lu_pivots_to_permutation(jnp.asarray(pivots, np.int32), n)
        out = permutation if op.inverse else jnp.argsort(permutation)
        return out.astype(np.int64)
    return run


@jax_impl.register(Eigh)
def _eigh(op: Eigh, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _dtype(node, 1)

    def run(a: Any) -> Any:
        _square(a)
        w, v = jnp.linalg.eigh(_mirror(jnp.asarray(a, dtype), op.lower), symmetrize_input=False)
        return w.astype(_dtype(node, 0)), v
    return run


@jax_impl.register(Eigvalsh)
def _eigvalsh(op: Eigvalsh, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = linalg_output_dtype(node.inputs[0].type.dtype)  # complex stays complex

    def run(a: Any) -> Any:
        _square(a)
        a = jnp.asarray(a, dtype)
        return jnp.linalg.eigvalsh(_mirror(a, op.lower), symmetrize_input=False).astype(_dtype(node))
    return run


# --- solves ---------------------------------------------------------------------------------

@jax_impl.register(Solve)
def _solve(op: Solve, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _dtype(node)

    def run(a: Any, b: Any) -> Any:
        _square(a, "a")
        _rows_match(a, b, op.b_ndim)
        a, b = jnp.asarray(a, dtype), jnp.asarray(b, dtype)
        if op.assume_a == "pos":
            factor = lax.linalg.cholesky(_mirror(a, op.lower), symmetrize_input=False)
            x = jsl.cho_solve((factor, True), b)
            return _nan_where(jnp.any(jnp.isnan(factor), axis=(-2, -1)), x)
        if op.assume_a == "tridiagonal":
            return _tridiagonal_solve(a, b, op.b_ndim)
        if op.assume_a in ("sym", "her"):
            a = _mirror(a, op.lower, hermitian=op.assume_a == "her")
        return _lu_solve_or_nan(a, b, op.b_ndim)
    return run


def _tridiagonal_solve(a: Any, b: Any, b_ndim: int) -> Any:
    """The three diagonals of ``a`` solved for ``b`` (LAPACK's ``gtsv``); NaNs where it fails."""
    d = _diagonal(a)
    zero = jnp.zeros(d.shape[:-1] + (1,), d.dtype)
    below = jnp.concatenate([zero, jnp.diagonal(a, -1, -2, -1)], axis=-1)
    above = jnp.concatenate([jnp.diagonal(a, 1, -2, -1), zero], axis=-1)
    x = _from_columns(lax.linalg.tridiagonal_solve(below, d, above, _as_columns(b, b_ndim)), b_ndim)
    # a singular system leaves infinities or NaNs: all NaNs, as SciPy's failure gives
    axes = (-1,) if b_ndim == 1 else (-2, -1)
    return _nan_where(~jnp.all(jnp.isfinite(x), axis=axes), x)


@jax_impl.register(SolveTriangular)
def _solve_triangular(op: SolveTriangular, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _dtype(node)

    def run(a: Any, b: Any) -> Any:
        _square(a, "a")
        _rows_match(a, b, op.b_ndim)
        a, b = jnp.asarray(a, dtype), jnp.asarray(b, dtype)
        x = lax.linalg.triangular_solve(a, _as_columns(b, op.b_ndim), left_side=True, lower=op.lower,
                                        unit_diagonal=op.unit_diagonal)
        x = _from_columns(x, op.b_ndim)
        if op.unit_diagonal:
            return x
        return _nan_where(jnp.any(_diagonal(a) == 0, axis=-1), x)  # LAPACK's trtrs fails there
    return run


@jax_impl.register(CholeskySolve)
def _cho_solve(op: CholeskySolve, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _dtype(node)

    def run(c: Any, b: Any) -> Any:
        _square(c, "c")
        _rows_match(c, b, op.b_ndim)
        c, b = jnp.asarray(c, dtype), jnp.asarray(b, dtype)
        factor = jnp.tril(c) if op.lower else jnp.triu(c)
        return jsl.cho_solve((factor, op.lower), b)
    return run


# --- inverses and determinants ---------------------------------------------------------------

@jax_impl.register(MatrixInverse)
def _inv(op: MatrixInverse, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _dtype(node)
    ctx.needs_checks()

    def run(x: Any) -> Any:
        _square(x)
        x = jnp.asarray(x, dtype)
        factors, _, permutation = lax.linalg.lu(x)
        # NumPy raises where LAPACK's getrf finds a zero pivot
        ctx.check(jnp.all(_diagonal(factors) != 0), np.linalg.LinAlgError, "Singular matrix")
        n = x.shape[-1]
        identity = jnp.eye(n, dtype=dtype)[permutation]
        y = lax.linalg.triangular_solve(factors, identity, left_side=True, lower=True, unit_diagonal=True)
        return lax.linalg.triangular_solve(factors, y, left_side=True, lower=False)
    return run


@jax_impl.register(MatrixPinv)
def _pinv(op: MatrixPinv, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _dtype(node)

    def run(x: Any) -> Any:
        x = jnp.asarray(x, dtype)
        if op.hermitian:  # NumPy reads the lower triangle alone
            _square(x)
            x = _mirror(x, lower=True)
        return jnp.linalg.pinv(x, rtol=PINV_RTOL, hermitian=op.hermitian)
    return run


@jax_impl.register(Det)
def _det(op: Det, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _dtype(node)

    def run(x: Any) -> Any:
        _square(x)
        return jnp.linalg.det(jnp.asarray(x, dtype))
    return run


@jax_impl.register(SLogDet)
def _slogdet(op: SLogDet, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _dtype(node)

    def run(x: Any) -> Any:
        _square(x)
        sign, logabsdet = jnp.linalg.slogdet(jnp.asarray(x, dtype))
        return sign.astype(dtype), logabsdet.astype(_dtype(node, 1))
    return run
