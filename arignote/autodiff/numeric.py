"""Finite differences: the reference every symbolic derivative is checked against."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["finite_difference_jacobian"]


def finite_difference_jacobian(fn: Callable[[np.ndarray], Any], x: np.ndarray,
                               eps: float = 1e-6) -> np.ndarray:
    """The Jacobian of ``fn`` at ``x`` by central differences, of shape ``fn(x).shape + x.shape``."""
    x = np.array(x, dtype=np.float64, copy=True, order="C")  # reshape(-1) below must be a view
    out_shape = np.shape(fn(x))
    columns = []
    flat = x.reshape(-1)
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + eps
        up = np.asarray(fn(x), dtype=np.float64)
        flat[k] = saved - eps
        down = np.asarray(fn(x), dtype=np.float64)
        flat[k] = saved
        columns.append((up - down) / (2 * eps))
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)
