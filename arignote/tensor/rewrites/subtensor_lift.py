"""Basic indexing moved below elementwise ops (a ``specialize`` pass).

``exp(x)[i] -> exp(x[i])`` computes one row of ``exp`` instead of all of
them.  It pays only when nothing else reads ``exp(x)`` (otherwise ``exp`` is
computed in full anyway, plus the indexed part again), so this is a
whole-graph pass built on :mod:`~arignote.tensor.rewrites.lifting`, which
moves the index through chains of single-consumer elementwise nodes.

An operand gets the same index as the result when it has the result's
rank and is not stretched on an indexed axis (its static length there is not
1 unless the result's is too: only statically-1 lengths stretch, see
:mod:`arignote.tensor.broadcasting`); a 0-d operand is left alone (it
broadcasts).  Other operands (a stretched row) stop the lift.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import cast

from arignote.graph.basic import Apply, Variable
from arignote.rewrite.phases import specialize
from arignote.tensor.rewrites.lifting import Lifter, Rewritten, lift_through_elemwise
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_index import SliceSpec

#: (the static key, the symbolic index variables)
Key = tuple[tuple[object, ...], tuple[Variable, ...]]


def _indexed_axes(entries: tuple[object, ...]) -> list[int]:
    """The input axes a key does something to (not a full slice); new axes cover none."""
    axes, axis = [], 0
    for entry in entries:
        if entry is None:
            continue
        if not (isinstance(entry, SliceSpec) and entry.is_full):
            axes.append(axis)
        axis += 1
    return axes


class _SubtensorLifter(Lifter):
    def start(self, node: Apply, rewritten: Rewritten) -> Hashable | None:
        if not isinstance(node.op, Subtensor):
            return None
        return node.op.idx_list, tuple(rewritten(i) for i in node.inputs[1:])

    def through(self, param: Hashable, node: Apply) -> list[Hashable | None] | None:
        entries, _ = cast(Key, param)
        out_shape = node.outputs[0].type.shape
        params: list[Hashable | None] = []
        for operand in node.inputs:
            shape = operand.type.shape
            if not shape:
                params.append(None)  # 0-d: broadcasts against whatever the index leaves
                continue
            if len(shape) != len(out_shape):
                return None
            for axis in _indexed_axes(entries):
                if shape[axis] == 1 and out_shape[axis] != 1:
                    return None  # stretched here: indexing it like the result could overrun
            params.append(param)
        return params

    def apply(self, param: Hashable, var: Variable) -> Variable:
        entries, indices = cast(Key, param)
        return Subtensor(entries)(var, *indices)


@specialize.graph_pass(requires=[Subtensor])
def lift_subtensor_through_elemwise(outputs: Sequence[Variable]) -> list[Variable]:
    """f(x, y)[key] -> f(x[key], y[key]) through elementwise nodes nothing else reads."""
    return lift_through_elemwise(outputs, _SubtensorLifter())
