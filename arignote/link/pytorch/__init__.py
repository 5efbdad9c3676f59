"""``pytensor.link.pytorch``: ``PytorchLinker``, which arignote cannot provide: it has no PyTorch backend."""

from arignote.link.pytorch.linker import PytorchLinker

__all__ = ["PytorchLinker"]
