"""PyTensor's ``tensor.type_other``: the type of the constant ``None`` (``NoneConst``).

PyTensor uses ``NoneConst`` where an optional input is left out (an index that is
``np.newaxis``, a missing size); arignote's ops take Python ``None`` for those, so
``NoneConst`` is a constant standing for it: ``get_underlying_scalar_constant_value(NoneConst)``
is ``None`` and it is not a tensor (``shape(NoneConst)`` is a TypeError).  PyTensor's symbolic
slices (``make_slice``, ``slicetype``) are Python slices here (see ``constant_values.make_slice``).
"""

from __future__ import annotations

from typing import Any

from arignote.graph.basic import Constant, Variable, intern_constant
from arignote.graph.type import Type

__all__ = ["NoneConst", "NoneTypeT", "none_type_t"]


class NoneTypeT(Type):
    """The type whose only value is ``None``."""

    __slots__ = ()
    variable_class = Variable
    constant_class = Constant

    def filter(self, value: Any, name: str = "value") -> None:
        if value is not None:
            raise TypeError(f"{name}: expected None, got {type(value).__name__}")
        return None

    def constant_key(self, data: Any) -> Any:
        return None

    def __eq__(self, other: object) -> bool:
        return type(other) is NoneTypeT

    def __hash__(self) -> int:
        return hash(NoneTypeT)

    def __str__(self) -> str:
        return "NoneTypeT"


none_type_t = NoneTypeT()
#: the constant None (a module global: the intern table alone would not keep it alive)
NoneConst: Constant = intern_constant(none_type_t, None, "NoneConst")
