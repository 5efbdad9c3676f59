"""``SharedVariable``: the base of every variable whose value lives between calls.

A shared variable is a graph input holding a value; compiled functions read it and may store
a new one after a call (``updates``, or its ``default_update``).  Tensors
(``arignote.tensor.sharedvar.TensorSharedVariable``) and random generators
(``arignote.tensor.random.type.RandomGeneratorSharedVariable``) are its kinds, as in
PyTensor, so ``isinstance(v, SharedVariable)`` holds for both.  Each kind stores its value in
its own slot and says how a value is checked (its type's ``filter``).
"""

from __future__ import annotations

from typing import Any

from arignote.graph.basic import Variable

__all__ = ["SharedVariable"]


class SharedVariable(Variable):
    """A graph input with a stored value (``get_value``/``set_value``), updated by functions."""

    __slots__ = ()

    def get_value(self, borrow: bool = False, return_internal_type: bool = False) -> Any:
        """The current value (a copy unless ``borrow``)."""
        raise NotImplementedError

    def set_value(self, value: Any, borrow: bool = False) -> None:
        """Store ``value`` (copied unless ``borrow``)."""
        raise NotImplementedError

    @property
    def container(self) -> SharedVariable:
        return self  # PyTensor code reads ``shared.container.value``
