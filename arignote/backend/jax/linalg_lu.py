"""The lowering of ``LUSolve`` (getrs: a system solved with ``lu_factor``'s factor and pivots)
to ``jax.scipy.linalg.lu_solve``, on one matrix (a ``Blockwise`` node maps it over the batch).

A zero on ``U``'s diagonal (a singular matrix) gives NaNs, as the op's SciPy implementation
does (JAX would leave infinities)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import jax.scipy.linalg as jsl

from arignote.backend.jax.linalg import _diagonal, _nan_where, _rows_match, _square
from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.linalg.solves import LUSolve


@jax_impl.register(LUSolve)
def _lu_solve(op: LUSolve, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = node.outputs[0].type.numpy_dtype

    def run(factors: Any, pivots: Any, b: Any) -> Any:
        _square(factors, "lu")
        _rows_match(factors, b, op.b_ndim)
        factors, b = jnp.asarray(factors, dtype), jnp.asarray(b, dtype)
        x = jsl.lu_solve((factors, jnp.asarray(pivots, jnp.int32)), b, trans=op.trans)
        return _nan_where(jnp.any(_diagonal(factors) == 0, axis=-1), x)
    return run
