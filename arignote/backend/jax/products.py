"""Lowerings of products: dot, matmul, tensordot, diagonal, and the BLAS forms.

NumPy's ``bool`` products are logical (``any(a & b)``); JAX's ``dot`` does
not take booleans, so they are computed on integers and compared with 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.blas import Gemm, Gemv
from arignote.tensor.broadcasting import ShapeOnly, run_time_check
from arignote.tensor.products import Diagonal, Dot, MatMul, TensorDot

#: exact float products on every platform (TPUs and GPUs may otherwise use lower precision)
PRECISION = lax.Precision.HIGHEST


def _product(fn: Callable[[Any, Any], Any], out: np.dtype) -> Callable[..., Any]:
    def run(a: Any, b: Any) -> Any:
        a, b = jnp.asarray(a), jnp.asarray(b)
        if out == np.bool_:
            result = fn(a.astype(np.int64), b.astype(np.int64)) != 0
        else:
            result = fn(a.astype(out), b.astype(out))
        return result.astype(out)
    return run


def _aligned(what: str, n: int, m: int, a_shape: tuple[int, ...], b_shape: tuple[int, ...],
             a_axis: int, b_axis: int) -> None:
    if n != m:  # NumPy's error and wording (JAX raises a TypeError)
        raise ValueError(f"{what}: shapes {a_shape} and {b_shape} not aligned: {n} (dim {a_axis}) "
                         f"!= {m} (dim {b_axis})")


@jax_impl.register(Dot)
def _dot(op: Dot, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    product = _product(lambda a, b: jnp.dot(a, b, precision=PRECISION), node.outputs[0].type.numpy_dtype)

    # NumPy's dot pairs every leading axis of `a` with every leading axis of `b`
    # (an outer product over them): nothing broadcasts, so nothing is checked but the
    # contracted lengths.
    def run(a: Any, b: Any) -> Any:
        sa, sb = np.shape(a), np.shape(b)
        b_axis = max(len(sb) - 2, 0)
        _aligned("dot", sa[-1], sb[b_axis], sa, sb, len(sa) - 1, b_axis)
        return product(a, b)
    return run


@jax_impl.register(MatMul)
def _matmul(op: MatMul, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    product = _product(lambda a, b: jnp.matmul(a, b, precision=PRECISION),
                       node.outputs[0].type.numpy_dtype)

    a_var, b_var = node.inputs
    static_rule = run_time_check([a_var.type.shape[:-2], b_var.type.shape[:-2]], op)

    def run(a: Any, b: Any) -> Any:
        sa, sb = np.shape(a), np.shape(b)
        if static_rule is not None:
            static_rule([ShapeOnly(sa[:-2]), ShapeOnly(sb[:-2])])
        b_axis = max(len(sb) - 2, 0)
        if sa[-1] != sb[b_axis]:
            raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, "
                             f"with gufunc signature (n?,k),(k,m?)->(n?,m?) (size {sb[b_axis]} is "
                             f"different from {sa[-1]})")
        try:
            np.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            raise ValueError(f"matmul: the batch dimensions of shapes {sa} and {sb} cannot be "
                             f"broadcast together") from None
        return product(a, b)
    return run


@jax_impl.register(TensorDot)
def _tensordot(op: TensorDot, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    axes = (list(op.a_axes), list(op.b_axes))
    product = _product(lambda a, b: jnp.tensordot(a, b, axes=axes, precision=PRECISION),
                       node.outputs[0].type.numpy_dtype)

    def run(a: Any, b: Any) -> Any:
        sa, sb = np.shape(a), np.shape(b)
        for i, j in zip(op.a_axes, op.b_axes):
            if sa[i] != sb[j]:
                raise ValueError("shape-mismatch for sum")
        return product(a, b)
    return run


@jax_impl.register(Diagonal)
def _diagonal(op: Diagonal, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    return lambda x: jnp.diagonal(x, op.offset, op.axis1, op.axis2)


def _blas_form(op: Any, node: Apply) -> Callable[..., Any]:
    """``beta * z + alpha * dot(x, y)`` as NumPy computes it: XLA fuses it by itself."""
    dtype = node.outputs[0].type.numpy_dtype
    product = _product(lambda a, b: jnp.dot(a, b, precision=PRECISION), dtype)

    z_var, _, x_var, y_var, _ = node.inputs
    product_static = (x_var.type.shape[0],) + tuple(y_var.type.shape[1:])
    static_rule = run_time_check([z_var.type.shape, product_static], op)

    def run(z: Any, alpha: Any, x: Any, y: Any, beta: Any) -> Any:
        sx, sy = np.shape(x), np.shape(y)
        _aligned(str(op), sx[-1], sy[0], sx, sy, len(sx) - 1, 0)
        if static_rule is not None:
            static_rule([ShapeOnly(np.shape(z)), ShapeOnly((sx[0],) + tuple(sy[1:]))])
        result = jnp.asarray(beta) * jnp.asarray(z) + jnp.asarray(alpha) * product(x, y)
        return result.astype(dtype)
    return run


@jax_impl.register(Gemm, Gemv)
def _gemm(op: Gemm, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    return _blas_form(op, node)
