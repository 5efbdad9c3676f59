"""Special functions over axes: `Softmax` and `LogSoftmax` (``arignote.tensor.special``).

They follow ``scipy.special.softmax`` / ``log_softmax``: ``axis=None`` means
over all elements, the maximum is subtracted before exponentiating, and
infinities give what SciPy gives.  Unlike SciPy they accept empty arrays
(the result is empty too) and give float64 for every integer input (SciPy's
follows ``np.exp``, e.g. float16 for int8).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, cast

import numpy as np

from arignote.graph.basic import Apply
from arignote.graph.op import Op
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.math import eq, exp, gamma, gammaln, isnan, log, log1p, logical_and, logical_not, switch
from arignote.tensor.reduction import (
    AxisLike,
    _check_axes_fit,
    _check_axis_field,
    logsumexp,
    normalize_reduce_axes,
)
from arignote.tensor.reduction import sum as tensor_sum
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["Softmax", "LogSoftmax", "softmax", "log_softmax", "logsumexp"]


def _softmax(x: np.ndarray, axis: tuple[int, ...] | None) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x: np.ndarray, axis: tuple[int, ...] | None) -> np.ndarray:
    largest = np.max(x, axis=axis, keepdims=True)
    # an infinite maximum is not subtracted (it would make every entry NaN)
    shifted = x - np.where(np.isfinite(largest), largest, 0)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@dataclass(frozen=True)
class _AxisNormalizer(Op):
    """An elementwise-shaped function normalising over ``axis`` (``None``: all axes)."""

    axis: tuple[int, ...] | None = None
    numpy_function: ClassVar[staticmethod[[np.ndarray, tuple[int, ...] | None], np.ndarray]]

    def __post_init__(self) -> None:
        _check_axis_field(self, self.axis)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        _check_axes_fit(self, self.axis, x)
        dtype = "float64" if x.type.numpy_dtype.kind in "biu" else x.dtype
        return Apply.build(self, [x], [TensorType(dtype, x.type.shape)])

    def _runner(self, out_dtype: np.dtype) -> Callable[[np.ndarray], np.ndarray]:
        function = type(self).numpy_function
        axis = self.axis

        def run(x: np.ndarray) -> np.ndarray:
            if x.size == 0:
                return np.empty(x.shape, dtype=out_dtype)
            # the overflow-free results of inf - inf and log(0) are the intended NaN and -inf
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.asarray(function(x.astype(out_dtype, copy=False), axis))
        return run

    def perform(self, x: np.ndarray) -> np.ndarray:
        return self._runner(np.dtype("float64") if x.dtype.kind in "biu" else x.dtype)(x)

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        return self._runner(node.outputs[0].type.numpy_dtype)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [input_shapes[0]]


@dataclass(frozen=True)
class Softmax(_AxisNormalizer):
    """``exp(x) / sum(exp(x), axis)``, computed with the maximum subtracted."""

    numpy_function = staticmethod(_softmax)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``s * (g - sum(g * s, axis))`` with ``s`` the softmax."""

        s, g = outputs[0], cotangents[0]
        return [s * (g - tensor_sum(g * s, axis=self.axis, keepdims=True))]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        """The same formula: the softmax's Jacobian is symmetric."""
        return self.pullback(inputs, outputs, tangents)


@dataclass(frozen=True)
class LogSoftmax(_AxisNormalizer):
    """``x - logsumexp(x, axis)``, computed with the maximum subtracted."""

    numpy_function = staticmethod(_log_softmax)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``g - softmax(x) * sum(g, axis)``, the softmax read from the output as ``exp(out)``."""

        out, g = outputs[0], cotangents[0]
        return [g - exp(out) * tensor_sum(g, axis=self.axis, keepdims=True)]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        """``t - sum(softmax(x) * t, axis)``."""

        out, t = outputs[0], tangents[0]
        return [t - tensor_sum(exp(out) * t, axis=self.axis, keepdims=True)]


def softmax(x: Any, axis: AxisLike = None) -> TensorVariable:
    """``scipy.special.softmax``: ``exp(x)`` normalised to sum to 1 over ``axis``
    (``None``: all elements)."""
    x = as_tensor_variable(x)
    return cast(TensorVariable, Softmax(normalize_reduce_axes(axis, x.ndim)).make_node(x).outputs[0])


def log_softmax(x: Any, axis: AxisLike = None) -> TensorVariable:
    """``scipy.special.log_softmax``: the log of :func:`softmax`, accurate where
    softmax underflows."""
    x = as_tensor_variable(x)
    return cast(TensorVariable, LogSoftmax(normalize_reduce_axes(axis, x.ndim)).make_node(x).outputs[0])

# PyTensor's special module has the elementwise special functions too (logaddexp, xlogy, ...)
from arignote.tensor.special_functions import *  # noqa: E402, F403
from arignote.tensor.special_functions import __all__ as _special_functions_all  # noqa: E402

__all__.extend(_special_functions_all)


# Functions PyTensor's special module writes as expressions of others (its formulas, so
# rewrites and derivatives treat them like any expression).

def beta(a: Any, b: Any) -> TensorVariable:
    """The beta function ``gamma(a) gamma(b) / gamma(a + b)``."""
    return gamma(a) * gamma(b) / gamma(a + b)


def betaln(a: Any, b: Any) -> TensorVariable:
    """The log of the beta function, ``gammaln(a) + gammaln(b) - gammaln(a + b)``."""
    return gammaln(a) + gammaln(b) - gammaln(a + b)


def factorial(n: Any) -> TensorVariable:
    """``n!`` as ``gamma(n + 1)`` (real ``n`` too; SciPy's ``factorial`` gives 0 for ``n < 0``)."""
    return gamma(n + 1)


def logit(x: Any) -> TensorVariable:
    """The inverse of the sigmoid, ``log(x / (1 - x))``."""
    return log(x / (1 - x))


def poch(z: Any, m: Any) -> TensorVariable:
    """The rising factorial (Pochhammer symbol) ``gamma(z + m) / gamma(z)``."""
    return gamma(z + m) / gamma(z)


def xlog1py(x: Any, y: Any) -> TensorVariable:
    """``x * log1p(y)``, 0 where ``x == 0`` unless ``y`` is NaN (``scipy.special.xlog1py``)."""
    return switch(logical_and(eq(x, 0), logical_not(isnan(y))), 0, x * log1p(y))


__all__.extend(["beta", "betaln", "factorial", "logit", "poch", "xlog1py"])
