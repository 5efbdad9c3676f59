import pytest

from arignote.backend.jax import jax_available

if not jax_available():
    pytest.skip("JAX is not installed (pip install 'arignote[jax]')", allow_module_level=True)
