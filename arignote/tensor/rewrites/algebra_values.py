"""Constant arithmetic for the canonical algebra.

Coefficients and collected constants are NumPy arrays of the node's output
dtype, combined with NumPy's own arithmetic in that dtype: integers wrap
around exactly as the graph would (``2 * x`` in int8 is ``x + x`` in int8),
booleans add as ``or`` and multiply as ``and``.  Reading dtypes and constants
off the graph is the toolkit's (:mod:`arignote.rewrite.toolkit`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arignote.graph.basic import Constant
from arignote.rewrite.toolkit import kind_of


def is_exact_kind(dtype: str) -> bool:
    """Integers and booleans: arithmetic is exact (modular), so terms may cancel."""
    return kind_of(dtype) in "biu"


# --- constant values -----------------------------------------------------------------------

def value_in(var: Constant, dtype: str) -> np.ndarray:
    """A constant's value converted to ``dtype`` (as NumPy converts an operand)."""
    with np.errstate(all="ignore"):
        return np.asarray(var.data).astype(dtype)


def one(dtype: str) -> np.ndarray:
    return np.ones((), dtype=dtype)


def negate(value: np.ndarray) -> np.ndarray:
    """``-value`` in its dtype (integers wrap)."""
    with np.errstate(all="ignore"):
        return np.asarray(np.negative(value))


def plus(a: np.ndarray | None, b: np.ndarray) -> np.ndarray:
    if a is None:
        return b
    with np.errstate(all="ignore"):
        return np.asarray(np.add(a, b)).astype(b.dtype, copy=False)


def times(a: np.ndarray | None, b: np.ndarray) -> np.ndarray:
    if a is None:
        return b
    with np.errstate(all="ignore"):
        return np.asarray(np.multiply(a, b)).astype(b.dtype, copy=False)


def is_value(value: np.ndarray | None, number: int) -> bool:
    """Whether every element equals ``number`` (0, 1 or -1, in the array's dtype)."""
    if value is None or value.size == 0:
        return False
    kind = value.dtype.kind
    if value.size == 1 and (kind in "if" or (number != -1 and kind in "biuc")):
        # one element (nearly every coefficient): compared as a Python number.  Not for -1 in
        # unsigned or bool dtypes, where the wrapped value decides (below)
        return bool(value.item() == number)
    if number == -1:
        if kind_of(value.dtype.name) in "bc":  # no -1 in bool; complex -1 is not a negation
            return False
        target = negate(one(value.dtype.name))
    else:
        target = np.asarray(number).astype(value.dtype)
    return bool(np.all(value == target))


def is_negative(value: Any) -> bool:
    """Whether a coefficient or constant is written best as a subtraction.

    Unsigned values count as negative when their two's-complement reading is
    (``x + 255`` in uint8 is ``x - 1``); complex ones when they are real.
    """
    value = np.asarray(value)
    kind = value.dtype.kind
    if kind in "if":
        return bool(value < 0)
    if kind == "u":
        return bool(value.view(np.dtype(f"i{value.dtype.itemsize}")) < 0)
    if kind == "c":
        return bool(value.imag == 0 and value.real < 0)
    return False
