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
    """``np.take(a, indices, axis)``: elements of ``a`` at ``indices`` along ``axis``.

    With ``axis=None`` the flattened ``a`` is indexed.  Out-of-range indices
    raise IndexError at run time (NumPy's ``mode='raise'``, the only mode).
    """
    if mode != "raise":
        raise NotImplementedError(f"take: only mode='raise' is supported, got mode={mode!r}")
    a = as_tensor_variable(a)
    indices = _index_tensor(indices)
    if axis is None:
        if a.ndim != 1:
            # here, not at the top: importing it there makes an import cycle
            from arignote.tensor import flatten

            a = flatten(a, 1)
        axis = 0
    axis = normalize_axis(axis, a.ndim)
    return a[(slice(None),) * axis + (indices,)]
