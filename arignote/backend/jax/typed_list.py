"""Typed lists on the JAX backend: refused, with the op named.

A list value crosses the compiled function as a Python list of arrays, which this backend's
wrapper would turn into one stacked array (or fail on ragged items) when it converts the
results; lowering the ops inside the traced function alone would therefore give wrong
results for list outputs.  Until the wrapper carries lists, a graph with a typed-list op
raises ``JaxCompileError`` naming the op; the PY and FAST_RUN modes run it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arignote.backend.jax.registry import LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.typed_list.basic import (
    Append,
    Count,
    Extend,
    GetItem,
    GetSlice,
    Index,
    Insert,
    Length,
    MakeList,
    Remove,
    Reverse,
)
from arignote.typed_list.cotangents import AddLists, PlaceItem, PlaceSlice, RestoreRemoved

LIST_OPS = (Append, Count, Extend, GetItem, GetSlice, Index, Insert, Length, MakeList, Remove, Reverse,
            AddLists, PlaceItem, PlaceSlice, RestoreRemoved)


def _why(node: Apply) -> str:
    return ("the JAX backend does not carry typed lists (Python lists of arrays); compile this "
            "graph with mode 'PY' or 'FAST_RUN'")


def _refused(op: Any, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    raise NotImplementedError(f"{op}: {_why(node)}")  # never reached: `unsupported` refuses first


jax_impl.register(*LIST_OPS, unsupported=_why)(_refused)
