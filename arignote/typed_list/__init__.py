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
from arignote.typed_list.type import TypedListConstant, TypedListType, TypedListVariable

__all__ = ["Append", "Count", "Extend", "GetItem", "GetSlice", "Index", "Insert", "Length",
           "MakeList", "Remove", "Reverse", "TypedListConstant", "TypedListType",
           "TypedListVariable", "append", "count", "extend", "getitem", "index_", "insert",
           "length", "make_list", "remove", "reverse"]
