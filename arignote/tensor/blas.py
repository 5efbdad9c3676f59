"""BLAS forms of products: `Gemm` and `Gemv` (``arignote.tensor.blas``).

``Gemm`` computes ``beta * z + alpha * dot(x, y)`` for matrices and ``Gemv``
the same for a matrix times a vector.  NumPy would allocate ``dot(x, y)``,
then ``alpha * ...``, then the sum; BLAS's ``?gemm``/``?gemv`` accumulate the
product straight into a copy of ``z``, the output, with no temporary.  The
specialize phase builds these nodes from ``z + a * dot(x, y)``
(``arignote.tensor.rewrites.specialize``); users do not need to.

Semantics are exactly the NumPy expression's, broadcasting included: ``z``
may be any array that broadcasts against the product (a bias row, a scalar).
BLAS runs when it computes the same thing: float32/float64, the output shape
is the product's, nothing is empty, and ``alpha``, ``beta`` are finite and
nonzero (BLAS skips ``z`` when ``beta == 0`` and the product when
``alpha == 0``, so NaN and inf there would not propagate as NumPy's
``0 * nan`` does).  Otherwise, and for products too small for the call to
pay, NumPy computes the expression.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import blas as scipy_blas

from arignote.graph.basic import Apply
from arignote.graph.op import Op
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.broadcasting import ShapeOnly, broadcast_static_shapes, run_time_check
from arignote.tensor.op_kinds import OpKind
from arignote.tensor.products import Dot, MatMul, dot, outer
from arignote.tensor.reduction import sum as tensor_sum
from arignote.tensor.shape_inference import broadcast_shapes
from arignote.tensor.sum_to import sum_to_like
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["Dot22", "Gemm", "Gemv", "gemm", "gemv"]

#: the BLAS prefix of each dtype BLAS serves
_BLAS_PREFIX = {"float32": "s", "float64": "d"}

# Below these sizes (multiply-adds) SciPy's wrapper costs more than the temporary it
# saves, measured single-threaded: NumPy's expression is faster, so it runs instead.
MIN_GEMM_WORK = 64 ** 3
MIN_GEMV_WORK = 256 ** 2


def _blas_function(name: str, dtype: str) -> Callable[..., Any] | None:
    """SciPy's ``?name`` for ``dtype`` (``dgemm`` for float64), or None."""
    prefix = _BLAS_PREFIX.get(dtype)
    return None if prefix is None else getattr(scipy_blas, prefix + name)


def _check_inputs(op: Op, inputs: Sequence[TensorVariable], names: Sequence[str],
                  ranks: Sequence[int], z_max_rank: int) -> str:
    """The common dtype of ``inputs`` (z first); TypeError naming the input that is wrong."""
    z = inputs[0]
    if z.ndim > z_max_rank:
        raise TypeError(f"{op}: z must have at most {z_max_rank} dimensions (it broadcasts against "
                        f"the product), got {z.type}")
    for name, var, rank in zip(names[1:], inputs[1:], ranks):
        if var.ndim != rank:
            raise TypeError(f"{op}: {name} must be {rank}-d, got {var.type}")
    dtypes = {v.type.dtype for v in inputs}
    if len(dtypes) != 1:
        listed = ", ".join(f"{n}={v.type.dtype}" for n, v in zip(names, inputs))
        raise TypeError(f"{op}: all inputs must have one dtype, got {listed}")
    dtype = dtypes.pop()
    if np.dtype(dtype).kind not in "iufc":
        raise TypeError(f"{op}: expected a numeric dtype, got {dtype}")
    return dtype


def _scalars_allow_blas(alpha: np.ndarray, beta: np.ndarray) -> tuple[float, float] | None:
    """``(alpha, beta)`` as Python floats when BLAS computes NumPy's values with them."""
    a, b = float(alpha), float(beta)
    if a == 0 or b == 0 or not math.isfinite(a) or not math.isfinite(b):
        return None
    return a, b


def _as_fortran_operand(m: np.ndarray) -> tuple[np.ndarray, int]:
    """``(array, trans)`` with ``op(array) == m`` and ``array`` Fortran-ordered, copying
    only when ``m`` is neither Fortran- nor C-ordered."""
    if m.flags.f_contiguous:
        return m, 0
    if m.flags.c_contiguous:
        return m.T, 1  # a C-ordered matrix is its Fortran-ordered transpose
    return np.asfortranarray(m), 0


