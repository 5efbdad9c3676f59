"""The exceptions of automatic differentiation, under PyTensor's names."""

from __future__ import annotations

from arignote.graph.op import NotDifferentiable

__all__ = ["DisconnectedInputError", "GradientError", "NotDifferentiable", "NullTypeGradError"]


class DisconnectedInputError(ValueError):
    """``grad`` was asked for the gradient with respect to a variable the cost does not depend on."""


class NullTypeGradError(NotDifferentiable):
    """A gradient that is undefined was needed (PyTensor's name for it)."""


class GradientError(AssertionError):
    """``verify_grad`` found a symbolic gradient that disagrees with finite differences."""

    def __init__(self, message: str, arg: int | None = None, abs_err: float | None = None,
                 rel_err: float | None = None) -> None:
        super().__init__(message)
        self.arg = arg
        self.abs_err = abs_err
        self.rel_err = rel_err
