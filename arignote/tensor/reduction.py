"""Reductions: `CAReduce` (sum, prod, max, min, all, any) and `Argmax`/`Argmin`.

A reduction combines the elements along some axes with one commutative and
associative scalar op.  The op keeps its scalar op as a field, so rewrites
find sums by ``isinstance(node.op.scalar_op, Add)``.  ``keepdims`` is not a
field: the API adds the length-1 axes back with a `DimShuffle`, so there is
one reduction node per reduction whatever the caller asked for.

Axes are normalised by the API before an op is built: a sorted tuple of
non-negative axes, or ``None`` when every axis is reduced, so equal
reductions are equal ops and their nodes intern.  The statistics built on
these ops (mean, var, std, logsumexp) live in `reduction_stats`.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, cast

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.scalar import math as sm
from arignote.scalar.basic import ScalarOp
from arignote.tensor import math as tm
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import dimshuffle, normalize_axis
from arignote.tensor.shape import reshape, shape
from arignote.tensor.type import TensorType, normalize_dtype
from arignote.tensor.variable import TensorVariable

__all__ = [
    "CAReduce", "Argmax", "Argmin", "normalize_reduce_axes", "keep_reduced_dims",
    "sum", "prod", "max", "min", "all", "any", "argmax", "argmin", "max_and_argmax",
]

AxisLike = int | Sequence[int] | None

# ``max``, ``min``, ``all``, ``any`` and ``sum`` are redefined below; keep the builtins
_builtin_any = any
_builtin_all = all


# --- axes ---------------------------------------------------------------------------

def normalize_reduce_axes(axis: AxisLike, ndim: int, *,
                          int_axis_on_0d: bool = True) -> tuple[int, ...] | None:
    """The canonical reduced axes: ``None`` when all ``ndim`` axes are reduced, else a
    sorted tuple of non-negative axes.

    Accepts an int, a tuple or list of ints (negative counts from the end) or
    ``None``.  Out-of-range axes raise NumPy's ``AxisError``, repeated ones
    ``ValueError``.  NumPy's ufunc reductions (sum, max, ...) accept a plain
    int axis 0 or -1 on a 0-d array, but ``np.mean``/``np.var`` do not:
    ``int_axis_on_0d`` chooses.
    """
    if axis is None:
        return None
    if isinstance(axis, np.ndarray) and axis.ndim == 0:
        axis = axis.item()  # np.array(1), as PyTensor takes it
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, (bool, np.bool_)):
        if ndim == 0 and axis in (0, -1) and int_axis_on_0d:
            return None  # NumPy lets a plain int axis 0 or -1 "reduce" a 0-d array
        axes = [axis]
    elif isinstance(axis, (tuple, list)):
        axes = [a.item() if isinstance(a, np.ndarray) and a.ndim == 0 else a for a in axis]
    else:
        raise TypeError(f"axis must be None, an int or a tuple of ints, got {axis!r}")
    normalized = [normalize_axis(a, ndim) for a in axes]
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"duplicate value in 'axis': {axis}")
    if len(normalized) == ndim:
        return None
    return tuple(sorted(normalized))


def _reduced(axis: tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim)) if axis is None else axis


def keep_reduced_dims(out: TensorVariable, axis: tuple[int, ...] | None, ndim: int) -> TensorVariable:
    """``out`` (a reduction of an ``ndim``-d input over ``axis``) with length-1 axes
    put back where the reduced ones were: NumPy's ``keepdims=True``."""
    reduced = set(_reduced(axis, ndim))
    kept = iter(range(out.ndim))
    return dimshuffle(out, ["x" if a in reduced else next(kept) for a in range(ndim)])


def _check_axis_field(op: Op, axis: Any) -> None:
    # ops may be built directly (by rewrites), so the canonical form is checked here too
    if axis is None:
        return
    if (not isinstance(axis, tuple) or not _builtin_all(isinstance(a, int) and a >= 0 for a in axis)
            or list(axis) != sorted(set(axis))):
        raise ValueError(f"{type(op).__name__}: axis must be None or a sorted tuple of distinct "
                         f"non-negative ints, got {axis!r}; use normalize_reduce_axes")


