"""Ops that compute the identity but change the gradient: ``zero_grad``, ``disconnected_grad``,
``grad_clip``, ``grad_scale``, ``undefined_grad``.

Their values pass through unchanged (the rewrite phase removes them from
compiled graphs, see ``arignote.tensor.rewrites.gradient_ops``); only
differentiation looks at them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.graph.type import undefined_gradient
from arignote.tensor.alloc import zeros_like
from arignote.tensor.basic import as_tensor_variable, get_scalar_constant_value
from arignote.tensor.math import clip
from arignote.tensor.variable import TensorVariable

__all__ = ["GradientOp", "ZeroGrad", "DisconnectedGrad", "GradClip", "GradScale", "UndefinedGrad",
           "zero_grad", "disconnected_grad", "consider_constant", "grad_clip", "grad_scale",
           "undefined_grad"]


class GradientOp(Op):
    """The identity on values; subclasses say what happens to the cotangent."""

    __slots__ = ()
    view_inputs = (0,)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        return Apply.build(self, [x], [x.type])

    def perform(self, x: np.ndarray) -> np.ndarray:
        return x

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:
        return [input_shapes[0]]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        return [self(inputs[0])]  # elementwise on its one input: the batch axis passes through


@dataclass(frozen=True)
class ZeroGrad(GradientOp):
    """Gradient zero (still connected), in both modes."""

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [zeros_like(inputs[0])]

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [zeros_like(outputs[0])]


@dataclass(frozen=True)
class DisconnectedGrad(GradientOp):
    """No gradient at all: what lies below is disconnected from the cost."""

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [None]

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [None]


@dataclass(frozen=True)
class GradClip(GradientOp):
    """The cotangent clipped to ``[lower, upper]`` elementwise."""

    lower: float
    upper: float

    def __post_init__(self) -> None:
        if not self.lower <= self.upper:
            raise ValueError(f"grad_clip: lower bound {self.lower} is above upper bound {self.upper}")

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [clip(cotangents[0], self.lower, self.upper)]

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [tangents[0]]  # only reverse mode is clipped (a cotangent, not a tangent)


@dataclass(frozen=True)
class GradScale(GradientOp):
    """The cotangent multiplied by ``multiplier``."""

    multiplier: float

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        g: Any = cotangents[0]  # a tensor: a rule runs only for outputs that reach the cost
        return [g * self.multiplier]

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        t: Any = tangents[0]  # a tensor or None
        return [None if t is None else t * self.multiplier]


@dataclass(frozen=True)
class UndefinedGrad(GradientOp):
    """The gradient is undefined: differentiating through it fails (``NullTypeGradError``)
    where that gradient is needed; forward mode sees no tangent (as in PyTensor)."""

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [undefined_gradient(f"the gradient of {inputs[0]} was declared undefined (undefined_grad)")]

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [None]


def zero_grad(x: Any) -> TensorVariable:
    """``x``, with a zero gradient (PyTensor's ``zero_grad``)."""
    return ZeroGrad()(x)


def disconnected_grad(x: Any) -> TensorVariable:
    """``x``, treated as a constant by differentiation: what it is computed from is disconnected."""
    return DisconnectedGrad()(x)


consider_constant = zero_grad


def undefined_grad(x: Any) -> TensorVariable:
    """``x``, whose gradient is undefined: taking it raises, naming why."""
    return UndefinedGrad()(x)


def _number(value: Any, what: str) -> float:
    if isinstance(value, Variable):
        value = get_scalar_constant_value(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a number known when the graph is built, got {value!r}") from None


def grad_clip(x: Any, lower_bound: Any, upper_bound: Any) -> TensorVariable:
    """``x``, whose gradient is clipped elementwise to ``[lower_bound, upper_bound]``."""
    return GradClip(_number(lower_bound, "grad_clip: lower_bound"),
                    _number(upper_bound, "grad_clip: upper_bound"))(x)


def grad_scale(x: Any, multiplier: Any) -> TensorVariable:
    """``x``, whose gradient is multiplied by ``multiplier``."""
    return GradScale(_number(multiplier, "grad_scale: multiplier"))(x)
