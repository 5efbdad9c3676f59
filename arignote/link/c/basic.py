"""``pytensor.link.c.basic``: ``CLinker`` and ``OpWiseCLinker``, both arignote's C backend.

arignote compiles a whole graph to one C program (nodes without C code run as Python steps
inside it), so PyTensor's two ways of using C code name the same backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from arignote.link.basic import Container, Linker, PerformLinker
from arignote.tensor.approx import values_eq_approx

__all__ = ["CLinker", "DualLinker", "OpWiseCLinker"]


class CLinker(Linker):
    """The graph compiled to C: arignote's ``c`` backend."""

    arignote_backend = "c"


class OpWiseCLinker(Linker):
    """PyTensor's node-by-node C linker: arignote's ``c`` backend (``fallback_on_perform`` and
    ``nice_errors`` are accepted: nodes without C code always run as Python steps here)."""

    arignote_backend = "c"

    def __init__(self, fallback_on_perform: bool = True, allow_gc: bool | None = None,
                 nice_errors: bool = True, schedule: Any = None) -> None:
        super().__init__(allow_gc=allow_gc, schedule=schedule)
        self.fallback_on_perform = fallback_on_perform
        self.nice_errors = nice_errors


def _agree(py_cell: list[Any], c_cell: list[Any]) -> None:
    """The default check: the two values equal (approximately for floats, by dtype)."""
    a, b = np.asarray(py_cell[0]), np.asarray(c_cell[0])
    if not values_eq_approx(a, b):
        raise ValueError(f"DualLinker: the py backend gave {a!r}, the C backend {b!r}")


class DualLinker(Linker):
    """The graph run on the ``py`` backend and on C, each output checked to agree.

    ``checker(py_cell, c_cell)`` receives one-element lists holding the two values of an
    output and raises when they disagree (default: equal, approximately for floats, with
    tolerances by dtype).  PyTensor compares node by node; arignote's backends run a graph
    as one program, so the outputs of the graph are what is compared.  The C values are
    returned.
    """

    arignote_backend = "c"

    def __init__(self, checker: Callable[[list[Any], list[Any]], Any] = _agree,
                 schedule: Any = None) -> None:
        super().__init__(schedule=schedule)
        self.checker = checker

    def make_thunk(self, **kwargs: Any) -> tuple[Any, list[Container], list[Container]]:
        py_thunk, py_inputs, py_outputs = PerformLinker().accept(self.fgraph).make_thunk()
        c_thunk, c_inputs, c_outputs = CLinker().accept(self.fgraph).make_thunk()

        def thunk() -> None:
            for py_cell, c_cell in zip(py_inputs, c_inputs):
                py_cell.storage[0] = c_cell.storage[0]
            py_thunk()
            c_thunk()
            for py_cell, c_cell in zip(py_outputs, c_outputs):
                self.checker(py_cell.storage, c_cell.storage)
        return thunk, c_inputs, c_outputs
