"""Lowerings of the real FFTs (``jnp.fft``) and of the convolution core op.

The transform lengths of the FFT ops are shapes, so they are static inputs.
The convolution is lowered as a full or valid convolution of the two arrays
(``jnp.convolve`` in 1-d, ``jax.scipy.signal.convolve2d`` in 2-d); in valid
mode the larger array is slid over the smaller, whichever argument it is, as
SciPy does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import jax.scipy.signal as jsignal
import numpy as np

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.fft import IRFFTOp, RFFTOp, checked_lengths
from arignote.tensor.signal.conv import Convolve


@jax_impl.register(RFFTOp, static=(1,))
def _rfft(op: RFFTOp, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = node.outputs[0].type.numpy_dtype

    def run(a: Any, s: Any) -> Any:
        lengths = checked_lengths(op, s)
        a = jnp.asarray(a)
        axes = tuple(range(a.ndim - len(lengths), a.ndim))
        spectrum = jnp.fft.rfftn(a, s=lengths, axes=axes)
        return jnp.stack([spectrum.real, spectrum.imag], axis=-1).astype(dtype)
    return run


@jax_impl.register(IRFFTOp, static=(1,))
def _irfft(op: IRFFTOp, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = node.outputs[0].type.numpy_dtype

    def run(a: Any, s: Any) -> Any:
        lengths = checked_lengths(op, s)
        a = jnp.asarray(a)
        if a.shape[-1] != 2:
            raise ValueError(f"{op}: the last axis holds the real and imaginary parts and must "
                             f"have length 2, got shape {a.shape}")
        axes = tuple(range(a.ndim - 1 - len(lengths), a.ndim - 1))
        values = jnp.fft.irfftn(a[..., 0] + 1j * a[..., 1], s=lengths, axes=axes, norm="forward")
        return values.astype(dtype)
    return run


@jax_impl.register(Convolve)
def _convolve(op: Convolve, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    dtype = node.outputs[0].type.numpy_dtype

    def run(in1: Any, in2: Any) -> Any:
        in1, in2 = jnp.asarray(in1).astype(dtype), jnp.asarray(in2).astype(dtype)
        if in1.size == 0 or in2.size == 0:
            raise ValueError(f"{op}: the inputs must not be empty, got shapes {in1.shape} and "
                             f"{in2.shape}")
        if op.mode == "valid":
            if all(k >= n for n, k in zip(in1.shape, in2.shape)):
                in1, in2 = in2, in1  # convolution commutes: slide the larger over the smaller
            elif not all(n >= k for n, k in zip(in1.shape, in2.shape)):
                raise ValueError(f"{op}: in 'valid' mode one input must be at least as large as "
                                 f"the other along every axis, got shapes {in1.shape} and {in2.shape}")
        integral = np.dtype(dtype).kind in "biu"
        if integral:  # JAX convolves integers in float32; float64 sums them exactly up to 2**53
            in1, in2 = in1.astype(np.float64), in2.astype(np.float64)
        if op.ndim == 1:
            result = jnp.convolve(in1, in2, mode=op.mode, precision="highest")
        else:
            result = jsignal.convolve2d(in1, in2, mode=op.mode,  # type: ignore[arg-type]
                                        precision="highest")
        return (jnp.round(result) if integral else result).astype(dtype)
    return run
