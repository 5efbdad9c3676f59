"""How each op runs in a compiled program: a registry from op type to its step.

A lowering looks at one node and returns a :class:`StepPlan`: which kind of
runtime step runs it, its parameters, and for generated kernels the C source
to compile.  Op types without a lowering, and nodes a lowering declines
(raising :class:`Unsupported`: an unsupported dtype, say), run their NumPy
implementation (``op.py_impl(node)``) as a Python step of the same program.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from arignote.backend.c.kernel_blocks import uses_vector_math
from arignote.backend.c.kernel_elemwise import elemwise_kernel, node_scalar_inputs, scalar_body
from arignote.backend.c.kernel_reduce import argreduce_kernel, reduce_kernel
from arignote.backend.c.kernel_reduce_ordered import row_fold_order
from arignote.backend.c.ops import ElemwiseReduce
from arignote.backend.c.scalar_registry import Unsupported
from arignote.graph.basic import Apply
from arignote.graph.registry import Registry
from arignote.scalar import math as sm
from arignote.tensor.alloc import Alloc
from arignote.tensor.blas import Gemm, Gemv
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.products import Dot, MatMul
from arignote.tensor.reduction import Argmax, Argmin, CAReduce
from arignote.tensor.shape import Reshape, Shape, ShapeI, SpecifyShape
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_index import SYMBOLIC, SliceSpec


@dataclass
class StepPlan:
    """What the runtime does for one node."""

    kind: str                                   # a runtime step kind: "ELEMWISE", "PY", ...
    params: tuple[Any, ...] = ()                # for kernels: without the function address
    source: str | None = None                   # kernel C source, compiled and cached
    symbol: str = "kernel"                      # the entry point is ag_kernel (ag<i>_kernel in a batch)
    fallback: Callable[..., Any] | None = None  # the NumPy implementation (always set for PY)
    donor_inputs: tuple[int, ...] = ()          # inputs whose dead buffer may hold the output
    exclusive_donors: bool = False              # a donor must not be another input too
    label: str = ""
    notes: list[str] = field(default_factory=list)
    address: int = 0                            # the compiled kernel's address, once loaded
    constants: tuple[np.ndarray, ...] = ()      # extra one-element operands after the inputs


@dataclass(frozen=True)
class LoweringContext:
    """What lowerings may depend on besides the node."""

    vector_functions: frozenset[str]


Lowering = Callable[[Apply, LoweringContext], StepPlan]
#: op type -> its C lowering (subclasses inherit it); ops without one run on NumPy
c_lowerings: Registry[Lowering] = Registry("C lowering")


def c_lowering(*op_types: type) -> Callable[[Lowering], Lowering]:
    """Decorator registering the C lowering of op types."""
    return c_lowerings.register(*op_types)


def python_step(node: Apply, why: str = "") -> StepPlan:
    """The step that runs ``node``'s NumPy implementation."""
    plan = StepPlan("PY", fallback=node.op.py_impl(node), label=str(node.op))
    if why:
        plan.notes.append(why)
    return plan


def plan_node(node: Apply, context: LoweringContext) -> StepPlan:
    """The step for ``node``: its lowering's, or a Python step."""
    lowering = c_lowerings.lookup(type(node.op))
    if lowering is None:
        return python_step(node)
    try:
        return lowering(node, context)
    except Unsupported as exc:
        return python_step(node, str(exc))


def _dtypes(variables: Any) -> tuple[np.dtype, ...]:
    return tuple(v.type.numpy_dtype for v in variables)


# --- kernels -------------------------------------------------------------------------------

@c_lowering(Elemwise)
def _elemwise(node: Apply, context: LoweringContext) -> StepPlan:
    body = scalar_body(node.op.scalar_op, _dtypes(node.inputs), _dtypes(node.outputs))
    scalars = node_scalar_inputs(node, body)
    source = elemwise_kernel(body, scalars, context.vector_functions, _title(node))
    params = (body.in_dtypes, _operand_ndims(node, body), tuple(scalars),
              _dtypes(node.outputs), node.outputs[0].type.ndim, max(body.parts.cost, 1.0),
              _fixed_axes(node, body))
    return StepPlan("ELEMWISE", params, source, donor_inputs=tuple(range(len(node.inputs))),
                    label=str(node.op), constants=body.constants)


def _title(node: Apply) -> str:
    """A short description for the kernel source's comment (no comment terminators)."""
    return str(node.op)[:200].replace("*/", "* /")


def _operand_ndims(node: Apply, body: Any) -> tuple[int, ...]:
    return tuple(v.type.ndim for v in node.inputs) + (0,) * len(body.constants)


def _fixed_axes(node: Apply, body: Any) -> tuple[bool, ...]:
    """Per axis of each operand (in a row): True unless its static length is 1, i.e. it may
    not stretch (arignote.tensor.broadcasting); the runtime checks these."""
    return tuple(length != 1 for v in node.inputs for length in v.type.shape)


