"""Compiling graphs into callables: `function`, shared variables and modes."""

from arignote.compile.aliasing import add_supervisor_to_fgraph
from arignote.compile.builders import OpFromGraph
from arignote.compile.debug.monitormode import MonitorMode
from arignote.compile.debug_modes import DebugMode, NanGuardMode
from arignote.compile.evaluate import evaluate as _evaluate
from arignote.compile.function import Function, MissingInputError, UnusedInputError, function
from arignote.compile.io import In, Out
from arignote.compile.maker import FunctionMaker
from arignote.compile.mode import (
    FAST_COMPILE,
    JAX,
    Mode,
    get_default_mode,
    get_mode,
    predefined_linkers,
    predefined_modes,
    predefined_optimizers,
    register_mode,
)
from arignote.compile.ops import DeepCopyOp, FromFunctionOp, as_op, deep_copy_op, wrap_py
from arignote.compile.pipeline import rewrite_phases, rewrite_with_functions
from arignote.compile.profiling import ProfileStats
from arignote.compile.rebuild import rebuild_collect_shared
from arignote.compile.rewrite_db import optdb
from arignote.compile.shared import SharedVariable, shared
from arignote.graph import hooks as _hooks
from arignote.tensor.functional import vectorize_graph as _vectorize_graph
from arignote.tensor.vectorize_node import vectorize_node as _vectorize_node

# Fill the hooks through which the layers below reach this one (arignote/graph/hooks.py):
# `Variable.eval()`, `arignote.rewrite.explain(..., mode=...)`, `rewrite_graph`, PyTensor-style
# node rewriters (graph.rewriting.basic) and `graph.replace.vectorize_graph`.
_hooks.evaluate.install(_evaluate)
_hooks.get_mode.install(get_mode)
_hooks.rewrite_phases.install(rewrite_phases)
_hooks.rewrite_with_functions.install(rewrite_with_functions)
_hooks.vectorize.install((_vectorize_graph, _vectorize_node))

__all__ = ["DebugMode", "DeepCopyOp", "FAST_COMPILE", "FromFunctionOp", "Function", "FunctionMaker", "In",
           "JAX", "MissingInputError", "Mode", "MonitorMode", "NanGuardMode", "OpFromGraph", "Out",
           "ProfileStats", "SharedVariable", "UnusedInputError", "add_supervisor_to_fgraph", "as_op",
           "deep_copy_op", "function", "get_default_mode", "get_mode", "optdb", "predefined_linkers",
           "predefined_modes", "predefined_optimizers", "rebuild_collect_shared", "register_mode",
           "shared", "wrap_py"]


def __getattr__(name: str) -> object:
    if name == "FAST_RUN":  # the C linker where a compiler works, else py: looked up when read
        from arignote.compile import mode

        return mode.FAST_RUN
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
