"""Symbolic shapes: the shape of any variable as a graph over input shapes and constants.

The protocol
------------
An op that knows its output shapes defines::

    def infer_shape(self, node, input_shapes) -> list[tuple[Variable, ...]]

``input_shapes[i]`` is the shape of ``node.inputs[i]``: a tuple of 0-d int64
tensor variables, one per axis (constants where the static shape knows the
length), or None for an input that is not a tensor.  The result holds one
such tuple per output.  The entries are graphs built from the input shapes,
constants and, where an output's shape depends on the values it reads (a
reshape's target vector, a boolean mask, a range's bounds), the node's
*inputs*.  An op whose output shape depends on the values it computes, and
cannot be read from its inputs more cheaply than by computing it (``unique``),
returns ``shape_i(node.outputs[j], k)`` for those entries; it may refer to
its own outputs only in that way.  An op that cannot say anything raises
:class:`ShapeUnknown`, and :func:`shape_of` then uses ``shape_i`` of the output
for every entry the static type does not know.

Build entries with the helpers below (:func:`add_dims`, :func:`broadcast_dims`,
...): they fold constants while the graph is built, so static shapes give
constants and the usual identities (``n * 1``, ``max(n, n)``) cost no node.

Shapes assume a valid computation: the shape of ``x + y`` is the broadcast of
their shapes even where ``x`` and ``y`` cannot be broadcast (the computation
itself would raise), as in PyTensor.

Memoization
-----------
:func:`shape_of` walks the graph below a variable once, inputs first, keeping
every shape it computes in a per-call dict.  Shapes that do not read their own
node are also kept in a cache weakly keyed by variable: graphs are immutable,
so a variable's shape never changes, and the cache never keeps a graph alive
(an entry holds only the key's ancestors).  Rewriting asks for shapes again
and again on overlapping graphs; with the cache each node is inferred about
once.

The op modules import this one inside ``infer_shape`` (it builds on them).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import ShapeUnknown
from arignote.tensor import math as tm
from arignote.tensor.basic import as_tensor_variable, cast, constant
from arignote.tensor.reduction import sum as tensor_sum
from arignote.tensor.shape import MakeVector, Shape, ShapeI, shape_i
from arignote.tensor.subtensor_index import BOOL_MASK, INDEX_ARRAY, SYMBOLIC, SliceSpec
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorConstant

__all__ = [
    "ShapeUnknown", "ShapeInfo", "shape_of", "shape_info", "dim", "known_dim", "as_dim",
    "add_dims", "sub_dims", "mul_dims", "floordiv_dims", "max_dims", "min_dims", "eq_dims",
    "lt_dims", "switch_dims", "same_dim", "size_dims", "broadcast_dims", "numpy_broadcast_dims",
    "broadcast_shapes", "vector_entries",
    "slice_length", "indexed_dims", "count_true", "is_nonnegative",
]

Dims = tuple[Variable, ...]


# --- dims: 0-d int64 variables, folded while built -------------------------------------

def dim(n: int) -> TensorConstant:
    """The constant length ``n`` (a 0-d int64)."""
    return constant(np.int64(n))


def known_dim(v: Any) -> int | None:
    """The value of a constant dim (or a Python int), else None."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, TensorConstant) and v.ndim == 0:
        return int(v.data)
    return None


def as_dim(v: Any) -> Variable:
    """``v`` (an int, or a 0-d integer or boolean tensor) as a 0-d int64 variable."""
    value = known_dim(v)
    if value is not None:
        return dim(value)
    v = as_tensor_variable(v)
    if v.ndim != 0 or v.type.numpy_dtype.kind not in "biu":
        raise TypeError(f"a shape entry must be a 0-d integer, got {v} ({v.type})")
    return cast(v, "int64")


def _binary(a: Any, b: Any, fold: Any, build: Any) -> Variable:
    a, b = as_dim(a), as_dim(b)
    ka, kb = known_dim(a), known_dim(b)
    if ka is not None and kb is not None:
        return dim(fold(ka, kb))
    return build(a, b)


def add_dims(*dims: Any) -> Variable:
    """The sum of ``dims``."""
    total: Variable = dim(0)
    for d in dims:
        if known_dim(d) == 0:
            continue
        total = as_dim(d) if known_dim(total) == 0 else _binary(total, d, int.__add__, tm.add)
    return total


