"""The stages between a user's graph and a runnable program: rewrite, then link."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Sequence
from typing import Any

from arignote.compile.mode import Mode
from arignote.graph.basic import Variable


def rewrite_for_mode(outputs: Sequence[Variable], mode: Mode, trace: Any = None) -> list[Variable]:
    """``outputs`` rewritten by the phases ``mode`` selects.

    A backend's own rewrites (in the ``lowering`` phase) are tagged with the
    linker's name and ``optional``: they run only for that linker.  Today the
    C linker has one, which fuses reductions with their elementwise input
    (``arignote/backend/c/lowering.py``).
    """
    from arignote.rewrite.optimize import optimize

    if mode.linker == "jax":  # JAX fuses by itself: only the phases that help it
        from arignote.backend.jax.rewrites import JAX_EXCLUDED, JAX_PHASES

        return optimize(outputs, mode.optimizer, mode.include, mode.exclude + JAX_EXCLUDED, trace,
                        JAX_PHASES)
    include = mode.include
    if mode.linker == "c":
        import arignote.backend.c.lowering  # noqa: F401  (registers the C lowering passes)

        include = (*include, "c")
    return optimize(outputs, mode.optimizer, include, mode.exclude, trace)


# The modes of the programs being linked, innermost last: an op that compiles an inner graph
# (a loop's body) links it with the same backend as the program around it.  A context
# variable, not a module global: threads compiling at once each see their own stack.
_linking: contextvars.ContextVar[tuple[Mode, ...]] = contextvars.ContextVar("arignote_linking",
                                                                              default=())


def linking_mode() -> Mode | None:
    """The mode of the program being linked right now in this thread, if any."""
    stack = _linking.get()
    return stack[-1] if stack else None


def _remembering_mode(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def linking(inputs: Sequence[Variable], outputs: Sequence[Variable], mode: Mode) -> Any:
        token = _linking.set((*_linking.get(), mode))
        try:
            return fn(inputs, outputs, mode)
        finally:
            _linking.reset(token)
    return linking


@_remembering_mode
def link(inputs: Sequence[Variable], outputs: Sequence[Variable], mode: Mode) -> Any:
    """A callable computing ``outputs`` from values of ``inputs`` on ``mode``'s backend."""
    if mode.linker == "py":
        from arignote.backend.python.linker import PyProgram

        return PyProgram(inputs, outputs)
    if mode.linker == "c":
        from arignote.backend.c import CompilerUnavailable, known_unavailable, record_unavailable
        from arignote.compile.mode import PREDEFINED, fast_run_fallback

        why = known_unavailable()
        if why is None:
            from arignote.backend.c.linker import CProgram

            try:
                return CProgram(inputs, outputs)
            except CompilerUnavailable as exc:  # the runtime module did not build
                why = str(exc)
                record_unavailable(why)
        if mode is PREDEFINED["FAST_RUN"]:  # chosen by default, not asked for: fall back
            return link(inputs, outputs, fast_run_fallback(why))
        raise CompilerUnavailable(f"Mode(linker='c') needs a working C compiler: {why}")
    if mode.linker == "jax":
        from arignote.backend.jax.linker import JaxProgram

        return JaxProgram(inputs, outputs)
    raise NotImplementedError(f"the {mode.linker!r} linker is not available yet; use Mode(linker='py')")
