"""The runtime extension module: built from ``runtime/*.c`` once per toolchain, then imported.

Building it is also how arignote learns that the compiler works: a compiler
that cannot build and load this module cannot run any compiled function.
The module is glue around NumPy's C API (the loops are in the kernels), but
it runs once per step of a loop driven in C, where ``-O0`` code doubled the
fixed cost of a step (0.59 vs 0.31 us for a 64-element add).  It is built
with ``-O1``: that whole gain for about 0.7 s of building (``-O2``: 1.3 s,
no faster), once per toolchain (the result is cached).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import threading
from pathlib import Path
from types import ModuleType

from arignote.backend.c.build import BuildJob, Built, build_all, cache_key
from arignote.backend.c.cache import get_cache
from arignote.backend.c.toolchain import CompileError, CompilerUnavailable, Toolchain, get_toolchain

SOURCE_FILES = ("runtime.h", "threads.c", "iterate.c", "steps_kernels.c", "steps_views.c",
                "steps_blas.c", "steps_loop.c", "program.c")
MODULE_NAME = "arignote_runtime"

_loaded: dict[str, ModuleType] = {}
#: held while the runtime module is built and imported: threads compiling their first
#: functions at once build it once and import it once (re-entrant: load_runtime holds it
#: around finish_runtime)
runtime_lock = threading.RLock()


def runtime_source() -> str:
    """The runtime's C source: its files concatenated in dependency order."""
    folder = Path(__file__).with_name("runtime")
    parts = []
    for name in SOURCE_FILES:
        parts.append(f"/* ---- {name} ---- */\n{(folder / name).read_text()}")
    return "\n".join(parts)


def _import_extension(path: Path) -> ModuleType:
    loader = importlib.machinery.ExtensionFileLoader(MODULE_NAME, str(path))
    spec = importlib.util.spec_from_file_location(MODULE_NAME, str(path), loader=loader)
    if spec is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _install_blas(module: ModuleType) -> None:
    from scipy.linalg import cython_blas

    capsules = cython_blas.__pyx_capi__
    module.set_blas({name: capsules[name] for name in ("sgemm", "dgemm", "sgemv", "dgemv", "sdot", "ddot")
                     if name in capsules})


def runtime_job() -> BuildJob:
    """The build of the runtime module (it can go in one batch with kernels)."""
    return BuildJob(runtime_source(), "C runtime module", python_module=True)


def cached_runtime(toolchain: Toolchain) -> Path | None:
    """The runtime module's cache entry for ``toolchain``, if it was built (nothing is compiled)."""

    return get_cache().lookup(cache_key(toolchain, runtime_source(), python_module=True))


def loaded_runtime(toolchain: Toolchain) -> ModuleType | None:
    """The runtime module if this process has loaded it already."""
    return _loaded.get(toolchain.fingerprint)


def finish_runtime(toolchain: Toolchain, outcome: Built | CompileError) -> ModuleType:
    """Import the runtime module built as ``outcome``; CompilerUnavailable if it failed."""
    if isinstance(outcome, CompileError):
        raise CompilerUnavailable(f"the C compiler {toolchain.compiler} cannot build arignote's "
                                  f"runtime module: {outcome}")
    with runtime_lock:
        module = _loaded.get(toolchain.fingerprint)
        if module is not None:  # another thread imported it meanwhile
            return module
        try:
            module = _import_extension(outcome.path)
        except Exception as exc:  # a broken toolchain can produce unloadable objects
            raise CompilerUnavailable(f"the runtime module built by {toolchain.compiler} does not "
                                      f"load: {type(exc).__name__}: {exc}") from None
        _install_blas(module)
        _loaded[toolchain.fingerprint] = module  # published only once BLAS is installed
    return module


def load_runtime(toolchain: Toolchain | None = None) -> ModuleType:
    """The runtime module for ``toolchain`` (built and cached on first use).

    Raises CompilerUnavailable when it cannot be built or loaded: then no
    compiled function can run, and the caller falls back to the py linker.
    """
    toolchain = toolchain or get_toolchain()
    module = loaded_runtime(toolchain)
    if module is not None:
        return module
    with runtime_lock:
        module = loaded_runtime(toolchain)
        if module is not None:
            return module
        return finish_runtime(toolchain, build_all([runtime_job()], toolchain)[0])