def sub_dims(a: Any, b: Any) -> Variable:
    """``a - b``."""
    if known_dim(b) == 0:
        return as_dim(a)
    return _binary(a, b, int.__sub__, tm.sub)


def mul_dims(*dims: Any) -> Variable:
    """The product of ``dims`` (0 as soon as one is the constant 0)."""
    if any(known_dim(d) == 0 for d in dims):
        return dim(0)  # integer lengths: no NaN to keep
    product: Variable = dim(1)
    for d in dims:
        if known_dim(d) == 1:
            continue
        product = as_dim(d) if known_dim(product) == 1 else _binary(product, d, int.__mul__, tm.mul)
    return product


def floordiv_dims(a: Any, b: Any) -> Variable:
    """``a // b`` (Python's floor division)."""
    if known_dim(b) == 1:
        return as_dim(a)
    return _binary(a, b, int.__floordiv__, tm.int_div)


def max_dims(a: Any, b: Any) -> Variable:
    """``max(a, b)``."""
    a, b = as_dim(a), as_dim(b)
    return a if a is b else _binary(a, b, max, tm.maximum)


def min_dims(a: Any, b: Any) -> Variable:
    """``min(a, b)``."""
    a, b = as_dim(a), as_dim(b)
    return a if a is b else _binary(a, b, min, tm.minimum)


def switch_dims(cond: Any, if_true: Any, if_false: Any) -> Variable:
    """``if_true if cond else if_false``; ``cond`` is a bool or a 0-d bool variable."""
    if_true, if_false = as_dim(if_true), as_dim(if_false)
    if isinstance(cond, (bool, np.bool_)):
        return if_true if cond else if_false
    if isinstance(cond, TensorConstant):
        return if_true if bool(cond.data) else if_false
    if if_true is if_false:
        return if_true
    return tm.switch(cond, if_true, if_false)


def _compare(a: Any, b: Any, fold: Any, build: Any) -> bool | Variable:
    ka, kb = known_dim(a), known_dim(b)
    if ka is not None and kb is not None:
        return bool(fold(ka, kb))
    return build(as_dim(a), as_dim(b))


def eq_dims(a: Any, b: Any) -> bool | Variable:
    """``a == b``: a bool when it is known while building, else a 0-d bool variable."""
    if a is b:
        return True
    return _compare(a, b, int.__eq__, tm.eq)


def lt_dims(a: Any, b: Any) -> bool | Variable:
    """``a < b``: a bool when it is known while building, else a 0-d bool variable."""
    return _compare(a, b, int.__lt__, tm.lt)


def same_dim(a: Any, b: Any) -> bool:
    """Whether two dims are provably equal (the same variable, or equal constants)."""
    if a is b:
        return True
    ka, kb = known_dim(a), known_dim(b)
    return ka is not None and ka == kb


def is_nonnegative(v: Any) -> bool:
    """Whether a dim is provably >= 0 (a constant, or some array's length)."""
    value = known_dim(v)
    if value is not None:
        return value >= 0
    return v.owner is not None and isinstance(v.owner.op, ShapeI)


def size_dims(shape: Sequence[Any]) -> Variable:
    """The number of elements of an array of ``shape``."""
    return mul_dims(*shape)


# --- broadcasting ------------------------------------------------------------------------

def broadcast_dims(dims: Iterable[Any]) -> Variable:
    """The length broadcasting gives to an axis whose lengths are ``dims``.

    Only a length statically 1 stretches (see :mod:`arignote.tensor.broadcasting`),
    so every other length is the result: a known one if there is one, else the
    first unknown one (the ops check at run time that the others agree).
    """
    symbolic = None
    for d in dims:
        value = known_dim(d)
        if value == 1:
            continue
        if value is not None:
            return dim(value)
        if symbolic is None:
            symbolic = as_dim(d)
    return dim(1) if symbolic is None else symbolic


