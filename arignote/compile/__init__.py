"""Compiling graphs into callables: `function`, shared variables and modes."""

from arignote.compile.builders import OpFromGraph
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
from arignote.compile.ops import FromFunctionOp, as_op, wrap_py
from arignote.compile.pipeline import rewrite_phases
from arignote.compile.profiling import ProfileStats
from arignote.compile.shared import SharedVariable, shared
from arignote.graph import hooks as _hooks

# Fill the hooks through which the layers below reach this one (arignote/graph/hooks.py):
# `Variable.eval()` and `arignote.rewrite.explain(..., mode=...)`.
_hooks.evaluate.install(_evaluate)
_hooks.get_mode.install(get_mode)
_hooks.rewrite_phases.install(rewrite_phases)

__all__ = ["FAST_COMPILE", "JAX", "DebugMode", "FromFunctionOp", "Function", "FunctionMaker", "In",
           "MissingInputError", "Mode", "NanGuardMode", "OpFromGraph", "Out", "ProfileStats",
           "SharedVariable", "UnusedInputError", "as_op", "function", "get_default_mode", "get_mode",
           "predefined_linkers", "predefined_modes", "predefined_optimizers", "register_mode", "shared",
           "wrap_py"]


def __getattr__(name: str) -> object:
    if name == "FAST_RUN":  # the C linker where a compiler works, else py: looked up when read
        from arignote.compile import mode

        return mode.FAST_RUN
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
