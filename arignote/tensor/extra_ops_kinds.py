"""PyTensor's op classes of ``tensor.extra_ops`` on arignote's ops and functions (see
:mod:`arignote.tensor.op_kinds`), and its ``to_one_hot`` and ``cpu_contiguous``.

``SearchsortedOp`` is arignote's `SearchSorted` op; ``UnravelIndex`` and ``RavelMultiIndex`` are
arignote's ops of those names (``flat_index``).  ``Bartlett()``, ``FillDiagonal()`` and
``FillDiagonalOffset()`` build ``bartlett``, ``fill_diagonal`` and ``fill_diagonal_offset``,
which arignote writes with other ops: no node is one of them.  ``CpuContiguous``: arignote's
arrays are always contiguous where a kernel needs it, so it is the identity, without a node.
"""

from __future__ import annotations

from typing import Any

from arignote.tensor.alloc import arange, zeros
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.diag import fill_diagonal, fill_diagonal_offset
from arignote.tensor.extra_ops import SearchSorted
from arignote.tensor.extra_ops_compat import bartlett
from arignote.tensor.op_kinds import OpKind
from arignote.tensor.shape import shape_i
from arignote.tensor.subtensor_inc import set_subtensor
from arignote.tensor.variable import TensorVariable

__all__ = ["Bartlett", "CpuContiguous", "FillDiagonal", "FillDiagonalOffset", "SearchsortedOp",
           "cpu_contiguous", "to_one_hot"]


class SearchsortedOp(OpKind):
    """``np.searchsorted`` (arignote's `SearchSorted` op); ``side`` is "left" by default."""

    @classmethod
    def matches(cls, op: Any) -> bool:
        return isinstance(op, SearchSorted)

    @classmethod
    def build(cls, side: str = "left") -> Any:
        return SearchSorted(side)


class Bartlett(OpKind):
    """``Bartlett()(M)``: ``np.bartlett``."""

    builds = staticmethod(bartlett)


class FillDiagonal(OpKind):
    """``FillDiagonal()(a, val)``: ``a`` with ``val`` on its main diagonal."""

    builds = staticmethod(fill_diagonal)


class FillDiagonalOffset(OpKind):
    """``FillDiagonalOffset()(a, val, offset)``: ``a`` with ``val`` on its ``offset`` diagonal."""

    builds = staticmethod(fill_diagonal_offset)


def cpu_contiguous(x: Any) -> TensorVariable:
    """``x`` itself: arignote's kernels get contiguous arrays wherever they need them."""
    return as_tensor_variable(x)


class CpuContiguous(OpKind):
    """``CpuContiguous()(x)``: :func:`cpu_contiguous`."""

    builds = staticmethod(cpu_contiguous)


def to_one_hot(y: Any, nb_class: Any, dtype: Any = None) -> TensorVariable:
    """The one-hot rows of the integer vector ``y``: a ``(len(y), nb_class)`` matrix of zeros
    (dtype ``floatX`` unless given) with a 1 at column ``y[i]`` of row ``i``."""
    y = as_tensor_variable(y)
    if y.ndim != 1 or y.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"to_one_hot: y must be an integer vector, got {y.type}")
    n = shape_i(y, 0)
    return set_subtensor(zeros((n, nb_class), dtype=dtype)[arange(n), y], 1)
