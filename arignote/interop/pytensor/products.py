"""Converters of PyTensor's products, BLAS ops, sorting and the reductions ``elemwise.py``
leaves out.

``Dot`` is PyTensor 3's only product op: it takes two matrices (``pt.dot`` of vectors adds
``ExpandDims`` / ``Squeeze`` around it, ``tensordot`` reshapes around it, ``outer`` is a
``Dot`` of a column and a row), and ``pt.matmul`` / ``@`` / ``matvec`` / ``vecdot`` are a
``Blockwise`` of that core ``Dot`` (signature ``(m,n),(n,p)->(m,p)``), converted through the
``Blockwise`` converter with this module's ``Dot`` converter for the core.

The BLAS ops (``Dot22``, ``Dot22Scalar``, ``Gemm``, ``Gemv``/``CGemv``, ``BatchedDot``) are
built only by PyTensor's rewrites, so they reach arignote when ``mode(pytensor_rewrites=...)``
runs them first.  They convert to arignote's ``dot``/``matmul`` and elementwise arithmetic,
which arignote's own rewrites turn back into BLAS calls.  PyTensor's ``Gemm``/``Gemv`` follow
BLAS: ``beta == 0`` ignores ``z`` (PyTensor's rewrites pass uninitialised ``AllocEmpty``
buffers as ``z`` then), so the converted graph selects zero for that term rather than
computing ``0 * z``, which is NaN where ``z`` holds NaN or inf.

``SortOp`` / ``ArgSortOp`` convert to arignote's sort and argsort; PyTensor's ``kind`` is not
passed: sorting gives the same values whatever the algorithm, and arignote's argsort is stable
(NumPy's quicksort orders equal elements arbitrarily, so both are valid answers on ties).
"""

from __future__ import annotations

from typing import Any

from pytensor.scalar import basic as ps
from pytensor.tensor import elemwise as pte
from pytensor.tensor import math as ptm

# by module path: the ``gemm``/``gemv`` attributes of pytensor.tensor.blas are op instances
from pytensor.tensor.blas.batched import BatchedDot
from pytensor.tensor.blas.gemm import Dot22, Dot22Scalar, Gemm
from pytensor.tensor.blas.gemv import Gemv
from pytensor.tensor.sort import ArgSortOp, SortOp

import arignote.tensor as at
from arignote.interop.pytensor.convert import converters

__all__: list[str] = []


@converters.register(ptm.Dot, Dot22)
def _dot(op: Any, node: Any, x: Any, y: Any) -> Any:
    return at.dot(x, y)


@converters.register(Dot22Scalar)
def _dot22_scalar(op: Any, node: Any, x: Any, y: Any, scalar: Any) -> Any:
    return scalar * at.dot(x, y)


def _scaled_sum(z: Any, alpha: Any, product: Any, beta: Any) -> Any:
    """``beta * z + alpha * product``, with ``z`` ignored where ``beta == 0`` (BLAS's rule)."""
    return at.switch(at.eq(beta, 0), at.zeros_like(z), beta * z) + alpha * product


@converters.register(Gemm)
def _gemm(op: Any, node: Any, z: Any, alpha: Any, x: Any, y: Any, beta: Any) -> Any:
    return _scaled_sum(z, alpha, at.dot(x, y), beta)


@converters.register(Gemv)  # CGemv too (a subclass)
def _gemv(op: Any, node: Any, y: Any, alpha: Any, a: Any, x: Any, beta: Any) -> Any:
    return _scaled_sum(y, alpha, at.dot(a, x), beta)


@converters.register(BatchedDot)
def _batched_dot(op: Any, node: Any, x: Any, y: Any) -> Any:
    # stacks of matrices of the same batch length (PyTensor checks it at run time, so does matmul)
    return at.matmul(x, y)


@converters.register(SortOp)
def _sort(op: Any, node: Any, x: Any) -> Any:
    return at.sort(x, axis=op.axis)


@converters.register(ArgSortOp)
def _argsort(op: Any, node: Any, x: Any) -> Any:
    return at.argsort(x, axis=op.axis)


# --- reductions by scalar op ----------------------------------------------------------------

def _axis(op: Any) -> Any:
    return None if op.axis is None else tuple(op.axis)


def _product_of_nonzeros(x: Any, axis: Any, dtype: str) -> Any:
    """PyTensor's reduction by ``MulWithoutZeros`` (``a * b``, or the other operand where one
    is 0): the product of the nonzero entries, and 0 where there is none (every entry 0, or
    an empty axis: PyTensor's C, Python, Numba and JAX versions all give 0).  Prod's gradient
    uses it for groups with one zero."""
    product = at.prod(at.switch(at.eq(x, 0), at.ones_like(x), x), axis=axis, dtype=dtype)
    return at.switch(at.all(at.eq(x, 0), axis=axis), at.zeros_like(product), product)


@converters.register(ptm.ProdWithoutZeros)
def _prod_without_zeros(op: Any, node: Any, x: Any) -> Any:
    return _product_of_nonzeros(x, _axis(op), node.outputs[0].type.dtype)


#: scalar op of a plain ``CAReduce`` -> the arignote reduction with the same meaning
_REDUCTIONS: dict[type, Any] = {
    ps.Add: lambda x, axis, dtype: at.sum(x, axis=axis, dtype=dtype),
    ps.Mul: lambda x, axis, dtype: at.prod(x, axis=axis, dtype=dtype),
    ps.ScalarMaximum: lambda x, axis, dtype: at.max(x, axis=axis),
    ps.ScalarMinimum: lambda x, axis, dtype: at.min(x, axis=axis),
    ps.AND: lambda x, axis, dtype: at.all(x, axis=axis),
    ps.OR: lambda x, axis, dtype: at.any(x, axis=axis),
    ptm.MulWithoutZeros: _product_of_nonzeros,
}


@converters.register(pte.CAReduce)
def _careduce(op: Any, node: Any, x: Any) -> Any:
    """A ``CAReduce`` built directly on a scalar op (``CAReduce(ps.add, axis)``); its named
    subclasses (``Sum``, ``Max``...) have their own converters in ``elemwise.py``."""
    reduce = _REDUCTIONS.get(type(op.scalar_op))
    if reduce is None:
        raise NotImplementedError(f"from_pytensor: no arignote reduction for CAReduce of "
                                  f"{type(op.scalar_op).__name__}")
    if isinstance(op.scalar_op, (ps.AND, ps.OR)) and x.type.dtype != "bool":
        # PyTensor reduces integers bitwise with AND/OR; arignote's all/any are logical
        raise NotImplementedError("from_pytensor: bitwise CAReduce of integers is not supported")
    return reduce(x, _axis(op), node.outputs[0].type.dtype)
