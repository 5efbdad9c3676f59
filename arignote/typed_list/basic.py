"""The ops on typed lists, and PyTensor's functions building them.

Every op returns a new list and leaves its inputs alone (PyTensor's in-place variants are
not provided).  An item taken from another input (``append``'s, ``make_list``'s) is copied
into the new list, as PyTensor does, so a list never shares an array with a value the caller
gave or will be given; items carried over from the list input are shared, which is safe
because no backend writes into an array that something else still holds.

Derivatives (PyTensor defines none): the cotangent of a list is a list of the same type,
one cotangent per item (the ops building them are in :mod:`arignote.typed_list.cotangents`).
Each op moves items, so its rule moves cotangents back: ``getitem`` puts its cotangent at
the position it read in a list of zeros, ``append`` splits off the last one, ``reverse``
reverses, and so on.  The integer results (``length``, ``count``, ``index_``) are
connected with a zero gradient, like every integer; the item given to ``remove``,
``count`` or ``index_`` only selects, and gets none.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, cast

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NotDifferentiable, Op
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.math import clip, lt, switch
from arignote.tensor.type import TensorType
from arignote.typed_list.type import TypedListType, TypedListVariable, values_equal

__all__ = ["Append", "Count", "Extend", "GetItem", "GetSlice", "Index", "Insert", "Length",
           "MakeList", "Remove", "Reverse", "append", "count", "extend", "getitem", "index_",
           "insert", "length", "make_list", "remove", "reverse"]

_INT64 = TensorType("int64", ())


def _as_list(op: Op, value: Any, what: str = "input 0") -> Variable:
    if not isinstance(value, Variable) or not isinstance(value.type, TypedListType):
        raise TypeError(f"{op}: {what} must be a typed list variable, got {value!r}")
    return value


def _as_item(op: Op, lst: Variable, item: Any, what: str) -> Variable:
    """``item`` as a variable of ``lst``'s item type (a tensor is converted, not cast)."""
    ttype = lst.type.ttype
    if not isinstance(item, Variable):
        if not isinstance(ttype, TensorType):
            raise TypeError(f"{op}: {what} must be a variable of type {ttype}, got {item!r}")
        item = as_tensor_variable(item, dtype=ttype.dtype)
    if not ttype.is_super(item.type):
        raise TypeError(f"{op}: {what} has type {item.type}, but the list holds {ttype}")
    return item


def _as_index(op: Op, index: Any, what: str) -> Variable:
    """``index`` as a 0-d integer tensor."""
    if isinstance(index, (bool, np.bool_)):
        raise TypeError(f"{op}: {what} must be an integer, got {index!r}")
    index = as_tensor_variable(index)
    if index.ndim != 0 or index.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be a 0-d integer tensor, got {index.type}")
    return index


def _slice(has: tuple[bool, bool, bool], bounds: Sequence[np.ndarray]) -> slice:
    """The slice whose given parts (``has`` says which of start, stop, step) are ``bounds``."""
    given = iter(bounds)
    return slice(*(int(next(given)) if present else None for present in has))


def _first_equal(x: list[Any], item: Any) -> int | None:
    """The position of the first item of ``x`` equal to ``item``, or None."""
    return next((position for position, candidate in enumerate(x) if values_equal(candidate, item)),
                None)


def _copied(item: Any) -> Any:
    """A copy of an item, so the new list owns it."""
    return np.array(item, copy=True) if isinstance(item, np.ndarray) else copy.deepcopy(item)


class _ListOp(Op):
    """Shared parts: no constant folding, a clear refusal of forward mode, and the ``str``
    PyTensor prints."""

    __slots__ = ()
    #: constant folding makes tensor constants of results; a list result is not one (and a
    #: list of constants is cheap to build at run time)
    foldable: ClassVar[bool] = False

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        # forward mode would carry list tangents, which arignote.autodiff.forward checks as
        # tensors; refused clearly rather than failing there
        raise NotDifferentiable("forward-mode derivatives (Rop) through typed lists are not "
                                "supported; reverse mode (grad) is")

    def __str__(self) -> str:
        return type(self).__name__


class _CountingOp(_ListOp):
    """An op with an integer result: its inputs get no cotangent (connected, zero)."""

    __slots__ = ()

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [None] * len(inputs)

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Variable, ...]]:
        return [()]


@dataclass(frozen=True)
class GetItem(_ListOp):
    """``x[index]``: the item at an integer position (Python's negative positions count from
    the end; a position out of range raises IndexError)."""

    view_inputs = (0,)  # the item is the list's own array

    def make_node(self, x: Any, index: Any) -> Apply:
        x = _as_list(self, x)
        return Apply.build(self, [x, _as_index(self, index, "the index")], [x.type.ttype])

    def perform(self, x: list[Any], index: np.ndarray) -> Any:
        position = int(index)
        if not -len(x) <= position < len(x):
            raise IndexError(f"{self}: index {position} is out of range for a list of length {len(x)}")
        return x[position]

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        """Zeros shaped like the list, the cotangent at the position read."""
        from arignote.typed_list.cotangents import PlaceItem  # builds on this module

        g = cotangents[0]
        return [None if g is None else PlaceItem()(inputs[0], inputs[1], g), None]

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Variable, ...]]:
        ttype = node.inputs[0].type.ttype
        if isinstance(ttype, TensorType) and None not in ttype.shape:
            return [tuple(as_tensor_variable(np.int64(cast(int, d))) for d in ttype.shape)]
        return super().infer_shape(node, input_shapes)


