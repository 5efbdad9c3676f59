"""C steps for structural ops that copy or check data (``runtime/steps_structural.c``,
``runtime/steps_gather.c``).

``CheckAndRaise``, ``MakeVector``, ``Join``, ``Split``, ``Diagonal`` (a view),
``IncSubtensor`` (basic keys), and ``AdvancedSubtensor`` / ``AdvancedIncSubtensor`` whose key
is integer vectors side by side among full slices (``a[idx]`` and its derivative, a
scatter-add; ``m[i, j]``; ``m[:, i, j]``) run in the runtime.  Every such step carries the
op's NumPy implementation as its fallback: the runtime calls it for what the C code does
not handle (other dtypes, other index patterns) and for every error, so results and
exceptions are exactly the Python step's.
"""

from __future__ import annotations

from typing import cast

from arignote.backend.c.node_lowering import (
    LoweringContext,
    StepPlan,
    c_lowering,
    encode_basic_key,
)
from arignote.backend.c.scalar_registry import Unsupported
from arignote.graph.basic import Apply
from arignote.tensor.check_and_raise import CheckAndRaise
from arignote.tensor.join import Join, Split
from arignote.tensor.products import Diagonal
from arignote.tensor.shape import MakeVector
from arignote.tensor.subtensor_advanced import AdvancedSubtensor
from arignote.tensor.subtensor_inc import AdvancedIncSubtensor, IncSubtensor
from arignote.tensor.subtensor_index import FULL_SLICE, INDEX_ARRAY, SliceSpec


def _plan(kind: str, node: Apply, ints: tuple[int, ...] = (), descr: object = None, axis: int = 0,
          donor_inputs: tuple[int, ...] = ()) -> StepPlan:
    """A structural step whose fallback is the op's NumPy implementation."""
    # x is a donor only alone: a write into x's dead buffer must not change another input
    return StepPlan(kind, (ints, descr, axis), fallback=node.op.py_impl(node), label=str(node.op),
                    donor_inputs=donor_inputs, exclusive_donors=bool(donor_inputs))


def _plain_dtype(node: Apply) -> None:
    """Unsupported for dtypes the runtime copies element by element only with references."""
    for var in node.inputs:
        dtype = getattr(var.type, "numpy_dtype", None)
        if dtype is None or dtype.hasobject:
            raise Unsupported(f"input of type {var.type}")


@c_lowering(CheckAndRaise)
def _check_and_raise(node: Apply, context: LoweringContext) -> StepPlan:
    return _plan("CHECK", node)


@c_lowering(MakeVector)
def _make_vector(node: Apply, context: LoweringContext) -> StepPlan:
    _plain_dtype(node)
    return _plan("MAKE_VECTOR", node, descr=node.outputs[0].type.numpy_dtype)


@c_lowering(Join)
def _join(node: Apply, context: LoweringContext) -> StepPlan:
    _plain_dtype(node)
    return _plan("JOIN", node, descr=node.outputs[0].type.numpy_dtype, axis=cast(Join, node.op).axis)


@c_lowering(Split)
def _split(node: Apply, context: LoweringContext) -> StepPlan:
    return _plan("SPLIT", node, axis=cast(Split, node.op).axis)


@c_lowering(Diagonal)
def _diagonal(node: Apply, context: LoweringContext) -> StepPlan:
    op = cast(Diagonal, node.op)
    return _plan("DIAGONAL", node, (op.offset, op.axis1, op.axis2))


@c_lowering(IncSubtensor)
def _inc_subtensor(node: Apply, context: LoweringContext) -> StepPlan:
    _plain_dtype(node)
    op = cast(IncSubtensor, node.op)
    x = node.inputs[0]
    key = encode_basic_key(op.idx_list)
    return _plan("INC_SUBTENSOR", node, (int(op.set_instead_of_inc), x.type.ndim, *key),
                 donor_inputs=(0,))


def _vector_key(idx_list: tuple[object, ...], node: Apply, first: int) -> tuple[int, int]:
    """(p, k) when the key is p full slices, k integer vectors, then full slices (NumPy puts
    the selection where the vectors were); Unsupported otherwise."""
    def full(entry: object) -> bool:
        return isinstance(entry, SliceSpec) and all(part is None for part in entry.parts)

    if Ellipsis in idx_list:  # as the full slices it stands for
        at = idx_list.index(Ellipsis)
        missing = node.inputs[0].type.ndim - (len(idx_list) - 1)
        idx_list = idx_list[:at] + (FULL_SLICE,) * max(missing, 0) + idx_list[at + 1:]
    arrays = [n for n, entry in enumerate(idx_list) if entry is INDEX_ARRAY]
    if not arrays:
        raise Unsupported("no integer vector in the key")
    p, k = arrays[0], len(arrays)
    if arrays != list(range(p, p + k)) or not all(full(e) for n, e in enumerate(idx_list)
                                                  if not p <= n < p + k):
        raise Unsupported("only integer vectors side by side, among full slices, run in C")
    if len(node.inputs) != first + k:
        raise Unsupported("one input per index vector expected")
    for var in node.inputs[first:]:
        if var.type.ndim != 1 or var.type.numpy_dtype.kind not in "iu":
            raise Unsupported(f"index of type {var.type}")
    return p, k


@c_lowering(AdvancedSubtensor)
def _advanced_subtensor(node: Apply, context: LoweringContext) -> StepPlan:
    _plain_dtype(node)
    p, k = _vector_key(cast(AdvancedSubtensor, node.op).idx_list, node, 1)
    return _plan("TAKE", node, (p, k))


@c_lowering(AdvancedIncSubtensor)
def _advanced_inc_subtensor(node: Apply, context: LoweringContext) -> StepPlan:
    _plain_dtype(node)
    op = cast(AdvancedIncSubtensor, node.op)
    p, k = _vector_key(op.idx_list, node, 2)
    if op.ignore_duplicates:
        raise Unsupported("ignore_duplicates (NumPy's buffered `x[idx] += y`) runs on NumPy")
    return _plan("TAKE_INC", node, (int(op.set_instead_of_inc), p, k), donor_inputs=(0,))
