"""PyTensor 3's ``pytensor.compile.maker`` path: ``function`` and its errors, and
``FunctionMaker``, what ``f.maker`` shows of a compiled function."""

from __future__ import annotations

from arignote.compile.function import Function, UnusedInputError, function
from arignote.graph.fg import FunctionGraph
from arignote.graph.utils import MissingInputError

__all__ = ["Function", "FunctionMaker", "MissingInputError", "UnusedInputError", "function"]


class FunctionMaker:
    """What a compiled function was made from: ``fgraph`` (the rewritten graph the program
    runs, a :class:`FunctionGraph` whose outputs are the function's outputs then the updates'
    values), ``inputs`` (the ``In`` of each input), ``mode`` and ``linker`` (its name)."""

    def __init__(self, f: Function) -> None:
        self.function = f
        self.inputs = list(f.input_specs)
        self.expanded_inputs = self.inputs
        self.outputs = list(f.user_outputs)
        self.mode = f.mode
        self.linker = f.mode.linker
        inputs = [*f.inputs, *f.shared]
        self.fgraph = FunctionGraph(inputs, f.graph_outputs, name=f.name)

    def __repr__(self) -> str:
        return f"<FunctionMaker of {self.function!r}>"
