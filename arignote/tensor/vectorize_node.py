"""Vectorizing nodes and graphs over any number of leading batch dimensions.

:func:`vectorize_node` applies a node's op to new inputs that carry extra
leading (batch) dims beyond the ranks of the node's own inputs; the batch
dims of different inputs broadcast together, aligned on the right (only a
statically-1 length stretches, see :mod:`arignote.tensor.broadcasting`).  Each
output gets the broadcast batch dims of the inputs it depends on, or none
when it does not vary along them (a shape).  How, by decreasing preference:

0. a function a user registered for the op type with PyTensor's
   ``_vectorize_node.register`` (:data:`arignote.graph.replace.node_vectorizers`);
1. a rule registered for the op type in :data:`vectorizers`: the ops whose
   NumPy-style form already broadcasts over leading dims (elementwise ops,
   dimshuffles, reductions, shapes, reshapes, diagonals, basic indexing,
   products as ``matmul``, and ``Blockwise`` itself);
2. a :class:`~arignote.tensor.blockwise.Blockwise` of the op by its own
   ``gufunc_signature``, when it declares one (a linear-algebra op);
3. the op's one-axis batching rule (:meth:`Op.batch`), the batch dims
   broadcast to one shape and, when there are several, flattened into one
   axis and split again afterwards;
4. a :class:`~arignote.tensor.blockwise.Blockwise` of the op, with a
   signature made from the node's input and output ranks: always possible,
   and it runs as a loop over the batch (NumPy) or ``jnp.vectorize`` (JAX).

:func:`vectorize_variables` does it for every node of a graph downstream of
replaced variables; the user function is
:func:`arignote.tensor.functional.vectorize_graph`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule, Op
from arignote.graph.registry import Registry
from arignote.graph.replace import node_vectorizers
from arignote.graph.traversal import toposort
from arignote.tensor.alloc import broadcast_to
from arignote.tensor.blockwise import Blockwise, format_signature
from arignote.tensor.broadcasting import broadcast_static_shapes
from arignote.tensor.dimshuffle import DimShuffle, dimshuffle, expand_dims
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.products import Diagonal, Dot, MatMul, matmul
from arignote.tensor.reduction import CAReduce
from arignote.tensor.shape import Reshape, Shape, ShapeI, reshape, shape_i, shape_tuple, specify_shape
from arignote.tensor.shape_inference import (
    broadcast_shapes,
    dim,
    floordiv_dims,
    known_dim,
    mul_dims,
    vector_entries,
)
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_index import FULL_SLICE
from arignote.tensor.type import TensorType

__all__ = ["Vectorizer", "as_blockwise", "pad_core", "vectorize_node", "vectorize_variables", "vectorizers"]

#: ``(node, new inputs, batch dims of each) -> new outputs``, or None when the rule does not
#: apply to this node (the next way is tried)
Vectorizer = Callable[[Apply, list[Variable], list[int]], "list[Variable] | None"]
#: op type -> its multi-dimensional vectorizing rule (subclasses inherit it)
vectorizers: Registry[Vectorizer] = Registry("vectorize")


def vectorize_node(node: Apply, *inputs: Variable) -> list[Variable]:
    """``node``'s op applied to ``inputs``: ``node.inputs`` with extra leading batch dims
    (any number each, 0 included); one variable per output (see the module docstring)."""
    if len(inputs) != len(node.inputs):
        raise TypeError(f"vectorize_node: {node.op} has {len(node.inputs)} input(s), got {len(inputs)}")
    batch_ndims = []
    for position, (old, new) in enumerate(zip(node.inputs, inputs)):
        if not isinstance(old.type, TensorType):
            if new is not old and new.type != old.type:
                raise NoBatchingRule(f"cannot vectorize {node.op}: its input {position} ({old.type}) "
                                     f"is not a tensor")
            batch_ndims.append(0)
            continue
        extra = new.type.ndim - old.type.ndim
        if extra < 0:
            raise ValueError(f"vectorize: input {position} of {node.op} ({old.type}) was replaced by "
                             f"{new} ({new.type}), which has fewer dimensions")
        batch_ndims.append(extra)
    if all(a is b for a, b in zip(inputs, node.inputs)):
        return list(node.outputs)
    if not any(batch_ndims):
        return list(node.op.make_node(*inputs).outputs)
    users = node_vectorizers.lookup(type(node.op))
    if users is not None:
        return _by_user_function(users, node, inputs)
    rule = vectorizers.lookup(type(node.op))
    if rule is not None:
        result = rule(node, list(inputs), batch_ndims)
        if result is not None:
            return result
    declared = _declared_blockwise(node)
    if declared is not None:
        return list(declared.make_node(*inputs).outputs)
    try:
        return _by_batching_rule(node, list(inputs), batch_ndims)
    except NoBatchingRule:
        pass
    return as_blockwise(node, inputs)


def _by_user_function(fn: Callable[..., Any], node: Apply, inputs: Sequence[Variable]) -> list[Variable]:
    """A registered ``fn(op, node, *batched_inputs)``: its Apply's outputs, or its outputs."""
    found = fn(node.op, node, *inputs)
    outputs = list(found.outputs) if isinstance(found, Apply) else \
        [found] if isinstance(found, Variable) else list(found)
    if len(outputs) != len(node.outputs):
        raise ValueError(f"vectorize: the function registered for {type(node.op).__name__} gave "
                         f"{len(outputs)} output(s) for a node with {len(node.outputs)}")
    return outputs


