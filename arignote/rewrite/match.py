"""Small helpers for rule functions: look through a variable's producer."""

from __future__ import annotations

from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable


def match(var: Variable, scalar_type: type) -> Variable | None:
    """The single input of ``var``'s elementwise producer if its scalar op is ``scalar_type``.

    For several inputs use :func:`match_op`.
    """
    node = match_op(var, scalar_type)
    if node is None or len(node.inputs) != 1:
        return None
    return node.inputs[0]


def match_op(var: Variable, kind: type) -> Apply | None:
    """``var``'s producing node if its op (or elementwise scalar op) is a ``kind``."""
    node = var.owner
    if node is None:
        return None
    op = node.op
    if isinstance(op, kind):
        return node
    if op.maps_scalar_op and isinstance(op.scalar_op, kind):
        return node
    return None


def constant_value(var: Variable) -> Any:
    """The single value held by a constant whose elements are all equal, else None."""
    if not isinstance(var, Constant):
        return None
    data = var.data
    if data.size == 0:
        return None
    first = data.reshape(-1)[0]
    if data.size == 1 or np.all(data == first):
        return first.item()
    return None
