"""``OpFromGraph``: a graph packaged as an op (PyTensor's ``pytensor.compile.builders``).

``op = OpFromGraph([x, y], [x + y * 2])`` makes an op; ``op(a, b)`` is a node standing for the
graph with ``a`` and ``b`` in place of ``x`` and ``y``.  Shared variables the graph reads are
inputs of the node too (PyTensor's implicit inputs), so a function compiled from it finds
them.  Rewriting inlines the node (``inline_op_from_graph``: the graph itself replaces it,
whatever ``inline`` says — the values are the same, and the rules then see through it);
compiled without rewriting, the node runs its graph linked by the backend at work.

Derivatives go through the graph unless overridden, as in PyTensor:

- ``pullback`` (PyTensor 3's name; ``lop_overrides``, deprecated there, warns):
  ``lop(inputs, outputs, output_grads) ->`` one gradient per input; ``grad_overrides``
  (PyTensor 2's): ``grad(inputs, output_grads)`` likewise;
- either may be a list with one entry per input: a callable of those arguments giving that
  input's gradient, ``None`` for the graph's own gradient, or a marker variable
  (``disconnected_type()``, ``grad_undefined(...)``);
- ``pushforward`` (``rop_overrides``, deprecated, warns): ``rop(inputs, eval_points) ->``
  one tangent per output, or a list with one entry per output (a callable of those arguments,
  ``None`` for the graph's own, a marker).  Without it, forward mode through an op with a
  reverse override is derived from two pullbacks (PyTensor 3's default);
- an ``OpFromGraph`` is accepted where a callable is (called on the same arguments, flattened).

The graph's own derivatives for the ``None`` entries come from autodiff, a layer above this
one, through :data:`arignote.graph.hooks.op_from_graph_derivatives` (installed by
``arignote.compile.builders``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from arignote.graph import hooks
from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.linking import current_linking
from arignote.graph.op import NoBatchingRule, Op
from arignote.graph.replace import graph_replace
from arignote.graph.shared import SharedVariable
from arignote.graph.traversal import graph_inputs
from arignote.graph.type import NullType
from arignote.graph.utils import MissingInputError
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.type import TensorType

__all__ = ["OpFromGraph"]

#: ``(pull_back, push_forward, disconnected_type)`` of :mod:`arignote.autodiff`
#: an override: a callable, or a list of entries (callable, None, or a marker variable)
Override = Callable[..., Any] | list[Any]


def _as_callable(value: Any) -> Any:
    if isinstance(value, OpFromGraph):  # called on the arguments, flattened (PyTensor's form)
        op = value

        def call(*lists: Sequence[Variable]) -> Any:
            if len(lists) == 3:  # a pullback's (inputs, outputs, output_grads): an op takes no marker
                from arignote.tensor.alloc import zeros_like

                ins, outs, grads = lists
                lists = (ins, outs, [zeros_like(o) if _is_marker(g) else g for o, g in zip(outs, grads)])
            return list(op.make_node(*[v for group in lists for v in group]).outputs)
        return call
    return value


def _is_marker(value: Any) -> bool:
    return isinstance(value, Variable) and not isinstance(value.type, TensorType)


def _override(value: Any, what: str, count: int, per: str) -> Override | None:
    if value is None or (isinstance(value, str) and value == "default"):
        return None
    if isinstance(value, (list, tuple)):
        if len(value) != count:
            raise ValueError(f"OpFromGraph({what}=[...]): one entry per {per} ({count}), got {len(value)}")
        entries = []
        for k, entry in enumerate(value):
            if isinstance(entry, str) and entry == "default":
                entry = None
            if isinstance(entry, Variable) and not _is_marker(entry):
                raise TypeError(f"OpFromGraph({what}=[...]): entry {k} is a variable of type {entry.type}; "
                                "a variable entry must be a marker (disconnected_type(), grad_undefined)")
            if entry is not None and not isinstance(entry, Variable) and not callable(entry):
                raise TypeError(f"OpFromGraph({what}=[...]): entry {k} must be a callable, None or a "
                                f"marker variable, got {type(entry).__name__}")
            entries.append(_as_callable(entry))
        return entries
    if not callable(value):
        raise TypeError(f"OpFromGraph: {what} must be a callable or a list, got {type(value).__name__}")
    return _as_callable(value)


def _one_of(old: Any, new: Any, old_name: str, new_name: str) -> Any:
    """The override given by PyTensor 3's name ``new_name`` or its deprecated ``old_name``
    (which warns, as PyTensor 3 does)."""
    if old is None:
        return new
    if new is not None:
        raise ValueError(f"OpFromGraph: {old_name} and {new_name} are mutually exclusive")
    warnings.warn(f"{old_name} is deprecated in favor of {new_name}.", FutureWarning, stacklevel=3)
    return old


class OpFromGraph(Op):
    """The graph from ``inputs`` to ``outputs`` as an op (see the module docstring)."""

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable] | Variable, *,
                 inline: bool = False, lop_overrides: Any = None, grad_overrides: Any = None,
                 rop_overrides: Any = None, pullback: Any = None, pushforward: Any = None,
                 connection_pattern: Any = None, strict: bool = False,
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
        n_in = len(inputs)
        lop = _one_of(lop_overrides, pullback, "lop_overrides", "pullback")
        self.lop = _override(lop, "lop_overrides", n_in, "input")
        self.grad_override = _override(grad_overrides, "grad_overrides", n_in, "input")
        if self.lop is not None and self.grad_override is not None:
            raise ValueError("OpFromGraph: give lop_overrides or grad_overrides, not both")
        rop = _one_of(rop_overrides, pushforward, "rop_overrides", "pushforward")
        self.rop = _override(rop, "rop_overrides", len(outs), "output")
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
        if self.lop is not None or self.grad_override is not None or self.rop is not None:
            return None  # the op's own rules (pullback, pushforward)
        return self.inlined(inputs)

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        override = self.lop if self.lop is not None else self.grad_override
        if override is None:  # only forward mode is overridden
            return self._graph_pullback(inputs, cotangents, list(range(len(inputs))))
        # an output the cost does not reach gets PyTensor's disconnected marker
        disconnected = hooks.op_from_graph_derivatives.get()[2]
        grads = [disconnected() if g is None else g for g in cotangents]
        given = list(inputs[:self.n_given])
        args = (given, list(outputs), grads) if self.lop is not None else (given, grads)
        if not isinstance(override, list):
            result = list(override(*args))
            if len(result) != self.n_given:
                raise ValueError(f"{self}: the gradient override gave {len(result)} gradient(s) for "
                                 f"{self.n_given} input(s)")
            return result + [None] * len(self.implicit)
        # per input; the graph's own for None entries and for the shared variables it reads
        own = [k for k, entry in enumerate(override) if entry is None]
        own += list(range(self.n_given, len(inputs)))
        defaults = dict(zip(own, self._graph_pullback(inputs, cotangents, own)))
        return [defaults[k] if k in defaults else _entry(override[k], args, self, f"input {k}")
                for k in range(len(inputs))]

    def _graph_pullback(self, inputs: Sequence[Variable], cotangents: Sequence[Variable | None],
                        positions: list[int]) -> list[Variable | None]:
        if not positions:
            return []
        pull_back = hooks.op_from_graph_derivatives.get()[0]
        return list(pull_back(self.inlined(inputs), [inputs[k] for k in positions], list(cotangents)))

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        """The tangents from ``rop_overrides`` (the graph's own for its ``None`` entries);
        without it, NotImplementedError: forward mode then uses two pullbacks."""
        from arignote.tensor.alloc import zeros_like

        if self.rop is None:
            raise NotImplementedError(f"{self} has a reverse override and no rop_overrides")
        given = list(inputs[:self.n_given])
        points = [zeros_like(i) if t is None else t for i, t in zip(given, tangents)]
        if not isinstance(self.rop, list):
            result = list(self.rop(given, points))
            if len(result) != len(outputs):
                raise ValueError(f"{self}: rop_overrides gave {len(result)} tangent(s) for "
                                 f"{len(outputs)} output(s)")
            return [_tangent(t, self, f"output {k}") for k, t in enumerate(result)]
        own = [k for k, entry in enumerate(self.rop) if entry is None]
        defaults: dict[int, Variable | None] = {}
        if own:
            push_forward = hooks.op_from_graph_derivatives.get()[1]
            inlined = self.inlined(inputs)
            defaults = dict(zip(own, push_forward([inlined[k] for k in own], list(inputs), list(tangents))))
        return [defaults[k] if k in defaults
                else _tangent(_entry(self.rop[k], (given, points), self, f"output {k}"), self, f"output {k}")
                for k in range(len(outputs))]

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


def _entry(entry: Any, args: tuple[Any, ...], op: OpFromGraph, what: str) -> Any:
    """One entry of an override list: a marker as it is, a callable's single variable."""
    if isinstance(entry, Variable):
        return entry
    value = entry(*args)
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ValueError(f"{op}: the override of {what} gave {len(value)} values; it gives one")
        value = value[0]
    return value


def _tangent(value: Any, op: OpFromGraph, what: str) -> Variable | None:
    """A tangent from an override: a disconnected marker is no tangent; an undefined one fails."""
    if isinstance(value, Variable) and isinstance(value.type, NullType):
        from arignote.graph.op import NotDifferentiable

        raise NotDifferentiable(f"{op}: the tangent of {what}: {value.type.why}")
    if _is_marker(value):
        return None
    return value
