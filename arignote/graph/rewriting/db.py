"""``RewriteDatabaseQuery``: PyTensor's way to name the rewrites a mode runs, as a value.

arignote's rules are found through the op types they match, not through databases; a query
here is what it means to a user: rewrites (rule names, pass names or tags) to run and to skip.
``Mode(linker, query)`` runs the ``fast_run`` phases (``fast_compile`` when the query includes
that tag) with ``include`` switched on and ``exclude`` off; names arignote has no rule or tag
for select nothing (PyTensor's internal tags, ``"random_make_inplace"``...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any

__all__ = ["RewriteDatabaseQuery"]


def _names(values: Iterable[str] | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values or ()))


@dataclass(frozen=True)
class RewriteDatabaseQuery:
    """Rewrites to run (``include``, ``require``) and to skip (``exclude``); ``position_cutoff``
    (PyTensor's positions: canonicalize 1, stabilize 1.5, specialize 2, fusion 49) keeps the
    phases before it when ``arignote.compile.optdb`` applies the query; PyTensor's other
    fields are accepted and kept (``subquery``, ``extra_rewrites``)."""

    include: tuple[str, ...] = ()
    require: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    subquery: Any = None
    position_cutoff: float = float("inf")
    extra_rewrites: tuple[Any, ...] = field(default=())

    def __init__(self, include: Iterable[str] | None = None, require: Iterable[str] | None = None,
                 exclude: Iterable[str] | None = None, subquery: Any = None,
                 position_cutoff: float = float("inf"), extra_rewrites: Iterable[Any] | None = None) -> None:
        object.__setattr__(self, "include", _names(include))
        object.__setattr__(self, "require", _names(require))
        object.__setattr__(self, "exclude", _names(exclude))
        object.__setattr__(self, "subquery", subquery)
        object.__setattr__(self, "position_cutoff", position_cutoff)
        object.__setattr__(self, "extra_rewrites", tuple(extra_rewrites or ()))

    def including(self, *names: str) -> RewriteDatabaseQuery:
        return RewriteDatabaseQuery(self.include + names, self.require,
                                    [e for e in self.exclude if e not in names])

    def excluding(self, *names: str) -> RewriteDatabaseQuery:
        return RewriteDatabaseQuery([i for i in self.include if i not in names], self.require,
                                    self.exclude + names)

    def requiring(self, *names: str) -> RewriteDatabaseQuery:
        return RewriteDatabaseQuery(self.include, self.require + names, self.exclude)


def _set_field(query: RewriteDatabaseQuery, name: str, value: Any) -> None:
    """PyTensor's programs set ``position_cutoff`` on a query they just made (its queries are
    plain objects); that field may be set, before the query is used (it is part of the
    query's value, and so of its hash).  The others stay frozen."""
    if name != "position_cutoff":
        raise FrozenInstanceError(f"cannot assign to field {name!r} (make a new query, or use "
                                  f"including/excluding)")
    object.__setattr__(query, name, float(value))


RewriteDatabaseQuery.__setattr__ = _set_field  # type: ignore[assignment,method-assign]
