"""Lowerings of the control-theory equations, the Schur decompositions, least squares and
the generalized symmetric eigenproblem to ``jax.scipy.linalg``, ``jax.numpy.linalg`` and
``jax.lax``.

Each computes what the op's NumPy implementation does, on one set of matrices (a
``Blockwise`` node maps it over the batch).  Where JAX lacks SciPy's routine:

- Lyapunov equations go through ``jax.scipy.linalg.solve_sylvester`` (Bartels–Stewart, on
  the CPU, as JAX's ``schur``): the continuous one is Sylvester's with ``B = A^H``, the
  discrete one is turned into a continuous one by the bilinear transform (SciPy's
  ``"bilinear"``) or solved as a linear system of size ``n**2`` (``"direct"``);
- the discrete Riccati equation by the structure-preserving doubling algorithm (Chu, Fan
  and Lin, 2005): SciPy's QZ has no JAX counterpart, the doubling needs only products and
  solves and converges quadratically to the stabilizing solution (NaNs if it does not
  converge in 100 doublings; ``R`` must be invertible);
- ``lstsq`` from the SVD, since the cutoff ``rcond`` may be a traced value.  Its residuals
  have the length NumPy gives a full-rank ``a`` (JAX needs it while tracing): for a
  rank-deficient tall ``a`` they are computed, where NumPy gives none;
- ``qz``/``ordqz``: JAX has no QZ decomposition; compiling one raises ``JaxCompileError`` (a
  ``NotImplementedError``) naming it.  ``schur`` with ``sort`` likewise (JAX's ``schur``
  does not reorder).

Schur vectors may differ from SciPy's (signs, phases, order within the freedom the
decomposition leaves); they reconstruct the same matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
from jax import lax

from arignote.backend.jax.linalg import _nan_where, _square
from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.linalg.common import linalg_output_dtype
from arignote.tensor.linalg.control import (
    SolveContinuousLyapunov,
    SolveDiscreteARE,
    SolveDiscreteLyapunov,
    SolveSylvester,
    check_equation_shapes,
)
from arignote.tensor.linalg.eigen import GeneralizedEigh, GeneralizedEigvalsh
from arignote.tensor.linalg.lstsq import Lstsq
from arignote.tensor.linalg.schur import QZ, Schur

#: the doubling iteration of the Riccati equation: at most this many steps (each squares the
#: error: far more than enough where it converges)
DARE_MAX_STEPS = 100
#: SciPy's ``"auto"`` method of the discrete Lyapunov equation: direct below this size
DIRECT_BELOW = 10


def _mH(x: Any) -> Any:
    return jnp.conj(jnp.swapaxes(x, -1, -2))


def _all_finite(*values: Any) -> Any:
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(v)) for v in values]))


def _out(node: Apply, position: int = 0) -> Any:
    return node.outputs[position].type.numpy_dtype


def _shapes(**values: Any) -> dict[str, tuple[int, ...]]:
    """The shapes (known while tracing) of the named inputs, for the op's own checks."""
    return {name: tuple(np.shape(v)) for name, v in values.items()}


def _empty(*values: Any) -> bool:
    """Whether an input is empty: the result is then empty too (JAX's routines index it)."""
    return any(np.size(v) == 0 for v in values)


# --- Sylvester and Lyapunov -------------------------------------------------------------------

def _sylvester(a: Any, b: Any, q: Any) -> Any:
    """``X`` with ``a X + X b = q``, NaNs where the inputs are not finite (SciPy's routine
    raises on them; the op gives NaNs)."""
    x = jsl.solve_sylvester(a, b, q)
    return _nan_where(~(_all_finite(a, b, q) & jnp.all(jnp.isfinite(x))), x)