def numpy_broadcast_dims(dims: Iterable[Any]) -> Variable:
    """The length NumPy broadcasting gives to an axis whose lengths are ``dims``, where any
    length 1 may stretch at run time (advanced index arrays broadcast so).

    Exact for every valid broadcast, zero lengths included: a length 1 takes
    the other length (so 1 against 0 gives 0, where ``max`` would give 1).
    """
    symbolic: list[Variable] = []
    for d in dims:
        value = known_dim(d)
        if value == 1:
            continue
        if value is not None:
            return dim(value)  # a valid broadcast's other lengths are this one or 1
        d = as_dim(d)
        if not any(d is s for s in symbolic):
            symbolic.append(d)
    if not symbolic:
        return dim(1)
    result = symbolic[0]
    for d in symbolic[1:]:
        result = switch_dims(eq_dims(result, 1), d, result)
    return result


def broadcast_shapes(shapes: Sequence[Sequence[Any]], numpy_rule: bool = False) -> Dims:
    """The shape broadcasting gives to arrays of ``shapes`` (aligned on the right): by the
    static rule, or by NumPy's run-time rule with ``numpy_rule``."""
    combine = numpy_broadcast_dims if numpy_rule else broadcast_dims
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(ndim):
        out.append(combine(s[axis - (ndim - len(s))] for s in shapes if axis - (ndim - len(s)) >= 0))
    return tuple(out)


# --- reading int vectors and masks ---------------------------------------------------------

def vector_entries(vector: Variable, length: int) -> Dims:
    """The ``length`` entries of the integer vector ``vector``, as dims.

    Constants give constants, a ``make_vector`` its inputs, ``shape(v)`` the
    symbolic shape of ``v``; any other vector is indexed.
    """
    if isinstance(vector, TensorConstant):
        return tuple(dim(int(n)) for n in np.asarray(vector.data).reshape(-1)[:length])
    owner = vector.owner
    if owner is not None and isinstance(owner.op, MakeVector):
        return tuple(as_dim(s) for s in owner.inputs)
    if owner is not None and isinstance(owner.op, Shape):
        return shape_of(owner.inputs[0])
    return tuple(as_dim(vector[i]) for i in range(length))  # type: ignore[index]


def count_true(mask: Variable) -> Variable:
    """How many elements of the boolean ``mask`` are true."""
    if isinstance(mask, TensorConstant):
        return dim(int(np.count_nonzero(mask.data)))
    if 0 in mask.type.shape:
        return dim(0)
    return as_dim(tensor_sum(mask, dtype="int64"))


# --- slices and indexing ---------------------------------------------------------------------

def _clip_bound(bound: Any, length: Variable, default: Variable, low: int, high_shift: int) -> Variable:
    """A slice bound resolved as ``slice.indices`` does, for one direction of stepping.

    ``low`` is the smallest resolved value (0 forwards, -1 backwards) and
    ``high_shift`` what the largest is below ``length`` (0 forwards, 1 backwards).
    """
    if bound is None:
        return default
    high = sub_dims(length, high_shift)
    from_end = max_dims(add_dims(bound, length), low)
    from_start = min_dims(bound, high)
    value = known_dim(bound)
    if value is not None:
        return from_end if value < 0 else from_start
    return switch_dims(lt_dims(bound, 0), from_end, from_start)


def _forward_length(start: Any, stop: Any, step: Any, length: Variable) -> Variable:
    if step is None or known_dim(step) == 1:
        if stop is None and (known_start := known_dim(start)) is not None and known_start >= 0:
            return max_dims(sub_dims(length, start), 0)  # x[s:]
        if start is None and (known_stop := known_dim(stop)) is not None and known_stop >= 0:
            return min_dims(stop, length)  # x[:e]
        step = 1
    first = _clip_bound(start, length, dim(0), 0, 0)
    end = _clip_bound(stop, length, length, 0, 0)
    span = sub_dims(end, first)
    # ceil(span / step) for a positive step
    return max_dims(floordiv_dims(add_dims(span, sub_dims(step, 1)), step), 0)


def _backward_length(start: Any, stop: Any, step: Any, length: Variable) -> Variable:
    first = _clip_bound(start, length, sub_dims(length, 1), -1, 1)
    end = _clip_bound(stop, length, dim(-1), -1, 1)
    span = sub_dims(first, end)
    stride = sub_dims(0, step)
    return max_dims(floordiv_dims(add_dims(span, sub_dims(stride, 1)), stride), 0)


