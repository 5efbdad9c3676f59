"""Building arrays: filled arrays (alloc, zeros, full...), ranges and identity matrices.

PyTensor's defaults are kept where it departs from NumPy: ``zeros``,
``ones``, ``empty``, ``eye`` and ``tri`` give ``config.floatX`` when no dtype
is given (NumPy gives float64, which is floatX's default value).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.config import config
from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.scalar.math import Second
from arignote.tensor import math as tm
from arignote.tensor import shape_inference as si
from arignote.tensor.basic import as_tensor_variable, cast, constant
from arignote.tensor.batching import pad_after_batch, with_batch
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.math import sub, switch
from arignote.tensor.reduction import sum as tensor_sum
from arignote.tensor.shape import (
    EntryFact,
    as_shape_vector,
    shape_entry_facts,
    shape_i,
    shape_node,
    shape_tuple,
)
from arignote.tensor.shape_inference import as_dim, vector_entries
from arignote.tensor.sum_to import sum_to_like
from arignote.tensor.type import TensorType, normalize_dtype
from arignote.tensor.variable import TensorConstant, TensorVariable


def _target_static_shape(value: TensorVariable, facts: list[EntryFact],
                         where: str) -> tuple[int | None, ...]:
    """Static shape of broadcasting ``value`` to a shape with entries ``facts`` (NumPy's rules)."""
    ndim = len(facts)
    if value.ndim > ndim:
        raise ValueError(f"{where}: cannot broadcast a {value.ndim}-d value ({value.type}) to "
                         f"{ndim} dimension(s)")
    offset = ndim - value.ndim
    out: list[int | None] = []
    for axis, fact in enumerate(facts):
        have = value.type.shape[axis - offset] if axis >= offset else 1
        if isinstance(fact, int):
            if fact < 0:
                raise ValueError(f"{where}: negative length {fact} in the target shape")
            if have is not None and have not in (1, fact):
                raise ValueError(f"{where}: cannot broadcast {value.type} to length {fact} "
                                 f"along axis {axis}")
            out.append(fact)
        else:
            # a successful broadcast of a length other than 1 keeps that length
            out.append(have if have is not None and have != 1 else None)
    return tuple(out)


def _check_shape_vector(op: Op, shape: TensorVariable, ndim: int) -> None:
    if shape.ndim != 1 or shape.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"{op}: the shape must be an integer vector, got {shape.type}")
    if shape.type.shape[0] not in (None, ndim):
        raise ValueError(f"{op}: the shape has {shape.type.shape[0]} entries, expected {ndim}")


def _shape_value(op: Op, shape: np.ndarray, ndim: int) -> tuple[int, ...]:
    if shape.shape != (ndim,):
        raise ValueError(f"{op}: the shape has {shape.size} entries, expected {ndim}")
    return tuple(shape.tolist())


def check_no_runtime_stretch(op: Any, static_shape: Sequence[int | None], value_shape: Sequence[int],
                             target: Sequence[int]) -> None:
    """ValueError where a value's axis of length 1 would stretch to a longer target length
    without its type saying it may (static length 1): as for elementwise ops, only a
    declared 1 broadcasts, so derivatives (which sum over the declared ones) stay right."""
    if any(n < 0 for n in target):
        return  # the op's own error (negative dimensions) comes next
    offset = len(target) - len(value_shape)
    for axis, (static, have) in enumerate(zip(static_shape, value_shape)):
        want = target[offset + axis] if offset + axis >= 0 else have
        if have == 1 and want != 1 and static != 1:
            raise ValueError(
                f"Runtime broadcasting not allowed: axis {axis} of the value has length 1 at "
                f"run time, to fill length {want}, but its type does not declare a length of 1 "
                f"(static shape {tuple(static_shape)}); declare it (shape=(1, ...), "
                "specify_broadcastable) to broadcast it")


def _checked_against(op: Any, node: Apply, compute: Callable[..., Any]) -> Callable[..., Any]:
    """``compute(value, shape)`` preceded by :func:`check_no_runtime_stretch` for ``node``."""
    static = node.inputs[0].type.shape
    if all(d == 1 for d in static):  # nothing could stretch without being declared
        return compute

    def run(value: Any, shape: Any) -> Any:
        check_no_runtime_stretch(op, static, np.shape(value), _shape_value(op, np.asarray(shape), op.ndim))
        return compute(value, shape)
    return run


