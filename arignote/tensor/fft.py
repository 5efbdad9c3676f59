"""Real fast Fourier transforms in PyTensor's layout: ``rfft`` and ``irfft``.

Complex numbers are stored as real arrays with a trailing axis of length 2
(real part, imaginary part), and the first axis is a batch: ``rfft`` of an
``(m, ..., n)`` array transforms each of the ``m`` arrays of shape ``(..., n)``
(``np.fft.rfftn`` over every axis but the first) and gives ``(m, ..., n//2+1, 2)``.

The ops :class:`RFFTOp` and :class:`IRFFTOp` are unnormalized (each sums
without dividing), and transform the last ``len(s)`` axes of their input to
the lengths ``s``; the functions apply the normalization ``norm`` asks for.
Both are linear, so their derivatives are each other (the half spectrum's
interior bins weighted by 2 or 1/2, as they stand for two bins of the full one).

Where arignote differs from PyTensor: an integer input is transformed in
float64 (PyTensor would give an integer array of truncated values).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule, Op
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.math import sqrt
from arignote.tensor.pad import pad
from arignote.tensor.shape import as_shape_vector, shape_entry_facts, shape_i, static_entries
from arignote.tensor.shape_inference import (
    add_dims,
    as_dim,
    dim,
    floordiv_dims,
    max_dims,
    mul_dims,
    sub_dims,
    vector_entries,
)
from arignote.tensor.subtensor import set_subtensor
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["IRFFTOp", "RFFTOp", "irfft", "irfft_op", "rfft", "rfft_op"]

_NORMS = (None, "ortho", "no_norm")


def _real_input(op: Op, a: Any) -> TensorVariable:
    a = as_tensor_variable(a)
    kind = a.type.numpy_dtype.kind
    if kind == "c":
        raise TypeError(f"{op}: the input must be real (complex numbers are stored as a trailing "
                        f"axis of 2), got {a.type}")
    if kind in "biu":
        a = cast(a, "float64")
    return a


def _lengths(op: Op, s: Any, a: TensorVariable, least: int) -> tuple[TensorVariable, int]:
    """``s`` as an int vector of static length, at most ``a.ndim - least``."""
    s = as_shape_vector(s, f"{op}: s")
    if s.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"{op}: the transform lengths s must be integers, got {s.type}")
    n = s.type.shape[0]
    if n is None:
        raise ValueError(f"{op}: the number of transformed axes (the length of s) must be known "
                         f"when the graph is built")
    if not 1 <= n <= a.ndim - least:
        raise ValueError(f"{op}: cannot transform {n} axes of an input of {a.ndim} dimensions "
                         f"({a.type})")
    return s, n


def checked_lengths(op: Op, s: np.ndarray) -> tuple[int, ...]:
    """The transform lengths ``s`` as ints, each positive (ValueError naming ``op`` else)."""
    lengths = tuple(int(v) for v in np.asarray(s).reshape(-1))
    if any(v < 1 for v in lengths):
        raise ValueError(f"{op}: transform lengths must be positive, got {lengths}")
    return lengths


class _BatchFirstTransform(Op):
    """What both transforms share: linear in the array (the tangent is transformed alike),
    and the first axis a batch axis (a new leading axis is one more)."""

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [None if tangents[0] is None else self(tangents[0], inputs[1])]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        if batched[1]:
            raise NoBatchingRule(f"{self}: the transform lengths vary along the batch")
        return [self(inputs[0], inputs[1])]


@dataclass(frozen=True)
class RFFTOp(_BatchFirstTransform):
    """Unnormalized ``np.fft.rfftn(a, s)`` over the last ``len(s)`` axes, with the complex
    result split into a trailing (real, imag) axis; the result has ``a``'s dtype."""

    def make_node(self, a: Any, s: Any = None) -> Apply:
        a = _real_input(self, a)
        if a.ndim < 2:
            raise TypeError(f"{self}: the input must have at least 2 dimensions, the first a "
                            f"batch, got {a.type}")
        if s is None:
            s = [shape_i(a, axis) for axis in range(1, a.ndim)]
        s, n = _lengths(self, s, a, 1)
        lengths = static_entries(shape_entry_facts(s, n))
        last = lengths[-1]
        out = (*a.type.shape[:a.ndim - n], *lengths[:-1], None if last is None else last // 2 + 1, 2)
        return Apply.build(self, [a, s], [TensorType(a.dtype, out)])

    def perform(self, a: np.ndarray, s: np.ndarray) -> np.ndarray:
        lengths = checked_lengths(self, s)
        axes = tuple(range(a.ndim - len(lengths), a.ndim))
        spectrum = np.fft.rfftn(a, s=lengths, axes=axes)
        return np.stack([spectrum.real, spectrum.imag], axis=-1).astype(a.dtype, copy=False)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        a_shape = input_shapes[0]
        n = node.inputs[1].type.shape[0]
        lengths = vector_entries(node.inputs[1], n)
        half = add_dims(floordiv_dims(lengths[-1], 2), 1)
        return [(*a_shape[:len(a_shape) - n], *lengths[:-1], half, dim(2))]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """The adjoint of the half spectrum is the unnormalized inverse transform, with each
        interior bin halved: the inverse counts it twice (it and its mirror image)."""
        a, s = inputs
        g = _scale_interior_bins(cotangents[0], s, 0.5)
        n = s.type.shape[0]
        # the transform crops a longer input and zero-pads a shorter one: the adjoint of either
        # is the other
        return [cast(_fit(IRFFTOp()(g, s), a, range(a.ndim - n, a.ndim)), a.dtype), None]



@dataclass(frozen=True)
class IRFFTOp(_BatchFirstTransform):
    """Unnormalized ``np.fft.irfftn`` (times ``prod(s)``) over the last ``len(s)`` axes of
    the complex array stored as a trailing (real, imag) axis; the result has the input's dtype."""

    def make_node(self, a: Any, s: Any = None) -> Apply:
        a = _real_input(self, a)
        if a.ndim < 3:
            raise TypeError(f"{self}: the input must have at least 3 dimensions, the first a batch "
                            f"and the last the real and imaginary parts, got {a.type}")
        if a.type.shape[-1] not in (None, 2):
            raise ValueError(f"{self}: the last axis holds the real and imaginary parts and must "
                             f"have length 2, got {a.type}")
        if s is None:
            s = [*(shape_i(a, axis) for axis in range(1, a.ndim - 2)),
                 mul_dims(add_dims(shape_i(a, a.ndim - 2), -1), 2)]
        s, n = _lengths(self, s, a, 2)
        lengths = static_entries(shape_entry_facts(s, n))
        out = (*a.type.shape[:a.ndim - 1 - n], *lengths)
        return Apply.build(self, [a, s], [TensorType(a.dtype, out)])

    def perform(self, a: np.ndarray, s: np.ndarray) -> np.ndarray:
        if a.shape[-1] != 2:
            raise ValueError(f"{self}: the last axis holds the real and imaginary parts and must "
                             f"have length 2, got shape {a.shape}")
        lengths = checked_lengths(self, s)
        axes = tuple(range(a.ndim - 1 - len(lengths), a.ndim - 1))
        values = np.fft.irfftn(a[..., 0] + 1j * a[..., 1], s=lengths, axes=axes, norm="forward")
        return np.asarray(values).astype(a.dtype, copy=False)  # "forward": no 1/n on the inverse

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        a_shape = input_shapes[0]
        n = node.inputs[1].type.shape[0]
        return [(*a_shape[:len(a_shape) - 1 - n], *vector_entries(node.inputs[1], n))]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """The adjoint is the forward transform with each interior bin doubled (it stands for
        itself and its mirror image); the imaginary parts of the bins the inverse reads as
        real (0, and n/2 for even n) get zero, as the forward transform gives them."""
        a, s = inputs
        g = _scale_interior_bins(RFFTOp()(cotangents[0], s), s, 2.0)
        n = s.type.shape[0]
        # the inverse reads the first n//2+1 bins (zeros past the input's end), and crops or
        # zero-pads the other axes to s: the adjoint fits the spectrum back to the input
        return [cast(_fit(g, a, range(a.ndim - 1 - n, a.ndim - 1)), a.dtype), None]



def _fit(x: TensorVariable, like: TensorVariable, axes: range) -> TensorVariable:
    """``x`` cropped or zero-padded at the end of each of ``axes`` to ``like``'s length there."""
    widths: list[tuple[Any, Any]] = [(0, 0)] * x.ndim
    key: list[Any] = [slice(None)] * x.ndim
    for axis in axes:
        have, want = x.type.shape[axis], like.type.shape[axis]
        if have is not None and have == want:
            continue
        length = shape_i(like, axis)
        widths[axis] = (0, max_dims(sub_dims(length, shape_i(x, axis)), 0))
        key[axis] = slice(None, length)
    if all(k == slice(None) for k in key):
        return x
    return pad(x, widths)[tuple(key)]


def _scale_interior_bins(spectrum: Any, s: Any, factor: float) -> TensorVariable:
    """``spectrum`` (..., n//2+1, 2) with the bins 1 .. (n-1)//2 of its frequency axis times
    ``factor``, n being the last transform length."""
    n = as_dim(s[-1])
    stop = add_dims(floordiv_dims(add_dims(n, -1), 2), 1)
    key = (Ellipsis, slice(1, stop), slice(None))
    return set_subtensor(spectrum[key], spectrum[key] * np.asarray(factor, spectrum.dtype))


rfft_op = RFFTOp()
irfft_op = IRFFTOp()


def _check_norm(norm: Any) -> None:
    if norm not in _NORMS:
        raise ValueError(f"Invalid value {norm!r} for norm, must be None, 'ortho' or 'no_norm'")


def _count(lengths: Sequence[Any], dtype: str) -> TensorVariable:
    """The number of points ``prod(lengths)``, as a 0-d of ``dtype``."""
    return cast(mul_dims(*lengths), dtype)


def rfft(inp: Any, norm: str | None = None) -> TensorVariable:
    """The FFT of each of the real arrays ``inp[i]`` of the batch (every axis but the first).

    ``inp`` of shape ``(m, ..., n)`` gives ``(m, ..., n//2+1, 2)``: the non-redundant half of
    each spectrum, real and imaginary parts on the last axis.  ``norm``: None (no scaling
    forward, 1/N inverse, as NumPy), ``"ortho"`` (1/sqrt(N) both ways) or ``"no_norm"``.
    """
    _check_norm(norm)
    inp = _real_input(rfft_op, inp)
    if inp.ndim < 2:
        raise TypeError(f"rfft: the input must have at least 2 dimensions, the first a batch, "
                        f"got {inp.type}")
    lengths = [shape_i(inp, axis) for axis in range(1, inp.ndim)]
    out = rfft_op(inp, lengths)
    if norm == "ortho":
        out = out / sqrt(_count(lengths, inp.dtype))
    return out


def irfft(inp: Any, norm: str | None = None, is_odd: bool = False) -> TensorVariable:
    """The inverse of :func:`rfft`: ``inp`` of shape ``(m, ..., k, 2)`` gives real arrays
    ``(m, ..., n)`` with ``n = 2(k-1)``, or ``2(k-1)+1`` when ``is_odd``.  ``norm`` as in
    :func:`rfft` (the default divides by the number of points N)."""
    if is_odd not in (True, False):
        raise ValueError(f"Invalid value {is_odd!r} for is_odd, must be True or False")
    _check_norm(norm)
    inp = _real_input(irfft_op, inp)
    if inp.ndim < 3:
        raise TypeError(f"irfft: the input must have at least 3 dimensions, the first a batch "
                        f"and the last the real and imaginary parts, got {inp.type}")
    last = add_dims(mul_dims(add_dims(shape_i(inp, inp.ndim - 2), -1), 2), int(is_odd))
    lengths = [*(shape_i(inp, axis) for axis in range(1, inp.ndim - 2)), last]
    out = irfft_op(inp, lengths)
    if norm is None:
        out = out / _count(lengths, inp.dtype)
    elif norm == "ortho":
        out = out / sqrt(_count(lengths, inp.dtype))
    return out
