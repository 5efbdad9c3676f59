"""PyTensor's ``pytensor.ifelse`` path: ``ifelse`` and ``IfElse`` (:mod:`arignote.tensor.ifelse`)."""

from arignote.tensor.ifelse import IfElse, ifelse

__all__ = ["IfElse", "ifelse"]
