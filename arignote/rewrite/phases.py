"""Phases: the ordered groups of rules and whole-graph passes a mode runs.

    canonicalize -> stabilize -> specialize -> fusion -> lowering

Each phase holds local rules (settled by the one-pass driver) and passes
that need the whole graph (fusion needs every node's consumers).  Rules and
passes carry tags; a mode selects them by tag or name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from arignote.graph.basic import Variable
from arignote.rewrite.rule import Rule, RuleResult, make_rule

#: rules with this tag run only when a mode asks for them by name or tag
OPTIONAL = "optional"
#: rules and passes with this tag also run in FAST_COMPILE
FAST_COMPILE = "fast_compile"


@dataclass(eq=False)
class GraphPass:
    """A rewrite of the whole graph: outputs in, outputs out."""

    name: str
    fn: Callable[[Sequence[Variable]], list[Variable]]
    tags: frozenset[str] = field(default_factory=frozenset)
    #: op types the pass works on: it is skipped when the graph has none of them (empty: always run)
    requires: tuple[type, ...] = ()

    def __call__(self, outputs: Sequence[Variable]) -> list[Variable]:
        return self.fn(outputs)


class Phase:
    """A named stage of rewriting with its rules and passes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rules: list[Rule] = []
        self.passes: list[GraphPass] = []
        self.version = 0  # bumped on every change, so cached indexes know to rebuild

    def add(self, item: Rule | GraphPass, tags: Iterable[str] = ()) -> Rule | GraphPass:
        """Register a rule (e.g. from :func:`pattern`) or a pass in this phase."""
        item.tags = frozenset(item.tags) | frozenset(tags) | {self.name}
        names = {r.name for r in self.rules} | {p.name for p in self.passes}
        if item.name in names:
            raise ValueError(f"phase {self.name} already has a rule or pass named {item.name!r}")
        if isinstance(item, Rule):
            self.rules.append(item)
        else:
            self.passes.append(item)
        self.version += 1
        return item

    def rule(self, *tracks: type, name: str | None = None, tags: Iterable[str] = (),
             any_op: bool = False) -> Callable[[Callable[[Any], RuleResult]], Rule]:
        """Decorator registering a function as a rule offered nodes of ``tracks``.

        For elementwise nodes, track scalar op types (``@stabilize.rule(Log)``).
        ``any_op=True`` offers every node (use sparingly: it costs a call per node).
        """
        if not tracks and not any_op:
            raise TypeError(f"{self.name}.rule needs the op types it matches (or any_op=True)")

        def register(fn: Callable[[Any], RuleResult]) -> Rule:
            rule = make_rule(fn, None if any_op else tracks, name, tags)
            self.add(rule)
            return rule
        return register

    def graph_pass(self, name: str | None = None, tags: Iterable[str] = (),
                   requires: Iterable[type] = ()) -> Callable[..., GraphPass]:
        """Decorator registering a whole-graph pass (skipped for graphs without ``requires`` ops)."""
        def register(fn: Callable[[Sequence[Variable]], list[Variable]]) -> GraphPass:
            item = GraphPass(name or fn.__name__, fn, requires=tuple(requires))
            self.add(item, tags)
            return item
        return register

    def __repr__(self) -> str:
        return f"<Phase {self.name}: {len(self.rules)} rules, {len(self.passes)} passes>"


canonicalize = Phase("canonicalize")
stabilize = Phase("stabilize")
specialize = Phase("specialize")
fusion = Phase("fusion")
lowering = Phase("lowering")

PHASES: tuple[Phase, ...] = (canonicalize, stabilize, specialize, fusion, lowering)


def find(name: str) -> Rule | GraphPass:
    """The rule or pass called ``name`` in any phase."""
    for phase in PHASES:
        items: list[Rule | GraphPass] = [*phase.rules, *phase.passes]
        for item in items:
            if item.name == name:
                return item
    raise KeyError(f"no rule or pass named {name!r}")
