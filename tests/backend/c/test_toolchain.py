"""Finding the compiler, falling back without one, progress on a terminal, failed kernels."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.backend.c import CCompileWarning, build, node_lowering

ROOT = Path(__file__).resolve().parents[3]


def _no_compiler_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, CC="/bin/false", ARIGNOTE_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    env.pop("ARIGNOTE_FLAGS", None)
    return env


@pytest.mark.no_compiler_ok
def test_without_a_compiler_fast_run_uses_py_with_one_warning(tmp_path):
    code = textwrap.dedent("""
        import warnings, numpy as np, arignote, arignote.tensor as at
        from arignote.backend.c import CompilerUnavailable
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            x = at.dvector("x")
            f = arignote.function([x], at.exp(x).sum())
            g = arignote.function([x], x * 2)
        print(f.mode.linker, float(f(np.zeros(3))), len(caught))
        print(str(caught[0].message))
        try:
            arignote.function([x], x + 1, mode=arignote.Mode(linker="c"))
        except CompilerUnavailable as exc:
            print("raised:", exc)
    """)
    done = subprocess.run([sys.executable, "-c", code], env=_no_compiler_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    first, message, raised = done.stdout.splitlines()[:3]
    assert first == "py 3.0 1"
    assert "FAST_RUN uses the py linker" in message and "/bin/false" in message
    assert raised.startswith("raised: Mode(linker='c') needs a working C compiler")


@pytest.mark.no_compiler_ok
def test_a_compiler_that_cannot_build_falls_back_to_py(tmp_path):
    # it answers --version, so it is only found broken when the first function is compiled
    fake = tmp_path / "fakecc"
    fake.write_text('#!/bin/sh\nif [ "$1" = "--version" ]; then echo "fakecc 1.0"; exit 0; fi\n'
                    'echo "fakecc: cannot compile" >&2\nexit 1\n')
    fake.chmod(0o755)
    code = textwrap.dedent("""
        import warnings, numpy as np, arignote, arignote.tensor as at
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            x = at.dmatrix("x")
            f = arignote.function([x], at.exp(x).sum(axis=1) + 1)
            g = arignote.function([x], x * 2)
        print(float(f(np.zeros((2, 3)))[0]), float(g(np.ones((1, 1)))[0, 0]), len(caught))
        print(type(f.program).__name__, type(g.program).__name__)
        print(str(caught[0].message).replace("\\n", " "))
    """)
    env = dict(_no_compiler_env(tmp_path), CC=str(fake))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    values, programs, message = done.stdout.splitlines()[:3]
    assert values == "4.0 2.0 1" and programs == "PyProgram PyProgram"
    assert "cannot build arignote's runtime module" in message and "fakecc: cannot compile" in message


@pytest.mark.no_compiler_ok
def test_the_test_suite_passes_without_a_compiler(tmp_path):
    # what `make test` runs, on a representative part: the py linker takes over everywhere
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-W",
         "ignore::arignote.backend.c.toolchain.CCompileWarning",
         "-k", "not without_a_compiler and not cannot_build",
         "tests/compile", "tests/tensor/test_shape.py", "tests/backend/c"],
        env=_no_compiler_env(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "skipped" in done.stdout  # the C tests know there is no compiler


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_long_builds_show_progress_on_a_terminal(tmp_path, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(build, "PROGRESS_AFTER", 0.0)
    monkeypatch.setattr(build.sys, "stderr", terminal)
    with arignote.config.change_flags(c_cache_dir=str(tmp_path)):
        x, y = at.dvector("x"), at.dmatrix("y")
        f = arignote.function([x, y], [at.erf(x).max(),
                                       at.cbrt(y) if hasattr(at, "cbrt") else at.expm1(y) * x,
                                       at.argmin(y, axis=0)], mode=arignote.Mode(linker="c"))
    text = terminal.getvalue()
    assert "arignote: compiling C code: " in text and "/3 done" in text, text
    assert "arignote: compiled 3/3 C sources" in text, text
    assert np.allclose(f(np.zeros(2), np.zeros((3, 2)))[0], 0)


def test_quiet_when_not_a_terminal(tmp_path, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(build, "PROGRESS_AFTER", 0.0)
    monkeypatch.setattr(build.sys, "stderr", stream)
    with arignote.config.change_flags(c_cache_dir=str(tmp_path)):
        x = at.dvector("x")
        arignote.function([x], at.arctan(x) * 7, mode=arignote.Mode(linker="c"))
    assert stream.getvalue() == ""


def test_a_kernel_that_does_not_compile_runs_on_numpy_with_a_warning(tmp_path, monkeypatch):
    real = node_lowering.elemwise_kernel

    def broken(*args, **kwargs):
        return real(*args, **kwargs) + "\nthis is not C;\n"
    monkeypatch.setattr(node_lowering, "elemwise_kernel", broken)
    with arignote.config.change_flags(c_cache_dir=str(tmp_path)):
        x = at.dvector("x")
        with pytest.warns(CCompileWarning, match=r"runs on NumPy because its C kernel did not compile"):
            f = arignote.function([x], at.exp(x) + 1, mode=arignote.Mode(linker="c"))
    np.testing.assert_allclose(f(np.zeros(2)), [2.0, 2.0])
    assert f.program.describe()[0].endswith("NumPy (kernel did not compile)")
