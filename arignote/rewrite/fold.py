"""Constant folding: nodes whose inputs are all constants become constants."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from arignote.config import config
from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.traversal import toposort


def fold_constants(outputs: Sequence[Variable]) -> list[Variable]:
    """``outputs`` with every all-constant subgraph evaluated at compile time.

    Results larger than ``config.max_folded_constant_size`` elements stay
    symbolic, so folding never bloats a graph with big arrays.
    """
    from arignote.tensor.basic import constant

    mapping: dict[Variable, Variable] = {}
    limit = config.max_folded_constant_size
    for node in toposort(outputs):
        inputs = [mapping.get(v, v) for v in node.inputs]
        if all(isinstance(v, Constant) for v in inputs) and getattr(node.op, "foldable", True):
            new_node = node.op.make_node(*inputs) if any(
                a is not b for a, b in zip(inputs, node.inputs)) else node
            values = _evaluate(new_node, [v.data for v in inputs])
            if len(new_node.outputs) == 1:
                values = (values,)
            arrays = [np.asarray(v) for v in values]
            if all(a.size <= limit for a in arrays):
                for old, out, array in zip(node.outputs, new_node.outputs, arrays):
                    mapping[old] = constant(array.astype(out.type.dtype, copy=False))
                continue
            new_outputs = new_node.outputs
        elif any(a is not b for a, b in zip(inputs, node.inputs)):
            new_outputs = node.op.make_node(*inputs).outputs
        else:
            continue
        for old, new in zip(node.outputs, new_outputs):
            mapping[old] = new
    return [mapping.get(v, v) for v in outputs]


def _evaluate(node: Apply, values: list) -> object:
    """Run ``node`` at compile time; a failure names the op and the user line."""
    from arignote.backend.python.linker import describe_node

    try:
        return node.op.py_impl(node)(*values)
    except Exception as exc:
        message = f"{describe_node(node)} failed on constant inputs: {exc}"
        try:
            error = type(exc)(message)
        except Exception:
            exc.add_note(message)
            raise exc from None
        raise error from exc
