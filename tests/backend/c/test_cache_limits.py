"""The on-disk cache when the disk is full, and its size limit (``config.c_cache_max_mb``).

A full disk is simulated by making the writes under the cache folder fail
with ENOSPC or EDQUOT, and, where the machine allows an unprivileged mount
namespace (``unshare -rm``), by a real tmpfs a few kilobytes large.  The size
limit is exercised with a throwaway cache folder whose entries are made to
look old by moving their modification times back (the cache's clock of use).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.backend.c import build
from arignote.backend.c import cache as cache_module
from arignote.backend.c.cache import CacheWarning, DiskCache, DiskFullError, evict_least_recently_used
from arignote.backend.c.linker import CProgram
from arignote.backend.c.toolchain import CCompileWarning, CompileError

ROOT = Path(__file__).resolve().parents[3]
C = arignote.Mode(linker="c")

# A fresh process compiling in the default mode (FAST_RUN): which linker it got, and a value.
# The runtime module is built in it too, so its cache entry meets the full disk as well.
PROGRAM = textwrap.dedent("""
    import numpy as np, arignote, arignote.tensor as at
    x = at.dvector("x")
    f = arignote.function([x], (at.tanh(x) * 2.5 + at.exp(-x)).sum())
    print(type(f.program).__name__, repr(float(f(np.linspace(-1, 1, 7)))))
""")
EXPECTED = float((np.tanh(np.linspace(-1, 1, 7)) * 2.5 + np.exp(-np.linspace(-1, 1, 7))).sum())

# Prepended to PROGRAM: every rename into the cache folder fails as on a full disk.
NO_SPACE_IN_CACHE = textwrap.dedent("""
    import errno, os
    _replace = os.replace
    def _full(src, dst, *args, **kwargs):
        if str(dst).startswith(os.environ["ARIGNOTE_CACHE_DIR"]):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return _replace(src, dst, *args, **kwargs)
    os.replace = _full
