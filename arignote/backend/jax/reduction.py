"""Lowerings of reductions (`CAReduce`, argmax/argmin) and softmax/log_softmax."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.scalar import math as sm
from arignote.tensor.reduction import Argmax, Argmin, CAReduce, _ufunc_of
from arignote.tensor.special import LogSoftmax, Softmax

#: scalar op type -> the JAX reduction taking (x, axis) in the accumulator dtype
_REDUCERS: dict[type, Callable[..., Any]] = {
    sm.Add: jnp.sum,
    sm.Mul: jnp.prod,
    sm.Maximum: jnp.max,
    sm.Minimum: jnp.min,
    sm.LogicalAnd: jnp.all,
    sm.LogicalOr: jnp.any,
}

#: reductions JAX runs with lax.reduce from NumPy's identity
_MONOIDS: dict[type, Callable[[Any, Any], Any]] = {
    sm.LogicalXor: lax.bitwise_xor,
    sm.BitwiseAnd: lax.bitwise_and,
    sm.BitwiseOr: lax.bitwise_or,
    sm.BitwiseXor: lax.bitwise_xor,
}


def _why_unsupported(node: Apply) -> str | None:
    kind = type(node.op.scalar_op)
    if kind in _REDUCERS or kind in _MONOIDS:
        return None
    return f"JAX has no reduction with {node.op.scalar_op}"


@jax_impl.register(CAReduce, unsupported=_why_unsupported)
def _careduce(op: CAReduce, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    in_dtype = node.inputs[0].type.dtype
    acc = np.dtype(op.accumulator_dtype(in_dtype))
    out = node.outputs[0].type.numpy_dtype
    ufunc = _ufunc_of(op.scalar_op)
    kind = type(op.scalar_op)
    initial = op.initial

    def run(x: Any) -> Any:
        x = jnp.asarray(x)
        axis = tuple(range(x.ndim)) if op.axis is None else op.axis
        if initial is None and ufunc.identity is None and any(x.shape[a] == 0 for a in axis):
            raise ValueError(f"zero-size array to reduction operation {ufunc.__name__} which has "
                             f"no identity")
        if kind in (sm.LogicalAnd, sm.LogicalOr, sm.LogicalXor):
            x = x.astype(bool)
        elif x.dtype != acc:
            x = x.astype(acc)
        if kind in _REDUCERS:
            kwargs = {} if initial is None else {"initial": np.asarray(initial).astype(acc)}
            result = _REDUCERS[kind](x, axis=axis, **kwargs)
        else:
            start = np.asarray(ufunc.identity if initial is None else initial).astype(x.dtype)
            result = lax.reduce(x, start, _MONOIDS[kind], axis)
        return result.astype(out) if result.dtype != out else result
    return run


@jax_impl.register(Argmax, Argmin)
def _argreduce(op: Argmax, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    fn = jnp.argmax if isinstance(op, Argmax) else jnp.argmin
    name = type(op).__name__.lower()

    def run(x: Any) -> Any:
        x = jnp.asarray(x)
        reduced = range(x.ndim) if op.axis is None else (op.axis,)
        if any(x.shape[a] == 0 for a in reduced):
            raise ValueError(f"attempt to get {name} of an empty sequence")
        if x.dtype.kind == "c":  # NumPy orders complex numbers lexicographically
            return _complex_argreduce(x, op.axis, isinstance(op, Argmax))
        return fn(x, axis=op.axis).astype(np.int64)
    return run


def _complex_argreduce(x: Any, axis: int | None, largest: bool) -> Any:
    if axis is None:
        x, axis = x.reshape(-1), 0
    real, imag = jnp.real(x), jnp.imag(x)
    pick = jnp.max if largest else jnp.min
    best_real = pick(real, axis=axis, keepdims=True)
    on_best = real == best_real
    masked = jnp.where(on_best, imag, -jnp.inf if largest else jnp.inf)
    arg = jnp.argmax if largest else jnp.argmin
    return arg(masked, axis=axis).astype(np.int64)


def _softmax(x: Any, axis: Any) -> Any:
    e = jnp.exp(x - jnp.max(x, axis=axis, keepdims=True))
    return e / jnp.sum(e, axis=axis, keepdims=True)


def _log_softmax(x: Any, axis: Any) -> Any:
    largest = jnp.max(x, axis=axis, keepdims=True)
    # an infinite maximum is not subtracted (it would make every entry NaN)
    shifted = x - jnp.where(jnp.isfinite(largest), largest, 0)
    return shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis=axis, keepdims=True))


@jax_impl.register(Softmax, LogSoftmax)
def _normalizer(op: Softmax, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    fn = _softmax if isinstance(op, Softmax) else _log_softmax
    out = node.outputs[0].type.numpy_dtype
    axis = op.axis

    def run(x: Any) -> Any:
        x = jnp.asarray(x).astype(out)
        if x.size == 0:
            return x
        return fn(x, axis)
    return run
