"""Lowerings of sorting, cumulative ops, differences and binary search.

``bincount``, ``unique``, ``nonzero`` and ``flatnonzero`` have no lowering:
the length of their result depends on the values, which JAX cannot trace.
They still work on values known while tracing (constants, shapes), which
are computed with NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.extra_ops import CumOp, Diff, SearchSorted
from arignote.tensor.sort import ArgSort, Sort


def _complex_keys(x: Any) -> list[Any]:
    """Sort keys giving NumPy's order of complex numbers: lexicographic, then those with
    a NaN imaginary part, a NaN real part, and both NaN (JAX orders NaNs differently)."""
    real, imag = jnp.real(x), jnp.imag(x)
    real_nan, imag_nan = jnp.isnan(real), jnp.isnan(imag)
    group = jnp.where(real_nan, 2, 0) + jnp.where(imag_nan, 1, 0)
    group = jnp.where(real_nan & ~imag_nan, 2, jnp.where(real_nan, 3, group))
    return [group.astype(np.int8), jnp.where(real_nan, 0, real), jnp.where(imag_nan, 0, imag)]


def _sorted(x: Any, axis: int | None, indices: bool) -> Any:
    x = jnp.asarray(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if x.dtype.kind != "c":  # NaNs last, as in NumPy
        return jnp.argsort(x, axis=axis, stable=True).astype(np.int64) if indices else jnp.sort(x, axis=axis)
    keys = _complex_keys(x)
    iota = lax.broadcasted_iota(np.int64, x.shape, axis)
    results = lax.sort([*keys, x, iota], dimension=axis, is_stable=True, num_keys=len(keys))
    return results[-1] if indices else results[-2]


@jax_impl.register(Sort)
def _sort(op: Sort, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    return lambda x: _sorted(x, op.axis, indices=False)


@jax_impl.register(ArgSort)
def _argsort(op: ArgSort, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    return lambda x: _sorted(x, op.axis, indices=True)


@jax_impl.register(CumOp)
def _cumulative(op: CumOp, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    fn = jnp.cumsum if op.mode == "add" else jnp.cumprod
    dtype = node.outputs[0].type.numpy_dtype
    return lambda x: fn(jnp.asarray(x), axis=op.axis, dtype=dtype)


@jax_impl.register(Diff)
def _diff(op: Diff, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    # jnp.diff, like NumPy's, compares booleans with "!=" instead of subtracting
    return lambda x: jnp.diff(jnp.asarray(x), n=op.n, axis=op.axis)


@jax_impl.register(SearchSorted)
def _searchsorted(op: SearchSorted, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    if len(node.inputs) == 3:
        ctx.needs_checks()
    def run(a: Any, v: Any, sorter: Any = None) -> Any:
        a = jnp.asarray(a)
        if sorter is not None:
            sorter = jnp.asarray(sorter)
            n = a.shape[0]
            ctx.check(jnp.all((sorter >= 0) & (sorter < n)), ValueError, "Sorter index out of range.")
            a = a[sorter]
        common = np.result_type(a.dtype, np.asarray(v).dtype if isinstance(v, np.ndarray) else v.dtype)
        out = jnp.searchsorted(a.astype(common), jnp.asarray(v).astype(common), side=op.side)
        return out.astype(np.int64)
    return run