def slice_length(start: Any, stop: Any, step: Any, length: Any) -> Variable:
    """The length of ``x[start:stop:step]`` along an axis of ``length`` (NumPy's rules).

    ``start``, ``stop`` and ``step`` are None, ints or 0-d integer variables.
    """
    length = as_dim(length)
    start = None if start is None else as_dim(start)
    stop = None if stop is None else as_dim(stop)
    step = None if step is None else as_dim(step)
    step_value = known_dim(step) if step is not None else 1
    if step_value is not None:
        if step_value > 0:
            return _forward_length(start, stop, step, length)
        return _backward_length(start, stop, step, length)
    return switch_dims(lt_dims(0, step), _forward_length(start, stop, step, length),
                       _backward_length(start, stop, step, length))


def indexed_dims(entries: Sequence[Any], x_shape: Dims, indices: Sequence[Variable],
                 index_shapes: Sequence[Dims]) -> Dims:
    """The symbolic shape of ``x[key]`` for a key stored as ``entries`` (see ``subtensor_index``).

    ``indices`` are the index inputs and ``index_shapes`` their shapes.  The
    advanced dims go where NumPy puts them: at the first advanced index when
    the advanced indices are adjacent in the key, else in front.  A boolean
    mask contributes the number of its true elements.
    """
    parts: list[list[Variable]] = []
    advanced_shapes: list[Dims] = []
    advanced_positions: list[int] = []
    axis = used = 0
    for position, entry in enumerate(entries):
        if entry is None:
            parts.append([dim(1)])
            continue
        if entry is Ellipsis:
            parts.append([])
            continue
        if isinstance(entry, SliceSpec):
            bounds: list[Any] = []
            for part in entry.parts:
                if part is SYMBOLIC:
                    bounds.append(indices[used])
                    used += 1
                else:
                    bounds.append(part)
            parts.append([slice_length(bounds[0], bounds[1], bounds[2], x_shape[axis])])
            axis += 1
            continue
        parts.append([])
        width = 1
        if entry is INDEX_ARRAY:
            advanced_shapes.append(index_shapes[used])
            used += 1
        elif entry is BOOL_MASK:
            mask = indices[used]
            advanced_shapes.append((count_true(mask),))
            width = mask.ndim
            used += 1
        else:  # an integer index, constant or symbolic
            if entry is SYMBOLIC:
                used += 1
            advanced_shapes.append(())
        advanced_positions.append(position)
        axis += width
    rest = tuple(x_shape[axis:])
    basic_only = all(e is not INDEX_ARRAY and e is not BOOL_MASK for e in entries)
    if basic_only:
        return tuple(d for dims in parts for d in dims) + rest
    broadcast = list(broadcast_shapes(advanced_shapes, numpy_rule=True))
    first, last = advanced_positions[0], advanced_positions[-1]
    if last - first + 1 == len(advanced_positions):
        parts[first] = broadcast
        return tuple(d for dims in parts for d in dims) + rest
    return tuple(broadcast) + tuple(d for dims in parts for d in dims) + rest


# --- the inference walk ------------------------------------------------------------------------

@dataclass(frozen=True)
class ShapeInfo:
    """A variable's symbolic shape and, per axis, whether it reads the variable's own node.

    An entry that reads the node (``reads_node[k]``) can only be known by
    computing that node: rewriting ``x.shape[k]`` into it gains nothing.
    """

    dims: Dims
    reads_node: tuple[bool, ...]

    @property
    def from_inputs(self) -> bool:
        """Whether no entry needs the variable's own node computed."""
        return not any(self.reads_node)


#: shapes that do not read their own node, by variable (see the module docstring)
_cache: weakref.WeakKeyDictionary[Variable, Dims] = weakref.WeakKeyDictionary()


def shape_of(var: Variable, memo: dict[Variable, ShapeInfo] | None = None) -> Dims:
    """The symbolic shape of the tensor ``var``: one 0-d int64 variable per axis.

    Static lengths are constants; a graph input's unknown lengths are
    ``shape_i(var, k)``.  Pass the same ``memo`` dict to share the work
    between several calls.
    """
    return shape_info(var, memo).dims


