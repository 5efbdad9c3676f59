"""The vocabulary of indexing: how a key like ``x[1:i, None, idx]`` is stored.

An indexing op keeps the *static* part of a key as a hashable tuple of
entries, one per position of the key, and takes the symbolic integers and
index arrays as inputs.  So ``x[1:3]`` built twice is the same node, and
``x[i:j]`` with different scalars ``i``, ``j`` shares one op.

An entry is one of

* an ``int``: a constant integer index (stored in the op, so ``x[0]`` is cheap);
* ``SYMBOLIC``: a 0-d integer input;
* a :class:`SliceSpec` whose parts are ``int``, ``None`` or ``SYMBOLIC``;
* ``None``: a new axis of length 1;
* ``INDEX_ARRAY`` / ``BOOL_MASK``: an integer array / boolean mask input
  (advanced indexing only);
* ``Ellipsis``: kept only in advanced keys, and only where it covers no axis,
  because even then it separates advanced indices as NumPy counts them.

Inputs follow the order of the entries (a slice's symbolic parts in the
order start, stop, step).  This module parses user keys into entries and
computes static result shapes; the ops live in ``subtensor_basic``,
``subtensor_advanced`` and ``subtensor_inc``.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import EllipsisType
from typing import Any

import numpy as np

from arignote.graph.basic import Variable
from arignote.tensor.basic import as_tensor_variable, constant
from arignote.tensor.elemwise import broadcast_static_shapes
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorConstant, TensorVariable


class IndexTypeError(TypeError, IndexError):
    """An index of the wrong kind (a float, a string...).

    It is a TypeError, as PyTensor raises, and an IndexError, as NumPy raises,
    so code written for either catches it.
    """


class _Marker:
    """A named singleton entry; pickles as the module attribute of its name."""

    __slots__ = ("name", "label")

    def __init__(self, name: str, label: str) -> None:
        self.name = name
        self.label = label

    def __repr__(self) -> str:
        return self.label

    def __reduce__(self) -> str:
        return self.name


SYMBOLIC = _Marker("SYMBOLIC", "?")
INDEX_ARRAY = _Marker("INDEX_ARRAY", "[int]")
BOOL_MASK = _Marker("BOOL_MASK", "[bool]")

SlicePart = int | None | _Marker


@dataclass(frozen=True)
class SliceSpec:
    """A slice whose start, stop and step are ints, ``None`` or ``SYMBOLIC``."""

    start: SlicePart = None
    stop: SlicePart = None
    step: SlicePart = None

    @property
    def parts(self) -> tuple[SlicePart, SlicePart, SlicePart]:
        return (self.start, self.stop, self.step)

    @property
    def is_full(self) -> bool:
        return self.start is None and self.stop is None and self.step is None

    def __str__(self) -> str:
        text = ":".join("" if p is None else str(p) for p in self.parts)
        return text[:-1] if self.step is None else text


Entry = int | None | _Marker | SliceSpec | EllipsisType
FULL_SLICE = SliceSpec()


def format_entries(entries: Sequence[Entry]) -> str:
    """``1:3, ?, newaxis`` for the entries of a key."""
    words = []
    for entry in entries:
        if entry is None:
            words.append("newaxis")
        elif entry is Ellipsis:
            words.append("...")
        else:
            words.append(str(entry))
    return ", ".join(words)


def is_advanced(entries: Sequence[Entry]) -> bool:
    """Whether a key holds an index array or a mask (then NumPy copies)."""
    return any(e is INDEX_ARRAY or e is BOOL_MASK for e in entries)


# --- parsing a user key --------------------------------------------------------------

_VALID = ("only integers, slices (`:`), ellipsis (`...`), newaxis (`None`) and integer or "
          "boolean arrays are valid indices")


def _is_tensor(value: Any) -> bool:
    return isinstance(value, (TensorVariable, TensorConstant))


def _python_int(value: Any) -> int | None:
    """``value`` as an int if it is a constant integer (not a bool), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, TensorConstant) and value.ndim == 0 and value.type.numpy_dtype.kind in "iu":
        return int(value.data)
    return None


def _slice_part(part: Any, position: int, inputs: list[Variable]) -> SlicePart:
    if part is None:
        return None
    constant = _python_int(part)
    if constant is not None:
        return constant
    if _is_tensor(part):
        if part.ndim == 0 and part.type.numpy_dtype.kind in "iu":
            inputs.append(part)
            return SYMBOLIC
        raise IndexTypeError(f"index {position}: slice bounds must be integer scalars or None, "
                             f"got {part} ({part.type})")
    if isinstance(part, Variable):
        raise IndexTypeError(f"index {position}: slice bounds must be integer scalars or None, "
                             f"got {part} ({part.type})")
    try:
        return operator.index(part)  # bools and other __index__ objects, as NumPy allows
    except TypeError:
        raise IndexTypeError(f"index {position}: slice indices must be integers or None, "
                             f"got {part!r}") from None


