"""The tridiagonal LU ops (LAPACK's gttrf and gttrs, arignote/tensor/linalg/tridiagonal.py) on
JAX, which has no gttrf: LAPACK's algorithm (partial pivoting between neighbouring rows, a
second super-diagonal ``du2`` for the fill-in) and gtts2's substitutions written as loops, on
one system (a ``Blockwise`` node maps them over a batch).  The factors and pivots are
LAPACK's (1-based ``ipiv``), so the factors of one backend solve on another."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.linalg.tridiagonal import LUFactorTridiagonal, SolveLUFactorTridiagonal


def _magnitude(z: Any) -> Any:
    return jnp.abs(jnp.real(z)) + jnp.abs(jnp.imag(z))  # LAPACK's CABS1


def _eliminate(i: Any, state: tuple[Any, ...], fill: bool) -> tuple[Any, ...]:
    """gttrf's step at row ``i``: rows ``i`` and ``i + 1`` swapped when the sub-diagonal entry
    is the larger; ``fill`` for the rows that have a ``du[i + 1]`` (all but the last step)."""
    dl, d, du, du2, ipiv = state
    di, dli, dui, d_next = d[i], dl[i], du[i], d[i + 1]
    swap = _magnitude(di) < _magnitude(dli)
    nonzero = di != 0
    keep = dli / jnp.where(nonzero, di, 1)  # not swapped: the multiplier (none for a zero pivot)
    fact = di / jnp.where(dli == 0, 1, dli)  # swapped
    dl = dl.at[i].set(jnp.where(swap, fact, jnp.where(nonzero, keep, dli)))
    d = d.at[i].set(jnp.where(swap, dli, di))
    d = d.at[i + 1].set(jnp.where(swap, dui - fact * d_next, jnp.where(nonzero, d_next - keep * dui, d_next)))
    du = du.at[i].set(jnp.where(swap, d_next, dui))
    ipiv = ipiv.at[i].set(jnp.where(swap, i + 1, i))
    if fill:
        du_next = du[i + 1]
        du2 = du2.at[i].set(jnp.where(swap, du_next, jnp.zeros_like(du_next)))
        du = du.at[i + 1].set(jnp.where(swap, -fact * du_next, du_next))
    return dl, d, du, du2, ipiv


@jax_impl.register(LUFactorTridiagonal)
def _gttrf(op: LUFactorTridiagonal, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = node.outputs[0].type.numpy_dtype

    def run(dl: Any, d: Any, du: Any) -> Any:
        dl, d, du = (jnp.asarray(v, dtype) for v in (dl, d, du))
        n = d.shape[0]
        state = (dl, d, du, jnp.zeros(max(n - 2, 0), dtype), jnp.arange(n, dtype=np.int32))
        if n > 2:
            state = lax.fori_loop(0, n - 2, lambda i, s: _eliminate(i, s, True), state)
        if n > 1:
            state = _eliminate(n - 2, state, False)
        dl, d, du, du2, ipiv = state
        return dl, d, du, du2, ipiv + 1
    return run


def _solve(dl: Any, d: Any, du: Any, du2: Any, ipiv: Any, b: Any) -> Any:
    """gtts2 without transposition: ``L`` (with the row swaps), then ``U``."""
    n = d.shape[0]

    def forward(i: Any, b: Any) -> Any:
        ip = ipiv[i]
        other = 2 * i + 1 - ip  # the row of the pair {i, i + 1} that is not ip
        temp = b[other] - dl[i] * b[ip]
        return b.at[i].set(b[ip]).at[i + 1].set(temp)

    # (a loop is traced even when it runs no step: the short ones are skipped while tracing)
    if n > 1:
        b = lax.fori_loop(0, n - 1, forward, b)
    b = b.at[n - 1].set(b[n - 1] / d[n - 1])
    if n > 1:
        b = b.at[n - 2].set((b[n - 2] - du[n - 2] * b[n - 1]) / d[n - 2])

    def backward(k: Any, b: Any) -> Any:
        i = n - 3 - k
        return b.at[i].set((b[i] - du[i] * b[i + 1] - du2[i] * b[i + 2]) / d[i])

    return lax.fori_loop(0, n - 2, backward, b) if n > 2 else b


def _solve_transposed(dl: Any, d: Any, du: Any, du2: Any, ipiv: Any, b: Any) -> Any:
    """gtts2 transposed: ``U.T``, then ``L.T`` (with the row swaps, last first)."""
    n = d.shape[0]
    b = b.at[0].set(b[0] / d[0])
    if n > 1:
        b = b.at[1].set((b[1] - du[0] * b[0]) / d[1])

    def forward(i: Any, b: Any) -> Any:
        return b.at[i].set((b[i] - du[i - 1] * b[i - 1] - du2[i - 2] * b[i - 2]) / d[i])

    if n > 2:
        b = lax.fori_loop(2, n, forward, b)

    def backward(k: Any, b: Any) -> Any:
        i = n - 2 - k
        ip = ipiv[i]
        temp = b[i] - dl[i] * b[i + 1]
        return b.at[i].set(b[ip]).at[ip].set(temp)

    return lax.fori_loop(0, n - 1, backward, b) if n > 1 else b


@jax_impl.register(SolveLUFactorTridiagonal)
def _gttrs(op: SolveLUFactorTridiagonal, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = node.outputs[0].type.numpy_dtype
    solve = _solve_transposed if op.transposed else _solve

    def run(dl: Any, d: Any, du: Any, du2: Any, ipiv: Any, b: Any) -> Any:
        dl, d, du, du2, b = (jnp.asarray(v, dtype) for v in (dl, d, du, du2, b))
        if d.shape[0] == 0 or b.size == 0:
            return b
        columns = b if op.b_ndim == 2 else b[:, None]
        x = solve(dl, d, du, du2, jnp.asarray(ipiv, np.int32) - 1, columns)
        return x if op.b_ndim == 2 else x[:, 0]
    return run
