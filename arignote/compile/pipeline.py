"""The stages between a user's graph and a runnable program: rewrite, then link."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

from arignote.backend import linker
from arignote.backend.c.toolchain import CompilerUnavailable
from arignote.compile.mode import PREDEFINED, Mode, fast_run_fallback
from arignote.config import config
from arignote.graph.basic import Apply, Variable
from arignote.graph.linking import Linking, current_linking, linking
from arignote.rewrite.driver import rewrite_graph as run_rules
from arignote.rewrite.optimize import optimize
from arignote.rewrite.phases import PHASES
from arignote.rewrite.rule import make_rule


def rewrite_for_mode(outputs: Sequence[Variable], mode: Mode, trace: Any = None) -> list[Variable]:
    """``outputs`` rewritten by the phases ``mode`` selects.

    A backend's own rewrites (in the ``lowering`` phase) are tagged with the
    linker's name and ``optional``: they run only for that linker.  Today the
    C linker has one, which fuses reductions with their elementwise input
    (``arignote/backend/c/lowering.py``).  The mode hands the engine the
    phases to run (the rule library fills them: see ``compile/mode.py``).
    """
    if mode.linker == "jax":  # JAX fuses by itself: only the phases that help it
        # here, not at the top: JAX is imported only when a function is compiled for it
        from arignote.backend.jax.rewrites import JAX_EXCLUDED, JAX_PHASES

        return optimize(outputs, mode.optimizer, mode.include, mode.exclude + JAX_EXCLUDED, trace,
                        JAX_PHASES)
    include = mode.include
    if mode.linker == "c":
        import arignote.backend.c.lowering  # noqa: F401  (registers the C lowering passes)

        include = (*include, "c")
    return optimize(outputs, mode.optimizer, include, mode.exclude, trace, PHASES)


def rewrite_phases(outputs: Sequence[Variable], include: Sequence[str],
                   exclude: Sequence[str] = ()) -> list[Variable]:
    """``outputs`` rewritten by the phases named in ``include`` (``"fast_run"``: canonicalize
    to fusion; ``"fast_compile"``: the cheap rules of those), in their order, without the rules,
    passes or tags in ``exclude``; other names in ``include`` switch optional rules on
    (``rewrite_graph``'s meaning)."""
    names = set(include)
    every = "fast_run" in names or "fast_compile" in names
    phases = [p for p in PHASES if p.name != "lowering" and (every or p.name in names)]
    optimizer = "fast_compile" if "fast_compile" in names and "fast_run" not in names else "fast_run"
    extra = [n for n in include if n not in {p.name for p in PHASES} | {"fast_run", "fast_compile"}]
    return optimize(outputs, optimizer, extra, exclude, None, phases)


def rewrite_with_functions(outputs: Sequence[Variable],
                           rules: Sequence[tuple[str, Callable[[Apply], Any], tuple[type, ...] | None]]
                           ) -> list[Variable]:
    """``outputs`` rewritten to a fixed point by the driver with ``rules`` (``(name, function
    of a node, tracked op types or None)``): how PyTensor-style node rewriters run here."""
    made = [make_rule(fn, tracks, name) for name, fn, tracks in rules]
    return run_rules(outputs, made, on_error="raise")


def linking_mode() -> Mode | None:
    """The mode of the program being linked right now in this thread (or task), if any."""
    state = current_linking()
    return None if state is None else state.mode


def _remembering_mode(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` (``link``) stating the link under way while it runs (arignote/graph/linking.py):
    an op that compiles an inner graph (a loop's body) links it with the same mode, through
    the state's ``link``.  The state is a context variable, so threads compiling at once
    each see their own, and it is restored when ``fn`` returns or raises."""
    @functools.wraps(fn)
    def link_stating_mode(inputs: Sequence[Variable], outputs: Sequence[Variable], mode: Mode) -> Any:
        with linking(Linking(mode, lambda ins, outs: link_stating_mode(ins, outs, mode))):
            return fn(inputs, outputs, mode)
    return link_stating_mode


@_remembering_mode
def link(inputs: Sequence[Variable], outputs: Sequence[Variable], mode: Mode) -> Any:
    """A callable computing ``outputs`` from values of ``inputs`` on ``mode``'s backend.

    Each backend registers its linker by name (``arignote.backend.linkers``).
    """

    make_program = linker(mode.linker)
    try:
        return make_program(inputs, outputs)
    except CompilerUnavailable as exc:
        if mode is PREDEFINED["FAST_RUN"]:  # chosen by default, not asked for: fall back
            return link(inputs, outputs, fast_run_fallback(str(exc)))
        if not config.c_backend:
            # switched off on purpose (PyTensor's cxx = ""): every C mode runs on py, with its
            # own rewrites, as PyTensor's default linker runs Python implementations then
            return link(inputs, outputs, dataclasses.replace(mode, linker="py"))
        raise CompilerUnavailable(f"Mode(linker={mode.linker!r}) needs a working C compiler: {exc}") from None



def relink(inputs: Sequence[Variable], nodes: list[Apply], outputs: Sequence[Variable], mode: Mode,
           state: Any) -> Any:
    """The program of a graph rewritten before (arignote/compile/program_cache.py): the C
    program restored from its saved ``state`` (no code generation, no scheduling), or, for
    the other linkers (whose linking costs little), ``outputs`` linked again."""
    if state is None:
        return link(inputs, outputs, mode)
    from arignote.backend.c.linker import CProgram

    # the steps planned again (a loop's body) link inner graphs with this mode, as link does
    with linking(Linking(mode, lambda ins, outs: link(ins, outs, mode))):
        return CProgram.restored(inputs, nodes, outputs, state)
