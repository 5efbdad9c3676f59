"""The rest of ``pytensor.tensor.math``: conveniences written with the elementwise math,
reductions and products, so each has derivatives and runs on every backend.

``complex`` is the one new op (:class:`arignote.scalar.complex_parts.Complex`);
``kn`` is ``kv`` at an integer order, as in PyTensor.  ``sgn`` and
``complex_from_polar``, deprecated in PyTensor, are kept without a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.scalar.complex_parts import Complex
from arignote.tensor import math as tm
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.dimshuffle import squeeze
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.join import concatenate, stack
from arignote.tensor.products import Dot, MatMul, dot
from arignote.tensor.reduction import max as tensor_max
from arignote.tensor.reduction import mean
from arignote.tensor.reduction import min as tensor_min
from arignote.tensor.shape import shape_i
from arignote.tensor.special_functions import kv
from arignote.tensor.variable import TensorVariable

__all__ = ["ceil_intdiv", "complex", "complex_from_polar", "cov", "dense_dot", "divmod", "floor_div",
           "iround", "kn", "largest", "ptp", "sgn", "smallest"]

floor_div = tm.int_div  # PyTensor's name: floor division, for floats too (np.floor_divide)
sgn = tm.sign
dense_dot = dot  # PyTensor's dot of dense (not sparse) operands; arignote's dot is that
# PyTensor's product op instances (``tensor.math._dot``, ``_matmul``; not in __all__).  arignote's
# Dot also contracts operands of rank > 2 (as np.dot), where PyTensor's refuses them.
_dot = Dot()
_matmul = MatMul()


def complex(real: Any, imag: Any) -> TensorVariable:
    """The complex number ``real + imag * 1j`` elementwise, each part set exactly.

    float32 parts give complex64, others complex128; no derivative (arignote
    differentiates real-valued functions only).
    """
    return _complex(real, imag)


_complex = Elemwise(Complex())


def complex_from_polar(abs: Any, angle: Any) -> TensorVariable:
    """The complex number of modulus ``abs`` and argument ``angle``."""
    return complex(abs * tm.cos(angle), abs * tm.sin(angle))


def ceil_intdiv(a: Any, b: Any) -> TensorVariable:
    """``ceil(a / b)`` for integers, exact (no rounding through floats): ``a // b``, plus one
    where the division leaves a remainder."""
    quotient = tm.int_div(a, b)
    return quotient + cast(tm.neq(tm.mod(a, b), 0), quotient.dtype)


def divmod(x: Any, y: Any) -> tuple[TensorVariable, TensorVariable]:
    """``(x // y, x % y)`` elementwise, as Python's ``divmod`` and ``np.divmod``."""
    return tm.int_div(x, y), tm.mod(x, y)


def iround(a: Any, mode: str | None = None) -> TensorVariable:
    """``round(a, mode)`` as int64."""
    return cast(tm.round(a, mode), "int64")


def kn(n: Any, x: Any) -> TensorVariable:
    """Modified Bessel function of the second kind of integer order ``n`` (``scipy.special.kn``),
    computed as ``kv(n, x)`` as in PyTensor (so differentiable in ``x``)."""
    return kv(n, x)


def largest(*args: Any) -> TensorVariable:
    """The elementwise largest of the arguments, like Python's ``max``.

    Two arguments give ``switch(a > b, a, b)`` as in PyTensor (``b`` where either is NaN);
    more are stacked and reduced with ``max`` (NaN propagates).
    """
    return _extreme(args, tm.gt, tensor_max, "largest")


def smallest(*args: Any) -> TensorVariable:
    """The elementwise smallest of the arguments, like Python's ``min`` (see `largest`)."""
    return _extreme(args, tm.lt, tensor_min, "smallest")


def _extreme(args: Sequence[Any], beats: Any, reduce: Any, name: str) -> TensorVariable:
    if len(args) == 2:
        a, b = args
        return tm.switch(beats(a, b), a, b)
    if not args:
        raise TypeError(f"{name} needs at least one argument")
    return reduce(stack(list(args)), axis=0)


def ptp(a: Any, axis: int | Sequence[int] | None = None) -> TensorVariable:
    """Peak to peak: ``max(a, axis) - min(a, axis)`` (``np.ptp``; all elements when ``axis`` is None)."""
    a = as_tensor_variable(a)
    return tensor_max(a, axis) - tensor_min(a, axis)


def cov(m: Any, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: int | None = None,
        fweights: Any = None, aweights: Any = None) -> TensorVariable:
    """The covariance matrix of the variables in the rows (``rowvar``) or columns of ``m``, and
    of ``y`` if given, as ``np.cov``; normalised by ``N - ddof`` (``ddof`` 1, or 0 when ``bias``).

    As PyTensor, the result keeps the input's float dtype (``np.cov`` always computes in
    float64) and ``fweights``/``aweights`` are not supported.  A 1-d ``m`` is one variable; a
    2-d ``m`` with ``rowvar=False`` is transposed unless its first axis is statically 1 (NumPy
    also leaves a matrix of one row as it is when that is known only from the values).
    """
    if fweights is not None or aweights is not None:
        raise NotImplementedError("cov: fweights and aweights are not supported")
    if ddof is not None and (isinstance(ddof, bool) or not isinstance(ddof, int)):
        raise TypeError(f"cov: ddof must be an int, got {ddof!r}")
    parts = [_observations(m, rowvar, "m")]
    if y is not None:
        parts.append(_observations(y, rowvar, "y"))
    x = concatenate(parts, axis=0) if len(parts) > 1 else parts[0]
    if x.type.numpy_dtype.kind not in "fc":
        x = cast(x, "float64")
    if ddof is None:
        ddof = 0 if bias else 1
    centred = x - mean(x, axis=1, keepdims=True)
    count = cast(shape_i(x, 1) - ddof, x.dtype)
    return squeeze(dot(centred, centred.conj().T) / count)


def _observations(m: Any, rowvar: bool, name: str) -> TensorVariable:
    m = as_tensor_variable(m)
    if m.ndim > 2:
        raise ValueError(f"cov: {name} must have at most 2 dimensions, got {m.type}")
    if m.ndim < 2:
        return m.reshape((1, -1))
    return m.T if not rowvar and m.type.shape[0] != 1 else m
