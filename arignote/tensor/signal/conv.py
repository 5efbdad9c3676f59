"""Discrete linear convolution: ``convolve1d`` and ``convolve2d``, batched over leading dims.

The core op :class:`Convolve` convolves two arrays of ``ndim`` (1 or 2)
dimensions in mode ``"full"`` or ``"valid"`` (SciPy's ``signal.convolve``);
the functions lift it over the leading batch dims of their inputs
(:func:`arignote.tensor.blockwise.blockwise`) and build ``"same"`` mode and
the boundaries of ``convolve2d`` from padding and a ``"valid"`` convolution.

In ``"valid"`` mode one input must be at least as large as the other along
every axis (in 1-d always so); the larger is the one slid over, whichever
argument it is, as in NumPy and SciPy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.signal

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.scalar.basic import upcast
from arignote.tensor.alloc import zeros
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.blockwise import blockwise
from arignote.tensor.join import flip, join
from arignote.tensor.pad import pad
from arignote.tensor.shape import shape_i
from arignote.tensor.shape_inference import add_dims, floordiv_dims, max_dims, min_dims, sub_dims
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["Convolve", "convolve1d", "convolve2d"]

_MODES = ("full", "valid", "same")
_CORE_MODES = ("full", "valid")
_BOUNDARIES = ("fill", "wrap", "symm")
_METHODS = ("auto", "direct", "fft")


def _check_choice(what: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def _dominates(a: Sequence[int | None], b: Sequence[int | None]) -> bool | None:
    """Whether ``a >= b`` along every axis (None when some length is unknown)."""
    if None in a or None in b:
        return None
    return all(x >= y for x, y in zip(a, b))  # type: ignore[operator]


@dataclass(frozen=True)
class Convolve(Op):
    """``scipy.signal.convolve(in1, in2, mode, method)`` of two ``ndim``-dimensional arrays
    (the core op of :func:`convolve1d` and :func:`convolve2d`)."""

    ndim: int
    mode: str = "full"
    method: str = "auto"

    def __post_init__(self) -> None:
        if self.ndim not in (1, 2):
            raise ValueError(f"Convolve: ndim must be 1 or 2, got {self.ndim!r}")
        _check_choice("Convolve: mode", self.mode, _CORE_MODES)
        _check_choice("Convolve: method", self.method, _METHODS)

    @property
    def gufunc_signature(self) -> str:
        dims = range(self.ndim)
        return (f"({','.join(f'n{i}' for i in dims)}),({','.join(f'k{i}' for i in dims)})"
                f"->({','.join(f'o{i}' for i in dims)})")

    def make_node(self, in1: Any, in2: Any) -> Apply:
        in1, in2 = as_tensor_variable(in1), as_tensor_variable(in2)
        if in1.ndim != self.ndim or in2.ndim != self.ndim:
            raise ValueError(f"{self}: both inputs must have {self.ndim} dimension(s), got "
                             f"{in1.type} and {in2.type}")
        n, k = in1.type.shape, in2.type.shape
        if 0 in n or 0 in k:
            raise ValueError(f"{self}: the inputs must not be empty, got {in1.type} and {in2.type}")
        if self.mode == "valid" and _dominates(n, k) is False and _dominates(k, n) is False:
            raise ValueError(f"{self}: in 'valid' mode one input must be at least as large as the "
                             f"other along every axis, got {in1.type} and {in2.type}")
        out: list[int | None] = []
        for a, b in zip(n, k):
            if a is None or b is None:
                out.append(None)
            else:
                out.append(a + b - 1 if self.mode == "full" else abs(a - b) + 1)
        dtype = upcast(in1.dtype, in2.dtype).name
        return Apply.build(self, [in1, in2], [TensorType(dtype, tuple(out))])

    def py_impl(self, node: Apply) -> Any:
        # the node's dtype, decided when it was built (the casting policy may differ now)
        dtype = node.outputs[0].type.numpy_dtype
        return lambda in1, in2: self.perform(in1, in2, dtype)

    def perform(self, in1: np.ndarray, in2: np.ndarray, dtype: Any = None) -> np.ndarray:
        if in1.size == 0 or in2.size == 0:
            raise ValueError(f"{self}: the inputs must not be empty, got shapes {in1.shape} and "
                             f"{in2.shape}")
        if self.ndim == 1:
            # NumPy's direct sum: what SciPy's "direct" method calls in 1-d, and PyTensor's choice
            result = np.convolve(in1, in2, mode=self.mode)  # type: ignore[call-overload]
        else:
            result = scipy.signal.convolve(in1, in2, mode=self.mode, method=self.method)
        return np.asarray(result).astype(upcast(in1.dtype, in2.dtype) if dtype is None else dtype,
                                         copy=False)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        n, k = input_shapes
        if self.mode == "full":
            return [tuple(add_dims(a, b, -1) for a, b in zip(n, k))]
        return [tuple(add_dims(sub_dims(max_dims(a, b), min_dims(a, b)), 1) for a, b in zip(n, k))]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Each input's cotangent is the output's cotangent correlated with the other input
        (a convolution with it flipped), cut to the input's size."""
        in1, in2 = inputs
        g = cotangents[0]
        return [cast(self._adjoint(g, in1, in2), in1.dtype), cast(self._adjoint(g, in2, in1), in2.dtype)]

    def _adjoint(self, g: Any, x: Any, other: Any) -> TensorVariable:
        """The cotangent of ``x`` (convolved with ``other``) given the output's ``g``."""
        flipped = flip(other)
        if self.mode == "full":  # g covers x slid along all of other
            return Convolve(self.ndim, "valid", self.method)(g, flipped)
        n, k = x.type.shape, other.type.shape
        if _dominates(n, k):  # out = |n-k|+1, and out + k - 1 = n
            return Convolve(self.ndim, "full", self.method)(g, flipped)
        if _dominates(k, n):  # other was slid over x: out = k-n+1, and k - out + 1 = n
            return Convolve(self.ndim, "valid", self.method)(g, flipped)
        # either may be the larger at run time: the full correlation has length |n-k|+k,
        # of which x's part starts at k - min(n, k) (0 when x is the larger)
        full = Convolve(self.ndim, "full", self.method)(g, flipped)
        key = []
        for axis in range(self.ndim):
            n_a, k_a = shape_i(x, axis), shape_i(other, axis)
            start = sub_dims(k_a, min_dims(n_a, k_a))
            key.append(slice(start, add_dims(start, n_a)))
        return full[tuple(key)]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        in1, in2 = inputs
        t1, t2 = tangents
        dtype = outputs[0].dtype
        parts = []
        if t1 is not None:
            parts.append(self(t1, in2))
        if t2 is not None:
            parts.append(self(in1, t2))
        if not parts:
            return [None]
        return [cast(parts[0] if len(parts) == 1 else parts[0] + parts[1], dtype)]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        return [blockwise(self, *inputs)]


