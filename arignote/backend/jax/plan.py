"""Which nodes JAX computes, which are known while tracing, and what cannot work.

JAX compiles a function for fixed input shapes, so everything that depends
only on shapes and constants is known while it traces: ``x.shape``, the
arithmetic on it, constant index vectors.  The plan finds these *static*
values and has NumPy compute them at trace time, so that the ops whose
output shape depends on an input (reshape, alloc, arange, slicing) get
plain numbers.  Every other node is lowered to JAX through the registry.

A graph that cannot work raises one :class:`JaxCompileError` listing every
node that is the reason, with the user line that built it: ops without a
JAX lowering whose inputs are not static, and ops whose shape-deciding
inputs depend on run-time values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from arignote.backend.jax.registry import Entry, Registry, ShapeDependsOnValues
from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.sourceinfo import format_source
from arignote.graph.traversal import toposort, walk_inputs
from arignote.loop.checks import CheckSteps
from arignote.tensor.extra_ops import BinCount, Unique
from arignote.tensor.nonzero import FlatNonzero, Nonzero
from arignote.tensor.shape import Shape, ShapeI

#: ops that read only the *shape* of some inputs (static under JAX): op type -> first such input.
#: Their output is static when the inputs before that one are; their lowering then gives NumPy.
SHAPE_READERS: dict[type, int] = {Shape: 0, ShapeI: 0, CheckSteps: 1}
#: ops whose output *shape* depends on their input values: JAX cannot trace them
VALUE_SHAPED = (BinCount, FlatNonzero, Nonzero, Unique)

#: problem kinds: JAX's static shapes rule the node out / the backend lacks a lowering
STATIC_SHAPES = "static shapes"
NOT_IMPLEMENTED = "not implemented"


def _shape_only_from(node: Apply) -> int | None:
    """The first input of ``node`` whose shape alone it reads (None: it reads every value)."""
    for klass in type(node.op).__mro__:
        if klass in SHAPE_READERS:
            return SHAPE_READERS[klass]
    return None


class StaticShapeError(ValueError):
    """Raised at run time when a value breaks what JAX fixed while tracing (a loop that ran
    fewer steps than the rows it must return)."""

    only_static_shapes = True


class JaxCompileError(NotImplementedError):
    """A graph the JAX backend cannot compile.

    ``problems`` lists ``(node, reason, kind)`` for every node that is a
    reason; ``kind`` is ``STATIC_SHAPES`` when JAX's need to know every shape
    while tracing rules the node out, ``NOT_IMPLEMENTED`` otherwise.
    """

    def __init__(self, problems: Sequence[tuple[Apply, str, str]]) -> None:
        self.problems = list(problems)
        lines = [f"the JAX backend cannot compile this graph ({len(self.problems)} "
                 f"problem{'s' if len(self.problems) != 1 else ''}):"]
        for node, reason, _ in self.problems:
            where = format_source(node.source)
            lines.append(f"  - {node.op}" + (f" (built at {where})" if where else "") + f": {reason}")
        super().__init__("\n".join(lines))

    @property
    def only_static_shapes(self) -> bool:
        """Whether every problem comes from JAX's static shapes (none from a missing lowering)."""
        return all(kind == STATIC_SHAPES for _, _, kind in self.problems)

    @property
    def only_foreign_ops(self) -> bool:
        """Whether every problem is an op defined outside arignote that has no JAX lowering."""
        return all(kind == NOT_IMPLEMENTED and not type(node.op).__module__.startswith("arignote.")
                   for node, _, kind in self.problems)


@dataclass
class Plan:
    """The schedule and, per node, how it is computed while JAX traces."""

    nodes: list[Apply]
    #: ids of the variables whose value is a NumPy array while tracing
    static: set[int] = field(default_factory=set)
    #: ids of the nodes computed with NumPy (``op.py_impl``) while tracing
    numpy_nodes: set[int] = field(default_factory=set)
    #: the lowering of every node JAX computes
    entries: dict[int, Entry] = field(default_factory=dict)

    def is_static(self, var: Variable) -> bool:
        return id(var) in self.static


def _small(var: Variable) -> bool:
    """Shape-like values (scalars, integer vectors): cheap to compute with NumPy while tracing."""
    kind = getattr(var.type, "numpy_dtype", None)
    ndim = getattr(var.type, "ndim", None)
    return ndim == 0 or (ndim == 1 and kind is not None and kind.kind in "biu")


