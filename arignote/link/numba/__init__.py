"""``pytensor.link.numba``: ``NumbaLinker``, which arignote cannot provide: it has no Numba backend."""

from arignote.link.numba.linker import NumbaLinker

__all__ = ["NumbaLinker"]
