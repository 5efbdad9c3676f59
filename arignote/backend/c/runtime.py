"""The runtime extension module: built at install, else from ``runtime/*.c`` once per toolchain.

``setup.py`` builds the module at install where a C compiler works, into
this package (``arignote_runtime`` beside this file), stamped with the hash
of the sources it compiled.  It is used while that hash matches the sources
here and it imports (same Python and NumPy ABI): the module is glue, and
the kernels it runs are separate shared objects, so it serves every
toolchain.  Otherwise the module is built on first use with arignote's own
toolchain and cached on disk, as it always could be.

Building the runtime module on first use is also how arignote learns that
the compiler works: a compiler that cannot build and load it cannot run any
compiled function.  With the module built at install, a one-line probe
kernel takes its place: built with the first kernels (in their batch) and
cached, so it costs no compiler run of its own, and loaded through the
runtime as kernels are.

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
from arignote.backend.c.runtime_sources import runtime_source, source_hash
from arignote.backend.c.toolchain import CompileError, CompilerUnavailable, Toolchain, get_toolchain

MODULE_NAME = "arignote_runtime"
#: the module setup.py builds at install (its init function is the same: PyInit_arignote_runtime)
INSTALLED_MODULE = "arignote.backend.c.arignote_runtime"
#: what the first compilation builds to learn that the compiler works when the runtime module
#: was built at install: one kernel-shaped function (``ag_`` names, so it can share a batch)
PROBE_SOURCE = "int ag_probe(int x) { return x + 1; }\n"
PROBE_SYMBOL = "probe"

_loaded: dict[str, ModuleType] = {}
#: held while the runtime module is built and imported: threads compiling their first
#: functions at once build it once and import it once (re-entrant: load_runtime holds it
#: around finish_runtime)
runtime_lock = threading.RLock()
#: the module built at install, once looked for: (module or None, why it is not used)
_installed: tuple[ModuleType | None, str] | None = None


def _import_extension(path: Path) -> ModuleType:
    # by its file and under the bare name, outside sys.modules: the module built on first use
    # lives in the cache, and one module per toolchain may be loaded at once
    loader = importlib.machinery.ExtensionFileLoader(MODULE_NAME, str(path))
    spec = importlib.util.spec_from_file_location(MODULE_NAME, str(path), loader=loader)
    if spec is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _install_blas(module: ModuleType) -> None:
    """Hand SciPy's BLAS and LAPACK routines (their Cython capsules) to the runtime."""
    from scipy.linalg import cython_blas, cython_lapack

    capsules = cython_blas.__pyx_capi__
    module.set_blas({name: capsules[name] for name in ("sgemm", "dgemm", "sgemv", "dgemv", "sdot", "ddot")
                     if name in capsules})
    routines = {**cython_lapack.__pyx_capi__,
                **{f"{t}{name}": capsules.get(f"{t}{name}") for t in "sd" for name in ("trsm", "trsv")}}
    module.set_lapack({f"{t}{name}": routines[f"{t}{name}"] for t in "sd"
                       for name in ("potrf", "potrs", "getrf", "getrs", "trsm", "trsv", "potri")
                       if routines.get(f"{t}{name}") is not None})


def _find_installed() -> tuple[ModuleType | None, str]:
    """The module built at install if it is usable here, else None and why not."""
    try:
        spec = importlib.util.find_spec(INSTALLED_MODULE)
    except (ImportError, ValueError) as exc:
        return None, f"cannot look for it: {exc}"
    if spec is None or not spec.origin or not spec.has_location:
        return None, "not built at install for this Python (no C compiler then, or its build failed)"
    try:
        module = _import_extension(Path(spec.origin))
    except Exception as exc:  # another Python or NumPy ABI, a broken file: build it instead
        return None, f"{spec.origin} does not import: {type(exc).__name__}: {exc}"
    try:
        current = source_hash(runtime_source())
    except OSError as exc:
        return None, f"its sources cannot be read to check it: {exc}"
    if getattr(module, "SOURCE_HASH", None) != current:
        return None, f"{spec.origin} was built from other sources than runtime/*.c (reinstall to update it)"
    _install_blas(module)
    return module, ""


