"""The C compiler: which one, with which flags, and how a source becomes a shared object.

The compiler is ``config.c_compiler`` when set, else ``$CC``, else the first
of gcc, clang and cc on ``PATH``.  Its identity (path and ``--version``), the
flags, the machine and the versions of arignote, Python and NumPy form the
*fingerprint* that every cache key includes, so a changed compiler, flag or
upgrade never loads stale code.

Default flags (``config.c_flags = ""``)::

    -O2 -march=native -fwrapv -fno-math-errno -ffp-contract=off -fopenmp-simd
    [-mprefer-vector-width=512 on CPUs with AVX-512, for gcc]

None of them changes floating-point results: ``-fwrapv`` makes signed
integer overflow wrap as NumPy's does, ``-fno-math-errno`` only stops libm
from setting ``errno``, ``-ffp-contract=off`` forbids fusing ``a*b+c`` into
one rounding (NumPy rounds twice), and there is no ``-ffast-math``: NaN,
infinities and signed zeros behave as in NumPy.  ``-fopenmp-simd`` lets the
fused loops' ``#pragma omp simd`` vectorize, calling glibc's vector math
(libmvec) where it exists (see :mod:`arignote.backend.c.vector_math`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import shlex
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arignote._version import __version__
from arignote.config import config, register_derived

BASE_FLAGS = ("-O2", "-march=native", "-fwrapv", "-fno-math-errno", "-ffp-contract=off")
#: flags every build needs, whatever the user's flags say
REQUIRED_FLAGS = ("-fPIC", "-shared", "-std=gnu11")
COMPILE_TIMEOUT = 600  # seconds; a compiler that hangs longer is treated as failed


class CompilerUnavailable(RuntimeError):
    """No working C compiler: the message says which was tried and why it failed."""


class CompileError(RuntimeError):
    """The compiler rejected a generated source: the message holds its diagnostics."""


class CCompileWarning(UserWarning):
    """The C backend fell back to something slower (the message says what and why)."""


@dataclass(frozen=True)
class Toolchain:
    """A working compiler with the flags arignote uses."""

    compiler: str               # absolute path of the compiler driver
    family: str                 # "gcc", "clang" or "cc"
    version: str                # first line of ``--version``
    flags: tuple[str, ...]      # optimisation flags (configurable)
    vector_math: bool           # whether glibc's libmvec may be declared to the compiler
    fingerprint: str            # hash of everything above plus machine and versions

    def command(self, output: Path, python_module: bool = False) -> list[str]:
        """The command line that builds C read from stdin into the shared object ``output``.

        The source comes on stdin so that its (temporary) file name appears nowhere
        in the object: building the same source twice gives identical bytes.
        """
        flags = self.flags
        if python_module:  # the runtime module: -O1 whatever the kernels get (see runtime.py)
            flags = tuple(f for f in flags if not f.startswith("-O")) + ("-O1",)
        cmd = [self.compiler, *REQUIRED_FLAGS, *flags]
        if self.family in ("gcc", "clang"):
            cmd.append("-fopenmp-simd")
        if python_module:
            cmd += [f"-I{sysconfig.get_paths()['include']}", f"-I{np.get_include()}", "-pthread"]
            if sys.platform == "darwin":
                cmd += ["-undefined", "dynamic_lookup"]
        cmd += ["-x", "c", "-", "-o", str(output), "-lm"]
        if python_module and sys.platform != "darwin":
            cmd.append("-ldl")
        return cmd

    def assembly(self, source: str) -> str:
        """The assembly the compiler makes of the C ``source`` with the kernels' flags
        (to learn which functions compiled loops call); CompileError on failure."""
        cmd = [self.compiler, "-std=gnu11", *self.flags]
        if self.family in ("gcc", "clang"):
            cmd.append("-fopenmp-simd")
        cmd += ["-S", "-x", "c", "-", "-o", "-"]
        try:
            done = subprocess.run(cmd, input=source, capture_output=True, text=True,
                                  timeout=COMPILE_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CompileError(f"{shlex.join(cmd)} failed: {exc}") from None
        if done.returncode != 0:
            raise CompileError(f"{shlex.join(cmd)} exited with status {done.returncode}:\n"
                               f"{(done.stderr or '').strip()[:4000]}")
        return done.stdout

    def build(self, source: str, output: Path, python_module: bool = False) -> None:
        """Compile the C ``source`` into ``output``; CompileError with the diagnostics on failure."""
        cmd = self.command(output, python_module)
        try:
            done = subprocess.run(cmd, input=source, capture_output=True, text=True,
                                  timeout=COMPILE_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CompileError(f"{shlex.join(cmd)} failed: {exc}") from None
        if done.returncode != 0 or not output.exists():
            diagnostics = (done.stderr or done.stdout or "").strip()
            if len(diagnostics) > 4000:
                diagnostics = diagnostics[:4000] + "\n..."
            raise CompileError(f"{shlex.join(cmd)} exited with status {done.returncode}:\n{diagnostics}")


#: why there is no compiler when the C backend is switched off
SWITCHED_OFF = "the C backend is switched off (config.c_backend = False, or PyTensor's config.cxx = '')"


def find_compiler() -> tuple[str | None, str]:
    """The compiler to use (an absolute path, or None) and where the choice came from."""
    if not config.c_backend:
        return None, SWITCHED_OFF
    for origin, wanted in (("config.c_compiler", config.c_compiler), ("$CC", os.environ.get("CC", ""))):
        if wanted:
            words = shlex.split(wanted)
            found = shutil.which(words[0]) if words else None
            return found, f"{origin}={wanted!r}"
    for name in ("gcc", "clang", "cc"):
        found = shutil.which(name)
        if found:
            return found, f"{name} on PATH"
    return None, "gcc, clang and cc on PATH"


def _set_cxx(value: str) -> None:
    """PyTensor's ``config.cxx = value``: "" switches the C backend off, a command chooses
    that compiler (``config.c_compiler``) and switches it on."""
    if not isinstance(value, str):
        raise TypeError(f"config.cxx must be a string (a compiler command, or ''), got {value!r}")
    if value:
        config.c_compiler = value
    config.c_backend = bool(value)


# PyTensor's ``config.cxx``: the C compiler arignote would use ("" when there is none)
register_derived("cxx", lambda: find_compiler()[0] or "",
                 "set config.c_compiler (or $CC) to choose the C compiler",
                 setter=_set_cxx, stores=("c_compiler", "c_backend"))


def default_flags(family: str) -> tuple[str, ...]:
    """The flags used when ``config.c_flags`` is empty (see the module docstring)."""
    flags = list(BASE_FLAGS)
    if family == "gcc" and "avx512f" in _cpu_flags():
        # 512-bit vectors double the throughput of libmvec's exp/log/sin over 256-bit ones
        flags.append("-mprefer-vector-width=512")
    return tuple(flags)


@functools.lru_cache(maxsize=1)
def _cpu_flags() -> frozenset[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


@functools.lru_cache(maxsize=1)
def _machine_fingerprint() -> str:
    """What ``-march=native`` depends on: the CPU's model and feature flags."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        model = platform.processor()
    return f"{platform.system()} {platform.machine()} {model} {' '.join(sorted(_cpu_flags()))}"


