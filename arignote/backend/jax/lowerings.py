"""Imports every module of this package, so that each registers its ops in ``jax_impl``.

The modules are found by package discovery: a new lowering module needs no
entry here.  Importing this module imports JAX; the linker does it only when
a function is compiled for the JAX backend.
"""

from arignote.graph.registry import import_submodules

import_submodules("arignote.backend.jax")