def _tensor_entry(item: Any, position: int, inputs: list[Variable]) -> Any:
    kind = item.type.numpy_dtype.kind
    if kind == "b":
        inputs.append(item)
        return BOOL_MASK
    if kind in "iu":
        if item.ndim == 0:
            if isinstance(item, TensorConstant):
                return int(item.data)
            inputs.append(item)
            return SYMBOLIC
        inputs.append(item)
        return INDEX_ARRAY
    raise IndexTypeError(f"index {position} ({item}, {item.type}) is not an integer: arrays "
                         f"used as indices must be of integer (or boolean) type")


def _array_entry(item: Any, position: int, inputs: list[Variable]) -> Any:
    if isinstance(item, (list, tuple)) and _contains_variable(item):
        return _tensor_entry(as_tensor_variable(item), position, inputs)
    if isinstance(item, (list, tuple)) and _is_empty_sequence(item):
        array = np.zeros(np.shape(item), dtype=np.int64)  # NumPy reads [] as an integer index
    else:
        try:
            array = np.asarray(item)
        except Exception:
            raise IndexTypeError(f"index {position}: {_VALID}, got {item!r}") from None
    if array.dtype.kind not in "biu":
        raise IndexTypeError(f"index {position} ({item!r}, dtype {array.dtype}) is not an "
                             f"integer: arrays used as indices must be of integer (or boolean) type")
    if array.dtype.kind in "iu" and array.ndim == 0:
        return int(array)
    return _tensor_entry(constant(array), position, inputs)


def _contains_variable(item: Any) -> bool:
    if isinstance(item, (list, tuple)):
        return any(_contains_variable(v) for v in item)
    return isinstance(item, Variable)


def _is_empty_sequence(item: Any) -> bool:
    return np.size(np.asarray(item, dtype=object)) == 0


def _classify(item: Any, position: int, inputs: list[Variable]) -> Any:
    if item is None or item is Ellipsis:
        return item
    if isinstance(item, slice):
        return SliceSpec(*(_slice_part(p, position, inputs) for p in (item.start, item.stop, item.step)))
    if isinstance(item, (bool, np.bool_)):
        inputs.append(constant(np.asarray(item, dtype=bool)))
        return BOOL_MASK
    if isinstance(item, (int, np.integer)):
        return int(item)
    if _is_tensor(item):
        return _tensor_entry(item, position, inputs)
    if isinstance(item, Variable):
        raise IndexTypeError(f"index {position}: expected a tensor, got {item} of type {item.type}")
    if isinstance(item, (list, tuple, np.ndarray)):
        return _array_entry(item, position, inputs)
    raise IndexTypeError(f"index {position} ({item!r}, a {type(item).__name__}): {_VALID}")


@dataclass(frozen=True)
class ParsedKey:
    """A user key split into static entries and the inputs they refer to."""

    entries: tuple[Entry, ...]
    inputs: tuple[Variable, ...]

    @property
    def advanced(self) -> bool:
        return is_advanced(self.entries)


def _consumed_axes(entry: Any, inputs: Iterator[Variable]) -> int:
    """How many axes of ``x`` an entry indexes (consuming its inputs)."""
    if entry is None or entry is Ellipsis:
        return 0
    if isinstance(entry, SliceSpec):
        for part in entry.parts:
            if part is SYMBOLIC:
                next(inputs)
        return 1
    if entry is SYMBOLIC or entry is INDEX_ARRAY:
        next(inputs)
        return 1
    if entry is BOOL_MASK:
        return next(inputs).ndim
    return 1  # a constant int