def _initial_value(op: CAReduce, acc_dtype: np.dtype) -> tuple[np.ndarray, str | None]:
    """The accumulator's starting value, and the ufunc's name when an empty reduction fails."""
    ufunc: Any = type(op.scalar_op).nfunc  # a NumPy ufunc
    no_identity = ufunc.__name__ if ufunc.identity is None and op.initial is None else None
    if op.initial is not None:
        start: Any = op.initial
    elif ufunc.identity is not None:
        start = ufunc.identity
    elif isinstance(op.scalar_op, (sm.Maximum, sm.Minimum)):
        # the opposite extreme: absorbed by the first element (NaN still propagates)
        low = isinstance(op.scalar_op, sm.Maximum)
        if acc_dtype.kind == "f":
            start = -np.inf if low else np.inf
        elif acc_dtype.kind == "b":
            start = not low
        else:
            info = np.iinfo(acc_dtype)
            start = info.min if low else info.max
    else:
        raise Unsupported(f"reduction with {op.scalar_op}, which has no identity")
    with np.errstate(all="ignore"):
        value = np.array(start).astype(acc_dtype) if acc_dtype.kind != "b" else np.array(bool(start))
    if op.initial is not None and value.item() != op.initial and not (
            isinstance(op.initial, float) and np.isnan(op.initial)):
        if acc_dtype.kind in "biu":
            raise Unsupported(f"initial value {op.initial!r} does not fit {acc_dtype}")
    return value.reshape(()), no_identity


def _reduce_plan(node: Apply, context: LoweringContext, reduce: CAReduce, scalar_op: Any,
                 element_dtype: np.dtype, ndim: int) -> StepPlan:
    in_dtype = element_dtype.name
    acc_dtype = np.dtype(reduce.accumulator_dtype(in_dtype))
    out_dtype = node.outputs[0].type.numpy_dtype
    body = scalar_body(scalar_op, _dtypes(node.inputs), (element_dtype,))
    scalars = node_scalar_inputs(node, body) if isinstance(node.op, ElemwiseReduce) else [False]
    source = reduce_kernel(body, scalars, reduce.scalar_op, acc_dtype, context.vector_functions,
                           _title(node))
    init, no_identity = _initial_value(reduce, acc_dtype)
    reduced = set(reduce.reduced_axes(ndim))
    # how the kernel orders a row's fold: lets the runtime reorder short rows exactly
    fold_order = row_fold_order(reduce.scalar_op, acc_dtype,
                                uses_vector_math(body.parts.math, context.vector_functions), init)
    params = (body.in_dtypes, _operand_ndims(node, body), tuple(scalars),
              (out_dtype,), ndim, max(body.parts.cost, 1.0),
              tuple(a in reduced for a in range(ndim)), acc_dtype, init, no_identity,
              fold_order, _fixed_axes(node, body))
    return StepPlan("REDUCE", params, source, label=str(node.op), constants=body.constants)


@c_lowering(CAReduce)
def _careduce(node: Apply, context: LoweringContext) -> StepPlan:
    x = node.inputs[0]
    return _reduce_plan(node, context, cast(CAReduce, node.op), sm.Identity(), x.type.numpy_dtype,
                        x.type.ndim)


@c_lowering(ElemwiseReduce)
def _elemwise_reduce(node: Apply, context: LoweringContext) -> StepPlan:
    op = node.op
    element = op._elemwise_type(node.inputs)
    if isinstance(op.reduce, (Argmax, Argmin)):
        return _argreduce_plan(node, context, op.reduce, op.scalar_op, element.numpy_dtype, element.ndim)
    return _reduce_plan(node, context, op.reduce, op.scalar_op, element.numpy_dtype, element.ndim)


def _argreduce_plan(node: Apply, context: LoweringContext, op: Any, scalar_op: Any,
                    element_dtype: np.dtype, ndim: int) -> StepPlan:
    maximum = isinstance(op, Argmax)
    body = scalar_body(scalar_op, _dtypes(node.inputs), (element_dtype,))
    scalars = node_scalar_inputs(node, body) if isinstance(node.op, ElemwiseReduce) else [False]
    source = argreduce_kernel(body, scalars, maximum, context.vector_functions, _title(node))
    axis = -1 if op.axis is None else op.axis
    params = (body.in_dtypes, _operand_ndims(node, body), tuple(scalars), (element_dtype,), ndim, axis,
              "argmax" if maximum else "argmin", _fixed_axes(node, body))
    return StepPlan("ARGREDUCE", params, source, label=str(node.op), constants=body.constants)


