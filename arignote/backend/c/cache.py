"""The on-disk cache of compiled C code.

Where: ``config.c_cache_dir``, else ``$ARIGNOTE_CACHE_DIR``, else
``$XDG_CACHE_HOME/arignote`` (``~/.cache/arignote``); entries live under its
``c/`` folder, sharded by the first two hex digits of their key.

An entry is one shared object named ``<key>-<digest>.so`` (or, from the
whole-function cache of ``arignote/compile/program_cache.py``, a program
``<key>-<digest>.prog``, kept by the same rules): ``key`` hashes the
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
- when the folder cannot be written (read-only, no permission) or has no
  room (ENOSPC, EDQUOT; when the compiler fails, a probe file written there
  tells a full folder from a real compile error), entries are still read
  from it and new ones go to a temporary folder for the rest of the
  process, with one CacheWarning; a full disk is never reported as a broken
  compiler.  When the temporary folder (where the compiler also writes its
  intermediate files) has no room either, the build raises DiskFullError.

The cache holds at most ``config.c_cache_max_mb`` megabytes (0: no limit),
counted as the space its files take on disk.  Every lookup that finds an
entry sets its modification time to now, so the oldest modification time
marks the least recently used entry; when a publish may have pushed the
folder over the limit, the least recently used entries are deleted down to
90% of it.  A process keeps a running estimate of the folder's size and
scans it only when the estimate is over the limit, or after RESCAN_EVERY
publishes (other processes publish too).  Eviction is safe while other
processes read:

- an entry used in the last EVICT_GRACE_SECONDS is never evicted (its time
  is checked again right before it is deleted), and ``build.build_all``
  touches every entry once more when all are built, right before they are
  loaded (building again any that went meanwhile), so a process between
  finding an entry and loading it keeps it; the folder may thus exceed the
  limit by what was used in the last EVICT_GRACE_SECONDS;
- an object already loaded stays valid after its file is deleted;
- a lookup racing with an eviction finds no file, or cannot touch it, and
  misses: the caller rebuilds; entries are deleted whole, never truncated;
- a reference's batch entry is never less recently used than the reference
  (using one touches both), so references go first; a reference whose batch
  is gone anyway is a miss, and is deleted.
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

from arignote.backend.c.toolchain import CompileError
from arignote.config import config

SUBDIR = "c"
DIGEST_CHARS = 16
#: temporary files older than this are leftovers of killed builds
STALE_SECONDS = 3600
#: an entry used more recently than this is never evicted (a process may be about to load it)
EVICT_GRACE_SECONDS = 60.0
#: eviction frees space down to this fraction of the limit, so the next publishes need no scan
EVICT_TO = 0.9
#: publishes after which the folder is scanned again even when the estimate is under the limit
RESCAN_EVERY = 64
#: what a failed build writes to find out whether the folder has room for an object
ROOM_PROBE_BYTES = 1 << 20
#: errors of a write that found no room: the disk is full, or the user's quota is used up
#: the kinds of entries: compiled code, references into a batch, whole programs
ENTRY_SUFFIXES = (".so", ".ref", ".prog")
FULL_ERRNOS = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if e is not None)


class CacheWarning(UserWarning):
    """The cache folder could not be used as configured; the message says what happens instead."""


class DiskFullError(OSError):
    """No room to build compiled code: neither in the cache folder nor in the temporary one."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.ENOSPC, message)

    def __str__(self) -> str:
        return str(self.strerror)


def limit_bytes() -> int:
    """``config.c_cache_max_mb`` in bytes; 0 means no limit."""
    return max(0, int(float(config.c_cache_max_mb) * 1_000_000))


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
    limit_bytes: int = 0     # 0: no limit
    programs: int = 0        # of the entries, whole programs (arignote/compile/program_cache.py)


@dataclass
class _Usage:
    """This process's estimate of a folder's size, so that a publish seldom has to scan it."""

    bytes: int = 0
    since_scan: int = -1     # publishes since the last scan; -1: not scanned yet


