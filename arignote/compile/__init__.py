"""Compiling graphs into callables: `function`, shared variables and modes."""

from arignote.compile.evaluate import evaluate as _evaluate
from arignote.compile.function import Function, MissingInputError, UnusedInputError, function
from arignote.compile.mode import Mode, get_mode
from arignote.compile.shared import SharedVariable, shared
from arignote.graph import hooks as _hooks

# Fill the hooks through which the layers below reach this one (arignote/graph/hooks.py):
# `Variable.eval()` and `arignote.rewrite.explain(..., mode=...)`.
_hooks.evaluate.install(_evaluate)
_hooks.get_mode.install(get_mode)

__all__ = ["Function", "MissingInputError", "Mode", "SharedVariable", "UnusedInputError",
           "function", "get_mode", "shared"]