def _output_filled_with(z: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    out = np.empty(shape, dtype=dtype)
    out[...] = z
    return out


@dataclass(frozen=True)
class Gemm(Op):
    """``beta * z + alpha * dot(x, y)``: matrices ``x``, ``y``, 0-d ``alpha``, ``beta``, and a
    ``z`` of at most 2 dimensions that broadcasts against the product (where its static
    lengths are 1, see `arignote.tensor.broadcasting`).

    All inputs share one numeric dtype, which is the output's.
    """

    def make_node(self, z: Any, alpha: Any, x: Any, y: Any, beta: Any) -> Apply:
        inputs = [as_tensor_variable(v) for v in (z, alpha, x, y, beta)]
        dtype = _check_inputs(self, inputs, ("z", "alpha", "x", "y", "beta"), (0, 2, 2, 0), 2)
        z, alpha, x, y, beta = inputs
        rows, inner = x.type.shape
        inner_y, cols = y.type.shape
        if inner is not None and inner_y is not None and inner != inner_y:
            raise ValueError(f"{self}: shapes of x {x.type} and y {y.type} are not aligned "
                             f"({inner} != {inner_y})")
        shape = broadcast_static_shapes([z.type.shape, (rows, cols)], str(self))
        return Apply.build(self, inputs, [TensorType(dtype, shape)])

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        run = _gemm_runner(node.outputs[0].type.numpy_dtype)
        z, _, x, y, _ = node.inputs
        check = run_time_check([z.type.shape, (x.type.shape[0], y.type.shape[1])], self)
        if check is None:
            return run

        def run_checked(z: Any, alpha: Any, x: Any, y: Any, beta: Any) -> Any:
            check([z, ShapeOnly((x.shape[0], y.shape[1]))])
            return run(z, alpha, x, y, beta)
        return run_checked

    def perform(self, z: np.ndarray, alpha: np.ndarray, x: np.ndarray, y: np.ndarray,
                beta: np.ndarray) -> np.ndarray:
        return _gemm_runner(z.dtype)(z, alpha, x, y, beta)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:

        z_shape, _, x_shape, y_shape, _ = input_shapes
        return [broadcast_shapes([z_shape, (x_shape[0], y_shape[1])])]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:

        z, alpha, x, y, beta = inputs
        return _scaled_sum_pullback(z, alpha, dot(x, y), beta, cotangents[0],
                                    lambda g: dot(g, y.T) * alpha, lambda g: dot(x.T, g) * alpha)

    def __str__(self) -> str:
        return "Gemm"


@dataclass(frozen=True)
class Gemv(Op):
    """``beta * z + alpha * dot(a, x)``: a matrix ``a``, a vector ``x``, 0-d ``alpha``,
    ``beta``, and a ``z`` of at most 1 dimension that broadcasts against the product.

    All inputs share one numeric dtype, which is the output's.
    """

    def make_node(self, z: Any, alpha: Any, a: Any, x: Any, beta: Any) -> Apply:
        inputs = [as_tensor_variable(v) for v in (z, alpha, a, x, beta)]
        dtype = _check_inputs(self, inputs, ("z", "alpha", "a", "x", "beta"), (0, 2, 1, 0), 1)
        z, alpha, a, x, beta = inputs
        rows, inner = a.type.shape
        length = x.type.shape[0]
        if inner is not None and length is not None and inner != length:
            raise ValueError(f"{self}: shapes of a {a.type} and x {x.type} are not aligned "
                             f"({inner} != {length})")
        shape = broadcast_static_shapes([z.type.shape, (rows,)], str(self))
        return Apply.build(self, inputs, [TensorType(dtype, shape)])

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        run = _gemv_runner(node.outputs[0].type.numpy_dtype)
        z, _, a, _, _ = node.inputs
        check = run_time_check([z.type.shape, (a.type.shape[0],)], self)
        if check is None:
            return run

        def run_checked(z: Any, alpha: Any, a: Any, x: Any, beta: Any) -> Any:
            check([z, ShapeOnly((a.shape[0],))])
            return run(z, alpha, a, x, beta)
        return run_checked

    def perform(self, z: np.ndarray, alpha: np.ndarray, a: np.ndarray, x: np.ndarray,
                beta: np.ndarray) -> np.ndarray:
        return _gemv_runner(z.dtype)(z, alpha, a, x, beta)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:

        z_shape, _, a_shape, _, _ = input_shapes
        return [broadcast_shapes([z_shape, (a_shape[0],)])]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:

        z, alpha, a, x, beta = inputs
        return _scaled_sum_pullback(z, alpha, dot(a, x), beta, cotangents[0],
                                    lambda g: outer(g, x) * alpha, lambda g: dot(a.T, g) * alpha)

    def __str__(self) -> str:
        return "Gemv"


def _scaled_sum_pullback(z: Any, alpha: Any, product: Any, beta: Any, g: Any,
                         left: Callable[[Any], Any], right: Callable[[Any], Any]) -> list[Any]:
    """Cotangents of ``(z, alpha, left operand, right operand, beta)`` for
    ``beta * z + alpha * product``; ``left``/``right`` pull ``g`` back through the product."""

    return [sum_to_like(g * beta, z), tensor_sum(g * product), left(g), right(g),
            tensor_sum(g * z)]


def _gemm_runner(dtype: np.dtype) -> Callable[..., np.ndarray]:
    """The implementation of `Gemm` for inputs of ``dtype``."""
    blas_gemm = _blas_function("gemm", dtype.name)

    def run(z: np.ndarray, alpha: np.ndarray, x: np.ndarray, y: np.ndarray,
            beta: np.ndarray) -> np.ndarray:
        product_shape = (x.shape[0], y.shape[1])
        out_shape = np.broadcast_shapes(z.shape, product_shape)
        scalars = None if blas_gemm is None else _scalars_allow_blas(alpha, beta)
        if (blas_gemm is None or scalars is None or out_shape != product_shape
                or x.shape[0] * x.shape[1] * y.shape[1] < MIN_GEMM_WORK or x.size == 0 or y.size == 0):
            return _numpy_form(z, alpha, np.dot(x, y), beta, dtype)
        a, b = scalars
        out = _output_filled_with(z, out_shape, dtype)
        # out is C-ordered, so out.T is Fortran-ordered: BLAS computes
        # out.T = b * out.T + a * (y.T @ x.T) in place, in its column-major terms
        left, trans_left = _as_fortran_operand(y.T)
        right, trans_right = _as_fortran_operand(x.T)
        result = blas_gemm(a, left, right, beta=b, c=out.T, trans_a=trans_left,
                           trans_b=trans_right, overwrite_c=1)
        return result.T
    return run


def _gemv_runner(dtype: np.dtype) -> Callable[..., np.ndarray]:
    """The implementation of `Gemv` for inputs of ``dtype``."""
    blas_gemv = _blas_function("gemv", dtype.name)

    def run(z: np.ndarray, alpha: np.ndarray, a: np.ndarray, x: np.ndarray,
            beta: np.ndarray) -> np.ndarray:
        if a.size < MIN_GEMV_WORK or blas_gemv is None:  # small (a loop's step): no checks to pay
            return _numpy_form(z, alpha, np.dot(a, x), beta, dtype)
        product_shape = (a.shape[0],)
        out_shape = np.broadcast_shapes(z.shape, product_shape)
        scalars = _scalars_allow_blas(alpha, beta)
        if scalars is None or out_shape != product_shape:
            return _numpy_form(z, alpha, np.dot(a, x), beta, dtype)
        s_alpha, s_beta = scalars
        out = _output_filled_with(z, out_shape, dtype)
        matrix, trans = _as_fortran_operand(a)
        return blas_gemv(s_alpha, matrix, x, beta=s_beta, y=out, trans=trans, overwrite_y=1)
    return run


def _numpy_form(z: np.ndarray, alpha: np.ndarray, product: np.ndarray, beta: np.ndarray,
                dtype: np.dtype) -> np.ndarray:
    """``beta * z + alpha * product`` as NumPy computes it, in ``dtype``."""
    with np.errstate(all="ignore"):  # NumPy's overflow to inf is the value, not an error
        if alpha == 1 and beta == 1:  # multiplying by one changes nothing (all share one dtype)
            return np.asarray(z + product).astype(dtype, copy=False)
        return np.asarray(beta * z + alpha * product).astype(dtype, copy=False)


def gemm(z: Any, alpha: Any, x: Any, y: Any, beta: Any) -> TensorVariable:
    """``beta * z + alpha * dot(x, y)`` for matrices ``x`` and ``y`` in one BLAS call."""
    return Gemm()(z, alpha, x, y, beta)


def gemv(z: Any, alpha: Any, a: Any, x: Any, beta: Any) -> TensorVariable:
    """``beta * z + alpha * dot(a, x)`` for a matrix ``a`` and a vector ``x`` in one BLAS call."""
    return Gemv()(z, alpha, a, x, beta)


class Dot22(OpKind):
    """PyTensor's op for the product of two matrices, run by BLAS.  arignote has no op of its
    own for it: the C backend runs `Dot` and `MatMul` nodes of matrices with BLAS's gemm, so
    ``isinstance(op, Dot22)`` holds for those ops (an op does not know its inputs' ranks, so
    for every `Dot` and `MatMul`), and ``Dot22()(x, y)`` is a `Dot` of two matrices."""

    @classmethod
    def matches(cls, op: Any) -> bool:
        return isinstance(op, (Dot, MatMul))

    @classmethod
    def build(cls) -> Any:
        return _dot22


def _dot22(x: Any, y: Any) -> TensorVariable:
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if x.ndim != 2 or y.ndim != 2:
        raise TypeError(f"Dot22: both operands must be matrices, got {x.type} and {y.type}")
    return Dot()(x, y)
