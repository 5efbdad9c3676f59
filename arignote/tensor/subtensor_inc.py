"""Writing through an index: ``set_subtensor(x[idx], y)`` and ``inc_subtensor(x[idx], y)``.

The ops return a new array (a copy of ``x`` with the indexed part set or
incremented); they never write into an input.  ``y`` broadcasts to the
indexed shape as in NumPy's ``x[idx] = y``: it may even have extra leading
axes of length 1.

Dtypes follow NumPy's in-place statements, checked when the graph is built:

* ``set_subtensor`` is ``x[idx] = y``: ``y`` is cast to ``x``'s dtype whatever
  its kind (floats truncate into ints), except that a complex ``y`` into a
  real ``x`` raises TypeError instead of dropping the imaginary part;
* ``inc_subtensor`` is ``x[idx] += y``: the sum's dtype must cast to ``x``'s
  with NumPy's ``same_kind`` rule, so a float ``y`` into an integer ``x`` (or an
  integer into a bool) raises TypeError, as NumPy (and PyTensor) do.

Python scalars are weak, as in NumPy 2 (``int8`` elements accept ``y=3``, and
``y=300`` raises OverflowError).  Duplicate indices accumulate with
``inc_subtensor`` (``np.add.at``) and the last one wins with ``set_subtensor``.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule, Op
from arignote.tensor.alloc import zeros_like
from arignote.tensor.basic import as_tensor_variable, cast, constant
from arignote.tensor.batching import broadcast_batch, index_batch_position, pad_after_batch
from arignote.tensor.dimshuffle import dimshuffle
from arignote.tensor.subtensor_advanced import AdvancedSubtensor, check_advanced_entries
from arignote.tensor.subtensor_basic import Subtensor, check_basic_entries
from arignote.tensor.subtensor_index import FULL_SLICE, build_key, format_entries, indexed_shape
from arignote.tensor.sum_to import sum_to_like
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorConstant, TensorVariable

_PYTHON_SCALARS = (bool, int, float, complex)


def _fmt(shape: Sequence[int | None]) -> str:
    inner = ", ".join("?" if d is None else str(d) for d in shape)
    return f"({inner}{',' if len(shape) == 1 else ''})"


def _check_value(op: Op, x: Variable, y: Variable, target: tuple[int | None, ...]) -> None:
    """TypeError/ValueError unless ``y`` can be written into ``x[idx]`` of shape ``target``."""
    if y.dtype != x.dtype:
        raise TypeError(f"{op}: the value has dtype {y.dtype} but x has {x.dtype} "
                        f"(set_subtensor and inc_subtensor cast it)")
    extra = y.ndim - len(target)
    if extra > 0 and any(d not in (1, None) for d in y.type.shape[:extra]):
        raise ValueError(f"{op}: cannot broadcast a value of shape {_fmt(y.type.shape)} to the "
                         f"indexed shape {_fmt(target)}")
    common = min(y.ndim, len(target))
    pairs = zip(y.type.shape[y.ndim - common:], target[len(target) - common:])
    if any(v is not None and v != 1 and t is not None and v != t for v, t in pairs):
        raise ValueError(f"{op}: cannot broadcast a value of shape {_fmt(y.type.shape)} to the "
                         f"indexed shape {_fmt(target)}")


def _fit_value(y: np.ndarray, target_ndim: int) -> np.ndarray:
    """``y`` without the extra leading length-1 axes NumPy's assignment ignores."""
    extra = y.ndim - target_ndim
    if extra <= 0:
        return y
    if any(n != 1 for n in y.shape[:extra]):
        raise ValueError(f"could not broadcast input array from shape {y.shape} into an "
                         f"indexed array of {target_ndim} dimension(s)")
    return y.reshape(y.shape[extra:])