def _check_axes_fit(op: Op, axis: tuple[int, ...] | None, x: TensorVariable) -> None:
    if axis is not None and axis and axis[-1] >= x.ndim:
        raise ValueError(f"{op}: axis {axis[-1]} is out of range for {x.type}")


# --- CAReduce ----------------------------------------------------------------------

# The reductions whose default result dtype is not simply the input's.
_SUM_LIKE = (sm.Add, sm.Mul)
_LOGICAL = (sm.LogicalAnd, sm.LogicalOr, sm.LogicalXor)

_NAMES = {sm.Add: "Sum", sm.Mul: "Prod", sm.Maximum: "Max", sm.Minimum: "Min",
          sm.LogicalAnd: "All", sm.LogicalOr: "Any"}


def _ufunc_of(scalar_op: ScalarOp) -> np.ufunc:
    func = getattr(type(scalar_op), "nfunc", None)
    if not isinstance(func, np.ufunc) or func.nin != 2 or func.nout != 1:
        raise TypeError(f"CAReduce: {scalar_op} is not a binary NumPy ufunc, so it cannot reduce")
    return func


@functools.lru_cache(maxsize=1024)
def _default_dtype(scalar_op: ScalarOp, in_dtype: str) -> str:
    """NumPy's result dtype of reducing ``in_dtype`` with ``scalar_op`` (no dtype given)."""
    kind = np.dtype(in_dtype)
    if isinstance(scalar_op, _SUM_LIKE):
        # np.sum and np.prod accumulate small integers in the platform's (u)int64
        if kind.kind in "bi" and kind.itemsize < 8:
            return "int64"
        if kind.kind == "u" and kind.itemsize < 8:
            return "uint64"
        return in_dtype
    if isinstance(scalar_op, _LOGICAL):
        return "bool"  # np.all and np.any
    sample = np.ones(2, dtype=in_dtype)
    try:
        return np.asarray(_ufunc_of(scalar_op).reduce(sample)).dtype.name
    except TypeError as exc:
        raise TypeError(f"cannot reduce {in_dtype} with {scalar_op}: {exc}") from None


@functools.lru_cache(maxsize=1024)
def _check_numpy_accepts(scalar_op: ScalarOp, in_dtype: str, acc_dtype: str, initial: Any) -> None:
    """TypeError unless NumPy can reduce ``in_dtype`` in ``acc_dtype`` from ``initial``."""
    kwargs = {} if initial is None else {"initial": initial}
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _ufunc_of(scalar_op).reduce(np.ones(2, dtype=in_dtype), dtype=acc_dtype, **kwargs)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"cannot reduce {in_dtype} with {scalar_op} in {acc_dtype}"
                        + ("" if initial is None else f" from initial={initial!r}")
                        + f": {exc}") from None


