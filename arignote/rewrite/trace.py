"""Recording which rule fired on which node, and showing it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from arignote.graph.basic import Apply, Variable
from arignote.graph.sourceinfo import format_source


@dataclass(frozen=True)
class Firing:
    """One rule application: the node it matched and what the rule returned."""

    phase: str
    rule: str
    node: Apply
    replacement: tuple[Variable, ...]

    def __str__(self) -> str:
        before = ", ".join(render(v) for v in self.node.outputs)
        after = ", ".join(render(v) for v in self.replacement)
        where = format_source(self.node.source)
        suffix = f"   [{where}]" if where else ""
        return f"{self.phase + ': ' if self.phase else ''}{self.rule}\n    {before}\n -> {after}{suffix}"


class Trace:
    """The rule firings of one rewrite, in order."""

    def __init__(self) -> None:
        self.firings: list[Firing] = []
        self.passes: list[tuple[str, int, int]] = []  # (name, nodes before, nodes after)

    def record(self, phase: str, rule: str, node: Apply, replacement: Sequence[Variable]) -> None:
        self.firings.append(Firing(phase, rule, node, tuple(replacement)))

    def record_pass(self, name: str, before: int, after: int) -> None:
        self.passes.append((name, before, after))

    def counts(self) -> Counter[str]:
        """How often each rule fired."""
        return Counter(f.rule for f in self.firings)

    def rules_fired(self) -> list[str]:
        return [f.rule for f in self.firings]

    def __len__(self) -> int:
        return len(self.firings)

    def __iter__(self) -> Any:
        return iter(self.firings)

    def __str__(self) -> str:
        if not self.firings and not self.passes:
            return "no rule fired"
        lines = [str(f) for f in self.firings]
        lines += [f"pass {name}: {before} -> {after} nodes" for name, before, after in self.passes]
        return "\n".join(lines)

    __repr__ = __str__


class EchoTrace(Trace):
    """A trace that also prints each firing as it happens (``config.optimizer_verbose``)."""

    def record(self, phase: str, rule: str, node: Apply, replacement: Sequence[Variable]) -> None:
        super().record(phase, rule, node, replacement)
        print(f"rewriting: {self.firings[-1]}")


def render(var: Variable, depth: int = 4) -> str:
    """A compact one-line rendering of ``var``'s graph, cut off below ``depth``."""
    node = var.owner
    if node is None:
        return str(var)
    if depth == 0:
        return "…"
    args = ", ".join(render(i, depth - 1) for i in node.inputs)
    name = str(node.op)
    if len(node.outputs) > 1:
        name += f".{var.index}"
    return f"{name}({args})"
