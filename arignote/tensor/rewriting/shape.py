"""PyTensor's ``ShapeFeature`` (``pytensor.tensor.rewriting.shape``): the symbolic shape of
every variable of a ``FunctionGraph``, from arignote's shape inference.

``FunctionGraph(outputs=..., features=[ShapeFeature()])`` attaches it as
``fgraph.shape_feature``; ``shape_tuple(v)`` and ``shape_of[v]`` give one 0-d int64 variable
per axis of ``v`` (constants where the length is known, else expressions of the graph's
inputs' shapes), ``get_shape(v, i)`` one of them, ``same_shape(a, b)`` whether two variables
provably have the same shape.  arignote's graphs are immutable, so there is nothing to keep up
to date when the view changes: the shapes are worked out when asked, and remembered.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from arignote.graph.basic import Variable
from arignote.tensor.shape_inference import ShapeInfo, same_dim, shape_of
from arignote.tensor.sum_to import same_shape
from arignote.tensor.type import TensorType

__all__ = ["ShapeFeature"]


class _ShapesOf(Mapping[Variable, tuple[Variable, ...] | None]):
    """``shape_of[v]``: the shape tuple of a tensor variable of the graph, None for another."""

    def __init__(self, feature: ShapeFeature) -> None:
        self._feature = feature

    def __getitem__(self, var: Variable) -> tuple[Variable, ...] | None:
        return self._feature.shape_tuple(var)

    def __iter__(self) -> Iterator[Variable]:
        fgraph = self._feature.fgraph
        return iter(() if fgraph is None else fgraph.variables)

    def __len__(self) -> int:
        fgraph = self._feature.fgraph
        return 0 if fgraph is None else len(fgraph.variables)


class ShapeFeature:
    """The symbolic shapes of a graph's variables (see the module docstring)."""

    def __init__(self) -> None:
        self.fgraph: Any = None
        self._memo: dict[Variable, ShapeInfo] = {}  # shared by every question: each node once

    def on_attach(self, fgraph: Any) -> None:
        if getattr(fgraph, "shape_feature", None) not in (None, self):
            raise ValueError("ShapeFeature: the graph has a shape feature already")
        self.fgraph = fgraph
        fgraph.shape_feature = self

    def on_detach(self, fgraph: Any) -> None:
        self.fgraph = None
        if getattr(fgraph, "shape_feature", None) is self:
            del fgraph.shape_feature

    def shape_tuple(self, var: Variable) -> tuple[Variable, ...] | None:
        """One 0-d int64 variable per axis of ``var`` (None when ``var`` is not a tensor)."""
        if not isinstance(var.type, TensorType):
            return None
        return tuple(shape_of(var, self._memo))

    @property
    def shape_of(self) -> _ShapesOf:
        return _ShapesOf(self)

    def get_shape(self, var: Variable, idx: int) -> Variable:
        """The length of axis ``idx`` of ``var``."""
        shape = self.shape_tuple(var)
        if shape is None:
            raise TypeError(f"ShapeFeature.get_shape: {var} is not a tensor ({var.type})")
        return shape[idx]

    def same_shape(self, x: Variable, y: Variable, dim_x: int | None = None,
                   dim_y: int | None = None) -> bool:
        """Whether ``x`` and ``y`` (or their axes ``dim_x``/``dim_y``) provably have the same
        length(s)."""
        if dim_x is None and dim_y is None:
            return same_shape(x, y)
        return same_dim(self.get_shape(x, dim_x or 0), self.get_shape(y, dim_y or 0))

    def clone(self) -> ShapeFeature:
        return type(self)()
