"""PyTensor's scalar types and variables (``pytensor.scalar``) on arignote's 0-d tensors.

In arignote a scalar is a 0-d tensor, so ``ScalarType(dtype)`` *is* ``TensorType(dtype,
shape=())``: calling ``ScalarType`` returns that tensor type, and ``isinstance(t,
ScalarType)`` holds for every 0-d tensor type (``ScalarVariable`` and ``ScalarConstant``
likewise for 0-d tensor variables and constants).  The type instances (``float64``,
``int8``, ..., ``bool``) and their tuples (``float_types``, ``all_types``, ...) are those 0-d
tensor types.  The tensor layer sits above this one, so everything here reaches it through
:func:`arignote.scalar.basic.tensor_api`, when first used.

Constants follow arignote's dtype rules, not PyTensor's smallest-fitting-dtype ones:
``constant(1)`` is int64 (PyTensor: int8) and ``constant(1.5)`` is ``config.floatX``.
arignote types Python floats as NumPy 2 does (an operand's float dtype, ``config.floatX``
alone) and has no list of autocast dtypes: ``autocast_float_as`` refuses to run.
"""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np

from arignote.scalar.basic import tensor_api

__all__ = ["ScalarConstant", "ScalarType", "ScalarVariable", "TYPE_NAMES", "TYPE_TUPLES",
           "as_scalar", "autocast_float", "autocast_float_as", "constant", "get_scalar_type",
           "scalar_type"]


def get_scalar_type(dtype: Any) -> Any:
    """The 0-d tensor type of ``dtype`` (PyTensor's ``get_scalar_type``)."""
    return tensor_api().tensor_type(dtype, ())


def _is_0d_tensor_type(obj: Any) -> bool:
    return isinstance(obj, tensor_api().TensorType) and obj.ndim == 0


class _ScalarTypeMeta(type):
    def __call__(cls, dtype: Any) -> Any:
        return get_scalar_type(dtype)

    def __instancecheck__(cls, obj: Any) -> bool:
        return _is_0d_tensor_type(obj)


class ScalarType(metaclass=_ScalarTypeMeta):
    """``ScalarType(dtype)`` is ``TensorType(dtype, shape=())``; every 0-d tensor type is one."""


class _ScalarVariableMeta(type):
    constants_only: bool

    def __instancecheck__(cls, obj: Any) -> bool:
        at = tensor_api()
        wanted = at.TensorConstant if cls.constants_only else (at.TensorVariable, at.TensorConstant)
        return isinstance(obj, wanted) and obj.ndim == 0


class ScalarVariable(metaclass=_ScalarVariableMeta):
    """Matches 0-d tensor variables and constants: ``isinstance(x, ScalarVariable)``."""

    constants_only = False

    def __init__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("ScalarVariable: make scalar variables by calling a type, "
                        "ScalarType('float64')('x') or arignote.tensor.scalar('x')")


class ScalarConstant(metaclass=_ScalarVariableMeta):
    """Matches 0-d tensor constants; ``ScalarConstant(type, data, name=None)`` makes one."""

    constants_only = True

    def __new__(cls, type: Any, data: Any, name: str | None = None) -> Any:
        if not _is_0d_tensor_type(type):
            raise TypeError(f"ScalarConstant: expected a scalar (0-d) type, got {type}")
        return tensor_api().constant(data, name=name, dtype=type.dtype, shape=())


def constant(x: Any, name: str | None = None, dtype: Any = None) -> Any:
    """A 0-d constant (arignote's dtype for ``x`` unless ``dtype`` is given; see module doc)."""
    if np.ndim(x) != 0:
        raise TypeError(f"constant: a scalar constant needs a 0-d value, got shape {np.shape(x)}")
    return tensor_api().constant(x, name=name, dtype=dtype)


def as_scalar(x: Any, name: str | None = None) -> Any:
    """``x`` as a 0-d variable: 0-d variables pass, values become constants, a node gives its
    single output; anything with dimensions is refused (TypeError)."""
    at = tensor_api()
    if hasattr(x, "outputs") and hasattr(x, "op"):  # an Apply node, as PyTensor accepts
        if len(x.outputs) != 1:
            raise ValueError(f"as_scalar: {x.op} has {len(x.outputs)} outputs, expected one")
        x = x.outputs[0]
    variable = at.as_tensor_variable(x)
    if variable.ndim != 0:
        raise TypeError(f"Cannot convert {x} to a scalar: it has {variable.ndim} dimension(s)")
    if name is not None:
        variable.name = name
    return variable


def scalar_type(dtype: Any) -> Any:
    """Alias of :func:`get_scalar_type`."""
    return get_scalar_type(dtype)


#: PyTensor's type instance names -> dtype
TYPE_NAMES = {name: name for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128")}

_INT = ("int8", "int16", "int32", "int64")
_UINT = ("uint8", "uint16", "uint32", "uint64")
_FLOAT = ("float16", "float32", "float64")
_COMPLEX = ("complex64", "complex128")
#: PyTensor's tuples of type instances -> their dtypes
TYPE_TUPLES = {
    "int_types": _INT, "uint_types": _UINT, "float_types": _FLOAT, "complex_types": _COMPLEX,
    "integer_types": _INT + _UINT, "discrete_types": ("bool", *_INT, *_UINT),
    "continuous_types": _FLOAT + _COMPLEX, "all_types": ("bool", *_INT, *_UINT, *_FLOAT, *_COMPLEX),
}


def lazy_attribute(name: str) -> Any:
    """A type instance, tuple of them, or ``discrete_dtypes``, by PyTensor's name; else
    AttributeError.  Resolved at first use, once the tensor layer is loaded."""
    if name in TYPE_NAMES:
        return get_scalar_type(TYPE_NAMES[name])
    if name in TYPE_TUPLES:
        return tuple(get_scalar_type(d) for d in TYPE_TUPLES[name])
    if name == "discrete_dtypes":
        return TYPE_TUPLES["discrete_types"]
    raise AttributeError(name)


_WHY_NO_AUTOCAST = (
    "arignote has no list of autocast dtypes (PyTensor's 'custom' one): under "
    "config.cast_policy 'custom' Python floats are typed as NumPy 2 does (next to an array "
    "they take its float dtype, float32_vector + 1.1 is float32; alone they are "
    "config.floatX), under 'numpy+floatX' they are config.floatX. Cast explicitly "
    "(arignote.tensor.cast, or a NumPy value of the dtype you want)")


class _AutocastFloat:
    """PyTensor's float autocaster: arignote has none to configure (see module doc)."""

    def __call__(self, x: Any) -> np.ndarray:
        """A lone Python float as arignote types it: a ``config.floatX`` array."""
        return np.asarray(tensor_api().constant(x).data)

    @property
    def dtypes(self) -> NoReturn:
        raise NotImplementedError(_WHY_NO_AUTOCAST)


autocast_float = _AutocastFloat()


class autocast_float_as:  # PyTensor's name (lower case)
    """PyTensor's context manager changing how Python floats are typed; refused here."""

    def __init__(self, *dtypes: Any) -> NoReturn:
        raise NotImplementedError(_WHY_NO_AUTOCAST)
