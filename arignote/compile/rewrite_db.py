"""``optdb``: PyTensor's rewrite database, as arignote's phases seen through PyTensor's query.

PyTensor keeps its rewrites in a database that ``optdb.query(q)`` filters into a rewriter.
arignote's rules live in phases selected by tag (``arignote.rewrite.phases``); here a query
(a ``RewriteDatabaseQuery``, tag strings ``"+canonicalize"``/``"-fusion"``, or an optimizer
name such as ``"fast_run"``) selects the phases it names (``"fast_run"``: all of them,
``"fast_compile"``: their cheap rules) and switches the other names it includes on and the
names it excludes off, as ``rewrite_graph`` does, and drops the phases at or after its
``position_cutoff`` (PyTensor's positions); ``.rewrite(fgraph)`` applies them.

``optdb["canonicalize"]`` (also ``"stabilize"``, ``"specialize"``; ``"uncanonicalize"`` is
arignote's specialize phase, tagged ``uncanonicalize``) registers a user's PyTensor-style
rewriter into that phase of every later compilation: ``.register(name, rewriter, *tags)``
with a node rewriter, a walker of node rewriters (``in2out(...)``) or a graph rewriter.  As in
PyTensor, it runs in modes selecting one of its tags: ``"fast_run"`` (the default optimizer),
``"fast_compile"`` (FAST_COMPILE too; arignote then also runs it under fast_run), or else
only when a mode includes its name or a tag; a mode excluding its name or a tag skips it.
``add_tags``/``remove_tags`` change its tags, ``del db[name]`` removes it.  A registered node
rewriter's ``transform(fgraph, node)`` is given ``fgraph=None``: arignote's driver rewrites an
immutable graph node by node, with no ``FunctionGraph`` of it (a graph rewriter gets a
``FunctionGraph`` of the phase's outputs).  The program cache keys on the registered rules
(their names, tags and the files defining them); a rewriter defined where no file can vouch
for it (an interactive session, a ``PatternNodeRewriter``) makes compilations skip that cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from arignote.compile.pipeline import rewrite_phases
from arignote.graph import hooks
from arignote.graph.basic import Apply, Variable
from arignote.graph.fg import FunctionGraph
from arignote.graph.rewriting.basic import (
    FromFunctionNodeRewriter,
    GraphRewriter,
    NodeRewriter,
    SequentialNodeRewriter,
    WalkingGraphRewriter,
    engine_replacements,
    engine_tracks,
)
from arignote.graph.rewriting.db import RewriteDatabaseQuery
from arignote.rewrite.phases import FAST_COMPILE, OPTIONAL, GraphPass, Phase
from arignote.rewrite.phases import canonicalize as _canonicalize
from arignote.rewrite.phases import specialize as _specialize
from arignote.rewrite.phases import stabilize as _stabilize
from arignote.rewrite.rule import Rule, make_rule

__all__ = ["PhaseDB", "PhasesRewriter", "RewriteDatabase", "optdb"]


#: where PyTensor's database places the stages that are arignote's phases: a query's
#: ``position_cutoff`` keeps the phases placed before it
PYTENSOR_POSITIONS = {"canonicalize": 1.0, "stabilize": 1.5, "specialize": 2.0, "fusion": 49.0}


class PhasesRewriter(GraphRewriter):
    """The phases a query selected, applied to a ``FunctionGraph`` by :meth:`rewrite`."""

    def __init__(self, include: Sequence[str], exclude: Sequence[str] = ()) -> None:
        self.include = tuple(include)
        self.exclude = tuple(exclude)

    def apply(self, fgraph: FunctionGraph) -> None:
        if not isinstance(fgraph, FunctionGraph):
            raise TypeError(f"rewrite needs a FunctionGraph, got {type(fgraph).__name__}")
        if self.include:
            fgraph.outputs = list(rewrite_phases(fgraph.outputs, self.include, self.exclude))

    def __repr__(self) -> str:
        return f"PhasesRewriter(include={list(self.include)}, exclude={list(self.exclude)})"


#: a module name no file stands for: a rule carrying it makes the program cache skip compilations
_UNVOUCHED = "<a rewriter no file defines>"


def _defining_module(rewriter: Any) -> str:
    """The module whose file vouches for ``rewriter``'s behaviour (the program cache keys on
    it), or :data:`_UNVOUCHED` when its behaviour is data no file holds (patterns, closures of
    arignote's classes)."""
    parts = rewriter.rewriters if isinstance(rewriter, (WalkingGraphRewriter, SequentialNodeRewriter)) \
        else [rewriter]
    modules = set()
    for part in parts:
        fn = part.fn if isinstance(part, FromFunctionNodeRewriter) else type(part)
        module = getattr(fn, "__module__", None) or _UNVOUCHED
        if module.partition(".")[0] == "arignote":
            module = _UNVOUCHED
        modules.add(module)
    return modules.pop() if len(modules) == 1 else _UNVOUCHED


def _as_item(name: str, rewriter: Any) -> Rule | GraphPass:
    """A user's rewriter as a rule (node rewriters) or a pass (other graph rewriters)."""
    node_rewriter: NodeRewriter | None = None
    if isinstance(rewriter, NodeRewriter):
        node_rewriter = rewriter
    elif isinstance(rewriter, WalkingGraphRewriter):
        node_rewriter = (rewriter.rewriters[0] if len(rewriter.rewriters) == 1
                         else SequentialNodeRewriter(*rewriter.rewriters, name=name))
    fn: Callable[..., Any]
    if node_rewriter is not None:
        found = node_rewriter

        def fn(node: Apply) -> Any:
            # no FunctionGraph of the graph being compiled exists (see the module docstring)
            return engine_replacements(found, node, found.transform(None, node))  # type: ignore[arg-type]
        fn.__module__ = _defining_module(rewriter)
        return make_rule(fn, engine_tracks(node_rewriter), name)
    if isinstance(rewriter, GraphRewriter) or callable(getattr(rewriter, "rewrite", None)):
        graph_rewriter = rewriter

        def fn(outputs: Sequence[Variable]) -> list[Variable]:
            fgraph = FunctionGraph(None, list(outputs), clone=False)
            graph_rewriter.rewrite(fgraph)
            return list(fgraph.outputs)
        fn.__module__ = _defining_module(rewriter)
        return GraphPass(name, fn)
    raise TypeError(f"register: expected a node rewriter, in2out(...) of node rewriters or a graph "
                    f"rewriter, got {rewriter!r}")


def _run_tags(tags: Any) -> frozenset[str]:
    """``tags`` with arignote's ``optional`` tag when PyTensor would not run the rewrite by
    default: it runs in the modes selecting one of its tags, fast_run, fast_compile (FAST_COMPILE,
    arignote's tag of the same name), else only when asked for by name or tag."""
    user = set(tags) - {OPTIONAL}
    return frozenset(user | (set() if {"fast_run", FAST_COMPILE} & user else {OPTIONAL}))


class PhaseDB:
    """One of arignote's phases seen as PyTensor's ``optdb[phase]``: user rewriters registered
    here run in that phase of every later compilation (see the module docstring)."""

    def __init__(self, phase: Phase, tag: str | None = None) -> None:
        self.phase = phase
        self.tag = tag  # a PyTensor database name arignote folds into this phase

    def _items(self) -> list[Rule | GraphPass]:
        return [*self.phase.rules, *self.phase.passes]

    def register(self, name: str, rewriter: Any, *tags: str, use_db_name_as_tag: bool = True,
                 **_pytensor_options: Any) -> Any:
        """Run ``rewriter`` in this phase under ``name``, with ``tags`` (PyTensor's ``position``
        and other options are accepted: a phase's rules run together to a fixed point)."""
        if not isinstance(name, str):
            raise TypeError(f"register: the first argument is the rewriter's name, got {name!r}")
        if name in self:
            raise ValueError(f"register: {self.phase.name} already has a rewrite named {name!r}")
        item = _as_item(name, rewriter)
        item.user_rewriter = rewriter  # type: ignore[union-attr]
        all_tags = _run_tags({*tags, *([self.tag] if self.tag else [])})
        self.phase.add(item, all_tags)
        return rewriter

    def _find(self, name: str) -> Rule | GraphPass:
        for item in self._items():
            if item.name == name and hasattr(item, "user_rewriter"):
                return item
        raise KeyError(f"{self.phase.name} has no registered rewriter named {name!r}")

    def add_tags(self, name: str, *tags: str) -> None:
        item = self._find(name)
        item.tags = _run_tags(item.tags | set(tags))
        self.phase.version += 1  # the engine's indexes and the program cache see the change

    def remove_tags(self, name: str, *tags: str) -> None:
        item = self._find(name)
        item.tags = _run_tags(item.tags - set(tags))
        self.phase.version += 1

    def __delitem__(self, name: str) -> None:
        item = self._find(name)
        if isinstance(item, Rule):
            self.phase.rules.remove(item)
        else:
            self.phase.passes.remove(item)
        self.phase.version += 1

    def __getitem__(self, name: str) -> Any:
        return self._find(name).user_rewriter  # type: ignore[union-attr]

    def __contains__(self, name: object) -> bool:
        return any(item.name == name for item in self._items())

    def __repr__(self) -> str:
        return f"<optdb[{self.tag or self.phase.name!r}]: arignote's {self.phase.name} phase>"


_PHASE_DBS = {"canonicalize": PhaseDB(_canonicalize), "stabilize": PhaseDB(_stabilize),
              "specialize": PhaseDB(_specialize),
              "uncanonicalize": PhaseDB(_specialize, "uncanonicalize")}


def register_in_phase(phase: str, name: str, rewriter: Any, *tags: str, **options: Any) -> Any:
    """``optdb[phase].register(name, rewriter, *tags)``; for ``register_canonicalize`` and its
    kind (arignote.tensor.rewriting.basic), through a hook."""
    return _PHASE_DBS[phase].register(name, rewriter, *tags, **options)


hooks.register_rewriter.install(register_in_phase)


class RewriteDatabase:
    """PyTensor's ``optdb``: :meth:`query` gives the rewriter of the phases a query names;
    ``optdb[phase]`` registers user rewriters into a phase (:class:`PhaseDB`)."""

    def __getitem__(self, name: str) -> PhaseDB:
        try:
            return _PHASE_DBS[name]
        except KeyError:
            raise KeyError(f"optdb: arignote's phases open to registration are "
                           f"{sorted(_PHASE_DBS)}, not {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in _PHASE_DBS

    def query(self, *queries: Any, **_pytensor_options: Any) -> PhasesRewriter:
        include: list[str] = []
        exclude: list[str] = []
        for q in queries:
            if isinstance(q, RewriteDatabaseQuery):
                include += [*q.include, *q.require]
                exclude += list(q.exclude)
                exclude += [name for name, at in PYTENSOR_POSITIONS.items() if at >= q.position_cutoff]
            elif isinstance(q, str):
                if q.startswith("-"):
                    exclude.append(q[1:])
                else:  # "+name", "&name" (required) or an optimizer name
                    include.append(q.lstrip("+&"))
            elif q is None:
                continue
            else:
                raise TypeError(f"optdb.query: expected a RewriteDatabaseQuery or tag strings, got {q!r}")
        return PhasesRewriter(tuple(dict.fromkeys(include)), tuple(dict.fromkeys(exclude)))

    def __repr__(self) -> str:
        return "<optdb: arignote's rewrite phases>"


optdb = RewriteDatabase()
