"""The stages between a user's graph and a runnable program: rewrite, then link."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.compile.mode import Mode
from arignote.graph.basic import Variable


def rewrite_for_mode(outputs: Sequence[Variable], mode: Mode, trace: Any = None) -> list[Variable]:
    """``outputs`` rewritten by the phases ``mode`` selects."""
    from arignote.rewrite.optimize import optimize

    if mode.linker == "jax":  # JAX fuses by itself: only the phases that help it
        from arignote.backend.jax.rewrites import JAX_EXCLUDED, JAX_PHASES

        return optimize(outputs, mode.optimizer, mode.include, mode.exclude + JAX_EXCLUDED, trace,
                        JAX_PHASES)
    return optimize(outputs, mode.optimizer, mode.include, mode.exclude, trace)


def link(inputs: Sequence[Variable], outputs: Sequence[Variable], mode: Mode) -> Any:
    """A callable computing ``outputs`` from values of ``inputs`` on ``mode``'s backend."""
    if mode.linker == "py":
        from arignote.backend.python.linker import PyProgram

        return PyProgram(inputs, outputs)
    if mode.linker == "jax":
        from arignote.backend.jax.linker import JaxProgram

        return JaxProgram(inputs, outputs)
    raise NotImplementedError(f"the {mode.linker!r} linker is not available yet; use Mode(linker='py')")
