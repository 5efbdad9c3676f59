"""Dtypes and constant arithmetic for the canonical algebra.

Coefficients and collected constants are NumPy arrays of the node's output
dtype, combined with NumPy's own arithmetic in that dtype: integers wrap
around exactly as the graph would (``2 * x`` in int8 is ``x + x`` in int8),
booleans add as ``or`` and multiply as ``and``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.scalar.basic import ScalarOp
from arignote.tensor.elemwise import Elemwise


def scalar_op_of(var: Variable) -> ScalarOp | None:
    """The scalar op of ``var``'s elementwise producer, if it has one."""
    node = var.owner
    if node is not None and isinstance(node.op, Elemwise):
        return node.op.scalar_op
    return None


def dtype_of(var: Variable) -> str:
    return var.type.dtype  # type: ignore[attr-defined]


def kind_of(dtype: str) -> str:
    """NumPy's kind letter: ``b`` bool, ``i``/``u`` integers, ``f`` real, ``c`` complex."""
    return np.dtype(dtype).kind


def is_exact_kind(dtype: str) -> bool:
    """Integers and booleans: arithmetic is exact (modular), so terms may cancel."""
    return kind_of(dtype) in "biu"


@functools.lru_cache(maxsize=1024)
def _fold_stays_in(dtypes: tuple[str, ...], out: str) -> bool:
    current = np.dtype(dtypes[0])
    for position, dtype in enumerate(dtypes[1:]):
        current = np.result_type(current, np.dtype(dtype))
        if current != np.dtype(out):
            return False
    return True


def computes_in_output_dtype(node: Apply) -> bool:
    """Whether every step of the node's computation happens in its output dtype.

    ``add(a, b, c)`` is NumPy's ``(a + b) + c``, each step in the promoted
    dtype of its own operands: ``add(i8, i8, i16)`` wraps ``a + b`` in int8
    first.  Only when every non-constant operand already has the output
    dtype (constants are cast exactly as NumPy casts them) and the steps stay
    in it, may the operands be reordered, regrouped and merged.
    """
    out = dtype_of(node.outputs[0])
    dtypes = []
    for var in node.inputs:
        dtype = dtype_of(var)
        if dtype != out and not isinstance(var, Constant):
            return False
        dtypes.append(dtype)
    return len(dtypes) <= 2 or _fold_stays_in(tuple(dtypes), out)


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


def uniform_value(value: np.ndarray) -> Any:
    """The single value of an array whose elements are all equal, else None."""
    if value.size == 0:
        return None
    first = value.reshape(-1)[0]
    if value.size > 1 and not np.all(value == first):
        return None
    return first


def is_value(value: np.ndarray | None, number: int) -> bool:
    """Whether every element equals ``number`` (0, 1 or -1, in the array's dtype)."""
    if value is None or value.size == 0:
        return False
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


def shape_neutral(value: np.ndarray, terms_ndim: int, out_ndim: int) -> np.ndarray:
    """A constant whose lengths are all 1, with only the axes the result needs from it.

    Such a constant never decides a length, only (possibly) the rank: it
    becomes 0-d unless the other operands have fewer axes than the result.
    """
    if any(n != 1 for n in value.shape):
        return value
    ndim = out_ndim if terms_ndim < out_ndim else 0
    return value.reshape((1,) * ndim)
