"""``take``: NumPy's ``np.take``, written as advanced indexing."""

from __future__ import annotations

from typing import Any

import numpy as np

from arignote.graph.basic import Variable
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.dimshuffle import normalize_axis
from arignote.tensor.subtensor_index import IndexTypeError
from arignote.tensor.variable import TensorVariable


def _index_tensor(indices: Any) -> TensorVariable:
    if isinstance(indices, (list, tuple)) and not any(isinstance(i, Variable) for i in indices) \
            and np.size(np.asarray(indices, dtype=object)) == 0:
        indices = np.zeros(np.shape(indices), dtype=np.int64)  # NumPy reads [] as integers
    indices = as_tensor_variable(indices)
    kind = indices.type.numpy_dtype.kind
    if kind == "b":
        return cast(indices, "int64")  # np.take reads booleans as the integers 0 and 1
    if kind not in "iu":
        raise IndexTypeError(f"take: indices must be integers, got {indices} ({indices.type})")
    return indices


def take(a: Any, indices: Any, axis: int | None = None, mode: str = "raise") -> TensorVariable:
    """``np.take(a, indices, axis, mode=mode)``: elements of ``a`` at ``indices`` along ``axis``.

    With ``axis=None`` the flattened ``a`` is indexed.  ``mode``: ``'raise'``
    (an index out of range raises IndexError at run time; negative ones count
    from the end), ``'wrap'`` (indices taken modulo the length) or ``'clip'``
    (indices clipped to ``[0, length - 1]``, negative ones too, as NumPy).
    """
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    a = as_tensor_variable(a)
    indices = _index_tensor(indices)
    if axis is None:
        if a.ndim != 1:
            # here, not at the top: importing it there makes an import cycle
            from arignote.tensor import flatten

            a = flatten(a, 1)
        axis = 0
    axis = normalize_axis(axis, a.ndim)
    if mode != "raise":
        # here, not at the top: math builds on the indexing modules
        from arignote.tensor import math as tm
        from arignote.tensor.shape import shape_i

        length = shape_i(a, axis)
        if mode == "wrap":
            indices = tm.mod(indices, length)
        else:
            indices = tm.clip(indices, 0, tm.maximum(length - 1, 0))
    return a[(slice(None),) * axis + (indices,)]
