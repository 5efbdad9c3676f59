"""The whole-function cache: a compiled program kept on disk, found again by its graph's structure.

``function`` spends most of a warm compile (C kernels already cached) on
rewriting and scheduling the graph.  A graph that is *structurally*
identical to one compiled before (same ops, types, constants and wiring,
whatever the variables' names or the Python objects) skips all of it, in
this process or a later one: the rewritten graph and, for the C linker,
the linked program (kernel sources and schedule, see
``CProgram.saved_state``) are stored as one entry ``<key>.prog`` in the C
cache folder, with its safety rules (``arignote/backend/c/cache.py``:
atomic publication, checksums, concurrent processes, killed writes, a
read-only folder, the size limit).  ``config.program_cache = False``
turns it off; ``python -m arignote cache info|clear`` counts and clears
its entries.

The key hashes, besides the graph:

- the mode (linker, optimizer, included and excluded tags), the rules and
  passes registered in each phase, and every flag of ``config`` that can
  change a compilation;
- the versions: Python, NumPy, the C toolchain's fingerprint (compiler,
  flags, machine) for the C linker, and a fingerprint of arignote's own
  files (name, size and modification time of each), so an upgrade or an
  edited rule never loads a stale program;
- for ops and rules defined outside arignote, the size and modification
  time of the file defining them.  A graph whose ops (or a mode whose rules)
  come from code without a file (an interactive session) is not cached.

Source lines are not part of the key: a node of the stored graph records
which node of the *given* graph its source line came from, and takes that
node's line when loaded, so error messages point at the code that built
this graph.  Entries are Python pickles, trusted like the compiled objects
beside them: the cache folder must be writable only by its owner.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from arignote.backend.c.cache import get_cache
from arignote.compile.mode import Mode
from arignote.config import config
from arignote.graph.basic import Apply, Variable
from arignote.graph.serialize import FlatGraph, NotSerializable, flatten, rebuild

#: bumped when an entry's layout changes
FORMAT = 1
SUFFIX = "prog"
#: flags that cannot change what a compilation produces (where files go, how many threads
#: run a call, whether source lines are recorded: the lines are mapped, see the docstring)
_NEUTRAL_FLAGS = frozenset({"c_cache_dir", "c_cache_max_mb", "c_threads", "trace_source", "mode",
                            "program_cache", "optimizer_verbose", "openmp",
                            "openmp_elemwise_minsize"})
_PACKAGE = Path(__file__).resolve().parent.parent
#: modules whose classes are part of the versions already (arignote's files, NumPy, Python)
_KNOWN_ROOTS = ("arignote", "numpy", "builtins", "copyreg", "_codecs", "collections", "functools")


class Uncacheable(Exception):
    """This graph (or mode) cannot be keyed: the cache is skipped for it."""


@dataclass
class Entry:
    """What a key finds: the rewritten graph's outputs, and the program computing them."""

    graph_outputs: list[Variable]
    program: Any


# --- the key -------------------------------------------------------------------------------

def program_key(inputs: Sequence[Variable], outputs: Sequence[Variable], mode: Mode,
                n_explicit: int) -> tuple[str, list[Apply]] | None:
    """The cache key of compiling ``outputs`` from ``inputs`` in ``mode``, and the given
    graph's nodes (to map source lines); None when the graph cannot be keyed."""
    try:
        flat, nodes = flatten(inputs, outputs, source_of=lambda node: None)
        digest = hashlib.sha256()
        digest.update(_environment_token(mode))
        digest.update(repr((n_explicit, [_type_token(v.type) for v in inputs])).encode())
        for type_, data in flat.constants:
            digest.update(_type_token(type_))
            digest.update(_data_token(data))
        for op, refs, types, _ in flat.nodes:
            digest.update(_op_token(op))
            digest.update(repr(refs).encode())
            digest.update(b"".join(_type_token(t) for t in types))
        digest.update(repr(flat.outputs).encode())
    except (NotSerializable, Uncacheable, pickle.PicklingError, TypeError, AttributeError):
        return None
    return digest.hexdigest()[:40], nodes


def _pickled(obj: Any) -> tuple[bytes, frozenset[str]]:
    """``obj`` pickled, and the modules outside :data:`_KNOWN_ROOTS` whose classes it uses."""
    foreign: set[str] = set()

    class Observing(pickle.Pickler):
        def reducer_override(self, value: Any) -> Any:
            module = value.__module__ if isinstance(value, type) else type(value).__module__
            if module.partition(".")[0] not in _KNOWN_ROOTS:
                foreign.add(module)
            return NotImplemented

    buffer = io.BytesIO()
    Observing(buffer, protocol=5).dump(obj)
    return buffer.getvalue(), frozenset(foreign)


# ops and types are few and reused: each is pickled once per process (equal ops are
# interchangeable, so an equal op's token serves)
_op_tokens: dict[Any, bytes] = {}
_type_tokens: dict[Any, bytes] = {}
_MAX_MEMO = 10_000


def _op_token(op: Any) -> bytes:
    return _memo_token(op, _op_tokens)


def _type_token(type_: Any) -> bytes:
    return _memo_token(type_, _type_tokens)


def _memo_token(obj: Any, memo: dict[Any, bytes]) -> bytes:
    """The digest of ``obj`` pickled (with the files of foreign classes), once per value."""
    found = memo.get(obj)
    if found is None:
        found = _digest(obj)
        if len(memo) > _MAX_MEMO:
            memo.clear()
        memo[obj] = found
    return found


