"""Lowerings of the structured-matrix ops (``kron`` of two matrices, ``block_diag``) to
``jax.numpy.kron`` and ``jax.scipy.linalg.block_diag``; a ``Blockwise`` node maps them over
the batch.  Both compute in the output dtype, as the NumPy implementations do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import jax.scipy.linalg as jsl

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.linalg.products import KroneckerProduct
from arignote.tensor.linalg.structure import BlockDiagonal


@jax_impl.register(KroneckerProduct)
def _kron(op: KroneckerProduct, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = node.outputs[0].type.numpy_dtype

    def run(a: Any, b: Any) -> Any:
        return jnp.kron(jnp.asarray(a, dtype), jnp.asarray(b, dtype))
    return run


@jax_impl.register(BlockDiagonal)
def _block_diag(op: BlockDiagonal, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = node.outputs[0].type.numpy_dtype

    def run(*blocks: Any) -> Any:
        return jsl.block_diag(*[jnp.asarray(b, dtype) for b in blocks])
    return run
