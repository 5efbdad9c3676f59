"""``pytensor.link.mlx.linker``: ``MLXLinker`` exists (``isinstance(mode.linker, MLXLinker)`` is
False for every mode) and constructing one raises: arignote has no MLX backend."""

from arignote.link.basic import UnavailableLinker

__all__ = ["MLXLinker"]


class MLXLinker(UnavailableLinker):
    """PyTensor's MLX linker; constructing one raises (no MLX backend here)."""

    arignote_backend = "mlx"
    missing = "MLX"
