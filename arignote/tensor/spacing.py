"""Evenly spaced values: ``linspace``, ``logspace`` and ``geomspace``, as NumPy's.

Each is a short graph of existing ops (``arange`` times a step plus a start), so it has
derivatives with respect to ``start`` and ``stop`` and runs on every backend.  ``start`` and
``stop`` may be arrays (they broadcast; the samples go along a new axis ``axis``); ``num`` is
a Python int or a 0-d integer variable.  The values follow NumPy's formulas (``i * step +
start``, the last sample set to ``stop`` when ``endpoint``), so they agree with NumPy's to
rounding.
"""

from __future__ import annotations

from typing import Any

from arignote.config import config
from arignote.tensor import math as tm
from arignote.tensor.alloc import arange, broadcast_arrays
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import expand_dims, moveaxis
from arignote.tensor.shape import shape_padright
from arignote.tensor.variable import TensorVariable

__all__ = ["geomspace", "linspace", "logspace"]


def _count(num: Any) -> TensorVariable:
    num = as_tensor_variable(num)
    if num.ndim != 0 or num.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"linspace: num must be an integer, got {num.type}")
    return num


def _samples(start: TensorVariable, stop: TensorVariable, num: Any, endpoint: bool,
             axis: int) -> tuple[TensorVariable, TensorVariable]:
    """NumPy's linspace along a new first axis (moved to ``axis`` at the end), and its step."""
    num = _count(num)
    div = num - 1 if endpoint else num
    delta = stop - start
    steps = shape_padright(arange(num), delta.ndim)
    step = delta / tm.maximum(div, 1)
    # div = 0 (one sample, endpoint): the sample is start; NumPy's step is then NaN
    values = tm.switch(tm.gt(div, 0), steps * step + start, steps * delta + start)
    if endpoint:  # the last sample is stop exactly (a comparison, not an index: num may be 0)
        values = tm.switch(tm.eq(steps, num - 1) & tm.gt(num, 1), stop, values)
    step = tm.switch(tm.gt(div, 0), step, step * float("nan"))
    return (moveaxis(values, 0, axis) if axis != 0 else values), step


def _bounds(start: Any, stop: Any) -> tuple[TensorVariable, TensorVariable]:
    begin, end = broadcast_arrays(as_tensor_variable(start), as_tensor_variable(stop))
    return begin, end


def linspace(start: Any, stop: Any, num: Any = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop`` (``np.linspace``); with
    ``retstep``, ``(samples, step)``.  ``dtype``: of the samples (default ``config.floatX``)."""
    begin, end = _bounds(start, stop)
    values, step = _samples(tm.cast(begin, "float64"), tm.cast(end, "float64"), num, endpoint, axis)
    values = tm.cast(values, dtype or config.floatX)
    return (values, step) if retstep else values


def logspace(start: Any, stop: Any, num: Any = 50, endpoint: bool = True, base: Any = 10.0,
             dtype: Any = None, axis: int = 0) -> TensorVariable:
    """``base ** linspace(start, stop)`` (``np.logspace``); an array ``base`` broadcasts with
    the bounds."""
    begin, end = _bounds(start, stop)
    base = as_tensor_variable(base)
    exponents, _ = _samples(tm.cast(begin, "float64"), tm.cast(end, "float64"), num, endpoint, 0)
    if base.ndim:
        base = expand_dims(base, 0)
    values = base ** exponents
    return tm.cast(moveaxis(values, 0, axis) if axis != 0 else values, dtype or config.floatX)


def geomspace(start: Any, stop: Any, num: Any = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0) -> TensorVariable:
    """A geometric progression from ``start`` to ``stop`` (``np.geomspace``): evenly spaced in
    ``log10``, the ends exactly ``start`` and ``stop``, the sign of ``start`` kept (both must
    have one sign and be non-zero)."""
    begin, end = _bounds(start, stop)
    begin, end = tm.cast(begin, "float64"), tm.cast(end, "float64")
    sign = tm.sign(begin)
    exponents, _ = _samples(tm.log10(begin * sign), tm.log10(end * sign), num, endpoint, 0)
    values = 10.0 ** exponents
    # the ends are start and stop exactly, as NumPy's
    num = _count(num)
    steps = shape_padright(arange(num), begin.ndim)
    values = tm.switch(tm.eq(steps, 0), begin * sign, values)
    if endpoint:
        values = tm.switch(tm.eq(steps, num - 1) & tm.gt(num, 1), end * sign, values)
    values = values * sign
    return tm.cast(moveaxis(values, 0, axis) if axis != 0 else values, dtype or config.floatX)
