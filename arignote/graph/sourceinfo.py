"""Where in user code a node was built: file and line, found cheaply.

While a rewrite replaces a node, the nodes it creates inherit the replaced
node's line (:func:`carry_source`), so errors keep pointing at user code.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import FrameType

    from arignote.graph.basic import Apply

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

Source = tuple[str, int]

_LOOK_AT_STACK = object()
# The source that new nodes take while a rewrite runs (or: look at the call stack).  A context
# variable, not a module global: one per thread (or task), so that threads building graphs at
# once do not take each other's; `carry_source` sets it for a block and restores it after.
_carried: contextvars.ContextVar[object] = contextvars.ContextVar("arignote_carried_source",
                                                                   default=_LOOK_AT_STACK)


def user_source() -> Source | None:
    """The (filename, line) of the innermost frame outside the arignote package."""
    carried = _carried.get()
    if carried is not _LOOK_AT_STACK:
        return carried  # type: ignore[return-value]
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR):
            return filename, frame.f_lineno
        frame = frame.f_back
    return None


@contextlib.contextmanager
def carry_source(source: Source | None) -> Iterator[None]:
    """Nodes built inside the block record ``source`` as where they come from."""
    token = _carried.set(source)
    try:
        yield
    finally:
        _carried.reset(token)


def format_source(source: Source | None) -> str:
    """A short "file:line" string, or "" when the line is not known."""
    if source is None:
        return ""
    return f"{source[0]}:{source[1]}"


def describe_node(node: Apply) -> str:
    """``Op`` plus the user line that built it, for error messages."""
    where = format_source(node.source)
    return f"{node.op}" + (f" (built at {where})" if where else "")
