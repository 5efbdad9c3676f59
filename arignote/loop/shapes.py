"""Shapes of a loop's outputs, from the shapes of its inputs.

A carry keeps its shape (checked at run time), so a final carry has the
shape of its initial value.  A stacked output has one row per step, each of
the shape the body gives it.  That shape is a graph over the formals'
shapes (and values); it carries over to the outer graph when it reads only
what does not change from step to step: the shapes of sequence rows, of
carries and of constants, and the constants' values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from arignote.graph.basic import Apply, Variable
from arignote.graph.replace import rebuild
from arignote.graph.traversal import graph_inputs
from arignote.tensor.shape import shape_i
from arignote.tensor.shape_inference import as_dim, dim, known_dim, min_dims, shape_of
from arignote.tensor.type import TensorType

if TYPE_CHECKING:
    from arignote.loop.op import Loop


def row_dims(op: Loop, node: Apply, input_shapes: list[Any]) -> list[list[Variable | None]]:
    """For each per-step output, the outer expression of each dim of one row (None: unknown)."""
    n_seq, n_carry = op.n_seqs, op.n_carries
    mapping: dict[Variable, Variable] = {}
    for position, formal in enumerate(op.inner_inputs):
        outer_shape = input_shapes[1 + position]
        if outer_shape is None or not isinstance(formal.type, TensorType):
            continue  # unknown, or a generator (which has no shape)
        offset = 1 if position < n_seq else 0
        for axis in range(formal.type.ndim):
            if formal.type.shape[axis] is None:
                mapping[shape_i(formal, axis)] = outer_shape[axis + offset]
        if position >= n_seq + n_carry:
            mapping[formal] = node.inputs[1 + position]  # a constant's value is the same every step
    formals = {id(v) for v in op.inner_inputs}
    memo: dict[Variable, Any] = {}
    result = []
    for y in op.y_outputs:
        dims: list[Variable | None] = []
        for axis, entry in enumerate(shape_of(y, memo)):
            if known_dim(entry) is not None or y.type.shape[axis] is not None:
                dims.append(entry)
                continue
            outer = rebuild([entry], mapping)[0]
            dims.append(None if any(id(v) in formals for v in graph_inputs([outer])) else outer)
        result.append(dims)
    return result


def loop_output_shapes(op: Loop, node: Apply, input_shapes: list[Any]) -> list[tuple[Variable, ...]]:
    """``infer_shape`` of a loop node (see the module docstring)."""
    shapes: list[tuple[Variable, ...]] = []
    first_init = 1 + op.n_seqs
    for position in range(op.n_carries):
        init_shape = input_shapes[first_init + position]
        # a generator carry has no shape (None, as a draw's next generator)
        shapes.append(None if init_shape is None else tuple(init_shape))  # type: ignore[arg-type]
    n_steps = as_dim(node.inputs[0])
    rows = row_dims(op, node, input_shapes)
    for j, (k, dims) in enumerate(zip(op.keep, rows)):
        out = node.outputs[op.n_carries + j]
        steps = shape_i(out, 0) if op.until else n_steps
        if k is not None and not op.until:
            steps = min_dims(steps, dim(k))
        shapes.append((steps, *(shape_i(out, 1 + a) if d is None else d for a, d in enumerate(dims))))
    if op.until:
        shapes.append(())
    return shapes
