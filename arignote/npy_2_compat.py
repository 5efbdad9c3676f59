"""PyTensor's ``pytensor.npy_2_compat``: NumPy helpers that behave the same on NumPy 1 and 2."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["normalize_axis_index", "normalize_axis_tuple", "old_np_unique"]

try:  # NumPy 2 moved these out of numpy.core
    from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple
except ImportError:  # pragma: no cover - NumPy 1
    from numpy.core.multiarray import normalize_axis_index  # type: ignore[no-redef,unused-ignore]
    from numpy.core.numeric import normalize_axis_tuple  # type: ignore[no-redef,attr-defined,unused-ignore]


def old_np_unique(arr: Any, return_index: bool = False, return_inverse: bool = False,
                  return_counts: bool = False, axis: int | None = None) -> Any:
    """``np.unique`` with NumPy 1's inverse: 1-d, one entry per element of the flattened
    ``arr`` (``axis=None``) or per slice along ``axis`` (NumPy 2.0 and 2.1 shaped it otherwise)."""
    result = np.unique(arr, return_index=return_index, return_inverse=return_inverse,  # type: ignore[call-overload]
                       return_counts=return_counts, axis=axis)
    if not return_inverse:
        return result
    parts = list(result)
    at = 2 if return_index else 1
    length = np.size(arr) if axis is None else np.shape(arr)[axis]
    parts[at] = np.reshape(parts[at], (length,))
    return tuple(parts)
