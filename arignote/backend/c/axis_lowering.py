"""C steps for ops along axes (``runtime/steps_axis.c``, ``runtime/steps_matmul.c``).

``CumOp`` (running sums and products), ``Softmax`` and ``LogSoftmax`` run in the runtime for
float32 and float64 (``CumOp`` for integers and booleans too, accumulated as NumPy does in
int64 / uint64); batched ``MatMul`` (an operand of rank above 2, lowered by ``node_lowering``'s
``_dot``) runs one BLAS product per matrix.  Every such step carries the op's NumPy
implementation as its fallback, which the runtime calls for every case the C code does not
handle and for every error.
"""

from __future__ import annotations

from typing import cast

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering
from arignote.backend.c.scalar_registry import Unsupported
from arignote.graph.basic import Apply
from arignote.tensor.extra_ops import CumOp
from arignote.tensor.special import LogSoftmax, Softmax


def _plan(kind: str, node: Apply, ints: tuple[int, ...]) -> StepPlan:
    """A step of ``kind`` writing the output's dtype, with the op's NumPy code as fallback."""
    return StepPlan(kind, (ints, node.outputs[0].type.numpy_dtype, 0), fallback=node.op.py_impl(node),
                    label=str(node.op))


@c_lowering(CumOp)
def _cumulative(node: Apply, context: LoweringContext) -> StepPlan:
    op = cast(CumOp, node.op)
    out = node.outputs[0].type.numpy_dtype
    if out.kind not in "fiu":
        raise Unsupported(f"CumOp to {out}")
    return _plan("CUMULATIVE", node, (int(op.mode == "mul"), -1 if op.axis is None else op.axis))


@c_lowering(Softmax, LogSoftmax)
def _softmax(node: Apply, context: LoweringContext) -> StepPlan:
    op = cast(Softmax, node.op)
    if node.outputs[0].type.numpy_dtype.name not in ("float32", "float64"):
        raise Unsupported(f"{op} to {node.outputs[0].type}")
    every = op.axis is None
    return _plan("SOFTMAX", node, (int(isinstance(op, LogSoftmax)), int(every), *(op.axis or ())))


def batched_matmul(node: Apply) -> StepPlan:
    """The step of a MatMul with an operand of rank above 2 (float32 / float64 results)."""
    if node.outputs[0].type.numpy_dtype.name not in ("float32", "float64"):
        raise Unsupported("batched products of other dtypes than float32 and float64 run on NumPy")
    a, b = (var.type.shape for var in node.inputs)
    # per broadcast batch axis: 1 where both operands have it and neither is statically 1,
    # so their lengths must be equal (MatMul's run-time check; the fallback raises its error)
    ba, bb = a[:-2], b[:-2]
    nbatch = max(len(ba), len(bb))
    strict = []
    for d in range(nbatch):
        da, db = d - (nbatch - len(ba)), d - (nbatch - len(bb))
        strict.append(int(da >= 0 and db >= 0 and ba[da] != 1 and bb[db] != 1))
    return _plan("MATMUL", node, (len(a), len(b), *strict))
