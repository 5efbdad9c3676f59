"""PyTensor's ``MonitorMode``: a mode calling user functions before and after each node runs.

``pre_func(fgraph, i, node, fn)`` and ``post_func(fgraph, i, node, fn)`` are called with the
compiled function's graph (a ``FunctionGraph``), the node's position in it, the node, and
``fn``, whose ``inputs`` and ``outputs`` are lists of one-element storage cells holding the
values (``fn.outputs[k][0]`` is None before the node ran), as PyTensor's thunks have.  The
function runs node by node (:mod:`arignote.compile.node_by_node`), each node with the
mode's linker, as ``NanGuardMode`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from arignote.compile.debug_modes import _init_mode
from arignote.compile.mode import Mode
from arignote.graph.basic import Apply, Variable
from arignote.graph.fg import FunctionGraph

__all__ = ["MonitorMode"]


@dataclass(frozen=True, init=False)
class MonitorMode(Mode):
    """A mode calling ``pre_func`` before and ``post_func`` after every node (module docstring)."""

    pre_func: Callable[..., Any] | None = field(default=None, compare=False)
    post_func: Callable[..., Any] | None = field(default=None, compare=False)

    def __init__(self, pre_func: Callable[..., Any] | None = None,
                 post_func: Callable[..., Any] | None = None, optimizer: Any = "default",
                 linker: Any = None, db: Any = None, include: tuple[str, ...] = (),
                 exclude: tuple[str, ...] = ()) -> None:
        _init_mode(self, linker, optimizer if db is None else db, include, exclude)
        object.__setattr__(self, "pre_func", pre_func)
        object.__setattr__(self, "post_func", post_func)

    def node_observers(self) -> list[Any]:
        return [_Monitor(self.pre_func, self.post_func)]


class _Cells:
    """What PyTensor's monitor functions receive as ``fn``: the node's values in cells."""

    def __init__(self, inputs: Sequence[Any], n_outputs: int) -> None:
        self.inputs = [[v] for v in inputs]
        self.outputs: list[list[Any]] = [[None] for _ in range(n_outputs)]


class _Monitor:
    def __init__(self, pre: Callable[..., Any] | None, post: Callable[..., Any] | None) -> None:
        self.pre, self.post = pre, post
        self.fgraph: FunctionGraph | None = None
        self.position: dict[Apply, int] = {}

    def attach(self, inputs: Sequence[Variable], outputs: Sequence[Variable], nodes: Sequence[Apply]) -> None:
        """Told the graph the program runs (by NodeByNodeProgram), for ``fgraph`` and ``i``."""
        self.fgraph = FunctionGraph(list(inputs), list(outputs))
        self.position = {node: i for i, node in enumerate(nodes)}

    def before(self, node: Apply, inputs: Sequence[Any]) -> _Cells:
        cells = _Cells(inputs, len(node.outputs))
        if self.pre is not None:
            self.pre(self.fgraph, self.position.get(node, -1), node, cells)
        return cells

    def after(self, node: Apply, inputs: Sequence[Any], outputs: Sequence[Any], token: Any) -> None:
        for cell, value in zip(token.outputs, outputs):
            cell[0] = value
        if self.post is not None:
            self.post(self.fgraph, self.position.get(node, -1), node, token)
