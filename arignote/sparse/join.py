"""Joining sparse matrices side by side (``hstack``) or on top of each other (``vstack``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as scipy_sparse

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NotDifferentiable
from arignote.scalar.basic import upcast
from arignote.sparse.basic import SparseOp, _FormatOp, sparse_dims, sparse_type
from arignote.sparse.type import MATRIX_CLASSES
from arignote.sparse.variable import as_sparse_variable
from arignote.tensor.basic import as_tensor_variable, constant
from arignote.tensor.type import normalize_dtype

__all__ = ["HStack", "SparseSlice", "VStack", "hstack", "vstack"]


@dataclass(frozen=True)
class _Stack(_FormatOp):
    dtype: str

    #: 1: side by side (hstack), 0: on top of each other (vstack)
    axis = 1

    def make_node(self, *blocks: Any) -> Apply:
        if not blocks:
            raise ValueError(f"{type(self).__name__.lower()}: give at least one block")
        blocks_ = [as_sparse_variable(b) for b in blocks]
        other = 1 - self.axis
        known = {b.type.shape[other] for b in blocks_} - {None}
        if len(known) > 1:
            raise ValueError(f"{type(self).__name__.lower()}: the blocks' dimension {other} differ: "
                             f"{[b.type for b in blocks_]}")
        lengths = [b.type.shape[self.axis] for b in blocks_]
        joined = None if None in lengths else sum(n for n in lengths if n is not None)
        shape = [joined, joined]
        shape[other] = known.pop() if known else None
        return Apply.build(self, blocks_, [sparse_type(self.format, self.dtype, tuple(shape))])

    def perform(self, *blocks: Any) -> Any:
        other = 1 - self.axis
        if len({b.shape[other] for b in blocks}) > 1:
            raise ValueError(f"{self}: the blocks' dimension {other} differ: {[b.shape for b in blocks]}")
        join = scipy_sparse.hstack if self.axis == 1 else scipy_sparse.vstack
        return MATRIX_CLASSES[self.format](join(blocks, format=self.format, dtype=self.dtype))

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        gz = cotangents[0]
        if gz is None:
            return [None] * len(inputs)
        grads: list[Any] = []
        start: Any = constant(np.int64(0))
        for block in inputs:
            stop = start + sparse_dims(block)[self.axis]
            grads.append(SparseSlice(self.axis, block.format)(gz, start, stop))
            start = stop
        return grads


class HStack(_Stack):
    """Sparse blocks side by side (``scipy.sparse.hstack``)."""

    axis = 1


class VStack(_Stack):
    """Sparse blocks on top of each other (``scipy.sparse.vstack``)."""

    axis = 0


@dataclass(frozen=True)
class SparseSlice(SparseOp):
    """Columns (``axis`` 1) or rows (``axis`` 0) ``start:stop`` of a sparse matrix, in
    ``format`` (the derivative of the stacks)."""

    axis: int
    format: str

    def make_node(self, x: Any, start: Any, stop: Any) -> Apply:
        x = as_sparse_variable(x)
        bounds = [as_tensor_variable(start), as_tensor_variable(stop)]
        return Apply.build(self, [x, *bounds], [sparse_type(self.format, x.dtype)])

    def perform(self, x: Any, start: np.ndarray, stop: np.ndarray) -> Any:
        part = x.tocsr()[:, int(start):int(stop)] if self.axis == 1 else x.tocsr()[int(start):int(stop)]
        return MATRIX_CLASSES[self.format](part)

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        # only built by the stacks' derivative: a second derivative through hstack/vstack
        raise NotDifferentiable(f"{self}: second derivatives through sparse hstack/vstack are "
                                "not implemented")


def _stack(kind: type[_Stack], blocks: Sequence[Any], format: str | None, dtype: Any) -> Any:
    blocks_ = [as_sparse_variable(b) for b in blocks]
    if not blocks_:
        raise ValueError(f"{kind.__name__.lower()}: give at least one block")
    out_dtype = upcast(*(b.dtype for b in blocks_)).name if dtype is None else normalize_dtype(dtype)
    return kind(format or blocks_[0].format, out_dtype)(*blocks_)


def hstack(blocks: Sequence[Any], format: str | None = None, dtype: Any = None) -> Any:
    """The sparse ``blocks`` side by side; in ``format`` (default: the first block's)."""
    return _stack(HStack, blocks, format, dtype)


def vstack(blocks: Sequence[Any], format: str | None = None, dtype: Any = None) -> Any:
    """The sparse ``blocks`` on top of each other; in ``format`` (default: the first block's)."""
    return _stack(VStack, blocks, format, dtype)
