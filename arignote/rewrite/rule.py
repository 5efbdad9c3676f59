"""Rules: named functions that look at one node and may return its replacement."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from arignote.graph.basic import Apply, Variable

#: what a rule returns: replacement outputs (one variable for a one-output
#: node, or a list with one entry per output), or None when it does not apply
RuleResult = Variable | list[Variable] | tuple[Variable, ...] | None


class RewriteError(RuntimeError):
    """A rule failed or returned something unusable; the message names the rule."""


class RewriteCycleError(RewriteError):
    """Rules undo each other (or grow a graph without end); the message names them."""


@dataclass(eq=False)
class Rule:
    """A local rewrite.

    ``tracks`` lists the op types the rule can match (for elementwise nodes:
    the scalar op types, e.g. ``Log``); the engine offers the rule only
    nodes of those types (subclasses included).  ``tracks=None`` means every
    node.  ``tags`` select the rule into phases and modes.
    """

    name: str
    fn: Callable[[Apply], RuleResult]
    tracks: tuple[type, ...] | None
    tags: frozenset[str] = field(default_factory=frozenset)

    def __call__(self, node: Apply) -> RuleResult:
        return self.fn(node)

    def __repr__(self) -> str:
        tracked = "any op" if self.tracks is None else ", ".join(t.__name__ for t in self.tracks)
        return f"<Rule {self.name} on {tracked}>"


def make_rule(fn: Callable[[Apply], RuleResult], tracks: Iterable[type] | None,
              name: str | None = None, tags: Iterable[str] = ()) -> Rule:
    """A :class:`Rule` from a function (named after it unless ``name`` is given)."""
    return Rule(name or fn.__name__, fn, None if tracks is None else tuple(tracks), frozenset(tags))


def as_outputs(node: Apply, result: Any, rule: Rule) -> list[Variable] | None:
    """Normalise a rule's return value to one replacement per output, or None."""
    if result is None:
        return None
    if isinstance(result, Variable):
        result = [result]
    result = list(result)
    if len(result) != len(node.outputs):
        raise RewriteError(f"rule {rule.name} returned {len(result)} replacement(s) for "
                           f"{node.op}, which has {len(node.outputs)} output(s)")
    if all(new is old for new, old in zip(result, node.outputs)):
        return None
    for old, new in zip(node.outputs, result):
        _check_replacement(rule, node, old, new)
    return result


def _check_replacement(rule: Rule, node: Apply, old: Variable, new: Any) -> None:
    if not isinstance(new, Variable):
        raise RewriteError(f"rule {rule.name} returned {type(new).__name__} for an output of "
                           f"{node.op}; expected a Variable")
    old_t, new_t = old.type, new.type
    if old_t == new_t:
        return
    same_kind = (getattr(old_t, "dtype", None) == getattr(new_t, "dtype", None)
                 and getattr(old_t, "ndim", None) == getattr(new_t, "ndim", None))
    compatible = same_kind and all(
        a is None or b is None or a == b for a, b in zip(old_t.shape, new_t.shape))
    if not compatible:
        raise RewriteError(f"rule {rule.name} replaced an output of {node.op} of type {old_t} "
                           f"by one of type {new_t}")
