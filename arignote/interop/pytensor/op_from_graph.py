"""The converter of PyTensor's ``OpFromGraph`` (and its subclasses, PyTensor's ``SymbolicOp``
family): the node is inlined.

The op's inner graph is converted on its own (:func:`from_pytensor` on the inner inputs and
outputs, recursively for inner ``OpFromGraph`` nodes), then its inner inputs are replaced by
the node's converted inputs, so arignote rewrites and differentiates the graph itself.  PyTensor
gives the inner graph one input per node input (the shared variables it reads are explicit
inputs of the node), so the two lists pair up.  Derivative overrides (``pullback``,
``lop_overrides``...) are not carried over: a ``pt.grad`` taken before conversion already
built its graph with them, and a derivative taken in arignote after conversion is the inner
graph's own.  Subclasses with a converter of their own (``KroneckerProduct``, in linalg.py)
use it instead.
"""

from __future__ import annotations

from typing import Any

from pytensor.compile.builders import OpFromGraph as PtOpFromGraph

from arignote.graph.replace import graph_replace
from arignote.interop.pytensor.convert import converters, from_pytensor, inner_graph_missing, nested_missing

__all__: list[str] = []


nested_missing.register(PtOpFromGraph)(inner_graph_missing)


@converters.register(PtOpFromGraph)
def _op_from_graph(op: Any, node: Any, *inputs: Any) -> Any:
    inner = op.fgraph.unfreeze() if hasattr(op.fgraph, "unfreeze") else op.fgraph
    inner_inputs, inner_outputs = list(inner.inputs), list(inner.outputs)
    if len(inner_inputs) != len(inputs):
        raise RuntimeError(f"from_pytensor: {op} has {len(inner_inputs)} inner inputs for "
                           f"{len(inputs)} node inputs")
    converted = from_pytensor(inner_outputs, inner_inputs)
    # the outer inputs may know more static lengths than the inner ones: not strict
    return graph_replace(converted.outputs, list(zip(converted.inputs, inputs, strict=True)), strict=False)
