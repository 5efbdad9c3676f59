"""Walking the class tree of ops, for the tests that check every op has what it needs."""

from __future__ import annotations


def all_subclasses(base: type) -> set[type]:
    """Every class deriving from ``base``, at any depth (those imported so far)."""
    found: set[type] = set()
    todo = [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found
