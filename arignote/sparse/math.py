"""Arithmetic on sparse matrices: sums, products, matrix products and reductions.

Results follow PyTensor: sparse + sparse and sparse * sparse are sparse, sparse + dense is
dense, sparse * dense is sparse (on the sparse operand's stored entries); ``dot`` is always
dense, ``structured_dot`` is dense for a dense right operand and sparse for a sparse one.
Derivatives: ``dot`` gives regular (dense, all-entries) gradients, ``structured_dot`` and
``sp_sum(sparse_grad=True)`` structured ones (only on the stored entries).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as scipy_sparse

from arignote.graph.basic import Apply, Variable
from arignote.scalar.basic import upcast
from arignote.sparse.basic import (
    SparseOp,
    dense_from_sparse,
    pattern_positions,
    sp_ones_like,
    sparse_dims,
    sparse_from_dense,
    sparse_type,
    transpose,
)
from arignote.sparse.type import MATRIX_CLASSES
from arignote.sparse.variable import (
    as_sparse_or_tensor_variable,
    as_sparse_variable,
    is_sparse_variable,
)
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import dimshuffle
from arignote.tensor.products import dot as dense_dot
from arignote.tensor.type import TensorType

__all__ = ["AddSD", "AddSS", "ColScale", "Dot", "MulSD", "MulSS", "Neg", "RowScale", "SpSum",
           "StructuredDot", "StructuredDotGrad", "add", "col_scale", "dot", "mul", "mul_s_d",
           "multiply", "neg", "row_scale", "sp_sum", "structured_dot", "sub", "subtract"]


def _out_dtype(*vars: Any) -> str:
    return upcast(*(v.dtype for v in vars)).name


def _same_shape(op: Any, x: Any, y: Any) -> tuple[int | None, ...]:
    out = []
    for a, b in zip(x.type.shape, y.type.shape):
        if a is not None and b is not None and a != b:
            raise ValueError(f"{op}: shapes do not match: {x.type} and {y.type}")
        out.append(a if a is not None else b)
    return tuple(out)


def _check_values(op: Any, x: Any, y: Any) -> None:
    if x.shape != y.shape:
        raise ValueError(f"{op}: shapes do not match: {x.shape} and {y.shape}")


@dataclass(frozen=True)
class Neg(SparseOp):
    """``-x`` on the stored entries."""

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        return Apply.build(self, [x], [x.type])

    def perform(self, x: Any) -> Any:
        return -x

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        gz = cotangents[0]
        return [None if gz is None else neg(gz)]


def neg(x: Any) -> Any:
    """``-x`` of a sparse matrix."""
    return Neg()(x)


@dataclass(frozen=True)
class _SparseSparse(SparseOp):
    """An elementwise operation (``combine``) of two sparse matrices of the same shape;
    sparse, in the first operand's format."""

    @staticmethod
    def combine(x: Any, y: Any) -> Any:
        raise NotImplementedError

    def make_node(self, x: Any, y: Any) -> Apply:
        x, y = as_sparse_variable(x), as_sparse_variable(y)
        return Apply.build(self, [x, y], [sparse_type(x.format, _out_dtype(x, y), _same_shape(self, x, y))])

    def py_impl(self, node: Apply) -> Any:
        out = node.outputs[0].type
        combine = self.combine

        def run(x: Any, y: Any) -> Any:
            _check_values(self, x, y)
            return MATRIX_CLASSES[out.format](combine(x, y), dtype=out.dtype)
        return run


class AddSS(_SparseSparse):
    """Sparse + sparse, sparse in the first operand's format."""

    @staticmethod
    def combine(x: Any, y: Any) -> Any:
        return x + y

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        gz = cotangents[0]
        return [gz, gz]


