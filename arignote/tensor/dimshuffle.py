"""`DimShuffle`: permute, add and drop (length-1) axes, as a view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.shape import specify_shape
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable


def normalize_axis(axis: int, ndim: int, what: str = "axis") -> int:
    """``axis`` made non-negative; numpy.exceptions.AxisError-like ValueError if out of range."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{what} must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(f"{what} {axis} is out of bounds for an array of dimension {ndim}")
    return int(axis) % ndim if ndim else 0


@dataclass(frozen=True)
class DimShuffle(Op):
    """Reorder the axes of an ``input_ndim``-d array by ``new_order``.

    ``new_order`` lists input axes, and ``"x"`` for a new length-1 axis; an
    input axis left out must have static length 1 (it is dropped).
    """

    input_ndim: int
    new_order: tuple[int | str, ...]
    view_inputs = (0,)

    def __post_init__(self) -> None:
        kept = [d for d in self.new_order if d != "x"]
        if len(set(kept)) != len(kept) or not all(
                isinstance(d, int) and 0 <= d < self.input_ndim for d in kept):
            raise ValueError(f"DimShuffle: invalid order {self.new_order} for a "
                             f"{self.input_ndim}-d input")

    @property
    def dropped(self) -> tuple[int, ...]:
        return tuple(d for d in range(self.input_ndim) if d not in self.new_order)

    @property
    def is_transpose(self) -> bool:
        return "x" not in self.new_order and not self.dropped

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim != self.input_ndim:
            raise TypeError(f"{self}: expected a {self.input_ndim}-d input, got {x.type}")
        for axis in self.dropped:
            if x.type.shape[axis] != 1:
                raise ValueError(f"{self}: cannot drop axis {axis} of {x.type}, whose length is "
                                 f"not known to be 1")
        shape = tuple(1 if d == "x" else x.type.shape[d] for d in self.new_order)
        return Apply.build(self, [x], [TensorType(x.dtype, shape)])

    def perform(self, x: np.ndarray) -> np.ndarray:
        dropped = self.dropped
        if dropped:
            x = x.reshape([n for axis, n in enumerate(x.shape) if axis not in dropped])
        kept = [d for d in self.new_order if isinstance(d, int)]  # the others are "x"
        # positions of kept axes after the drop
        remap = {axis: i for i, axis in enumerate(d for d in range(self.input_ndim) if d not in dropped)}
        x = x.transpose([remap[d] for d in kept])
        if "x" in self.new_order:
            x = x[tuple(None if d == "x" else slice(None) for d in self.new_order)]
        return x

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.shape_inference import dim

        x_shape = input_shapes[0]
        return [tuple(dim(1) if d == "x" else x_shape[d] for d in self.new_order)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """The inverse reordering: new axes dropped, dropped axes put back."""
        gz = cotangents[0]
        kept = [d for d in self.new_order if d != "x"]
        # drop the new axes first, leaving the kept ones in output order
        gz = dimshuffle(gz, [p for p, d in enumerate(self.new_order) if d != "x"])
        position = {d: p for p, d in enumerate(kept)}
        return [dimshuffle(gz, [position[d] if d in position else "x"
                                for d in range(self.input_ndim)])]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [None if tangents[0] is None else self(tangents[0])]

    def __str__(self) -> str:
        if self.is_transpose:
            return f"Transpose{{axes={self.new_order}}}"
        return "DimShuffle{" + ",".join(map(str, self.new_order)) + "}"

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        x = inputs[0]
        if any(x.type.shape[d + 1] != 1 for d in self.dropped):
            # the batched value's type lost the length 1 of an axis this drops: restore it
            x = specify_shape(x, (None, *node.inputs[0].type.shape))
        order = (0,) + tuple(d + 1 if isinstance(d, int) else "x" for d in self.new_order)
        return [DimShuffle(self.input_ndim + 1, order)(x)]


def dimshuffle(x: Any, pattern: Sequence[int | str]) -> TensorVariable:
    """PyTensor's ``x.dimshuffle(pattern)``; an identity pattern returns ``x``."""
    x = as_tensor_variable(x)
    order = tuple(d if d == "x" else int(d) for d in pattern)
    if order == tuple(range(x.ndim)):
        return x
    return DimShuffle(x.ndim, order)(x)


def transpose(x: Any, axes: Sequence[int] | None = None) -> TensorVariable:
    """Permute the axes (reverse them by default), as ``np.transpose``."""
    x = as_tensor_variable(x)
    if axes is None:
        axes = tuple(reversed(range(x.ndim)))
    axes = tuple(normalize_axis(a, x.ndim) for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of {x.ndim} axes")
    return dimshuffle(x, axes)


def moveaxis(x: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> TensorVariable:
    """``np.moveaxis``: the axes ``source`` moved to ``destination``, the others in order."""
    x = as_tensor_variable(x)
    sources = [source] if isinstance(source, (int, np.integer)) else list(source)
    targets = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    if len(sources) != len(targets):
        raise ValueError(f"moveaxis: source {source} and destination {destination} differ in length")
    sources = [normalize_axis(a, x.ndim) for a in sources]
    targets = [normalize_axis(a, x.ndim) for a in targets]
    if len(set(sources)) != len(sources) or len(set(targets)) != len(targets):
        raise ValueError(f"moveaxis: repeated axis in source {source} or destination {destination}")
    order = [a for a in range(x.ndim) if a not in sources]
    for target, axis in sorted(zip(targets, sources)):
        order.insert(target, axis)
    return transpose(x, order)


def swapaxes(x: Any, axis1: int, axis2: int) -> TensorVariable:
    """``np.swapaxes``."""
    x = as_tensor_variable(x)
    order = list(range(x.ndim))
    a, b = normalize_axis(axis1, x.ndim), normalize_axis(axis2, x.ndim)
    order[a], order[b] = order[b], order[a]
    return dimshuffle(x, order)


def matrix_transpose(x: Any) -> TensorVariable:
    """Swap the last two axes (``x.mT``; a stack of matrices gives the stack of transposes)."""
    x = as_tensor_variable(x)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: Input array must be at least 2-dimensional, got {x.type}")
    return swapaxes(x, -1, -2)


def expand_dims(x: Any, axis: int | Sequence[int]) -> TensorVariable:
    """``np.expand_dims``: new length-1 axes at positions ``axis``."""
    x = as_tensor_variable(x)
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    out_ndim = x.ndim + len(axes)
    axes = sorted(normalize_axis(a, out_ndim) for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"expand_dims: repeated axis in {axis}")
    order: list[int | str] = []
    source = iter(range(x.ndim))
    for position in range(out_ndim):
        order.append("x" if position in axes else next(source))
    return dimshuffle(x, order)


def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> TensorVariable:
    """Drop length-1 axes: all that are statically 1, or the ``axis`` given.

    With ``axis``, an axis whose length is unknown is checked to be 1 at run time.
    """
    x = as_tensor_variable(x)
    if axis is None:
        drop = [a for a, n in enumerate(x.type.shape) if n == 1]
    else:
        axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
        drop = sorted({normalize_axis(a, x.ndim) for a in axes})
        for a in drop:
            if x.type.shape[a] not in (1, None):
                raise ValueError(f"squeeze: axis {a} of {x.type} has length {x.type.shape[a]}, not 1")
        if any(x.type.shape[a] is None for a in drop):

            x = specify_shape(x, [1 if a in drop else None for a in range(x.ndim)])
    return dimshuffle(x, [a for a in range(x.ndim) if a not in drop])
