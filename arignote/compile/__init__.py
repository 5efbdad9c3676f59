"""Compiling graphs into callables: `function`, shared variables and modes."""

from arignote.compile.function import Function, MissingInputError, UnusedInputError, function
from arignote.compile.mode import Mode, get_mode
from arignote.compile.shared import SharedVariable, shared

__all__ = ["Function", "MissingInputError", "Mode", "SharedVariable", "UnusedInputError",
           "function", "get_mode", "shared"]
