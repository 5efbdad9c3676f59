"""`Composite`: a scalar op whose meaning is a small graph of elementwise ops.

The fusion pass replaces a connected group of elementwise nodes by one
``Elemwise(Composite(...))`` node; the composite's inner graph says what the
group computed, element by element.

Representation.  The inner graph is arignote's own graph: the formal inputs
are 0-d tensor variables and the nodes are ordinary ``Elemwise`` nodes over
them (0-d constants appear as themselves).  A separate scalar IR would need
its own types, interning, dtype rules, printing and traversal; reusing the
tensor graph gives all of them for free, and in particular:

- interning makes equality structural: the same expression built on the same
  inner inputs *is* the same nodes, so two composites are equal exactly when
  their output variables are identical, and fused nodes intern like any other;
- an inner node's dtype comes from the same ``ScalarOp.output_dtype`` as the
  node it replaces, so a fused graph cannot drift from the unfused one;
- a backend walks :attr:`Composite.nodes`, a topological list of ``Apply``
  nodes each applying one scalar op to inner variables, and emits one
  statement per node (the ``py`` implementation below does exactly that).

Because the inner graph is made of tensor nodes, ``Composite`` lives in the
tensor layer, not beside the other scalar ops (which know nothing of tensors).

The formal inputs are canonical (:func:`composite_inputs`): the k-th input of
a given dtype is the same variable in every composite, so fusing the same
expression twice gives equal composites.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.serialize import FlatGraph, flatten, rebuild
from arignote.graph.sourceinfo import carry_source
from arignote.graph.traversal import toposort
from arignote.scalar.basic import ScalarOp
from arignote.tensor.composite_codegen import generate, render
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.type import TensorType

# (position, dtype) -> the canonical formal input; a few hundred variables at most in practice
_canonical_inputs: dict[tuple[int, str], Variable] = {}
_scalar_types: dict[str, TensorType] = {}


def scalar_type(dtype: Any) -> TensorType:
    """The 0-d tensor type of ``dtype`` (cached: inner graphs build many nodes)."""
    found = _scalar_types.get(dtype)
    if found is None:
        found = _scalar_types[dtype] = TensorType(dtype, ())
    return found


def composite_input(position: int, dtype: Any) -> Variable:
    """The canonical ``position``-th formal input of a composite, of ``dtype``."""
    kind = scalar_type(dtype)
    key = (position, kind.dtype)
    found = _canonical_inputs.get(key)
    if found is None:
        # setdefault is atomic: two threads making the first one agree on the winner
        found = _canonical_inputs.setdefault(key, kind.make_variable(f"i{position}"))
    return found


def composite_inputs(dtypes: Sequence[Any]) -> list[Variable]:
    """The canonical formal inputs for a composite taking ``dtypes``."""
    return [composite_input(k, d) for k, d in enumerate(dtypes)]


class Composite(ScalarOp):
    """The elementwise function given by the inner graph from ``inputs`` to ``outputs``.

    ``inputs`` are distinct 0-d input variables (use :func:`composite_inputs`
    so that equal expressions give equal composites); ``outputs`` are 0-d
    variables computed from them by ``Elemwise`` nodes and 0-d constants.
    Nested composites are inlined.  Immutable: equality is identity of the
    inner inputs and outputs (structural, thanks to interning); the hash is
    computed once.
    """

    #: ``impl`` returns ndarrays of exactly the declared dtypes, for any input arrays
    exact_array_impl = True

    # set once by __init__ (the base class is frozen); _impl and _text are caches
    inputs: tuple[Variable, ...]
    outputs: tuple[Variable, ...]
    nodes: list[Apply]
    _hash: int
    _impl: Callable[..., Any] | None
    _text: str | None

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable]) -> None:
        inputs, outputs = tuple(inputs), tuple(outputs)
        _check_signature(inputs, outputs)
        nodes = toposort(outputs)
        if any(isinstance(n.op.scalar_op, Composite) for n in nodes if hasattr(n.op, "scalar_op")):
            outputs = _inline_nested(outputs, nodes)
            nodes = toposort(outputs)
        _check_inner_graph(inputs, nodes)
        set_ = object.__setattr__  # the base class is a frozen dataclass
        set_(self, "inputs", inputs)
        set_(self, "outputs", outputs)
        set_(self, "nodes", nodes)
        set_(self, "_hash", hash((Composite, tuple(map(id, inputs)), tuple(map(id, outputs)))))
        set_(self, "_impl", None)
        set_(self, "_text", None)

    @classmethod
    def from_function(cls, fn: Callable[..., Any], dtypes: Sequence[Any]) -> Composite:
        """The composite computing ``fn(*inputs)`` (one variable or a sequence) on canonical inputs."""
        params = composite_inputs(dtypes)
        result = fn(*params)
        outputs = list(result) if isinstance(result, (list, tuple)) else [result]
        return cls(params, outputs)

    # --- identity -------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        return self is other or (type(other) is Composite and self._hash == other._hash
                                 and self.outputs == other.outputs and self.inputs == other.inputs)

    def __hash__(self) -> int:
        return self._hash

    # --- the ScalarOp interface -----------------------------------------------------
    @property
    def nin(self) -> int:  # type: ignore[override]
        return len(self.inputs)

    @property
    def nout(self) -> int:  # type: ignore[override]
        return len(self.outputs)

    @property
    def name(self) -> str:
        return "composite"

    def output_dtypes(self, *dtypes: np.dtype) -> tuple[np.dtype, ...]:
        wanted = [v.type.numpy_dtype for v in self.inputs]
        if [np.dtype(d) for d in dtypes] != wanted:
            given = ", ".join(np.dtype(d).name for d in dtypes)
            expected = ", ".join(d.name for d in wanted)
            raise TypeError(f"{self} takes inputs of dtype ({expected}), got ({given})")
        return tuple(v.type.numpy_dtype for v in self.outputs)

    def output_dtype(self, *dtypes: np.dtype) -> np.dtype:
        if len(self.outputs) != 1:
            raise TypeError(f"{self} has {len(self.outputs)} outputs; use output_dtypes")
        return self.output_dtypes(*dtypes)[0]

    def impl(self, *inputs: Any) -> Any:
        """The inner graph evaluated on whole arrays (a tuple when there are several outputs)."""
        run = self._impl
        if run is None:
            run = generate(self)
            object.__setattr__(self, "_impl", run)
        return run(*inputs)

    # --- printing -------------------------------------------------------------------
    def formula(self, limit: int = 400) -> str:
        """The outputs as infix formulas over ``i0, i1, ...``, comma-separated."""
        return render(self, limit)

    def __str__(self) -> str:
        text = self._text
        if text is None:
            text = f"Composite{{{self.formula()}}}"
            object.__setattr__(self, "_text", text)
        return text

    __repr__ = __str__

    def __reduce__(self) -> Any:
        # the inner graph as records over the canonical inputs: unpickled, it is interned
        # again, so the composite equals the one pickled (and pickles the same way in
        # every process: the program cache's keys rely on that)
        flat, _ = flatten(self.inputs, self.outputs, source_of=lambda node: None)
        return (_composite_from_records, (tuple(v.type.dtype for v in self.inputs), flat))


def _check_signature(inputs: tuple[Variable, ...], outputs: tuple[Variable, ...]) -> None:
    if not outputs:
        raise ValueError("Composite needs at least one output")
    if len({id(v) for v in inputs}) != len(inputs):
        raise ValueError("Composite: the inner inputs must be distinct variables")
    for position, var in enumerate(inputs):
        if var.owner is not None or isinstance(var, Constant) or not _is_scalar(var):
            raise TypeError(f"Composite: inner input {position} must be a 0-d tensor input "
                            f"variable (see composite_inputs), got {var} of type {var.type}")
    for position, var in enumerate(outputs):
        if not _is_scalar(var):
            raise TypeError(f"Composite: inner output {position} must be a 0-d tensor, got {var.type}")


def _is_scalar(var: Variable) -> bool:
    return isinstance(var.type, TensorType) and var.type.ndim == 0


def _check_inner_graph(inputs: tuple[Variable, ...], nodes: list[Apply]) -> None:
    formal = {id(v) for v in inputs}
    for node in nodes:
        if not isinstance(node.op, Elemwise):
            raise TypeError(f"Composite: the inner graph may hold only elementwise nodes, got {node.op}")
        for var in node.inputs:
            if var.owner is None and id(var) not in formal and not isinstance(var, Constant):
                raise ValueError(f"Composite: the inner graph uses {var}, which is not an inner input")
            if not _is_scalar(var):
                raise TypeError(f"Composite: the inner graph uses {var} of type {var.type}, not a 0-d tensor")


def _inline_nested(outputs: tuple[Variable, ...], nodes: list[Apply]) -> tuple[Variable, ...]:
    """``outputs`` (whose nodes are ``nodes``, in order) with every inner
    ``Elemwise(Composite)`` node replaced by its inner graph."""
    mapping: dict[Variable, Variable] = {}
    with carry_source(None):
        for node in nodes:
            args = [mapping.get(v, v) for v in node.inputs]
            scalar_op = node.op.scalar_op
            if isinstance(scalar_op, Composite):
                new_outputs = inline(scalar_op, args)
            elif any(a is not b for a, b in zip(args, node.inputs)):
                new_outputs = build_inner(node.op, args, node.outputs)
            else:
                continue
            mapping.update(zip(node.outputs, new_outputs))
    return tuple(mapping.get(v, v) for v in outputs)


def build_inner(op: Any, args: Sequence[Variable], like: Sequence[Variable]) -> list[Variable]:
    """The (interned) inner node applying ``op`` to ``args``, with the output types of ``like``.

    Inner types are 0-d and depend only on dtypes, which the caller keeps, so
    going through ``make_node`` (broadcasting, dtype inference) is not needed.
    """
    return list(Apply.build(op, args, [v.type for v in like]).outputs)


def inline(composite: Composite, args: Sequence[Variable]) -> list[Variable]:
    """``composite``'s outputs computed from the 0-d variables ``args`` instead of its inputs."""
    if len(args) != len(composite.inputs):
        raise TypeError(f"{composite} takes {len(composite.inputs)} inputs, got {len(args)}")
    mapping: dict[Variable, Variable] = {}
    for formal, actual in zip(composite.inputs, args):
        if formal.type != actual.type:
            raise TypeError(f"{composite}: argument {actual} of type {actual.type} "
                            f"does not fit inner input of type {formal.type}")
        mapping[formal] = actual
    with carry_source(None):
        for node in composite.nodes:
            new_args = [mapping.get(v, v) for v in node.inputs]
            if all(a is b for a, b in zip(new_args, node.inputs)):
                continue
            mapping.update(zip(node.outputs, build_inner(node.op, new_args, node.outputs)))
    return [mapping.get(v, v) for v in composite.outputs]


def _composite_from_records(dtypes: Sequence[Any], flat: FlatGraph) -> Composite:
    """The composite pickled by ``Composite.__reduce__``."""
    inputs = composite_inputs(dtypes)
    outputs, _ = rebuild(flat, inputs)
    return Composite(inputs, outputs)
