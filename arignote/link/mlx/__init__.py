"""``pytensor.link.mlx``: ``MLXLinker``, which arignote cannot provide: it has no MLX backend."""

from arignote.link.mlx.linker import MLXLinker

__all__ = ["MLXLinker"]
