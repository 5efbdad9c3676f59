"""``pytensor.link.basic``: the linker base, ``PerformLinker`` (the ``py`` backend) and ``Container``.

A linker names an arignote backend (``arignote_backend``), which ``Mode(linker=...)`` uses.
``linker.accept(fgraph).make_thunk()`` gives PyTensor's triple: a thunk running the graph
(compiled as given, without rewrites, on that backend), and the input and output containers
it reads and fills.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar, NoReturn

from arignote.compile.function import function
from arignote.compile.io import Container
from arignote.compile.mode import Mode

__all__ = ["Container", "Linker", "PerformLinker", "UnavailableLinker", "WrapLinker"]


class Linker:
    """A backend choice for ``Mode(linker=...)``: ``arignote_backend`` is arignote's name for it."""

    #: the arignote backend this linker runs on ("py", "c" or "jax")
    arignote_backend: ClassVar[str]
    fgraph: Any = None

    def __init__(self, allow_gc: bool | None = None, schedule: Any = None) -> None:
        # arignote's backends free intermediate values themselves and order nodes themselves
        if schedule is not None:
            raise ValueError(f"{type(self).__name__}(schedule=...): arignote orders the nodes "
                             "itself and takes no schedule")
        self.allow_gc = allow_gc

    def accept(self, fgraph: Any, no_recycling: Any = None, profile: Any = None) -> Linker:
        """This linker for ``fgraph`` (a copy when it already has a graph)."""
        linker = copy.copy(self)
        linker.fgraph = fgraph
        return linker

    def make_thunk(self, **kwargs: Any) -> tuple[Any, list[Container], list[Container]]:
        """``(thunk, input containers, output containers)``: calling ``thunk()`` runs the
        accepted graph on the inputs' values and stores the outputs'."""
        if self.fgraph is None:
            raise ValueError(f"{type(self).__name__}.make_thunk: call accept(fgraph) first")
        inputs, outputs = list(self.fgraph.inputs), list(self.fgraph.outputs)
        fn = function(inputs, outputs, mode=Mode(linker=self.arignote_backend, optimizer=None),
                      on_unused_input="ignore")
        input_storage = [Container(v, [None]) for v in inputs]
        output_storage = [Container(v, [None]) for v in outputs]

        def thunk() -> None:
            results = fn(*[c.storage[0] for c in input_storage])
            for cell, value in zip(output_storage, results):
                cell.storage[0] = value
        return thunk, input_storage, output_storage

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}() (arignote backend {self.arignote_backend!r})"


class PerformLinker(Linker):
    """Every node run by its NumPy implementation: arignote's ``py`` backend."""

    arignote_backend = "py"


class UnavailableLinker(Linker):
    """A PyTensor linker for a backend arignote does not have: constructing one raises."""

    #: the backend's name, for the message
    missing: ClassVar[str]

    def __init__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(
            f"{type(self).__name__}: arignote has no {self.missing} backend; it compiles to C "
            "(Mode(linker='c')) or JAX (Mode(linker='jax')), or runs "
            "NumPy implementations (Mode(linker='py'))")


class WrapLinker(Linker):
    """PyTensor's linker running several linkers node by node in lockstep: not available."""

    arignote_backend = "py"

    def __init__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(
            "WrapLinker: arignote's backends run a graph as one program, not as per-node thunks "
            "a wrapper could interleave; DebugMode checks every node against NumPy and "
            "NanGuardMode checks every node's outputs")
