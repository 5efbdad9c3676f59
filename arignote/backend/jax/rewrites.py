"""The rewrite phases the JAX backend runs.

XLA fuses elementwise work and picks its own BLAS calls, so of arignote's
phases only canonicalize, stabilize and specialize run: the fusion phase
(``Elemwise(Composite)`` nodes XLA would build anyway), the BLAS forms
(``gemm``/``gemv``, which XLA fuses by itself from ``z + a * dot(x, y)``)
and the C backend's lowering phase are skipped.  Fused nodes made by other
means still run: the backend translates composites.
"""

from __future__ import annotations

from arignote.rewrite.phases import canonicalize, specialize, stabilize

#: the phases, in order
JAX_PHASES = (canonicalize, stabilize, specialize)

#: rules and passes of those phases that only help the other backends
JAX_EXCLUDED = ("gemm_from_dot_plus",)
