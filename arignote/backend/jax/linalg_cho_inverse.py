"""The lowering of ``CholeskyInverse`` (``inv(c @ c.T)`` from a Cholesky factor) to
``jax.scipy.linalg.cho_solve`` of the identity, on one matrix (a ``Blockwise`` node maps it
over the batch).  A zero on the factor's diagonal gives NaNs, as the op's LAPACK form does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import jax.scipy.linalg as jsl

from arignote.backend.jax.linalg import _diagonal, _nan_where, _square
from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.linalg.factor_inverses import CholeskyInverse


@jax_impl.register(CholeskyInverse)
def _cho_inverse(op: CholeskyInverse, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = node.outputs[0].type.numpy_dtype

    def run(c: Any) -> Any:
        _square(c, "c")
        c = jnp.asarray(c, dtype)
        # cho_solve reads only the factor's triangle, as potri does
        inverse = jsl.cho_solve((c, op.lower), jnp.eye(c.shape[-1], dtype=dtype))
        return _nan_where(jnp.any(_diagonal(c) == 0, axis=-1), inverse)
    return run
