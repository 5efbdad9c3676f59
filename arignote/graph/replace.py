"""Rebuilding a graph with some variables replaced.

Graphs are immutable, so a replacement rebuilds only the nodes downstream of
the replaced variables; every other node is shared with the original graph.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from arignote.graph import hooks
from arignote.graph.basic import Variable
from arignote.graph.registry import Registry
from arignote.graph.traversal import toposort


def _as_variable_like(old: Variable, new: Any) -> Variable:
    if isinstance(new, Variable):
        return new
    # allow plain values as replacements, converted to the type of the variable (by the tensor layer)
    return hooks.as_variable(new, dtype=getattr(old.type, "dtype", None))


def graph_replace(outputs: Any, replace: Mapping[Variable, Any] | Sequence[tuple[Variable, Any]],
                  strict: bool = True) -> Any:
    """``outputs`` with each key of ``replace`` substituted by its value.

    With ``strict`` the replacement's type must fit the variable's type (same
    dtype and rank, static dims may become known); without it any type the
    consuming ops accept will do.
    Returns the same structure as given: one variable, or a list.
    """
    items = replace.items() if isinstance(replace, Mapping) else replace
    mapping: dict[Variable, Variable] = {}
    for old, new in items:
        if not isinstance(old, Variable):
            raise TypeError(f"graph_replace: keys must be Variables, got {type(old).__name__}")
        new = _as_variable_like(old, new)
        if strict and not old.type.is_super(new.type):
            raise TypeError(f"graph_replace: replacement for {old} has type {new.type}, "
                            f"which does not fit {old.type} (pass strict=False to allow it)")
        mapping[old] = new
    single = isinstance(outputs, Variable)
    outs = [outputs] if single else list(outputs)
    rebuilt = rebuild(outs, mapping)
    return rebuilt[0] if single else rebuilt


def rebuild(outputs: Sequence[Variable], mapping: dict[Variable, Variable]) -> list[Variable]:
    """Rebuild ``outputs`` under the substitution ``mapping`` (extended in place)."""
    if not mapping:
        return list(outputs)
    for node in toposort(outputs):
        if any(var in mapping for var in node.outputs):
            continue  # replaced wholesale; its inputs do not matter
        new_inputs = [mapping.get(var, var) for var in node.inputs]
        if all(a is b for a, b in zip(new_inputs, node.inputs)):
            continue
        new_outputs = node.op.make_node(*new_inputs).outputs
        for old, new in zip(node.outputs, new_outputs):
            mapping[old] = new
    return [mapping.get(var, var) for var in outputs]


def clone_replace(output: Any, replace: Mapping[Variable, Any] | None = None, **_ignored: Any) -> Any:
    """PyTensor's ``clone_replace``: ``output`` with ``replace`` substituted.

    Interned graphs never need copying, so this is :func:`graph_replace`
    without the type check.
    """
    return graph_replace(output, replace or {}, strict=False)


def vectorize_graph(outputs: Any, replace: Mapping[Variable, Any]) -> Any:
    """PyTensor's ``vectorize_graph`` (this is its path): ``outputs`` rebuilt with each key of
    ``replace`` swapped for its value, which may carry extra leading batch dims that every
    node downstream then gets (:func:`arignote.tensor.functional.vectorize_graph`)."""
    graph_fn, _ = hooks.vectorize.get()
    return graph_fn(outputs, replace)


#: ``op type -> fn(op, node, *batched_inputs)`` returning the batched node (an Apply) or its
#: outputs: how a user's op is vectorized, registered through ``_vectorize_node.register``
#: and tried before every built-in way (:func:`arignote.tensor.vectorize_node.vectorize_node`)
node_vectorizers: Registry[Callable[..., Any]] = Registry("_vectorize_node")


class _NodeVectorizer:
    """PyTensor's ``_vectorize_node``: called as ``_vectorize_node(op, node, *batched_inputs)``
    it gives the node of ``op`` applied to ``batched_inputs`` (``node.inputs`` with extra
    leading batch dims); ``_vectorize_node.register(OpType)`` decorates a function of the same
    arguments that batches nodes of ``OpType`` (and its subclasses), as PyTensor's
    single-dispatch function does."""

    def register(self, op_type: type, func: Callable[..., Any] | None = None) -> Any:
        """Register ``func`` (or, used as a decorator, the decorated function) for ``op_type``."""
        if not isinstance(op_type, type):
            raise TypeError(f"_vectorize_node.register takes an op class, got {op_type!r}")

        def add(fn: Callable[..., Any]) -> Callable[..., Any]:
            node_vectorizers.add(op_type, fn, replace=True)  # a later registration wins, as in singledispatch
            return fn
        return add if func is None else add(func)

    def dispatch(self, op_type: type) -> Callable[..., Any] | None:
        """The function registered for ``op_type`` or its nearest base class, else None."""
        return node_vectorizers.lookup(op_type)

    def __call__(self, op: Any, node: Any, *batched_inputs: Variable) -> Any:
        _, node_fn = hooks.vectorize.get()
        if op != node.op:
            raise ValueError(f"_vectorize_node: op {op} is not the op of {node}")
        outputs = node_fn(node, *batched_inputs)
        owner = outputs[0].owner
        if owner is not None and list(owner.outputs) == list(outputs):
            return owner
        # some outputs come from other nodes (a shape computed apart): there is no one node to give
        raise NotImplementedError(f"_vectorize_node: the vectorized form of {node.op} is not one node; "
                                  f"use vectorize_graph to get its outputs")


_vectorize_node = _NodeVectorizer()
