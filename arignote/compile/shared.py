"""Shared variables (``arignote.shared``): defined in :mod:`arignote.tensor.sharedvar`.

They are tensor variables with a stored value, needed below the compile layer
too (``scan`` turns updated ones into carries), so they live in the tensor
layer; compiled functions read and update them.
"""

from arignote.graph.shared import SharedVariable
from arignote.tensor.sharedvar import shared

#: the classes of shared variables a function reads and updates (tensors and generators: both
#: are SharedVariables, as in PyTensor)
SHARED_KINDS = (SharedVariable,)

__all__ = ["SHARED_KINDS", "SharedVariable", "shared"]