def make_plan(inputs: Sequence[Variable], outputs: Sequence[Variable], registry: Registry,
              static_inputs: Sequence[Variable] = ()) -> Plan:
    """The plan for computing ``outputs`` from ``inputs``; JaxCompileError if it cannot work.

    ``static_inputs`` are inputs whose values will be NumPy arrays while
    tracing (a loop body's constants that are static outside the loop).
    """
    nodes = toposort(outputs)
    plan = Plan(nodes)
    known = {id(v) for v in static_inputs}
    given = {id(v) for v in inputs} - known

    # 1. values that can be known while tracing: constants, shapes, and what follows from them
    static_capable: set[int] = set(known)
    for var in (v for n in nodes for v in n.inputs):
        if isinstance(var, Constant) and id(var) not in given:
            static_capable.add(id(var))
    for node in nodes:
        foldable = getattr(node.op, "foldable", True)
        reads_shapes = _shape_only_from(node)
        if reads_shapes is not None:
            if all(id(v) in static_capable for v in node.inputs[:reads_shapes]):
                static_capable.update(id(o) for o in node.outputs)
        elif foldable and all(id(v) in static_capable for v in node.inputs):
            static_capable.update(id(o) for o in node.outputs)

    # 2. values that must be known while tracing (shape-deciding inputs), and their ancestors
    required: set[int] = set()
    entries = {id(node): registry.entry(node.op) for node in nodes}
    for node in nodes:
        entry = entries[id(node)]
        if entry is not None:
            for position in entry.static_inputs(node):
                var = node.inputs[position]
                if id(var) in static_capable:
                    required.add(id(var))
    for node in reversed(nodes):
        if any(id(o) in required for o in node.outputs):
            reads_shapes = _shape_only_from(node)
            required.update(id(v) for v in node.inputs[:reads_shapes])

    # 3. decide each node, in order, collecting every problem
    static = {i for i in static_capable if i not in {id(o) for n in nodes for o in n.outputs}} | known
    problems: list[tuple[Apply, str, str]] = []
    for node in nodes:
        entry = entries[id(node)]
        all_static = all(id(v) in static for v in node.inputs)
        reads_shapes = _shape_only_from(node)
        if reads_shapes is not None and entry is not None:
            plan.entries[id(node)] = entry  # its lowering gives NumPy values when it can
            if all(id(v) in static for v in node.inputs[:reads_shapes]):
                static.update(id(o) for o in node.outputs)
            continue
        if all_static and getattr(node.op, "foldable", True) and (
                entry is None or all(_small(o) for o in node.outputs)
                or any(id(o) in required for o in node.outputs)):
            plan.numpy_nodes.add(id(node))
            static.update(id(o) for o in node.outputs)
            continue
        if isinstance(node.op, VALUE_SHAPED):
            problems.append((node, "the length of its result depends on the values in its input, "
                                   f"which {_depends_on(node.inputs[0], inputs)}; JAX must know "
                                   "every shape while tracing", STATIC_SHAPES))
            continue
        if entry is None:
            problems.append((node, "the JAX backend has no implementation of this op"
                                   + _dynamic_inputs_note(node, static), NOT_IMPLEMENTED))
            continue
        reason = entry.why_unsupported(node)
        if reason is not None:
            kind = STATIC_SHAPES if isinstance(reason, ShapeDependsOnValues) else NOT_IMPLEMENTED
            problems.append((node, str(reason), kind))
            continue
        for position in entry.static_inputs(node):
            var = node.inputs[position]
            if id(var) not in static:
                problems.append((node, f"input {position} ({var}) decides the shape of the result, "
                                       f"so JAX must know it while tracing, but it "
                                       f"{_depends_on(var, inputs)}", STATIC_SHAPES))
        plan.entries[id(node)] = entry
        if entry.static_outputs is not None:
            flags = tuple(id(v) in static for v in node.inputs)
            static.update(id(node.outputs[k]) for k in entry.static_outputs(node, flags))
    if problems:
        raise JaxCompileError(problems)
    plan.static = static
    return plan


def _dynamic_inputs_note(node: Apply, static: set[int]) -> str:
    dynamic = [str(v) for v in node.inputs if id(v) not in static]
    if not dynamic:
        return ""
    return f" (only NumPy can run it, on inputs known while tracing; {', '.join(dynamic)} " \
           f"{'are' if len(dynamic) > 1 else 'is'} not)"


def _depends_on(var: Variable, inputs: Sequence[Variable]) -> str:
    """'depends on the values of x, n': the graph inputs whose values (not shapes) ``var`` needs."""
    needed = [str(v) for v in walk_inputs(var, lambda node: node.inputs[:_shape_only_from(node)])
              if v.owner is None and not isinstance(v, Constant)]
    if not needed:
        return "is computed by ops JAX cannot run while tracing"
    return f"depends on the value{'s' if len(needed) > 1 else ''} of {', '.join(sorted(set(needed)))}"
