"""Converters of PyTensor's shape, allocation, join/split and ``extra_ops`` ops.

Each PyTensor op here has an arignote function of the same meaning; the converters read the
op's parameters (``axis``, ``dtype``, ``mode``...) and call it, so arignote's own checks
(shapes, dtypes, index modes) and rewrites apply to the converted graph.  Ops that only move
a value through the graph (``ViewOp``, ``CpuContiguous``, the type-casting ops, PyTensor's
output guard ``DeepCopyOp``) convert to the value itself, or to a copy for ``DeepCopyOp``
(arignote keeps a function's outputs distinct from its inputs either way).

PyTensor knows some static lengths arignote's types of the same outputs do not (it folds
shape graphs while building: the parts of ``stack``'s gradient ``Split`` have a static 1 that
a ``Squeeze`` then drops); :func:`register` registers a converter whose outputs get those
lengths asserted (``specify_shape``), and ``indexing.py`` uses it too.

``Squeeze``/``ExpandDims``/``Transpose`` are ``DimShuffle`` s (``elemwise.py``), ``tri``,
``tril``, ``repeat`` with a scalar count, ``tile``, ``roll`` and ``diff`` are graphs of the
ops below; PyTensor 3 has no ``Unbroadcast``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from pytensor.compile import ops as pt_compile_ops
from pytensor.tensor import basic as ptb
from pytensor.tensor import extra_ops as pteo
from pytensor.tensor.reshape import JoinDims, SplitDims
from pytensor.tensor.shape import Reshape, Shape, Shape_i, SpecifyShape

import arignote.tensor as at
from arignote.interop.pytensor.convert import Converter, converters
from arignote.tensor.type import TensorType
from arignote.tensor.type_other import NoneTypeT

__all__ = ["register", "with_static_shapes"]


def with_static_shapes(node: Any, built: Any) -> Any:
    """``built`` (an output or a list, as a converter returns them) with the static lengths
    PyTensor's output types know and arignote's do not asserted by ``specify_shape``.

    PyTensor folds shape graphs while building (a ``Split`` of sizes ``[x.shape[0], 1]`` has a
    static 1), and ops later in the graph rely on it (a ``Squeeze`` of that axis); arignote's
    type of the same output may leave the length unknown, and then refuses those ops.
    """
    outs = list(built) if isinstance(built, (list, tuple)) else [built]
    fixed = []
    for pt_out, out in zip(node.outputs, outs, strict=True):
        want = getattr(pt_out.type, "shape", None)
        have = getattr(out.type, "shape", None)
        if want is not None and have is not None and len(want) == len(have) and any(
                w is not None and h is None for w, h in zip(want, have, strict=True)):
            out = at.specify_shape(out, [h if h is not None else w for w, h in zip(want, have, strict=True)])
        fixed.append(out)
    return fixed if isinstance(built, (list, tuple)) else fixed[0]


def register(*op_types: type) -> Callable[[Converter], Converter]:
    """``converters.register`` for converters whose outputs get :func:`with_static_shapes`."""
    def decorate(converter: Converter) -> Converter:
        @functools.wraps(converter)
        def typed(op: Any, node: Any, *inputs: Any) -> Any:
            return with_static_shapes(node, converter(op, node, *inputs))
        converters.register(*op_types)(typed)
        return converter
    return decorate


def _is_none(v: Any) -> bool:
    """Whether ``v`` is the converted ``NoneConst`` (PyTensor's "not given")."""
    return isinstance(v.type, NoneTypeT)


# --- shapes ---------------------------------------------------------------------------------

@register(Shape)
def _shape(op: Any, node: Any, x: Any) -> Any:
    return at.shape(x)


@register(Shape_i)
def _shape_i(op: Any, node: Any, x: Any) -> Any:
    return at.shape_i(x, op.i)


@register(SpecifyShape)
def _specify_shape(op: Any, node: Any, x: Any, *shape: Any) -> Any:
    # PyTensor writes "any length" as NoneConst inputs
    return at.specify_shape(x, [None if _is_none(s) else s for s in shape])


@register(Reshape)
def _reshape(op: Any, node: Any, x: Any, shape: Any) -> Any:
    if op.ndim == 0:
        # PyTensor lets the empty shape of a reshape to a scalar be a float vector (`[]`)
        shape = at.cast(shape, "int64")
    return at.reshape(x, shape, ndim=op.ndim)


@register(JoinDims)
def _join_dims(op: Any, node: Any, x: Any) -> Any:
    return at.join_dims(x, op.start_axis, op.n_axes)


@register(SplitDims)
def _split_dims(op: Any, node: Any, x: Any, shape: Any) -> Any:
    return at.split_dims(x, shape, op.axis)


@register(ptb.MakeVector)
def _make_vector(op: Any, node: Any, *scalars: Any) -> Any:
    return at.make_vector(*scalars, dtype=op.dtype)


# --- values passed through ------------------------------------------------------------------

@register(pt_compile_ops.TypeCastingOp, pteo.CpuContiguous)
def _pass_through(op: Any, node: Any, x: Any) -> Any:
    # ViewOp, SpecifyAssumptions and the other type-casting ops are the identity on values;
    # CpuContiguous only changes the memory layout, which arignote's kernels choose themselves
    return x


@register(pt_compile_ops.DeepCopyOp)
def _deep_copy(op: Any, node: Any, x: Any) -> Any:
    # a typed list or a generator passes: arignote's function copies an output that is an input
    return at.tensor_copy(x) if isinstance(x.type, TensorType) else x


# --- allocation -----------------------------------------------------------------------------

@register(ptb.Alloc)
def _alloc(op: Any, node: Any, value: Any, *shape: Any) -> Any:
    return at.alloc(value, *shape)


@register(ptb.AllocEmpty)
def _alloc_empty(op: Any, node: Any, *shape: Any) -> Any:
    # the values are unspecified in PyTensor; arignote's empty fills zeros
    return at.empty(list(shape), dtype=op.dtype)


@register(ptb.ARange)
def _arange(op: Any, node: Any, start: Any, stop: Any, step: Any) -> Any:
    return at.arange(start, stop, step, dtype=op.dtype)


@register(ptb.Eye)
def _eye(op: Any, node: Any, n: Any, m: Any, k: Any) -> Any:
    return at.eye(n, m, k, dtype=op.dtype)


@register(pteo.Bartlett)
def _bartlett(op: Any, node: Any, m: Any) -> Any:
    return at.bartlett(m)


# --- joins, splits, diagonals ---------------------------------------------------------------

@register(ptb.Join)
def _join(op: Any, node: Any, *tensors: Any) -> Any:
    # PyTensor upcasts to a common dtype; the core casts the result to its dtype as well
    return at.join(op.axis, *tensors)


@register(ptb.Split)
def _split(op: Any, node: Any, x: Any, splits: Any) -> Any:
    return at.split(x, splits, op.len_splits, op.axis)


@register(ptb.ExtractDiag)
def _extract_diag(op: Any, node: Any, x: Any) -> Any:
    return at.diagonal(x, op.offset, op.axis1, op.axis2)


@register(pteo.FillDiagonal)
def _fill_diagonal(op: Any, node: Any, a: Any, val: Any) -> Any:
    return at.fill_diagonal(a, val)


@register(pteo.FillDiagonalOffset)
def _fill_diagonal_offset(op: Any, node: Any, a: Any, val: Any, offset: Any) -> Any:
    return at.fill_diagonal_offset(a, val, offset)


# --- extra_ops ------------------------------------------------------------------------------

@register(pteo.CumOp)
def _cum_op(op: Any, node: Any, x: Any) -> Any:
    if op.mode == "add":
        return at.cumsum(x, axis=op.axis)
    if op.mode == "mul":
        return at.cumprod(x, axis=op.axis)
    raise NotImplementedError(f"from_pytensor: CumOp mode {op.mode!r} has no arignote counterpart")


@register(pteo.Repeat)
def _repeat(op: Any, node: Any, x: Any, repeats: Any) -> Any:
    return at.repeat(x, repeats, axis=op.axis)


@register(pteo.SearchsortedOp)
def _searchsorted(op: Any, node: Any, a: Any, v: Any, sorter: Any = None) -> Any:
    return at.searchsorted(a, v, side=op.side, sorter=sorter)


@register(pteo.Unique)
def _unique(op: Any, node: Any, x: Any) -> Any:
    # NumPy (PyTensor's perform) counts NaNs as one value since NumPy 1.21: equal_nan=True
    return at.unique(x, return_index=op.return_index, return_inverse=op.return_inverse,
                     return_counts=op.return_counts, axis=op.axis)


@register(pteo.RavelMultiIndex)
def _ravel_multi_index(op: Any, node: Any, *inputs: Any) -> Any:
    *multi_index, dims = inputs
    return at.ravel_multi_index(multi_index, dims, mode=op.mode, order=op.order)


@register(pteo.UnravelIndex)
def _unravel_index(op: Any, node: Any, indices: Any, dims: Any) -> Any:
    return list(at.unravel_index(indices, dims, order=op.order))


@register(ptb.Nonzero)
def _nonzero(op: Any, node: Any, a: Any) -> Any:
    return list(at.nonzero(a))


@register(ptb.PermuteRowElements)
def _permute_row_elements(op: Any, node: Any, x: Any, y: Any) -> Any:
    return at.permute_row_elements(x, y, inverse=op.inverse)
