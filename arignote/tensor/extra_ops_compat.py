"""The rest of ``pytensor.tensor.extra_ops``: ``bartlett``, ``concat_with_broadcast``, and
(defined beside their kin) ``compress``, ``ravel_multi_index`` and ``unravel_index``.

``arignote.tensor.extra_ops`` answers these names too (through the tensor namespace).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.tensor import math as tm
from arignote.tensor.alloc import arange, broadcast_to
from arignote.tensor.array_selection import compress
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.dimshuffle import normalize_axis
from arignote.tensor.flat_index import ravel_multi_index, unravel_index
from arignote.tensor.join import concatenate
from arignote.tensor.shape import shape_i
from arignote.tensor.variable import TensorVariable

__all__ = ["bartlett", "compress", "concat_with_broadcast", "ravel_multi_index", "unravel_index"]


def bartlett(M: Any) -> TensorVariable:
    """The Bartlett (triangular) window of ``M`` points, float64 (``np.bartlett``): zero at both
    ends, 1 in the middle when ``M`` is odd; empty when ``M <= 0``, ``[1.]`` when ``M == 1``."""
    M = as_tensor_variable(M)
    if M.ndim != 0 or M.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"bartlett: M must be an integer scalar, got {M.type}")
    # NumPy's form: n runs over 1 - M, 3 - M, ..., M - 1 and the window is 1 - |n| / (M - 1)
    # (the same numbers as NumPy, which computes 1 + n / (M - 1) for n <= 0)
    M = cast(M, "int64")
    n = cast(arange(1 - M, M, 2), "float64")
    width = cast(tm.maximum(M - 1, 1), "float64")  # M == 1: one point, n == 0, whatever the width
    return 1.0 - tm.abs(n) / width


def concat_with_broadcast(tensor_list: Sequence[Any], axis: int = 0) -> TensorVariable:
    """Concatenate along ``axis`` after broadcasting the other axes of the tensors to a common
    length (each tensor keeps its own length along ``axis``)."""
    tensors = [as_tensor_variable(t) for t in tensor_list]
    if not tensors:
        raise ValueError("concat_with_broadcast: the list of tensors is empty")
    ndim = tensors[0].ndim
    if any(t.ndim != ndim for t in tensors):
        raise TypeError("concat_with_broadcast: the tensors must have the same number of dimensions, "
                        f"got {[t.ndim for t in tensors]}")
    axis = normalize_axis(axis, ndim)
    # each other axis takes its length from a tensor not statically of length 1 there (the
    # others broadcast to it); a length the types do not know is read from the first tensor
    lengths: list[Any] = []
    for a in range(ndim):
        wide = [t for t in tensors if t.type.shape[a] != 1]
        lengths.append(shape_i(wide[0], a) if wide else 1)
    return concatenate([broadcast_to(t, [shape_i(t, a) if a == axis else n for a, n in enumerate(lengths)])
                        for t in tensors], axis=axis)
