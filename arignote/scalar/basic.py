"""Scalar ops: the per-element functions that `Elemwise` maps over arrays.

A scalar op is an immutable value naming one mathematical function.  Its
NumPy implementation works on whole arrays (so ``Elemwise`` can call it
directly), and its output dtype is NumPy's for the same inputs, found once per
dtype combination by asking NumPy.  One deliberate PyTensor departure: a
function whose result is real-valued (``exp``, ``/``, ``sigmoid``, ...) gives
float32, not NumPy's float16, for bool and 8/16-bit integer inputs, and
computes it in float32 too (NumPy's float16 loop would give ``exp(int8(12))
= inf`` and ``sqrt(12) = 3.4648438``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from arignote.config import config
from arignote.graph import hooks
from arignote.graph.basic import Constant
from arignote.graph.op import NotDifferentiable
from arignote.graph.type import is_undefined_gradient

_SMALL_INTS = frozenset(np.dtype(d) for d in ("bool", "int8", "uint8", "int16", "uint16"))


@dataclass(frozen=True)
class ScalarOp:
    """One elementwise function.  Subclasses set ``nin`` and ``nfunc``."""

    #: number of inputs; -1 for ops taking any number of inputs (add, mul)
    nin: ClassVar[int] = 1
    #: number of outputs (only `Composite` has several)
    nout: ClassVar[int] = 1
    #: the NumPy (or SciPy) function applied to whole arrays
    nfunc: ClassVar[Callable[..., Any]]
    #: whether integer inputs give a real-valued (float) result
    float_result: ClassVar[bool] = False
    #: symbol used when printing infix operators
    symbol: ClassVar[str | None] = None

    def impl(self, *inputs: Any) -> Any:
        args = float32_for_small_ints(inputs) if self.float_result else inputs
        return type(self).nfunc(*args)

    def output_dtype(self, *dtypes: np.dtype) -> np.dtype:
        """The output dtype for inputs of ``dtypes``; TypeError if unsupported."""
        key = tuple(np.dtype(d) for d in dtypes)
        result = _output_dtype(self, key)
        if config.cast_policy == "numpy+floatX" and result.kind == "f":
            return _keep_floatx(self, key, result)
        return result

    def output_dtypes(self, *dtypes: np.dtype) -> tuple[np.dtype, ...]:
        """The dtype of each of the ``nout`` outputs for inputs of ``dtypes``."""
        return (self.output_dtype(*dtypes),)

    def check_arity(self, n: int) -> None:
        if self.nin >= 0 and n != self.nin:
            raise TypeError(f"{self} takes {self.nin} input(s), got {n}")
        if self.nin < 0 and n < 1:
            raise TypeError(f"{self} needs at least one input")

    @property
    def name(self) -> str:
        return type(self).__name__.lower()

    # --- derivatives ----------------------------------------------------------------
    # Written with arignote.tensor ops on the whole (broadcast) arrays, so a rule
    # holds for any shapes; `Elemwise` sums the results back to each input's shape.

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        """The elementwise derivative of the output with respect to each input
        (None: the output does not depend on it differentiably)."""
        raise NotDifferentiable(f"{self} has no derivative rule")

    def pullback_elementwise(self, inputs: Sequence[Any], output: Any, cotangent: Any) -> list[Any]:
        """The cotangent of each input, elementwise (not yet summed over broadcast axes)."""
        # an undefined derivative (a placeholder) stays one: it fails only where it is needed
        return [None if d is None else d if is_undefined_gradient(d) else cotangent * d
                for d in self.partials(inputs, output)]

    def pushforward_elementwise(self, inputs: Sequence[Any], output: Any,
                                tangents: Sequence[Any]) -> Any:
        """The tangent of the output given the inputs' (None: zero)."""
        pairs = [(t, d) for t, d in zip(tangents, self.partials(inputs, output))
                 if t is not None and d is not None]
        if not pairs:
            return None
        terms = [t * d for t, d in pairs]
        return terms[0] if len(terms) == 1 else tensor_api().add(*terms)

    def __str__(self) -> str:
        return type(self).__name__

    def __call__(self, *inputs: Any) -> Any:
        """This function of 0-d variables or numbers (PyTensor's ``ps.add(x, y)``): the
        0-d result of ``Elemwise(self)``; inputs with dimensions are refused (TypeError)."""
        for x in inputs:
            if getattr(x, "ndim", 0) != 0 or (not hasattr(x, "type") and np.ndim(x) != 0):
                raise TypeError(f"{self}: a scalar op takes 0-d inputs, got {x!r} with "
                                f"{getattr(x, 'ndim', np.ndim(x))} dimension(s); map it over "
                                "arrays with Elemwise")
        return tensor_api().Elemwise(self)(*inputs)


