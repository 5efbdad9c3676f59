"""Shape ops: reading a shape, building int vectors, reshaping, asserting shapes.

Shapes travel through graphs as int vectors.  :func:`shape_entry_facts`
reads what is known about such a vector when a graph is built (constant
entries, entries that are some variable's length along an axis), so the ops
that take a shape vector (reshape, alloc, broadcast_to, tile...) give their
outputs static shapes as precise as their inputs allow.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.tensor.basic import as_tensor_variable, constant
from arignote.tensor.batching import broadcast_batch, with_batch
from arignote.tensor.type import TensorType, normalize_dtype
from arignote.tensor.variable import TensorConstant, TensorVariable

#: What is known about one entry of a shape vector at build time: its value,
#: ``(var, axis)`` when it is ``var``'s run-time length along ``axis``, or nothing.
EntryFact = int | tuple[Variable, int] | None


def _is_int_dtype(dtype: str) -> bool:
    return np.dtype(dtype).kind in "iu"


# --- reading shapes -----------------------------------------------------------------

@dataclass(frozen=True)
class Shape(Op):
    """The shape of the input, as an int64 vector."""

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        return Apply.build(self, [x], [TensorType("int64", (x.ndim,))])

    def perform(self, x: np.ndarray) -> np.ndarray:
        return np.array(x.shape, dtype=np.int64)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.shape_inference import dim

        return [(dim(len(input_shapes[0])),)]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        # every batch element has the same shape: the batched value's, past its batch axis
        return [Shape()(inputs[0])[1:]]


@dataclass(frozen=True)
class ShapeI(Op):
    """The length of the input along ``axis``, as a 0-d int64 (PyTensor's ``Shape_i``)."""

    axis: int

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if not 0 <= self.axis < x.ndim:
            raise ValueError(f"{self}: axis {self.axis} is out of range for {x.type}")
        return Apply.build(self, [x], [TensorType("int64", ())])

    def perform(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x.shape[self.axis], dtype=np.int64)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        return [()]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        return [ShapeI(self.axis + 1)(inputs[0])]  # past the batch axis, as Shape's


_shape = Shape()


Shape_i = ShapeI  # PyTensor's class name


def shape(x: Any) -> TensorVariable | TensorConstant:
    """The shape of ``x`` as an int64 vector; a constant when every dim is static."""
    x = as_tensor_variable(x)
    if all(d is not None for d in x.type.shape):
        return constant(np.array(x.type.shape, dtype=np.int64))
    return _shape(x)


def shape_node(x: Any) -> TensorVariable:
    """The shape of ``x`` as a `Shape` node even when it is static (``x.shape``, as in
    PyTensor): the graph keeps depending on ``x``; rewriting folds a static shape later,
    and static shape inference sees through the node meanwhile."""
    return _shape(as_tensor_variable(x))


def shape_i(x: Any, axis: int) -> TensorVariable | TensorConstant:
    """The length of ``x`` along ``axis`` as a 0-d int64 (a constant when static)."""
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.dimshuffle import normalize_axis

    x = as_tensor_variable(x)
    axis = normalize_axis(axis, x.ndim)
    if x.type.shape[axis] is not None:
        return constant(np.int64(x.type.shape[axis]))
    return ShapeI(axis)(x)


def shape_tuple(x: Any) -> tuple[TensorVariable | TensorConstant, ...]:
    """The shape of ``x`` as a tuple of 0-d int64 variables (constants where static)."""
    x = as_tensor_variable(x)
    return tuple(shape_i(x, axis) for axis in range(x.ndim))


# --- int vectors from scalars --------------------------------------------------------

@dataclass(frozen=True)
class MakeVector(Op):
    """A 1-d vector of ``dtype`` from 0-d inputs (each converted to ``dtype``)."""

    dtype: str = "int64"

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtype", normalize_dtype(self.dtype))

    def make_node(self, *inputs: Any) -> Apply:
        scalars = [as_tensor_variable(s) for s in inputs]
        for position, s in enumerate(scalars):
            if s.ndim != 0:
                raise TypeError(f"{self}: input {position} must be 0-d, got {s.type}")
            if not np.can_cast(s.dtype, self.dtype, "same_kind"):
                raise TypeError(f"{self}: input {position} of dtype {s.dtype} cannot become "
                                f"{self.dtype}")
        return Apply.build(self, scalars, [TensorType(self.dtype, (len(scalars),))])

    def perform(self, *scalars: np.ndarray) -> np.ndarray:
        return np.array(scalars, dtype=self.dtype)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        gz = cotangents[0]
        return [gz[k] for k in range(len(inputs))]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.alloc import zeros_like

        parts = [zeros_like(i, dtype=self.dtype) if t is None else t for i, t in zip(inputs, tangents)]
        return [self(*parts)]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.shape_inference import dim

        return [(dim(len(node.inputs)),)]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.join import stack  # join builds on this module

        parts = [(x if b else broadcast_batch(x, size)).astype(self.dtype)
                 for x, b in zip(inputs, batched)]
        return [stack(parts, axis=1)]


def make_vector(*scalars: Any, dtype: Any = None) -> TensorVariable:
    """A vector of the 0-d ``scalars``, in their promoted dtype unless ``dtype`` is given."""
    variables = [as_tensor_variable(s) for s in scalars]
    if dtype is None:
        dtype = np.result_type(*[v.type.numpy_dtype for v in variables]) if variables else "float64"
    return MakeVector(normalize_dtype(dtype))(*variables)


def get_vector_length(v: Any) -> int:
    """The static length of the 1-d ``v``; ValueError when it is not known at build time."""
    v = as_tensor_variable(v)
    if v.ndim != 1:
        raise TypeError(f"expected a vector, got {v.type}")
    if v.type.shape[0] is None:
        raise ValueError(f"the length of {v} ({v.type}) is not known when the graph is built")
    return v.type.shape[0]


def _scalar_fact(s: Variable) -> EntryFact:
    if isinstance(s, TensorConstant):
        return int(s.data)
    if s.owner is not None and isinstance(s.owner.op, ShapeI):
        source = s.owner.inputs[0]
        known = source.type.shape[s.owner.op.axis]
        return (source, s.owner.op.axis) if known is None else known
    return None


def shape_entry_facts(v: Variable, length: int) -> list[EntryFact]:
    """What is known about each of the ``length`` entries of the int vector ``v``.

    An entry is an int when its value is known, ``(var, axis)`` when it is
    ``var``'s length along ``axis``, and None otherwise.
    """
    if isinstance(v, TensorConstant):
        return [int(d) for d in v.data]
    owner = v.owner
    if owner is not None and isinstance(owner.op, MakeVector):
        return [_scalar_fact(s) for s in owner.inputs]
    if owner is not None and isinstance(owner.op, Shape):
        source = owner.inputs[0]
        return [(source, axis) if d is None else d for axis, d in enumerate(source.type.shape)]
    return [None] * length


def static_entries(facts: Sequence[EntryFact]) -> list[int | None]:
    """The entry values known at build time (None where only a relation is known)."""
    return [f if isinstance(f, int) else None for f in facts]


def _as_shape_entry(entry: Any, what: str) -> Any:
    if isinstance(entry, (bool, np.bool_)):
        raise TypeError(f"{what}: shape entries must be integers, got {entry!r}")
    if isinstance(entry, (int, np.integer)):
        return int(entry)
    entry = as_tensor_variable(entry)
    if entry.ndim != 0 or not _is_int_dtype(entry.dtype):
        raise TypeError(f"{what}: shape entries must be ints or 0-d integer tensors, got {entry.type}")
    if isinstance(entry, TensorConstant):
        return int(entry.data)
    return entry


def as_shape_vector(shape: Any, what: str = "shape") -> TensorVariable | TensorConstant:
    """``shape`` (an int, a sequence of ints and 0-d int tensors, or an int vector) as an int vector.

    Only constant entries become a constant; symbolic entries go through
    :class:`MakeVector` so their provenance stays visible to static inference.
    """
    if isinstance(shape, Variable):
        shape = as_tensor_variable(shape)
        if shape.ndim == 0:
            shape = [shape]
        elif shape.ndim == 1:
            if not _is_int_dtype(shape.dtype):
                raise TypeError(f"{what}: expected an integer vector, got {shape.type}")
            return shape
        else:
            raise TypeError(f"{what}: expected a vector of ints, got {shape.type}")
    if isinstance(shape, np.ndarray):
        if shape.ndim > 1 or (shape.size and shape.dtype.kind not in "iu"):
            raise TypeError(f"{what}: expected a vector of ints, got an array of dtype "
                            f"{shape.dtype} and shape {shape.shape}")
        shape = shape.tolist() if shape.ndim else [shape.item()]
    if not isinstance(shape, (list, tuple)):
        shape = [shape]
    entries = [_as_shape_entry(e, what) for e in shape]
    if all(isinstance(e, int) for e in entries):
        return constant(np.array(entries, dtype=np.int64).reshape(len(entries)))
    return MakeVector("int64")(*[constant(np.int64(e)) if isinstance(e, int) else e
                                 for e in entries])


# --- reshape -----------------------------------------------------------------------

def _reshape_static_shape(x: TensorVariable, facts: list[EntryFact], where: str) -> tuple[int | None, ...]:
    """The static output shape of reshaping ``x`` to entries ``facts``; ValueError if impossible."""
    if sum(1 for f in facts if f == -1) > 1:
        raise ValueError(f"{where}: can only specify one unknown dimension (-1), got {facts}")
    for f in facts:
        if isinstance(f, int) and f < -1:
            raise ValueError(f"{where}: negative dimension {f} in the new shape")
    # Entries equal to x's own length along some axis cancel against that axis,
    # so e.g. flatten of a (?, 3, 4) tensor still knows its last dim is 12.
    remaining = list(range(x.ndim))
    out: list[int | None] = []
    free: list[int] = []
    const_product = 1
    for position, f in enumerate(facts):
        if isinstance(f, tuple) and f[0] is x and f[1] in remaining:
            remaining.remove(f[1])
            out.append(None)
        elif isinstance(f, int) and f >= 0:
            const_product *= f
            out.append(f)
        else:
            free.append(position)
            out.append(None)
    rest = [x.type.shape[axis] for axis in remaining]
    if any(d is None for d in rest):
        return tuple(out)
    size = math.prod(rest)  # type: ignore[arg-type]
    if not free:
        if size != const_product:
            raise ValueError(f"{where}: cannot reshape {x.type} into shape "
                             f"{_fmt_facts(facts)}: the sizes differ")
    elif len(free) == 1:
        is_minus_one = facts[free[0]] == -1
        if const_product == 0:
            if is_minus_one or size != 0:
                raise ValueError(f"{where}: cannot reshape {x.type} into shape {_fmt_facts(facts)}")
        elif size % const_product:
            raise ValueError(f"{where}: cannot reshape {x.type} into shape {_fmt_facts(facts)}: "
                             f"{size} elements do not divide into groups of {const_product}")
        else:
            out[free[0]] = size // const_product
    return tuple(out)


def _fmt_facts(facts: Sequence[EntryFact]) -> str:
    return "(" + ", ".join(str(f) if isinstance(f, int) else "?" for f in facts) + ")"


@dataclass(frozen=True)
class Reshape(Op):
    """``x`` reshaped to the int vector ``shape`` of length ``ndim`` (one entry may be -1)."""

    ndim: int
    view_inputs = (0,)

    def make_node(self, x: Any, shape: Any) -> Apply:
        x = as_tensor_variable(x)
        shape = as_tensor_variable(shape)
        if shape.ndim != 1 or not _is_int_dtype(shape.dtype):
            raise TypeError(f"{self}: the shape must be an integer vector, got {shape.type}")
        if shape.type.shape[0] not in (None, self.ndim):
            raise ValueError(f"{self}: the shape has {shape.type.shape[0]} entries, expected {self.ndim}")
        facts = shape_entry_facts(shape, self.ndim)
        out_shape = _reshape_static_shape(x, facts, str(self))
        return Apply.build(self, [x, shape], [TensorType(x.dtype, out_shape)])

    def perform(self, x: np.ndarray, shape: np.ndarray) -> np.ndarray:
        if shape.shape != (self.ndim,):
            raise ValueError(f"{self}: the shape has {shape.size} entries, expected {self.ndim}")
        return np.reshape(x, shape.tolist())

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        x = inputs[0]
        return [reshape(cotangents[0], shape(x), ndim=x.ndim), None]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [None if tangents[0] is None else self(tangents[0], inputs[1])]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        """The target's entries; a -1 (or a symbolic entry that may be -1) is what remains."""
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor import shape_inference as si

        entries = si.vector_entries(node.inputs[1], self.ndim)
        size = si.size_dims(input_shapes[0])
        out = []
        for position, entry in enumerate(entries):
            if si.is_nonnegative(entry):
                out.append(entry)
                continue
            others = si.mul_dims(*entries[:position], *entries[position + 1:])
            # max(..., 1): no division by zero where NumPy raises anyway
            remaining = si.floordiv_dims(size, si.max_dims(others, 1))
            if si.known_dim(entry) is not None:  # the constant -1
                out.append(remaining)
            else:
                out.append(si.switch_dims(si.lt_dims(entry, 0), remaining, entry))
        return [tuple(out)]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        return [Reshape(self.ndim + 1)(inputs[0], with_batch(inputs[1], size))]


def reshape(x: Any, newshape: Any, ndim: int | None = None) -> TensorVariable:
    """``np.reshape``: ``newshape`` is an int, a sequence of ints/0-d ints, or an int vector.

    One entry may be -1.  ``ndim`` is needed only when ``newshape`` is a
    symbolic vector whose length is unknown when the graph is built.
    """
    x = as_tensor_variable(x)
    vector = as_shape_vector(newshape, "reshape")
    length = vector.type.shape[0]
    if ndim is None:
        if length is None:
            raise ValueError(f"reshape: the length of the new shape {vector} is unknown; pass ndim")
        ndim = length
    elif length is not None and length != ndim:
        raise ValueError(f"reshape: ndim={ndim} but the new shape has {length} entries")
    return Reshape(int(ndim))(x, vector)


def flatten(x: Any, ndim: int = 1) -> TensorVariable:
    """Keep the first ``ndim - 1`` axes of ``x`` and flatten the rest into one (PyTensor's)."""
    x = as_tensor_variable(x)
    if isinstance(ndim, bool) or not isinstance(ndim, (int, np.integer)) or not 1 <= ndim <= max(x.ndim, 1):
        raise ValueError(f"flatten: ndim must be between 1 and {max(x.ndim, 1)}, got {ndim!r}")
    if x.ndim == ndim:
        return x
    # the flattened length as the product of the lengths, not -1: with an empty axis
    # (shape (0, 1, 4) flattened to 2-d) a -1 is ambiguous and NumPy's reshape refuses it
    dims = shape_tuple(x)
    known = [int(d.data) if isinstance(d, TensorConstant) else None for d in dims[ndim - 1:]]
    if None not in known:
        length: Any = math.prod(known)
    else:
        length = functools.reduce(lambda p, q: p * q, dims[ndim - 1:])
    return reshape(x, [*dims[:ndim - 1], length])


def shape_padleft(x: Any, n_ones: int = 1) -> TensorVariable:
    """``x`` with ``n_ones`` new length-1 axes in front (PyTensor's)."""
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.dimshuffle import dimshuffle

    x = as_tensor_variable(x)
    return dimshuffle(x, ["x"] * n_ones + list(range(x.ndim)))


def shape_padright(x: Any, n_ones: int = 1) -> TensorVariable:
    """``x`` with ``n_ones`` new length-1 axes at the end (PyTensor's)."""
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.dimshuffle import dimshuffle

    x = as_tensor_variable(x)
    return dimshuffle(x, list(range(x.ndim)) + ["x"] * n_ones)


def shape_padaxis(x: Any, axis: int) -> TensorVariable:
    """``x`` with a new length-1 axis at position ``axis`` (``np.expand_dims``)."""
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.dimshuffle import expand_dims

    return expand_dims(x, axis)


# --- asserting shapes --------------------------------------------------------------

class PassesValueThrough:
    """Derivatives of an op whose output is its first input unchanged, the other inputs only
    checking it (lengths, conditions): they pass through to the value (mixed into the op)."""

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        return [cotangents[0]] + [None] * (len(inputs) - 1)

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [None if tangents[0] is None else self(tangents[0], *inputs[1:])]  # type: ignore[operator]


@dataclass(frozen=True)
class SpecifyShape(PassesValueThrough, Op):
    """``x`` unchanged, checked at run time to have the given lengths.

    ``shape`` holds, per axis, a static length, or None (not checked, or
    checked against a symbolic length); ``symbolic_axes`` lists the axes
    whose lengths come, in order, from the extra 0-d integer inputs.
    """

    shape: tuple[int | None, ...]
    symbolic_axes: tuple[int, ...] = ()
    view_inputs = (0,)

    def make_node(self, x: Any, *lengths: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim != len(self.shape):
            raise ValueError(f"{self}: the shape has {len(self.shape)} entries but the input is "
                             f"{x.ndim}-d ({x.type})")
        if len(lengths) != len(self.symbolic_axes):
            raise TypeError(f"{self}: expected {len(self.symbolic_axes)} symbolic length(s), "
                            f"got {len(lengths)}")
        lengths = tuple(as_tensor_variable(n) for n in lengths)
        for n in lengths:
            if n.ndim != 0 or not _is_int_dtype(n.dtype):
                raise TypeError(f"{self}: symbolic lengths must be 0-d integers, got {n.type}")
        out = []
        for axis, (want, have) in enumerate(zip(self.shape, x.type.shape)):
            if want is not None and have is not None and want != have:
                raise ValueError(f"{self}: axis {axis} of {x.type} has length {have}, not {want}")
            out.append(have if want is None else want)
        return Apply.build(self, [x, *lengths], [TensorType(x.dtype, out)])

    def perform(self, x: np.ndarray, *lengths: np.ndarray) -> np.ndarray:
        expected = list(self.shape)
        for axis, n in zip(self.symbolic_axes, lengths):
            expected[axis] = int(n)
        if any(w is not None and w != h for w, h in zip(expected, x.shape)):
            raise ValueError(f"SpecifyShape: expected shape {_fmt_expected(expected)}, "
                             f"got {x.shape}")
        return x

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        """The asserted lengths where given (static or symbolic), else the input's."""
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.shape_inference import as_dim, dim

        out = [dim(n) if n is not None else d for n, d in zip(self.shape, input_shapes[0])]
        for axis, length in zip(self.symbolic_axes, node.inputs[1:]):
            out[axis] = as_dim(length)
        return [tuple(out)]


    def __str__(self) -> str:
        return f"SpecifyShape{{{_fmt_expected(self.shape)}}}"

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        return [SpecifyShape((None, *self.shape), tuple(a + 1 for a in self.symbolic_axes))(*inputs)]


def _fmt_expected(shape: Sequence[int | None]) -> str:
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner}{',' if len(shape) == 1 else ''})"