""")


def _env(cache_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, ARIGNOTE_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT), **extra)
    env.pop("ARIGNOTE_FLAGS", None)
    return env


def _entries(folder: Path) -> set[Path]:
    return {p for p in folder.glob("c/*/*") if p.suffix in (".so", ".ref") and not p.name.startswith(".")}


def _fail_renames_into(folder: Path, monkeypatch: pytest.MonkeyPatch, code: int = errno.ENOSPC) -> None:
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(dst).is_relative_to(folder):
            raise OSError(code, os.strerror(code), str(dst))
        return real(src, dst, *args, **kwargs)
    monkeypatch.setattr(os, "replace", replace)


def _fake_object(out: Path) -> None:
    out.write_bytes(b"\x7fELF not really " + os.urandom(64))


# --- a full disk ----------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_cache_folder_falls_back_and_still_compiles_c(tmp_path, monkeypatch, code):
    _fail_renames_into(tmp_path, monkeypatch, code)
    x = at.dvector("x")
    with (arignote.config.change_flags(c_cache_dir=str(tmp_path)),
          warnings.catch_warnings(record=True) as seen):
        warnings.simplefilter("always")
        f = arignote.function([x], [at.arcsinh(x) * 3.25 - x, (at.cosh(x) + 0.75).sum()], mode="FAST_RUN")
    cache_warnings = [w for w in seen if issubclass(w.category, CacheWarning)]
    assert len(cache_warnings) == 1, [str(w.message) for w in seen]
    message = str(cache_warnings[0].message)
    assert "no space left" in message and str(tmp_path / "c") in message
    assert not [w for w in seen if issubclass(w.category, CCompileWarning)]
    assert isinstance(f.program, CProgram)
    assert not [line for line in f.program.describe() if "NumPy" in line]
    value = np.linspace(-2, 2, 9)
    out = f(value)
    np.testing.assert_allclose(out[0], np.arcsinh(value) * 3.25 - value, rtol=1e-15)
    np.testing.assert_allclose(out[1], (np.cosh(value) + 0.75).sum(), rtol=1e-14)
    assert not _entries(tmp_path)   # everything went to the temporary folder


def test_a_full_disk_in_a_fresh_process_keeps_fast_run_on_c(tmp_path):
    done = subprocess.run([sys.executable, "-c", NO_SPACE_IN_CACHE + PROGRAM], env=_env(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    linker, value = done.stdout.split()
    assert linker == "CProgram" and float(value) == pytest.approx(EXPECTED, rel=1e-14)
    assert done.stderr.count("CacheWarning") == 1 and "no space left" in done.stderr, done.stderr
    assert "C compiler" not in done.stderr, done.stderr


# what ld says when the object does not fit, in English and in German
@pytest.mark.parametrize("says", ["/usr/bin/ld: final link failed: No space left on device",
                                  "/usr/bin/ld: final link failed: Auf dem Gerät ist kein Speicherplatz "
                                  "mehr verfügbar"])
def test_a_compiler_that_finds_the_disk_full_is_not_a_broken_compiler(tmp_path, monkeypatch, says):
    cache = DiskCache(tmp_path)
    monkeypatch.setattr(cache_module, "_has_room", lambda folder: not folder.is_relative_to(tmp_path))

    def build_object(out: Path) -> None:
        if out.is_relative_to(tmp_path):
            raise CompileError(says)
        _fake_object(out)
    with pytest.warns(CacheWarning, match="no space left"):
        built = cache.store("a" * 40, build_object)
    assert not built.is_relative_to(tmp_path) and cache.lookup("a" * 40) == built


def test_a_full_temporary_folder_is_named_and_not_blamed_on_the_cache(tmp_path, monkeypatch):
    temporary = Path(tempfile.gettempdir())
    monkeypatch.setattr(cache_module, "_has_room", lambda folder: folder != temporary)
    cache = DiskCache(tmp_path)

    def build_object(out: Path) -> None:   # cc1 cannot write its assembly to $TMPDIR
        raise CompileError(f"cc1: fatal error: {temporary}/ccX.s: No space left on device")
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        with pytest.raises(DiskFullError) as caught:
            cache.store("9" * 40, build_object)
    assert f"the disk is full (no space left in {temporary})" in str(caught.value)
    assert cache.writing_to == cache.folder


def test_a_real_compile_error_is_still_a_compile_error(tmp_path):
    cache = DiskCache(tmp_path)

    def broken(out: Path) -> None:
        raise CompileError("error: expected ';' before '}' token")
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        with pytest.raises(CompileError, match="expected ';'"):
            cache.store("b" * 40, broken)
    assert cache.writing_to == cache.folder
    assert not list(tmp_path.glob("c/*/.tmp-*"))   # the probe for room left nothing behind


def test_no_room_in_the_temporary_folder_either_says_the_disk_is_full(tmp_path, monkeypatch):
    cache = DiskCache(tmp_path)
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith(".so"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real(src, dst, *args, **kwargs)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.warns(CacheWarning, match="no space left"), pytest.raises(DiskFullError) as caught:
        cache.store("c" * 40, _fake_object)
    assert caught.value.errno == errno.ENOSPC
    assert "the disk is full" in str(caught.value) and str(cache.writing_to) in str(caught.value)


def test_a_reference_that_finds_no_room_is_skipped(tmp_path, monkeypatch):
    cache = DiskCache(tmp_path)
    batch = cache.store("d" * 40, _fake_object)
    _fail_renames_into(Path("/"), monkeypatch)   # nowhere has room now
    with pytest.warns(CacheWarning, match="no space left"):
        cache.store_reference("e" * 40, batch, "ag0_")
    monkeypatch.undo()
    assert cache.lookup_kernel("e" * 40) is None   # a miss: the kernel is rebuilt when needed


def _unshare_works() -> bool:
    if shutil.which("unshare") is None or sys.platform != "linux":
        return False
    try:
        done = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=8k tmpfs /mnt"],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


needs_mounts = pytest.mark.skipif(not _unshare_works(),
                                  reason="no unprivileged mount namespace (unshare -rm)")


def _on_a_tiny_disk(mount: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """PROGRAM run in a mount namespace where ``mount`` is an 8 kB tmpfs."""
    mount.mkdir(exist_ok=True)
    script = 'mount -t tmpfs -o size=8k tmpfs "$0" && mkdir "$0/tmp" && exec "$@"'
    return subprocess.run(["unshare", "-rm", "sh", "-c", script, str(mount), sys.executable, "-c", PROGRAM],
                          env=env, capture_output=True, text=True, timeout=300)


@needs_mounts
def test_a_really_full_disk_falls_back(tmp_path):
    mount = tmp_path / "disk"
    done = _on_a_tiny_disk(mount, _env(mount / "cache"))
    assert done.returncode == 0, done.stderr
    linker, value = done.stdout.split()
    assert linker == "CProgram" and float(value) == pytest.approx(EXPECTED, rel=1e-14)
    assert done.stderr.count("CacheWarning") == 1, done.stderr
    assert f"{mount / 'cache' / 'c'} has no space left" in done.stderr
    assert "C compiler" not in done.stderr, done.stderr


@needs_mounts
def test_a_really_full_disk_everywhere_is_reported_as_such(tmp_path):
    mount = tmp_path / "disk"
    done = _on_a_tiny_disk(mount, _env(mount / "cache", TMPDIR=str(mount / "tmp")))
    assert done.returncode != 0
    assert "DiskFullError: arignote: the disk is full" in done.stderr, done.stderr
    assert "C compiler" not in done.stderr and "CompilerUnavailable" not in done.stderr


# --- the size limit -------------------------------------------------------------------------------

def _age(folder: Path, seconds: float) -> None:
    """Move every entry's last use ``seconds`` back, keeping their order."""
    for path in _entries(folder):
        st = path.stat()
        os.utime(path, (st.st_atime - seconds, st.st_mtime - seconds))