def _declared_blockwise(node: Apply) -> Blockwise | None:
    """The Blockwise of the node's op by its own ``gufunc_signature``, when it declares one
    that fits the node's input ranks."""
    signature = getattr(node.op, "gufunc_signature", None)
    if not signature or not isinstance(signature, str):
        return None
    op = Blockwise(node.op, signature)
    if [len(d) for d in op.dims[0]] != [x.type.ndim for x in node.inputs]:
        return None
    return op


def vectorize_variables(outputs: Sequence[Variable], replace: Mapping[Variable, Variable]) -> list[Variable]:
    """``outputs`` with each key of ``replace`` swapped for its value, which may have extra
    leading batch dims; every node downstream of a replaced variable is vectorized."""
    mapping: dict[Variable, Variable] = dict(replace)
    for node in toposort(outputs):
        if any(o in mapping for o in node.outputs):
            continue  # replaced wholesale: its inputs do not matter
        new_inputs = [mapping.get(i, i) for i in node.inputs]
        if all(a is b for a, b in zip(new_inputs, node.inputs)):
            continue
        mapping.update(zip(node.outputs, vectorize_node(node, *new_inputs)))
    return [mapping.get(o, o) for o in outputs]


def as_blockwise(node: Apply, inputs: Sequence[Variable]) -> list[Variable]:
    """``node``'s op as a :class:`Blockwise` with the node's ranks as core ranks, applied to
    ``inputs``.  Every dim gets its own name: the op itself checks lengths that must agree."""
    for var in (*node.inputs, *node.outputs):
        if not isinstance(var.type, TensorType):
            raise NoBatchingRule(f"cannot vectorize {node.op}: {var} ({var.type}) is not a tensor")
    in_dims = [tuple(f"i{p}_{a}" for a in range(x.type.ndim)) for p, x in enumerate(node.inputs)]
    out_dims = [tuple(f"o{p}_{a}" for a in range(o.type.ndim)) for p, o in enumerate(node.outputs)]
    op = Blockwise(node.op, format_signature(in_dims, out_dims))
    return list(op.make_node(*inputs).outputs)


