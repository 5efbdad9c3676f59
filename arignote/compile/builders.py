"""PyTensor's ``pytensor.compile.builders`` path: ``OpFromGraph``
(:mod:`arignote.tensor.op_from_graph`)."""

from arignote.tensor.op_from_graph import OpFromGraph

__all__ = ["OpFromGraph"]
