"""Statistics built from reductions and elementwise ops: mean, var, std, logsumexp.

These are graphs, not ops, so rewrites, derivatives and backends see only
`CAReduce`, `Elemwise` and shape nodes.  The number of reduced elements is a
constant when the reduced dims are static, and otherwise a product of the
input's symbolic lengths (`shape_i`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arignote.tensor import math as tm
from arignote.tensor.basic import as_tensor_variable, cast, constant
from arignote.tensor.reduction import AxisLike, _reduced, keep_reduced_dims, normalize_reduce_axes
from arignote.tensor.reduction import max as _max
from arignote.tensor.reduction import sum as _sum
from arignote.tensor.shape import shape_i
from arignote.tensor.type import normalize_dtype
from arignote.tensor.variable import TensorConstant, TensorVariable

__all__ = ["mean", "var", "std", "logsumexp"]


def _count(x: TensorVariable, axes: tuple[int, ...] | None) -> int | TensorVariable | TensorConstant:
    """The number of reduced elements: an int when the reduced dims are static, else
    the product of the input's run-time lengths (times the static ones)."""
    reduced = _reduced(axes, x.ndim)
    known = int(np.prod([n for a in reduced if (n := x.type.shape[a]) is not None], dtype=np.int64))
    unknown = [a for a in reduced if x.type.shape[a] is None]
    if not unknown or known == 0:
        return known

    factors = [shape_i(x, a) for a in unknown]
    if known != 1:
        factors.append(constant(np.int64(known)))
    return factors[0] if len(factors) == 1 else tm.mul(*factors)


def _divide(total: TensorVariable, count: float | TensorVariable | TensorConstant) -> TensorVariable:
    """``total / count`` in ``total``'s dtype when it is inexact (as NumPy's mean and var,
    which divide into their accumulator), else in float64."""
    inexact = total.type.numpy_dtype.kind in "fc"
    if isinstance(count, (int, float)):
        # a Python float converts to float32 even when it is not exactly representable
        return tm.true_div(total, constant(float(count), dtype=total.dtype if inexact else "float64"))
    return tm.true_div(total, cast(count, total.dtype) if inexact else count)


def _mean_dtypes(x: TensorVariable, dtype: Any) -> tuple[str, str]:
    """(accumulator, result) dtypes of ``np.mean``: ints give float64 and float16 is
    accumulated in float32.  A bool or integer ``dtype`` is the accumulator's and the
    result is float64, as in PyTensor (NumPy would truncate the quotient to that dtype)."""
    if dtype is not None:
        dtype = normalize_dtype(dtype)
        return dtype, ("float64" if np.dtype(dtype).kind in "biu" else dtype)
    kind = x.type.numpy_dtype
    if kind.kind in "biu":
        return "float64", "float64"
    if kind == np.float16:
        return "float32", "float16"
    return x.dtype, x.dtype


def mean(x: Any, axis: AxisLike = None, dtype: Any = None, keepdims: bool = False) -> TensorVariable:
    """Arithmetic mean over ``axis`` as ``np.mean`` (ints give float64; an empty
    reduction gives NaN); an integer ``dtype`` accumulates the sum, the mean is float64."""
    x = as_tensor_variable(x)
    axes = normalize_reduce_axes(axis, x.ndim, int_axis_on_0d=False)
    acc_dtype, out_dtype = _mean_dtypes(x, dtype)
    out = cast(_divide(_sum(x, axes, dtype=acc_dtype), _count(x, axes)), out_dtype)
    return keep_reduced_dims(out, axes, x.ndim) if keepdims else out


def var(x: Any, axis: AxisLike = None, ddof: float = 0, keepdims: bool = False,
        corrected: bool = False) -> TensorVariable:
    """Variance over ``axis`` as ``np.var``: the mean squared deviation from the mean,
    divided by ``count - ddof`` (ints give float64, complex its real dtype).

    ``corrected`` (PyTensor's "corrected two-pass" variance) subtracts
    ``|sum(x - mean)|^2 / ((count - ddof) * count)``: the rounding error the computed mean
    leaves in the deviations, zero in exact arithmetic."""
    x = as_tensor_variable(x)
    if isinstance(ddof, (bool, np.bool_)) or not isinstance(ddof, (int, float, np.integer, np.floating)):
        raise TypeError(f"var: ddof must be a number, got {ddof!r}")
    axes = normalize_reduce_axes(axis, x.ndim, int_axis_on_0d=False)
    if x.type.numpy_dtype.kind in "biu":
        x = cast(x, "float64")
    count = _count(x, axes)
    centred = x - keep_reduced_dims(_divide(_sum(x, axes), count), axes, x.ndim)
    if centred.type.numpy_dtype.kind == "c":
        squares = tm.real(centred * tm.conj(centred))
    else:
        squares = tm.sqr(centred)
    # NumPy divides by max(count - ddof, 0): no degrees of freedom give inf or NaN
    if isinstance(count, int):
        dof: float | TensorVariable = float(np.maximum(count - ddof, 0))
    else:
        dof = tm.maximum(count - ddof, 0)
    out = _divide(_sum(squares, axes), dof)
    if corrected:
        residual = _sum(centred, axes)
        residual = tm.real(residual * tm.conj(residual)) if residual.type.numpy_dtype.kind == "c" \
            else tm.sqr(residual)
        out = out - _divide(residual, dof * count)
    return keep_reduced_dims(out, axes, x.ndim) if keepdims else out


def std(x: Any, axis: AxisLike = None, ddof: float = 0, keepdims: bool = False,
        corrected: bool = False) -> TensorVariable:
    """Standard deviation over ``axis``: ``sqrt(var(x, axis, ddof, corrected=corrected))``,
    as ``np.std``."""
    return tm.sqrt(var(x, axis, ddof, keepdims, corrected))


def logsumexp(x: Any, axis: AxisLike = None, keepdims: bool = False) -> TensorVariable:
    """``log(sum(exp(x)))`` over ``axis`` without overflow, as ``scipy.special.logsumexp``.

    The largest (real part of an) element is subtracted before exponentiating
    and added back after the log; infinite maxima are not subtracted, so rows
    of -inf give -inf, a +inf gives +inf and NaN propagates.  An empty
    reduction gives -inf.  Ints and bool give float64.
    """
    x = as_tensor_variable(x)
    if x.type.numpy_dtype.kind in "biu":
        x = cast(x, "float64")
    axes = normalize_reduce_axes(axis, x.ndim)
    magnitude = tm.real(x) if x.type.numpy_dtype.kind == "c" else x
    # initial=-inf: the maximum of nothing is -inf, so empty reductions give log(0) = -inf
    largest = _max(magnitude, axes, initial=-np.inf)
    shift = tm.switch(tm.isinf(largest), 0, largest)
    shifted = x - keep_reduced_dims(shift, axes, x.ndim)
    out = tm.log(_sum(tm.exp(shifted), axes)) + shift
    return keep_reduced_dims(out, axes, x.ndim) if keepdims else out
