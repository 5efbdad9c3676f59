"""Converters of PyTensor's conditionals (``pytensor.conditional``): ``IfElse`` and
``LazyIfElse``.

``IfElse(n_outs)(cond, *then_values, *else_values)`` is arignote's ``IfElse`` with the same
input layout; arignote's backends decide themselves what runs lazily (only the branch taken,
on ``py`` and C; ``lax.cond`` on JAX), and its derivative sends each cotangent to the branch
taken, as PyTensor's does.  ``as_view`` only let PyTensor return the chosen input itself and
is not carried over.  PyTensor checks the branches to have equal dtypes and ranks already;
arignote's node rejects anything else the same way.

``LazyIfElse`` is what PyTensor's "introduce_lazy_ifelse" rewrite (in its JAX and Numba
modes) makes of an ``IfElse``: the work only one branch needs moved into an ``OpFromGraph``
per branch, both taking the same boundary inputs.  Both inner graphs are inlined into one
arignote ``ifelse`` on the condition, which gives the laziness back to arignote's backends.

Branch values that are not tensors (typed lists, generators) have no arignote ``IfElse``: the
converters refuse them by name.
"""

from __future__ import annotations

from typing import Any

from pytensor.conditional.op import IfElse as PtIfElse
from pytensor.conditional.op import LazyIfElse as PtLazyIfElse

from arignote.graph.replace import graph_replace
from arignote.interop.pytensor.convert import converters, from_pytensor
from arignote.tensor.ifelse import IfElse
from arignote.tensor.type import TensorType

__all__: list[str] = []


def _only_tensors(op: Any, values: list[Any]) -> None:
    for position, value in enumerate(values):
        if not isinstance(getattr(value, "type", None), TensorType):
            found = getattr(value, "type", type(value).__name__)
            raise NotImplementedError(f"from_pytensor: {op} has a branch value of type {found} "
                                      f"(value {position}); arignote's ifelse takes tensors only")


@converters.register(PtIfElse)
def _ifelse(op: Any, node: Any, cond: Any, *values: Any) -> Any:
    _only_tensors(op, list(values))
    return list(IfElse(op.n_outs, name=op.name).make_node(cond, *values).outputs)


def _inlined(branch: Any, inputs: list[Any]) -> list[Any]:
    """The outputs of the ``OpFromGraph`` ``branch`` built on the converted ``inputs``."""
    inner = branch.fgraph.unfreeze() if hasattr(branch.fgraph, "unfreeze") else branch.fgraph
    converted = from_pytensor(list(inner.outputs), list(inner.inputs))
    outputs: list[Any] = graph_replace(converted.outputs,
                                       list(zip(converted.inputs, inputs, strict=True)), strict=False)
    return outputs


@converters.register(PtLazyIfElse)
def _lazy_ifelse(op: Any, node: Any, cond: Any, *inputs: Any) -> Any:
    then_values = _inlined(op.true_branch, list(inputs))
    else_values = _inlined(op.false_branch, list(inputs))
    _only_tensors(op, then_values + else_values)
    return list(IfElse(len(then_values)).make_node(cond, *then_values, *else_values).outputs)
