"""One-dimensional interpolation: ``interp`` (``np.interp``) and PyTensor's ``interpolate1d``.

Both locate each query point among the data points with ``searchsorted``
and combine the neighbouring values with elementwise ops, so they work on
queries of any shape, differentiate (with respect to the values, the
queries and the data points; the located index is piecewise constant) and
run on every backend.

``interp`` follows NumPy, including ``period`` (PyTensor accepts it but ignores
it), except for the dtype: its result has the promoted dtype of its inputs (at
least a float), as in PyTensor, not always float64.  ``interpolate1d`` follows
PyTensor's definition: it sorts the data points, and without extrapolation
gives ``left_pad`` to queries at or below the first point (searchsorted's
left side puts a query equal to the first point before it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.extra_ops import searchsorted
from arignote.tensor.join import concatenate
from arignote.tensor.math import clip, eq, le, lt, mod, switch
from arignote.tensor.shape import shape_i
from arignote.tensor.sort import argsort
from arignote.tensor.variable import TensorVariable

__all__ = ["interp", "interpolate1d"]

METHODS = ("linear", "nearest", "first", "last", "mean")


def _float_dtype(*variables: TensorVariable) -> str:
    """The promoted dtype of ``variables``, at least a float (float64 for integers)."""
    dtype = np.result_type(*[v.type.numpy_dtype for v in variables])
    return dtype.name if dtype.kind in "fc" else "float64"


def _data_points(xp: Any, fp: Any, where: str) -> tuple[TensorVariable, TensorVariable]:
    xp, fp = as_tensor_variable(xp), as_tensor_variable(fp)
    if "c" in (xp.type.numpy_dtype.kind, fp.type.numpy_dtype.kind):
        raise TypeError(f"{where}: complex data points are not supported, got {xp.type} and {fp.type}")
    if xp.ndim != 1 or fp.ndim != 1:
        raise ValueError(f"{where}: the data points must be 1-d, got {xp.type} and {fp.type}")
    n, m = xp.type.shape[0], fp.type.shape[0]
    if n is not None and m is not None and n != m:
        raise ValueError(f"{where}: the x and y data points must have the same length, got {n} and {m}")
    if n == 0 or m == 0:
        raise ValueError(f"{where}: there must be at least one data point")
    return xp, fp


def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None,
           period: Any = None) -> TensorVariable:
    """``np.interp``: the piecewise-linear interpolant through ``(xp, fp)`` at ``x``.

    ``xp`` must be increasing (unless ``period`` is given: then it is sorted after taking it
    modulo ``period``, and ``left``/``right`` are ignored).  ``left``/``right``: the values
    below ``xp[0]`` / above ``xp[-1]`` (``fp[0]`` / ``fp[-1]`` by default).
    """
    xp, fp = _data_points(xp, fp, "interp")
    x = as_tensor_variable(x)
    dtype = _float_dtype(x, xp, fp)
    x, xp, fp = cast(x, dtype), cast(xp, dtype), cast(fp, dtype)
    if period is not None:
        period = cast(abs(as_tensor_variable(period)), dtype)
        x, xp = mod(x, period), mod(xp, period)
        order = argsort(xp)
        xp, fp = xp[order], fp[order]
        # one point of the neighbouring periods on each side closes the cycle
        xp = concatenate([xp[-1:] - period, xp, xp[:1] + period])
        fp = concatenate([fp[-1:], fp, fp[:1]])
        left = right = None
    n = shape_i(xp, 0)
    # xp[lo] <= x < xp[lo + 1] inside the range; the end intervals outside it
    hi = clip(searchsorted(xp, x, side="right"), 1, n - 1)
    lo = hi - 1
    gap = xp[hi] - xp[lo]
    # a zero gap (a repeated point, or a single one) is only reached at the point itself,
    # which the switch below answers: dividing by 1 there keeps the unused branch finite
    slope = (fp[hi] - fp[lo]) / switch(eq(gap, 0), np.asarray(1, dtype), gap)
    inside = slope * (x - xp[lo]) + fp[lo]
    # exact at the data points, as NumPy (and finite where an interval has zero width)
    inside = switch(eq(x, xp[lo]), fp[lo], switch(eq(x, xp[-1]), fp[-1], inside))
    low = fp[0] if left is None else cast(left, dtype)
    high = fp[-1] if right is None else cast(right, dtype)
    return switch(lt(x, xp[0]), low, switch(lt(xp[-1], x), high, inside))


def interpolate1d(x: Any, y: Any, method: str = "linear", left_pad: Any = None,
                  right_pad: Any = None, extrapolate: bool = True) -> Callable[[Any], TensorVariable]:
    """A function interpolating the data points ``(x, y)`` (sorted by ``x`` here) at queries of
    any shape, as PyTensor's ``interpolate1d``.

    ``method``: ``"linear"``, ``"nearest"``, ``"first"`` (the value of the point below),
    ``"last"`` (of the point above) or ``"mean"`` (of both).  With ``extrapolate=False``,
    queries below the first point give ``left_pad`` (``y[0]`` by default) and above the
    last ``right_pad`` (``y[-1]``); otherwise the end intervals are extended.
    """
    if method not in METHODS:
        raise ValueError(f"interpolate1d: unknown method {method!r}, expected one of "
                         f"{', '.join(map(repr, METHODS))}")
    x, y = _data_points(x, y, "interpolate1d")
    order = argsort(x)
    x, y = x[order], y[order]
    low = y[0] if left_pad is None else as_tensor_variable(left_pad)
    high = y[-1] if right_pad is None else as_tensor_variable(right_pad)

    def interpolate(x_hat: Any) -> TensorVariable:
        x_hat = as_tensor_variable(x_hat)
        n = shape_i(x, 0)
        idx = searchsorted(x, x_hat)  # x[idx - 1] < x_hat <= x[idx]
        if method == "first":
            y_hat = y[clip(idx - 1, 0, n - 1)]
        elif method == "last":
            y_hat = y[clip(idx, 0, n - 1)]
        else:
            hi = clip(idx, 1, n - 1)
            lo = hi - 1
            if method == "linear":
                y_hat = y[lo] + (x_hat - x[lo]) / (x[hi] - x[lo]) * (y[hi] - y[lo])
            elif method == "nearest":
                y_hat = switch(le(x_hat - x[lo], x[hi] - x_hat), y[lo], y[hi])
            else:
                y_hat = (y[lo] + y[hi]) / 2
        if extrapolate:
            return y_hat
        return switch(eq(idx, 0), low, switch(eq(idx, n), high, y_hat))

    return interpolate
