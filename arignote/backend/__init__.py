"""The backends: ``python/`` (the reference), ``c/`` and ``jax/``.

Each backend package registers its linker in :data:`linkers` under the name a
:class:`~arignote.compile.mode.Mode` gives (``"py"``, ``"c"``, ``"jax"``): a
function ``(inputs, outputs) -> program`` returning the callable that computes
``outputs`` from values of ``inputs``.  A linker whose toolchain is missing
raises ``CompilerUnavailable``.  Registering costs nothing: a backend imports
its heavy parts (a compiler, JAX) only when its linker is called.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from arignote.graph.basic import Variable
from arignote.graph.registry import Registry, import_submodules

Linker = Callable[[Sequence[Variable], Sequence[Variable]], Any]

#: linker name -> the function linking a graph into a program
linkers: Registry[Linker] = Registry("linker")


@functools.cache
def _backends_loaded() -> None:
    import_submodules(__name__)  # each backend package registers its linker when imported


def linker(name: str) -> Linker:
    """The linker registered under ``name``."""
    _backends_loaded()
    found = linkers.get(name)
    if found is None:
        raise NotImplementedError(f"the {name!r} linker is not available yet; use Mode(linker='py')")
    return found
