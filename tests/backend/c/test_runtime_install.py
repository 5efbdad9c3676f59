"""The runtime module built at install (setup.py): used while current, else built on first use.

Each scenario runs in a fresh process with its own cache folder, so that
nothing is loaded or cached yet: the first compilation there shows what is
built.  ``Toolchain.build`` is wrapped to record every compiler run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.backend.c import runtime
from arignote.backend.c.build import cache_key
from arignote.backend.c.cache import get_cache
from arignote.backend.c.runtime_sources import runtime_source, source_hash
from arignote.backend.c.toolchain import get_toolchain

ROOT = Path(__file__).resolve().parents[3]

# Run after SETUP (which may make the installed module absent or stale): compiles x + 1 on the
# default mode, and prints what was built and which runtime module runs it, as JSON.
SCENARIO = textwrap.dedent("""
    import json, warnings
    import numpy as np, arignote, arignote.tensor as at
    from arignote.backend.c import runtime, toolchain
    from arignote.backend.c.build import cache_key
    from arignote.backend.c.cache import get_cache

    builds = []
    real_build = toolchain.Toolchain.build
    def build(self, source, output, python_module=False):
        builds.append("runtime" if python_module else "kernels")
        return real_build(self, source, output, python_module)
    toolchain.Toolchain.build = build
    extra = {{}}
    {setup}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x = at.dvector("x")
        f = arignote.function([x], x + 1)
        value = f(np.arange(3.0)).tolist()
    tc = toolchain.get_toolchain()
    loaded = runtime.loaded_runtime(tc)
    entry = get_cache().lookup(cache_key(tc, runtime.runtime_source(), python_module=True))
    print(json.dumps({{
        "value": value, "program": type(f.program).__name__, "builds": builds,
        "module": getattr(loaded, "__file__", None), "cache_entry": None if entry is None else str(entry),
        "installed": runtime.installed_runtime() is not None, "why": runtime.why_not_installed(),
        "warnings": [str(w.message) for w in caught], **extra}}))