class DiskCache:
    """Entries of compiled code under ``root``; see the module docstring for the layout."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.folder = self.root / SUBDIR
        self._fallback: Path | None = None   # temporary folder once ``folder`` proved unwritable
        self._lock = threading.Lock()         # builds run in threads: one of them switches
        self._found: dict[tuple[str, str], Path] = {}  # (key, suffix) -> verified entry, this process
        self._usage: dict[Path, _Usage] = {}  # folder -> size estimate, for the size limit
        self._evicting = False                # one thread of this process scans at a time

    # --- reading -------------------------------------------------------------------------
    def lookup(self, key: str, suffix: str = "so") -> Path | None:
        """The verified entry for ``key``, or None (a corrupt entry is deleted on the way).
        ``suffix`` names the kind of entry: ``so`` compiled code, ``prog`` a whole program."""
        found = self._found.get((key, suffix))
        if found is not None and _touch(found):
            return found
        for folder in (self.folder, self._fallback):
            if folder is None:
                continue
            path = self._verified(folder / key[:2], key, suffix)
            if path is not None:
                self._found[(key, suffix)] = path
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
            try:
                name, _, prefix = target.read_text().partition("\n")
            except OSError:  # evicted since it was verified
                continue
            batch = self.lookup(name.split("-")[0])
            if batch is not None and prefix:
                return batch, prefix
            try:  # the batch it points to is gone or damaged: the reference is useless
                target.unlink()
            except OSError:
                pass
        return None

    @staticmethod
    def touch(path: Path) -> bool:
        """Mark the entry ``path`` as used now; False when it is gone (evicted): then it must
        be looked up or built again.  Callers touch what they are about to load."""
        return _touch(path)

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
                    if _touch(path):  # else evicted while being checked: a miss
                        return path
                    continue
            except OSError:
                continue
            try:  # truncated or corrupted: remove it so that it is rebuilt
                path.unlink()
            except OSError:
                pass
        return None

    # --- writing -------------------------------------------------------------------------
    def store(self, key: str, build: Callable[[Path], None], suffix: str = "so") -> Path:
        """Build the entry for ``key`` and publish it atomically; returns its path.

        ``build(output_path)`` writes the shared object (or, for another
        ``suffix``, the entry's bytes) to ``output_path``, a temporary name in
        the entry's folder.  When the cache folder is full,
        the entry is built again in the temporary folder; DiskFullError when
        that is full too.
        """
        while True:
            shard = self._writable_shard(key)
            try:
                final = self._publish(shard, key, build, suffix)
                break
            except (OSError, CompileError) as exc:
                full = self._full_folder(exc, shard)
                if full is None:
                    raise
                if full != shard.parent or full == self._fallback:  # nowhere else to go
                    raise self._disk_full_error(full) from exc
                self._switch_to_fallback(f"has no space left ({_reason(exc)})")
        self._found[(key, suffix)] = final
        _sweep_stale(final.parent)
        self._account(final.parent.parent, _disk_bytes(final))
        return final

    @staticmethod
    def _publish(shard: Path, key: str, build: Callable[[Path], None], suffix: str = "so") -> Path:
        output_path = shard / f".tmp-{key}-{os.getpid()}-{uuid.uuid4().hex[:8]}.{suffix}"
        try:
            build(output_path)
            with open(output_path, "rb+") as handle:
                os.fsync(handle.fileno())  # the data is on disk before the name is
            final = shard / f"{key}-{file_digest(output_path)}.{suffix}"
            os.replace(output_path, final)
        finally:
            try:
                output_path.unlink()
            except OSError:
                pass
        return final

    def store_reference(self, key: str, target: Path, prefix: str) -> None:
        """Publish a reference entry: ``key``'s code is in the entry ``target`` under
        symbols starting with ``prefix`` (a kernel compiled in a batch).

        With no room anywhere the reference is skipped: the kernel then misses
        when next looked up on its own, and is rebuilt.
        """
        for _ in range(2):
            shard = self._writable_shard(key)
            try:
                final = self._publish_reference(shard, key, target, prefix)
            except OSError as exc:
                if exc.errno not in FULL_ERRNOS:
                    raise
                if shard.parent == self._fallback:
                    return
                self._switch_to_fallback(f"has no space left ({_reason(exc)})")
                continue
            _touch(target)  # a batch is never less recently used than its references
            self._account(final.parent.parent, _disk_bytes(final))
            return

    @staticmethod
    def _publish_reference(shard: Path, key: str, target: Path, prefix: str) -> Path:
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
        return final

    def _writable_shard(self, key: str) -> Path:
        if self._fallback is None:
            shard = self.folder / key[:2]
            try:
                _probe_writable(shard)
                return shard
            except OSError as exc:
                if exc.errno in FULL_ERRNOS:
                    self._switch_to_fallback(f"has no space left ({_reason(exc)})")
                elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR):
                    self._switch_to_fallback(f"cannot be written ({exc.strerror})")
                else:
                    raise
        shard = self._fallback / key[:2]  # type: ignore[operator]
        try:
            shard.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if exc.errno in FULL_ERRNOS:
                raise self._disk_full_error(shard.parent) from exc
            raise
        return shard

    def _switch_to_fallback(self, why: str) -> None:
        """New entries go to a temporary folder from now on; ``why`` says what is wrong
        with the cache folder (one warning per process)."""
        with self._lock:
            if self._fallback is not None:
                return
            try:
                fallback = Path(tempfile.mkdtemp(prefix="arignote-cache-"))
            except OSError as exc:
                if exc.errno in FULL_ERRNOS:
                    raise self._disk_full_error(Path(tempfile.gettempdir())) from exc
                raise
            self._fallback = fallback
            atexit.register(shutil.rmtree, fallback, True)
            warnings.warn(f"arignote: the C cache folder {self.folder} {why}; compiled code goes "
                          f"to {fallback} for this process (set ARIGNOTE_CACHE_DIR or "
                          "config.c_cache_dir to a writable folder with room to keep it)",
                          CacheWarning, stacklevel=2)

    @staticmethod
    def _full_folder(exc: BaseException, shard: Path) -> Path | None:
        """The folder that had no room when a build into ``shard`` failed with ``exc``
        (the cache folder, or the temporary one), or None when the failure is not about
        room (a real compile error).

        A compiler reports a full disk as a failed build, in a message that may be
        in the user's language, so a failed build checks for room by writing, in
        ``shard`` and in the temporary folder (where the compiler writes its
        intermediate files).  With room in both, a message saying the disk is full
        means this object did not fit in ``shard``.
        """
        if isinstance(exc, OSError):
            return shard.parent if exc.errno in FULL_ERRNOS else None
        if not _has_room(shard):
            return shard.parent
        temporary = Path(tempfile.gettempdir())
        if not _has_room(temporary):
            return temporary
        if any(os.strerror(e).lower() in str(exc).lower() for e in FULL_ERRNOS):
            return shard.parent
        return None

    def _disk_full_error(self, full: Path) -> DiskFullError:
        tried = [str(self.folder)] + ([str(self._fallback)] if self._fallback is not None else [])
        return DiskFullError(
            f"arignote: the disk is full (no space left in {full}): compiled C code cannot be written "
            f"(tried {' and '.join(tried)}; the compiler also writes temporary files to "
            f"{tempfile.gettempdir()}). Free some space, or set ARIGNOTE_CACHE_DIR or "
            "config.c_cache_dir (and $TMPDIR) to a folder with room.")

    @property
    def writing_to(self) -> Path:
        """The folder new entries go to."""
        return self._fallback if self._fallback is not None else self.folder

    # --- size limit ----------------------------------------------------------------------
    def _account(self, folder: Path, added: int) -> None:
        """Count ``added`` bytes just published under ``folder``; evict least recently used
        entries when the folder may be over ``config.c_cache_max_mb``."""
        limit = limit_bytes()
        if not limit:
            return
        with self._lock:
            usage = self._usage.setdefault(folder, _Usage())
            usage.bytes += added
            if usage.since_scan >= 0:
                usage.since_scan += 1
                if usage.bytes <= limit and usage.since_scan < RESCAN_EVERY:
                    return
            if self._evicting:  # another thread is on it
                return
            self._evicting = True
        try:
            left = evict_least_recently_used(folder, limit, int(limit * EVICT_TO))
        finally:
            with self._lock:
                self._evicting = False
        with self._lock:
            usage.bytes, usage.since_scan = left, 0

    # --- maintenance ---------------------------------------------------------------------
    def stats(self) -> CacheStats:
        entries = size = temporary = programs = 0
        for path in _files(self.folder):
            if path.name.startswith(".tmp-"):
                temporary += 1
            elif path.suffix in ENTRY_SUFFIXES:
                entries += 1
                programs += path.suffix == ".prog"
                size += _disk_bytes(path)
        existing = self.folder
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        return CacheStats(self.folder, os.access(existing, os.W_OK), entries, size, temporary,
                          limit_bytes(), programs)

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
        self._usage.clear()
        return removed


def evict_least_recently_used(folder: Path, limit: int, target: int,
                              grace: float | None = None) -> int:
    """Delete the least recently used entries under ``folder`` (a cache's ``c/``) if it holds
    more than ``limit`` bytes, down to ``target``; returns the bytes left.

    Entries used in the last ``grace`` seconds (default EVICT_GRACE_SECONDS) stay.
    """
    grace = EVICT_GRACE_SECONDS if grace is None else grace
    entries = _entries_by_age(folder)
    left = sum(size for _, _, size, _ in entries)
    if left <= limit:
        return left
    cutoff = time.time() - grace
    for mtime, _, size, path in entries:
        if left <= target or mtime >= cutoff:
            break
        if _evict(path, cutoff):
            left -= size
    return left


def _entries_by_age(folder: Path) -> list[tuple[float, bool, int, Path]]:
    """``(last use, is an object, bytes, path)`` of every entry, least recently used first;
    at equal times references come before objects (a batch outlives its references)."""
    found = []
    for path in _files(folder):
        if path.name.startswith(".tmp-") or path.suffix not in ENTRY_SUFFIXES:
            continue
        try:
            st = path.stat()
        except OSError:
            continue
        found.append((st.st_mtime, path.suffix == ".so", _stat_bytes(st), path))
    found.sort(key=lambda e: (e[0], e[1]))
    return found


def _evict(path: Path, cutoff: float) -> bool:
    """Delete the entry ``path`` unless it was used since ``cutoff``; whether it is gone."""
    try:
        # checked again right before deleting: a lookup may have used it since the scan
        if os.stat(path).st_mtime >= cutoff:
            return False
        os.unlink(path)
    except FileNotFoundError:
        return True   # another process evicted it
    except OSError:
        return False
    return True


def _touch(path: Path) -> bool:
    """Mark ``path`` as used now (its modification time is the LRU clock); False when it is gone."""
    try:
        os.utime(path)
        return True
    except FileNotFoundError:
        return False
    except OSError:  # a read-only folder, or another user's file: used, but not marked
        return path.exists()


def _stat_bytes(st: os.stat_result) -> int:
    # what the file takes on disk: a small reference entry still occupies a whole block
    return max(st.st_size, getattr(st, "st_blocks", 0) * 512)


def _disk_bytes(path: Path) -> int:
    try:
        return _stat_bytes(path.stat())
    except OSError:
        return 0


def _reason(exc: BaseException) -> str:
    """Why a write found no room, for the warning."""
    if isinstance(exc, OSError):
        quota = exc.errno == getattr(errno, "EDQUOT", None)
        return "the disk quota is exceeded" if quota else "the disk is full"
    return "the compiler could not write its output there"


def _has_room(folder: Path) -> bool:
    """Whether ROOM_PROBE_BYTES can be written to ``folder`` (what a compiled object needs)."""
    probe = folder / f".tmp-room-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        with open(probe, "wb") as handle:
            handle.write(os.urandom(ROOM_PROBE_BYTES))  # random: a compressing filesystem stores it all
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        return exc.errno not in FULL_ERRNOS
    finally:
        try:
            probe.unlink()
        except OSError:
            pass
    return True


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
    found: list[Path] = []
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
_caches_lock = threading.Lock()


def get_cache() -> DiskCache:
    """The cache for the configured folder (one object per folder, per process)."""
    root = cache_root()
    cache = _caches.get(root)
    if cache is None:
        with _caches_lock:  # one object per folder even when threads ask at once
            cache = _caches.get(root)
            if cache is None:
                cache = _caches[root] = DiskCache(root)
    return cache
