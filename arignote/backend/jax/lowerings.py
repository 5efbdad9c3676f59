"""Imports every lowering module, so that each registers its ops in ``jax_impl``.

Importing this module imports JAX; the linker does it only when a function
is compiled for the JAX backend.
"""

from arignote.backend.jax import (alloc, autodiff_ops, elemwise, extra_ops, indexing, join,  # noqa: F401
                                  loop, products, reduction, shape)
