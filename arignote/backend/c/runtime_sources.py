"""The runtime module's C sources as one translation unit, and the hash that names them.

This module imports nothing from arignote: ``setup.py`` loads it by path when
it builds the runtime module at install (where arignote's dependencies need
not be importable), so the module built there and the check at run time
(:mod:`arignote.backend.c.runtime`) hash the very same text.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: the files of ``runtime/``, in the order they are concatenated (each uses what precedes it)
SOURCE_FILES = ("runtime.h", "threads.c", "iterate.c", "steps_kernels.c", "steps_views.c",
                "steps_structural.c", "steps_gather.c", "steps_axis.c",
                "steps_blas.c", "steps_matmul.c", "steps_lapack.c", "steps_loop.c", "program.c")
FOLDER = Path(__file__).with_name("runtime")


def runtime_source(folder: Path = FOLDER) -> str:
    """The runtime's C source: the files of ``folder`` concatenated in dependency order."""
    parts = []
    for name in SOURCE_FILES:
        parts.append(f"/* ---- {name} ---- */\n{(folder / name).read_text(encoding='utf-8')}")
    return "\n".join(parts)


def source_hash(source: str) -> str:
    """The hash of a runtime source, as the module built at install carries it (``SOURCE_HASH``)."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()