@dataclass(frozen=True)
class AddSD(SparseOp):
    """Sparse + dense matrix, dense."""

    def make_node(self, x: Any, y: Any) -> Apply:
        x, y = as_sparse_variable(x), as_tensor_variable(y)
        if y.ndim != 2:
            raise TypeError(f"{self}: the dense operand must be a matrix (2-d), got {y.type}")
        return Apply.build(self, [x, y], [TensorType(_out_dtype(x, y), _same_shape(self, x, y))])

    def py_impl(self, node: Apply) -> Any:
        dtype = node.outputs[0].type.numpy_dtype

        def run(x: Any, y: np.ndarray) -> np.ndarray:
            _check_values(self, x, y)
            return np.asarray(x + y, dtype=dtype)
        return run

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        x, gz = inputs[0], cotangents[0]
        if gz is None:
            return [None, None]
        return [mul_s_d(sp_ones_like(x), gz), gz]

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Any, ...]]:
        return [input_shapes[1]]


def _commutative(who: str, both_sparse: type[SparseOp], one_sparse: type[SparseOp], x: Any, y: Any) -> Any:
    """``both_sparse()(x, y)`` when both are sparse, else ``one_sparse()`` with the sparse
    operand first (the operation commutes)."""
    x, y = as_sparse_or_tensor_variable(x), as_sparse_or_tensor_variable(y)
    x_sparse, y_sparse = is_sparse_variable(x), is_sparse_variable(y)
    if x_sparse and y_sparse:
        return both_sparse()(x, y)
    if x_sparse:
        return one_sparse()(x, y)
    if y_sparse:
        return one_sparse()(y, x)
    raise TypeError(f"{who}: at least one operand must be sparse, got {x.type} and {y.type}")


def add(x: Any, y: Any) -> Any:
    """``x + y`` where at least one is sparse: sparse when both are, else dense."""
    return _commutative("sparse.add", AddSS, AddSD, x, y)


def subtract(x: Any, y: Any) -> Any:
    """``x - y`` where at least one is sparse (``x + (-y)``, as PyTensor)."""
    y = as_sparse_or_tensor_variable(y)
    return add(x, neg(y) if is_sparse_variable(y) else -y)


sub = subtract


class MulSS(_SparseSparse):
    """Elementwise sparse * sparse, sparse in the first operand's format."""

    @staticmethod
    def combine(x: Any, y: Any) -> Any:
        return x.multiply(y)

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        x, y = inputs
        gz = cotangents[0]
        if gz is None:
            return [None, None]
        return [MulSS()(gz, y), MulSS()(gz, x)]


@dataclass(frozen=True)
class MulSD(SparseOp):
    """Elementwise sparse * dense (a matrix of the same shape, or a 0-d scalar): sparse, on
    the sparse operand's stored entries."""

    def make_node(self, x: Any, y: Any) -> Apply:
        x, y = as_sparse_variable(x), as_tensor_variable(y)
        if y.ndim == 0:
            shape = x.type.shape
        elif y.ndim == 2:
            shape = _same_shape(self, x, y)
        else:
            raise TypeError(f"{self}: the dense operand must be 0-d or a matrix, got {y.type}")
        return Apply.build(self, [x, y], [sparse_type(x.format, _out_dtype(x, y), shape)])

    def py_impl(self, node: Apply) -> Any:
        out = node.outputs[0].type

        def run(x: Any, y: np.ndarray) -> Any:
            z = MATRIX_CLASSES[out.format](x, dtype=out.dtype, copy=True)
            if y.ndim == 0:
                z.data *= y
                return z
            _check_values(self, x, y)
            rows, cols = _positions(z)
            z.data *= y[rows, cols]
            return z
        return run

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        x, y = inputs
        gz = cotangents[0]
        if gz is None:
            return [None, None]
        gx = MulSD()(gz, y)
        product = MulSS()(x, gz)
        gy = sp_sum(product, sparse_grad=True) if y.ndim == 0 else dense_from_sparse(product)
        return [gx, gy]


def _positions(z: Any) -> tuple[np.ndarray, np.ndarray]:
    return pattern_positions(z.format, z.indices, z.indptr)


def mul_s_d(x: Any, y: Any) -> Any:
    return MulSD()(x, y)


