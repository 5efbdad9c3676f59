"""The on-disk cache of compiled C code.

Where: ``config.c_cache_dir``, else ``$ARIGNOTE_CACHE_DIR``, else
``$XDG_CACHE_HOME/arignote`` (``~/.cache/arignote``); entries live under its
``c/`` folder, sharded by the first two hex digits of their key.

An entry is one shared object named ``<key>-<digest>.so``: ``key`` hashes the
source and the toolchain fingerprint (compiler, flags, machine, arignote,
Python and NumPy versions), ``digest`` is the first 16 hex digits of the
SHA-256 of the file itself.  Kernels compiled together in one batch share
one such entry; each also gets a reference entry ``<key>-<digest>.ref``
naming the batch entry and its symbols there, so it is found on its own.
The design has no locks:

- a build writes its output under a temporary name in the entry's folder
  and publishes it with one atomic ``os.replace``; several processes
  building the same entry at once each publish a complete file, and the
  last rename wins, so nobody ever waits, least of all on a dead process;
- a build killed half way leaves only a temporary file (swept later), never
  an entry;
- an entry that is truncated or corrupted anyway (a full disk, a crash
  before the data reached the disk) no longer matches its digest: lookup
  deletes it and the caller rebuilds it;
- when the folder cannot be written (read-only, no permission), entries are
  still read from it and new ones go to a temporary folder for the rest of
  the process, with one warning.
"""

from __future__ import annotations

import atexit
import errno
import hashlib
import os
import shutil
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from arignote.config import config

SUBDIR = "c"
DIGEST_CHARS = 16
#: temporary files older than this are leftovers of killed builds
STALE_SECONDS = 3600


class CacheWarning(UserWarning):
    """The cache folder could not be used as configured; the message says what happens instead."""


