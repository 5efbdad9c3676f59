"""Typed lists: symbolic Python lists whose items all have one type (PyTensor's
``pytensor.typed_list``).  ``TypedListType(at.dvector)()`` makes a list input; a compiled
function takes and returns Python lists of arrays for it."""

from arignote.typed_list.basic import (
    Append,
    Count,
    Extend,
    GetItem,
    GetSlice,
    Index,
    Insert,
    Length,
    MakeList,
    Remove,
    Reverse,
    append,
    count,
    extend,
    getitem,
    index_,
    insert,
    length,
    make_list,
    remove,
    reverse,
)
from arignote.typed_list.cotangents import AddLists, PlaceItem, PlaceSlice, RestoreRemoved
from arignote.typed_list.type import TypedListConstant, TypedListType, TypedListVariable

#: every typed-list op, the ones derivatives build included (the backends lower them alike)
LIST_OPS = (Append, Count, Extend, GetItem, GetSlice, Index, Insert, Length, MakeList, Remove, Reverse,
            AddLists, PlaceItem, PlaceSlice, RestoreRemoved)

__all__ = ["Append", "Count", "Extend", "GetItem", "GetSlice", "Index", "Insert", "Length",
           "MakeList", "Remove", "Reverse", "TypedListConstant", "TypedListType",
           "TypedListVariable", "append", "count", "extend", "getitem", "index_", "insert",
           "length", "make_list", "remove", "reverse"]