def _compile(k: int) -> arignote.Function:
    x = at.dvector("x")   # two kernels (one batch and two references), distinct for each k
    return arignote.function([x], [at.sin(x) * (k + 0.5), (at.cosh(x) - (3 * k + 1)).sum()], mode=C)


def _check(f: arignote.Function, k: int) -> None:
    value = np.linspace(-1, 1, 5)
    out = f(value)
    np.testing.assert_allclose(out[0], np.sin(value) * (k + 0.5), rtol=1e-15)
    np.testing.assert_allclose(out[1], (np.cosh(value) - (3 * k + 1)).sum(), rtol=1e-14)


def test_the_cache_stays_within_its_limit_and_keeps_what_was_used_last(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "available_cores", lambda: 1)   # one batch per function
    files: dict[int, set[Path]] = {}

    def compile_new(k: int) -> None:
        before = _entries(tmp_path)
        _check(_compile(k), k)
        files[k] = _entries(tmp_path) - before
        assert files[k], f"function {k} built nothing"
        _age(tmp_path, 1000)   # older than the grace period; function k is the newest

    with arignote.config.change_flags(c_cache_dir=str(tmp_path), c_cache_max_mb=0):
        compile_new(0)
    one = DiskCache(tmp_path).stats().total_bytes
    limit_mb = 3.6 * one / 1e6   # room for three functions and a bit
    with arignote.config.change_flags(c_cache_dir=str(tmp_path), c_cache_max_mb=limit_mb):
        for k in (1, 2, 3):
            compile_new(k)
            assert DiskCache(tmp_path).stats().total_bytes <= limit_mb * 1e6
        assert not files[0] & _entries(tmp_path)          # the least recently used went first
        before = _entries(tmp_path)
        _check(_compile(1), 1)                             # function 1 is used again ...
        assert _entries(tmp_path) == before               # ... from the cache
        _age(tmp_path, 1000)
        compile_new(4)
        assert DiskCache(tmp_path).stats().total_bytes <= limit_mb * 1e6
        present = _entries(tmp_path)
        assert files[1] | files[3] | files[4] <= present   # used last: kept
        assert not files[2] & present                      # not used since function 3: evicted
        _check(_compile(2), 2)                             # an evicted function is simply rebuilt


def test_an_evicted_batch_leaves_references_that_miss(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "available_cores", lambda: 1)
    with arignote.config.change_flags(c_cache_dir=str(tmp_path)):
        _check(_compile(7), 7)
        refs = sorted(tmp_path.glob("c/*/*.ref"))
        assert len(refs) == 2
        (batch,) = [p for p in _entries(tmp_path) if p.suffix == ".so"]
        batch.unlink()   # another process evicted it; this one still has it loaded
        assert DiskCache(tmp_path).lookup_kernel(refs[0].name.split("-")[0]) is None
        assert not refs[0].exists()   # the dangling reference is dropped on the way
        _check(_compile(7), 7)   # this process's memo of the batch misses too: rebuilt, and correct
        assert batch.exists() and refs[0].exists()


