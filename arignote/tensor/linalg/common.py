"""What the linear-algebra ops share: dtype rules, input checks, matrix helpers for the
derivative rules, and how a core op is applied over batch dimensions.

Every op of :mod:`arignote.tensor.linalg` is a *core op*: it works on one matrix (or one
matrix and one right-hand side), declared by its ``gufunc_signature``.  The user functions
apply it through :func:`arignote.tensor.blockwise.blockwise`, which lifts it over leading
batch dimensions.  The derivative rules are written with functions that act on the last two
axes (``matrix_transpose``, ``matmul``, ``tril``, ``diagonal(x, 0, -2, -1)``), so they hold
for a core node and for a stack of them alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NotDifferentiable, Op
from arignote.tensor.alloc import arange, eye, tril, triu, zeros_like
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.blockwise import blockwise
from arignote.tensor.dimshuffle import expand_dims, matrix_transpose
from arignote.tensor.math import eq, switch
from arignote.tensor.products import diagonal, matmul
from arignote.tensor.shape import shape_i
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["apply_core", "default_b_ndim", "linalg_output_dtype", "linalg_real_output_dtype"]


# --- dtypes ---------------------------------------------------------------------------

def _lapack_dtype(dtype: Any) -> np.dtype:
    """The LAPACK type one input is computed in (SciPy's ``find_best_lapack_type``): float32
    for float16, bool and integers of at most 16 bits, float64 for wider integers, float32
    and float64 as they are, complex64/complex128 for complex."""
    dt = np.dtype(dtype)
    if dt.kind == "c":
        return np.dtype("complex64") if dt.itemsize <= 8 else np.dtype("complex128")
    if (dt.kind == "f" and dt.itemsize > 4) or (dt.kind in "iu" and dt.itemsize > 2):
        return np.dtype("float64")
    return np.dtype("float32")


def linalg_output_dtype(*dtypes: Any) -> str:
    """The dtype a linear-algebra result has for inputs of ``dtypes`` (PyTensor's rule:
    each input's LAPACK type, then NumPy's promotion of those)."""
    return np.result_type(*(_lapack_dtype(d) for d in dtypes)).name


def linalg_real_output_dtype(*dtypes: Any) -> str:
    """:func:`linalg_output_dtype` for results that are real whatever the input (eigenvalues
    of a Hermitian matrix, a log-determinant): complex64 gives float32, complex128 float64."""
    dt = np.dtype(linalg_output_dtype(*dtypes))
    return np.finfo(dt).dtype.name if dt.kind == "c" else dt.name


def as_lapack(value: np.ndarray, dtype: str) -> np.ndarray:
    """``value`` in the dtype a routine computes in (no copy when it is that already)."""
    return np.asarray(value, dtype=dtype)


# --- input checks ---------------------------------------------------------------------

def numeric_input(x: Any, op: Any, what: str, ndim: int) -> TensorVariable:
    """``x`` as a tensor of rank ``ndim`` with a numeric dtype; TypeError naming ``what``."""
    x = as_tensor_variable(x)
    if x.ndim != ndim:
        kind = {1: "a vector (1-d)", 2: "a matrix (2-d)"}.get(ndim, f"{ndim}-d")
        raise TypeError(f"{op}: {what} must be {kind}, got {x.type} ({x.ndim}-d)")
    if x.type.numpy_dtype.kind not in "biufc":
        raise TypeError(f"{op}: {what} must hold numbers, got dtype {x.dtype}")
    return x


def square_length(x: TensorVariable, op: Any, what: str) -> int | None:
    """The static length of the square matrix ``x`` when known; ValueError when its static
    shape is not square."""
    rows, cols = x.type.shape
    if rows is not None and cols is not None and rows != cols:
        raise ValueError(f"{op}: {what} must be a square matrix, got static shape ({rows}, {cols})")
    return rows if rows is not None else cols


def check_square_value(value: np.ndarray, what: str = "the matrix") -> None:
    """ValueError at run time for a matrix that is not square (the backends name the op)."""
    if value.ndim != 2 or value.shape[0] != value.shape[1]:
        raise ValueError(f"{what} must be square, got shape {value.shape}")


def at_least(x: Any, ndim: int, where: str, what: str) -> TensorVariable:
    """``x`` as a tensor of rank ``ndim`` or more (the core rank, then batch axes in front)."""
    x = as_tensor_variable(x)
    if x.ndim < ndim:
        raise TypeError(f"{where}: {what} must have at least {ndim} dimensions, got {x.type}")
    return x


def default_b_ndim(b: Any, b_ndim: int | None) -> int:
    """The core rank of a right-hand side: ``b_ndim`` when given (1 or 2), else 1 for a
    vector and 2 otherwise (a matrix, or a stack of matrices) as in PyTensor."""
    if b_ndim is not None:
        if b_ndim not in (1, 2):
            raise ValueError(f"b_ndim must be 1 or 2, got {b_ndim!r}")
        return b_ndim
    return min(as_tensor_variable(b).ndim, 2)


def require_real(op: Any, inputs: Sequence[Variable]) -> None:
    """The derivative rules here are for real matrices: complex ones raise NotDifferentiable."""
    if any(isinstance(v, TensorVariable) and v.type.numpy_dtype.kind == "c" for v in inputs):
        raise NotDifferentiable(f"{op}: derivatives of complex matrices are not supported")


# --- applying and batching ------------------------------------------------------------

def apply_core(op: Op, *inputs: Any) -> Any:
    """``op`` applied to ``inputs``, over their leading batch dimensions if they have any."""
    return blockwise(op, *inputs)


class _LinalgOp(Op):
    """Base of the linear-algebra core ops: the batching rule applies the core op over the
    new batch axis (a ``Blockwise`` node)."""

    __slots__ = ()

    #: NumPy-style signature of the core computation, such as ``"(m,m)->(m,m)"``
    gufunc_signature: str = ""

    def batch(self, node: Any, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        out = apply_core(self, *inputs)
        return list(out) if isinstance(out, (list, tuple)) else [out]


class _SquareMapOp(_LinalgOp):
    """A core op taking one square matrix to a square matrix of the same shape (``inv``,
    ``cholesky``, ``expm``): the node, its shape and the run-time checks are shared; a
    subclass computes the value in ``compute`` (the matrix already in the LAPACK dtype)."""

    __slots__ = ()

    gufunc_signature: str = "(m,m)->(m,m)"
    #: how error messages name the input
    input_name: str = "x"

    def make_node(self, x: Any) -> Apply:
        x = numeric_input(x, self, self.input_name, 2)
        n = square_length(x, self, self.input_name)
        return Apply.build(self, [x], [TensorType(linalg_output_dtype(x.dtype), (n, n))])

    def perform(self, x: np.ndarray) -> np.ndarray:
        check_square_value(x)
        dtype = linalg_output_dtype(x.dtype)
        return self.compute(as_lapack(x, dtype), dtype)

    def compute(self, x: np.ndarray, dtype: str) -> np.ndarray:
        """The output for the square matrix ``x`` (in ``dtype``, LAPACK's layout)."""
        raise NotImplementedError

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(input_shapes[0])]


# --- matrix helpers for the derivative rules -----------------------------------------

def mT(x: Any) -> TensorVariable:
    """``x`` with its last two axes swapped."""
    return matrix_transpose(x)


def diag_part(x: Any) -> TensorVariable:
    """The main diagonals of the matrices in ``x`` (the last two axes)."""
    return diagonal(x, 0, -2, -1)


def identity_of(x: TensorVariable, dtype: str | None = None) -> TensorVariable:
    """The identity matrix as large as the last axis of ``x``."""
    n = shape_i(x, x.ndim - 1)
    return eye(n, n, 0, dtype=dtype or x.dtype)


def diag_embed(v: TensorVariable) -> TensorVariable:
    """Square matrices with ``v`` (last axis) on their diagonal and exact zeros elsewhere."""
    on_diagonal = identity_of(v, dtype="bool")
    return switch(on_diagonal, expand_dims(v, -1), zeros_like(expand_dims(v, -1)))


def symmetric_from(x: Any, lower: bool) -> TensorVariable:
    """The symmetric matrix a routine reading only one triangle of ``x`` sees: that triangle,
    mirrored."""
    if lower:
        return tril(x) + mT(tril(x, -1))
    return triu(x) + mT(triu(x, 1))


def onto_triangle(g: Any, lower: bool) -> TensorVariable:
    """The adjoint of :func:`symmetric_from`: a cotangent ``g`` of the mirrored matrix as one of
    the triangle it was read from (an off-diagonal entry is read twice: both parts add)."""
    if lower:
        return tril(g) + tril(mT(g), -1)
    return triu(g) + triu(mT(g), 1)


def band(x: Any, below: int, above: int) -> TensorVariable:
    """``x`` with the entries outside the band ``-below <= j - i <= above`` zeroed."""
    return tril(triu(x, -below), above)


def times_rhs(a: Any, x: Any, b_ndim: int) -> TensorVariable:
    """``a @ x`` where ``x`` holds vectors (``b_ndim == 1``, last axis) or matrices."""
    if b_ndim == 1:
        return matmul(a, expand_dims(x, -1))[..., 0]
    return matmul(a, x)


def take_rows(x: Any, perm: Any, core_ndim: int) -> TensorVariable:
    """``x`` with its rows (the first core axis: ``core_ndim`` 1 for vectors, 2 for matrices)
    reordered: row ``i`` of the result is row ``perm[i]`` of ``x``.  Indexing for one
    permutation; for a stack of them (batched ``perm``), a product with one-hot matrices,
    which costs no more than the triangular solves it goes with."""
    x, perm = as_tensor_variable(x), as_tensor_variable(perm)
    if perm.ndim == 1:
        return x[(slice(None),) * (x.ndim - core_ndim) + (perm,)]
    n = shape_i(perm, perm.ndim - 1)
    one_hot = eq(expand_dims(perm, -1), arange(n)).astype(x.dtype)
    return times_rhs(one_hot, x, core_ndim)


def outer_rhs(u: Any, x: Any, b_ndim: int) -> TensorVariable:
    """``u @ x.T`` for matrices, the outer product for vectors (``b_ndim == 1``)."""
    if b_ndim == 1:
        return expand_dims(u, -1) * expand_dims(x, -2)
    return matmul(u, mT(x))
