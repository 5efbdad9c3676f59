"""``pytensor.link.jax``: ``JAXLinker``, arignote's JAX backend."""

from arignote.link.jax.linker import JAXLinker

__all__ = ["JAXLinker"]
