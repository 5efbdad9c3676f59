"""Shared variables (``arignote.shared``): defined in :mod:`arignote.tensor.sharedvar`.

They are tensor variables with a stored value, needed below the compile layer
too (``scan`` turns updated ones into carries), so they live in the tensor
layer; compiled functions read and update them.
"""

from arignote.tensor.random.type import RandomGeneratorSharedVariable
from arignote.tensor.sharedvar import SharedVariable, shared

#: the classes of shared variables a function reads and updates (tensors and generators)
SHARED_KINDS = (SharedVariable, RandomGeneratorSharedVariable)

__all__ = ["SHARED_KINDS", "SharedVariable", "shared"]