def test_a_lookup_racing_with_an_eviction_misses(tmp_path, monkeypatch):
    cache = DiskCache(tmp_path)
    path = cache.store("f" * 40, _fake_object)
    real = cache_module.file_digest

    def evicted_while_read(p: Path) -> str:
        digest = real(p)          # the whole file was read ...
        os.unlink(p)              # ... and then another process evicted it
        return digest
    monkeypatch.setattr(cache_module, "file_digest", evicted_while_read)
    assert DiskCache(tmp_path).lookup("f" * 40) is None
    assert cache.lookup("f" * 40) is None   # this process's memo of it misses too
    assert not path.exists()


def test_a_lookup_marks_the_entry_as_used(tmp_path):
    cache = DiskCache(tmp_path)
    path = cache.store("1" * 40, _fake_object)
    os.utime(path, (0, 1000))
    assert DiskCache(tmp_path).lookup("1" * 40) == path
    assert time.time() - path.stat().st_mtime < 60


def test_entries_used_within_the_grace_period_are_never_evicted(tmp_path):
    cache = DiskCache(tmp_path)
    paths = [cache.store(str(k) * 40, _fake_object) for k in range(4)]
    old, recent = paths[:2], paths[2:]
    for path in old:
        os.utime(path, (0, time.time() - 3600))
    left = evict_least_recently_used(cache.folder, limit=1, target=0, grace=60)
    assert not any(p.exists() for p in old) and all(p.exists() for p in recent)
    assert left == sum(cache_module._disk_bytes(p) for p in recent)


def test_publishes_do_not_scan_the_folder_each_time(tmp_path, monkeypatch):
    scans = []
    real = cache_module._entries_by_age
    monkeypatch.setattr(cache_module, "_entries_by_age", lambda folder: scans.append(folder) or real(folder))
    monkeypatch.setattr(cache_module, "RESCAN_EVERY", 10)
    cache = DiskCache(tmp_path)
    with arignote.config.change_flags(c_cache_max_mb=100):
        for k in range(25):
            cache.store(f"{k:02d}" + "0" * 38, _fake_object)
    assert len(scans) == 3   # the first publish, then every tenth
    with arignote.config.change_flags(c_cache_max_mb=0):
        cache.store("9" * 40, _fake_object)
    assert len(scans) == 3   # no limit: no scan


def test_the_limit_is_a_flag_shown_by_cache_info(tmp_path, capsys):
    from arignote.__main__ import main

    with arignote.config.change_flags(c_cache_dir=str(tmp_path), c_cache_max_mb=12.5):
        assert main(["cache", "info"]) == 0
    assert "size limit:     12.5 MB" in capsys.readouterr().out
    with arignote.config.change_flags(c_cache_dir=str(tmp_path), c_cache_max_mb=0):
        main(["cache", "info"])
    assert "size limit:     none" in capsys.readouterr().out
    with pytest.raises(ValueError, match="c_cache_max_mb must be a number >= 0"):
        arignote.config.c_cache_max_mb = -1


@pytest.mark.no_compiler_ok
def test_the_limit_can_be_set_in_the_environment(monkeypatch):
    from arignote.config import Config

    monkeypatch.setenv("ARIGNOTE_FLAGS", "c_cache_max_mb=0.5")
    assert Config().c_cache_max_mb == 0.5


def test_an_entry_evicted_while_the_rest_builds_is_built_again(tmp_path, monkeypatch):
    def job(factor: int) -> build.BuildJob:
        return build.BuildJob(f"double ag_kernel(double x) {{ return x * {factor}; }}\n", "test kernel")

    with arignote.config.change_flags(c_cache_dir=str(tmp_path)):
        (first,) = build.build_all([job(2)])
        cache = cache_module.get_cache()
        real_store = cache.store

        def store_while_another_process_evicts(key, make):
            first.path.unlink(missing_ok=True)
            return real_store(key, make)
        monkeypatch.setattr(cache, "store", store_while_another_process_evicts)
        found, built = build.build_all([job(2), job(3)])   # job(2) is found, then evicted
    assert found.path.exists() and built.path.exists()   # ... and built again before returning
