"""PyTensor's ``tensor.blockwise`` names beyond ``Blockwise``: ``vectorize_node_fallback``
and ``BlockwiseWithCoreShape``.

``BlockwiseWithCoreShape`` is the node PyTensor's Numba backend makes of a `Blockwise` (the core
output shapes as extra inputs); arignote has no such node, so ``isinstance(op,
BlockwiseWithCoreShape)`` is always False and building one raises (see ``tensor.op_kinds``).
"""

from __future__ import annotations

from typing import Any

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.tensor.blockwise import Blockwise, format_signature
from arignote.tensor.op_kinds import OpKind
from arignote.tensor.type import TensorType

__all__ = ["BlockwiseWithCoreShape", "vectorize_node_fallback"]


def vectorize_node_fallback(op: Op, node: Apply, *batched_inputs: Variable) -> Apply:
    """``op`` (the op of ``node``) as a `Blockwise` applied to ``batched_inputs``: by its
    ``gufunc_signature`` when it declares one, else with the node's ranks as core ranks.
    NotImplementedError for a node with a non-tensor input."""
    for inp in node.inputs:
        if not isinstance(inp.type, TensorType):
            raise NotImplementedError(f"Cannot vectorize node {node} with input {inp} of type {inp.type}")
    signature = getattr(op, "gufunc_signature", None)
    if isinstance(signature, str) and signature:
        return Blockwise(op, signature).make_node(*batched_inputs)
    # every dim its own name: the op itself checks the lengths that must agree
    in_dims = [tuple(f"i{p}_{a}" for a in range(x.type.ndim)) for p, x in enumerate(node.inputs)]
    out_dims = [tuple(f"o{p}_{a}" for a in range(o.type.ndim)) for p, o in enumerate(node.outputs)]
    return Blockwise(op, format_signature(in_dims, out_dims)).make_node(*batched_inputs)


class BlockwiseWithCoreShape(OpKind):
    """PyTensor's Numba-backend form of a `Blockwise`, which arignote does not have."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("BlockwiseWithCoreShape is the node PyTensor's Numba backend "
                                  "makes of a Blockwise; arignote has no such node: use Blockwise")
