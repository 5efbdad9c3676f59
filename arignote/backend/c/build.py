"""Building many C sources at once: cache lookups, parallel compiles, progress on a terminal."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from arignote.backend.c.cache import DiskCache, get_cache
from arignote.backend.c.toolchain import CompileError, Toolchain, get_toolchain

#: a build running longer than this shows its progress on a terminal
PROGRESS_AFTER = 2.0
#: times ``build_all`` builds again what another process evicted while it was building
REFRESH_ROUNDS = 3


@dataclass(frozen=True)
class BuildJob:
    """One source to turn into a shared object."""

    source: str
    label: str                   # what it is, for messages ("kernel of Exp", "runtime")
    python_module: bool = False  # needs Python's and NumPy's headers


def cache_key(toolchain: Toolchain, source: str, python_module: bool = False) -> str:
    """The cache key of ``source`` built by ``toolchain`` (and the exact command it runs)."""
    command = " ".join(toolchain.command(Path("out.so"), python_module))
    text = f"{toolchain.fingerprint}\n{int(python_module)}\n{command}\n{source}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class _Progress:
    """``arignote: compiling C code: 3/10`` on stderr, once a build has run PROGRESS_AFTER seconds."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.monotonic()
        self.shown = False
        self.lock = threading.Lock()
        self.enabled = total > 0 and _is_terminal(self.stream)
        self._timer = threading.Timer(PROGRESS_AFTER, self._tick) if self.enabled else None
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()

    def _tick(self) -> None:
        with self.lock:
            self._show()

    def _show(self) -> None:
        if not self.enabled or time.monotonic() - self.start < PROGRESS_AFTER:
            return
        self.shown = True
        self.stream.write(f"\rarignote: compiling C code: {self.done}/{self.total} done")
        self.stream.flush()

    def advance(self) -> None:
        with self.lock:
            self.done += 1
            self._show()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self.lock:
            if self.shown:
                elapsed = time.monotonic() - self.start
                self.stream.write(f"\rarignote: compiled {self.done}/{self.total} C sources in "
                                  f"{elapsed:.1f} s\n")
                self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass(frozen=True)
class Built:
    """A compiled job: its shared object, and the prefix of its symbols in it."""

    path: Path
    prefix: str = "ag_"   # the kernel's entry point is ``<prefix>kernel``

    def symbol(self, name: str) -> str:
        return f"{self.prefix}{name}"


def batch_source(sources: Sequence[str]) -> str:
    """Several kernel sources as one translation unit: kernel ``i``'s identifiers
    (every ``ag_...``, and its reduction ``agc``) become ``ag<i>_...`` and ``agc<i>``."""
    parts = []
    for i, source in enumerate(sources):
        renamed = re.sub(r"\bag_", f"ag{i}_", source)
        parts.append(re.sub(r"\bagc\b", f"agc{i}", renamed))
    return "\n".join(parts)


def _batches(keys: list[str], jobs: dict[str, BuildJob], cores: int) -> list[list[str]]:
    """The missing kernels split into a batch per core (of ``cores``), balanced by source length.

    One compiler run per batch instead of one per kernel: most of a small
    kernel's build is the compiler starting, not compiling.
    """
    count = max(1, min(len(keys), cores))
    batches: list[list[str]] = [[] for _ in range(count)]
    sizes = [0] * count
    for key in sorted(keys, key=lambda k: -len(jobs[k].source)):
        lightest = sizes.index(min(sizes))
        batches[lightest].append(key)
        sizes[lightest] += len(jobs[key].source)
    return [b for b in batches if b]


def build_all(jobs: Sequence[BuildJob], toolchain: Toolchain | None = None) -> list[Built | CompileError]:
    """The shared object of each job: from the cache, or compiled (in parallel) and cached.

    Kernels missing from the cache are compiled together in a few batches
    (one per core), each published as one entry plus a reference entry per
    kernel, so every kernel is found again on its own.  A job whose source
    does not compile gets its CompileError in its place, so the caller
    decides what to do about it.
    """
    toolchain = toolchain or get_toolchain()
    cache = get_cache()
    keys = [cache_key(toolchain, job.source, job.python_module) for job in jobs]
    wanted = dict(zip(keys, jobs))
    results = _find_or_build(wanted, cache, toolchain)
    for _ in range(REFRESH_ROUNDS):
        # What was found or built first may have been evicted by another process (the cache's
        # size limit) while the rest compiled: every entry is marked used once more, right
        # before the caller loads it, and whatever went is found or built again.
        gone = {k: wanted[k] for k, r in results.items() if isinstance(r, Built) and not cache.touch(r.path)}
        if not gone:
            break
        results.update(_find_or_build(gone, cache, toolchain))
    return [results[key] for key in keys]


def _find_or_build(jobs: dict[str, BuildJob], cache: DiskCache,
                   toolchain: Toolchain) -> dict[str, Built | CompileError]:
    """``build_all`` for jobs by cache key, without the final check that their entries are still there."""
    results: dict[str, Built | CompileError] = {}
    todo: dict[str, BuildJob] = {}
    for key, job in jobs.items():
        found = cache.lookup_kernel(key)
        if found is not None:
            results[key] = Built(*found)
        else:
            todo[key] = job
    if not todo:
        return results
    progress = _Progress(len(todo))

    def build_single(key: str) -> dict[str, Built | CompileError]:
        job = todo[key]

        def compile_into(output_path: Path) -> None:
            toolchain.build(job.source, output_path, job.python_module)
        try:
            return {key: Built(cache.store(key, compile_into))}
        except CompileError as exc:
            return {key: CompileError(f"compiling the {job.label}: {exc}")}
        finally:
            progress.advance()

    def build_batch(batch: list[str]) -> dict[str, Built | CompileError]:
        if len(batch) == 1:
            return build_single(batch[0])
        source = batch_source([todo[k].source for k in batch])
        batch_key = hashlib.sha256("\n".join(batch).encode()).hexdigest()[:40]
        try:
            path = cache.store(batch_key, lambda out: toolchain.build(source, out))
        except CompileError:
            # one of them does not compile: build each alone, to blame only that one
            outcome: dict[str, Built | CompileError] = {}
            for key in batch:
                outcome.update(build_single(key))
            return outcome
        for _ in batch:
            progress.advance()
        built: dict[str, Built | CompileError] = {}
        for i, key in enumerate(batch):
            cache.store_reference(key, path, f"ag{i}_")
            built[key] = Built(path, f"ag{i}_")
        return built

    groups = [[k] for k, job in todo.items() if job.python_module]
    kernels = [k for k, job in todo.items() if not job.python_module]
    if kernels:  # the cores the modules leave free
        groups += _batches(kernels, todo, available_cores() - len(groups))
    try:
        if len(groups) == 1:
            results.update(build_batch(groups[0]))
        else:
            with ThreadPoolExecutor(max_workers=min(len(groups), available_cores())) as pool:
                for outcome in pool.map(build_batch, groups):
                    results.update(outcome)
    finally:
        progress.close()
    return results