""")


def _run(cache_dir: Path, setup: str = "", **env: str) -> dict:
    full_env = dict(os.environ, ARIGNOTE_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT), **env)
    full_env.pop("ARIGNOTE_FLAGS", None)
    done = subprocess.run([sys.executable, "-c", SCENARIO.format(setup=setup)], env=full_env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _needs_installed_module() -> None:
    if runtime.installed_runtime() is None:
        pytest.skip(f"no usable runtime module from the install: {runtime.why_not_installed()} "
                    "(pip install -e . builds it)")


def test_the_installed_module_carries_the_hash_of_the_current_sources():
    _needs_installed_module()
    module = runtime.installed_runtime()
    assert module.SOURCE_HASH == source_hash(runtime_source())
    assert Path(module.__file__).parent == Path(runtime.__file__).parent
    assert runtime.why_not_installed() == ""


def test_the_installed_module_is_used_and_nothing_builds_the_runtime(tmp_path):
    _needs_installed_module()
    first = _run(tmp_path)
    assert first["value"] == [1.0, 2.0, 3.0] and first["program"] == "CProgram"
    assert first["module"] == runtime.installed_runtime().__file__
    # the kernel and the compiler probe compiled, the runtime module not: no cache entry for it
    assert "runtime" not in first["builds"] and first["builds"], first["builds"]
    assert first["cache_entry"] is None and first["warnings"] == []
    # a second process finds the probe (and the kernel) in the cache: no compiler run at all
    second = _run(tmp_path)
    assert second["value"] == [1.0, 2.0, 3.0] and second["program"] == "CProgram"
    assert second["builds"] == [] and second["module"] == first["module"]


@pytest.mark.parametrize("setup, why", [
    # stale: built from other sources than the current ones (here: the hash is made to differ)
    ("runtime.source_hash = lambda source: '0' * 64", "other sources"),
    # absent: not built at install (no compiler then), or for another Python
    ("runtime.INSTALLED_MODULE = 'arignote.backend.c.no_such_module'", "not built at install"),
])
def test_without_a_current_installed_module_the_runtime_is_built_on_first_use(tmp_path, setup, why):
    done = _run(tmp_path, setup)
    assert done["value"] == [1.0, 2.0, 3.0] and done["program"] == "CProgram"
    assert not done["installed"] and why in done["why"]
    assert done["builds"].count("runtime") == 1
    assert done["cache_entry"] is not None and Path(done["cache_entry"]).is_relative_to(tmp_path)
    assert done["module"] == done["cache_entry"] and done["warnings"] == []


def test_with_the_installed_module_a_broken_compiler_still_means_the_py_linker(tmp_path):
    # the runtime module needs no compiler now, yet kernels do: the probe finds out, before any
    # kernel is blamed (one warning about the compiler, none per kernel)
    _needs_installed_module()
    fake = tmp_path / "fakecc"
    fake.write_text('#!/bin/sh\nif [ "$1" = "--version" ]; then echo "fakecc 1.0"; exit 0; fi\n'
                    'echo "fakecc: cannot compile" >&2\nexit 1\n')
    fake.chmod(0o755)
    done = _run(tmp_path / "cache", CC=str(fake))
    assert done["value"] == [1.0, 2.0, 3.0] and done["program"] == "PyProgram"
    assert done["installed"] and done["module"] is None and "runtime" not in done["builds"]
    assert len(done["warnings"]) == 1, done["warnings"]
    assert "FAST_RUN uses the py linker" in done["warnings"][0]
    assert "fakecc: cannot compile" in done["warnings"][0]


def test_a_function_without_kernels_checks_the_compiler_by_the_probe_alone(tmp_path):
    _needs_installed_module()
    fake = tmp_path / "fakecc"
    fake.write_text('#!/bin/sh\nif [ "$1" = "--version" ]; then echo "fakecc 1.0"; exit 0; fi\nexit 1\n')
    fake.chmod(0o755)
    # a first function that needs no kernel (a view): only the probe is compiled, and fails
    setup = textwrap.dedent("""
        with warnings.catch_warnings(record=True) as first:
            warnings.simplefilter("always")
            v = at.dvector("v")
            g = arignote.function([v], v[1:])
        extra = {"first_program": type(g.program).__name__, "first_builds": list(builds),
                 "first_warnings": [str(w.message) for w in first]}
    """)
    done = _run(tmp_path / "cache", setup, CC=str(fake))
    assert done["first_program"] == "PyProgram" and done["first_builds"] == ["kernels"]
    assert len(done["first_warnings"]) == 1 and "fakecc" in done["first_warnings"][0]
    # then x + 1 goes to the py linker at once: no compiler run, no second warning
    assert done["program"] == "PyProgram" and done["builds"] == ["kernels"] and done["warnings"] == []


def test_each_toolchain_checks_the_compiler_once_and_shares_the_module(tmp_path):
    _needs_installed_module()
    mode = arignote.Mode(linker="c")
    x = at.dvector("x")
    # flags no other test uses: a toolchain another test already checked in this process
    # would not build the probe again (into this test's cache folder)
    flags = "-O1 -fwrapv -fno-math-errno -ffp-contract=off -DARIGNOTE_PROBE_TEST=1"
    with arignote.config.change_flags(c_cache_dir=str(tmp_path), c_flags=flags):
        f = arignote.function([x], x * 3 - 1, mode=mode)
        toolchain = get_toolchain()
        assert runtime.loaded_runtime(toolchain) is runtime.installed_runtime()
        # its own entry, or a reference into a batch it was compiled in with the kernel
        assert get_cache().lookup_kernel(cache_key(toolchain, runtime.PROBE_SOURCE)) is not None
        assert get_cache().lookup(cache_key(toolchain, runtime_source(), python_module=True)) is None
    np.testing.assert_array_equal(f(np.arange(3.0)), [-1.0, 2.0, 5.0])
