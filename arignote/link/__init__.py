"""PyTensor's ``pytensor.link``: linker objects a program passes as ``Mode(linker=...)``.

Each linker names one of arignote's backends (``arignote_backend``: ``"py"``, ``"c"`` or
``"jax"``); ``Mode`` turns it into that name, so ``Mode(linker=CLinker())`` is
``Mode(linker="c")``.  ``linker.accept(fgraph).make_thunk()`` compiles a graph as given on it.
``NumbaLinker``, ``MLXLinker`` and ``PytorchLinker`` name backends arignote does not have:
the classes exist (``isinstance(mode.linker, NumbaLinker)`` is False), constructing one raises.
"""

# the submodules are cheap (no backend is imported): loaded here so that `arignote.link.vm`
# and the others are attributes after `import arignote`, as PyTensor's are
from arignote.link import basic, c, jax, mlx, numba, pytorch, vm
from arignote.link.basic import Container, Linker, PerformLinker
from arignote.link.c import basic as _c_basic
from arignote.link.c import type as _c_type

__all__ = ["Container", "Linker", "PerformLinker"]
