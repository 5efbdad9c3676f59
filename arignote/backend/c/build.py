"""Building many C sources at once: cache lookups, parallel compiles, progress on a terminal."""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from arignote.backend.c.cache import get_cache
from arignote.backend.c.toolchain import CompileError, Toolchain, get_toolchain

#: a build running longer than this shows its progress on a terminal
PROGRESS_AFTER = 2.0


@dataclass(frozen=True)
class BuildJob:
    """One source to turn into a shared object."""

    source: str
    label: str                   # what it is, for messages ("kernel of Exp", "runtime")
    python_module: bool = False  # needs Python's and NumPy's headers


def cache_key(toolchain: Toolchain, source: str, python_module: bool = False) -> str:
    """The cache key of ``source`` built by ``toolchain``."""
    text = f"{toolchain.fingerprint}\n{int(python_module)}\n{source}"
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


def build_all(jobs: Sequence[BuildJob], toolchain: Toolchain | None = None) -> list[Path | CompileError]:
    """The shared object of each job: from the cache, or compiled (in parallel) and cached.

    A job whose source does not compile gets its CompileError in its place,
    so the caller decides what to do about it.
    """
    toolchain = toolchain or get_toolchain()
    cache = get_cache()
    keys = [cache_key(toolchain, job.source, job.python_module) for job in jobs]
    results: dict[str, Path | CompileError] = {}
    todo: dict[str, BuildJob] = {}
    for key, job in zip(keys, jobs):
        if key in results or key in todo:
            continue
        found = cache.lookup(key)
        if found is not None:
            results[key] = found
        else:
            todo[key] = job
    if todo:
        progress = _Progress(len(todo))

        def build_one(key: str) -> tuple[str, Path | CompileError]:
            job = todo[key]

            def compile_into(output_path: Path) -> None:
                toolchain.build(job.source, output_path, job.python_module)
            try:
                return key, cache.store(key, compile_into)
            except CompileError as exc:
                return key, CompileError(f"compiling the {job.label}: {exc}")
            finally:
                progress.advance()
        try:
            if len(todo) == 1:
                key, outcome = build_one(next(iter(todo)))
                results[key] = outcome
            else:
                with ThreadPoolExecutor(max_workers=min(len(todo), available_cores())) as pool:
                    for key, outcome in pool.map(build_one, list(todo)):
                        results[key] = outcome
        finally:
            progress.close()
    return [results[key] for key in keys]
