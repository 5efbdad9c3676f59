"""Batching a graph over a new leading axis, for vectorized Jacobians.

:func:`vectorize_graph` rebuilds the nodes that depend on some replaced
variables so that each of their values gains a leading batch axis; nodes
that do not depend on them are shared, unbatched.  A batching rule says,
for one op type, how to apply the op to operands of which some carry the
batch axis (mostly: shift the op's axes by one).  The rules cover the ops
that derivative rules build (elementwise, dimshuffle, reductions, sums to a
shape, broadcasts, reshapes, products, indexing, joins); a graph with
another op raises :class:`NoBatchingRule`, and ``jacobian`` then falls back
to building rows one by one.

The batched graph of a pullback is linear in the cotangent, so no node
multiplies two batched operands together; the product rules therefore
handle one batched operand and leave the other case to the fallback.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.graph.traversal import toposort

__all__ = ["NoBatchingRule", "batched_pullback", "vectorize_graph", "batching_rule"]

#: rule(node, operands, batched, size) -> the node's outputs, each with a leading batch axis,
#: or with the original's rank when it does not vary along the batch (a shape).
#: ``operands[k]`` is the batched version of input k when ``batched[k]``, else the input.
BatchingRule = Callable[[Apply, list[Variable], list[bool], Variable], list[Variable]]
_RULES: dict[type, BatchingRule] = {}


class NoBatchingRule(NotImplementedError):
    """Some op of the graph cannot be batched."""


def batching_rule(*op_types: type) -> Callable[[BatchingRule], BatchingRule]:
    """Register a batching rule for ``op_types`` (and their subclasses)."""
    def register(rule: BatchingRule) -> BatchingRule:
        for op_type in op_types:
            _RULES[op_type] = rule
        return rule
    return register


def _rule_for(op: Op) -> BatchingRule:
    for kind in type(op).__mro__:
        rule = _RULES.get(kind)
        if rule is not None:
            return rule
    raise NoBatchingRule(f"{op} has no batching rule")


def vectorize_graph(outputs: Sequence[Variable], replace: Mapping[Variable, Variable],
                    size: Variable) -> list[Variable]:
    """``outputs`` computed with each key of ``replace`` swapped for its value, which has an
    extra leading axis of length ``size``; every output gets that leading axis."""
    batched: dict[int, Variable] = {id(k): v for k, v in replace.items()}
    # values that do not vary along the batch but had to be rebuilt (the shape of a batched value)
    rebuilt: dict[int, Variable] = {}
    for node in toposort(outputs):
        flags = [id(i) in batched for i in node.inputs]
        if not any(flags):
            if any(id(i) in rebuilt for i in node.inputs):
                args = [rebuilt.get(id(i), i) for i in node.inputs]
                rebuilt.update(zip(map(id, node.outputs), node.op.make_node(*args).outputs))
            continue
        operands = [batched[id(i)] if f else rebuilt.get(id(i), i) for i, f in zip(node.inputs, flags)]
        new_outputs = _rule_for(node.op)(node, operands, flags, size)
        for old, new in zip(node.outputs, new_outputs):
            if new.ndim == old.type.ndim:  # type: ignore[attr-defined]
                rebuilt[id(old)] = new
            elif new.ndim == old.type.ndim + 1:  # type: ignore[attr-defined]
                batched[id(old)] = new
            else:
                raise AssertionError(f"batching rule of {node.op} returned {new.type} for {old.type}")
    return [batched[id(o)] if id(o) in batched else broadcast_batch(rebuilt.get(id(o), o), size)
            for o in outputs]


def batched_pullback(flat: Variable, wrt: list[Variable], consider_constant: Any = None,
                     disconnected_inputs: str = "raise") -> list[Variable] | None:
    """The Jacobian rows of the vector ``flat`` with respect to each of ``wrt``, from one
    batched pullback, or None when some node of the pullback has no batching rule."""
    from arignote.autodiff.grad import grad
    from arignote.tensor.alloc import eye
    from arignote.tensor.shape import shape_i

    u = flat.type.make_variable("u")
    rows = grad(None, wrt, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs,
                known_grads={flat: u}, add_names=False)
    size = shape_i(flat, 0)
    try:
        return vectorize_graph(rows, {u: eye(size, dtype=flat.type.dtype)}, size)
    except NoBatchingRule as exc:
        global last_failure
        last_failure = str(exc)
        return None


#: why the last batched pullback could not be built (for error messages)
last_failure = ""


# --- helpers -----------------------------------------------------------------------------------

def broadcast_batch(x: Variable, size: Variable) -> Variable:
    """``x`` repeated along a new leading axis of length ``size`` (a broadcast view)."""
    from arignote.tensor.alloc import broadcast_to
    from arignote.tensor.dimshuffle import expand_dims
    from arignote.tensor.shape import shape_tuple

    return broadcast_to(expand_dims(x, 0), [size, *shape_tuple(x)])


def _with_batch(shape_vector: Variable, size: Variable) -> Variable:
    """The int vector ``[size, *shape_vector]``."""
    from arignote.tensor.join import concatenate
    from arignote.tensor.shape import make_vector

    return concatenate([make_vector(size, dtype="int64"), shape_vector.astype("int64")])  # type: ignore[attr-defined]


def _pad_after_batch(xb: Variable, ndim: int) -> Variable:
    """The batched ``xb`` with length-1 axes after the batch axis, to ``ndim + 1`` axes."""
    from arignote.tensor.dimshuffle import dimshuffle

    missing = ndim + 1 - xb.ndim  # type: ignore[attr-defined]
    if missing <= 0:
        return xb
    return dimshuffle(xb, [0] + ["x"] * missing + list(range(1, xb.ndim)))  # type: ignore[attr-defined]


def _batch_to_front(x: Variable, position: int) -> Variable:
    from arignote.tensor.dimshuffle import dimshuffle

    order = [position] + [a for a in range(x.ndim) if a != position]  # type: ignore[attr-defined]
    return dimshuffle(x, order)


# --- rules ------------------------------------------------------------------------------------------

def _register_tensor_rules() -> None:
    """The batching rules of the tensor ops (imported here, below the tensor package)."""
    from arignote.autodiff.gradient_ops import GradientOp
    from arignote.tensor.alloc import Alloc, BroadcastTo
    from arignote.tensor.dimshuffle import DimShuffle
    from arignote.tensor.elemwise import Elemwise
    from arignote.tensor.extra_ops import CumOp
    from arignote.tensor.join import Flip, Join, Roll, Split
    from arignote.tensor.products import Diagonal, Dot, MatMul, TensorDot
    from arignote.tensor.reduction import CAReduce
    from arignote.tensor.shape import MakeVector, Reshape, Shape, ShapeI, SpecifyShape
    from arignote.tensor.subtensor_advanced import AdvancedSubtensor
    from arignote.tensor.subtensor_basic import Subtensor
    from arignote.tensor.subtensor_inc import AdvancedIncSubtensor, IncSubtensor
    from arignote.tensor.subtensor_index import FULL_SLICE, is_advanced
    from arignote.tensor.sum_to import SumTo

    @batching_rule(Elemwise)
    def elemwise(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        ndim = node.outputs[0].type.ndim  # type: ignore[attr-defined]
        args = [_pad_after_batch(x, ndim) if f else x for x, f in zip(xs, flags)]
        return list(node.op.make_node(*args).outputs)

    @batching_rule(Shape, ShapeI)
    def shape_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        # every batch element has the same shape: read it from the batched value past its batch axis
        if isinstance(node.op, ShapeI):
            return [ShapeI(node.op.axis + 1)(xs[0])]
        return [Shape()(xs[0])[1:]]

    @batching_rule(DimShuffle)
    def dimshuffle_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        from arignote.tensor.shape import specify_shape

        op = node.op
        x = xs[0]
        if any(x.type.shape[d + 1] != 1 for d in op.dropped):  # type: ignore[attr-defined]
            x = specify_shape(x, (None, *node.inputs[0].type.shape))  # type: ignore[attr-defined]
        order = (0,) + tuple("x" if d == "x" else d + 1 for d in op.new_order)
        return [DimShuffle(op.input_ndim + 1, order)(x)]

    @batching_rule(CAReduce)
    def reduce_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        op = node.op
        axes = op.reduced_axes(node.inputs[0].type.ndim)  # type: ignore[attr-defined]
        return [dataclasses.replace(op, axis=tuple(a + 1 for a in axes))(xs[0])]

    @batching_rule(SumTo)
    def sum_to_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        from arignote.tensor.reduction import sum as tensor_sum

        x, *lengths = xs
        if any(flags[1:]):
            raise NoBatchingRule("batched lengths")
        lead = node.inputs[0].type.ndim - node.op.ndim  # type: ignore[attr-defined]
        if lead:
            x = tensor_sum(x, axis=tuple(range(1, lead + 1)))
        return [SumTo(node.op.ndim + 1)(x, size, *lengths)]

    @batching_rule(Alloc, BroadcastTo)
    def fill_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        value, shape = xs
        op = node.op
        return [type(op)(op.ndim + 1)(_pad_after_batch(value, op.ndim), _with_batch(shape, size))]

    @batching_rule(Reshape)
    def reshape_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        return [Reshape(node.op.ndim + 1)(xs[0], _with_batch(xs[1], size))]

    @batching_rule(SpecifyShape)
    def specify_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        op = node.op
        return [SpecifyShape((None, *op.shape), tuple(a + 1 for a in op.symbolic_axes))(*xs)]

    @batching_rule(GradientOp, Flip, CumOp, Diagonal)
    def axis_shift_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        op = node.op
        if isinstance(op, GradientOp):
            return [op(xs[0])]
        if isinstance(op, Flip):
            return [Flip(tuple(a + 1 for a in op.axis))(xs[0])]
        if isinstance(op, CumOp):
            if op.axis is None:
                raise NoBatchingRule(f"{op} flattens its input")
            return [CumOp(op.axis + 1, op.mode)(xs[0])]
        return [Diagonal(op.offset, op.axis1 + 1, op.axis2 + 1)(xs[0])]

    @batching_rule(Roll)
    def roll_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        if node.op.axis is None or flags[1]:
            raise NoBatchingRule(f"{node.op} cannot be batched")
        return [Roll(tuple(a + 1 for a in node.op.axis))(*xs)]

    @batching_rule(Join)
    def join_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        parts = [x if f else broadcast_batch(x, size) for x, f in zip(xs, flags)]
        return [Join(node.op.axis + 1)(*parts)]

    @batching_rule(Split)
    def split_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        if flags[1]:
            raise NoBatchingRule("split sizes cannot be batched")
        return list(Split(node.op.n_splits, node.op.axis + 1).make_node(*xs).outputs)

    @batching_rule(MakeVector)
    def make_vector_rule(node: Apply, xs: list[Variable], flags: list[bool],
                         size: Variable) -> list[Variable]:
        from arignote.tensor.join import stack

        dtype = node.op.dtype
        parts = [(x if f else broadcast_batch(x, size)).astype(dtype) for x, f in zip(xs, flags)]  # type: ignore[attr-defined]
        return [stack(parts, axis=1)]

    @batching_rule(Dot, TensorDot)
    def contraction_rule(node: Apply, xs: list[Variable], flags: list[bool],
                         size: Variable) -> list[Variable]:
        a, b = node.inputs
        if all(flags):
            raise NoBatchingRule(f"{node.op} of two batched operands")
        if isinstance(node.op, Dot):
            a_axes, b_axes = (a.ndim - 1,), (max(b.ndim - 2, 0),)  # type: ignore[attr-defined]
        else:
            a_axes, b_axes = node.op.a_axes, node.op.b_axes
        if flags[0]:  # the batch axis leads the free axes of a, so it leads the result
            return [TensorDot(tuple(i + 1 for i in a_axes), tuple(b_axes))(xs[0], b)]
        free_a = a.ndim - len(a_axes)  # type: ignore[attr-defined]
        out = TensorDot(tuple(a_axes), tuple(j + 1 for j in b_axes))(a, xs[1])
        return [_batch_to_front(out, free_a)]

    @batching_rule(MatMul)
    def matmul_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        from arignote.tensor.products import matmul

        a, b = node.inputs
        if all(flags) or a.ndim < 2 or b.ndim < 2:  # type: ignore[attr-defined]
            raise NoBatchingRule(f"{node.op} of these operands")
        ndim = max(a.ndim, b.ndim)  # type: ignore[attr-defined]
        args = [_pad_after_batch(x, ndim) if f else x for x, f in zip(xs, flags)]
        return [matmul(*args)]

    def _adjacent(entries: Sequence[Any]) -> bool:
        from arignote.tensor.subtensor_index import SliceSpec

        positions = [k for k, e in enumerate(entries)
                     if e is not None and e is not Ellipsis and not isinstance(e, SliceSpec)]
        return not positions or positions[-1] - positions[0] + 1 == len(positions)

    def _batch_position(entries: Sequence[Any], indices: Sequence[Variable]) -> int:
        """Where the batch axis lands in ``x[:, key]``: in front, unless the key's advanced
        indices are separated, when NumPy puts their broadcast dims first."""
        from arignote.tensor.subtensor_index import BOOL_MASK, INDEX_ARRAY, SYMBOLIC, SliceSpec

        if not is_advanced(entries) or _adjacent(entries):
            return 0
        ndim = 0
        walk = iter(indices)
        for entry in entries:
            if isinstance(entry, SliceSpec):
                for part in entry.parts:
                    if part is SYMBOLIC:
                        next(walk)
            elif entry is INDEX_ARRAY:
                ndim = max(ndim, next(walk).ndim)  # type: ignore[attr-defined]
            elif entry is BOOL_MASK:
                next(walk)
                ndim = max(ndim, 1)
            elif entry is SYMBOLIC:
                next(walk)
        return ndim

    @batching_rule(Subtensor, AdvancedSubtensor)
    def read_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        op = node.op
        if any(flags[1:]):
            raise NoBatchingRule("batched indices")
        out = type(op)((FULL_SLICE, *op.idx_list))(*xs)
        position = _batch_position(op.idx_list, node.inputs[1:])
        return [_batch_to_front(out, position) if position else out]

    @batching_rule(IncSubtensor, AdvancedIncSubtensor)
    def write_rule(node: Apply, xs: list[Variable], flags: list[bool], size: Variable) -> list[Variable]:
        from arignote.tensor.dimshuffle import dimshuffle

        op = node.op
        if any(flags[2:]):
            raise NoBatchingRule("batched indices")
        x, y = node.inputs[:2]
        xb = xs[0] if flags[0] else broadcast_batch(x, size)
        target_ndim = node.op._read_op()(x, *node.inputs[2:]).ndim
        yb = y
        position = _batch_position(op.idx_list, node.inputs[2:])
        if not flags[1] and position and y.ndim > target_ndim - position:  # type: ignore[attr-defined]
            # y reaches into the advanced dims, which come before the batch axis: make room for it
            full = ["x"] * (target_ndim - y.ndim) + list(range(y.ndim))  # type: ignore[attr-defined]
            yb = dimshuffle(y, full[:position] + ["x"] + full[position:])
        if flags[1]:
            if y.ndim > target_ndim:  # type: ignore[attr-defined]
                raise NoBatchingRule("a value with extra leading axes")
            yb = _pad_after_batch(xs[1], target_ndim)
            if position:  # the indexed part has the advanced dims first, then the batch axis
                order = list(range(1, target_ndim + 1))
                yb = dimshuffle(yb, order[:position] + [0] + order[position:])
        params = {f.name: getattr(op, f.name) for f in dataclasses.fields(op)}
        params["idx_list"] = (FULL_SLICE, *op.idx_list)
        return [type(op)(**params)(xb, yb, *xs[2:])]


_register_tensor_rules()
