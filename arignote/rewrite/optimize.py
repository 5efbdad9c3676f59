"""Running a mode's phases over a graph."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.config import config
from arignote.graph.basic import Variable
from arignote.graph.traversal import toposort
from arignote.rewrite.driver import Rewriter
from arignote.rewrite.phases import FAST_COMPILE, OPTIONAL, PHASES, GraphPass, Phase
from arignote.rewrite.rule import Rule
from arignote.rewrite.rule_index import RuleIndex
from arignote.rewrite.trace import Trace

_index_cache: dict[tuple[Any, ...], RuleIndex] = {}
# The settings of the optimize calls under way, innermost last: rules that rewrite an
# inner graph (a loop's body) rewrite it with the same mode.
_active: list[tuple[str, frozenset[str], frozenset[str], Trace | None]] = []


def active_settings() -> tuple[str, frozenset[str], frozenset[str], Trace | None] | None:
    """``(optimizer, include, exclude, trace)`` of the innermost optimize call, if any."""
    return _active[-1] if _active else None


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
             include: Sequence[str] = (), exclude: Sequence[str] = (),
             trace: Trace | None = None, phases: Sequence[Phase] = PHASES) -> list[Variable]:
    """``outputs`` rewritten by every selected rule and pass of ``phases``, in order."""
    import arignote.rewrite.fold  # noqa: F401  (registers constant folding)
    import arignote.tensor.rewrites  # noqa: F401  (registers the tensor rules)

    outputs = list(outputs)
    if optimizer is None:
        return outputs
    include_set, exclude_set = frozenset(include), frozenset(exclude)
    _active.append((optimizer, include_set, exclude_set, trace))
    try:
        return _run_phases(outputs, phases, optimizer, include_set, exclude_set, trace)
    finally:
        _active.pop()


def _run_phases(outputs: list[Variable], phases: Sequence[Phase], optimizer: str,
                include_set: frozenset[str], exclude_set: frozenset[str],
                trace: Trace | None) -> list[Variable]:
    for phase in phases:
        index = _index_for(phase, optimizer, include_set, exclude_set)
        if len(index):
            rewriter = Rewriter(index, trace, config.on_rule_error, phase.name)
            outputs = rewriter.rewrite(outputs)
        for graph_pass in phase.passes:
            if selected(graph_pass, optimizer, include_set, exclude_set):
                before = len(toposort(outputs)) if trace is not None else 0
                outputs = graph_pass(outputs)
                if trace is not None:
                    trace.record_pass(f"{phase.name}/{graph_pass.name}", before, len(toposort(outputs)))
    return outputs