def _inputs(in1: Any, in2: Any, ndim: int, where: str) -> tuple[TensorVariable, TensorVariable]:
    in1, in2 = as_tensor_variable(in1), as_tensor_variable(in2)
    for name, x in (("in1", in1), ("in2", in2)):
        if x.ndim < ndim:
            raise ValueError(f"{where}: {name} must have at least {ndim} dimension(s), got {x.type}")
    return in1, in2


def convolve1d(in1: Any, in2: Any, mode: str = "full") -> TensorVariable:
    """Discrete linear convolution of the 1-d arrays on the last axis of ``in1`` and ``in2``
    (leading dims are batch dims, broadcast together).

    ``mode``: ``"full"`` (length N+M-1), ``"valid"`` (max(N, M) - min(N, M) + 1: the points
    that need no zero padding) or ``"same"`` (length N, centred on the full result).
    """
    _check_choice("convolve1d: mode", mode, _MODES)
    in1, in2 = _inputs(in1, in2, 1, "convolve1d")
    if mode == "same":
        # the full result centred on in1's length: pad in1 with zeros and keep the valid part
        k = shape_i(in2, in2.ndim - 1)
        batch = [shape_i(in1, axis) for axis in range(in1.ndim - 1)]
        left = zeros([*batch, floordiv_dims(k, 2)], dtype=in1.dtype)
        right = zeros([*batch, floordiv_dims(add_dims(k, -1), 2)], dtype=in1.dtype)
        in1, mode = join(-1, left, in1, right), "valid"
    # PyTensor's 1-d convolution is NumPy's direct sum
    return blockwise(Convolve(1, mode, "direct"), in1, in2)


_PAD_MODES = {"fill": "constant", "wrap": "wrap", "symm": "symmetric"}


def convolve2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
               fillvalue: Any = 0, method: str = "auto") -> TensorVariable:
    """Discrete linear convolution of the 2-d arrays on the last two axes of ``in1`` and
    ``in2`` (leading dims are batch dims), as ``scipy.signal.convolve2d``.

    ``mode`` as in :func:`convolve1d`; ``boundary``: how ``in1`` is extended beyond its
    edges, ``"fill"`` (with ``fillvalue``), ``"wrap"`` (periodically) or ``"symm"``
    (mirrored, the edge repeated); ``method``: SciPy's ``"direct"``, ``"fft"`` or ``"auto"``.
    """
    _check_choice("convolve2d: mode", mode, _MODES)
    _check_choice("convolve2d: boundary", boundary, _BOUNDARIES)
    _check_choice("convolve2d: method", method, _METHODS)
    in1, in2 = _inputs(in1, in2, 2, "convolve2d")
    fill_is_zero = boundary == "fill" and isinstance(fillvalue, (int, float)) and fillvalue == 0

    def extended(widths: list[tuple[Any, Any]]) -> TensorVariable:
        pad_width = [(0, 0)] * (in1.ndim - 2) + widths
        if boundary == "fill":
            return pad(in1, pad_width, mode="constant", constant_values=fillvalue)
        return pad(in1, pad_width, mode=_PAD_MODES[boundary])

    k = [shape_i(in2, in2.ndim - 2), shape_i(in2, in2.ndim - 1)]
    if mode == "same":
        in1 = extended([(floordiv_dims(n, 2), floordiv_dims(add_dims(n, -1), 2)) for n in k])
        mode = "valid"
    elif mode == "full" and not fill_is_zero:
        # the full result needs in1 extended by the kernel's size less one on each side
        in1 = extended([(add_dims(n, -1), add_dims(n, -1)) for n in k])
        mode = "valid"
    return blockwise(Convolve(2, mode, method), in1, in2)
