"""Placeholders for gradients that are not numbers: disconnected, and undefined.

- ``DisconnectedType``: the type of "this does not depend on that", which
  ``grad(..., return_disconnected="disconnected")`` gives, and which an op's derivative rule
  written for PyTensor returns (``disconnected_type()``) for an input without a cotangent;
- ``NullType`` (defined in the graph layer, where scalar ops can make one): the type of a
  gradient that does not exist (``grad_undefined``) or that the op
  does not implement (``grad_not_implemented``).  A derivative rule may return one for an
  input; differentiating then fails with ``NullTypeGradError`` naming why, but only where
  that gradient is needed (arignote/autodiff/reverse.py).
"""

from __future__ import annotations

from typing import Any

from arignote.graph.basic import Variable
from arignote.graph.type import NullType, Type, undefined_gradient

__all__ = ["DisconnectedType", "NullType", "disconnected_type", "grad_not_implemented", "grad_undefined"]


class DisconnectedType(Type):
    """The type of the placeholder for a variable the cost does not depend on."""

    __slots__ = ()

    def filter(self, value: Any, name: str = "value") -> Any:
        raise TypeError(f"{name}: a disconnected gradient has no value")

    def __eq__(self, other: object) -> bool:
        return type(other) is DisconnectedType

    def __hash__(self) -> int:
        return hash(DisconnectedType)

    def __str__(self) -> str:
        return "DisconnectedType"


DisconnectedType.variable_class = Variable





def disconnected_type() -> Variable:
    """A placeholder saying "no cotangent" (PyTensor's ``disconnected_type()``)."""
    return DisconnectedType().make_variable()


def grad_undefined(op: Any, x_pos: int, x: Any, comment: str = "") -> Variable:
    """The gradient of ``op`` with respect to its input ``x_pos`` does not exist."""
    why = f"the gradient of {op} with respect to input {x_pos} is undefined"
    return undefined_gradient(f"{why}: {comment}" if comment else why)


def grad_not_implemented(op: Any, x_pos: int, x: Any, comment: str = "") -> Variable:
    """The gradient of ``op`` with respect to its input ``x_pos`` is not implemented."""
    why = f"{op} does not implement its gradient with respect to input {x_pos}"
    return undefined_gradient(f"{why}: {comment}" if comment else why)