def pad_core(x: Variable, batch_ndim: int, core_ndim: int) -> Variable:
    """``x`` (with ``batch_ndim`` batch dims) with length-1 axes inserted after its batch dims,
    so that its core part has ``core_ndim`` dims, as broadcasting would have seen it.  An
    input without batch dims is left alone: it broadcasts as it is."""
    missing = core_ndim - (x.type.ndim - batch_ndim)
    if missing <= 0 or batch_ndim == 0:
        return x
    return dimshuffle(x, [*range(batch_ndim), *["x"] * missing, *range(batch_ndim, x.type.ndim)])


# --- the fallback on the one-axis batching rules --------------------------------------------

def _by_batching_rule(node: Apply, inputs: list[Variable], batch_ndims: list[int]) -> list[Variable]:
    """The node vectorized with its op's :meth:`Op.batch` rule, which adds one leading axis
    of one length to the batched operands: the batch dims are broadcast to one shape first
    and, when there are several, flattened into one axis (and the outputs split again)."""
    if type(node.op).batch is Op.batch:
        raise NoBatchingRule(f"{node.op} has no batching rule")
    flags = [n > 0 for n in batch_ndims]
    depth = max(batch_ndims)
    batched = [(x, n) for x, n in zip(inputs, batch_ndims) if n]
    dims = broadcast_shapes([shape_tuple(x)[:n] for x, n in batched])
    static = broadcast_static_shapes([x.type.shape[:n] for x, n in batched], node.op)
    operands = list(inputs)
    for position, (x, n) in enumerate(zip(inputs, batch_ndims)):
        # the rule needs every batched operand's batch dims, as they are: stretch the others
        if n and (n != depth or any(d == 1 and b != 1 for d, b in zip(x.type.shape[:n], static))):
            operands[position] = broadcast_to(x, [*dims, *shape_tuple(x)[n:]])
    if depth == 1:
        size = dims[0]
    else:
        size = mul_dims(*dims)
        operands = [reshape(x, [size, *shape_tuple(x)[depth:]]) if f else x for x, f in zip(operands, flags)]
    # a rule reads its unbatched operands from the node (Op.batch's contract): give it the
    # node rebuilt on those that changed (a zeros_like of a batched value, say)
    base = node
    if any(not f and new is not old for new, old, f in zip(inputs, node.inputs, flags)):
        base = node.op.make_node(*[old if f else new for new, old, f in zip(inputs, node.inputs, flags)])
    outputs = node.op.batch(base, operands, flags, size)
    results = []
    for old, new in zip(node.outputs, outputs):
        if depth > 1 and new.type.ndim == old.type.ndim + 1:
            # each batch element has the old output's shape: keep what its type knew
            core = [shape_i(new, k + 1) if n is None else dim(n) for k, n in enumerate(old.type.shape)]
            new = reshape(new, [*dims, *core])
        results.append(new)
    return results


# --- rules ---------------------------------------------------------------------------------

@vectorizers.register(Elemwise)
def _elemwise(node: Apply, inputs: list[Variable], batch_ndims: list[int]) -> list[Variable]:
    # the core parts broadcast from the right, so a batched operand of a lower rank gets its
    # missing axes between its batch dims and its own
    core_ndim = node.outputs[0].type.ndim
    args = [pad_core(x, n, core_ndim) for x, n in zip(inputs, batch_ndims)]
    return list(node.op.make_node(*args).outputs)


@vectorizers.register(Blockwise)
def _blockwise(node: Apply, inputs: list[Variable], batch_ndims: list[int]) -> list[Variable]:
    return list(node.op.make_node(*inputs).outputs)  # more batch dims are just batch dims


@vectorizers.register(DimShuffle)
def _dimshuffle(node: Apply, inputs: list[Variable], batch_ndims: list[int]) -> list[Variable]:
    op, (x,), (n,) = node.op, inputs, batch_ndims
    if any(x.type.shape[d + n] != 1 for d in op.dropped):
        # the new input's type lost the length 1 of an axis this drops: restore it
        x = specify_shape(x, (None,) * n + node.inputs[0].type.shape)
    order = (*range(n), *(d + n if isinstance(d, int) else "x" for d in op.new_order))
    return [DimShuffle(op.input_ndim + n, order)(x)]