def multiply(x: Any, y: Any) -> Any:
    """Elementwise ``x * y`` where at least one is sparse: sparse (on the stored entries of
    the sparse operand; on the common ones when both are sparse)."""
    return _commutative("sparse.mul", MulSS, MulSD, x, y)


mul = multiply


def _dense_2d(v: Any) -> Any:
    return v.toarray() if scipy_sparse.issparse(v) else v


@dataclass(frozen=True)
class Dot(SparseOp):
    """``x @ y`` where at least one operand is sparse; dense.  A dense operand may be a
    vector (then the result is a vector)."""

    def make_node(self, x: Any, y: Any) -> Apply:
        x, y = as_sparse_or_tensor_variable(x), as_sparse_or_tensor_variable(y)
        if not (is_sparse_variable(x) or is_sparse_variable(y)):
            raise TypeError(f"sparse.dot: at least one operand must be sparse, got {x.type} and {y.type}")
        for position, v in enumerate((x, y)):
            if v.ndim not in (1, 2):
                raise TypeError(f"sparse.dot: operand {position} must be a vector or a matrix, got {v.type}")
        if x.ndim == 2 and y.ndim >= 1 and None not in (x.type.shape[1], y.type.shape[0]) \
                and x.type.shape[1] != y.type.shape[0]:
            raise ValueError(f"sparse.dot: shapes do not fit: {x.type} and {y.type}")
        shape = x.type.shape[:-1] + y.type.shape[1:]
        return Apply.build(self, [x, y], [TensorType(_out_dtype(x, y), shape)])

    def py_impl(self, node: Apply) -> Any:
        dtype = node.outputs[0].type.numpy_dtype

        def run(x: Any, y: Any) -> np.ndarray:
            if x.shape[-1] != y.shape[0]:
                raise ValueError(f"{self}: shapes do not fit: {x.shape} and {y.shape}")
            return np.asarray(_dense_2d(x @ y), dtype=dtype)
        return run

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        x, y = inputs
        gz = cotangents[0]
        if gz is None:
            return [None, None]
        x2 = dimshuffle(x, ["x", 0]) if x.ndim == 1 else x
        y2 = dimshuffle(y, [0, "x"]) if y.ndim == 1 else y
        gz2 = dimshuffle(gz, ["x", 0]) if x.ndim == 1 else dimshuffle(gz, [0, "x"]) if y.ndim == 1 else gz
        gx = _matmul(gz2, _t(y2))
        gy = _matmul(_t(x2), gz2)
        if x.ndim == 1:
            gx = gx[0]
        if y.ndim == 1:
            gy = gy[:, 0]
        return [gx, gy]

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Any, ...]]:
        x, y = node.inputs
        xs = sparse_dims(x) if is_sparse_variable(x) else input_shapes[0]
        ys = sparse_dims(y) if is_sparse_variable(y) else input_shapes[1]
        return [tuple(xs[:-1]) + tuple(ys[1:])]


def _t(v: Any) -> Any:
    return transpose(v) if is_sparse_variable(v) else v.T


def _matmul(a: Any, b: Any) -> Any:
    if is_sparse_variable(a) or is_sparse_variable(b):
        return Dot()(a, b)
    return dense_dot(a, b)


def dot(x: Any, y: Any) -> Any:
    """``x @ y`` where at least one is sparse; the result is dense (PyTensor's
    ``sparse.dot``).  Its gradient is regular (every entry)."""
    return Dot()(x, y)


