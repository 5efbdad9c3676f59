"""The index from op type to the rules that can match it."""

from __future__ import annotations

from collections.abc import Iterable

from arignote.graph.basic import Apply
from arignote.rewrite.rule import Rule


class RuleIndex:
    """Rules looked up by the type of a node's op (and of an elementwise node's scalar op).

    A rule tracking a class matches its subclasses too.  Lookups are cached
    per concrete type, so offering a node its candidate rules costs two dict
    lookups.
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = list(rules)
        self._by_type: dict[type, list[Rule]] = {}
        self._universal: list[Rule] = []
        for rule in self.rules:
            if rule.tracks is None:
                self._universal.append(rule)
            else:
                for kind in rule.tracks:
                    self._by_type.setdefault(kind, []).append(rule)
        self._cache: dict[tuple[type, type | None], tuple[Rule, ...]] = {}

    def candidates(self, node: Apply) -> tuple[Rule, ...]:
        """The rules that may match ``node``, in registration order."""
        op = node.op
        scalar_op = op.scalar_op if op.maps_scalar_op else None
        key = (type(op), None if scalar_op is None else type(scalar_op))
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._resolve(*key)
        return found

    def _resolve(self, op_type: type, scalar_type: type | None) -> tuple[Rule, ...]:
        matching: set[int] = set()
        for kind in (op_type, scalar_type):
            if kind is None:
                continue
            for cls in kind.__mro__:
                for rule in self._by_type.get(cls, ()):
                    matching.add(id(rule))
        for rule in self._universal:
            matching.add(id(rule))
        return tuple(rule for rule in self.rules if id(rule) in matching)

    def __len__(self) -> int:
        return len(self.rules)