@dataclass(frozen=True)
class CAReduce(Op):
    """Reduce an array over ``axis`` (``None``: all axes) with a binary ``scalar_op``.

    ``dtype`` is the output dtype and ``acc_dtype`` the dtype the reduction
    runs in; ``None`` means NumPy's default (``np.sum``'s upcast of small
    integers, bool for logical ops) and the output dtype respectively.
    ``initial`` is NumPy's: the value reduced into first, so that a reduction
    without identity (max, min) over nothing gives it instead of failing.
    """

    scalar_op: ScalarOp
    axis: tuple[int, ...] | None = None
    dtype: str | None = None
    acc_dtype: str | None = None
    initial: Any = None

    def __post_init__(self) -> None:
        _ufunc_of(self.scalar_op)
        _check_axis_field(self, self.axis)
        for name in ("dtype", "acc_dtype"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, normalize_dtype(value))

    def reduced_axes(self, ndim: int) -> tuple[int, ...]:
        """The axes this op reduces for an ``ndim``-d input."""
        return _reduced(self.axis, ndim)

    def output_dtype(self, in_dtype: str) -> str:
        return self.dtype or _default_dtype(self.scalar_op, in_dtype)

    def accumulator_dtype(self, in_dtype: str) -> str:
        return self.acc_dtype or self.output_dtype(in_dtype)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        _check_axes_fit(self, self.axis, x)
        out_dtype = self.output_dtype(x.dtype)
        _check_numpy_accepts(self.scalar_op, x.dtype, self.accumulator_dtype(x.dtype), self.initial)
        reduced = self.reduced_axes(x.ndim)
        if self.initial is None and _ufunc_of(self.scalar_op).identity is None and _builtin_any(
                x.type.shape[a] == 0 for a in reduced):
            raise ValueError(f"{self}: zero-size array to reduction operation "
                             f"{_ufunc_of(self.scalar_op).__name__} which has no identity "
                             f"(input {x.type})")
        shape = [n for a, n in enumerate(x.type.shape) if a not in reduced]
        return Apply.build(self, [x], [TensorType(out_dtype, shape)])

    def _runner(self, in_dtype: str) -> Callable[[np.ndarray], np.ndarray]:
        reduce = _ufunc_of(self.scalar_op).reduce
        axis = self.axis
        out_dtype = np.dtype(self.output_dtype(in_dtype))
        kwargs: dict[str, Any] = {"dtype": self.accumulator_dtype(in_dtype)}
        if self.initial is not None:
            kwargs["initial"] = self.initial

        def run(x: np.ndarray) -> np.ndarray:
            # NumPy returns a scalar for a full reduction; the graph deals in arrays
            return np.asarray(reduce(x, axis=axis, **kwargs)).astype(out_dtype, copy=False)
        return run

    def perform(self, x: np.ndarray) -> np.ndarray:
        return self._runner(x.dtype.name)(x)

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        return self._runner(node.inputs[0].type.dtype)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        reduced = self.reduced_axes(len(input_shapes[0]))
        return [tuple(d for a, d in enumerate(input_shapes[0]) if a not in reduced)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Sum: the cotangent spread over the reduced axes.  Max/min: it goes to every
        element equal to the result (all of them on a tie, PyTensor's rule).  Prod: the
        product of the other elements, exact when some are zero."""
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.alloc import broadcast_to

        x, out, gz = inputs[0], outputs[0], cotangents[0]
        if x.type.numpy_dtype.kind not in "fc":
            return [None]
        op = self.scalar_op
        spread = keep_reduced_dims(gz, self.axis, x.ndim)
        if isinstance(op, sm.Add):
            return [broadcast_to(spread, shape(x))]
        if isinstance(op, (sm.Maximum, sm.Minimum)):
            hit = tm.eq(x, keep_reduced_dims(out, self.axis, x.ndim))
            return [tm.switch(hit, spread, 0)]
        if isinstance(op, sm.Mul):
            return [spread * _product_of_others(x, self.axis)]
        return super().pullback(inputs, outputs, cotangents)

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        if isinstance(self.scalar_op, sm.Add):
            return [None if tangents[0] is None else self(tangents[0])]
        raise NotImplementedError  # from two pullbacks

    def __str__(self) -> str:
        name = _NAMES.get(type(self.scalar_op), f"CAReduce{{{self.scalar_op}}}")
        params = [f"axis={self.axis}"]
        params += [f"{k}={v}" for k, v in (("dtype", self.dtype), ("acc_dtype", self.acc_dtype),
                                            ("initial", self.initial)) if v is not None]
        return f"{name}{{{', '.join(params)}}}"

    __repr__ = __str__

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        axes = self.reduced_axes(node.inputs[0].type.ndim)
        return [replace(self, axis=tuple(a + 1 for a in axes))(inputs[0])]


def _product_of_others(x: TensorVariable, axis: tuple[int, ...] | None) -> TensorVariable:
    """For each element of ``x``, the product of the other elements reduced with it over ``axis``.

    ``prod / x`` fails where ``x`` is 0; instead count the zeros: with none it is
    ``prod / x``, with one it is the product of the nonzero elements at the zero
    (and 0 elsewhere), with more it is 0.
    """

    is_zero = tm.eq(x, 0)
    zeros = keep_reduced_dims(sum(is_zero, axis, dtype="int64"), axis, x.ndim)
    nonzero_product = keep_reduced_dims(prod(tm.switch(is_zero, 1, x), axis), axis, x.ndim)
    safe_x = tm.switch(is_zero, 1, x)
    return tm.switch(tm.eq(zeros, 0), nonzero_product / safe_x,
                     tm.switch(tm.and_(tm.eq(zeros, 1), is_zero), nonzero_product, 0))


def _reduce(scalar_op: ScalarOp, x: Any, axis: AxisLike, keepdims: bool, dtype: Any = None,
            acc_dtype: Any = None, initial: Any = None) -> TensorVariable:
    x = as_tensor_variable(x)
    axes = normalize_reduce_axes(axis, x.ndim)
    # Spell NumPy's defaults as None, so that sum(x) and sum(x, dtype=<default>) intern together
    default = _default_dtype(scalar_op, x.dtype)
    out_dtype = default if dtype is None else normalize_dtype(dtype)
    if acc_dtype is not None and normalize_dtype(acc_dtype) == out_dtype:
        acc_dtype = None
    op = CAReduce(scalar_op, axes, None if out_dtype == default else out_dtype, acc_dtype, initial)
    out = cast(TensorVariable, op.make_node(x).outputs[0])
    return keep_reduced_dims(out, axes, x.ndim) if keepdims else out


def sum(x: Any, axis: AxisLike = None, dtype: Any = None, keepdims: bool = False,
        acc_dtype: Any = None) -> TensorVariable:
    """Sum over ``axis`` as ``np.sum`` (small ints and bool give int64, small uints uint64).

    ``acc_dtype`` (PyTensor's) is the dtype the sum runs in before being cast
    to ``dtype``; by default it is ``dtype``, as in NumPy.
    """
    return _reduce(sm.Add(), x, axis, keepdims, dtype, acc_dtype)


def prod(x: Any, axis: AxisLike = None, dtype: Any = None, keepdims: bool = False,
         acc_dtype: Any = None) -> TensorVariable:
    """Product over ``axis`` as ``np.prod`` (same result dtypes as :func:`sum`)."""
    return _reduce(sm.Mul(), x, axis, keepdims, dtype, acc_dtype)


def max(x: Any, axis: AxisLike = None, keepdims: bool = False, initial: Any = None) -> TensorVariable:
    """Maximum over ``axis`` as ``np.max``: NaN propagates; an empty reduction is a
    ValueError unless ``initial`` is given."""
    return _reduce(sm.Maximum(), x, axis, keepdims, initial=initial)


def min(x: Any, axis: AxisLike = None, keepdims: bool = False, initial: Any = None) -> TensorVariable:
    """Minimum over ``axis`` as ``np.min``: NaN propagates; an empty reduction is a
    ValueError unless ``initial`` is given."""
    return _reduce(sm.Minimum(), x, axis, keepdims, initial=initial)


def all(x: Any, axis: AxisLike = None, keepdims: bool = False) -> TensorVariable:
    """Whether all elements over ``axis`` are true (nonzero), as ``np.all``."""
    return _reduce(sm.LogicalAnd(), x, axis, keepdims)


def any(x: Any, axis: AxisLike = None, keepdims: bool = False) -> TensorVariable:
    """Whether any element over ``axis`` is true (nonzero), as ``np.any``."""
    return _reduce(sm.LogicalOr(), x, axis, keepdims)


# --- Argmax / Argmin ----------------------------------------------------------------

@dataclass(frozen=True)
class _ArgReduce(Op):
    """Index of the extreme element along ``axis``; ``None``: into the flattened array.

    Ties give the first occurrence and a NaN counts as the extreme (NumPy's rule).
    """

    axis: int | None = None
    numpy_function: ClassVar[Callable[..., Any]]

    def __post_init__(self) -> None:
        if self.axis is not None and (not isinstance(self.axis, int) or isinstance(self.axis, bool)
                                      or self.axis < 0):
            raise ValueError(f"{type(self).__name__}: axis must be None or a non-negative int, "
                             f"got {self.axis!r}")

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if self.axis is not None and self.axis >= x.ndim:
            raise ValueError(f"{self}: axis {self.axis} is out of range for {x.type}")
        reduced = tuple(range(x.ndim)) if self.axis is None else (self.axis,)
        if _builtin_any(x.type.shape[a] == 0 for a in reduced):
            raise ValueError(f"{self}: attempt to get {type(self).__name__.lower()} of an empty "
                             f"sequence (input {x.type})")
        shape = () if self.axis is None else [n for a, n in enumerate(x.type.shape) if a != self.axis]
        return Apply.build(self, [x], [TensorType("int64", shape)])

    def perform(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(type(self).numpy_function(x, axis=self.axis)).astype(np.int64, copy=False)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        if self.axis is None:
            return [()]
        return [tuple(d for a, d in enumerate(input_shapes[0]) if a != self.axis)]


@dataclass(frozen=True)
class Argmax(_ArgReduce):
    numpy_function = staticmethod(np.argmax)


@dataclass(frozen=True)
class Argmin(_ArgReduce):
    numpy_function = staticmethod(np.argmin)


def _arg_reduce(op_class: type[_ArgReduce], x: Any, axis: Any, keepdims: bool) -> TensorVariable:
    x = as_tensor_variable(x)
    axes = normalize_reduce_axes(axis, x.ndim)
    if axes is not None and len(axes) > 1:
        return _arg_reduce_axes(op_class, x, axes, keepdims)
    # for 0-d and 1-d inputs the index along the axis is the flat index
    one_axis = None if axes is None else axes[0]
    out = cast(TensorVariable, op_class(one_axis).make_node(x).outputs[0])
    if keepdims:
        out = keep_reduced_dims(out, axes, x.ndim)
    return out


def _arg_reduce_axes(op_class: type[_ArgReduce], x: TensorVariable, axes: tuple[int, ...],
                     keepdims: bool) -> TensorVariable:
    """The index over several axes, as PyTensor's: into those axes flattened in order (the
    other axes first, then the reduced ones merged into one last axis)."""
    kept = [a for a in range(x.ndim) if a not in axes]
    moved = dimshuffle(x, [*kept, *axes])
    lengths = shape(x)
    merged = reshape(moved, [*(lengths[a] for a in kept), -1])
    out = cast(TensorVariable, op_class(len(kept)).make_node(merged).outputs[0])
    return keep_reduced_dims(out, axes, x.ndim) if keepdims else out


def argmax(x: Any, axis: Any = None, keepdims: bool = False) -> TensorVariable:
    """Index (int64) of the first maximum along ``axis``, as ``np.argmax``; with
    ``axis=None`` an index into the flattened array, with several axes (PyTensor's) an
    index into those axes flattened."""
    return _arg_reduce(Argmax, x, axis, keepdims)


def argmin(x: Any, axis: Any = None, keepdims: bool = False) -> TensorVariable:
    """Index (int64) of the first minimum along ``axis``, as ``np.argmin``; with
    ``axis=None`` an index into the flattened array, with several axes (PyTensor's) an
    index into those axes flattened."""
    return _arg_reduce(Argmin, x, axis, keepdims)


def max_and_argmax(x: Any, axis: int | None = None,
                   keepdims: bool = False) -> tuple[TensorVariable, TensorVariable]:
    """``(max(x, axis), argmax(x, axis))``, PyTensor's helper."""
    return max(x, axis, keepdims), argmax(x, axis, keepdims)


# The statistics sit in their own module but are part of this one's API (``at.mean``).
# Importing them last is safe: reduction_stats only needs the names defined above.
from arignote.tensor.reduction_stats import logsumexp, mean, std, var  # noqa: E402

__all__ += ["mean", "var", "std", "logsumexp"]