@functools.lru_cache(maxsize=4096)
def _output_dtype(op: ScalarOp, dtypes: tuple[np.dtype, ...]) -> np.dtype:
    samples = [np.ones(1, dtype=d) for d in dtypes]
    try:
        with np.errstate(all="ignore"):
            result = np.asarray(op.impl(*samples)).dtype
    except (TypeError, ValueError) as exc:
        names = ", ".join(d.name for d in dtypes)
        raise TypeError(f"{op} is not defined for inputs of dtype ({names})") from exc
    if op.float_result and result.kind == "f" and small_int_dtypes(dtypes):
        return np.dtype("float32")
    return result


def float32_for_small_ints(inputs: Sequence[Any]) -> Sequence[Any]:
    """``inputs`` converted to float32 when all are bool or 8/16-bit integers: a real-valued
    function of them is computed in its float32 output dtype, never in NumPy's float16."""
    if all(getattr(x, "dtype", None) in _SMALL_INTS for x in inputs):
        return [np.asarray(x, dtype=np.float32) for x in inputs]
    return inputs


def small_int_dtypes(dtypes: Sequence[np.dtype]) -> bool:
    """Whether every dtype is bool or an 8/16-bit integer (see `float32_for_small_ints`)."""
    return all(np.dtype(d) in _SMALL_INTS for d in dtypes)


def upcast(*dtypes: Any) -> np.dtype:
    """NumPy's promotion of ``dtypes``; under ``config.cast_policy`` "numpy+floatX" with a
    float32 (float16) floatX, a float64 (or float32) result none of ``dtypes`` asked for
    explicitly is floatX instead (PyTensor's ``upcast``)."""
    key = [np.dtype(d) for d in dtypes]
    return floatx_kept(np.result_type(*key), key)


def floatx_kept(result: np.dtype, explicit: Sequence[np.dtype]) -> np.dtype:
    """``result`` of promoting dtypes whose explicit float widths are ``explicit``: floatX
    when the "numpy+floatX" policy keeps data in a float32 or float16 floatX (no operand
    wider than floatX is a float), else ``result`` unchanged."""
    if config.cast_policy != "numpy+floatX" or result.kind != "f":
        return result
    floatx = np.dtype(config.floatX)
    if result.itemsize <= floatx.itemsize:
        return result
    if any(d.kind == "f" and d.itemsize > floatx.itemsize for d in explicit):
        return result
    return floatx


# the integers a real-valued function (exp, arctan2, ...) gives float64 for: PyTensor counts
# them as an explicit float64 when it decides whether to keep a float32 floatX
_FLOAT64_INTS = frozenset(np.dtype(d) for d in ("int32", "int64", "uint32", "uint64"))


def _keep_floatx(op: ScalarOp, dtypes: tuple[np.dtype, ...], result: np.dtype) -> np.dtype:
    # Only a float64 that comes from promoting the operands is kept at floatX (int64 +
    # float32); a dtype the function itself decides (exp(int64), a cast) stays.
    if not dtypes or np.result_type(*dtypes) != result:
        return result
    # PyTensor types true division as + and * (int64 / float32 is kept at float32), the other
    # real-valued functions as of their inputs widened to floats (arctan2(int64, float32))
    widens = op.float_result and type(op).nfunc is not np.true_divide
    explicit = [np.dtype("float64") if widens and d in _FLOAT64_INTS else d for d in dtypes]
    return floatx_kept(result, explicit)


def tensor_api() -> Any:
    """``arignote.tensor``, for derivative rules: ``Elemwise`` applies them to tensors.

    The tensor layer sits above this one, so it is reached through a hook
    (:data:`arignote.graph.hooks.tensor_api`) that ``arignote.tensor`` fills.
    """
    return hooks.tensor_api.get()


def constant_scalar(var: Any) -> Any:
    """The single value of a constant whose elements are all equal, else None."""
    if not isinstance(var, Constant):
        return None
    data = np.asarray(var.data)
    if data.size == 0:
        return None
    first = data.reshape(-1)[0]
    return first.item() if data.size == 1 or bool(np.all(data == first)) else None


def __getattr__(name: str) -> Any:
    # PyTensor's ``pytensor.scalar.basic`` also holds the types, variables and op instances,
    # which build on this module: reached lazily
    from arignote.scalar import instances, types

    if name in instances.INSTANCES:
        return instances.INSTANCES[name]
    if name in types.__all__:
        return getattr(types, name)
    try:
        return types.lazy_attribute(name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
