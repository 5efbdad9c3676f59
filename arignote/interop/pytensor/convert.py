"""PyTensor graphs converted to arignote graphs, op by op, through a registry of converters.

``from_pytensor(outputs, inputs=None)`` walks the PyTensor graph in topological order and maps
each variable to an arignote variable with the same meaning: a root input to a new input of
the same type, a constant to a constant, a shared variable to an arignote shared variable on
the same value (or to an input, for the linker, which passes shared values in), and each
node's outputs to what the converter registered for its op type builds from the converted
inputs.  A converter is ``converter(op, node, *inputs) -> variable or list of variables``
(``node`` is the PyTensor node, for its output types and parameters); the outputs are checked
against PyTensor's (rank, dtype: a differing dtype is cast, as PyTensor's type says).

Every op type without a converter is found before anything is built, and one
:class:`UnsupportedOps` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant as PtConstant
from pytensor.graph.basic import Variable as PtVariable
from pytensor.graph.fg import FunctionGraph
from pytensor.graph.traversal import graph_inputs, io_toposort
from pytensor.scalar.basic import ScalarType as PtScalarType
from pytensor.tensor.random.type import RandomGeneratorType as PtRandomGeneratorType
from pytensor.tensor.type import TensorType as PtTensorType
from pytensor.tensor.type_other import NoneTypeT

import arignote.tensor as at
from arignote.graph.basic import Variable
from arignote.graph.registry import Registry
from arignote.tensor.random.type import RandomGeneratorType
from arignote.tensor.sharedvar import shared
from arignote.tensor.type import TensorType
from arignote.tensor.type_other import NoneTypeT as ArignoteNoneType

__all__ = ["ConvertedGraph", "Converter", "UnsupportedOps", "check_outputs", "constant_converters",
           "convert_type", "converters", "from_pytensor", "inner_graph_missing", "missing_op_types",
           "nested_missing", "type_converters"]

#: ``converter(op, node, *inputs)``: the arignote outputs of the PyTensor ``node`` (an op of
#: the registered type) from its converted inputs
Converter = Callable[..., Any]

converters: Registry[Converter] = Registry("PyTensor converters")

#: ``type_converter(pt_type) -> arignote type``, by PyTensor type class, for the types beyond
#: tensors, scalars, generators and none (sparse matrices, typed lists...)
type_converters: Registry[Callable[[Any], Any]] = Registry("PyTensor type converters")

#: ``nested(op) -> op types``: for ops holding other ops (inner graphs, core ops), the types among
#: those that cannot be converted, so that one error lists them with the outer graph's
nested_missing: Registry[Callable[[Any], list[type]]] = Registry("PyTensor nested-op checks")

#: ``constant_converter(pt_constant) -> arignote variable``, by PyTensor type class, for the
#: constants of those types
constant_converters: Registry[Callable[[Any], Variable]] = Registry("PyTensor constant converters")


class UnsupportedOps(NotImplementedError):
    """The PyTensor graph has ops arignote has no converter for (all of them are listed)."""

    def __init__(self, op_types: Sequence[type]) -> None:
        self.op_types = list(op_types)
        names = ", ".join(sorted(f"{t.__module__}.{t.__qualname__}" for t in self.op_types))
        super().__init__(f"from_pytensor: no converter for the PyTensor op types {names}; "
                         "register one in arignote.interop.pytensor.converters")


class ConvertedGraph(NamedTuple):
    """The converted graph: its inputs and outputs (arignote variables, in PyTensor's order) and
    the map from each PyTensor variable to its arignote counterpart."""

    inputs: list[Variable]
    outputs: list[Variable]
    variables: dict[PtVariable, Variable]


def convert_type(pt_type: Any) -> Any:
    """The arignote type of a PyTensor type (tensor, scalar as a 0-d tensor, random generator,
    none)."""
    # the registries first: PyTensor's sparse type is a subclass of its TensorType
    type_converter = type_converters.lookup(type(pt_type))
    if type_converter is not None:
        return type_converter(pt_type)
    if isinstance(pt_type, PtTensorType):
        return TensorType(pt_type.dtype, pt_type.shape)
    if isinstance(pt_type, PtScalarType):
        return TensorType(pt_type.dtype, ())
    if isinstance(pt_type, PtRandomGeneratorType):
        return RandomGeneratorType()
    if isinstance(pt_type, NoneTypeT):  # a "no size" input of an op
        return ArignoteNoneType()
    raise TypeError(f"from_pytensor: no arignote type for the PyTensor type {pt_type}")


def missing_op_types(nodes: Sequence[Any]) -> set[type]:
    """The op types of ``nodes`` (and of the ops nested in them) that have no converter."""
    missing: set[type] = set()
    for node in nodes:
        op_type = type(node.op)
        if converters.lookup(op_type) is None:
            missing.add(op_type)
            continue
        nested = nested_missing.lookup(op_type)
        if nested is not None:
            missing.update(nested(node.op))
    return missing


def inner_graph_missing(op: Any) -> list[type]:
    """:data:`nested_missing` of an op with an inner graph (``Scan``, ``OpFromGraph``)."""
    inner = op.fgraph
    return sorted(missing_op_types(io_toposort(list(inner.inputs), list(inner.outputs))),
                  key=lambda t: t.__qualname__)


def _constant(var: PtConstant) -> Variable:
    constant_converter = constant_converters.lookup(type(var.type))
    if constant_converter is not None:
        return constant_converter(var)
    data = var.data
    if isinstance(var.type, (PtTensorType, PtScalarType)):
        return at.constant(np.asarray(data, dtype=var.type.dtype))
    if isinstance(var.type, NoneTypeT) or data is None:  # "no size", "no axis", a generic None
        return at.NoneConst
    raise TypeError(f"from_pytensor: no arignote constant for {var} of type {var.type}")


def _root(var: PtVariable, shared_as_inputs: bool) -> Variable:
    """The arignote counterpart of a root of the graph."""
    if isinstance(var, PtConstant):
        return _constant(var)
    if isinstance(var, SharedVariable) and not shared_as_inputs:
        return shared(var.get_value(borrow=True), name=var.name, borrow=True)
    return convert_type(var.type).make_variable(var.name)


def check_outputs(node: Any, built: Any) -> list[Variable]:
    """``built`` as a list matching ``node``'s outputs: ranks checked, dtypes cast to PyTensor's."""
    outs = list(built) if isinstance(built, (list, tuple)) else [built]
    if len(outs) != len(node.outputs):
        raise RuntimeError(f"from_pytensor: the converter of {node.op} built {len(outs)} outputs for "
                           f"{len(node.outputs)}")
    checked = []
    for pt_out, out in zip(node.outputs, outs, strict=True):
        want = convert_type(pt_out.type)
        if isinstance(want, TensorType):
            out = at.as_tensor_variable(out)
            if out.type.ndim != want.ndim:
                raise RuntimeError(f"from_pytensor: the converter of {node.op} built {out.type} for "
                                   f"{pt_out.type}")
            if out.type.dtype != want.dtype:
                out = at.cast(out, want.dtype)
        checked.append(out)
    return checked


def from_pytensor(outputs: Any, inputs: Sequence[PtVariable] | None = None, *,
                  shared_as_inputs: bool = False) -> ConvertedGraph:
    """Convert the PyTensor graph of ``outputs`` (variables, or a ``FunctionGraph``) to arignote.

    ``inputs``: the PyTensor inputs, in order (default: the graph's root variables that are
    not constants, shared variables included unless they become arignote shared variables).
    ``shared_as_inputs``: shared variables become plain inputs (as a linker, which is given
    their values, needs), not arignote shared variables on the same value.
    """
    if isinstance(outputs, FunctionGraph):
        fgraph = outputs
        inputs, outputs = list(fgraph.inputs), list(fgraph.outputs)
    elif isinstance(outputs, PtVariable):
        outputs = [outputs]
    outputs = list(outputs)
    roots = [v for v in graph_inputs(outputs) if not isinstance(v, PtConstant)]
    if inputs is None:
        inputs = [v for v in roots if shared_as_inputs or not isinstance(v, SharedVariable)]
    inputs = list(inputs)
    nodes = io_toposort(inputs, outputs)
    missing = missing_op_types(nodes)
    if missing:
        raise UnsupportedOps(sorted(missing, key=lambda t: t.__qualname__))
    memo: dict[PtVariable, Variable] = {var: _root(var, True) if var in inputs else None  # type: ignore[misc]
                                        for var in inputs}
    for node in nodes:
        for var in node.inputs:
            if var not in memo:
                if var.owner is not None:
                    raise ValueError(f"from_pytensor: {var} is computed by {var.owner.op} outside the "
                                     "graph between the inputs and outputs given")
                if not isinstance(var, (PtConstant, SharedVariable)):
                    raise ValueError(f"from_pytensor: the graph needs the input {var}, which is not "
                                     "among the inputs given")
                memo[var] = _root(var, shared_as_inputs)
        converter = converters.lookup(type(node.op))
        assert converter is not None
        built = converter(node.op, node, *[memo[v] for v in node.inputs])
        for pt_out, out in zip(node.outputs, check_outputs(node, built), strict=True):
            memo[pt_out] = out
    for var in outputs:  # an output that is a root (an input or a constant)
        if var not in memo:
            memo[var] = _root(var, shared_as_inputs)
    return ConvertedGraph([memo[v] for v in inputs], [memo[v] for v in outputs], memo)
