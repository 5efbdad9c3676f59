"""Running a mode's phases over a graph."""

from __future__ import annotations

import contextlib
import contextvars
import gc
import threading
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from arignote.config import config
from arignote.graph.basic import Variable
from arignote.graph.traversal import toposort
from arignote.rewrite.driver import Rewriter
from arignote.rewrite.phases import FAST_COMPILE, OPTIONAL, PHASES, GraphPass, Phase
from arignote.rewrite.rule import Rule
from arignote.rewrite.rule_index import RuleIndex
from arignote.rewrite.toolkit import remembering
from arignote.rewrite.trace import EchoTrace, Trace

Settings = tuple[str, frozenset[str], frozenset[str], Trace | None]

# Shared by all threads: an entry depends only on its key, so two threads that build the
# same index at once build equal ones and either may stay.
_index_cache: dict[tuple[Any, ...], RuleIndex] = {}
# The settings of the optimize calls under way, innermost last: rules that rewrite an
# inner graph (a loop's body, arignote/loop/rewrites/body.py) rewrite it with the same mode.
# A context variable, not a module global: threads (or tasks) optimizing at once each see
# their own calls; `optimize` pushes its settings and pops them when it returns or raises.
_active: contextvars.ContextVar[tuple[Settings, ...]] = contextvars.ContextVar("arignote_optimizing",
                                                                              default=())


def active_settings() -> Settings | None:
    """``(optimizer, include, exclude, trace)`` of this thread's innermost optimize call, if any."""
    stack = _active.get()
    return stack[-1] if stack else None


def selected(item: Rule | GraphPass, optimizer: str, include: frozenset[str],
             exclude: frozenset[str]) -> bool:
    """Whether a mode with these settings runs ``item``."""
    names = item.tags | {item.name}
    if names & exclude:
        return False
    if OPTIONAL in item.tags and not names & include:
        return False
    if optimizer == "fast_compile" and FAST_COMPILE not in item.tags and not names & include:
        return False
    return True


def _index_for(phase: Phase, optimizer: str, include: frozenset[str],
               exclude: frozenset[str]) -> RuleIndex:
    key = (phase.name, phase.version, optimizer, include, exclude)
    index = _index_cache.get(key)
    if index is None:
        index = RuleIndex(r for r in phase.rules if selected(r, optimizer, include, exclude))
        _index_cache[key] = index
    return index


def optimize(outputs: Sequence[Variable], optimizer: str | None = "fast_run",
             include: Collection[str] = (), exclude: Collection[str] = (),
             trace: Trace | None = None, phases: Sequence[Phase] = PHASES) -> list[Variable]:
    """``outputs`` rewritten by every selected rule and pass of ``phases``, in order.

    The engine imports no rules: it runs the ones registered in ``phases``.
    Compilation hands it the phases of its mode; ``arignote/compile/mode.py``
    loads the rules they hold (constant folding, the rule library in
    arignote.tensor.rewrites, the loop rewrites).  Called directly, the
    default is the standard phases, canonicalize to lowering, which hold the
    same rules: ``import arignote``, which runs before any ``arignote.*``
    import, loads them through arignote.compile.
    """
    outputs = list(outputs)
    if optimizer is None:
        return outputs
    include_set, exclude_set = frozenset(include), frozenset(exclude)
    if trace is None and config.optimizer_verbose:
        trace = EchoTrace()
    token = _active.set((*_active.get(), (optimizer, include_set, exclude_set, trace)))
    try:
        with collector_paused(), remembering():
            return _run_phases(outputs, optimizer, include_set, exclude_set, trace, phases)
    finally:
        _active.reset(token)


# The collector is one switch for the whole process: blocks in several threads count how
# many are open, the first turns it off and the last turns it back on (if it was on).
_pause_lock = threading.Lock()
_pauses = 0
_enable_after = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block.

    Rewriting allocates many small objects while a large graph is alive; each
    collection the allocations trigger walks the whole graph, which makes a
    linear pass quadratic on big graphs.  Dead nodes are collected once the
    block ends (the last block, when several threads are in one).
    """
    global _pauses, _enable_after
    with _pause_lock:
        if _pauses == 0:
            _enable_after = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _enable_after:
                gc.enable()


def _any_subclass(present: set[type], wanted: tuple[type, ...]) -> bool:
    return any(issubclass(kind, wanted) for kind in present)


def _run_phases(outputs: list[Variable], optimizer: str, include_set: frozenset[str],
                exclude_set: frozenset[str], trace: Trace | None,
                phases: Sequence[Phase]) -> list[Variable]:
    for phase in phases:
        index = _index_for(phase, optimizer, include_set, exclude_set)
        # op types present in the graph, when known: the rewriter sees every final node
        present: set[type] | None = None
        if len(index):
            rewriter = Rewriter(index, trace, config.on_rule_error, phase.name)
            outputs = rewriter.rewrite(outputs)
            present = rewriter.op_types
        for graph_pass in phase.passes:
            if (present is not None and graph_pass.requires
                    and not _any_subclass(present, graph_pass.requires)):
                continue
            if selected(graph_pass, optimizer, include_set, exclude_set):
                present = None  # the pass may bring in other ops
                before = len(toposort(outputs)) if trace is not None else 0
                outputs = graph_pass(outputs)
                if trace is not None:
                    trace.record_pass(f"{phase.name}/{graph_pass.name}", before, len(toposort(outputs)))
    return outputs