@dataclass(frozen=True)
class GetSlice(_ListOp):
    """``x[start:stop:step]``: a new list; the bounds that are given are the inputs after
    ``x`` (``has`` says which of start, stop, step are), as in Python's slicing."""

    has: tuple[bool, bool, bool]
    view_inputs = (0,)

    def make_node(self, x: Any, *bounds: Any) -> Apply:
        x = _as_list(self, x)
        if len(bounds) != sum(self.has):
            raise TypeError(f"{self}: expected {sum(self.has)} bound(s), got {len(bounds)}")
        checked = [_as_index(self, b, "a slice bound") for b in bounds]
        return Apply.build(self, [x, *checked], [x.type])

    def perform(self, x: list[Any], *bounds: np.ndarray) -> list[Any]:
        chosen = _slice(self.has, bounds)
        if chosen.step == 0:
            raise ValueError(f"{self}: slice step cannot be zero")
        return x[chosen]

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        """Zeros shaped like the list, the cotangents at the positions sliced."""
        from arignote.typed_list.cotangents import PlaceSlice  # builds on this module

        g, bounds = cotangents[0], inputs[1:]
        return [None if g is None else PlaceSlice(self.has)(inputs[0], g, *bounds),
                *([None] * len(bounds))]

    def __str__(self) -> str:
        return "GetItem"


@dataclass(frozen=True)
class Append(_ListOp):
    """``x + [item]``: a new list with ``item`` (copied) at the end."""

    view_inputs = (0,)

    def make_node(self, x: Any, item: Any) -> Apply:
        x = _as_list(self, x)
        return Apply.build(self, [x, _as_item(self, x, item, "the item to append")], [x.type])

    def perform(self, x: list[Any], item: Any) -> list[Any]:
        return [*x, _copied(item)]

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        g = cotangents[0]
        if g is None:
            return [None, None]
        return [GetSlice((False, True, False))(g, -1), GetItem()(g, -1)]


@dataclass(frozen=True)
class Extend(_ListOp):
    """``x + other``: a new list with the items of ``other`` (copied) at the end."""

    view_inputs = (0,)

    def make_node(self, x: Any, other: Any) -> Apply:
        x = _as_list(self, x)
        other = _as_list(self, other, "the list to append")
        if not x.type.ttype.is_super(other.type.ttype):
            raise TypeError(f"{self}: cannot extend a {x.type} with a {other.type}")
        return Apply.build(self, [x, other], [x.type])

    def perform(self, x: list[Any], other: list[Any]) -> list[Any]:
        return [*x, *(_copied(item) for item in other)]

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        g = cotangents[0]
        if g is None:
            return [None, None]
        n = Length()(inputs[0])
        return [GetSlice((False, True, False))(g, n), GetSlice((True, False, False))(g, n)]


@dataclass(frozen=True)
class Insert(_ListOp):
    """A new list with ``item`` (copied) inserted before ``index`` (Python's ``list.insert``:
    a position past either end puts it at that end)."""

    view_inputs = (0,)

    def make_node(self, x: Any, index: Any, item: Any) -> Apply:
        x = _as_list(self, x)
        return Apply.build(self, [x, _as_index(self, index, "the index"),
                                  _as_item(self, x, item, "the item to insert")], [x.type])

    def perform(self, x: list[Any], index: np.ndarray, item: Any) -> list[Any]:
        result = list(x)
        result.insert(int(index), _copied(item))
        return result

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        """The item's cotangent is at the position the item went to (``list.insert``'s:
        a negative index counts from the end, and the position is clipped to the list)."""
        g = cotangents[0]
        if g is None:
            return [None, None, None]
        x, index = inputs[0], as_tensor_variable(inputs[1])
        n = Length()(x)
        position = clip(switch(lt(index, 0), index + n, index), 0, n)
        rest = Extend()(GetSlice((False, True, False))(g, position),
                        GetSlice((True, False, False))(g, position + 1))
        return [rest, None, GetItem()(g, position)]


@dataclass(frozen=True)
class Remove(_ListOp):
    """A new list without the first item equal to ``item`` (same shape, equal elements).
    As in PyTensor, a list without such an item is returned unchanged (Python's
    ``list.remove`` would raise)."""

    view_inputs = (0,)

    def make_node(self, x: Any, item: Any) -> Apply:
        x = _as_list(self, x)
        return Apply.build(self, [x, _as_item(self, x, item, "the item to remove")], [x.type])

    def perform(self, x: list[Any], item: Any) -> list[Any]:
        result = list(x)
        position = _first_equal(x, item)
        if position is not None:
            del result[position]
        return result

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        """Zeros put back where the item was removed; the item itself only selects."""
        from arignote.typed_list.cotangents import RestoreRemoved  # builds on this module

        g = cotangents[0]
        return [None if g is None else RestoreRemoved()(inputs[0], inputs[1], g), None]


