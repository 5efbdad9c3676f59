"""Index grids: ``mgrid`` and ``ogrid``, and the index pairs of triangles (``tril_indices``,
``triu_indices`` and their ``_from`` forms), as NumPy's, built from ``arange`` and ``tri``.

As in PyTensor, ``mgrid[...]`` with several slices gives a list of arrays (NumPy stacks them
into one array), and a slice step must be real (NumPy's complex step, a number of points,
is not supported).
"""

from __future__ import annotations

from typing import Any

from arignote.tensor.alloc import alloc, arange, tri
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.math import logical_not
from arignote.tensor.nonzero import nonzero
from arignote.tensor.shape import reshape, shape_i
from arignote.tensor.variable import TensorVariable

__all__ = ["mgrid", "ogrid", "tril_indices", "tril_indices_from", "triu_indices", "triu_indices_from"]


def _range_of(sl: Any) -> TensorVariable:
    if not isinstance(sl, slice):
        raise TypeError(f"grid indices must be slices (start:stop:step), got {sl!r}")
    if sl.stop is None:
        raise ValueError("grid slices need a stop (mgrid[0:n])")
    if isinstance(sl.step, complex):
        raise NotImplementedError("grid slices with a complex step (a number of points) are not "
                                  "supported; use linspace")
    return arange(0 if sl.start is None else sl.start, sl.stop, 1 if sl.step is None else sl.step)


class _IndexGrid:
    """``mgrid`` (``sparse=False``: every grid has the full shape) or ``ogrid`` (``sparse=True``:
    grid ``i`` varies along axis ``i`` only and has length 1 on the others)."""

    def __init__(self, sparse: bool) -> None:
        self.sparse = sparse

    def __getitem__(self, key: Any) -> TensorVariable | list[TensorVariable]:
        if isinstance(key, slice):
            return _range_of(key)
        slices = tuple(key)
        ranges = [_range_of(sl) for sl in slices]
        ndim = len(ranges)
        lengths = [shape_i(r, 0) for r in ranges]
        # range i laid along axis i, length 1 on the other axes
        open_grids = [reshape(r, [1] * i + [lengths[i]] + [1] * (ndim - 1 - i), ndim=ndim)
                      for i, r in enumerate(ranges)]
        if self.sparse:
            return open_grids
        return [alloc(g, *lengths) for g in open_grids]

    def __repr__(self) -> str:
        return "ogrid" if self.sparse else "mgrid"


mgrid = _IndexGrid(sparse=False)
ogrid = _IndexGrid(sparse=True)


def tril_indices(n: Any, k: Any = 0, m: Any = None) -> tuple[TensorVariable, TensorVariable]:
    """The (row, column) int64 indices of the lower triangle of an ``n`` x ``m`` array, at and
    below diagonal ``k`` (``np.tril_indices``)."""
    rows, cols = nonzero(tri(n, m, k, dtype="bool"))
    return rows, cols


def triu_indices(n: Any, k: Any = 0, m: Any = None) -> tuple[TensorVariable, TensorVariable]:
    """The (row, column) int64 indices of the upper triangle of an ``n`` x ``m`` array, at and
    above diagonal ``k`` (``np.triu_indices``)."""
    rows, cols = nonzero(logical_not(tri(n, m, as_tensor_variable(k) - 1, dtype="bool")))
    return rows, cols


def _matrix(a: Any, what: str) -> TensorVariable:
    a = as_tensor_variable(a)
    if a.ndim != 2:
        raise ValueError(f"{what}: the input must be 2-d, got {a.type}")
    return a


def tril_indices_from(a: Any, k: Any = 0) -> tuple[TensorVariable, TensorVariable]:
    """``tril_indices`` for the shape of the matrix ``a``."""
    a = _matrix(a, "tril_indices_from")
    return tril_indices(shape_i(a, 0), k, shape_i(a, 1))


def triu_indices_from(a: Any, k: Any = 0) -> tuple[TensorVariable, TensorVariable]:
    """``triu_indices`` for the shape of the matrix ``a``."""
    a = _matrix(a, "triu_indices_from")
    return triu_indices(shape_i(a, 0), k, shape_i(a, 1))
