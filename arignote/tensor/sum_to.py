"""`SumTo`: sum an array down to a shape it was broadcast from (the adjoint of broadcasting).

Derivatives need the adjoint of broadcasting: the cotangent of an operand
that broadcasting stretched is the output's cotangent summed over the
stretched axes.  Only statically-1 axes stretch (see
:mod:`arignote.tensor.broadcasting`), so :func:`sum_to_like` sums them with
ordinary reductions.  ``SumTo`` sums to a shape given at run time, for
``sum_to(x, shape)`` where the target lengths are symbolic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule, Op
from arignote.tensor import math as tm
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.reduction import sum as tensor_sum
from arignote.tensor.shape import as_shape_vector, shape
from arignote.tensor.shape_inference import as_dim, known_dim, same_dim, shape_of, vector_entries
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["SumTo", "sum_to", "sum_to_like"]


@dataclass(frozen=True)
class SumTo(Op):
    """``x`` summed to the shape given by ``ndim`` 0-d integer inputs: the leading extra
    axes are summed, and every axis where the target has length 1 and ``x`` has not.

    The other lengths must agree (ValueError at run time otherwise); the result
    has ``x``'s dtype.  The target lengths are separate scalar inputs, not a
    shape vector: they are usually lengths of other arrays (``shape_i``), so
    no vector needs building.
    """

    ndim: int

    def make_node(self, x: Any, *lengths: Any) -> Apply:

        x = as_tensor_variable(x)
        lengths = tuple(as_tensor_variable(n) for n in lengths)
        if len(lengths) != self.ndim:
            raise TypeError(f"{self}: expected {self.ndim} target lengths, got {len(lengths)}")
        for n in lengths:
            if n.ndim != 0 or n.type.numpy_dtype.kind not in "iu":
                raise TypeError(f"{self}: target lengths must be 0-d integers, got {n.type}")
        if x.ndim < self.ndim:
            raise ValueError(f"{self}: cannot sum a {x.ndim}-d array to {self.ndim} dimensions")
        lead = x.ndim - self.ndim
        out: list[int | None] = []
        for axis, n in enumerate(lengths):
            have = x.type.shape[lead + axis]
            want = known_dim(n)
            if want is not None:
                if have is not None and want not in (1, have):
                    raise ValueError(f"{self}: cannot sum {x.type} to length {want} along axis {axis}")
                out.append(want)
            else:
                out.append(1 if have == 1 else None)
        return Apply.build(self, [x, *lengths], [TensorType(x.dtype, out)])

    def perform(self, x: np.ndarray, *lengths: np.ndarray) -> np.ndarray:
        target = tuple(int(n) for n in lengths)
        lead = x.ndim - self.ndim
        axes = list(range(lead))
        for axis, want in enumerate(target):
            have = x.shape[lead + axis]
            if want == 1 and have != 1:
                axes.append(lead + axis)
            elif want != have:
                raise ValueError(f"{self}: cannot sum an array of shape {x.shape} to shape {target}")
        if not axes:
            return x
        # np.asarray: a sum to shape () is a NumPy scalar, and ops take arrays
        return np.asarray(np.sum(x, axis=tuple(axes), dtype=x.dtype).reshape(target))

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Variable, ...]]:

        return [tuple(as_dim(n) for n in node.inputs[1:])]

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.alloc import broadcast_to

        return [broadcast_to(cotangents[0], shape(inputs[0]))] + [None] * self.ndim

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [None if tangents[0] is None else self(tangents[0], *inputs[1:])]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        x, *lengths = inputs
        if any(batched[1:]):
            raise NoBatchingRule("batched lengths")
        lead = node.inputs[0].type.ndim - self.ndim
        if lead:
            x = tensor_sum(x, axis=tuple(range(1, lead + 1)))
        return [SumTo(self.ndim + 1)(x, size, *lengths)]


def sum_to(x: Any, shape: Any) -> TensorVariable:
    """``x`` summed down to ``shape`` (ints, 0-d ints or an int vector of static length), as
    the adjoint of ``broadcast_to(y, x.shape)`` for a ``y`` of that shape."""

    if isinstance(shape, (list, tuple)):
        lengths = [as_tensor_variable(n) if isinstance(n, Variable) else as_tensor_variable(np.int64(n))
                   for n in shape]
        return SumTo(len(lengths))(x, *lengths)
    vector = as_shape_vector(shape, "sum_to")
    if vector.type.shape[0] is None:
        raise ValueError(f"sum_to: the length of the shape {vector} must be known when the graph is built")
    entries = vector_entries(vector, vector.type.shape[0])
    return SumTo(len(entries))(x, *entries)


def same_shape(a: Variable, b: Variable) -> bool:
    """Whether ``a`` and ``b`` provably have the same shape (the same symbolic lengths)."""

    if a.ndim != b.ndim:
        return False
    return all(same_dim(p, q) for p, q in zip(shape_of(a), shape_of(b)))


def sum_to_like(g: Any, x: Variable) -> TensorVariable:
    """The cotangent ``g`` of ``broadcast(x)`` turned into a cotangent of ``x``: summed over
    the axes broadcasting added or stretched (those where ``x`` is statically 1), in
    ``x``'s dtype, with plain reductions.
    """

    g = as_tensor_variable(g)
    lead = g.ndim - x.ndim
    if lead < 0:
        raise ValueError(f"sum_to_like: the cotangent {g.type} has fewer axes than {x.type}")
    if lead:
        g = tensor_sum(g, axis=tuple(range(lead)))
    # only axes statically 1 stretch (arignote.tensor.broadcasting): the types say which
    stretched = [axis for axis, (want, have) in enumerate(zip(x.type.shape, g.type.shape))
                 if want == 1 and have != 1]
    if stretched:
        g = tensor_sum(g, axis=tuple(stretched), keepdims=True)
    if g.dtype != x.dtype:
        if g.type.numpy_dtype.kind == "c" and x.type.numpy_dtype.kind != "c":
            g = tm.real(g)
        g = cast(g, x.dtype)
    return g
