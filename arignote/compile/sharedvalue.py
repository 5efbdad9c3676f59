"""PyTensor's ``pytensor.compile.sharedvalue`` path: ``SharedVariable`` (the base of tensor and
generator shared variables) and ``shared``."""

from arignote.graph.shared import SharedVariable
from arignote.tensor.sharedvar import shared

__all__ = ["SharedVariable", "shared"]
