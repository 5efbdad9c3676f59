"""`AdvancedSubtensor`: indexing with integer arrays and boolean masks (a copy)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.tensor.alloc import zeros_like
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.batching import batch_indexed_read
from arignote.tensor.shape_inference import indexed_dims
from arignote.tensor.subtensor_index import (
    BOOL_MASK,
    INDEX_ARRAY,
    SYMBOLIC,
    SliceSpec,
    build_key,
    format_entries,
    indexed_shape,
    is_advanced,
)
from arignote.tensor.type import TensorType


def check_advanced_entries(op: Op, entries: tuple[Any, ...]) -> None:
    """ValueError unless ``entries`` is a valid key with at least one array or mask."""
    for entry in entries:
        ok = (entry is None or entry is Ellipsis or entry is SYMBOLIC or entry is INDEX_ARRAY
              or entry is BOOL_MASK or isinstance(entry, SliceSpec)
              or (isinstance(entry, int) and not isinstance(entry, bool)))
        if not ok:
            raise ValueError(f"{type(op).__name__}: {entry!r} is not an index entry")
    if not is_advanced(entries):
        raise ValueError(f"{type(op).__name__}: the key [{format_entries(entries)}] has no "
                         f"array or mask (use Subtensor)")


@dataclass(frozen=True)
class AdvancedSubtensor(Op):
    """``x[key]`` where the key holds integer arrays or boolean masks.

    ``idx_list`` is the static part of the key (see ``subtensor_index``); the
    index arrays, masks and symbolic integers are the inputs after ``x``.
    The result is a new array with ``x``'s dtype, its advanced dims placed
    as NumPy places them.
    """

    idx_list: tuple[Any, ...]

    def __post_init__(self) -> None:
        check_advanced_entries(self, self.idx_list)

    def make_node(self, x: Any, *indices: Any) -> Apply:
        x = as_tensor_variable(x)
        indices = tuple(as_tensor_variable(i) for i in indices)
        shape = indexed_shape(self.idx_list, x.type, indices)
        return Apply.build(self, [x, *indices], [TensorType(x.dtype, shape)])

    def perform(self, x: np.ndarray, *indices: Any) -> np.ndarray:
        return np.asarray(x[build_key(self.idx_list, indices)])

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        """NumPy's placement of the index arrays' broadcast shape; a mask counts its true elements."""

        return [indexed_dims(self.idx_list, input_shapes[0], node.inputs[1:], input_shapes[1:])]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Zeros with the cotangent added at the indices: repeated indices accumulate."""
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.subtensor_inc import AdvancedIncSubtensor

        x, *indices = inputs
        gx = AdvancedIncSubtensor(self.idx_list)(zeros_like(x), cotangents[0], *indices)
        return [gx] + [None] * len(indices)

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [None if tangents[0] is None else self(tangents[0], *inputs[1:])]

    def __str__(self) -> str:
        return f"AdvancedSubtensor{{{format_entries(self.idx_list)}}}"

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        return batch_indexed_read(self, node, inputs, batched)
