"""Converters of PyTensor's indexing ops: ``Subtensor``, ``AdvancedSubtensor`` and their
increment/set forms ``IncSubtensor`` and ``AdvancedIncSubtensor``.

All four encode the index the same way: the op's ``idx_list`` has one entry per indexed axis,
either an int (the position of that axis's index among the node's index inputs: a scalar for
``Subtensor``, an integer array or a boolean mask for ``AdvancedSubtensor``) or a ``slice``
whose start/stop/step are such positions or None (absent).  The index inputs follow ``x``
(and ``y``, the value, for the increments).  ``x[None]`` (newaxis) never reaches these ops:
PyTensor turns it into a ``DimShuffle`` before indexing, and an absent slice part is None in
``idx_list`` rather than an input.  PyTensor 3 has no ``AdvancedSubtensor1``: ``x[ilist]``
is an ``AdvancedSubtensor``.

The converters rebuild the index tuple from the converted inputs and index arignote's tensor
with it (``x[key]``), so arignote parses and checks it as it would a user's key; the
increments go through ``at.inc_subtensor`` / ``at.set_subtensor`` on that indexed view.
Outputs keep the static lengths PyTensor's types know (``shape_ops.register``).  The
``inplace`` flags only allowed PyTensor to reuse ``x``'s buffer and are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pytensor.tensor import subtensor as ptst

import arignote.tensor as at
from arignote.interop.pytensor.shape_ops import register

__all__: list[str] = []


def index_key(idx_list: Sequence[Any], indices: Sequence[Any]) -> tuple[Any, ...]:
    """The index tuple of a PyTensor ``*Subtensor*`` op: ``idx_list`` entries (positions in
    ``indices``, or slices of positions and None) with the converted index inputs in place."""
    def part(position: int | None) -> Any:
        return None if position is None else indices[position]

    key: list[Any] = []
    for entry in idx_list:
        if isinstance(entry, slice):
            key.append(slice(part(entry.start), part(entry.stop), part(entry.step)))
        elif isinstance(entry, int):
            key.append(indices[entry])
        else:  # PyTensor's BaseSubtensor refuses anything else; a newer encoding would land here
            raise NotImplementedError(f"from_pytensor: unknown idx_list entry {entry!r}")
    return tuple(key)


@register(ptst.Subtensor, ptst.AdvancedSubtensor)
def _subtensor(op: Any, node: Any, x: Any, *indices: Any) -> Any:
    return x[index_key(op.idx_list, indices)]


@register(ptst.IncSubtensor)
def _inc_subtensor(op: Any, node: Any, x: Any, y: Any, *indices: Any) -> Any:
    view = x[index_key(op.idx_list, indices)]
    if op.set_instead_of_inc:
        return at.set_subtensor(view, y)
    return at.inc_subtensor(view, y)


@register(ptst.AdvancedIncSubtensor)
def _advanced_inc_subtensor(op: Any, node: Any, x: Any, y: Any, *indices: Any) -> Any:
    view = x[index_key(op.idx_list, indices)]
    if op.set_instead_of_inc:
        return at.set_subtensor(view, y)
    # ignore_duplicates=False (PyTensor's default) accumulates repeated indices (np.add.at);
    # True is NumPy's x[idx] += y, where the last write of a repeated index wins
    return at.inc_subtensor(view, y, ignore_duplicates=op.ignore_duplicates)
