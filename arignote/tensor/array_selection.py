"""Selecting and rearranging elements, as NumPy and PyTensor name it: ``choose``,
``take_along_axis``, ``compress``, ``nonzero_values``, ``permute_row_elements``,
``inverse_permutation``, ``extract_diag`` and ``stacklists``.

All are built from indexing, broadcasting and stacking, so they differentiate with
respect to the values they select and run on every backend.
"""

from __future__ import annotations

from typing import Any

from arignote.tensor import math as tm
from arignote.tensor.alloc import arange, broadcast_arrays, broadcast_shape, broadcast_to, zeros_like
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import normalize_axis
from arignote.tensor.join import stack
from arignote.tensor.nonzero import flatnonzero
from arignote.tensor.products import diagonal
from arignote.tensor.shape import flatten, shape_i, shape_padleft, shape_tuple
from arignote.tensor.sort import along_axis_key
from arignote.tensor.subtensor_inc import set_subtensor
from arignote.tensor.subtensor_take import take
from arignote.tensor.variable import TensorVariable

__all__ = ["choose", "compress", "extract_diag", "inverse_permutation", "nonzero_values",
           "permute_row_elements", "stacklists", "take_along_axis"]

_CHOOSE_MODES = ("raise", "wrap", "clip")


def _integer(x: Any, what: str) -> TensorVariable:
    x = as_tensor_variable(x)
    if x.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"{what} must be an integer tensor, got {x.type}")
    return x


def take_along_axis(arr: Any, indices: Any, axis: int | None = 0) -> TensorVariable:
    """``np.take_along_axis``: ``arr[..., indices[..., i, ...], ...]`` along ``axis`` (the
    flattened ``arr`` when ``axis`` is None); the other axes broadcast."""
    arr = as_tensor_variable(arr)
    indices = _integer(indices, "take_along_axis: indices")
    if axis is None:
        arr, axis = flatten(arr, 1), 0
    if arr.ndim != indices.ndim:
        raise ValueError(f"take_along_axis: indices ({indices.type}) and arr ({arr.type}) must have "
                         "the same number of dimensions")
    axis = normalize_axis(axis, arr.ndim)
    return arr[along_axis_key(arr, indices, axis)]


def choose(a: Any, choices: Any, mode: str = "raise") -> TensorVariable:
    """``np.choose``: where ``a`` is ``i``, the value of ``choices[i]`` (``a`` and the choices
    broadcast together).  ``choices`` is a sequence of arrays or one array whose first axis
    lists them.  ``mode``: 'raise' (an index outside ``[0, n)`` raises IndexError when the
    function runs), 'wrap' (indices modulo ``n``) or 'clip' (indices clipped to ``[0, n)``).
    """
    if mode not in _CHOOSE_MODES:
        raise ValueError(f"choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    a = _integer(a, "choose: a")
    if isinstance(choices, (list, tuple)):
        if not choices:
            raise ValueError("choose: choices must not be empty")
        choices = stack(list(broadcast_arrays(*choices)))
    choices = as_tensor_variable(choices)
    if choices.ndim == 0:
        raise ValueError("choose: choices must be a sequence of arrays or an array of at least 1 dimension")
    n = shape_i(choices, 0)
    out_shape = broadcast_shape(shape_tuple(a), shape_tuple(choices)[1:], arrays_are_shapes=True)
    if mode == "wrap":
        a = tm.mod(a, n)
    elif mode == "clip":
        a = tm.clip(a, 0, n - 1)
    else:
        # a negative index would count from the end in indexing: make it out of range instead
        a = tm.switch(tm.lt(a, 0), n, a)
    stacked = broadcast_to(choices, [n, *out_shape])
    index = shape_padleft(broadcast_to(a, list(out_shape)), 1)
    return take_along_axis(stacked, index, axis=0)[0]


def compress(condition: Any, x: Any, axis: int | None = None) -> TensorVariable:
    """``np.compress``: the slices of ``x`` along ``axis`` (of the flattened ``x`` when None)
    where the 1-d ``condition`` is true."""
    condition = as_tensor_variable(condition)
    if condition.ndim != 1:
        raise ValueError(f"compress: condition must be 1-d, got {condition.type}")
    return take(x, flatnonzero(condition), axis=axis)


def nonzero_values(a: Any) -> TensorVariable:
    """The non-zero elements of ``a``, in the order of the flattened ``a`` (``a[a != 0]``)."""
    a = as_tensor_variable(a)
    return flatten(a, 1)[flatnonzero(a)]


def permute_row_elements(x: Any, y: Any, inverse: bool = False) -> TensorVariable:
    """Reorder the last axis of ``x`` by the permutations in the last axis of ``y``:
    ``out[..., i] = x[..., y[..., i]]``, or with ``inverse`` ``out[..., y[..., i]] = x[..., i]``.

    The leading axes of ``x`` and ``y`` broadcast (a single permutation applies to every
    row of ``x``; a single row is permuted by every permutation of ``y``).
    """
    x = as_tensor_variable(x)
    y = _integer(y, "permute_row_elements: y")
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"permute_row_elements: x and y must have at least 1 dimension, "
                         f"got {x.type} and {y.type}")
    n_x, n_y = x.type.shape[-1], y.type.shape[-1]
    if n_x is not None and n_y is not None and n_x != n_y:
        raise ValueError(f"permute_row_elements: rows of length {n_x} cannot be permuted by "
                         f"permutations of length {n_y}")
    ndim = max(x.ndim, y.ndim)
    x, y = shape_padleft(x, ndim - x.ndim), shape_padleft(y, ndim - y.ndim)
    lead = broadcast_shape(shape_tuple(x)[:-1], shape_tuple(y)[:-1], arrays_are_shapes=True)
    x = broadcast_to(x, [*lead, shape_i(x, ndim - 1)])
    y = broadcast_to(y, [*lead, shape_i(y, ndim - 1)])
    if inverse:
        return set_subtensor(zeros_like(x)[along_axis_key(x, y, ndim - 1)], x)
    return x[along_axis_key(x, y, ndim - 1)]


def inverse_permutation(perm: Any) -> TensorVariable:
    """The inverse of the permutation ``perm`` (of each row of ``perm``): ``out[perm[i]] = i``."""
    perm = _integer(perm, "inverse_permutation: perm")
    identity = arange(shape_i(perm, perm.ndim - 1), dtype=perm.dtype)
    return permute_row_elements(identity, perm, inverse=True)


def extract_diag(x: Any) -> TensorVariable:
    """The main diagonal of ``x`` (``diagonal(x)``; deprecated in PyTensor, kept here)."""
    return diagonal(x)


def stacklists(arg: Any) -> Any:
    """Nested lists of tensors stacked into one tensor, one axis per level of nesting
    (``stacklists([[a, b], [c, d]])`` of scalars is a 2 x 2 matrix)."""
    if isinstance(arg, (list, tuple)):
        return stack([stacklists(item) for item in arg])
    return arg