@vectorizers.register(CAReduce)
def _reduce(node: Apply, inputs: list[Variable], batch_ndims: list[int]) -> list[Variable]:
    op: Any = node.op  # a CAReduce (a dataclass)
    (x,), (n,) = inputs, batch_ndims
    axes = op.reduced_axes(node.inputs[0].type.ndim)
    return [dataclasses.replace(op, axis=tuple(a + n for a in axes))(x)]


@vectorizers.register(Shape)
def _shape(node: Apply, inputs: list[Variable], batch_ndims: list[int]) -> list[Variable]:
    return [Shape()(inputs[0])[batch_ndims[0]:]]  # the same core shape for every batch index


@vectorizers.register(ShapeI)
def _shape_i(node: Apply, inputs: list[Variable], batch_ndims: list[int]) -> list[Variable]:
    return [ShapeI(node.op.axis + batch_ndims[0])(inputs[0])]


@vectorizers.register(Reshape)
def _reshape(node: Apply, inputs: list[Variable], batch_ndims: list[int]) -> list[Variable] | None:
    if batch_ndims[1]:
        return None  # a target shape that differs along the batch
    x, target = inputs
    n = batch_ndims[0]
    entries = list(vector_entries(target, node.op.ndim))
    wildcard = [k for k, e in enumerate(entries) if known_dim(e) == -1]
    if wildcard:
        # -1 cannot be inferred from an empty batch: compute it from the core lengths
        others = [e for k, e in enumerate(entries) if k != wildcard[0]]
        entries[wildcard[0]] = floordiv_dims(mul_dims(*shape_tuple(x)[n:]), mul_dims(*others))
    return [reshape(x, [*shape_tuple(x)[:n], *entries])]


@vectorizers.register(Diagonal)
def _diagonal(node: Apply, inputs: list[Variable], batch_ndims: list[int]) -> list[Variable]:
    op, n = node.op, batch_ndims[0]
    return [Diagonal(op.offset, op.axis1 + n, op.axis2 + n)(inputs[0])]


@vectorizers.register(Subtensor)
def _subtensor(node: Apply, inputs: list[Variable], batch_ndims: list[int]) -> list[Variable] | None:
    if any(batch_ndims[1:]):
        return None  # an index that differs along the batch
    op_class: Any = type(node.op)  # Subtensor or a subclass: built from its key
    return [op_class((FULL_SLICE,) * batch_ndims[0] + tuple(node.op.idx_list))(*inputs)]


@vectorizers.register(Dot, MatMul)
def _product(node: Apply, inputs: list[Variable], batch_ndims: list[int]) -> list[Variable] | None:
    """``np.matmul`` broadcasts over leading dims: vectors become a row (``a``) or a column
    (``b``), every operand's core part is padded to one rank, and the added axes go again."""
    a_old, b_old = node.inputs
    if isinstance(node.op, Dot) and (a_old.type.ndim > 2 or b_old.type.ndim > 2):
        return None  # np.dot's outer product over leading axes is not matmul's
    a, b = inputs
    if a_old.type.ndim == 1:
        a = expand_dims(a, a.type.ndim - 1)
    if b_old.type.ndim == 1:
        b = expand_dims(b, b.type.ndim)
    core_ndim = max(a_old.type.ndim, b_old.type.ndim, 2)
    out = matmul(pad_core(a, batch_ndims[0], core_ndim), pad_core(b, batch_ndims[1], core_ndim))
    dropped = ([out.type.ndim - 2] if a_old.type.ndim == 1 else []) + \
              ([out.type.ndim - 1] if b_old.type.ndim == 1 else [])
    if dropped:
        out = dimshuffle(out, [d for d in range(out.type.ndim) if d not in dropped])
    return [out]
