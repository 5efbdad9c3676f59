"""Importing JAX on demand, with 64-bit types switched on.

JAX is an optional dependency (``pip install arignote[jax]``): nothing in
arignote imports it until a function is compiled for the JAX backend, and
its absence is reported only then.

arignote's types are NumPy's, float64 and int64 included, so the backend
turns on JAX's ``jax_enable_x64`` flag when it first loads JAX.  The flag is
process-wide: JAX code of your own in the same process then also gets
64-bit defaults (``jnp.arange(3)`` is int64, ``jnp.ones(2)`` float64).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any


class JaxUnavailableError(ImportError):
    """The JAX backend was asked for, but JAX cannot be imported."""


_loaded: dict[str, Any] = {}


def load_jax() -> ModuleType:
    """The ``jax`` module, imported once, with 64-bit types enabled."""
    loaded = _loaded.get("jax")
    if loaded is not None:
        return loaded
    try:
        import jax
    except ImportError as exc:
        raise JaxUnavailableError(
            "the JAX backend (Mode(linker='jax'), mode='JAX') needs JAX, which is not installed: "
            "pip install 'arignote[jax]'  (or: pip install jax)") from exc
    jax.config.update("jax_enable_x64", True)
    _loaded["jax"] = jax
    return jax


def jax_available() -> bool:
    """Whether JAX can be imported (without importing arignote's lowerings)."""
    try:
        load_jax()
    except JaxUnavailableError:
        return False
    return True
