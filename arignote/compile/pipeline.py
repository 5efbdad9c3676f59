"""The stages between a user's graph and a runnable program: rewrite, then link."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.compile.mode import Mode
from arignote.graph.basic import Variable


def rewrite_for_mode(outputs: Sequence[Variable], mode: Mode) -> list[Variable]:
    """``outputs`` rewritten as ``mode`` asks (folding constants at least)."""
    if mode.optimizer is None:
        return list(outputs)
    from arignote.rewrite.fold import fold_constants

    return fold_constants(outputs)


def link(inputs: Sequence[Variable], outputs: Sequence[Variable], mode: Mode) -> Any:
    """A callable computing ``outputs`` from values of ``inputs`` on ``mode``'s backend."""
    if mode.linker == "py":
        from arignote.backend.python.linker import PyProgram

        return PyProgram(inputs, outputs)
    raise NotImplementedError(f"the {mode.linker!r} linker is not available yet; use Mode(linker='py')")