def _glibc_version() -> tuple[int, int] | None:
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError, AttributeError):
        return None
    name, _, version = text.partition(" ")
    if name != "glibc":
        return None
    try:
        major, minor = version.split(".")[:2]
        return int(major), int(minor)
    except ValueError:
        return None


def glibc_version() -> tuple[int, int] | None:
    """(major, minor) of the C library when it is glibc, else None."""
    return _glibc_version()


def _version_of(compiler: str) -> str:
    try:
        done = subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CompilerUnavailable(f"{compiler} --version failed: {exc}") from None
    lines = (done.stdout or done.stderr).strip().splitlines()
    if done.returncode != 0 or not lines:
        raise CompilerUnavailable(f"{compiler} --version exited with status {done.returncode}")
    return lines[0].strip()


def _family(compiler: str, version: str) -> str:
    text = f"{Path(compiler).name} {version}".lower()
    if "clang" in text:
        return "clang"
    if "gcc" in text or "free software foundation" in text:
        return "gcc"
    return "cc"


@functools.lru_cache(maxsize=8)
def _toolchain(wanted: str, cc_env: str, flag_text: str, vector_math: bool, enabled: bool) -> Toolchain:
    compiler, origin = find_compiler()
    if compiler is None:
        raise CompilerUnavailable(origin if origin == SWITCHED_OFF
                                  else f"no C compiler found (looked for {origin})")
    version = _version_of(compiler)
    family = _family(compiler, version)
    flags = tuple(shlex.split(flag_text)) if flag_text.strip() else default_flags(family)
    glibc = _glibc_version()
    use_mvec = bool(vector_math and family == "gcc" and platform.machine() in ("x86_64", "AMD64")
                    and glibc is not None and glibc >= (2, 22))

    identity = "\n".join([
        compiler, version, " ".join(flags), f"mvec={use_mvec}:{glibc}", _machine_fingerprint(),
        f"arignote {__version__}", f"python {sys.version}", sysconfig.get_config_var("SOABI") or "",
        f"numpy {np.__version__}"])
    fingerprint = hashlib.sha256(identity.encode()).hexdigest()
    return Toolchain(compiler, family, version, flags, use_mvec, fingerprint)


def get_toolchain() -> Toolchain:
    """The configured compiler and flags (cached); CompilerUnavailable if there is none.

    This only finds the compiler; whether it builds working code is known once
    the runtime module is built (:func:`arignote.backend.c.runtime.load_runtime`).
    """
    return _toolchain(config.c_compiler, os.environ.get("CC", ""), config.c_flags,
                      bool(config.c_vector_math), bool(config.c_backend))
