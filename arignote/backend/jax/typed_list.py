"""Typed lists on the JAX backend: refused, with the op named.

A list value crosses the compiled function as a Python list of arrays, which this backend's
wrapper would turn into one stacked array (or fail on ragged items) when it converts the
results; lowering the ops inside the traced function alone would therefore give wrong
results for list outputs.  Until the wrapper carries lists, a graph with a typed-list op
raises ``JaxCompileError`` naming the op; the PY and FAST_RUN modes run it.
"""

from __future__ import annotations

from arignote.backend.jax.registry import jax_impl
from arignote.typed_list import LIST_OPS

jax_impl.refuse(*LIST_OPS, why="the JAX backend does not carry typed lists (Python lists of arrays); "
                               "compile this graph with mode 'PY' or 'FAST_RUN'")
