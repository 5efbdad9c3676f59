"""Converters of PyTensor's named-dimension tensors (``pytensor.xtensor``): every ``XOp``
(elementwise, reductions, ``dot``, stacking, transposes, concatenation, indexing...), the
type ``XTensorType`` and its constants.

arignote has no named dimensions, and needs none: PyTensor compiles an xtensor graph by
lowering each ``XOp`` to ordinary tensor ops (its "lower_xtensor" rewrites), with the names
resolved into axis positions while lowering.  The converter of an ``XOp`` node does the same
for that node alone: a small ``FunctionGraph`` of the node on fresh inputs is lowered by
PyTensor's own lowering rewriter, converted like any tensor graph, and spliced in on the
node's converted inputs (as an inlined ``OpFromGraph``).  So an ``XTensorType`` converts to
the ``TensorType`` of the same dtype and static shape, its axes in the type's ``dims`` order
(the order of the arrays PyTensor's functions take and return), and the casts between
xtensors and tensors (``TensorFromXTensor``, ``XTensorFromTensor``, ``Rename``) are the
identity (``shape_ops.py`` converts every ``TypeCastingOp`` so).

A slice index (``x.isel(a=slice(i, None))``) reaches an ``Index`` node as a ``MakeSlice``,
which ``indexing.py`` converts to a Python slice: its bounds become inputs of the lowered
graph, since PyTensor's lowering reads them off the ``MakeSlice`` node.  An ``XOp`` PyTensor
cannot lower raises ``NotImplementedError`` naming it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pytensor.graph.basic import Constant as PtConstant
from pytensor.graph.fg import FunctionGraph
from pytensor.tensor.type_other import MakeSlice
from pytensor.xtensor.basic import XOp
from pytensor.xtensor.random.type import XRandomGeneratorType
from pytensor.xtensor.rewriting.utils import lower_xtensor_db
from pytensor.xtensor.type import XTensorType

import arignote.tensor as at
from arignote.graph.basic import Variable
from arignote.graph.replace import graph_replace
from arignote.interop.pytensor.convert import constant_converters, converters, from_pytensor, type_converters
from arignote.tensor.random.type import RandomGeneratorType
from arignote.tensor.type import TensorType

__all__: list[str] = []


@type_converters.register(XTensorType)
def _xtensor_type(pt_type: Any) -> TensorType:
    return TensorType(pt_type.dtype, pt_type.shape)


@constant_converters.register(XTensorType)
def _xtensor_constant(var: Any) -> Variable:
    return at.constant(np.asarray(var.data, dtype=var.type.dtype))


@type_converters.register(XRandomGeneratorType)
def _xrandom_generator_type(pt_type: Any) -> RandomGeneratorType:
    # the generator of xtensor random draws is a NumPy generator, as a tensor draw's
    return RandomGeneratorType()


def _boundary(node: Any, inputs: tuple[Any, ...] | None) -> tuple[list[Any], list[Any]]:
    """The PyTensor variables the lowered graph of ``node`` starts from, and the converted
    counterparts of them among ``inputs`` (the node's converted inputs; None: only the
    variables are wanted): the node's inputs, a slice's bounds in place of the slice (the
    lowering reads them off its ``MakeSlice``), constants left in the graph."""
    pt_inputs: list[Any] = []
    converted: list[Any] = []
    for var, value in zip(node.inputs, inputs or [None] * len(node.inputs), strict=True):
        if isinstance(var, PtConstant):
            continue
        if var.owner is not None and isinstance(var.owner.op, MakeSlice):
            parts = (None, None, None) if value is None else (value.start, value.stop, value.step)
            for part_var, part in zip(var.owner.inputs, parts, strict=True):
                if not isinstance(part_var, PtConstant):
                    pt_inputs.append(part_var)
                    converted.append(part)
            continue
        if isinstance(value, slice):
            raise NotImplementedError(f"from_pytensor: {node.op} takes a slice that is not made by "
                                      "MakeSlice in the graph")
        pt_inputs.append(var)
        converted.append(value)
    return pt_inputs, converted


def lowered(node: Any) -> FunctionGraph:
    """A ``FunctionGraph`` of ``node`` (an ``XOp`` application) lowered to tensor ops by
    PyTensor's rewrites; its inputs are :func:`_boundary`'s, cloned."""
    pt_inputs, _ = _boundary(node, None)
    fgraph = FunctionGraph(pt_inputs, list(node.outputs), clone=True)
    lower_xtensor_db.query("+minimum_compile").rewrite(fgraph)
    left = sorted({str(n.op) for n in fgraph.apply_nodes if isinstance(n.op, XOp)})
    if left:
        raise NotImplementedError(f"from_pytensor: PyTensor's lowering left the xtensor op(s) {left} "
                                  f"of {node.op}; they have no tensor form to convert")
    return fgraph


@converters.register(XOp)
def _xop(op: Any, node: Any, *inputs: Any) -> Any:
    fgraph = lowered(node)
    _, boundary = _boundary(node, inputs)
    converted = from_pytensor(list(fgraph.outputs), list(fgraph.inputs))
    # the outer inputs may know more static lengths than the fresh ones: not strict
    return graph_replace(converted.outputs, list(zip(converted.inputs, boundary, strict=True)),
                         strict=False)