def _data_token(data: Any) -> bytes:
    if isinstance(data, np.ndarray):
        contiguous = np.ascontiguousarray(data)
        header = f"{data.dtype.str}{data.shape}".encode()
        return hashlib.sha256(header + contiguous.tobytes()).digest()
    return _digest(data)


def _digest(obj: Any) -> bytes:
    """SHA-256 of ``obj`` pickled, and of the files defining its classes from outside arignote."""
    data, foreign = _pickled(obj)
    return hashlib.sha256(data + _modules_token(foreign)).digest()


def _modules_token(modules: frozenset[str]) -> bytes:
    """The files defining ``modules`` (size, modification time); Uncacheable without one."""
    parts = []
    for name in sorted(modules):
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if not path:
            raise Uncacheable(f"{name} has no source file")
        try:
            stat = os.stat(path)
        except OSError:  # "<stdin>", a deleted or in-memory module: nothing to key on
            raise Uncacheable(f"{name}'s source {path!r} is not a file") from None
        parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts).encode()


def _environment_token(mode: Mode) -> bytes:
    """Everything besides the graph that decides the program: mode, rules, flags, versions."""
    flags = [(name, value) for name, value in config.items() if name not in _NEUTRAL_FLAGS]
    text = repr((FORMAT, mode.linker, mode.optimizer, mode.include, mode.exclude, flags,
                 sys.version, np.__version__, _toolchain_token(mode)))
    return text.encode() + _rules_token(mode.linker) + _package_token()


def _toolchain_token(mode: Mode) -> str:
    if mode.linker != "c":
        return ""
    from arignote.backend.c.toolchain import CompilerUnavailable, get_toolchain

    try:
        return get_toolchain().fingerprint
    except CompilerUnavailable as exc:
        return f"no compiler: {exc}"


def _rules_token(linker: str) -> bytes:
    from arignote.backend import linker as find_linker
    from arignote.rewrite.phases import PHASES

    # what compiling for this linker registers, registered first: else the first compilation
    # of a process would key with fewer rules than the next ones
    find_linker(linker)
    if linker == "c":
        import arignote.backend.c.lowering  # noqa: F401

    phases = list(PHASES)
    if linker == "jax":
        from arignote.backend.jax.rewrites import JAX_PHASES

        phases = list(JAX_PHASES)
    return _registered(tuple((phase, phase.version) for phase in phases))


@functools.lru_cache(maxsize=16)
def _registered(phases: tuple[tuple[Any, int], ...]) -> bytes:
    """The rules and passes of ``phases`` (versions included: a registration changes them),
    with the files of those defined outside arignote."""
    names = []
    foreign = set()
    for phase, version in phases:
        for item in [*phase.rules, *phase.passes]:
            module = getattr(item.fn, "__module__", None) or "?"
            names.append(f"{phase.name}/{version}/{item.name}/{sorted(item.tags)}/{module}")
            if module.partition(".")[0] != "arignote":
                foreign.add(module)
    return "\n".join(names).encode() + _modules_token(frozenset(foreign))


@functools.lru_cache(maxsize=1)
def _package_token() -> bytes:
    """arignote's own files: name, size and modification time of each (read once)."""
    parts = []
    for folder, subfolders, files in os.walk(_PACKAGE):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".so")):
                continue
            stat = os.stat(os.path.join(folder, name))
            parts.append(f"{os.path.relpath(os.path.join(folder, name), _PACKAGE)}:{stat.st_size}:"
                         f"{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).digest()


# --- storing and loading -----------------------------------------------------------------

def save(key: str, given_nodes: Sequence[Apply], inputs: Sequence[Variable],
         graph_outputs: Sequence[Variable], program: Any) -> bool:
    """Store the rewritten graph and ``program`` under ``key``; whether it was stored (a graph
    or program that cannot be written is simply not cached)."""
    line_of: dict[Any, int] = {}
    for position, node in enumerate(given_nodes):
        if node.source is not None:
            line_of.setdefault(node.source, position)

    def source_of(node: Apply) -> Any:
        # a source line is kept as the position of a given node that has it
        return None if node.source is None else line_of.get(node.source, node.source)

    try:
        flat, nodes = flatten(inputs, graph_outputs, source_of)
        state = None
        saved_state = getattr(program, "saved_state", None)
        if saved_state is not None and getattr(program, "nodes", None) == nodes:
            state = saved_state()
        blob = pickle.dumps({"format": FORMAT, "graph": flat, "state": state},
                            protocol=5)
    except (NotSerializable, pickle.PicklingError, TypeError, AttributeError):
        return False

    def write(path: Path) -> None:
        path.write_bytes(blob)
    try:
        get_cache().store(key, write, suffix=SUFFIX)
    except OSError:
        return False
    return True


def load(key: str, given_nodes: Sequence[Apply], inputs: Sequence[Variable], mode: Mode) -> Entry | None:
    """The entry stored under ``key``, rebuilt over ``inputs`` and linked; None on a miss
    (a damaged or unusable entry is a miss too: the caller compiles as usual)."""
    path = get_cache().lookup(key, SUFFIX)
    if path is None:
        return None
    try:
        stored = pickle.loads(path.read_bytes())
        if stored.get("format") != FORMAT:
            return None
        flat: FlatGraph = stored["graph"]

        def source_of(kept: Any) -> Any:
            return given_nodes[kept].source if isinstance(kept, int) else kept
        graph_outputs, nodes = rebuild(flat, inputs, source_of)
        from arignote.compile.pipeline import relink

        program = relink(inputs, nodes, graph_outputs, mode, stored["state"])
    except Exception:  # any failure to reuse an entry means: compile as usual
        return None
    return Entry(graph_outputs, program)

