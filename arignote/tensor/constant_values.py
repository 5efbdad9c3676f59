"""Small conversions of ``pytensor.tensor.basic``: reading a scalar that is known while the
graph is built (``get_underlying_scalar_constant_value``), PyTensor's scalar/tensor
conversions, and the indexing helpers ``make_slice`` and ``newaxis``.

arignote has no separate scalar variables (scalar ops exist only inside ``Elemwise``): a
scalar is a 0-d tensor.  So ``scalar_from_tensor`` and ``tensor_from_scalar`` check that
their argument is 0-d and give it back unchanged (a Python number becomes a constant).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arignote.graph.basic import Constant, Variable
from arignote.tensor.basic import NotScalarConstantError, as_tensor_variable
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.shape import MakeVector, Shape, ShapeI, SpecifyShape
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.type_other import NoneTypeT
from arignote.tensor.variable import TensorVariable

__all__ = ["get_underlying_scalar_constant_value", "is_flat", "make_slice", "newaxis",
           "scalar_from_tensor", "tensor_from_scalar"]

newaxis = None  # np.newaxis: x[:, newaxis] adds an axis


def _unique(values: np.ndarray, what: Any) -> np.ndarray:
    flat = values.reshape(-1)
    if flat.size == 0 or flat.dtype.kind not in "biufc" or not (flat == flat[0]).all():
        raise NotScalarConstantError(f"{what} is not a scalar constant (nor a constant array of one value)")
    return np.array(flat[0], dtype=values.dtype)


def _array(v: Variable, elemwise: bool, only_constants: bool, budget: int) -> np.ndarray:
    """The whole value of ``v`` when it is known statically, else NotScalarConstantError."""
    if isinstance(v, Constant):
        return np.asarray(v.data)
    node = v.owner
    if only_constants or node is None or budget <= 0:
        raise NotScalarConstantError(f"{v} is not a constant")
    op = node.op
    if isinstance(op, Shape) and None not in node.inputs[0].type.shape:
        return np.array(node.inputs[0].type.shape, dtype=np.int64)
    if isinstance(op, ShapeI) and node.inputs[0].type.shape[op.axis] is not None:
        return np.array(node.inputs[0].type.shape[op.axis], dtype=np.int64)
    shaped = _shape_source(node.inputs[0])
    if isinstance(op, Subtensor) and shaped is not None:
        # an entry of a partly known shape (x.shape[0] with x of shape (3, None)): index the
        # static shape with NaN for the unknown lengths, and see what comes out
        lengths = np.array([np.nan if n is None else n for n in shaped.type.shape])
        keys = [_array(i, elemwise, only_constants, budget - 1) for i in node.inputs[1:]]
        picked = np.asarray(op.perform(lengths, *keys))
        if np.isnan(picked).any():
            raise NotScalarConstantError(f"{v}: the length it reads is not known statically")
        return picked.astype(np.int64)
    # cheap ops of known values are evaluated: indexing a shape, elementwise arithmetic
    if isinstance(op, _FOLDED) and (elemwise or not isinstance(op, Elemwise)):
        args = [_array(i, elemwise, only_constants, budget - 1) for i in node.inputs]
        with np.errstate(all="ignore"):
            result = op.perform(*args)
        if isinstance(result, (tuple, list)):
            result = result[node.outputs.index(v)]
        return np.asarray(result, dtype=v.type.numpy_dtype)
    raise NotScalarConstantError(f"{v} is not a constant (it is computed by {op})")


def _shape_source(v: Variable) -> Variable | None:
    """``x`` when ``v`` is ``shape(x)``, else None."""
    return v.owner.inputs[0] if v.owner is not None and isinstance(v.owner.op, Shape) else None


_FOLDED = (DimShuffle, Elemwise, MakeVector, SpecifyShape, Subtensor)


def _value(v: Any, elemwise: bool, only_constants: bool, budget: int) -> np.ndarray:
    values = _array(v, elemwise, only_constants, budget) if isinstance(v, Variable) else np.asarray(v)
    return _unique(values, v)


def get_underlying_scalar_constant_value(v: Any, *, elemwise: bool = True,
                                         only_process_constants: bool = False, max_recur: int = 10,
                                         raise_not_constant: bool = True) -> Any:
    """The value of ``v`` as a 0-d NumPy array when it is known while the graph is built.

    Known are constants (of one repeated value), static lengths (``x.shape[i]``), and, with
    ``elemwise``, elementwise functions of known values, up to ``max_recur`` nodes deep
    (``only_process_constants``: constants only).  Otherwise raise
    :class:`NotScalarConstantError`, or give ``v`` back when ``raise_not_constant`` is False.
    ``NoneConst`` (``tensor.type_other``) gives None, as in PyTensor; Python's None raises.
    """
    if isinstance(v, Constant) and isinstance(v.type, NoneTypeT):
        return None
    try:
        return _value(v, elemwise, only_process_constants, max_recur)
    except NotScalarConstantError:
        if raise_not_constant:
            raise
        return v


def scalar_from_tensor(t: Any) -> TensorVariable:
    """The 0-d tensor ``t`` itself (arignote's scalars are 0-d tensors; see the module)."""
    t = as_tensor_variable(t)
    if t.ndim != 0:
        raise TypeError(f"scalar_from_tensor: expected a 0-d tensor, got {t.type}")
    return t


def tensor_from_scalar(s: Any) -> TensorVariable:
    """``s`` as a 0-d tensor (a number becomes a constant; a 0-d tensor is returned as is)."""
    s = as_tensor_variable(s)
    if s.ndim != 0:
        raise TypeError(f"tensor_from_scalar: expected a scalar, got {s.type}")
    return s


def is_flat(var: Any, ndim: int = 1) -> bool:
    """Whether ``var`` has exactly ``ndim`` dimensions."""
    return bool(as_tensor_variable(var).ndim == ndim)


def make_slice(start: Any = None, stop: Any = None, step: Any = None) -> slice:
    """The slice ``start:stop:step``, for indexing (``x[make_slice(a, b)]``); the bounds may be
    symbolic 0-d integers.  (PyTensor builds a symbolic slice variable; here a Python slice of
    variables does the same job in every index.)"""
    if isinstance(start, slice):
        if stop is not None or step is not None:
            raise TypeError("make_slice: a slice comes alone")
        return start
    return slice(start, stop, step)
