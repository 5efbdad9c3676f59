"""``wrap_py``: a Python function as an op (``arignote.compile.ops`` has it with ``as_op``).

``@wrap_py(itypes=[at.dmatrix], otypes=[at.dvector])`` turns ``fn(*arrays) -> array(s)`` into
an op whose node takes variables of ``itypes`` and gives variables of ``otypes``; every
backend runs it by calling ``fn`` (a Python step on ``py`` and C, a host callback on JAX,
which needs the outputs' shapes: static ``otypes`` or ``infer_shape``).  It has no derivative
(differentiating through it raises ``NotDifferentiable``); ``infer_shape(node, input_shapes)``
(PyTensor's signature for this decorator) gives output shapes without calling ``fn``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from arignote.graph.basic import Apply
from arignote.graph.op import NoBatchingRule, NotDifferentiable, Op
from arignote.graph.type import Type
from arignote.tensor.basic import as_tensor_variable

__all__ = ["FromFunctionOp", "wrap_py"]


class FromFunctionOp(Op):
    """An op calling ``fn`` on its inputs' values (see :func:`wrap_py`)."""

    def __init__(self, fn: Callable[..., Any], itypes: Sequence[Type], otypes: Sequence[Type],
                 infer_shape: Callable[..., Any] | None) -> None:
        self.fn = fn
        self.itypes = list(itypes)
        self.otypes = list(otypes)
        self.shape_function = infer_shape

    def __eq__(self, other: object) -> bool:
        return type(other) is FromFunctionOp and other.fn is self.fn and \
            other.itypes == self.itypes and other.otypes == self.otypes

    def __hash__(self) -> int:
        return hash((FromFunctionOp, self.fn, tuple(self.itypes), tuple(self.otypes)))

    def __str__(self) -> str:
        return f"FromFunctionOp{{{getattr(self.fn, '__name__', repr(self.fn))}}}"

    def make_node(self, *inputs: Any) -> Apply:
        if len(inputs) != len(self.itypes):
            raise TypeError(f"{self}: expected {len(self.itypes)} input(s), got {len(inputs)}")
        variables = []
        for position, (value, kind) in enumerate(zip(inputs, self.itypes)):
            var = as_tensor_variable(value)
            if not kind.is_super(var.type):
                raise TypeError(f"{self}: input {position} must be of type {kind}, got {var.type}")
            variables.append(var)
        return Apply.build(self, variables, self.otypes)

    def perform(self, *values: Any) -> Any:
        result = self.fn(*values)
        results = [result] if len(self.otypes) == 1 else list(result)
        if len(results) != len(self.otypes):
            raise ValueError(f"{self}: the function gave {len(results)} value(s), "
                             f"expected {len(self.otypes)}")
        checked = tuple(t.filter(r, name=f"{self} output {k}") for k, (t, r) in
                        enumerate(zip(self.otypes, results)))
        return checked[0] if len(checked) == 1 else checked

    def pullback(self, inputs: Any, outputs: Any, cotangents: Any) -> list[Any]:
        raise NotDifferentiable(f"{self}: a wrapped Python function has no derivative")

    def batch(self, node: Apply, inputs: Any, batched: Any, size: Any) -> list[Any]:
        raise NoBatchingRule(f"{self}: a wrapped Python function cannot be batched")

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[Any]:
        if self.shape_function is None:
            return super().infer_shape(node, input_shapes)
        shapes = self.shape_function(node, input_shapes)
        return [tuple(as_tensor_variable(d, dtype="int64") for d in s) for s in shapes]


def wrap_py(itypes: Any, otypes: Any, infer_shape: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """Decorator: the function as an op taking ``itypes`` and giving ``otypes`` (types, or one
    type each)."""
    itypes = list(itypes) if isinstance(itypes, (list, tuple)) else [itypes]
    otypes = list(otypes) if isinstance(otypes, (list, tuple)) else [otypes]
    for what, kinds in (("itypes", itypes), ("otypes", otypes)):
        if not all(isinstance(t, Type) for t in kinds):
            raise TypeError(f"wrap_py: {what} must be types (at.dmatrix, TensorType(...)), got {kinds}")
    if infer_shape is not None and not callable(infer_shape):
        raise TypeError("wrap_py: infer_shape must be callable")

    def make_op(fn: Callable[..., Any]) -> FromFunctionOp:
        return FromFunctionOp(fn, itypes, otypes, infer_shape)
    return make_op
