"""The JAX backend: arignote graphs translated to JAX and compiled with ``jax.jit``.

``arignote.function(..., mode="JAX")`` (or ``Mode(linker="jax")``) compiles
a graph to one jitted callable; ``f.jax_fn`` is the same computation as a
pure JAX function, to use inside ``jax.jit``, ``jax.vmap``, ``jax.grad`` or
with shardings over several devices.

Layout: ``registry`` (op type -> lowering), one module of lowerings per
concern (``scalar``/``elemwise``, ``shape``, ``alloc``, ``join``,
``reduction``, ``indexing``, ``products``, ``extra_ops``, ``random``: draws
from keys, and generators at the function boundary), ``plan`` (what is
static while tracing, what cannot work), ``translate`` (the traced
function), ``linker`` (the compiled program), ``pure`` (``jax_fn``),
``rewrites`` (the rewrite phases this backend runs).  Importing this package
does not import JAX; ``lowerings`` imports every module of it (package
discovery) when a function is first compiled for JAX.

Subnormal floats differ from NumPy: XLA on the CPU runs with them
flushed to zero (subnormal inputs read as zero, subnormal results zero),
float32 and float64, in arithmetic, comparisons, math functions, reductions
and casts, so ``x > 0`` is False for a subnormal ``x``; there is no XLA
option to turn it off (``tests/backend/jax/test_subnormals.py`` pins it).
"""

from collections.abc import Sequence
from typing import Any

from arignote.backend import linkers
from arignote.backend.jax.linker import JaxProgram
from arignote.backend.jax.plan import JaxCompileError
from arignote.backend.jax.registry import LoweringContext, Registry, jax_impl
from arignote.backend.jax.runtime import JaxUnavailableError, jax_available
from arignote.graph.basic import Variable


@linkers.register("jax")
def link_jax(inputs: Sequence[Variable], outputs: Sequence[Variable]) -> Any:
    """A :class:`~arignote.backend.jax.linker.JaxProgram` (importing JAX on first use)."""

    return JaxProgram(inputs, outputs)


__all__ = ["JaxCompileError", "JaxUnavailableError", "LoweringContext", "Registry", "jax_available",
           "jax_impl"]