def cache_root() -> Path:
    """The configured cache folder (it may not exist yet)."""
    if config.c_cache_dir:
        return Path(config.c_cache_dir).expanduser()
    if os.environ.get("ARIGNOTE_CACHE_DIR"):
        return Path(os.environ["ARIGNOTE_CACHE_DIR"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "arignote"


def file_digest(path: Path) -> str:
    """The digest that an entry's name carries: SHA-256 of its bytes, shortened."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()[:DIGEST_CHARS]


@dataclass
class CacheStats:
    """What ``python -m arignote cache info`` shows."""

    folder: Path
    writable: bool
    entries: int
    total_bytes: int
    temporary_files: int


class DiskCache:
    """Entries of compiled code under ``root``; see the module docstring for the layout."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.folder = self.root / SUBDIR
        self._fallback: Path | None = None   # temporary folder once ``folder`` proved unwritable
        self._lock = threading.Lock()         # builds run in threads: one of them switches
        self._found: dict[str, Path] = {}    # key -> verified entry, for this process

    # --- reading -------------------------------------------------------------------------
    def lookup(self, key: str) -> Path | None:
        """The verified entry for ``key``, or None (a corrupt entry is deleted on the way)."""
        found = self._found.get(key)
        if found is not None and found.exists():
            return found
        for folder in (self.folder, self._fallback):
            if folder is None:
                continue
            path = self._verified(folder / key[:2], key)
            if path is not None:
                self._found[key] = path
                return path
        return None

    def lookup_kernel(self, key: str) -> tuple[Path, str] | None:
        """``(shared object, symbol prefix)`` for ``key``: its own entry (prefix ``ag_``),
        or the batch entry a reference entry points to; None when neither is valid."""
        found = self.lookup(key)
        if found is not None:
            return found, "ag_"
        for folder in (self.folder, self._fallback):
            if folder is None:
                continue
            target = self._verified(folder / key[:2], key, suffix="ref")
            if target is None:
                continue
            name, _, prefix = target.read_text().partition("\n")
            batch = self.lookup(name.split("-")[0])
            if batch is not None and prefix:
                return batch, prefix
            try:  # the batch it points to is gone or damaged: the reference is useless
                target.unlink()
            except OSError:
                pass
        return None

    @staticmethod
    def _verified(shard: Path, key: str, suffix: str = "so") -> Path | None:
        try:
            names = [e.name for e in os.scandir(shard) if e.name.startswith(key + "-")]
        except OSError:
            return None
        for name in sorted(names):
            path = shard / name
            stem, _, found_suffix = name.rpartition(".")
            digest = stem[len(key) + 1:]
            if found_suffix != suffix or len(digest) != DIGEST_CHARS:
                continue
            try:
                if path.stat().st_size > 0 and file_digest(path) == digest:
                    return path
            except OSError:
                continue
            try:  # truncated or corrupted: remove it so that it is rebuilt
                path.unlink()
            except OSError:
                pass
        return None

    # --- writing -------------------------------------------------------------------------
    def store(self, key: str, build: Callable[[Path], None]) -> Path:
        """Build the entry for ``key`` and publish it atomically; returns its path.

        ``build(output_path)`` writes the shared object to ``output_path``, a
        temporary name in the entry's folder.
        """
        shard = self._writable_shard(key)
        output_path = shard / f".tmp-{key}-{os.getpid()}-{uuid.uuid4().hex[:8]}.so"
        try:
            build(output_path)
            with open(output_path, "rb+") as handle:
                os.fsync(handle.fileno())  # the data is on disk before the name is
            final = shard / f"{key}-{file_digest(output_path)}.so"
            os.replace(output_path, final)
        finally:
            try:
                output_path.unlink()
            except OSError:
                pass
        self._found[key] = final
        _sweep_stale(shard)
        return final

    def store_reference(self, key: str, target: Path, prefix: str) -> None:
        """Publish a reference entry: ``key``'s code is in the entry ``target`` under
        symbols starting with ``prefix`` (a kernel compiled in a batch)."""
        shard = self._writable_shard(key)
        temporary = shard / f".tmp-{key}-{os.getpid()}-{uuid.uuid4().hex[:8]}.ref"
        try:
            temporary.write_text(f"{target.stem}\n{prefix}")
            final = shard / f"{key}-{file_digest(temporary)}.ref"
            os.replace(temporary, final)
        finally:
            try:
                temporary.unlink()
            except OSError:
                pass

    def _writable_shard(self, key: str) -> Path:
        if self._fallback is None:
            shard = self.folder / key[:2]
            try:
                _probe_writable(shard)
                return shard
            except OSError as exc:
                if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR):
                    raise
                self._switch_to_fallback(exc)
        shard = self._fallback / key[:2]  # type: ignore[operator]
        shard.mkdir(parents=True, exist_ok=True)
        return shard

    def _switch_to_fallback(self, exc: OSError) -> None:
        with self._lock:
            if self._fallback is None:
                self._fallback = Path(tempfile.mkdtemp(prefix="arignote-cache-"))
                atexit.register(shutil.rmtree, self._fallback, True)
                warnings.warn(f"arignote: the C cache folder {self.folder} cannot be written "
                              f"({exc.strerror}); compiled code goes to {self._fallback} for this "
                              "process (set ARIGNOTE_CACHE_DIR or config.c_cache_dir to a writable "
                              "folder to keep it)", CacheWarning, stacklevel=2)

    @property
    def writing_to(self) -> Path:
        """The folder new entries go to."""
        return self._fallback if self._fallback is not None else self.folder

    # --- maintenance ---------------------------------------------------------------------
    def stats(self) -> CacheStats:
        entries = size = temporary = 0
        for path in _files(self.folder):
            if path.name.startswith(".tmp-"):
                temporary += 1
            elif path.suffix in (".so", ".ref"):
                entries += 1
                try:
                    size += path.stat().st_size
                except OSError:
                    pass
        existing = self.folder
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        return CacheStats(self.folder, os.access(existing, os.W_OK), entries, size, temporary)

    def clear(self) -> int:
        """Delete every entry (and leftover temporary file); returns how many files went."""
        removed = 0
        for path in _files(self.folder):
            try:
                path.unlink()
                removed += 1
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)
        self._found.clear()
        return removed


def _probe_writable(shard: Path) -> None:
    """Create ``shard`` if needed and check that files can be created in it (OSError if not)."""
    shard.mkdir(parents=True, exist_ok=True)
    probe = shard / f".tmp-probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    probe.touch()
    probe.unlink()


def _files(folder: Path) -> list[Path]:
    try:
        shards = [e.path for e in os.scandir(folder) if e.is_dir()]
    except OSError:
        return []
    found = []
    for shard in shards:
        try:
            found.extend(Path(e.path) for e in os.scandir(shard) if e.is_file())
        except OSError:
            continue
    return found


def _sweep_stale(shard: Path) -> None:
    """Remove temporary files of builds that died long ago."""
    limit = time.time() - STALE_SECONDS
    try:
        entries = list(os.scandir(shard))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(".tmp-"):
            try:
                if entry.stat().st_mtime < limit:
                    os.unlink(entry.path)
            except OSError:
                pass


_caches: dict[Path, DiskCache] = {}


def get_cache() -> DiskCache:
    """The cache for the configured folder (one object per folder, per process)."""
    root = cache_root()
    cache = _caches.get(root)
    if cache is None:
        cache = _caches[root] = DiskCache(root)
    return cache