@dataclass(frozen=True)
class Reverse(_ListOp):
    """A new list with the items in reverse order."""

    view_inputs = (0,)

    def make_node(self, x: Any) -> Apply:
        x = _as_list(self, x)
        return Apply.build(self, [x], [x.type])

    def perform(self, x: list[Any]) -> list[Any]:
        return x[::-1]

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        g = cotangents[0]
        return [None if g is None else Reverse()(g)]


@dataclass(frozen=True)
class Index(_CountingOp):
    """The position (int64) of the first item equal to ``item``; ValueError when there is
    none (as Python's ``list.index``)."""

    def make_node(self, x: Any, item: Any) -> Apply:
        x = _as_list(self, x)
        return Apply.build(self, [x, _as_item(self, x, item, "the item to find")], [_INT64])

    def perform(self, x: list[Any], item: Any) -> np.ndarray:
        position = _first_equal(x, item)
        if position is None:
            raise ValueError(f"{self}: the item is not in the list (of length {len(x)})")
        return np.asarray(position, dtype=np.int64)


@dataclass(frozen=True)
class Count(_CountingOp):
    """How many items (int64) equal ``item`` (same shape, equal elements)."""

    def make_node(self, x: Any, item: Any) -> Apply:
        x = _as_list(self, x)
        return Apply.build(self, [x, _as_item(self, x, item, "the item to count")], [_INT64])

    def perform(self, x: list[Any], item: Any) -> np.ndarray:
        return np.asarray(sum(1 for candidate in x if values_equal(candidate, item)), dtype=np.int64)


@dataclass(frozen=True)
class Length(_CountingOp):
    """The number of items (int64)."""

    def make_node(self, x: Any) -> Apply:
        x = _as_list(self, x)
        return Apply.build(self, [x], [_INT64])

    def perform(self, x: list[Any]) -> np.ndarray:
        return np.asarray(len(x), dtype=np.int64)


@dataclass(frozen=True)
class MakeList(_ListOp):
    """A list of the inputs (copied), which must all be of the first one's type."""

    def make_node(self, *items: Any) -> Apply:
        if not items:
            raise TypeError(f"{self}: needs at least one item (its type is the list's item type)")
        variables = [v if isinstance(v, Variable) else as_tensor_variable(v) for v in items]
        first = variables[0].type
        for position, var in enumerate(variables):
            if not first.is_super(var.type):
                raise TypeError(f"{self}: all items must be of the first one's type {first}; "
                                f"item {position} is {var.type}")
        return Apply.build(self, variables, [TypedListType(first)])

    def perform(self, *items: Any) -> list[Any]:
        return [_copied(item) for item in items]

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        g = cotangents[0]
        return [None if g is None else GetItem()(g, k) for k in range(len(inputs))]


# --- PyTensor's functions -------------------------------------------------------------------


def getitem(x: Any, index: Any) -> Variable:
    """``x[index]``: the item at an integer position, or a new list for a slice."""
    if isinstance(index, slice):
        bounds = (index.start, index.stop, index.step)
        has = tuple(b is not None for b in bounds)
        return GetSlice(has)(x, *(b for b in bounds if b is not None))  # type: ignore[arg-type]
    return GetItem()(x, index)


def append(x: Any, item: Any) -> TypedListVariable:
    """A new list: ``x`` with ``item`` at the end."""
    return Append()(x, item)


def extend(x: Any, other: Any) -> TypedListVariable:
    """A new list: ``x`` followed by the items of ``other``."""
    return Extend()(x, other)


def insert(x: Any, index: Any, item: Any) -> TypedListVariable:
    """A new list: ``x`` with ``item`` inserted before position ``index``."""
    return Insert()(x, index, item)


def remove(x: Any, item: Any) -> TypedListVariable:
    """A new list: ``x`` without its first item equal to ``item`` (unchanged if none is)."""
    return Remove()(x, item)


def reverse(x: Any) -> TypedListVariable:
    """A new list: the items of ``x`` in reverse order."""
    return Reverse()(x)


def index_(x: Any, item: Any) -> Variable:
    """The position of the first item of ``x`` equal to ``item`` (ValueError if none is)."""
    return Index()(x, item)


def count(x: Any, item: Any) -> Variable:
    """How many items of ``x`` equal ``item``."""
    return Count()(x, item)


def length(x: Any) -> Variable:
    """The number of items of ``x``."""
    return Length()(x)


def make_list(items: Sequence[Any]) -> TypedListVariable:
    """A symbolic list of ``items`` (variables, or values made constants), all of one type."""
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"make_list: expected a list or tuple of variables, got {type(items).__name__}")
    return MakeList()(*items)
