"""Run-time assertions in a graph (PyTensor's ``pytensor.raise_op``, re-exported there).

``CheckAndRaise(exc_type, msg)(x, *conds)`` is ``x``, and raises ``exc_type(msg)`` when the
function runs and a condition is false; ``Assert(msg)`` raises ``AssertionError``, and
``assert_op`` is ``Assert()`` with PyTensor's default message.  Conditions are 0-d (PyTensor
takes scalars) and are converted to bool.  The derivative goes to ``x``; the conditions have
none.  Like any node, an assertion runs only if an output of the function needs its result.
``py`` and C run ``perform`` (a Python step); JAX checks the conditions while the function
runs (backend/jax/checks.py) and raises the same exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.reduction import all as all_
from arignote.tensor.shape import PassesValueThrough

__all__ = ["Assert", "CheckAndRaise", "assert_op"]


@dataclass(frozen=True, init=False)
class CheckAndRaise(PassesValueThrough, Op):
    """``x`` unchanged, after checking that every condition is true (else ``exc_type(msg)``)."""

    exc_type: type[Exception]
    msg: str = ""
    view_inputs = (0,)

    def __init__(self, exc_type: type[Exception], msg: str = "") -> None:
        if not (isinstance(exc_type, type) and issubclass(exc_type, Exception)):
            raise ValueError("CheckAndRaise: exc_type must be an Exception subclass")
        object.__setattr__(self, "exc_type", exc_type)
        object.__setattr__(self, "msg", msg)

    def make_node(self, value: Any, *conds: Any) -> Apply:
        if not isinstance(value, Variable):
            value = as_tensor_variable(value)
        checked = []
        for cond in conds:
            cond = as_tensor_variable(cond)
            if cond.ndim != 0:
                raise TypeError(f"{self}: conditions must be 0-d (scalars), got {cond.type}")
            checked.append(cond if cond.dtype == "bool" else cast(cond, "bool"))
        return Apply.build(self, [value, *checked], [value.type])

    def perform(self, value: Any, *conds: Any) -> Any:
        if not all(bool(c) for c in conds):
            raise self.exc_type(self.msg)
        return value

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[Any]:
        """The value's shape."""
        return [input_shapes[0]]


    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        """A batch of conditions must all hold: each batched one is reduced with ``all``."""
        conds = [all_(c) if b else c for c, b in zip(inputs[1:], batched[1:])]
        return [self(inputs[0], *conds)]

    def __str__(self) -> str:
        msg = self.msg if len(self.msg) <= 30 else self.msg[:27] + "..."
        return f"{type(self).__name__}{{raises={self.exc_type.__name__}, msg='{msg}'}}"


@dataclass(frozen=True, init=False)
class Assert(CheckAndRaise):
    """``CheckAndRaise(AssertionError, msg)``."""

    def __init__(self, msg: str = "PyTensor Assert failed!") -> None:
        super().__init__(AssertionError, msg)

    def __str__(self) -> str:
        msg = self.msg if len(self.msg) <= 30 else self.msg[:27] + "..."
        return f"Assert{{msg='{msg}'}}"


#: ``Assert()``: ``assert_op(x, cond, ...)``
assert_op = Assert()
