"""`Subtensor`: basic indexing (ints, slices, new axes), whose result is a view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.tensor.alloc import zeros_like
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.batching import batch_indexed_read
from arignote.tensor.shape_inference import indexed_dims
from arignote.tensor.subtensor_index import SYMBOLIC, SliceSpec, build_key, format_entries, indexed_shape
from arignote.tensor.type import TensorType


def check_basic_entries(op: Op, entries: tuple[Any, ...]) -> None:
    """ValueError unless ``entries`` holds only ints, symbolic ints, slices and new axes."""
    for entry in entries:
        ok = (entry is None or entry is SYMBOLIC or isinstance(entry, SliceSpec)
              or (isinstance(entry, int) and not isinstance(entry, bool)))
        if not ok:
            raise ValueError(f"{type(op).__name__}: {entry!r} is not a basic index entry "
                             f"(use AdvancedSubtensor for arrays and masks)")


@dataclass(frozen=True)
class Subtensor(Op):
    """``x[key]`` for a basic key: ints, slices and new axes (see ``subtensor_index``).

    ``idx_list`` is the static part of the key; the symbolic integers (scalar
    indices and slice bounds) are the inputs after ``x``, in key order.
    """

    idx_list: tuple[Any, ...]
    view_inputs = (0,)

    def __post_init__(self) -> None:
        check_basic_entries(self, self.idx_list)

    def make_node(self, x: Any, *indices: Any) -> Apply:
        x = as_tensor_variable(x)
        indices = tuple(as_tensor_variable(i) for i in indices)
        shape = indexed_shape(self.idx_list, x.type, indices)
        return Apply.build(self, [x, *indices], [TensorType(x.dtype, shape)])

    def perform(self, x: np.ndarray, *indices: Any) -> np.ndarray:
        out = x[build_key(self.idx_list, indices)]
        # indexing every axis with an int gives a NumPy scalar; the graph deals in arrays
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        if len(node.inputs) > 1:
            return self.perform
        key = build_key(self.idx_list, ())  # nothing symbolic: build the key once
        if node.outputs[0].ndim == 0:
            return lambda x: np.asarray(x[key])
        return lambda x: x[key]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:

        return [indexed_dims(self.idx_list, input_shapes[0], node.inputs[1:], input_shapes[1:])]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Zeros with the indexed part set to the cotangent; the indices get none."""
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.subtensor_inc import IncSubtensor

        x, *indices = inputs
        gx = IncSubtensor(self.idx_list, True)(zeros_like(x), cotangents[0], *indices)
        return [gx] + [None] * len(indices)

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [None if tangents[0] is None else self(tangents[0], *inputs[1:])]

    def __str__(self) -> str:
        return f"Subtensor{{{format_entries(self.idx_list)}}}"

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        return batch_indexed_read(self, node, inputs, batched)