def installed_runtime() -> ModuleType | None:
    """The runtime module built at install, when it was built from exactly the current sources
    and imports here (looked for once per process); None when it must be built on first use."""
    global _installed
    with runtime_lock:
        if _installed is None:
            _installed = _find_installed()
        return _installed[0]


def why_not_installed() -> str:
    """Why the runtime module built at install is not used ("" when it is)."""
    installed_runtime()
    assert _installed is not None
    return _installed[1]


def runtime_job() -> BuildJob:
    """What the first compilation with a toolchain builds besides its kernels (in one batch):
    the runtime module, or the compiler probe when the module was built at install."""
    if installed_runtime() is not None:
        return BuildJob(PROBE_SOURCE, "compiler check (a one-line kernel)")
    return BuildJob(runtime_source(), "C runtime module", python_module=True)


def cached_runtime(toolchain: Toolchain) -> Path | None:
    """Where the runtime module for ``toolchain`` is, if built (nothing is compiled): the
    module built at install when it is used, else its cache entry."""
    module = installed_runtime()
    if module is not None and module.__file__:
        return Path(module.__file__)
    return get_cache().lookup(cache_key(toolchain, runtime_source(), python_module=True))


def loaded_runtime(toolchain: Toolchain) -> ModuleType | None:
    """The runtime module if this process has loaded it (and checked the compiler) already."""
    return _loaded.get(toolchain.fingerprint)


def _check_probe(toolchain: Toolchain, module: ModuleType, outcome: Built | CompileError) -> None:
    """CompilerUnavailable unless the probe compiled and loads as a kernel would."""
    if isinstance(outcome, CompileError):
        # "runtime module or kernels": either fails alike, and the message says what ran
        raise CompilerUnavailable(f"the C compiler {toolchain.compiler} cannot build arignote's "
                                  f"runtime module or kernels: {outcome}")
    try:
        handle = module.load_library(str(outcome.path))
        module.symbol(handle, outcome.symbol(PROBE_SYMBOL))
    except OSError as exc:  # e.g. objects for another machine
        raise CompilerUnavailable(f"the code the C compiler {toolchain.compiler} builds does not "
                                  f"load: {exc}") from None


def finish_runtime(toolchain: Toolchain, outcome: Built | CompileError) -> ModuleType:
    """The runtime module once ``outcome`` (of :func:`runtime_job`) is built: imported, or, for
    the module built at install, the probe checked; CompilerUnavailable if it failed."""
    with runtime_lock:
        module = _loaded.get(toolchain.fingerprint)
        if module is not None:  # another thread imported it meanwhile
            return module
        installed = installed_runtime()
        if installed is not None:
            _check_probe(toolchain, installed, outcome)
            module = installed
        elif isinstance(outcome, CompileError):
            raise CompilerUnavailable(f"the C compiler {toolchain.compiler} cannot build arignote's "
                                      f"runtime module: {outcome}")
        else:
            try:
                module = _import_extension(outcome.path)
            except Exception as exc:  # a broken toolchain can produce unloadable objects
                raise CompilerUnavailable(f"the runtime module built by {toolchain.compiler} does "
                                          f"not load: {type(exc).__name__}: {exc}") from None
            _install_blas(module)
        _loaded[toolchain.fingerprint] = module  # published only once BLAS is installed
    return module


def load_runtime(toolchain: Toolchain | None = None) -> ModuleType:
    """The runtime module for ``toolchain`` (the one built at install, else built and cached
    on first use), once the compiler is known to work.

    Raises CompilerUnavailable when the compiler cannot build (or the runtime
    module cannot load): then no compiled function can run, and the caller
    falls back to the py linker.
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
