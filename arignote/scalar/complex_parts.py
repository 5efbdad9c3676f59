"""`Complex`: the complex number with a given real and imaginary part (``pt.complex``).

Written as its own op rather than ``real + 1j * imag``: that expression turns an
infinite imaginary part into a NaN real part (``(0 + 1j) * inf`` multiplies
``0 * inf``), while setting the two parts directly keeps every value as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.scalar.math import BinaryOp


def complex_dtype_for(*dtypes: Any) -> np.dtype:
    """The complex dtype holding parts of ``dtypes``: complex64 for float32 (and smaller)
    parts, complex128 for float64 and for 32/64-bit integers (which need float64)."""
    real = np.result_type(*[np.dtype(d) for d in dtypes], np.float32)
    if real.kind not in "f":
        raise TypeError(f"complex: the parts must be real numbers, got {', '.join(map(str, dtypes))}")
    return np.result_type(real, np.complex64)


def _complex(real: Any, imag: Any) -> np.ndarray:
    real, imag = np.asarray(real), np.asarray(imag)
    shape = np.broadcast_shapes(real.shape, imag.shape)
    out = np.empty(shape, dtype=complex_dtype_for(real.dtype, imag.dtype))
    out.real = real
    out.imag = imag
    return out


@dataclass(frozen=True)
class Complex(BinaryOp):
    """``real + imag * 1j`` with each part set exactly (infinities and NaNs stay in their part).

    No derivative: arignote differentiates real-valued functions only.
    """

    nfunc = staticmethod(_complex)


__all__ = ["Complex", "complex_dtype_for"]