@dataclass(frozen=True)
class StructuredDot(SparseOp):
    """``a @ b`` with ``a`` sparse: dense when ``b`` is dense, sparse (``a``'s format) when
    ``b`` is sparse.  The gradient for ``a`` is structured."""

    def make_node(self, a: Any, b: Any) -> Apply:
        a, b = as_sparse_variable(a), as_sparse_or_tensor_variable(b)
        if b.ndim != 2:
            raise TypeError(f"structured_dot: the second operand must be a matrix, got {b.type}")
        if None not in (a.type.shape[1], b.type.shape[0]) and a.type.shape[1] != b.type.shape[0]:
            raise ValueError(f"structured_dot: shapes do not fit: {a.type} and {b.type}")
        shape = (a.type.shape[0], b.type.shape[1])
        dtype = _out_dtype(a, b)
        out = sparse_type(a.format, dtype, shape) if is_sparse_variable(b) else TensorType(dtype, shape)
        return Apply.build(self, [a, b], [out])

    def py_impl(self, node: Apply) -> Any:
        out = node.outputs[0].type
        is_sparse = not isinstance(out, TensorType)

        def run(a: Any, b: Any) -> Any:
            if a.shape[1] != b.shape[0]:
                raise ValueError(f"{self}: shapes do not fit: {a.shape} and {b.shape}")
            if is_sparse:
                return MATRIX_CLASSES[out.format](a @ b, dtype=out.dtype)
            return np.asarray(a @ b, dtype=out.numpy_dtype)
        return run

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        a, b = inputs
        gz = cotangents[0]
        if gz is None:
            return [None, None]
        return [StructuredDotGrad()(a, b, gz), StructuredDot()(transpose(a), gz)]

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Any, ...]]:
        a, b = node.inputs
        bs = sparse_dims(b) if is_sparse_variable(b) else input_shapes[1]
        return [(sparse_dims(a)[0], bs[1])]


