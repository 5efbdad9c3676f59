"""One registry mechanism for every table keyed by op type, and package discovery.

Backends, batching and the linker table all map a key (an op type, or a name
for linkers) to an entry.  :class:`Registry` is that map: an op type finds
the entry of its nearest registered base class (its MRO, cached per type),
or the one a ``default`` function derives from the type itself (a scalar
op's NumPy name, say), so tables hold only the exceptions.  It can say what
is registered, which class serves a type, and which of a set of types has
no entry at all (:meth:`Registry.missing`), which the coverage tests use.

:func:`import_submodules` imports every module of a package, so that modules
registering rules or lowerings as a side effect need no hand-kept import list.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from types import ModuleType
from typing import Any, Generic, TypeVar, cast

V = TypeVar("V")
F = TypeVar("F")

#: the cached result for a type that has no entry
_ABSENT = object()


class Registry(Generic[V]):
    """Entries keyed by op type (subclasses inherit them) or by any other hashable key.

    ``default(op_type)``, when given, supplies an entry for a type none of
    whose classes is registered (None: it has none).  Explicit entries,
    including a base class's, always win over the default.
    """

    def __init__(self, name: str, default: Callable[[type], V | None] | None = None) -> None:
        self.name = name
        self._entries: dict[Hashable, V] = {}
        self._default = default
        # type -> (entry or _ABSENT, the class that provided it or None for the default)
        self._cache: dict[type, tuple[object, type | None]] = {}
        self._lock = threading.Lock()  # registration only; lookups read without it

    # --- registering ------------------------------------------------------------------------

    def add(self, key: Hashable, entry: V, *, replace: bool = False) -> V:
        """Register ``entry`` for ``key``; a second entry for the same key needs ``replace=True``."""
        with self._lock:
            if key in self._entries and not replace and self._entries[key] is not entry:
                raise ValueError(f"{self.name} registry: {_name(key)} is already registered "
                                 f"({self._entries[key]!r}); pass replace=True to override it")
            self._entries[key] = entry
            self._cache = {}  # a new entry may serve types looked up before
        return entry

    def remove(self, key: Hashable) -> V:
        """Take ``key``'s entry out (KeyError if it has none) and return it."""
        with self._lock:
            entry = self._entries.pop(key)
            self._cache = {}
        return entry

    def register(self, *keys: Hashable, **options: Any) -> Callable[[F], F]:
        """Decorator registering the decorated function for each of ``keys``: as the entry
        itself, or as what :meth:`make_entry` builds from it and ``options``."""
        if not keys:
            raise TypeError(f"{self.name}.register needs at least one key")

        def add(fn: F) -> F:
            entry = self.make_entry(fn, **options)
            for key in keys:
                self.add(key, entry)
            return fn
        return add

    def make_entry(self, fn: Any, **options: Any) -> V:
        """The entry :meth:`register` stores for ``fn``: ``fn`` itself (a subclass may wrap it
        with its options, as the JAX lowerings do)."""
        if options:
            raise TypeError(f"{self.name}.register takes no options, got {sorted(options)}")
        return cast(V, fn)

    # --- looking up ------------------------------------------------------------------------

    def get(self, key: Hashable) -> V | None:
        """The entry registered for exactly ``key`` (no MRO walk, no default)."""
        return self._entries.get(key)

    def lookup(self, op_type: type) -> V | None:
        """The entry of ``op_type``'s nearest registered class, else the default's, else None."""
        entry = self._cached(op_type)[0]
        return None if entry is _ABSENT else cast(V, entry)

    def lookup_op(self, op: object) -> V | None:
        """:meth:`lookup` for an op instance's type."""
        return self.lookup(type(op))

    def _cached(self, op_type: type) -> tuple[object, type | None]:
        cache = self._cache  # one dict throughout: registering swaps in a new one
        found = cache.get(op_type)
        if found is None:
            found = cache[op_type] = self._resolve(op_type)
        return found

    def _resolve(self, op_type: type) -> tuple[object, type | None]:
        for cls in op_type.__mro__:
            if cls in self._entries:
                return self._entries[cls], cls
        if self._default is not None:
            derived = self._default(op_type)
            if derived is not None:
                return derived, None
        return _ABSENT, None

    # --- introspection ----------------------------------------------------------------------

    def provider(self, op_type: type) -> type | None:
        """The registered class whose entry ``op_type`` uses (None: the default's, or none)."""
        return self._cached(op_type)[1]

    def is_default(self, op_type: type) -> bool:
        """Whether ``op_type``'s entry comes from the default, not from a table entry."""
        return self.lookup(op_type) is not None and self.provider(op_type) is None

    def missing(self, op_types: Iterable[type]) -> list[type]:
        """The types of ``op_types`` that have no entry (explicit, inherited or default)."""
        return [t for t in op_types if self.lookup(t) is None]

    def keys(self) -> list[Hashable]:
        """The registered keys, in registration order."""
        return list(self._entries)

    def items(self) -> list[tuple[Hashable, V]]:
        return list(self._entries.items())

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {len(self._entries)} entries>"


def _name(key: Hashable) -> str:
    return f"{key.__module__}.{key.__qualname__}" if isinstance(key, type) else repr(key)


def import_submodules(package: str | ModuleType, first: Sequence[str] = (),
                      skip: Callable[[str], bool] | None = None) -> list[ModuleType]:
    """Import every module of ``package`` (not its subpackages' modules); return them.

    Modules are imported in name order, after those named in ``first`` (in
    that order): where registration order matters (the rule offered a node
    first), ``first`` says so, while a new module is still found without
    being listed.  ``skip(name)`` leaves a module out (one that needs an
    optional dependency the caller does not want to load, say).
    """
    pkg = importlib.import_module(package) if isinstance(package, str) else package
    names = sorted(info.name for info in pkgutil.iter_modules(pkg.__path__))
    unknown = [n for n in first if n not in names]
    if unknown:
        raise ValueError(f"{pkg.__name__} has no module(s) {unknown}")
    ordered = [*first, *(n for n in names if n not in first)]
    return [importlib.import_module(f"{pkg.__name__}.{n}") for n in ordered
            if skip is None or not skip(n)]
