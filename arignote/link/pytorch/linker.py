"""``pytensor.link.pytorch.linker``: ``PytorchLinker`` exists (``isinstance(mode.linker, PytorchLinker)`` is
False for every mode) and constructing one raises: arignote has no PyTorch backend."""

from arignote.link.basic import UnavailableLinker

__all__ = ["PytorchLinker"]


class PytorchLinker(UnavailableLinker):
    """PyTensor's PyTorch linker; constructing one raises (no PyTorch backend here)."""

    arignote_backend = "pytorch"
    missing = "PyTorch"
