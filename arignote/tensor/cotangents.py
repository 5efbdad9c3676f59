"""What reverse mode checks of a cotangent a tensor receives (``TensorType.fit_cotangent``)."""

from __future__ import annotations

from typing import Any

from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.math import real
from arignote.tensor.shape import specify_shape
from arignote.tensor.type import TensorType

__all__ = ["fit_cotangent"]


def fit_cotangent(want: TensorType, cot: Any, what: str) -> Any:
    """``cot`` checked to be a cotangent of a variable of type ``want``: same rank,
    compatible static shape, ``want``'s dtype (converted if needed; the real part of a
    complex cotangent of a real variable) and static shape (asserted if it was less
    precise).  ``what`` says where it came from, for the error."""
    cot = as_tensor_variable(cot)
    have = cot.type
    if have.ndim != want.ndim or any(a is not None and b is not None and a != b
                                     for a, b in zip(have.shape, want.shape)):
        raise ValueError(f"{what} of type {have}, which does not fit")
    if have.dtype != want.dtype:
        if have.numpy_dtype.kind == "c" and want.numpy_dtype.kind != "c":
            cot = real(cot)
        cot = cast(cot, want.dtype)
    if any(b is None and a is not None for a, b in zip(want.shape, cot.type.shape)):
        cot = specify_shape(cot, want.shape)
    return cot
