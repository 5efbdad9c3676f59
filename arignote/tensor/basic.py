"""Making tensor variables: constructors, constants and conversions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from arignote.config import config
from arignote.graph.basic import Variable, intern_constant
from arignote.scalar.math import Cast

# the constructors (at.matrix, at.dmatrix, at.dmatrices...) are the tensor API's, defined with the
# type as in PyTensor
from arignote.tensor.namespace_forwarding import tensor_namespace_getattr
from arignote.tensor.type import *  # noqa: F403
from arignote.tensor.type import TensorType, normalize_dtype
from arignote.tensor.variable import TensorConstant, TensorVariable

_PYTHON_SCALARS = (bool, int, float, complex)


def _array_for(value: Any, dtype: Any) -> np.ndarray:
    if dtype is not None:
        dtype = normalize_dtype(dtype)
        array = np.asarray(value)
        if array.dtype != dtype:
            with np.errstate(all="ignore"):
                converted = array.astype(dtype)
            # Rounding to a float type is what NumPy does; changing an integer is not.
            lossy = array.dtype.kind in "biufc" and not np.array_equal(
                converted, array, equal_nan=array.dtype.kind in "fc")
            if lossy and np.dtype(dtype).kind not in "fc":
                raise TypeError(f"constant {value!r} cannot be represented as {dtype}")
            array = converted
        return array
    numpy_floatx = config.cast_policy == "numpy+floatX"
    # a Python float is floatX; a NumPy scalar (np.float64 is a float too) was typed on purpose
    if isinstance(value, float) and not isinstance(value, np.generic):
        return np.asarray(value, dtype=config.floatX)
    array = np.asarray(value)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"cannot make a tensor constant from {type(value).__name__} "
                        f"(dtype {array.dtype})")
    if not isinstance(value, (list, tuple)):
        return array
    if numpy_floatx:  # PyTensor's rule: a sequence has NumPy's dtype, floatX when empty
        return array.astype(config.floatX) if array.size == 0 else array
    if array.dtype == np.float64 and _all_python_floats(value):
        array = array.astype(config.floatX)
    return array


def _all_python_floats(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_all_python_floats(v) for v in value)
    return isinstance(value, (float, int)) and not isinstance(value, bool)


def constant(value: Any, name: str | None = None, dtype: Any = None,
             shape: Sequence[int | None] | None = None, ndim: int | None = None) -> TensorConstant:
    """The (interned) constant holding ``value``.  With ``ndim`` (PyTensor's), length-1 axes
    are added in front or leading ones dropped to reach that rank (ValueError if impossible)."""
    if isinstance(value, TensorConstant):  # a constant again, perhaps of another rank or dtype
        value = value.data
    array = _array_for(value, dtype)
    if ndim is not None and array.ndim != ndim:
        if array.ndim < ndim:
            array = array.reshape((1,) * (ndim - array.ndim) + array.shape)
        elif all(n == 1 for n in array.shape[:array.ndim - ndim]):
            array = array.reshape(array.shape[array.ndim - ndim:])
        else:
            raise ValueError(f"an array of shape {array.shape} cannot be a constant with {ndim} dimensions")
    normalize_dtype(array.dtype)  # rejects unsupported dtypes with a clear message
    array = np.array(array, copy=True)  # the graph owns its constants; nobody may mutate them
    array.flags.writeable = False
    kind = TensorType(array.dtype, array.shape if shape is None else shape)
    if shape is not None and not kind.is_super(TensorType(array.dtype, array.shape)):
        raise ValueError(f"constant of shape {array.shape} does not fit shape {tuple(shape)}")
    return intern_constant(kind, array, name)  # type: ignore[return-value]


def as_tensor_variable(value: Any, name: str | None = None, ndim: int | None = None,
                       dtype: Any = None) -> TensorVariable:
    """``value`` as a tensor variable: variables pass through, values become constants."""
    if isinstance(value, TensorVariable | TensorConstant):
        result = value
    elif isinstance(value, Variable):
        raise TypeError(f"expected a tensor variable, got {value} of type {value.type}")
    elif hasattr(value, "owner") and hasattr(value, "outputs"):
        raise TypeError("expected a variable, got an Apply node; use node.outputs[...]")
    elif isinstance(value, (list, tuple)) and any(isinstance(v, Variable) for v in _flatten(value)):
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.join import stack

        result = stack([as_tensor_variable(v) for v in value])
    else:
        result = constant(value, dtype=dtype)
        dtype = None
    if dtype is not None and result.dtype != normalize_dtype(dtype):
        result = cast(result, dtype)
    if ndim is not None and result.ndim != ndim:
        raise TypeError(f"expected a {ndim}-d tensor, got {result.ndim}-d {result}")
    if name is not None:
        result.name = name
    return result  # type: ignore[return-value]


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in _flatten(v)]
    return [value]


def as_tensor_args(*values: Any) -> list[TensorVariable | TensorConstant]:
    """Operands of an elementwise op, with Python numbers typed as NumPy 2 does.

    A Python scalar is "weak": it takes the dtype the other operands give it
    (``float32_vector + 1.5`` stays float32), as in NumPy 2 and PyTensor.  Under
    ``config.cast_policy`` "numpy+floatX" it is not: it has the dtype it has alone
    (`constant`'s: NumPy's, floatX for a float) and takes part in the promotion.
    """
    if all(not isinstance(v, _PYTHON_SCALARS) for v in values) or config.cast_policy != "custom":
        return [as_tensor_variable(v) for v in values]
    strong = [as_tensor_variable(v) for v in values if not isinstance(v, _PYTHON_SCALARS)]
    if not strong:
        return [as_tensor_variable(v) for v in values]
    dtypes = tuple(s.type.numpy_dtype for s in strong)
    return [_weak_constant(v, dtypes) if isinstance(v, _PYTHON_SCALARS) else as_tensor_variable(v)
            for v in values]


# (type, value, dtypes of the other operands) -> constant; graphs reuse a few numbers a lot
_weak_constants: dict[tuple[Any, ...], TensorConstant] = {}
_WEAK_CONSTANTS_MAX = 4096


def _weak_constant(v: Any, dtypes: tuple[np.dtype, ...]) -> TensorConstant:
    # 0.0 and -0.0 are equal as keys but differ as constants: leave zeros out of the cache
    key = (type(v), v, dtypes) if v else None
    found = _weak_constants.get(key) if key is not None else None
    if found is not None:
        return found
    dtype = np.result_type(*dtypes, v)
    if isinstance(v, int) and not isinstance(v, bool) and dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not info.min <= v <= info.max:
            raise OverflowError(f"Python integer {v} out of bounds for {dtype.name}")
    result = constant(v, dtype=dtype)
    if key is not None:
        if len(_weak_constants) >= _WEAK_CONSTANTS_MAX:
            _weak_constants.clear()
        _weak_constants[key] = result
    return result


def cast(x: Any, dtype: Any) -> TensorVariable:
    """``x`` converted to ``dtype`` (NumPy's ``astype``).  Complex to real raises TypeError,
    as in PyTensor: NumPy would drop the imaginary part with only a warning."""
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.elemwise import Elemwise

    x = as_tensor_variable(x)
    dtype = normalize_dtype(dtype)
    if x.dtype == dtype:
        return x
    if x.type.numpy_dtype.kind == "c" and np.dtype(dtype).kind != "c":
        raise TypeError(f"cast: casting {x} from {x.dtype} to {dtype} is ambiguous; take "
                        "real(x), imag(x), abs(x) or angle(x) first")
    return Elemwise(Cast(dtype))(x)


def get_scalar_constant_value(v: Any) -> Any:
    """The value of ``v`` if it is a constant, else raise NotScalarConstantError."""
    if isinstance(v, TensorConstant):
        return v.data
    if not isinstance(v, Variable):
        return np.asarray(v)
    raise NotScalarConstantError(f"{v} is not a constant")


class NotScalarConstantError(ValueError):
    """Raised when a value is required to be known when the graph is built."""


# PyTensor's module of this name holds more of the tensor API: any name of the tensor
# namespace is found here too (namespace_forwarding.py)
# PyTensor's op classes and helpers of this module live in modules building on this one
__getattr__ = tensor_namespace_getattr(__name__, {
    name: "arignote.tensor.basic_kinds" for name in
    ("AllocEmpty", "Choose", "ExtractDiag", "PermuteRowElements", "ScalarFromTensor",
     "TensorFromScalar", "alloc_diag", "infer_static_shape")})
