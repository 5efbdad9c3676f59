"""PyTensor's ``tensor.linalg.constructors``: block-diagonal matrices (arignote's `structure`)."""

from arignote.tensor.linalg.structure import BlockDiagonal, block_diag

__all__ = ["BlockDiagonal", "block_diag"]
