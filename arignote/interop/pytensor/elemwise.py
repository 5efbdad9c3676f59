"""Converters of PyTensor's elementwise ops, ``DimShuffle`` and reductions.

An ``Elemwise`` maps to arignote's ``Elemwise`` of the scalar op of the same name (arignote's
scalar ops carry PyTensor's class names; the few that differ are listed), a ``Cast`` to a cast,
and a ``Composite`` (PyTensor's fused elementwise graph) to the elementwise graph of its inner
scalar graph.  Scalar-typed variables are 0-d tensors in arignote, so PyTensor's scalar ops
applied outside an ``Elemwise`` convert the same way, and ``ScalarFromTensor`` /
``TensorFromScalar`` are the identity.
"""

from __future__ import annotations

from typing import Any

from pytensor.scalar import basic as ps
from pytensor.tensor import basic as ptb
from pytensor.tensor import elemwise as pte
from pytensor.tensor import math as ptm

import arignote.tensor as at
from arignote.interop.pytensor.convert import converters
from arignote.scalar import math as scalar_math
from arignote.scalar import special as scalar_special
from arignote.scalar.basic import ScalarOp
from arignote.tensor.elemwise import Elemwise

#: PyTensor scalar op class name -> arignote's, where they differ
_RENAMED = {"AND": "BitwiseAnd", "OR": "BitwiseOr", "XOR": "BitwiseXor", "ScalarMaximum": "Maximum",
            "ScalarMinimum": "Minimum"}


def scalar_op(op: Any) -> ScalarOp:
    """arignote's scalar op for PyTensor's scalar op ``op`` (one without parameters)."""
    name = type(op).__name__
    name = _RENAMED.get(name, name)
    cls = getattr(scalar_math, name, None) or getattr(scalar_special, name, None)
    if cls is None or not isinstance(cls, type) or not issubclass(cls, ScalarOp):
        raise NotImplementedError(f"from_pytensor: arignote has no scalar op {type(op).__name__}")
    return cls()


def apply_scalar(op: Any, inputs: list[Any]) -> Any:
    """The elementwise application of PyTensor's scalar op ``op`` to arignote tensors."""
    if isinstance(op, ps.Cast):
        return at.cast(inputs[0], op.o_type.dtype)
    if isinstance(op, ps.Composite):
        inner: dict[Any, Any] = dict(zip(op.fgraph.inputs, inputs, strict=True))

        def value(v: Any) -> Any:  # an inner variable, or an inner constant
            return inner[v] if v in inner else at.constant(v.data, dtype=v.type.dtype)
        for node in op.fgraph.toposort():
            outs = apply_scalar(node.op, [value(v) for v in node.inputs])
            for pt_out, out in zip(node.outputs, outs if isinstance(outs, list) else [outs], strict=True):
                inner[pt_out] = out
        outputs = [value(v) for v in op.fgraph.outputs]
        return outputs if len(outputs) > 1 else outputs[0]
    built = Elemwise(scalar_op(op)).make_node(*inputs).outputs
    return list(built) if len(built) > 1 else built[0]


@converters.register(pte.Elemwise)
def _elemwise(op: Any, node: Any, *inputs: Any) -> Any:
    return apply_scalar(op.scalar_op, list(inputs))


@converters.register(ps.ScalarOp)
def _scalar(op: Any, node: Any, *inputs: Any) -> Any:
    return apply_scalar(op, list(inputs))


@converters.register(ptb.ScalarFromTensor, ptb.TensorFromScalar)
def _identity(op: Any, node: Any, x: Any) -> Any:
    return x


@converters.register(pte.DimShuffle)
def _dimshuffle(op: Any, node: Any, x: Any) -> Any:
    return x.dimshuffle(*op.new_order)


def _axis(op: Any) -> Any:
    return None if op.axis is None else tuple(op.axis)


@converters.register(ptm.Sum)
def _sum(op: Any, node: Any, x: Any) -> Any:
    return at.sum(x, axis=_axis(op), dtype=node.outputs[0].type.dtype)


@converters.register(ptm.Prod)
def _prod(op: Any, node: Any, x: Any) -> Any:
    # no_zeros_in_input only changes PyTensor's gradient graph, which is built before conversion
    return at.prod(x, axis=_axis(op), dtype=node.outputs[0].type.dtype)


def _over_axes(reduce: Any) -> Any:
    """The converter of a reduction with no parameter but its axes: ``reduce(x, axis=...)``."""
    def convert(op: Any, node: Any, x: Any) -> Any:
        return reduce(x, axis=_axis(op))
    return convert


for _op_type, _reduce in ((ptm.Max, at.max), (ptm.Min, at.min), (ptm.All, at.all), (ptm.Any, at.any),
                          (ptm.Argmax, at.argmax)):
    converters.add(_op_type, _over_axes(_reduce))
