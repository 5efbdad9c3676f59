"""The ``py`` backend, the reference: each node runs its NumPy implementation (``linker.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.backend import linkers
from arignote.backend.python.linker import PyProgram
from arignote.graph.basic import Variable


@linkers.register("py")
def link_py(inputs: Sequence[Variable], outputs: Sequence[Variable]) -> Any:
    """A :class:`~arignote.backend.python.linker.PyProgram` computing ``outputs``."""

    return PyProgram(inputs, outputs)
