"""Lowerings of the second set of linear-algebra ops (``svd``, ``eig``, ``eigvals``, ``qr``,
``expm``) to ``jax.numpy.linalg`` and ``jax.scipy.linalg``.

Each computes what the op's NumPy implementation does, on one matrix (a ``Blockwise`` node
maps it over the batch).  Singular vectors and ``Q``'s columns may differ from NumPy's in
sign (both are right); ``eig``'s eigenvectors may also differ by a complex phase and come in
another order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import jax.scipy.linalg as jsl

from arignote.backend.jax.linalg import _square
from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.linalg.common import linalg_output_dtype
from arignote.tensor.linalg.factorizations import QR
from arignote.tensor.linalg.functions import Expm
from arignote.tensor.linalg.spectral import SVD, Eig, Eigvals


@jax_impl.register(SVD)
def _svd(op: SVD, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = linalg_output_dtype(node.inputs[0].type.dtype)
    real = node.outputs[1 if op.compute_uv else 0].type.numpy_dtype

    def run(a: Any) -> Any:
        a = jnp.asarray(a, dtype)
        if not op.compute_uv:
            return jnp.linalg.svd(a, compute_uv=False).astype(real)
        u, s, vh = jnp.linalg.svd(a, full_matrices=op.full_matrices)
        return u, s.astype(real), vh
    return run


@jax_impl.register(QR)
def _qr(op: QR, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = linalg_output_dtype(node.inputs[0].type.dtype)

    def run(a: Any) -> Any:
        a = jnp.asarray(a, dtype)
        if op.mode == "r":
            return jnp.linalg.qr(a, mode="r")
        q, r = jnp.linalg.qr(a, mode=op.mode)
        return q, r
    return run


@jax_impl.register(Eig)
def _eig(op: Eig, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = linalg_output_dtype(node.inputs[0].type.dtype)
    out = node.outputs[0].type.numpy_dtype

    def run(a: Any) -> Any:
        _square(a)
        w, v = jnp.linalg.eig(jnp.asarray(a, dtype))
        return w.astype(out), v.astype(out)
    return run


@jax_impl.register(Eigvals)
def _eigvals(op: Eigvals, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = linalg_output_dtype(node.inputs[0].type.dtype)
    out = node.outputs[0].type.numpy_dtype

    def run(a: Any) -> Any:
        _square(a)
        return jnp.linalg.eigvals(jnp.asarray(a, dtype)).astype(out)
    return run


@jax_impl.register(Expm)
def _expm(op: Expm, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = node.outputs[0].type.numpy_dtype

    def run(a: Any) -> Any:
        _square(a)
        return jsl.expm(jnp.asarray(a, dtype))
    return run
