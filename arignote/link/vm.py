"""``pytensor.link.vm``: ``VMLinker``, PyTensor's default linker; here the C backend."""

from __future__ import annotations

from typing import Any

from arignote.link.basic import Linker

__all__ = ["VMLinker"]


class VMLinker(Linker):
    """PyTensor's virtual-machine linker: arignote's C backend (``c_thunks=False``: ``py``).

    ``use_cloop``, ``lazy``, ``allow_gc`` and ``allow_partial_eval`` are accepted and change
    nothing: arignote's backends always run only the branch of an ``ifelse`` taken and free
    values themselves.  ``callback``/``callback_input`` (a Python call after every node)
    are refused: no arignote backend runs node by node for them.
    """

    arignote_backend = "c"

    def __init__(self, allow_gc: bool | None = None, use_cloop: bool = False, callback: Any = None,
                 callback_input: Any = None, lazy: bool | None = None, schedule: Any = None,
                 c_thunks: bool | None = None, allow_partial_eval: bool | None = None) -> None:
        super().__init__(allow_gc=allow_gc, schedule=schedule)
        if callback is not None or callback_input is not None:
            raise ValueError("VMLinker(callback=...): arignote has no per-node callbacks; use "
                             "function(..., profile=True) to time nodes or NanGuardMode to check them")
        self.use_cloop = use_cloop
        self.lazy = lazy
        self.c_thunks = c_thunks
        self.allow_partial_eval = allow_partial_eval
        if c_thunks is False:  # PyTensor: each node's Python implementation
            self.arignote_backend = "py"  # type: ignore[misc]
