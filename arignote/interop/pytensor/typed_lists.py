"""Converters of PyTensor's typed lists (``pytensor.typed_list``): the type
``TypedListType``, its constants, and the ops ``MakeList``, ``Append``, ``Extend``,
``Insert``, ``Remove``, ``Reverse``, ``GetItem``, ``Index``, ``Count`` and ``Length``.

arignote's :mod:`arignote.typed_list` has the same ops with the same meaning (new lists,
items copied in; ``Index`` raises when the item is absent, ``Remove`` of an absent item
leaves the list alone), so each converter builds its counterpart.  A list type converts item
type and all (``TypedListType(dvector, 1)`` is a list of lists of ``dvector`` in both); a
list value is a Python list of arrays in both.  The ``inplace`` flags of PyTensor's
``Append``, ``Extend``, ``Insert`` and ``Remove`` only let it reuse the input list and are
ignored.  ``GetItem`` with a slice (a ``SliceConstant`` or ``MakeSlice``, which ``indexing.py``
converts to a Python ``slice`` of converted bounds) is arignote's ``GetSlice``.

One difference in equality, which ``Remove``, ``Index`` and ``Count`` use: arignote compares
items with ``==`` (a NaN never equals anything), PyTensor's ``TensorType.values_eq`` treats
lists holding NaNs specially (an item with a NaN equals another with NaNs at the same
places); on items without NaNs the two agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pytensor.typed_list import basic as pttl
from pytensor.typed_list.type import TypedListType as PtTypedListType

from arignote.graph.basic import Variable
from arignote.interop.pytensor.convert import constant_converters, convert_type, converters, type_converters
from arignote.typed_list import basic as tl
from arignote.typed_list.type import TypedListConstant, TypedListType

__all__: list[str] = []


@type_converters.register(PtTypedListType)
def _typed_list_type(pt_type: Any) -> TypedListType:
    # a nested list's item type is itself a TypedListType, converted by the same call
    return TypedListType(convert_type(pt_type.ttype))


@constant_converters.register(PtTypedListType)
def _typed_list_constant(var: Any) -> Variable:
    ltype = _typed_list_type(var.type)
    return TypedListConstant(ltype, ltype.filter(list(var.data), name=str(var)))


@converters.register(pttl.MakeList)
def _make_list(op: Any, node: Any, *items: Any) -> Any:
    return tl.make_list(list(items))


@converters.register(pttl.GetItem)
def _getitem(op: Any, node: Any, x: Any, index: Any) -> Any:
    if isinstance(index, slice):  # a SliceConstant or MakeSlice (indexing.py)
        def bound(part: Any) -> Any:
            return None if part is None else np.int64(part) if isinstance(part, (int, np.integer)) else part
        return tl.getitem(x, slice(bound(index.start), bound(index.stop), bound(index.step)))
    return tl.GetItem()(x, index)


@converters.register(pttl.Append)
def _append(op: Any, node: Any, x: Any, item: Any) -> Any:
    return tl.append(x, item)


@converters.register(pttl.Extend)
def _extend(op: Any, node: Any, x: Any, other: Any) -> Any:
    return tl.extend(x, other)


@converters.register(pttl.Insert)
def _insert(op: Any, node: Any, x: Any, index: Any, item: Any) -> Any:
    return tl.insert(x, index, item)


@converters.register(pttl.Remove)
def _remove(op: Any, node: Any, x: Any, item: Any) -> Any:
    return tl.remove(x, item)


@converters.register(pttl.Reverse)
def _reverse(op: Any, node: Any, x: Any) -> Any:
    return tl.reverse(x)


@converters.register(pttl.Index)
def _index(op: Any, node: Any, x: Any, item: Any) -> Any:
    return tl.index_(x, item)


@converters.register(pttl.Count)
def _count(op: Any, node: Any, x: Any, item: Any) -> Any:
    return tl.count(x, item)


@converters.register(pttl.Length)
def _length(op: Any, node: Any, x: Any) -> Any:
    return tl.length(x)
