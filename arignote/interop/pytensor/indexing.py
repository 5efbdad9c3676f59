"""Converters of PyTensor's indexing ops: ``Subtensor``, ``AdvancedSubtensor`` and their
increment/set forms ``IncSubtensor`` and ``AdvancedIncSubtensor``; slices (``MakeSlice``,
``SliceConstant``) and ``Choose``.

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

PyTensor's slice values (``SliceType``: ``MakeSlice(start, stop, step)`` nodes and
``SliceConstant`` s) index typed lists (``GetItem(l, make_slice(i, j))``) and xtensors
(``x.isel(a=slice(i, None))``), never tensors.  arignote has no slice type: a slice converts
to a Python ``slice`` of its converted bounds (None for PyTensor's ``NoneConst``), which
only lives during the conversion, and the ops taking it (``typed_lists.py``, the xtensor
lowering in ``xtensor.py``) rebuild their key from it.  A slice that is an input of the
converted graph has no arignote variable and is refused; one asked for as an output comes
back as that Python slice, which ``arignote.function`` cannot compute.

``Choose`` (``pt.choose``) is arignote's ``choose`` with the same mode; its choices are a
tensor whose first axis lists them, or a typed list made by ``MakeList`` (PyTensor's form for
a Python list of choices), whose items are taken as the list of choices.  PyTensor's
``np.choose`` stretches length-1 axes at run time; arignote broadcasts only the lengths of 1
the types declare, and raises when it meets another at run time.  PyTensor types the result
of a list of choices with the index's shape alone; a result of higher rank is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pytensor.graph.basic import Variable as PtVariable
from pytensor.tensor import basic as ptb
from pytensor.tensor import subtensor as ptst
from pytensor.tensor import type_other as pt_type_other

import arignote.tensor as at
from arignote.graph.basic import Variable
from arignote.interop.pytensor.convert import constant_converters, converters, type_converters
from arignote.interop.pytensor.shape_ops import register
from arignote.tensor.type_other import NoneTypeT
from arignote.typed_list.basic import MakeList
from arignote.typed_list.type import TypedListType

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


# --- slices ---------------------------------------------------------------------------------

class ConversionSlice:
    """The stand-in arignote type of PyTensor's ``SliceType``: a slice converts to a Python
    ``slice`` of converted bounds, which ops consume during the conversion; a variable of
    this type cannot exist in an arignote graph."""

    def make_variable(self, name: str | None = None) -> Any:
        raise NotImplementedError(f"from_pytensor: a PyTensor slice ({name or 'unnamed'}) as an input "
                                  "of the graph; arignote has no slice type (slices convert only "
                                  "as the index of the op using them)")

    def __str__(self) -> str:
        return "slice (during conversion only)"


@type_converters.register(pt_type_other.SliceType)
def _slice_type(pt_type: Any) -> ConversionSlice:
    return ConversionSlice()


def _bound(value: Any) -> Any:
    if isinstance(value, PtVariable):
        # PyTensor's GetItem makes a "constant" of l[i:] with a symbolic i, which no
        # evaluation can read; make_slice(i, None) is the symbolic slice
        raise NotImplementedError(f"from_pytensor: a slice constant with the symbolic bound {value}; "
                                  "build the slice with pytensor.tensor.type_other.make_slice")
    return None if value is None else int(value)


@constant_converters.register(pt_type_other.SliceType)
def _slice_constant(var: Any) -> Any:
    data = var.data
    return slice(_bound(data.start), _bound(data.stop), _bound(data.step))


@converters.register(pt_type_other.MakeSlice)
def _make_slice(op: Any, node: Any, start: Any, stop: Any, step: Any) -> Any:
    def part(value: Any) -> Any:
        return None if isinstance(value.type, NoneTypeT) else value
    return slice(part(start), part(stop), part(step))


# --- choose ---------------------------------------------------------------------------------

@converters.register(ptb.Choose)
def _choose(op: Any, node: Any, a: Any, choices: Any) -> Any:
    if isinstance(choices, Variable) and isinstance(choices.type, TypedListType):
        if choices.owner is None or not isinstance(choices.owner.op, MakeList):
            raise NotImplementedError("from_pytensor: Choose with choices in a typed list that is not "
                                      "built by MakeList in the graph (arignote's choose needs the "
                                      "choices as tensors)")
        chosen = at.choose(a, list(choices.owner.inputs), mode=op.mode)
        if chosen.ndim != node.outputs[0].type.ndim:
            # PyTensor types the result of a list of choices with a's shape alone: a result
            # broadcast to more dimensions contradicts its own type
            raise NotImplementedError(f"from_pytensor: {op} of a {a.ndim}-d index and a list of choices "
                                      f"gives {chosen.ndim} dimensions, but PyTensor's node says "
                                      f"{node.outputs[0].type}; stack the choices into one tensor")
        return chosen
    return at.choose(a, choices, mode=op.mode)
