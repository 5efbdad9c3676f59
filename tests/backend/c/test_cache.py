"""The on-disk cache under concurrent processes, killed builds, corruption and read-only folders.

Each test uses its own cache folder (``ARIGNOTE_CACHE_DIR``) and, where the
scenario is about processes, runs them for real as subprocesses.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.backend.c import cache as cache_module
from arignote.backend.c import runtime
from arignote.backend.c.cache import CacheWarning, DiskCache, file_digest

ROOT = Path(__file__).resolve().parents[3]

# A function whose kernels no other test builds: its structure depends on SEED.
PROGRAM = textwrap.dedent("""
    import sys, numpy as np, arignote, arignote.tensor as at
    seed = int(sys.argv[1])
    x = at.dvector("x")
    y = x
    for k in range(seed % 7 + 3):
        y = at.tanh(y) * 1.5 + at.exp(-y) if k % 2 else at.sin(y) - y
    f = arignote.function([x], [y, (y * seed).sum()], mode=arignote.Mode(linker="c"))
    out = f(np.linspace(-1, 1, 11))
    print(repr(float(out[1])))
""")


def _env(cache_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, ARIGNOTE_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT), **extra)
    env.pop("ARIGNOTE_FLAGS", None)
    return env


def _run(cache_dir: Path, seed: int, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROGRAM, str(seed)], env=_env(cache_dir, **extra),
                          capture_output=True, text=True, timeout=300)


def _entries(cache_dir: Path) -> list[Path]:
    return sorted(p for p in (cache_dir / "c").glob("*/*.so") if not p.name.startswith(".tmp-"))


def _expected(seed: int) -> float:
    y = np.linspace(-1, 1, 11)
    for k in range(seed % 7 + 3):
        y = np.tanh(y) * 1.5 + np.exp(-y) if k % 2 else np.sin(y) - y
    return float((y * seed).sum())


def test_concurrent_processes_share_one_cache(tmp_path):
    seed = 1000 + os.getpid() % 1000
    processes = [subprocess.Popen([sys.executable, "-c", PROGRAM, str(seed)], env=_env(tmp_path),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
    for p in processes:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert float(out) == pytest.approx(_expected(seed), rel=1e-12)
    entries = _entries(tmp_path)
    keys = [p.name.split("-")[0] for p in entries]
    # identical sources build identical objects, so racing builds publish the same entry
    assert len(keys) == len(set(keys)), entries
    for path in entries:
        assert file_digest(path) == path.stem.split("-")[1]
    assert not list((tmp_path / "c").glob("*/.tmp-*"))
    again = _run(tmp_path, seed)
    assert again.returncode == 0 and float(again.stdout) == pytest.approx(_expected(seed), rel=1e-12)
    assert _entries(tmp_path) == entries  # everything came from the cache


def test_a_killed_build_leaves_no_entry(tmp_path):
    # a compiler that, when $SLOW is set, writes half an object file and hangs until killed
    marker = tmp_path / "started"
    slow = tmp_path / "slowcc"
    slow.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        out=""; prev=""
        for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done
        if [ -n "$SLOW" ] && [ -n "$out" ]; then
            printf 'half an object' > "$out"; touch {marker}; sleep 60
        fi
        exec gcc "$@"
        """))
    slow.chmod(0o755)
    cache_dir = tmp_path / "cache"
    process = subprocess.Popen([sys.executable, "-c", PROGRAM, "3"],
                               env=_env(cache_dir, CC=str(slow), SLOW="1"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the build and its compiler die half way
    process.wait()
    assert marker.exists(), "the build never started"
    assert list(cache_dir.glob("c/*/.tmp-*.so")), "no half-written object was left behind"
    assert _entries(cache_dir) == []
    done = _run(cache_dir, 3, CC=str(slow))   # the next process builds everything normally
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) == pytest.approx(_expected(3), rel=1e-12)
    assert _entries(cache_dir)


@pytest.mark.parametrize("damage", ["truncate", "corrupt", "empty"])
def test_a_damaged_entry_is_detected_and_rebuilt(tmp_path, damage):
    first = _run(tmp_path, 11)
    assert first.returncode == 0, first.stderr
    for path in _entries(tmp_path):
        data = path.read_bytes()
        if damage == "truncate":
            path.write_bytes(data[: len(data) // 3])
        elif damage == "corrupt":
            path.write_bytes(data[:200] + bytes(255 - b for b in data[200:400]) + data[400:])
        else:
            path.write_bytes(b"")
    second = _run(tmp_path, 11)
    assert second.returncode == 0, second.stderr
    assert float(second.stdout) == pytest.approx(_expected(11), rel=1e-12)
    for path in _entries(tmp_path):
        assert file_digest(path) == path.stem.split("-")[1]


def test_an_unwritable_folder_falls_back_to_a_temporary_one(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = _run(blocker / "cache", 5)   # the cache folder cannot even be created
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) == pytest.approx(_expected(5), rel=1e-12)
    assert "cannot be written" in done.stderr and done.stderr.count("CacheWarning") == 1


def test_a_read_only_folder_is_still_read(tmp_path, monkeypatch):
    # build an entry, then make the folder read-only: the entry is used, new ones go elsewhere
    with arignote.config.change_flags(c_cache_dir=str(tmp_path)):
        x = at.dvector("x")
        arignote.function([x], at.arcsinh(x) * 3 - x, mode=arignote.Mode(linker="c"))
    before = _entries(tmp_path)
    assert before

    def refuse(shard):
        raise PermissionError(13, "Permission denied (read-only for this test)")
    monkeypatch.setattr(cache_module, "_probe_writable", refuse)
    cache = DiskCache(tmp_path)
    key = before[0].name.split("-")[0]
    assert cache.lookup(key) == before[0]
    with pytest.warns(CacheWarning, match="cannot be written"):
        built = cache.store("f" * 40, lambda out: out.write_bytes(b"\x7fELF not really"))
    assert not built.is_relative_to(tmp_path) and built.exists()
    assert cache.lookup("f" * 40) == built
    assert _entries(tmp_path) == before


def test_cache_command_line(tmp_path):
    assert _run(tmp_path, 2).returncode == 0
    env = _env(tmp_path)
    info = subprocess.run([sys.executable, "-m", "arignote", "cache", "info"], env=env,
                          capture_output=True, text=True, check=True)
    count = len(_entries(tmp_path)) + len(list((tmp_path / "c").glob("*/*.ref")))
    programs = len(list((tmp_path / "c").glob("*/*.prog")))  # the whole-function cache's
    assert programs == 1
    assert str(tmp_path / "c") in info.stdout
    assert f"entries:        {count} compiled objects, {programs} whole programs" in info.stdout
    installed = runtime.installed_runtime()  # built at install, else on first use in the cache
    assert "runtime module: " + (installed.__file__ if installed else str(tmp_path)) in info.stdout
    cleared = subprocess.run([sys.executable, "-m", "arignote", "cache", "clear"], env=env,
                             capture_output=True, text=True, check=True)
    assert f"removed {count + programs} files" in cleared.stdout
    assert _entries(tmp_path) == []


def test_keys_depend_on_the_flags(tmp_path):
    with arignote.config.change_flags(c_cache_dir=str(tmp_path)):
        x = at.dvector("x")
        arignote.function([x], at.cosh(x) + 2, mode=arignote.Mode(linker="c"))
        n = len(_entries(tmp_path))
        with arignote.config.change_flags(c_flags="-O1 -fwrapv -fno-math-errno -ffp-contract=off"):
            f = arignote.function([x], at.cosh(x) + 2, mode=arignote.Mode(linker="c"))
            np.testing.assert_allclose(f(np.arange(3.0)), np.cosh(np.arange(3.0)) + 2)
        assert len(_entries(tmp_path)) > n


def test_kernels_compiled_together_are_found_one_by_one(tmp_path, monkeypatch):
    from arignote.backend.c import build

    monkeypatch.setattr(build, "available_cores", lambda: 1)  # one batch for all new kernels
    mode = arignote.Mode(linker="c")
    with arignote.config.change_flags(c_cache_dir=str(tmp_path)):
        x = at.dvector("x")
        f = arignote.function([x], [at.arcsinh(x) * 2, at.cosh(x).sum(), at.argmax(x)], mode=mode)
        refs = sorted((tmp_path / "c").glob("*/*.ref"))
        assert len(refs) == 3
        files = sorted((tmp_path / "c").glob("*/*"))
        g = arignote.function([x], at.cosh(x).sum(), mode=mode)   # one of them, on its own
        assert sorted((tmp_path / "c").glob("*/*")) == files       # nothing new was built
    value = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(g(value), np.cosh(value).sum())
    np.testing.assert_allclose(f(value)[0], np.arcsinh(value) * 2)
    # a reference to a damaged batch is dropped (and its kernel rebuilt when next needed)
    batch = {r.read_text().split("\n")[0] for r in refs}.pop()
    (batch_path,) = [p for p in _entries(tmp_path) if p.stem == batch]
    batch_path.write_bytes(batch_path.read_bytes()[:100])
    fresh = DiskCache(tmp_path)
    assert fresh.lookup_kernel(refs[0].name.split("-")[0]) is None
    assert not refs[0].exists()