class _WriteOp(Op):
    """What the two write ops share: checks, output type and the run-time key."""

    __slots__ = ()
    idx_list: tuple[Any, ...]
    set_instead_of_inc: bool

    def make_node(self, x: Any, y: Any, *indices: Any) -> Apply:
        x = as_tensor_variable(x)
        y = as_tensor_variable(y)
        indices = tuple(as_tensor_variable(i) for i in indices)
        _check_value(self, x, y, indexed_shape(self.idx_list, x.type, indices))
        return Apply.build(self, [x, y, *indices], [x.type])

    def _write(self, out: np.ndarray, key: tuple[Any, ...], y: np.ndarray) -> None:
        raise NotImplementedError

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [input_shapes[0]]

    def perform(self, x: np.ndarray, y: np.ndarray, *indices: Any) -> np.ndarray:
        out = x.copy()  # never write into an input
        key = build_key(self.idx_list, indices)
        self._write(out, key, _fit_value(y, np.ndim(x[key])))
        return out

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        x_type = typing.cast(TensorType, node.inputs[0].type)
        target_ndim = len(indexed_shape(self.idx_list, x_type, node.inputs[2:]))
        entries, write = self.idx_list, self._write

        def run(x: np.ndarray, y: np.ndarray, *indices: Any) -> np.ndarray:
            out = x.copy()
            write(out, build_key(entries, indices), _fit_value(y, target_ndim))
            return out
        return run

    def _read_op(self) -> Op:
        """The op reading ``x[key]`` for this op's key."""
        if isinstance(self, IncSubtensor):
            return Subtensor(self.idx_list)
        return AdvancedSubtensor(self.idx_list)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``x`` gets the cotangent (zeroed where a set overwrote it); ``y`` gets the indexed
        part of it, summed over the axes ``y`` was broadcast along.  As in PyTensor, every
        copy of a repeated index in a set gets its cotangent (NumPy keeps the last)."""

        _, y, *indices = inputs
        gz = cotangents[0]
        gx = gz
        if self.set_instead_of_inc:
            op_class: Any = type(self)  # a concrete write op (a dataclass)
            gx = op_class(self.idx_list, True)(gz, constant(0, dtype=gz.dtype), *indices)
        gy = self._read_op()(gz, *indices)
        if gy.ndim < y.ndim:  # y had extra leading length-1 axes
            gy = dimshuffle(gy, ["x"] * (y.ndim - gy.ndim) + list(range(gy.ndim)))
        return [gx, sum_to_like(gy, y)] + [None] * len(indices)

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:

        x, y, *indices = inputs
        tx, ty = tangents[0], tangents[1]
        if tx is None and ty is None:
            return [None]
        tx = zeros_like(x) if tx is None else tx
        ty = zeros_like(y) if ty is None else ty
        return [self(tx, ty, *indices)]

    def _describe(self) -> str:
        verb = "set" if self.set_instead_of_inc else "inc"
        return f"{type(self).__name__}{{{verb}; {format_entries(self.idx_list)}}}"

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        if any(batched[2:]):
            raise NoBatchingRule("batched indices")
        x, y = node.inputs[:2]
        xb = inputs[0] if batched[0] else broadcast_batch(x, size)
        target_ndim = self._read_op()(x, *node.inputs[2:]).ndim
        yb = y
        position = index_batch_position(self.idx_list, node.inputs[2:])
        if not batched[1] and position and y.ndim > target_ndim - position:
            # y reaches into the advanced dims, which come before the batch axis: make room for it
            full = ["x"] * (target_ndim - y.ndim) + list(range(y.ndim))
            yb = dimshuffle(y, full[:position] + ["x"] + full[position:])
        if batched[1]:
            if y.ndim > target_ndim:
                raise NoBatchingRule("a value with extra leading axes")
            yb = pad_after_batch(inputs[1], target_ndim)
            if position:  # the indexed part has the advanced dims first, then the batch axis
                order = list(range(1, target_ndim + 1))
                yb = dimshuffle(yb, order[:position] + [0] + order[position:])
        params = self.params()
        params["idx_list"] = (FULL_SLICE, *self.idx_list)
        return [type(self)(**params)(xb, yb, *inputs[2:])]


@dataclass(frozen=True)
class IncSubtensor(_WriteOp):
    """``x`` with ``x[key]`` set to, or incremented by, ``y`` for a basic key (a new array)."""

    idx_list: tuple[Any, ...]
    set_instead_of_inc: bool = False

    def __post_init__(self) -> None:
        check_basic_entries(self, self.idx_list)

    def _write(self, out: np.ndarray, key: tuple[Any, ...], y: np.ndarray) -> None:
        # a basic key never selects an element twice, so += is exact
        if self.set_instead_of_inc:
            out[key] = y
        else:
            out[key] += y

    def __str__(self) -> str:
        return self._describe()


@dataclass(frozen=True)
class AdvancedIncSubtensor(_WriteOp):
    """``x`` with ``x[key]`` set to, or incremented by, ``y`` for an advanced key.

    Repeated indices accumulate like ``np.add.at`` unless ``ignore_duplicates``
    (then like ``x[key] += y``: one of the increments wins).
    """

    idx_list: tuple[Any, ...]
    set_instead_of_inc: bool = False
    ignore_duplicates: bool = False

    def __post_init__(self) -> None:
        check_advanced_entries(self, self.idx_list)

    def _write(self, out: np.ndarray, key: tuple[Any, ...], y: np.ndarray) -> None:
        if self.set_instead_of_inc:
            out[key] = y
        elif self.ignore_duplicates:
            out[key] += y
        else:
            # the value broadcast to the indexed shape first: NumPy 2.5's ufunc.at adds the
            # wrong elements (and reads past y) when y still needs broadcasting against a
            # multi-dimensional index array
            if np.ndim(y) > 0 and any(np.ndim(k) > 1 for k in key if not isinstance(k, slice)):
                target = out[key].shape
                if np.shape(y) != target:
                    y = np.broadcast_to(y, target)
            np.add.at(out, key, y)

    def __str__(self) -> str:
        return self._describe()


def _value_for(x: TensorVariable, y: Any, set_instead_of_inc: bool,
               what: str) -> TensorVariable | TensorConstant:
    """``y`` as a tensor of ``x``'s dtype, with NumPy's casting rule for the statement."""
    x_dtype = x.type.numpy_dtype
    if isinstance(y, _PYTHON_SCALARS):
        summed = np.result_type(x_dtype, y)  # NumPy 2: a Python scalar takes x's dtype if it can
        y_dtype = np.result_type(y)
    else:
        y = as_tensor_variable(y)
        y_dtype = y.type.numpy_dtype
        summed = np.result_type(x_dtype, y_dtype)
    if set_instead_of_inc:
        if y_dtype.kind == "c" and x_dtype.kind != "c":
            raise TypeError(f"{what}: writing {y_dtype.name} values into {x_dtype.name} elements "
                            f"would drop their imaginary part; pass y.real explicitly")
    elif not np.can_cast(summed, x_dtype, "same_kind"):
        raise TypeError(f"{what}: cannot add {y_dtype.name} values to {x_dtype.name} elements: "
                        f"the sum is {summed.name}, which NumPy's `x[idx] += y` does not cast "
                        f"back to {x_dtype.name} (same_kind rule); cast y first")
    if isinstance(y, _PYTHON_SCALARS):
        return constant(np.array(y, dtype=x_dtype))  # OverflowError when it does not fit
    return cast(y, x_dtype)


def inc_subtensor(x: Any, y: Any, inplace: bool = False, set_instead_of_inc: bool = False,
                  tolerate_inplace_aliasing: bool = False,
                  ignore_duplicates: bool = False) -> TensorVariable:
    """The array indexed by ``x = a[idx]``, with ``y`` added at ``idx`` (``np.add.at``).

    ``x`` must be the result of indexing; its node gives the array ``a`` and
    the key.  ``inplace`` and ``tolerate_inplace_aliasing`` are accepted for
    PyTensor compatibility and ignored: the graph is pure and in-place work
    is decided when it is compiled.
    """
    what = "set_subtensor" if set_instead_of_inc else "inc_subtensor"
    node = getattr(x, "owner", None)
    if node is None or not isinstance(node.op, (Subtensor, AdvancedSubtensor)):
        raise TypeError(f"{what}: the first argument must be the result of indexing, like "
                        f"x[1:3] or x[idx]; got {x!r}")
    base, *indices = node.inputs
    value = _value_for(base, y, set_instead_of_inc, what)
    op: Op
    if isinstance(node.op, Subtensor):
        op = IncSubtensor(node.op.idx_list, bool(set_instead_of_inc))
    else:
        op = AdvancedIncSubtensor(node.op.idx_list, bool(set_instead_of_inc),
                                  bool(ignore_duplicates) and not set_instead_of_inc)
    return typing.cast(TensorVariable, op.make_node(base, value, *indices).outputs[0])


def set_subtensor(x: Any, y: Any, inplace: bool = False,
                  tolerate_inplace_aliasing: bool = False) -> TensorVariable:
    """The array indexed by ``x = a[idx]``, with ``y`` written at ``idx`` (``a[idx] = y``).

    ``inplace`` and ``tolerate_inplace_aliasing`` are accepted for PyTensor
    compatibility and ignored.
    """
    return inc_subtensor(x, y, set_instead_of_inc=True)
