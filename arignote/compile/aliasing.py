"""PyTensor's ``pytensor.compile.aliasing`` path: ``add_supervisor_to_fgraph``.

PyTensor attaches a supervisor to a graph so that in-place rewrites do not overwrite the
inputs a caller did not declare mutable.  arignote never writes into a graph's inputs (its
graphs are pure; in-place work is decided when a program is scheduled, on buffers the
program owns), so every input is already protected and there is nothing to attach.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.compile.io import In
from arignote.graph.fg import FunctionGraph

__all__ = ["add_supervisor_to_fgraph"]


def add_supervisor_to_fgraph(fgraph: FunctionGraph, input_specs: Sequence[In],
                             accept_inplace: bool = False) -> None:
    """Check ``input_specs`` (one ``In`` per input of ``fgraph``); the inputs need no more
    protection here (module docstring), whether ``mutable`` or not."""
    if not isinstance(fgraph, FunctionGraph):
        raise TypeError(f"add_supervisor_to_fgraph: expected a FunctionGraph, got {type(fgraph).__name__}")
    specs: list[Any] = list(input_specs)
    if len(specs) != len(fgraph.inputs):
        raise ValueError(f"add_supervisor_to_fgraph: {len(specs)} input specs for "
                         f"{len(fgraph.inputs)} inputs")
    for position, (spec, var) in enumerate(zip(specs, fgraph.inputs)):
        if not isinstance(spec, In) or spec.variable is not var:
            raise ValueError(f"add_supervisor_to_fgraph: spec {position} is not In() of the graph's "
                             f"input {position} ({var})")
