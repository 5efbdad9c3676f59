"""`TypedListType`: the type of a Python list whose items are all values of one type.

A list's value is a plain Python ``list`` (of NumPy arrays for a list of tensors, of lists for
a nested list).  Its length is not part of the type: it is known only at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from arignote.graph.basic import Constant, Variable
from arignote.graph.type import Type

__all__ = ["TypedListConstant", "TypedListType", "TypedListVariable"]


class TypedListType(Type):
    """The type of a list of values of ``ttype`` (PyTensor's name and signature).

    ``depth`` > 0 makes a nested list: ``TypedListType(t, 1)`` is a list of lists of ``t``.
    """

    __slots__ = ("ttype",)

    ttype: Type

    def __init__(self, ttype: Type, depth: int = 0) -> None:
        if not isinstance(ttype, Type):
            raise TypeError(f"TypedListType: the item type must be an arignote Type, got {ttype!r}")
        if not isinstance(depth, (int, np.integer)) or depth < 0:
            raise ValueError(f"TypedListType: depth must be an integer >= 0, got {depth!r}")
        # immutable value object: set once through object.__setattr__
        object.__setattr__(self, "ttype", ttype if depth == 0 else TypedListType(ttype, int(depth) - 1))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("TypedListType is immutable")

    @property
    def dtype(self) -> Type:
        """The item type (PyTensor spells it ``dtype`` too)."""
        return self.ttype

    @property
    def carries_cotangents(self) -> bool:
        """Whether the items hold floats, whose derivatives a list carries (autodiff must then
        ask the list ops for their rule, which refuses, rather than treat the list like an
        integer)."""
        inner = self.ttype
        return bool(inner.carries_cotangents) if isinstance(inner, TypedListType) else \
            getattr(getattr(inner, "numpy_dtype", None), "kind", "") in ("f", "c")

    def add_cotangents(self, parts: Sequence[Any]) -> Variable:
        """The sum of several cotangents of one list (autodiff's hook): item by item."""
        from arignote.typed_list.cotangents import AddLists  # the ops build on this module

        return AddLists()(*parts)

    def fit_cotangent(self, cotangent: Any, what: str) -> Variable:
        """``cotangent`` checked to be a list of this type (autodiff's hook); ``what`` says
        where it came from."""
        if not isinstance(cotangent, Variable) or cotangent.type != self:
            found = cotangent.type if isinstance(cotangent, Variable) else type(cotangent).__name__
            raise ValueError(f"{what} of type {found}, which is not {self}")
        return cotangent

    def get_depth(self) -> int:
        """How deeply the list nests (0: a list of ``ttype`` values that are not lists)."""
        return self.ttype.get_depth() + 1 if isinstance(self.ttype, TypedListType) else 0

    # --- run-time values ---------------------------------------------------------

    def filter(self, value: Any, name: str = "value", strict: bool = False,
               allow_downcast: bool | None = None) -> list[Any]:
        """``value`` as a new list whose items passed ``ttype.filter``, or TypeError naming
        ``name`` (and the item's position).  ``strict``: only a ``list`` is accepted."""
        if strict and not isinstance(value, list):
            raise TypeError(f"{name}: expected a Python list ({self}), got {type(value).__name__}")
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{name}: expected a list or tuple of values of {self.ttype} ({self}), "
                            f"got {type(value).__name__}")
        return [self.ttype.filter(item, f"{name}[{position}]") for position, item in enumerate(value)]

    def is_valid_value(self, value: Any) -> bool:
        """Whether ``value`` passes :meth:`filter`."""
        try:
            self.filter(value)
        except (TypeError, ValueError):
            return False
        return True

    def values_eq(self, a: list[Any], b: list[Any]) -> bool:
        """Whether two list values hold equal items in the same order."""
        return values_equal(list(a), list(b))

    def constant_key(self, data: Any) -> Any:
        # an item's own key may omit its shape (a tensor's is its bytes): add it
        return tuple((np.shape(item), str(getattr(item, "dtype", "")), self.ttype.constant_key(item))
                     if not isinstance(self.ttype, TypedListType) else self.ttype.constant_key(item)
                     for item in data)

    # --- value object ------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        return type(other) is TypedListType and other.ttype == self.ttype

    def __hash__(self) -> int:
        return hash((TypedListType, self.ttype))

    def __str__(self) -> str:
        return f"TypedList <{self.ttype}>"

    __repr__ = __str__

    def __reduce__(self) -> Any:
        return (TypedListType, (self.ttype,))


def values_equal(a: Any, b: Any) -> bool:
    """Whether two list items are equal values: item by item for lists; same shape and equal
    elements for arrays (NaN differs from NaN, as with ``==``)."""
    if isinstance(a, list) or isinstance(b, list):
        return (isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
                and all(values_equal(x, y) for x, y in zip(a, b)))
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.all(a == b))


class TypedListVariable(Variable):
    """A symbolic list, with Python's list methods building graph nodes.

    ``len(l)`` is refused (the length is known only at run time): use ``l.length()``.
    Python's ``index`` is ``ind`` here, as in PyTensor (``index`` is the variable's position
    among its node's outputs).
    """

    __slots__ = ()

    @property
    def ttype(self) -> Type:
        """The type of the items."""
        return self.type.ttype

    def __len__(self) -> int:
        raise TypeError("len() of a symbolic list is unknown until run time: use `.length()` for "
                        "the symbolic length")

    def __iter__(self) -> Any:
        raise TypeError("a symbolic list cannot be iterated in Python (its length is known only "
                        "at run time): index it, or use `.length()`")

    def __getitem__(self, index: Any) -> Variable:
        from arignote.typed_list.basic import getitem  # the ops build on this module

        return getitem(self, index)

    def append(self, item: Any) -> TypedListVariable:
        from arignote.typed_list.basic import append

        return append(self, item)

    def extend(self, other: Any) -> TypedListVariable:
        from arignote.typed_list.basic import extend

        return extend(self, other)

    def insert(self, index: Any, item: Any) -> TypedListVariable:
        from arignote.typed_list.basic import insert

        return insert(self, index, item)

    def remove(self, item: Any) -> TypedListVariable:
        from arignote.typed_list.basic import remove

        return remove(self, item)

    def reverse(self) -> TypedListVariable:
        from arignote.typed_list.basic import reverse

        return reverse(self)

    def count(self, item: Any) -> Variable:
        from arignote.typed_list.basic import count

        return count(self, item)

    def ind(self, item: Any) -> Variable:
        """The position of the first item equal to ``item`` (Python's ``list.index``; named
        ``ind`` as in PyTensor: ``index`` is a variable's position among its node's outputs)."""
        from arignote.typed_list.basic import index_

        return index_(self, item)

    def length(self) -> Variable:
        from arignote.typed_list.basic import length

        return length(self)


class TypedListConstant(Constant, TypedListVariable):
    """A list fixed in the graph."""

    __slots__ = ()


TypedListType.variable_class = TypedListVariable
TypedListType.constant_class = TypedListConstant
