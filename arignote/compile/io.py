"""``In`` and ``Out``: PyTensor's wrappers of a function's inputs and outputs.

``In(x, name=, value=, update=, implicit=, strict=, allow_downcast=)`` says how a function
takes an input: the keyword name it answers to, a default ``value`` (the argument may be
left out), an ``update`` expression whose value becomes that default after each call (an
input holding state, like a shared variable private to the function; ``implicit=True``: not
an argument at all, only that state; an input with an update and no value must be given on
the first call, and holds its state after it), ``strict`` (the value must have the input's dtype
exactly) and ``allow_downcast`` (any number converts to the input's dtype, precision lost or
not).  ``mutable`` and ``borrow`` are accepted: arignote never writes into an input, and gives
outputs that share no memory with its inputs.

``Out(y, borrow=False)``: an output; ``borrow`` is accepted (outputs are the caller's own).

``Container(x, storage=[value])``: a storage cell for an input's value.  Given as
``In(x, value=cell)`` it is the input's default and, with an update, its state: functions
given the same cell (``In(s, value=f._finder[s])``) read and update one state, as PyTensor's.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from arignote.graph.basic import Variable

__all__ = ["Container", "In", "Out"]


class In:
    """An input of ``function`` with its options (see the module docstring)."""

    def __init__(self, variable: Variable, name: str | None = None, value: Any = None,
                 update: Any = None, mutable: bool | None = None, strict: bool = False,
                 allow_downcast: bool | None = None, autoname: bool = True,
                 implicit: bool | None = None, borrow: bool | None = None, shared: bool = False) -> None:
        if not isinstance(variable, Variable):
            raise TypeError(f"In: expected a variable, got {type(variable).__name__}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"In({variable}): name must be a string, got {name!r}")
        if implicit and value is None:
            raise ValueError(f"In({variable}): an implicit input needs a value")
        self.variable = variable
        self.name = name if name is not None else (variable.name if autoname else None)
        self.value = value
        self.update = update
        self.mutable = bool(mutable)
        self.strict = strict
        self.allow_downcast = allow_downcast
        self.implicit = bool(implicit)
        self.borrow = bool(borrow)
        self.shared = shared

    def __repr__(self) -> str:
        return f"In({self.variable})"


class Out:
    """An output of ``function``; ``borrow`` is accepted and has no effect here."""

    def __init__(self, variable: Variable, borrow: bool = False) -> None:
        if not isinstance(variable, Variable):
            raise TypeError(f"Out: expected a variable, got {type(variable).__name__}")
        self.variable = variable
        self.borrow = borrow

    def __repr__(self) -> str:
        return f"Out({self.variable})"


class Container:
    """A one-value storage cell for values of ``type``: ``storage`` is a one-item list, and
    ``value`` reads it or, unless ``readonly``, checks a new value against the type and
    stores it (``strict``: the value must have the type's dtype already)."""

    def __init__(self, r: Any, storage: list[Any], *, readonly: bool = False, strict: bool = False,
                 allow_downcast: bool | None = None, name: str | None = None) -> None:
        if not isinstance(storage, list) or len(storage) < 1:
            raise TypeError("Container: storage must be a list of at least one item")
        # a variable or its type, as PyTensor's: the cell holds values of that type
        self.type = r.type if hasattr(r, "owner") and hasattr(r, "type") else r
        self.name = name if name is not None else getattr(r, "name", None)
        self.storage = storage
        self.readonly = readonly
        self.strict = strict
        self.allow_downcast = allow_downcast

    @property
    def value(self) -> Any:
        return self.storage[0]

    @value.setter
    def value(self, value: Any) -> None:
        self._set(value)

    #: PyTensor's other name for ``value``
    data = value

    def _set(self, value: Any) -> None:
        if self.readonly:
            raise Exception(f"Cannot set readonly storage: {self.name}")
        if value is None:
            self.storage[0] = None
            return
        if self.strict:
            dtype = getattr(self.type, "numpy_dtype", None)
            found = getattr(value, "dtype", None)
            if dtype is not None and (found is None or np.dtype(found) != dtype):
                raise TypeError(f"{self.name or 'Container'}: strict storage needs dtype {dtype}, "
                                f"got {np.asarray(value).dtype if found is None else found}")
        self.storage[0] = self.type.filter(value, self.name or "value")

    def __deepcopy__(self, memo: dict[int, Any]) -> Container:
        return Container(self.type, copy.deepcopy(self.storage, memo), readonly=self.readonly,
                         strict=self.strict, allow_downcast=self.allow_downcast, name=self.name)

    def __str__(self) -> str:
        return f"<{self.storage[0]}>"

    def __repr__(self) -> str:
        return f"<{self.storage[0]!r}>"
