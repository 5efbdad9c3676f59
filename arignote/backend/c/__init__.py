"""The ``c`` backend: fused loops compiled with the system C compiler and cached on disk.

Read in this order: ``toolchain`` (the compiler and its flags), ``cache`` and
``build`` (compiled code on disk, parallel builds), ``runtime`` (the
extension module that runs schedules; its C sources are in ``runtime/``),
``scalar_registry`` with ``scalar_arith`` and ``scalar_math`` (C for each
scalar op), ``kernel_elemwise`` and ``kernel_reduce`` (loops),
``node_lowering`` (how each op runs), ``schedule`` and ``linker``; ``ops``
and ``lowering`` hold the graph form of fused reductions.
"""

from __future__ import annotations

from arignote.backend.c.toolchain import CCompileWarning, CompileError, CompilerUnavailable


def c_available() -> bool:
    """Whether the C backend works here: a compiler builds and loads the runtime module."""
    return availability() is None


def known_unavailable() -> str | None:
    """Why the C backend cannot work, as far as known without compiling anything.

    The compiler must exist and answer ``--version``, and must not have failed to
    build the runtime module earlier in this process.  (Building the runtime
    module itself waits for the first compiled function, which builds it in
    parallel with its kernels.)
    """
    import os

    from arignote.config import config

    key = (config.c_compiler, os.environ.get("CC", ""), config.c_flags)
    if _availability.get(key) is not None:
        return _availability[key]
    from arignote.backend.c.toolchain import get_toolchain

    try:
        get_toolchain()
    except CompilerUnavailable as exc:
        _availability[key] = str(exc)
        return str(exc)
    return None


def record_unavailable(why: str) -> None:
    """Remember that the configured compiler cannot build the runtime module."""
    import os

    from arignote.config import config

    _availability[(config.c_compiler, os.environ.get("CC", ""), config.c_flags)] = why


_availability: dict[tuple[str, str, str], str | None] = {}


def availability() -> str | None:
    """None when the C backend works, else why not (cached per configured compiler and flags)."""
    import os

    from arignote.config import config

    key = (config.c_compiler, os.environ.get("CC", ""), config.c_flags)
    if key not in _availability:
        from arignote.backend.c.runtime import load_runtime

        try:
            load_runtime()
            _availability[key] = None
        except CompilerUnavailable as exc:
            _availability[key] = str(exc)
    return _availability[key]


__all__ = ["CCompileWarning", "CompileError", "CompilerUnavailable", "availability", "c_available",
           "known_unavailable", "record_unavailable"]