@jax_impl.register(SolveSylvester)
def _solve_sylvester(op: SolveSylvester, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _out(node)

    def run(a: Any, b: Any, q: Any) -> Any:
        check_equation_shapes(_shapes(A=a, B=b, Q=q), ["A", "B"], [("A", 0, "Q", 0), ("B", 0, "Q", 1)])
        if _empty(a, b, q):
            return jnp.zeros(np.shape(q), dtype)
        return _sylvester(jnp.asarray(a, dtype), jnp.asarray(b, dtype), jnp.asarray(q, dtype))
    return run


@jax_impl.register(SolveContinuousLyapunov)
def _solve_continuous_lyapunov(op: SolveContinuousLyapunov, node: Apply,
                               ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _out(node)

    def run(a: Any, q: Any) -> Any:
        check_equation_shapes(_shapes(A=a, Q=q), ["A", "Q"], [("A", 0, "Q", 0)])
        if _empty(a, q):
            return jnp.zeros(np.shape(q), dtype)
        a = jnp.asarray(a, dtype)
        return _sylvester(a, _mH(a), jnp.asarray(q, dtype))
    return run


def _discrete_lyapunov_direct(a: Any, q: Any) -> Any:
    """``X = a X a^H + q`` as the linear system ``(I - a ⊗ conj(a)) vec(X) = vec(q)`` (row-major
    vec: ``vec(a X b^T) = (a ⊗ b) vec(X)``)."""
    n = a.shape[-1]
    system = jnp.eye(n * n, dtype=a.dtype) - jnp.kron(a, jnp.conj(a))
    x = jnp.linalg.solve(system, jnp.reshape(q, (n * n,)))
    return jnp.reshape(x, (n, n))


def _discrete_lyapunov_bilinear(a: Any, q: Any) -> Any:
    """The bilinear transform: with ``b = (a^H + I)^-1 (a^H - I)`` and
    ``c = 2 (a + I)^-1 q (a^H + I)^-1``, ``X`` solves ``b^H X + X b = -c``."""
    eye = jnp.eye(a.shape[-1], dtype=a.dtype)
    ah = _mH(a)
    b = jnp.linalg.solve(ah + eye, ah - eye)
    c = 2 * _mH(jnp.linalg.solve(_mH(ah + eye), _mH(jnp.linalg.solve(a + eye, q))))
    return jsl.solve_sylvester(_mH(b), b, -c)


@jax_impl.register(SolveDiscreteLyapunov)
def _solve_discrete_lyapunov(op: SolveDiscreteLyapunov, node: Apply,
                             ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _out(node)

    def run(a: Any, q: Any) -> Any:
        check_equation_shapes(_shapes(A=a, Q=q), ["A", "Q"], [("A", 0, "Q", 0)])
        if _empty(a, q):
            return jnp.zeros(np.shape(q), dtype)
        a, q = jnp.asarray(a, dtype), jnp.asarray(q, dtype)
        direct = op.method == "direct" or (op.method == "auto" and a.shape[-1] < DIRECT_BELOW)
        x = _discrete_lyapunov_direct(a, q) if direct else _discrete_lyapunov_bilinear(a, q)
        return _nan_where(~(_all_finite(a, q) & jnp.all(jnp.isfinite(x))), x)
    return run


# --- discrete algebraic Riccati equation --------------------------------------------------------

def _dare_doubling(a: Any, b: Any, q: Any, r: Any) -> Any:
    """The stabilizing solution of ``X = a^H X a - a^H X b (r + b^H X b)^-1 b^H X a + q``, i.e.
    ``X = a^H X (I + g X)^-1 a + q`` with ``g = b r^-1 b^H``, by doubling: ``h_k`` converges
    to ``X``, with ``w = I + g_k h_k``:
    ``a_{k+1} = a_k w^-1 a_k``, ``g_{k+1} = g_k + a_k w^-1 g_k a_k^H``,
    ``h_{k+1} = h_k + a_k^H h_k w^-1 a_k``."""
    n = a.shape[-1]
    eye = jnp.eye(n, dtype=a.dtype)
    g = b @ jnp.linalg.solve(r, _mH(b))
    eps = jnp.finfo(a.dtype).eps

    def step(state: Any) -> Any:
        ak, gk, hk, _, k = state
        w = eye + gk @ hk
        w_ak = jnp.linalg.solve(w, ak)            # w^-1 a_k
        w_gk = jnp.linalg.solve(w, gk)            # w^-1 g_k
        new_h = hk + _mH(ak) @ hk @ w_ak
        change = jnp.max(jnp.abs(new_h - hk)) / jnp.maximum(jnp.max(jnp.abs(new_h)), 1)
        return ak @ w_ak, gk + ak @ w_gk @ _mH(ak), new_h, change, k + 1

    def going(state: Any) -> Any:
        _, _, _, change, k = state
        # a NaN (a singular w) stops it; the result is then NaNs
        return (k < DARE_MAX_STEPS) & (change > 10 * n * eps) & ~jnp.isnan(change)

    start = (a, g, q, jnp.asarray(jnp.inf, dtype=jnp.finfo(a.dtype).dtype), jnp.asarray(0))
    _, _, x, change, _ = lax.while_loop(going, step, start)
    x = (x + _mH(x)) / 2
    # the increments vanish quadratically, to exact zeros once a_k underflows: a change at
    # the rounding level (where it may stall for ill-conditioned problems) counts as converged
    converged = change <= jnp.sqrt(eps)
    return _nan_where(~(converged & _all_finite(a, b, q, r) & jnp.all(jnp.isfinite(x))), x)


@jax_impl.register(SolveDiscreteARE)
def _solve_discrete_are(op: SolveDiscreteARE, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _out(node)

    def run(a: Any, b: Any, q: Any, r: Any) -> Any:
        check_equation_shapes(_shapes(A=a, B=b, Q=q, R=r), ["A", "Q", "R"],
                      [("A", 0, "Q", 0), ("A", 0, "B", 0), ("B", 1, "R", 0)])
        if _empty(a, b, q, r):
            return jnp.zeros(np.shape(a), dtype)
        a, b, q, r = (jnp.asarray(v, dtype) for v in (a, b, q, r))
        # the op reads Q and R through their Hermitian parts
        return _dare_doubling(a, b, (q + _mH(q)) * 0.5, (r + _mH(r)) * 0.5)
    return run


# --- Schur and QZ -----------------------------------------------------------------------------

def _schur_unsupported(node: Apply) -> str | None:
    if node.op.sort is not None:
        return (f"JAX's schur does not reorder the eigenvalues (sort={node.op.sort!r}); "
                "use another backend, or sort=None")
    return None


@jax_impl.register(Schur, unsupported=_schur_unsupported)
def _schur(op: Schur, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _out(node)
    work = linalg_output_dtype(node.inputs[0].type.dtype)

    def run(a: Any) -> Any:
        _square(a, "A")
        if _empty(a):
            return jnp.zeros(np.shape(a), dtype), jnp.zeros(np.shape(a), dtype)
        a = jnp.asarray(a, work)
        if op.output == "complex":
            a = a.astype(dtype)
        t, z = jsl.schur(a, output=op.output)
        bad = ~_all_finite(a)
        return _nan_where(bad, t.astype(dtype)), _nan_where(bad, z.astype(dtype))
    return run


def _qz_unsupported(node: Apply) -> str:
    return ("JAX has no QZ (generalized Schur) decomposition (neither jax.scipy.linalg nor "
            "jax.lax.linalg); qz/ordqz run on the other backends")


@jax_impl.register(QZ, unsupported=_qz_unsupported)
def _qz(op: QZ, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    raise NotImplementedError(_qz_unsupported(node))


# --- least squares and the generalized eigenvalues ---------------------------------------------

@jax_impl.register(Lstsq)
def _lstsq(op: Lstsq, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = _out(node)
    real = _out(node, 1)

    def run(a: Any, b: Any, rcond: Any) -> Any:
        if np.ndim(a) != 2:  # the op's own error (a node PyTensor's lstsq builds for any rank)
            raise np.linalg.LinAlgError(f"{np.ndim(a)}-dimensional array given. Array must be "
                                        f"two-dimensional")
        rows, cols = np.shape(a)
        if np.shape(b)[0] != rows:
            raise ValueError(f"a of shape {np.shape(a)} and b of shape {np.shape(b)} do not fit: b must "
                             f"have {rows} rows")
        a, b = jnp.asarray(a, dtype), jnp.asarray(b, dtype)
        column = b[:, None] if op.b_ndim == 1 else b
        u, s, vh = jnp.linalg.svd(a, full_matrices=False)
        # LAPACK's gelsd: a negative rcond means machine precision
        cutoff = jnp.where(rcond < 0, jnp.finfo(dtype).eps, rcond) * (s[0] if s.size else 0)
        kept = s > cutoff
        inverse = jnp.where(kept, 1 / jnp.where(kept, s, 1), 0)
        x = _mH(vh) @ (inverse[:, None] * (_mH(u) @ column))
        if rows > cols:
            residuals = jnp.sum(jnp.abs(column - a @ x) ** 2, axis=0).astype(real)
        else:
            residuals = jnp.zeros((0,), dtype=real)
        rank = jnp.sum(kept).astype("int32")
        return (x[:, 0] if op.b_ndim == 1 else x), residuals, rank, s.astype(real)
    return run


def _mirror(x: Any, lower: bool) -> Any:
    """The Hermitian matrix whose ``lower`` (or upper) triangle is that of ``x``."""
    part = jnp.tril(x, -1) if lower else jnp.triu(x, 1)
    return (jnp.tril(x) if lower else jnp.triu(x)) + _mH(part)


def _generalized_eigh(a: Any, b: Any, lower: bool) -> tuple[Any, Any, Any]:
    """``w``, ``v`` (``v^H b v = I``) of ``a v = w b v`` and whether ``b`` failed to factor.
    With ``b = L L^H``: the eigenpairs ``w, u`` of ``L^-1 a L^-H``, and ``v = L^-H u``
    (rather than ``jax.scipy.linalg.eigh(a, b)``: its Cholesky is ours to check)."""
    a, b = _mirror(a, lower), _mirror(b, lower)
    factor = jnp.linalg.cholesky(b)
    left = jsl.solve_triangular(factor, a, lower=True)
    inner = _mH(jsl.solve_triangular(factor, _mH(left), lower=True))
    w, u = jnp.linalg.eigh(inner, symmetrize_input=True)
    v = jsl.solve_triangular(factor, u, lower=True, trans="C")
    # not positive definite: JAX's Cholesky gives NaNs (the caller turns all into NaNs)
    return w, v, ~jnp.all(jnp.isfinite(factor))


def _check_pair(a: Any, b: Any) -> None:
    _square(a, "a")
    _square(b, "b")
    if np.shape(a) != np.shape(b):
        raise ValueError(f"a and b must have the same shape, got {np.shape(a)} and {np.shape(b)}")


@jax_impl.register(GeneralizedEigvalsh)
def _generalized_eigvalsh(op: GeneralizedEigvalsh, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = linalg_output_dtype(node.inputs[0].type.dtype, node.inputs[1].type.dtype)
    real = _out(node)

    def run(a: Any, b: Any) -> Any:
        _check_pair(a, b)
        if _empty(a):
            return jnp.zeros((0,), real)
        w, _, failed = _generalized_eigh(jnp.asarray(a, dtype), jnp.asarray(b, dtype), op.lower)
        return _nan_where(failed, w.astype(real))
    return run


@jax_impl.register(GeneralizedEigh)
def _generalized_eigh_op(op: GeneralizedEigh, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype, real = _out(node, 1), _out(node)

    def run(a: Any, b: Any) -> Any:
        _check_pair(a, b)
        if _empty(a):
            return jnp.zeros((0,), real), jnp.zeros((0, 0), dtype)
        w, v, failed = _generalized_eigh(jnp.asarray(a, dtype), jnp.asarray(b, dtype), op.lower)
        return _nan_where(failed, w.astype(real)), _nan_where(failed, v)
    return run
