"""``OpFromGraph``: a graph packaged as an op (PyTensor's ``pytensor.compile.builders``).

``op = OpFromGraph([x, y], [x + y * 2])`` makes an op; ``op(a, b)`` is a node standing for the
graph with ``a`` and ``b`` in place of ``x`` and ``y``.  Shared variables the graph reads are
inputs of the node too (PyTensor's implicit inputs), so a function compiled from it finds
them.  Rewriting inlines the node (``inline_op_from_graph``: the graph itself replaces it,
whatever ``inline`` says — the values are the same, and the rules then see through it);
compiled without rewriting, the node runs its graph linked by the backend at work.

Derivatives go through the graph, unless ``lop_overrides`` (``lop(inputs, outputs,
output_grads) -> input grads``) or ``grad_overrides`` (``grad(inputs, output_grads)``) give
the op's own rule, as in PyTensor; a callable each (PyTensor's per-input lists are refused).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.linking import current_linking
from arignote.graph.op import NoBatchingRule, Op
from arignote.graph.replace import graph_replace
from arignote.graph.shared import SharedVariable
from arignote.graph.traversal import graph_inputs
from arignote.graph.utils import MissingInputError
from arignote.tensor.basic import as_tensor_variable

__all__ = ["OpFromGraph"]


def _override(value: Any, what: str) -> Callable[..., Any] | None:
    if value is None or value == "default":
        return None
    if isinstance(value, (list, tuple)):
        raise NotImplementedError(f"OpFromGraph({what}=[...]): per-input overrides are not supported; "
                                  "give one callable returning every input's gradient")
    if not callable(value):
        raise TypeError(f"OpFromGraph: {what} must be a callable, got {type(value).__name__}")
    return value


class OpFromGraph(Op):
    """The graph from ``inputs`` to ``outputs`` as an op (see the module docstring)."""

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable] | Variable, *,
                 inline: bool = False, lop_overrides: Any = None, grad_overrides: Any = None,
                 rop_overrides: Any = None, connection_pattern: Any = None, strict: bool = False,
                 name: str | None = None, **_pytensor_options: Any) -> None:
        if isinstance(outputs, Variable):
            outputs = [outputs]
        inputs = list(inputs)
        if not all(isinstance(v, Variable) for v in inputs):
            raise TypeError("OpFromGraph: inputs must be variables")
        for v in inputs:
            if isinstance(v, (Constant, SharedVariable)) or v.owner is not None:
                raise TypeError(f"OpFromGraph: input {v} must be a free variable (not a constant, "
                                "a shared variable or a computed one)")
        outs = [as_tensor_variable(o) if not isinstance(o, Variable) else o for o in outputs]
        given = {id(v) for v in inputs}
        free = [v for v in graph_inputs(outs) if not isinstance(v, Constant) and id(v) not in given]
        missing = [v for v in free if not isinstance(v, SharedVariable)]
        if missing:
            raise MissingInputError(f"OpFromGraph: the outputs need {missing}, which are not among the "
                                    f"inputs {inputs}")
        if strict and free:
            raise ValueError(f"OpFromGraph(strict=True): the graph reads shared variables {free}")
        #: the graph's inputs: the given ones, then the shared variables it reads
        self.inner_inputs: list[Variable] = inputs + free
        self.inner_outputs: list[Variable] = outs
        self.n_given = len(inputs)
        self.implicit: list[Variable] = free
        self.inline = inline
        self.lop = _override(lop_overrides, "lop_overrides")
        self.grad_override = _override(grad_overrides, "grad_overrides")
        if rop_overrides not in (None, "default"):
            raise NotImplementedError("OpFromGraph(rop_overrides=...): forward mode goes through the graph")
        self.name = name

    def __str__(self) -> str:
        return f"OpFromGraph{{{self.name or 'inner graph'}}}"

    __repr__ = __str__

    # --- building ---------------------------------------------------------------------------
    def make_node(self, *inputs: Any) -> Apply:
        if len(inputs) != self.n_given:
            raise TypeError(f"{self}: expected {self.n_given} input(s), got {len(inputs)}")
        values = []
        for position, (value, formal) in enumerate(zip(inputs, self.inner_inputs)):
            var = as_tensor_variable(value) if not isinstance(value, Variable) else value
            if getattr(var.type, "dtype", None) != getattr(formal.type, "dtype", None) or \
                    getattr(var.type, "ndim", None) != getattr(formal.type, "ndim", None):
                raise TypeError(f"{self}: input {position} must be like {formal.type}, got {var.type}")
            values.append(var)
        return Apply.build(self, [*values, *self.implicit], [o.type for o in self.inner_outputs])

    def inlined(self, inputs: Sequence[Variable]) -> list[Variable]:
        """The graph's outputs with ``inputs`` (a node's, shared variables included) in place
        of its inputs."""
        return list(graph_replace(self.inner_outputs, list(zip(self.inner_inputs, inputs)), strict=False))

    # --- meaning ------------------------------------------------------------------------------
    def differentiable_graph(self, inputs: Sequence[Variable], outputs: Sequence[Variable]) -> Any:
        if self.lop is not None or self.grad_override is not None:
            return None  # the op's own rule (pullback)
        return self.inlined(inputs)

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        from arignote.tensor.alloc import zeros_like

        grads = [zeros_like(o) if g is None else g for o, g in zip(outputs, cotangents)]
        given = list(inputs[:self.n_given])
        if self.lop is not None:
            result = list(self.lop(given, list(outputs), grads))
        else:
            assert self.grad_override is not None
            result = list(self.grad_override(given, grads))
        if len(result) != self.n_given:
            raise ValueError(f"{self}: the gradient override gave {len(result)} gradient(s) for "
                             f"{self.n_given} input(s)")
        return result + [None] * len(self.implicit)

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[Any]:
        from arignote.tensor.shape import shape_tuple

        return [shape_tuple(o) for o in self.inlined(node.inputs)]

    def batch(self, node: Apply, inputs: Sequence[Any], batched: Sequence[bool], size: Any) -> list[Any]:
        raise NoBatchingRule(f"{self}: batched through its inlined graph by rewriting, not as a node")

    def py_impl(self, node: Apply) -> Any:
        state = current_linking()
        if state is None:
            raise RuntimeError("OpFromGraph runs only inside a program being linked")
        program = state.link(list(self.inner_inputs), list(self.inner_outputs))
        run = getattr(program, "run", program)
        single = len(self.inner_outputs) == 1

        def call(*values: Any) -> Any:
            results = run(*values)
            return results[0] if single else tuple(results)
        return call