@dataclass(frozen=True)
class Alloc(Op):
    """A new array of shape ``shape`` (an int vector of length ``ndim``) filled with ``value``.

    ``Alloc()`` (no ``ndim``; PyTensor's protocol) takes the lengths one by one,
    ``Alloc()(value, n0, n1)``, and builds the node of ``Alloc(2)`` on their vector.
    """

    # None only for PyTensor's ``Alloc()`` before it is called: a node's op always has its rank
    ndim: int = None  # type: ignore[assignment]

    def make_node(self, value: Any, *shape: Any) -> Apply:
        if self.ndim is None:  # the lengths one by one
            return Alloc(len(shape)).make_node(value, as_shape_vector(shape, "Alloc: shape"))
        if len(shape) != 1:
            raise TypeError(f"{self}: expected the value and one shape vector, got {len(shape)} shape inputs")
        value = as_tensor_variable(value)
        vector = as_tensor_variable(shape[0])
        _check_shape_vector(self, vector, self.ndim)
        out_shape = _target_static_shape(value, shape_entry_facts(vector, self.ndim), str(self))
        return Apply.build(self, [value, vector], [TensorType(value.dtype, out_shape)])

    def perform(self, value: np.ndarray, shape: np.ndarray) -> np.ndarray:
        target = _shape_value(self, shape, self.ndim)
        return np.array(np.broadcast_to(value, target))

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        return _checked_against(self, node, self.perform)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:

        return [sum_to_like(cotangents[0], inputs[0]), None]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [None if tangents[0] is None else self(tangents[0], inputs[1])]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:

        return [vector_entries(node.inputs[1], self.ndim)]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        value, shape = inputs
        return [type(self)(self.ndim + 1)(pad_after_batch(value, self.ndim), with_batch(shape, size))]


@dataclass(frozen=True)
class BroadcastTo(Op):
    """``np.broadcast_to``: a read-only view of ``x`` with shape ``shape`` (length ``ndim``)."""

    ndim: int
    view_inputs = (0,)

    def make_node(self, x: Any, shape: Any) -> Apply:
        x = as_tensor_variable(x)
        shape = as_tensor_variable(shape)
        _check_shape_vector(self, shape, self.ndim)
        out_shape = _target_static_shape(x, shape_entry_facts(shape, self.ndim), str(self))
        return Apply.build(self, [x, shape], [TensorType(x.dtype, out_shape)])

    def perform(self, x: np.ndarray, shape: np.ndarray) -> np.ndarray:
        return np.broadcast_to(x, _shape_value(self, shape, self.ndim))

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        return _checked_against(self, node, self.perform)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:

        return [sum_to_like(cotangents[0], inputs[0]), None]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [None if tangents[0] is None else self(tangents[0], inputs[1])]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:

        return [vector_entries(node.inputs[1], self.ndim)]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        value, shape = inputs
        return [type(self)(self.ndim + 1)(pad_after_batch(value, self.ndim), with_batch(shape, size))]


def _shape_args(shape: Sequence[Any], what: str) -> TensorVariable | TensorConstant:
    """``alloc``-style ``*shape`` (or one sequence / vector) as an int vector."""
    if len(shape) == 1 and (isinstance(shape[0], (list, tuple, np.ndarray))
                            or (isinstance(shape[0], Variable) and shape[0].type.ndim == 1)):
        return as_shape_vector(shape[0], what)
    return as_shape_vector(list(shape), what)


def alloc(value: Any, *shape: Any) -> TensorVariable:
    """A new array of the given shape filled with ``value`` (broadcast as NumPy does)."""
    vector = _shape_args(shape, "alloc")
    return Alloc(_static_length("alloc", vector))(value, vector)


def _static_length(what: str, vector: TensorVariable | TensorConstant) -> int:
    if vector.type.shape[0] is None:
        raise ValueError(f"{what}: the number of dimensions is unknown, since the length of the "
                         f"shape {vector} ({vector.type}) is not static; use specify_shape on it")
    return vector.type.shape[0]


def broadcast_to(x: Any, shape: Any) -> TensorVariable:
    """``np.broadcast_to``: ``x`` seen with shape ``shape``, as a read-only view."""
    vector = as_shape_vector(shape, "broadcast_to")
    return BroadcastTo(_static_length("broadcast_to", vector))(x, vector)


def broadcast_shape(*arrays: Any, arrays_are_shapes: bool = False) -> tuple[Variable, ...]:
    """The shape NumPy's broadcasting gives ``arrays`` (or the shapes ``arrays``, a tuple of
    ints and 0-d int variables each, with ``arrays_are_shapes``), one 0-d int64 per axis."""
    if arrays_are_shapes:
        shapes = [tuple(as_dim(d) for d in s) for s in arrays]
    else:
        shapes = [shape_tuple(a) for a in arrays]
    return tuple(si.broadcast_shapes(shapes, numpy_rule=True))


