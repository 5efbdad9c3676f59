"""PyTensor's ``pytensor.compile.builders`` path: ``OpFromGraph``
(:mod:`arignote.tensor.op_from_graph`).  Importing it gives ``OpFromGraph`` autodiff's
derivatives for the entries of its override lists that ask for the graph's own (and the
disconnected marker its overrides receive)."""

from arignote.autodiff.forward import push_forward
from arignote.autodiff.reverse import pull_back
from arignote.autodiff.undefined import disconnected_type
from arignote.graph import hooks
from arignote.tensor.op_from_graph import OpFromGraph

hooks.op_from_graph_derivatives.install((pull_back, push_forward, disconnected_type))

__all__ = ["OpFromGraph"]
