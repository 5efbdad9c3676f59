"""NumPy dtypes as C types and values as C literals."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: the dtypes compiled code handles; anything else (float16, complex) runs on NumPy
C_TYPES = {
    "bool": "uint8_t",  # NumPy stores bools as one byte holding 0 or 1
    "int8": "int8_t", "int16": "int16_t", "int32": "int32_t", "int64": "int64_t",
    "uint8": "uint8_t", "uint16": "uint16_t", "uint32": "uint32_t", "uint64": "uint64_t",
    "float32": "float", "float64": "double",
}

_INT_LIMITS = {name: np.iinfo(name) for name in C_TYPES if name not in ("bool", "float32", "float64")}


def supported(dtype: Any) -> bool:
    """Whether compiled code handles ``dtype``."""
    return np.dtype(dtype).name in C_TYPES


def c_type(dtype: Any) -> str:
    """The C type holding one element of ``dtype``; KeyError for unsupported dtypes."""
    return C_TYPES[np.dtype(dtype).name]


def kind(dtype: Any) -> str:
    """NumPy's kind letter: 'b' bool, 'i' signed, 'u' unsigned, 'f' float."""
    return np.dtype(dtype).kind


def c_literal(value: Any, dtype: Any) -> str:
    """``value`` as a C expression of ``dtype``'s C type, exactly (floats in hexadecimal)."""
    name = np.dtype(dtype).name
    if name == "bool":
        return "1" if bool(value) else "0"
    if name in ("float32", "float64"):
        number = float(np.asarray(value, dtype=name))
        suffix = "f" if name == "float32" else ""
        cast = "(float)" if name == "float32" else "(double)"
        if math.isnan(number):
            return f"{cast}NAN"
        if math.isinf(number):
            return f"{cast}({'-' if number < 0 else ''}INFINITY)"
        return f"{number.hex()}{suffix}"
    number = int(value)
    limits = _INT_LIMITS[name]
    if not limits.min <= number <= limits.max:
        raise ValueError(f"{number} does not fit in {name}")
    ctype = C_TYPES[name]
    if name == "int64" and number == limits.min:
        return "(INT64_MIN)"
    suffix = "ULL" if name == "uint64" else "LL"
    return f"(({ctype}){number}{suffix})"


def convert(expr: str, source: Any, target: Any) -> str:
    """``expr`` (of dtype ``source``) converted as NumPy's ``astype`` would to ``target``."""
    source, target = np.dtype(source), np.dtype(target)
    if source == target:
        return expr
    if target.kind == "b":
        return f"((uint8_t)(({expr}) != 0))"
    return f"(({c_type(target)})({expr}))"
