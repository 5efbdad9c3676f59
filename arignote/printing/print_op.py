"""`Print`: the identity, printing its input's value each time it is computed.

``Print("x is")(x)`` stands for ``x`` and prints ``x is __str__ = [...]`` when a compiled
function computes it (PyTensor's op and output).  ``attrs`` names what to print of the
value: attributes (``"shape"``) or methods called without arguments (``"__str__"``,
``"sum"``).  ``global_fn(op, value)``, if given, replaces the printing.

The node is never constant-folded, and rewrites do not look through it, so a pattern
broken by a ``Print`` in its middle (``log(1 + Print()(x))``) is not rewritten.  Nodes are
interned: ``Print("m")(x)`` built twice is one node and prints once per call.  On the JAX
backend the value is printed through ``jax.debug.callback`` from inside the compiled
function (after the computation that needs it has been dispatched, so the order between
several prints may differ from the py and C backends').
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.tensor.basic import as_tensor_variable

__all__ = ["Print", "print_value"]


def print_value(op: Print, value: Any) -> None:
    """PyTensor's default printing: ``message attr = value`` for each of ``op.attrs``."""
    for attr in op.attrs:
        found = getattr(value, attr)
        print(op.message, attr, "=", found() if callable(found) else found)


@dataclass(frozen=True)
class Print(Op):
    """Identity that prints ``message`` and the ``attrs`` of its input's value when run."""

    message: str = ""
    attrs: tuple[str, ...] = ("__str__",)
    global_fn: Callable[[Any, Any], None] = print_value

    foldable: ClassVar[bool] = False  # printing is the point: never run at compile time
    view_inputs = (0,)  # the output is the input's own value

    def __post_init__(self) -> None:
        if not isinstance(self.message, str):
            raise TypeError(f"Print: message must be a string, got {type(self.message).__name__}")
        attrs = (self.attrs,) if isinstance(self.attrs, str) else tuple(self.attrs)
        if not all(isinstance(a, str) for a in attrs):
            raise TypeError(f"Print: attrs must be attribute names (strings), got {self.attrs!r}")
        object.__setattr__(self, "attrs", attrs)
        if not callable(self.global_fn):
            raise TypeError(f"Print: global_fn must be callable, got {self.global_fn!r}")

    def make_node(self, x: Any) -> Apply:
        if not isinstance(x, Variable):
            x = as_tensor_variable(x)
        return Apply.build(self, [x], [x.type])

    def perform(self, x: Any) -> Any:
        self.global_fn(self, x)
        return x

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Variable, ...]]:
        return [input_shapes[0]]

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        """The identity's: the cotangent passes through (not printed)."""
        return [cotangents[0]]

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [tangents[0]]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        """Prints the whole batch at once."""
        return [self(inputs[0])]

    def __str__(self) -> str:
        return f"Print{{{self.message!r}}}" if self.message else "Print"
