"""Shared variables: graph inputs whose value lives between calls.

Compiled functions read and update them (``arignote.compile``, which
exports them), and ``scan`` turns the ones a step function updates into
carries; they are tensor variables, so they live in the tensor layer, below
both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arignote.graph.shared import SharedVariable
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["SharedVariable", "TensorSharedVariable", "shared", "shared_constructor"]


class TensorSharedVariable(SharedVariable, TensorVariable):
    """A tensor input with a stored value; functions read it and may update it.

    ``default_update``: the value a compiled function stores after each call unless its
    ``updates`` say otherwise (PyTensor's attribute)."""

    __slots__ = ("_value", "default_update")

    def __init__(self, type: TensorType, value: np.ndarray, name: str | None = None) -> None:
        super().__init__(type, None, None, name)
        self._value = value
        self.default_update: Any = None

    def get_value(self, borrow: bool = False, return_internal_type: bool = False) -> np.ndarray:
        """The current value (a copy unless ``borrow``)."""
        return self._value if borrow else self._value.copy()

    def set_value(self, value: Any, borrow: bool = False) -> None:
        """Store ``value``, checked against the variable's type (copied unless ``borrow``)."""
        array = self.type.filter(value, name=f"shared variable {self.name or '<unnamed>'}")
        if not borrow and array is value:
            array = array.copy()
        self._value = array

    @property
    def value(self) -> np.ndarray:
        return self._value

    @value.setter
    def value(self, new: Any) -> None:
        self.set_value(new, borrow=True)

    def __str__(self) -> str:
        return self.name if self.name is not None else f"<shared {self.type}>"


#: constructors of other kinds of shared variables (sparse matrices: ``arignote.sparse``
#: registers its own when imported), tried newest first
_CONSTRUCTORS: list[Callable[..., Any]] = []


def shared_constructor(constructor: Callable[..., Any], remove: bool = False) -> Callable[..., Any]:
    """Register (or ``remove``) a constructor ``shared`` tries before making a tensor:
    ``constructor(value, name=, borrow=, **kwargs)`` returns a shared variable, or None for a
    value it does not take (PyTensor's decorator of the same name)."""
    if remove:
        _CONSTRUCTORS.remove(constructor)
    elif constructor not in _CONSTRUCTORS:
        _CONSTRUCTORS.append(constructor)
    return constructor


def shared(value: Any, name: str | None = None, borrow: bool = False,
           shape: Sequence[int | None] | None = None, **kwargs: Any) -> TensorSharedVariable:
    """A shared variable holding ``value``.

    Its static shape is unknown in every dimension (so ``set_value`` may
    change the shape), unless ``shape`` is given.  Values of other kinds go to the
    constructor registered for them (:func:`shared_constructor`).
    """
    for constructor in reversed(_CONSTRUCTORS):
        made = constructor(value, name=name, borrow=borrow, **kwargs)
        if made is not None:
            return made
    if isinstance(value, np.random.Generator):
        from arignote.tensor.random.type import shared_generator  # the random package builds on this one

        return shared_generator(value, name, borrow)  # type: ignore[return-value]
    array = np.asarray(value)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"shared: cannot store a value of dtype {array.dtype}")
    if not borrow or array is not value:
        array = np.array(array, copy=True)
    kind = TensorType(array.dtype, (None,) * array.ndim if shape is None else shape)
    array = kind.filter(array, name=f"shared variable {name or '<unnamed>'}")
    return TensorSharedVariable(kind, array, name)
