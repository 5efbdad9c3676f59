"""``pytensor.link.jax.linker``: ``JAXLinker``, the graph traced into one jitted JAX function."""

from arignote.link.basic import Linker

__all__ = ["JAXLinker"]


class JAXLinker(Linker):
    """arignote's ``jax`` backend (needs ``jax`` installed when a function is compiled)."""

    arignote_backend = "jax"
