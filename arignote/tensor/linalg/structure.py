"""Matrices assembled from others, and tensors read as matrices: ``block_diag``, ``tensorinv``
and ``tensorsolve``.

``block_diag`` is one op, :class:`BlockDiagonal`, so that rewrites find it from the node
(determinants, inverses, factors and solves of a block-diagonal matrix go block by block)
and the blocks' structure carries over (:mod:`arignote.tensor.linalg.assumptions`).
``tensorinv`` and ``tensorsolve`` are graphs of reshapes, ``inv`` and ``solve``, so their
derivatives, batching and backends come from those."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply
from arignote.scalar.basic import upcast
from arignote.tensor.alloc import zeros_like
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import transpose
from arignote.tensor.linalg.common import _LinalgOp, apply_core, at_least
from arignote.tensor.linalg.inverses import inv
from arignote.tensor.linalg.solves import solve
from arignote.tensor.shape import reshape, shape_i
from arignote.tensor.shape_inference import add_dims
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["BlockDiagonal", "block_diag", "tensorinv", "tensorsolve"]


@dataclass(frozen=True)
class BlockDiagonal(_LinalgOp):
    """``scipy.linalg.block_diag`` of ``n_inputs`` matrices: each on the diagonal of one matrix,
    zeros elsewhere, in NumPy's promotion of their dtypes."""

    n_inputs: int

    def __post_init__(self) -> None:
        if not isinstance(self.n_inputs, int) or self.n_inputs < 2:
            raise ValueError(f"BlockDiagonal: n_inputs must be an int >= 2, got {self.n_inputs!r}")

    @property
    def gufunc_signature(self) -> str:  # type: ignore[override]
        return ",".join(f"(r{i},c{i})" for i in range(self.n_inputs)) + "->(r,c)"

    def make_node(self, *matrices: Any) -> Apply:
        mats = [as_tensor_variable(m) for m in matrices]
        if len(mats) != self.n_inputs or any(m.ndim != 2 for m in mats):
            raise TypeError(f"{self}: expected {self.n_inputs} matrices, got "
                            f"{', '.join(str(m.type) for m in mats)}")
        dtype = upcast(*[m.dtype for m in mats]).name
        shape = tuple(_static_sum([m.type.shape[axis] for m in mats]) for axis in (0, 1))
        return Apply.build(self, mats, [TensorType(dtype, shape)])

    def py_impl(self, node: Apply) -> Any:
        # the node's dtype, decided when it was built (the casting policy may differ now)
        dtype = node.outputs[0].type.numpy_dtype
        return lambda *matrices: self._stack(matrices, dtype)

    def perform(self, *matrices: np.ndarray) -> np.ndarray:
        return self._stack(matrices, upcast(*[m.dtype for m in matrices]))

    def _stack(self, matrices: Sequence[np.ndarray], dtype: np.dtype) -> np.ndarray:
        rows, cols = (sum(m.shape[axis] for m in matrices) for axis in (0, 1))
        out = np.zeros((rows, cols), dtype=dtype)
        r = c = 0
        for m in matrices:
            out[r:r + m.shape[0], c:c + m.shape[1]] = m
            r, c = r + m.shape[0], c + m.shape[1]
        return out

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(add_dims(*[s[axis] for s in input_shapes]) for axis in (0, 1))]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Each block's cotangent is the block of the output's cotangent where it sits."""
        g = cotangents[0]
        out: list[Any] = []
        r: Any = 0
        c: Any = 0
        for m in inputs:
            r_end, c_end = r + shape_i(m, 0), c + shape_i(m, 1)
            out.append(g[r:r_end, c:c_end] if m.type.numpy_dtype.kind in "fc" else None)
            r, c = r_end, c_end
        return out

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        if all(t is None for t in tangents):
            return [None]
        dtype = outputs[0].dtype
        return [self(*[zeros_like(m, dtype=dtype) if t is None else t for m, t in zip(inputs, tangents)])]

    def __str__(self) -> str:
        return f"BlockDiagonal{{{self.n_inputs}}}"


def _static_sum(lengths: list[int | None]) -> int | None:
    return None if any(n is None for n in lengths) else sum(lengths)  # type: ignore[arg-type]


def block_diag(*matrices: Any) -> TensorVariable:
    """``scipy.linalg.block_diag``: the matrices on the diagonal of one matrix, zeros elsewhere.
    Stacks of matrices (leading batch axes, broadcast together) give a stack of results; the
    dtype is the inputs' promoted one.  Two or more matrices give a :class:`BlockDiagonal`
    node (applied over the batch by ``blockwise``)."""
    if not matrices:
        raise ValueError("block_diag: needs at least one matrix")
    mats = [at_least(m, 2, "block_diag", f"matrix {i}") for i, m in enumerate(matrices)]
    if len(mats) == 1:
        return mats[0]
    return apply_core(BlockDiagonal(len(mats)), *mats)


def _product(lengths: list[Any]) -> Any:
    out: Any = 1
    for n in lengths:
        out = out * n
    return out


def tensorinv(a: Any, ind: int = 2) -> TensorVariable:
    """``np.linalg.tensorinv``: the inverse of ``a`` read as a matrix whose rows are its first
    ``ind`` axes and columns the rest; the result has shape ``a.shape[ind:] + a.shape[:ind]``."""
    a = as_tensor_variable(a)
    ind = operator.index(ind)
    if ind <= 0 or ind >= a.ndim:
        raise ValueError(f"tensorinv: ind must be in [1, {a.ndim - 1}] for a {a.ndim}-d tensor, "
                         f"got {ind}")
    shape = [shape_i(a, i) for i in range(a.ndim)]
    square = reshape(a, [_product(shape[:ind]), _product(shape[ind:])])
    return reshape(inv(square), shape[ind:] + shape[:ind])


def tensorsolve(a: Any, b: Any, axes: Any = None) -> TensorVariable:
    """``np.linalg.tensorsolve``: ``x`` with ``tensordot(a, x, x.ndim) == b``; ``x`` has shape
    ``a.shape[b.ndim:]`` (after ``axes`` of ``a`` are moved to the end)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if axes is not None:
        moved = [operator.index(k) % a.ndim for k in axes]
        a = transpose(a, [k for k in range(a.ndim) if k not in moved] + moved)
    if b.ndim >= a.ndim:
        raise ValueError(f"tensorsolve: a ({a.ndim}-d) must have more dimensions than b ({b.ndim}-d)")
    x_shape = [shape_i(a, i) for i in range(b.ndim, a.ndim)]
    size = _product(x_shape)
    matrix = reshape(a, [_product([shape_i(b, i) for i in range(b.ndim)]), size])
    x = solve(matrix, reshape(b, [-1]), b_ndim=1)
    return reshape(x, x_shape)
