"""Indexing with NumPy semantics: ``x[key]``, ``set_subtensor``, ``inc_subtensor``, ``take``.

``TensorVariable.__getitem__`` calls :func:`getitem`.  A basic key (ints,
slices, new axes, ellipsis) builds a :class:`Subtensor` whose result is a
view; a key with integer arrays or boolean masks builds an
:class:`AdvancedSubtensor`.  How keys are stored is explained in
``subtensor_index``; the write ops are in ``subtensor_inc``.
"""

from __future__ import annotations

from typing import Any, cast

from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.join import flip  # PyTensor's home for it
from arignote.tensor.namespace_forwarding import names_elsewhere_getattr
from arignote.tensor.nonzero import FlatNonzero, Nonzero, flatnonzero, nonzero
from arignote.tensor.subtensor_advanced import AdvancedSubtensor
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_inc import AdvancedIncSubtensor, IncSubtensor, inc_subtensor, set_subtensor
from arignote.tensor.subtensor_index import IndexTypeError, parse_key  # noqa: F401 (re-exported)
from arignote.tensor.subtensor_take import take
from arignote.tensor.variable import TensorVariable

__all__ = [
    "AdvancedIncSubtensor", "AdvancedSubtensor", "FlatNonzero", "IncSubtensor", "Nonzero",
    "Subtensor", "flatnonzero", "flip", "inc_subtensor", "nonzero", "set_subtensor", "slice_at_axis", "take",
]


def getitem(x: Any, key: Any) -> TensorVariable:
    """``x[key]`` with NumPy's rules: a view for basic keys, a copy for advanced ones."""
    x = as_tensor_variable(x)
    parsed = parse_key(x.type, key)
    op = AdvancedSubtensor(parsed.entries) if parsed.advanced else Subtensor(parsed.entries)
    return cast(TensorVariable, op.make_node(x, *parsed.inputs).outputs[0])


def slice_at_axis(sl: slice, axis: int) -> tuple[Any, ...]:
    """The index applying ``sl`` to axis ``axis`` and taking every other axis whole:
    ``x[slice_at_axis(slice(None, 1), 1)]`` is ``x[:, :1]`` (a negative ``axis`` counts
    from the end: ``(..., sl)`` for -1)."""
    if axis >= 0:
        return (slice(None),) * axis + (sl, Ellipsis)
    return (Ellipsis, sl) + (slice(None),) * (-axis - 1)


# PyTensor's indexing helpers of this module, written on it in subtensor_helpers
__getattr__ = names_elsewhere_getattr(__name__, {
    name: "arignote.tensor.subtensor_helpers" for name in (
        "advanced_subtensor", "advanced_subtensor1", "advanced_inc_subtensor",
        "advanced_inc_subtensor1", "advanced_set_subtensor", "advanced_set_subtensor1",
        "as_index_literal", "basic_shape", "get_canonical_form_slice", "indexed_result_shape",
        "_is_provably_non_negative",
        "_is_provably_positive")})