def parse_key(x_type: TensorType, key: Any) -> ParsedKey:
    """Split ``key`` (what ``x[key]`` received) into entries and inputs, normalised.

    Raises IndexError for too many indices or several ellipses and
    IndexTypeError (a TypeError) for indices of the wrong kind.
    """
    items = key if isinstance(key, tuple) else (key,)
    inputs: list[Variable] = []
    entries = [_classify(item, position, inputs) for position, item in enumerate(items)]
    if entries.count(Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    walk = iter(inputs)
    indexed = sum(_consumed_axes(e, walk) for e in entries)
    if indexed > x_type.ndim:
        raise IndexError(f"too many indices for array: array is {x_type.ndim}-dimensional, "
                         f"but {indexed} were indexed")
    advanced = is_advanced(entries)
    if Ellipsis in entries:
        at = entries.index(Ellipsis)
        fill = x_type.ndim - indexed
        # an ellipsis covering no axis still separates advanced indices in NumPy
        replacement = [FULL_SLICE] * fill if fill or not advanced else [Ellipsis]
        entries[at:at + 1] = replacement
    entries = _normalize(entries, x_type, inputs)
    # Trailing full slices change nothing (x[1] is x[1, :]), unless an ellipsis stays
    # before them: without them it would cover their axes, and the indices before it
    # would move.  A trailing ellipsis covers no axis and separates nothing: it goes too.
    while entries and (entries[-1] is Ellipsis or (
            isinstance(entries[-1], SliceSpec) and entries[-1].is_full and Ellipsis not in entries)):
        entries.pop()
    return ParsedKey(tuple(entries), tuple(inputs))


def _normalize(entries: list[Any], x_type: TensorType, inputs: list[Variable]) -> list[Any]:
    """Canonical constants, so equivalent keys build the same op (and node)."""
    out = []
    axis = 0
    walk = iter(inputs)
    for entry in entries:
        length = x_type.shape[axis] if axis < x_type.ndim else None
        if isinstance(entry, int) and length is not None:
            check_int_index(entry, axis, length)
            entry = entry % length
        elif isinstance(entry, SliceSpec):
            entry = _normalize_slice(entry, length)
        out.append(entry)
        axis += _consumed_axes(entry, walk)
    return out


def _normalize_slice(spec: SliceSpec, length: int | None) -> SliceSpec:
    start, stop, step = spec.parts
    if step == 1:
        step = None
    if isinstance(step, _Marker):  # SYMBOLIC, the one marker a slice holds
        return SliceSpec(start, stop, step)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    forward = step is None or step > 0
    if (forward and start == 0) or (not forward and start == -1):
        start = None  # the default start in that direction
    if forward and length is not None and isinstance(stop, int) and stop >= length:
        stop = None
    return SliceSpec(start, stop, step)


# --- static shapes -----------------------------------------------------------------------

def check_int_index(index: int, axis: int, length: int) -> None:
    """IndexError (NumPy's message) if ``index`` is outside an axis of ``length``."""
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of bounds for axis {axis} with size {length}")


def _constant_int(var: Variable) -> int | _Marker:
    if isinstance(var, TensorConstant):
        return int(var.data)
    return SYMBOLIC


def slice_length(start: SlicePart, stop: SlicePart, step: SlicePart, length: int | None) -> int | None:
    """The static length of ``x[start:stop:step]`` on an axis of ``length`` (None if unknown)."""
    if length == 0:
        return 0
    if isinstance(step, _Marker):  # SYMBOLIC, the one marker a slice holds
        return None
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if isinstance(start, _Marker) or isinstance(stop, _Marker):
        return None
    if length is not None:
        return len(range(*slice(start, stop, step).indices(length)))
    forward = step is None or step > 0
    if stop is None:
        return None
    # Without the length, a slice is known only to be empty: when both bounds
    # count from the same end and are out of order, clipping keeps them so.
    first = start if start is not None else (0 if forward else -1)
    if (first >= 0) == (stop >= 0) and (stop <= first if forward else stop >= first):
        return 0
    return None


def _check_index_input(entry: Any, var: Variable, position: int) -> None:
    if not isinstance(var.type, TensorType):
        raise TypeError(f"index input {position} must be a tensor, got {var.type}")
    kind = var.type.numpy_dtype.kind
    if entry is BOOL_MASK:
        if kind != "b":
            raise TypeError(f"index input {position} must be a boolean mask, got {var.type}")
    elif kind not in "iu":
        raise IndexTypeError(f"index input {position} ({var}, {var.type}) must be of integer type")
    elif entry is SYMBOLIC and var.ndim != 0:
        raise TypeError(f"index input {position} must be an integer scalar, got {var.type}")


def _mask_count(mask: Variable) -> int | None:
    if isinstance(mask, TensorConstant):
        return int(np.count_nonzero(mask.data))
    if 0 in mask.type.shape:
        return 0
    return None


def _check_mask(mask: Variable, x_shape: tuple[int | None, ...], axis: int) -> None:
    for offset, size in enumerate(mask.type.shape):
        dim = x_shape[axis + offset]
        if size is not None and dim is not None and size != dim:
            raise IndexError(f"boolean index did not match indexed array along axis "
                             f"{axis + offset}; size of axis is {dim} but size of corresponding "
                             f"boolean axis is {size}")


def indexed_shape(entries: Sequence[Entry], x_type: TensorType,
                  inputs: Sequence[Variable]) -> tuple[int | None, ...]:
    """The static shape of ``x[key]`` for a key stored as ``entries`` and ``inputs``.

    Checks that the inputs fit the entries, that the key indexes no more
    axes than ``x`` has, that known integer indices are in range and known
    masks match.  Follows NumPy's rule for where the advanced dims go: where
    the first advanced index is when all of them are adjacent in the key,
    else in front.  Integer indices count as advanced when the key has arrays.
    """
    shape = x_type.shape
    advanced = is_advanced(entries)
    used = 0

    def take_input(entry: Any) -> Variable:
        nonlocal used
        if used == len(inputs):
            raise TypeError(f"the key [{format_entries(entries)}] needs more index inputs "
                            f"than the {len(inputs)} given")
        var = inputs[used]
        _check_index_input(entry, var, used)
        used += 1
        return var

    parts: list[list[int | None]] = []   # the dims each entry contributes
    advanced_shapes: list[tuple[int | None, ...]] = []
    advanced_positions: list[int] = []
    axis = 0
    for position, entry in enumerate(entries):
        if entry is None:
            parts.append([1])
            continue
        if entry is Ellipsis:
            parts.append([])
            continue
        takes_input = entry is SYMBOLIC or entry is INDEX_ARRAY or entry is BOOL_MASK
        var: Any = take_input(entry) if takes_input else None  # a Variable when takes_input
        width = var.ndim if entry is BOOL_MASK else 1
        if axis + width > len(shape):
            raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional, "
                             f"but the key [{format_entries(entries)}] indexes more")
        length = shape[axis] if axis < len(shape) else None  # a 0-d mask may come last
        if isinstance(entry, SliceSpec):
            bounds = [_constant_int(take_input(SYMBOLIC)) if p is SYMBOLIC else p
                      for p in entry.parts]
            parts.append([slice_length(bounds[0], bounds[1], bounds[2], length)])
        else:
            parts.append([])
            if entry is INDEX_ARRAY:
                advanced_shapes.append(var.type.shape)
            elif entry is BOOL_MASK:
                _check_mask(var, shape, axis)
                advanced_shapes.append((_mask_count(var),))
            else:  # an integer, constant or symbolic
                value = entry if var is None else _constant_int(var)
                if isinstance(value, int) and length is not None:
                    check_int_index(value, axis, length)
                advanced_shapes.append(())
            advanced_positions.append(position)
        axis += width
    if used != len(inputs):
        raise TypeError(f"the key [{format_entries(entries)}] takes fewer index inputs "
                        f"than the {len(inputs)} given")
    rest = list(shape[axis:])
    if not advanced:
        return tuple(d for dims in parts for d in dims) + tuple(rest)
    try:
        broadcast = list(broadcast_static_shapes(advanced_shapes, "indexing"))
    except ValueError:
        shapes = " ".join(_format_shape(s) for s in advanced_shapes)
        raise IndexError(f"shape mismatch: indexing arrays could not be broadcast together "
                         f"with shapes {shapes}") from None
    first, last = advanced_positions[0], advanced_positions[-1]
    adjacent = last - first + 1 == len(advanced_positions)
    if adjacent:
        parts[first] = broadcast
        return tuple(d for dims in parts for d in dims) + tuple(rest)
    return tuple(broadcast) + tuple(d for dims in parts for d in dims) + tuple(rest)


def _format_shape(shape: tuple[int | None, ...]) -> str:
    inner = ",".join("?" if d is None else str(d) for d in shape)
    return f"({inner}{',' if len(shape) == 1 else ''})"


def build_key(entries: Sequence[Entry], values: Sequence[Any]) -> tuple[Any, ...]:
    """The NumPy key for ``entries`` with the index inputs' run-time ``values``."""
    walk = iter(values)
    key: list[Any] = []
    for entry in entries:
        if isinstance(entry, SliceSpec):
            key.append(slice(*[int(next(walk)) if p is SYMBOLIC else p for p in entry.parts]))
        elif entry is SYMBOLIC:
            key.append(int(next(walk)))
        elif entry is INDEX_ARRAY or entry is BOOL_MASK:
            key.append(next(walk))
        else:
            key.append(entry)  # an int, None or Ellipsis
    return tuple(key)