@c_lowering(Argmax, Argmin)
def _argreduce(node: Apply, context: LoweringContext) -> StepPlan:
    x = node.inputs[0]
    return _argreduce_plan(node, context, node.op, sm.Identity(), x.type.numpy_dtype, x.type.ndim)


# --- structural ops ------------------------------------------------------------------------

def _structural(kind: str, ints: Any = (), descr: Any = None, axis: int = 0, node: Apply | None = None,
                **extra: Any) -> StepPlan:
    fallback = node.op.py_impl(node) if node is not None and kind in ("DOT", "GEMM", "GEMV") else None
    return StepPlan(kind, (tuple(int(i) for i in ints), descr, axis), fallback=fallback,
                    label=str(node.op) if node is not None else kind, **extra)


@c_lowering(DimShuffle)
def _dimshuffle(node: Apply, context: LoweringContext) -> StepPlan:
    order = [-1 if d == "x" else d for d in node.op.new_order]
    return _structural("DIMSHUFFLE", [node.op.input_ndim, *order], node=node)


@c_lowering(Reshape)
def _reshape(node: Apply, context: LoweringContext) -> StepPlan:
    return _structural("RESHAPE", [node.op.ndim], node=node)


_ENTRY = {"int": 0, "symbolic": 1, "slice": 2, "newaxis": 3}
_PART = {"none": 0, "const": 1, "symbolic": 2}


def encode_basic_key(idx_list: Any) -> list[int]:
    """A basic key as the runtime reads it: the number of entries, then each entry's kind
    (``_ENTRY``) and its constants (a slice: kind and value of start, stop, step)."""
    encoded: list[int] = [len(idx_list)]
    for entry in idx_list:
        if entry is None:
            encoded.append(_ENTRY["newaxis"])
        elif entry is SYMBOLIC:
            encoded.append(_ENTRY["symbolic"])
        elif isinstance(entry, SliceSpec):
            encoded.append(_ENTRY["slice"])
            for part in entry.parts:
                if part is None:
                    encoded += [_PART["none"], 0]
                elif part is SYMBOLIC:
                    encoded += [_PART["symbolic"], 0]
                else:
                    encoded += [_PART["const"], int(cast(int, part))]  # not a marker: SYMBOLIC is one
        elif isinstance(entry, int):
            encoded += [_ENTRY["int"], entry]
        else:
            raise Unsupported(f"index entry {entry!r}")
    return encoded


@c_lowering(Subtensor)
def _subtensor(node: Apply, context: LoweringContext) -> StepPlan:
    x = node.inputs[0]
    return _structural("SUBTENSOR", [x.type.ndim, *encode_basic_key(node.op.idx_list)], node=node)


@c_lowering(Shape)
def _shape(node: Apply, context: LoweringContext) -> StepPlan:
    return _structural("SHAPE", node=node)


@c_lowering(ShapeI)
def _shape_i(node: Apply, context: LoweringContext) -> StepPlan:
    return _structural("SHAPE_I", axis=node.op.axis, node=node)


@c_lowering(Alloc)
def _alloc(node: Apply, context: LoweringContext) -> StepPlan:
    out = node.outputs[0].type.numpy_dtype
    if out.kind not in "biuf":
        raise Unsupported(f"Alloc of {out}")
    # the rank, the value's rank, then per value axis whether its type declares length 1
    declared = [int(d == 1) for d in node.inputs[0].type.shape]
    return _structural("ALLOC", [node.op.ndim, len(declared), *declared], out, node=node)


@c_lowering(SpecifyShape)
def _specify_shape(node: Apply, context: LoweringContext) -> StepPlan:
    op = node.op
    expected = [-1 if d is None else d for d in op.shape]
    return _structural("SPECIFY_SHAPE", [len(op.shape), *expected, *op.symbolic_axes], node=node)


@c_lowering(Dot, MatMul)
def _dot(node: Apply, context: LoweringContext) -> StepPlan:
    a, b = node.inputs
    if not (1 <= a.type.ndim <= 2 and 1 <= b.type.ndim <= 2):
        if isinstance(node.op, MatMul) and a.type.ndim >= 1 and b.type.ndim >= 1:
            from arignote.backend.c.axis_lowering import batched_matmul  # it imports this module
            return batched_matmul(node)
        raise Unsupported("batched dot products run on NumPy")
    return _structural("DOT", descr=node.outputs[0].type.numpy_dtype, node=node)


@c_lowering(Gemm)
def _gemm(node: Apply, context: LoweringContext) -> StepPlan:
    return _structural("GEMM", descr=node.outputs[0].type.numpy_dtype, node=node, donor_inputs=(0,),
                       exclusive_donors=True)


@c_lowering(Gemv)
def _gemv(node: Apply, context: LoweringContext) -> StepPlan:
    return _structural("GEMV", descr=node.outputs[0].type.numpy_dtype, node=node, donor_inputs=(0,),
                       exclusive_donors=True)