def broadcast_arrays(*args: Any) -> tuple[TensorVariable, ...]:
    """``np.broadcast_arrays``: each argument broadcast to their common shape."""
    arrays = [as_tensor_variable(a) for a in args]
    common = broadcast_shape(*arrays)
    return tuple(broadcast_to(a, common) for a in arrays)


def _dtype_or_floatx(dtype: Any) -> str:
    return config.floatX if dtype is None else normalize_dtype(dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> TensorVariable:
    """``np.full``: an array of ``shape`` filled with ``fill_value`` (its dtype unless ``dtype``)."""
    value = as_tensor_variable(fill_value)
    if dtype is not None:
        value = cast(value, dtype)
    return alloc(value, as_shape_vector(shape, "full"))


def zeros(shape: Any, dtype: Any = None) -> TensorVariable:
    """An array of zeros; dtype ``config.floatX`` unless given (PyTensor's default)."""
    return alloc(constant(0, dtype=_dtype_or_floatx(dtype)), as_shape_vector(shape, "zeros"))


def ones(shape: Any, dtype: Any = None) -> TensorVariable:
    """An array of ones; dtype ``config.floatX`` unless given (PyTensor's default)."""
    return alloc(constant(1, dtype=_dtype_or_floatx(dtype)), as_shape_vector(shape, "ones"))


def empty(shape: Any, dtype: Any = None) -> TensorVariable:
    """An array whose values do not matter (arignote fills it with zeros); dtype floatX by default."""
    return zeros(shape, dtype)


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> TensorVariable:
    """``np.full_like``: ``x``'s shape filled with ``fill_value`` cast to ``x``'s dtype (or ``dtype``)."""
    x = as_tensor_variable(x)
    return _filled_like(x, cast(as_tensor_variable(fill_value), x.dtype if dtype is None else dtype))


def zeros_like(x: Any, dtype: Any = None) -> TensorVariable:
    """Zeros of ``x``'s shape and dtype (or ``dtype``)."""
    x = as_tensor_variable(x)
    return _filled_like(x, constant(0, dtype=x.dtype if dtype is None else dtype))


def ones_like(x: Any, dtype: Any = None) -> TensorVariable:
    """Ones of ``x``'s shape and dtype (or ``dtype``)."""
    x = as_tensor_variable(x)
    return _filled_like(x, constant(1, dtype=x.dtype if dtype is None else dtype))


def _filled_like(x: TensorVariable, value: TensorVariable | TensorConstant) -> TensorVariable:
    # the shape as a node of x even when it is static: the result depends on x (an input
    # given to `function` is used), and rewriting folds the shape to a constant later
    return alloc(value, shape_node(x))


def empty_like(x: Any, dtype: Any = None) -> TensorVariable:
    """An array of ``x``'s shape and dtype whose values do not matter (zeros here)."""
    return zeros_like(x, dtype)


def fill(model: Any, value: Any) -> TensorVariable:
    """``value`` broadcast against ``model``'s shape, in ``value``'s dtype (PyTensor's ``fill``
    and ``second``): the result depends on ``model`` until rewriting finds its shape known."""

    return Elemwise(Second())(as_tensor_variable(model), as_tensor_variable(value))


second = fill


# --- ranges --------------------------------------------------------------------------

def _range_bound(value: Any, what: str) -> TensorVariable:
    # Python numbers are typed as NumPy types them (int64, float64), not as floatX,
    # so that the values match np.arange's exactly; "numpy+floatX" types them as
    # everywhere under that policy (a float is floatX), as PyTensor does
    if isinstance(value, (bool, int, float)):
        value = constant(value if config.cast_policy == "numpy+floatX" else np.asarray(value))
    value = as_tensor_variable(value)
    if value.ndim != 0:
        raise TypeError(f"arange: {what} must be 0-d, got {value.type}")
    if value.type.numpy_dtype.kind not in "biuf":
        raise TypeError(f"arange: {what} must be a real number, got dtype {value.dtype}")
    return value


def _arange_length(start: Any, stop: Any, step: Any, dtype: str) -> int | None:
    """Static length of ``np.arange`` on constant bounds (None if too costly to be exact)."""
    if step == 0:
        raise ZeroDivisionError("arange: step must not be zero")
    if all(v.dtype.kind in "biu" for v in (start, stop, step)):
        a, b, s = int(start), int(stop), int(step)
        return max(0, -((a - b) // s))  # ceil((b - a) / s) in exact integer arithmetic
    estimate = (float(stop) - float(start)) / float(step)
    if math.isnan(estimate):
        raise ValueError("arange: cannot compute the length (NaN bounds)")
    if estimate > 1_000_000:
        return None  # float rounding at the last element is NumPy's call; don't guess
    # NumPy's rounding of the length for float bounds is subtle; ask it on the real values
    return len(np.arange(start, stop, step, dtype=dtype))


@dataclass(frozen=True)
class ARange(Op):
    """``np.arange(start, stop, step, dtype)`` on 0-d inputs."""

    dtype: str

    def make_node(self, start: Any, stop: Any, step: Any) -> Apply:
        bounds = [_range_bound(v, name) for v, name in
                  ((start, "start"), (stop, "stop"), (step, "step"))]
        length = None
        if all(isinstance(v, TensorConstant) for v in bounds):
            length = _arange_length(bounds[0].data, bounds[1].data, bounds[2].data, self.dtype)
        return Apply.build(self, bounds, [TensorType(self.dtype, (length,))])

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``out[i] = start + i * step``: start gets ``sum(g)``, step ``sum(g * i)``; the
        length, and so ``stop``, is piecewise constant (zero)."""

        _, stop, _ = inputs
        g = cotangents[0]
        index = arange(g.shape[0], dtype=g.dtype)
        return [tensor_sum(g), zeros_like(stop), tensor_sum(g * index)]

    def perform(self, start: Any, stop: Any, step: Any) -> np.ndarray:
        if step == 0:
            # NumPy raises this for Python numbers (and a ValueError after a warning for arrays)
            raise ZeroDivisionError("arange: step must not be zero")
        return np.arange(start, stop, step, dtype=self.dtype)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        """``ceil((stop - start) / step)``, at least 0, computed as NumPy computes it."""
        return [(_arange_length_graph(*node.inputs),)]


def _arange_length_graph(start: Variable, stop: Variable, step: Variable) -> Variable:
    """The length of ``np.arange(start, stop, step)`` as a graph on the bounds.

    NumPy subtracts the bounds in their own dtype (so unsigned bounds wrap)
    and divides by the step: integers exactly, floats in their precision.
    """

    if start.dtype == "bool" or stop.dtype == "bool":  # NumPy cannot subtract booleans
        other = stop if start.dtype == "bool" else start
        wide = "int64" if other.dtype == "bool" else other.dtype
        start, stop = cast(start, wide), cast(stop, wide)
    delta = tm.sub(stop, start)
    if delta.type.numpy_dtype.kind in "iu" and step.type.numpy_dtype.kind in "biu":
        delta, step = si.as_dim(delta), si.as_dim(step)
        length = si.sub_dims(0, si.floordiv_dims(si.sub_dims(0, delta), step))  # ceil division
    else:
        length = si.as_dim(cast(tm.ceil(tm.true_div(delta, step)), "int64"))
    return si.max_dims(length, 0)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> TensorVariable:
    """``np.arange`` with constant or symbolic bounds.

    Without ``dtype``, NumPy's rule: int64 for integer bounds, float64 when a
    bound is a float (whatever its precision); under ``config.cast_policy``
    "numpy+floatX" with a float32 floatX, float32 unless a bound is float64.
    """
    if stop is None:
        start, stop = 0, start
    bounds = [_range_bound(v, name) for v, name in ((start, "start"), (stop, "stop"), (step, "step"))]
    if dtype is None:
        dtype = np.result_type(np.int64, *[b.type.numpy_dtype for b in bounds])
        if config.cast_policy == "numpy+floatX":
            dtype = _numpy_floatx_arange_dtype([b.type.numpy_dtype for b in bounds], dtype)
    return ARange(normalize_dtype(dtype))(*bounds)


def _numpy_floatx_arange_dtype(dtypes: list[np.dtype], default: np.dtype) -> np.dtype:
    # PyTensor's rule: np.arange's dtype for bounds of these dtypes (``default`` where NumPy
    # has none, booleans), except that a float32 floatX is kept when no bound is float64
    try:
        start, stop, step = (np.array(v, dtype=d) for v, d in zip((0, 1, 1), dtypes))
        result = np.arange(start, stop, step).dtype  # type: ignore[call-overload]
    except TypeError:
        result = default
    if (result == np.float64 and config.floatX == "float32"
            and all(d != np.float64 for d in dtypes)):
        return np.dtype("float32")
    return result


# --- identity and triangular matrices ---------------------------------------------

def _count_input(value: Any, what: str, where: str) -> TensorVariable:
    value = as_tensor_variable(value)
    if value.ndim != 0 or value.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"{where}: {what} must be a 0-d integer, got {value.type}")
    if isinstance(value, TensorConstant) and what != "k" and value.data < 0:
        raise ValueError(f"{where}: negative dimensions are not allowed ({what}={value.data})")
    return value


def _static_count(value: TensorVariable) -> int | None:
    return int(value.data) if isinstance(value, TensorConstant) else None


@dataclass(frozen=True)
class _DiagonalBand(Op):
    """An ``n`` x ``m`` matrix of zeros and ones made by ``numpy_fn(n, m, k, dtype)``."""

    dtype: str
    #: the names NumPy gives the two sizes in its errors
    size_names = ("n", "m")

    def numpy_fn(self, n: int, m: int, k: int) -> np.ndarray:
        raise NotImplementedError

    def make_node(self, n: Any, m: Any, k: Any) -> Apply:
        first, second = self.size_names
        n, m = _count_input(n, first, str(self)), _count_input(m, second, str(self))
        k = _count_input(k, "k", str(self))
        out = TensorType(self.dtype, (_static_count(n), _static_count(m)))
        return Apply.build(self, [n, m, k], [out])

    def perform(self, n: np.ndarray, m: np.ndarray, k: np.ndarray) -> np.ndarray:
        return self.numpy_fn(int(n), int(m), int(k))

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        return [None, None, None]  # its inputs are sizes: integers

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:

        return [(as_dim(node.inputs[0]), as_dim(node.inputs[1]))]


@dataclass(frozen=True)
class Eye(_DiagonalBand):
    """``np.eye(n, m, k, dtype)``: ones on the ``k``-th diagonal of an ``n`` x ``m`` matrix."""

    def numpy_fn(self, n: int, m: int, k: int) -> np.ndarray:
        return np.eye(n, m, k, dtype=self.dtype)


@dataclass(frozen=True)
class Tri(_DiagonalBand):
    """``np.tri(n, m, k, dtype)``: ones at and below the ``k``-th diagonal."""

    size_names = ("N", "M")

    def numpy_fn(self, n: int, m: int, k: int) -> np.ndarray:
        return np.tri(n, m, k, dtype=self.dtype)


def eye(n: Any, m: Any = None, k: Any = 0, dtype: Any = None) -> TensorVariable:
    """``np.eye``; dtype ``config.floatX`` unless given (PyTensor's default)."""
    return Eye(_dtype_or_floatx(dtype))(n, n if m is None else m, k)


def identity_like(x: Any, dtype: Any = None) -> TensorVariable:
    """An identity matrix of the 2-d ``x``'s shape, in ``x``'s dtype unless ``dtype``."""
    x = as_tensor_variable(x)
    if x.ndim != 2:
        raise TypeError(f"identity_like: expected a matrix, got {x.type}")
    rows, cols = shape_tuple(x)
    return eye(rows, cols, 0, dtype=x.dtype if dtype is None else dtype)


def tri(N: Any, M: Any = None, k: Any = 0, dtype: Any = None) -> TensorVariable:
    """``np.tri``; dtype ``config.floatX`` unless given (PyTensor's default)."""
    return Tri(_dtype_or_floatx(dtype))(N, N if M is None else M, k)


def _triangle(m: Any, k: Any, lower: bool) -> TensorVariable:

    m = as_tensor_variable(m)
    if m.ndim == 0:
        raise ValueError(f"{'tril' if lower else 'triu'}: the input must be at least 1-d")
    if m.ndim == 1:  # NumPy treats a vector as the rows of a square matrix
        rows = cols = shape_i(m, 0)
    else:
        rows, cols = shape_tuple(m)[-2:]
    zero = constant(0, dtype=m.dtype)
    if lower:
        return switch(tri(rows, cols, k, dtype="bool"), m, zero)
    below = tri(rows, cols, k - 1 if isinstance(k, int) else sub(k, 1), dtype="bool")
    return switch(below, zero, m)


def tril(m: Any, k: Any = 0) -> TensorVariable:
    """``np.tril``: ``m`` with the elements above the ``k``-th diagonal zeroed (last two axes)."""
    return _triangle(m, k, lower=True)


def triu(m: Any, k: Any = 0) -> TensorVariable:
    """``np.triu``: ``m`` with the elements below the ``k``-th diagonal zeroed (last two axes)."""
    return _triangle(m, k, lower=False)


__all__ = [
    "Alloc", "BroadcastTo", "ARange", "Eye", "Tri",
    "alloc", "broadcast_arrays", "broadcast_shape", "broadcast_to", "full", "zeros", "ones", "empty",
    "full_like", "zeros_like",
    "ones_like", "empty_like", "fill", "second", "arange", "eye", "identity_like", "tri", "tril", "triu",
]
