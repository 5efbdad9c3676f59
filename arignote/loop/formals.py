"""The inner inputs of loop bodies: canonical variables, so equal bodies are equal graphs.

A loop body is an ordinary arignote graph over *formal* inputs (the slice
of each sequence, the carried state, the constants).  As in
:mod:`arignote.tensor.composite`, the formals are canonical: the formal of a
given nesting depth, position, type and name is one variable, so building
the same step function twice gives the same inner nodes (interning) and
therefore equal loop ops, whose nodes intern like any other.

The nesting depth keeps formals apart while bodies are built: a step
function that builds a loop of its own refers to the outer loop's formals
as free variables, and they must not be mistaken for the inner loop's own
formals (which live one level deeper).  Once built, a body is *closed*: it
refers only to its own formals and to constants, so rewrites may reuse
formals of any depth without ambiguity.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from arignote.graph.basic import Variable
from arignote.graph.type import Type

# (depth, position, type, name) -> the formal; weak, so unused formals go away
_formals: weakref.WeakValueDictionary[tuple[Any, ...], Variable] = weakref.WeakValueDictionary()
# id(formal) -> its depth, for rewrites that rebuild a body at the same depth
_depths: dict[int, int] = {}
# How many step functions are being traced right now, nested (scan inside a step function).
# A context variable, not a module global: threads (or tasks) tracing at once each count their
# own; `tracing_body` increments it for a block and restores it after.
_building: contextvars.ContextVar[int] = contextvars.ContextVar("arignote_loop_building", default=0)
_formals_lock = threading.Lock()


def formal(depth: int, position: int, kind: Type, name: str | None = None) -> Variable:
    """The canonical formal input ``position`` of a body at nesting ``depth``."""
    key = (depth, position, kind, name)
    found = _formals.get(key)
    if found is None:
        with _formals_lock:  # two threads tracing at once must share one formal
            found = _formals.get(key)
            if found is None:
                found = kind.make_variable(name)
                _formals[key] = found
                _depths[id(found)] = depth
                weakref.finalize(found, _depths.pop, id(found), None)
    return found


def depth_of(var: Variable) -> int:
    """The nesting depth of a formal (0 for any other variable)."""
    return _depths.get(id(var), 0)


def current_depth() -> int:
    """The depth for formals of a body built now (one below the innermost being traced)."""
    return _building.get() + 1


@contextlib.contextmanager
def tracing_body() -> Iterator[int]:
    """Enter the tracing of a step function; yields the depth of its formals."""
    depth = _building.get() + 1
    token = _building.set(depth)
    try:
        yield depth
    finally:
        _building.reset(token)
