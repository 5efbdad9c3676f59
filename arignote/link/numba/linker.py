"""``pytensor.link.numba.linker``: ``NumbaLinker`` exists (``isinstance(mode.linker, NumbaLinker)`` is
False for every mode) and constructing one raises: arignote has no Numba backend."""

from arignote.link.basic import UnavailableLinker

__all__ = ["NumbaLinker"]


class NumbaLinker(UnavailableLinker):
    """PyTensor's Numba linker; constructing one raises (no Numba backend here)."""

    arignote_backend = "numba"
    missing = "Numba"
