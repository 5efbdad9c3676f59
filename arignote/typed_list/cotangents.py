"""The ops that derivatives through typed lists build.

The cotangent of a list is a list of the same type: one cotangent per item.  These ops
make such lists: the sum of several (autodiff adds the contributions of a list's readers),
and zeros shaped like a list with the cotangent of one item, of a slice, or of a removed
item put back in place.  Each takes the primal list ``x`` only for its length and its
items' shapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NotDifferentiable
from arignote.typed_list.basic import GetItem, GetSlice, _as_index, _as_list, _first_equal, _ListOp, _slice

__all__ = ["AddLists", "PlaceItem", "PlaceSlice", "RestoreRemoved", "zeros_like_value"]


def zeros_like_value(value: Any) -> Any:
    """Zeros shaped like an item (a nested list for a list item)."""
    if isinstance(value, list):
        return [zeros_like_value(v) for v in value]
    return np.zeros_like(value)


def _add_values(a: Any, b: Any, op: Any) -> Any:
    if isinstance(a, list):
        if len(a) != len(b):
            raise ValueError(f"{op}: cannot add lists of lengths {len(a)} and {len(b)}")
        return [_add_values(x, y, op) for x, y in zip(a, b)]
    return a + b


@dataclass(frozen=True)
class AddLists(_ListOp):
    """Item by item sum of lists of one type and length."""

    def make_node(self, *lists: Any) -> Apply:
        checked = [_as_list(self, v, f"input {k}") for k, v in enumerate(lists)]
        if not checked or any(v.type != checked[0].type for v in checked):
            raise TypeError(f"{self}: needs lists of one type, got {[v.type for v in checked]}")
        return Apply.build(self, checked, [checked[0].type])

    def perform(self, *lists: list[Any]) -> list[Any]:
        total = lists[0]
        for other in lists[1:]:
            total = _add_values(total, other, self)
        return list(total)

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [cotangents[0]] * len(inputs)


@dataclass(frozen=True)
class PlaceItem(_ListOp):
    """Zeros shaped like the list ``x``, with ``item`` at position ``index``."""

    def make_node(self, x: Any, index: Any, item: Any) -> Apply:
        x = _as_list(self, x)
        if not isinstance(item, Variable) or not x.type.ttype.is_super(item.type):
            raise TypeError(f"{self}: the item must be a variable of type {x.type.ttype}")
        return Apply.build(self, [x, _as_index(self, index, "the index"), item], [x.type])

    def perform(self, x: list[Any], index: np.ndarray, item: Any) -> list[Any]:
        result = [zeros_like_value(v) for v in x]
        result[int(index)] = item
        return result

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        g = cotangents[0]
        return [None, None, None if g is None else GetItem()(g, inputs[1])]


@dataclass(frozen=True)
class PlaceSlice(_ListOp):
    """Zeros shaped like the list ``x``, with the items of ``items`` at the positions of the
    slice (``has`` and the bounds as in :class:`~arignote.typed_list.basic.GetSlice`)."""

    has: tuple[bool, bool, bool]

    def make_node(self, x: Any, items: Any, *bounds: Any) -> Apply:
        x = _as_list(self, x)
        items = _as_list(self, items, "the items")
        if items.type != x.type or len(bounds) != sum(self.has):
            raise TypeError(f"{self}: expected a {x.type} of items and {sum(self.has)} bound(s)")
        checked = [_as_index(self, b, "a slice bound") for b in bounds]
        return Apply.build(self, [x, items, *checked], [x.type])

    def perform(self, x: list[Any], items: list[Any], *bounds: np.ndarray) -> list[Any]:
        result = [zeros_like_value(v) for v in x]
        positions = range(len(x))[_slice(self.has, bounds)]
        if len(positions) != len(items):
            raise ValueError(f"{self}: {len(items)} item(s) for {len(positions)} position(s)")
        for position, item in zip(positions, items):
            result[position] = item
        return result

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        g = cotangents[0]
        bounds = inputs[2:]
        return [None, None if g is None else GetSlice(self.has)(g, *bounds), *([None] * len(bounds))]


@dataclass(frozen=True)
class RestoreRemoved(_ListOp):
    """The cotangent of ``x`` from that of ``remove(x, item)``: ``items`` with zeros put back
    where ``remove`` took the first item equal to ``item`` (unchanged if none was)."""

    def make_node(self, x: Any, item: Any, items: Any) -> Apply:
        x = _as_list(self, x)
        items = _as_list(self, items, "the items")
        if items.type != x.type or not isinstance(item, Variable):
            raise TypeError(f"{self}: expected the list, the removed item and a {x.type}")
        return Apply.build(self, [x, item, items], [x.type])

    def perform(self, x: list[Any], item: Any, items: list[Any]) -> list[Any]:
        result = list(items)
        position = _first_equal(x, item)
        if position is not None:
            result.insert(position, zeros_like_value(x[position]))
        return result

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        raise NotDifferentiable(f"{self}: second derivatives through `remove` are not supported")