def specify_shape(x: Any, shape: int | Sequence[Any]) -> TensorVariable:
    """``x``, asserted to have ``shape`` (ints, None for "any", or 0-d int tensors).

    The result's static shape includes the given lengths; a mismatch raises
    ValueError at run time (or at build time when the type already disagrees).
    """
    x = as_tensor_variable(x)
    if isinstance(shape, (int, np.integer)) or (isinstance(shape, Variable) and shape.ndim == 0):
        shape = [shape]
    if isinstance(shape, Variable):
        raise TypeError("specify_shape: give the shape as a sequence of ints, None and 0-d ints")
    shape = list(shape)
    static: list[int | None] = []
    symbolic_axes: list[int] = []
    lengths: list[TensorVariable] = []
    for axis, entry in enumerate(shape):
        if entry is None:
            static.append(None)
            continue
        entry = _as_shape_entry(entry, "specify_shape")
        if isinstance(entry, int):
            if entry < 0:
                raise ValueError(f"specify_shape: negative length {entry} for axis {axis}")
            static.append(entry)
        else:
            static.append(None)
            symbolic_axes.append(axis)
            lengths.append(entry)
    if len(static) != x.ndim:
        raise ValueError(f"specify_shape: the shape {tuple(shape)} has {len(static)} entries but "
                         f"{x} is {x.ndim}-d ({x.type})")
    if not lengths and all(w is None or w == h for w, h in zip(static, x.type.shape)):
        return x  # the type already says everything that would be checked
    return SpecifyShape(tuple(static), tuple(symbolic_axes))(x, *lengths)


def specify_broadcastable(x: Any, *axes: int) -> TensorVariable:
    """``x``, asserted to have length 1 along ``axes``, so that it stretches there when
    broadcast (PyTensor's; see `arignote.tensor.broadcasting`)."""
    x = as_tensor_variable(x)
    if not axes:
        return x
    wanted = set()
    for axis in axes:
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -x.ndim <= axis < x.ndim:
            raise ValueError(f"specify_broadcastable: axis {axis!r} is out of range for {x.type}")
        wanted.add(int(axis) % x.ndim)
    return specify_shape(x, [1 if axis in wanted else None for axis in range(x.ndim)])


def _specify_shape(x: Any, *shape: Any) -> TensorVariable:
    """PyTensor's ``SpecifyShape`` op called directly: ``_specify_shape(x, *lengths)``."""
    return specify_shape(x, shape)


__all__ = [
    "Shape", "ShapeI", "MakeVector", "Reshape", "SpecifyShape",
    "shape", "shape_i", "shape_tuple", "make_vector", "get_vector_length", "as_shape_vector",
    "shape_entry_facts", "static_entries", "reshape", "flatten", "specify_shape",
    "specify_broadcastable", "shape_padleft", "shape_padright", "shape_padaxis",
]