def shape_info(var: Variable, memo: dict[Variable, ShapeInfo] | None = None) -> ShapeInfo:
    """:func:`shape_of` with, per axis, whether the entry reads ``var``'s own node."""
    if not isinstance(var.type, TensorType):
        raise TypeError(f"shape_of: {var} is not a tensor ({var.type})")
    memo = {} if memo is None else memo
    found = _lookup(var, memo)
    if found is not None:
        return found
    stack = [var]
    while stack:
        current = stack[-1]
        if _lookup(current, memo) is not None:
            stack.pop()
            continue
        node = current.owner
        if node is None:
            memo[current] = _input_info(current)
            stack.pop()
            continue
        missing = [i for i in node.inputs if isinstance(i.type, TensorType) and _lookup(i, memo) is None]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()
        input_shapes = [memo[i].dims if isinstance(i.type, TensorType) else None for i in node.inputs]
        for out, info in zip(node.outputs, _infer_node(node, input_shapes)):
            if info is None:
                continue  # not a tensor
            memo[out] = info
            if info.from_inputs:
                _cache[out] = info.dims
    return memo[var]


def _lookup(var: Variable, memo: dict[Variable, ShapeInfo]) -> ShapeInfo | None:
    found = memo.get(var)
    if found is None:
        dims = _cache.get(var)
        if dims is not None:
            found = memo[var] = ShapeInfo(dims, (False,) * len(dims))
    return found


def _input_info(var: Variable) -> ShapeInfo:
    """The shape of a graph input or constant (not cached: it refers to ``var`` itself)."""
    dims = tuple(shape_i(var, k) for k in range(var.type.ndim))
    return ShapeInfo(dims, (False,) * len(dims))


def _infer_node(node: Apply, input_shapes: list[Dims | None]) -> list[ShapeInfo | None]:
    """The shape of each output of ``node`` (None for outputs that are not tensors)."""
    infer = getattr(node.op, "infer_shape", None)
    inferred: Any = None
    if infer is not None:
        try:
            inferred = infer(node, input_shapes)
        except ShapeUnknown:
            inferred = None
        if inferred is not None and len(inferred) != len(node.outputs):
            raise ValueError(f"{node.op}.infer_shape returned {len(inferred)} shape(s) for "
                             f"{len(node.outputs)} output(s)")
    stops = {id(v) for v in node.inputs}
    stops.update(id(d) for dims in input_shapes if dims is not None for d in dims)
    results: list[ShapeInfo | None] = []
    for position, out in enumerate(node.outputs):
        if not isinstance(out.type, TensorType):
            results.append(None)
            continue
        dims = None if inferred is None else inferred[position]
        results.append(_settle_dims(node, out, dims, stops))
    return results


def _settle_dims(node: Apply, out: Variable, dims: Sequence[Any] | None, stops: set[int]) -> ShapeInfo:
    """``dims`` checked, static lengths made constants, and which entries read ``node``."""
    static = out.type.shape
    if dims is not None and len(dims) != len(static):
        raise ValueError(f"{node.op}.infer_shape gave {len(dims)} length(s) for the "
                         f"{len(static)}-d output {out}")
    entries: list[Variable] = []
    reads: list[bool] = []
    for axis, known in enumerate(static):
        if known is not None:
            entries.append(dim(known))
            reads.append(False)
        elif dims is None:
            entries.append(shape_i(out, axis))
            reads.append(True)
        else:
            entry = as_dim(dims[axis])
            entries.append(entry)
            reads.append(_reads_node(entry, node, stops))
    return ShapeInfo(tuple(entries), tuple(reads))


def _reads_node(entry: Variable, node: Apply, stops: set[int]) -> bool:
    """Whether the shape expression ``entry`` refers to an output of ``node``.

    Walks the 0-d integer arithmetic of the expression; arrays it reads (an
    input, a mask, a vector) are only compared with the node's outputs, since
    ``infer_shape`` refers to its own outputs only through ``shape_i``.
    Entries of the input shapes and the node's inputs cannot refer to the
    node, so the walk stops there.
    """
    outputs = {id(o) for o in node.outputs}
    seen: set[int] = set()
    stack = [entry]
    while stack:
        var = stack.pop()
        key = id(var)
        if key in outputs:
            return True
        if key in seen or key in stops or var.owner is None:
            continue
        seen.add(key)
        if getattr(var.type, "ndim", None) != 0:
            continue
        stack.extend(var.owner.inputs)
    return False
