"""The `Complex` scalar op (``pt.complex``) in JAX: ``lax.complex`` of the parts in their
common real dtype (float32 parts give complex64, as on the other backends)."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from arignote.backend.jax.scalar import ScalarImpl, scalar_impls
from arignote.scalar.complex_parts import Complex, complex_dtype_for


def _complex(real: Any, imag: Any) -> Any:
    part = np.finfo(complex_dtype_for(real.dtype, imag.dtype)).dtype  # the real dtype of the parts
    real, imag = jnp.broadcast_arrays(real.astype(part), imag.astype(part))
    return lax.complex(real, imag)


scalar_impls.add(Complex, ScalarImpl(_complex, "none"))