@dataclass(frozen=True)
class StructuredDotGrad(SparseOp):
    """``gz @ b.T`` read only at the stored entries of ``a`` (the structured gradient of
    ``structured_dot(a, b)`` for ``a``): sparse with ``a``'s pattern."""

    def make_node(self, a: Any, b: Any, gz: Any) -> Apply:
        a = as_sparse_variable(a)
        b, gz = as_sparse_or_tensor_variable(b), as_sparse_or_tensor_variable(gz)
        return Apply.build(self, [a, b, gz], [sparse_type(a.format, _out_dtype(b, gz), a.type.shape)])

    def py_impl(self, node: Apply) -> Any:
        out = node.outputs[0].type

        def run(a: Any, b: Any, gz: Any) -> Any:
            rows, cols = _positions(a)
            b_dense, gz_dense = _dense_2d(b), _dense_2d(gz)
            values = np.einsum("kj,kj->k", gz_dense[rows], b_dense[cols]) if len(rows) else np.zeros(0)
            return MATRIX_CLASSES[a.format]((values.astype(out.dtype), a.indices.copy(), a.indptr.copy()),
                                            shape=a.shape)
        return run

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Linear in ``b`` and ``gz``: with ``c`` the cotangent on ``a``'s pattern,
        ``c.T @ gz`` for ``b`` and ``c @ b`` for ``gz``; ``a`` gives only its pattern."""
        a, b, gz = inputs
        cot = cotangents[0]
        if cot is None:
            return [None, None, None]
        c = MulSS()(cot, sp_ones_like(a))
        return [None, Dot()(transpose(c), gz), Dot()(c, b)]


def structured_dot(x: Any, y: Any) -> Any:
    """``x @ y`` with at least one sparse operand; its gradient for the sparse operand is
    structured (only on its stored entries).  Dense unless both are sparse."""
    x, y = as_sparse_or_tensor_variable(x), as_sparse_or_tensor_variable(y)
    if is_sparse_variable(x):
        return StructuredDot()(x, y)
    if is_sparse_variable(y):
        return StructuredDot()(transpose(y), _t(x)).T
    raise TypeError(f"structured_dot: at least one operand must be sparse, got {x.type} and {y.type}")


@dataclass(frozen=True)
class SpSum(SparseOp):
    """The sum of a sparse matrix (``axis`` None, 0 or 1); dense.  ``sparse_grad``: the
    gradient keeps only the stored entries (else every entry, stored densely in sparse form)."""

    axis: int | None = None
    sparse_grad: bool = False

    def __post_init__(self) -> None:
        if self.axis not in (None, 0, 1):
            raise ValueError(f"sp_sum: axis must be None, 0 or 1, got {self.axis!r}")

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        shape = () if self.axis is None else (x.type.shape[1 - self.axis],)
        return Apply.build(self, [x], [TensorType(x.dtype, shape)])

    def py_impl(self, node: Apply) -> Any:
        dtype = node.outputs[0].type.numpy_dtype

        def run(x: Any) -> np.ndarray:
            if self.axis is None:
                return np.asarray(x.sum(dtype=dtype), dtype=dtype)
            return np.asarray(x.sum(axis=self.axis, dtype=dtype), dtype=dtype).ravel()
        return run

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        x, gz = inputs[0], cotangents[0]
        if gz is None:
            return [None]
        if self.sparse_grad:
            ones = sp_ones_like(x)
            if self.axis is None:
                return [MulSD()(ones, gz)]
            return [col_scale(ones, gz) if self.axis == 0 else row_scale(ones, gz)]
        from arignote.tensor.alloc import alloc  # the broadcast of gz to x's shape

        if self.axis is not None:
            gz = dimshuffle(gz, ["x", 0] if self.axis == 0 else [0, "x"])
        return [sparse_from_dense(alloc(gz, *sparse_dims(x)), x.format)]

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Any, ...]]:
        if self.axis is None:
            return [()]
        return [(sparse_dims(node.inputs[0])[1 - self.axis],)]


def sp_sum(x: Any, axis: int | None = None, sparse_grad: bool = False) -> Any:
    """The sum of the sparse matrix ``x`` over ``axis`` (None: all), dense.  ``sparse_grad``:
    the gradient is structured (only the stored entries)."""
    return SpSum(axis, sparse_grad)(x)


@dataclass(frozen=True)
class _Scale(SparseOp):
    """The sparse ``x`` with each stored entry multiplied by ``s`` at its row (``axis`` 0)
    or column (``axis`` 1)."""

    #: 0: rows (row_scale), 1: columns (col_scale)
    axis = 1

    def _name(self) -> str:
        return "col_scale" if self.axis == 1 else "row_scale"

    def make_node(self, x: Any, s: Any) -> Apply:
        x, s = as_sparse_variable(x), as_tensor_variable(s)
        if s.ndim != 1:
            raise TypeError(f"{self._name()}: the scale must be a vector, got {s.type}")
        return Apply.build(self, [x, s], [sparse_type(x.format, _out_dtype(x, s), x.type.shape)])

    def py_impl(self, node: Apply) -> Any:
        out = node.outputs[0].type
        axis, name, what = self.axis, self._name(), "columns" if self.axis == 1 else "rows"

        def run(x: Any, s: np.ndarray) -> Any:
            if s.shape[0] != x.shape[axis]:
                raise ValueError(f"{name}: {x.shape[axis]} {what} but {s.shape[0]} scales")
            z = MATRIX_CLASSES[out.format](x, dtype=out.dtype, copy=True)
            z.data *= s[_positions(z)[axis]]
            return z
        return run

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Any]) -> list[Any]:
        x, s = inputs
        gz = cotangents[0]
        if gz is None:
            return [None, None]
        return [type(self)()(gz, s), sp_sum(MulSS()(x, gz), axis=1 - self.axis, sparse_grad=True)]


class ColScale(_Scale):
    """The sparse ``x`` with column ``j`` multiplied by ``s[j]``."""

    axis = 1


class RowScale(_Scale):
    """The sparse ``x`` with row ``i`` multiplied by ``s[i]``."""

    axis = 0


def col_scale(x: Any, s: Any) -> Any:
    """Column ``j`` of the sparse ``x`` multiplied by ``s[j]``."""
    return ColScale()(x, s)


def row_scale(x: Any, s: Any) -> Any:
    """Row ``i`` of the sparse ``x`` multiplied by ``s[i]``."""
    return RowScale()(x, s)

