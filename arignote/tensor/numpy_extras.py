"""NumPy conveniences PyTensor's tensor module has, written with existing ops.

``isclose``/``allclose``, ``isposinf``/``isneginf``, ``nan_to_num``, ``deg2rad``/``rad2deg``,
``median``, ``atleast_1d``/``2d``/``3d``/``atleast_Nd``, ``horizontal_stack``/
``vertical_stack``, and the constants ``e``, ``pi``, ``inf``, ``nan``, ``euler_gamma``.
Each follows NumPy's definition (a short graph of elementwise ops, sorting and indexing), so
each has derivatives where its parts do and runs on every backend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from arignote.tensor import math as tm
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.dimshuffle import expand_dims, moveaxis
from arignote.tensor.join import concatenate
from arignote.tensor.reduction import all as tensor_all
from arignote.tensor.shape import shape_i
from arignote.tensor.sort import sort
from arignote.tensor.variable import TensorVariable

__all__ = ["allclose", "atleast_1d", "atleast_2d", "atleast_3d", "atleast_Nd", "deg2rad", "e",
           "euler_gamma", "horizontal_stack", "inf", "isclose", "isneginf", "isposinf", "median",
           "nan", "nan_to_num", "pi", "rad2deg", "vertical_stack"]

e = math.e
pi = math.pi
inf = math.inf
nan = math.nan
euler_gamma = float(np.euler_gamma)


def isposinf(x: Any) -> TensorVariable:
    """Where ``x`` is +inf."""
    x = as_tensor_variable(x)
    return tm.and_(tm.isinf(x), tm.gt(x, 0))


def isneginf(x: Any) -> TensorVariable:
    """Where ``x`` is -inf."""
    x = as_tensor_variable(x)
    return tm.and_(tm.isinf(x), tm.lt(x, 0))


def isclose(a: Any, b: Any, rtol: float = 1.0e-5, atol: float = 1.0e-8,
            equal_nan: bool = False) -> TensorVariable:
    """``np.isclose``: ``|a - b| <= atol + rtol * |b|``, infinities equal to themselves, NaNs
    equal only with ``equal_nan``."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    finite = tm.and_(tm.isfinite(a), tm.isfinite(b))
    # infinities and NaNs are compared separately: zeroed here, so that no inf - inf is formed
    a_finite, b_finite = tm.switch(finite, a, 0), tm.switch(finite, b, 0)
    close = tm.and_(finite, tm.le(tm.abs(a_finite - b_finite), atol + rtol * tm.abs(b_finite)))
    same_infinity = tm.and_(tm.and_(tm.isinf(a), tm.isinf(b)), tm.eq(a, b))
    result = tm.or_(close, same_infinity)
    if equal_nan:
        result = tm.or_(result, tm.and_(tm.isnan(a), tm.isnan(b)))
    return result


def allclose(a: Any, b: Any, rtol: float = 1.0e-5, atol: float = 1.0e-8,
             equal_nan: bool = False) -> TensorVariable:
    """``np.allclose``: every element close (see :func:`isclose`)."""
    return tensor_all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> TensorVariable:
    """``np.nan_to_num``: NaN, +inf and -inf replaced (by 0 and the dtype's largest and
    smallest finite values unless given); integers unchanged."""
    x = as_tensor_variable(x)
    if x.type.numpy_dtype.kind not in "fc":
        return x
    info = np.finfo(x.type.numpy_dtype)
    high = info.max if posinf is None else posinf
    low = info.min if neginf is None else neginf
    out = tm.switch(tm.isnan(x), cast(nan, x.dtype), x)
    out = tm.switch(isposinf(x), cast(high, x.dtype), out)
    return tm.switch(isneginf(x), cast(low, x.dtype), out)


def deg2rad(x: Any) -> TensorVariable:
    """Degrees to radians."""
    return as_tensor_variable(x) * (math.pi / 180.0)


def rad2deg(x: Any) -> TensorVariable:
    """Radians to degrees."""
    return as_tensor_variable(x) * (180.0 / math.pi)


def median(x: Any, axis: int | Sequence[int] | None = None) -> TensorVariable:
    """``np.median``: the middle of the sorted values (the mean of the two middle ones for an
    even count) along ``axis`` (all axes when None)."""
    x = as_tensor_variable(x)
    if axis is None:
        x, axis = x.flatten(), 0
    elif not isinstance(axis, (int, np.integer)):
        axes = sorted(a % x.ndim for a in axis)
        kept = [a for a in range(x.ndim) if a not in axes]
        x = x.dimshuffle(*kept, *axes).reshape((*[shape_i(x, a) for a in kept], -1))
        axis = -1
    ordered = moveaxis(sort(x, axis=axis), axis, -1)
    n = shape_i(ordered, ordered.ndim - 1)
    # the two middle values (one value twice for an odd count), averaged as NumPy does
    upper = ordered[..., n // 2]
    lower = ordered[..., (n - 1) // 2]
    return (lower + upper) / 2.0


def atleast_Nd(x: Any, n: int = 1, left: bool = True) -> TensorVariable:
    """``x`` with length-1 axes added (in front, or at the end with ``left=False``) to make
    ``n`` dimensions."""
    x = as_tensor_variable(x)
    missing = n - x.ndim
    if missing <= 0:
        return x
    axes = list(range(missing)) if left else list(range(x.ndim, n))
    return expand_dims(x, axes)


def atleast_1d(*arrays: Any) -> Any:
    """``np.atleast_1d``: one result per argument (a list when several)."""
    out = [atleast_Nd(a, 1) for a in arrays]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arrays: Any) -> Any:
    """``np.atleast_2d``: one result per argument (a list when several)."""
    out = [atleast_Nd(a, 2) for a in arrays]
    return out[0] if len(out) == 1 else out


def atleast_3d(*arrays: Any) -> Any:
    """``np.atleast_3d``: a 1-d ``(n,)`` becomes ``(1, n, 1)``, a 2-d ``(m, n)`` ``(m, n, 1)``."""
    out = []
    for a in arrays:
        a = as_tensor_variable(a)
        if a.ndim == 0:
            out.append(expand_dims(a, [0, 1, 2]))
        elif a.ndim == 1:
            out.append(expand_dims(a, [0, 2]))
        elif a.ndim == 2:
            out.append(expand_dims(a, [2]))
        else:
            out.append(a)
    return out[0] if len(out) == 1 else out


def horizontal_stack(*arrays: Any) -> TensorVariable:
    """``np.hstack`` of matrices (PyTensor's name): joined along axis 1."""
    return concatenate([atleast_Nd(a, 2, left=False) for a in arrays], axis=1)


def vertical_stack(*arrays: Any) -> TensorVariable:
    """``np.vstack`` (PyTensor's name): joined along axis 0, vectors as rows."""
    return concatenate([atleast_Nd(a, 2) for a in arrays], axis=0)
