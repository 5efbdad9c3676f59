"""The ``c`` backend: fused loops compiled with the system C compiler and cached on disk.

Read in this order: ``toolchain`` (the compiler and its flags), ``cache`` and
``build`` (compiled code on disk, parallel builds), ``runtime`` (the
extension module that runs schedules, built at install or on first use; its
C sources are in ``runtime/``, read by ``runtime_sources``),
``scalar_registry`` with ``scalar_arith`` and ``scalar_math`` (C for each
scalar op), ``kernel_elemwise`` and ``kernel_reduce`` (loops),
``node_lowering`` (how each op runs), ``schedule`` and ``linker``; ``ops``
and ``lowering`` hold the graph form of fused reductions.

Modules register themselves and are found by name (package discovery): the
``scalar_*`` modules hold C for scalar ops (a scalar op whose NumPy function
has a libm namesake needs none), the ``*_lowering`` modules the steps of op
types.  The ``c`` linker is registered here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.backend import linkers
from arignote.backend.c.toolchain import CCompileWarning, CompileError, CompilerUnavailable, get_toolchain
from arignote.config import config
from arignote.graph.basic import Variable


def c_available() -> bool:
    """Whether the C backend works here: the runtime module loads (built at install, or
    by the compiler) and the compiler builds code that loads."""
    return availability() is None


def known_unavailable() -> str | None:
    """Why the C backend cannot work, as far as known without compiling anything.

    The compiler must exist and answer ``--version``, and must not have failed to
    build the runtime module (or, where it was built at install, a probe
    kernel) earlier in this process.  (That build waits for the first compiled
    function, which runs it in parallel with its kernels.)
    """
    import os


    key = (config.c_compiler, os.environ.get("CC", ""), config.c_flags, config.c_backend)
    if _availability.get(key) is not None:
        return _availability[key]

    try:
        get_toolchain()
    except CompilerUnavailable as exc:
        _availability[key] = str(exc)
        return str(exc)
    return None


def record_unavailable(why: str) -> None:
    """Remember that the configured compiler cannot build the runtime module (or any code)."""
    import os


    _availability[(config.c_compiler, os.environ.get("CC", ""), config.c_flags, config.c_backend)] = why


_availability: dict[tuple[str, str, str, bool], str | None] = {}


def availability() -> str | None:
    """None when the C backend works, else why not (cached per configured compiler and flags)."""
    import os


    key = (config.c_compiler, os.environ.get("CC", ""), config.c_flags, config.c_backend)
    if key not in _availability:
        # here, not at the top: the runtime module is loaded (or built) and the compiler
        # checked on first use
        from arignote.backend.c.runtime import load_runtime

        try:
            load_runtime()
            _availability[key] = None
        except CompilerUnavailable as exc:
            _availability[key] = str(exc)
    return _availability[key]


@linkers.register("c")
def link_c(inputs: Sequence[Variable], outputs: Sequence[Variable]) -> Any:
    """A :class:`~arignote.backend.c.linker.CProgram`; CompilerUnavailable (saying why) when no
    C compiler works here, so that a mode chosen by default can fall back to another linker."""
    why = known_unavailable()
    if why is None:
        # here, not at the top: the linker (and the lowerings it finds) load when a C
        # function is first linked, so `import arignote` stays light
        from arignote.backend.c.linker import CProgram

        try:
            return CProgram(inputs, outputs)
        except CompilerUnavailable as exc:  # the runtime module did not build
            why = str(exc)
            record_unavailable(why)
    raise CompilerUnavailable(why)


__all__ = ["CCompileWarning", "CompileError", "CompilerUnavailable", "availability", "c_available",
           "known_unavailable", "record_unavailable"]
