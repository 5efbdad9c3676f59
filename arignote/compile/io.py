"""``In`` and ``Out``: PyTensor's wrappers of a function's inputs and outputs.

``In(x, name=, value=, update=, implicit=, strict=, allow_downcast=)`` says how a function
takes an input: the keyword name it answers to, a default ``value`` (the argument may be
left out), an ``update`` expression whose value becomes that default after each call (an
input holding state, like a shared variable private to the function; ``implicit=True``: not
an argument at all, only that state), ``strict`` (the value must have the input's dtype
exactly) and ``allow_downcast`` (any number converts to the input's dtype, precision lost or
not).  ``mutable`` and ``borrow`` are accepted: arignote never writes into an input, and gives
outputs that share no memory with its inputs.

``Out(y, borrow=False)``: an output; ``borrow`` is accepted (outputs are the caller's own).
"""

from __future__ import annotations

from typing import Any

from arignote.graph.basic import Variable

__all__ = ["In", "Out"]


class In:
    """An input of ``function`` with its options (see the module docstring)."""

    def __init__(self, variable: Variable, name: str | None = None, value: Any = None,
                 update: Any = None, mutable: bool | None = None, strict: bool = False,
                 allow_downcast: bool | None = None, autoname: bool = True,
                 implicit: bool | None = None, borrow: bool | None = None, shared: bool = False) -> None:
        if not isinstance(variable, Variable):
            raise TypeError(f"In: expected a variable, got {type(variable).__name__}")
        if implicit and value is None:
            raise ValueError(f"In({variable}): an implicit input needs a value")
        if update is not None and value is None:
            raise ValueError(f"In({variable}): an input with an update needs a value (its first state)")
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
