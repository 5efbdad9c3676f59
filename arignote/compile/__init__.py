"""Compiling graphs into callables: `function`, shared variables and modes."""

from arignote.compile.evaluate import evaluate as _evaluate
from arignote.compile.function import Function, MissingInputError, UnusedInputError, function
from arignote.compile.io import In, Out
from arignote.compile.mode import Mode, get_default_mode, get_mode
from arignote.compile.pipeline import rewrite_phases
from arignote.compile.shared import SharedVariable, shared
from arignote.graph import hooks as _hooks

# Fill the hooks through which the layers below reach this one (arignote/graph/hooks.py):
# `Variable.eval()` and `arignote.rewrite.explain(..., mode=...)`.
_hooks.evaluate.install(_evaluate)
_hooks.get_mode.install(get_mode)
_hooks.rewrite_phases.install(rewrite_phases)

__all__ = ["Function", "In", "MissingInputError", "Mode", "Out", "SharedVariable", "UnusedInputError",
           "function", "get_default_mode", "get_mode", "shared"]
