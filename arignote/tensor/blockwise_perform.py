"""The NumPy implementation of ``Blockwise``: a loop over the batch calling the core op.

:class:`BlockwiseRunner` is built once per node (``Blockwise.py_impl``) with
everything that follows from the node's types: the core op's implementation
for the core node, the run-time checks the static shapes leave open, and
where each output core length comes from.  A call then checks the shapes,
broadcasts every input to the common batch shape (views), calls the core
implementation once per batch index and writes each result into outputs
allocated on the first call.

An empty batch never calls the core op on data, yet its outputs need their
core lengths.  They come, in this order, from an input core dim of the same
name, the output's static type, the core op's ``infer_shape`` on constant
input lengths (when it folds to constants), and, last, one call of the core
op on zeros of the inputs' core shapes.  That last call is the only one on
made-up data; ops whose core output shape depends on their values (rare)
must accept zeros there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Constant
from arignote.graph.op import ShapeUnknown
from arignote.tensor.broadcasting import ShapeOnly, run_time_check
from arignote.tensor.shape_inference import dim, known_dim
from arignote.tensor.type import TensorType

__all__ = ["BlockwiseRunner", "ShapeChecker", "fixed_length", "perform_on_values"]

#: where an output core length comes from: ("input", input position, core axis),
#: ("static", length), or None (computed when needed)
Source = tuple[str, int, int] | tuple[str, int] | None


def fixed_length(name: str) -> int | None:
    """The length a signature's dim fixes (``"3"``: 3, NumPy's frozen dims), or None for a
    dim name.  (Here rather than in :mod:`arignote.tensor.blockwise`, which imports this
    module.)"""
    return int(name) if name.isdigit() else None


class BlockwiseRunner:
    """The compiled-once NumPy step of one Blockwise node (see the module docstring)."""

    def __init__(self, node: Apply) -> None:
        op = node.op
        self.op = op
        in_dims, out_dims = op.dims
        self.core_ranks = [len(d) for d in in_dims]
        self.core = op.core_node(node.inputs)
        self.core_fn = op.core_op.py_impl(self.core)
        self.several = len(node.outputs) > 1
        self.out_dtypes = [o.type.numpy_dtype for o in node.outputs]
        self.check = ShapeChecker(node)
        members = self.check.members
        self.sources: list[list[Source]] = []
        for out, dims in zip(self.core.outputs, out_dims):
            row: list[Source] = []
            for axis, name in enumerate(dims):
                fixed = fixed_length(name)
                if fixed is not None:
                    row.append(("static", fixed))
                elif name in members:
                    position, core_axis = members[name][0]
                    row.append(("input", position, core_axis))
                elif out.type.shape[axis] is not None:
                    row.append(("static", out.type.shape[axis]))
                else:
                    row.append(None)
            self.sources.append(row)

    def __call__(self, *values: Any) -> Any:
        arrays = [np.asarray(v) for v in values]
        self.check([a.shape for a in arrays])
        batch_parts = [a.shape[:a.ndim - r] for a, r in zip(arrays, self.core_ranks)]
        core_parts = [a.shape[a.ndim - r:] for a, r in zip(arrays, self.core_ranks)]
        batch = np.broadcast_shapes(*batch_parts)
        arrays = [a if part == batch else np.broadcast_to(a, batch + core)
                  for a, part, core in zip(arrays, batch_parts, core_parts)]
        outputs = self._loop(arrays, batch, core_parts)
        return tuple(outputs) if self.several else outputs[0]

    def _loop(self, arrays: Sequence[np.ndarray], batch: tuple[int, ...],
              core_parts: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
        outputs: list[np.ndarray] | None = None
        for index in np.ndindex(*batch):
            key = index + (Ellipsis,)  # with the Ellipsis, a 0-d core stays an array
            result = self.core_fn(*[a[key] for a in arrays])
            parts = list(result) if self.several else [result]
            if outputs is None:
                self._check_fixed(parts)
                outputs = [np.empty(batch + np.shape(p), dtype=d) for p, d in zip(parts, self.out_dtypes)]
            for position, (out, part) in enumerate(zip(outputs, parts)):
                if np.shape(part) != out.shape[len(batch):]:
                    raise ValueError(f"{self.op}: the core op gave output {position} the shape "
                                     f"{np.shape(part)} at batch index {index}, but "
                                     f"{out.shape[len(batch):]} at the first index")
                out[index] = part
        if outputs is None:  # an empty batch
            shapes = self.core_output_shapes(core_parts)
            outputs = [np.empty(batch + s, dtype=d) for s, d in zip(shapes, self.out_dtypes)]
        return outputs

    def _check_fixed(self, parts: Sequence[Any]) -> None:
        """The core op's results have the lengths the signature fixes (checked once: the
        later indices must give the first one's shapes)."""
        for position, (dims, part) in enumerate(zip(self.op.dims[1], parts)):
            for axis, name in enumerate(dims):
                fixed = fixed_length(name)
                if fixed is not None and np.shape(part)[axis] != fixed:
                    raise ValueError(f"{self.op}: the signature fixes the length of output {position}'s "
                                     f"core dimension {axis} to {fixed}, but the core op gave it the "
                                     f"shape {np.shape(part)}")

    def core_output_shapes(self, core_parts: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
        """The core shape of each output for inputs of these core shapes, without running the
        core op when it can be avoided (see the module docstring)."""
        shapes: list[list[int | None]] = []
        for row in self.sources:
            shape: list[int | None] = []
            for source in row:
                if source is None:
                    shape.append(None)
                elif source[0] == "input":
                    shape.append(core_parts[source[1]][source[2]])  # type: ignore[misc]
                else:
                    shape.append(source[1])
            shapes.append(shape)
        if any(n is None for shape in shapes for n in shape):
            inferred = self._inferred_shapes(core_parts) or self._shapes_from_zeros(core_parts)
            shapes = [[n if n is not None else inferred[j][k] for k, n in enumerate(shape)]
                      for j, shape in enumerate(shapes)]
        return [tuple(int(n) for n in shape) for shape in shapes]  # type: ignore[arg-type]

    def _inferred_shapes(self, core_parts: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]] | None:
        """The core op's ``infer_shape`` given constant input lengths, when every entry folds
        to a constant (None otherwise)."""
        infer = getattr(self.op.core_op, "infer_shape", None)
        if infer is None:
            return None
        try:
            inferred = infer(self.core, [tuple(dim(n) for n in part) for part in core_parts])
        except (ShapeUnknown, NotImplementedError):
            return None
        shapes = []
        for entries in inferred:
            values = [known_dim(e) for e in entries]
            if any(v is None for v in values):
                return None
            shapes.append(tuple(int(v) for v in values if v is not None))
        return shapes

    def _shapes_from_zeros(self, core_parts: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
        zeros = [x.data if isinstance(x, Constant) else np.zeros(part, dtype=x.type.numpy_dtype)
                 for part, x in zip(core_parts, self.core.inputs)]
        try:
            result = self.core_fn(*zeros)
        except Exception as exc:
            raise ValueError(f"{self.op}: the batch is empty, and the core shape of the outputs "
                             f"could only be found by running the core op on zeros of the core "
                             f"shapes {list(core_parts)}, which failed: {exc}") from exc
        parts = list(result) if self.several else [result]
        return [np.shape(p) for p in parts]


class ShapeChecker:
    """The run-time checks of a Blockwise node's input shapes that its static types leave
    open: ranks, batch dims that must be equal (only a static 1 stretches), and core dims
    of the same name.  Called with the inputs' shapes; raises ValueError naming the op."""

    def __init__(self, node: Apply) -> None:
        self.op = node.op
        in_dims = self.op.dims[0]
        self.core_ranks = [len(d) for d in in_dims]
        batch_ndims = self.op.batch_ndims(node.inputs)
        self.batch_check = run_time_check([x.type.shape[:n] for x, n in zip(node.inputs, batch_ndims)],
                                          self.op)
        #: dim name -> its (input, core axis) places
        self.members: dict[str, list[tuple[int, int]]] = {}
        for position, dims in enumerate(in_dims):
            for axis, name in enumerate(dims):
                self.members.setdefault(name, []).append((position, axis))
        self.same_dims = [(name, places) for name, places in self.members.items()
                          if len(places) > 1 and fixed_length(name) is None]
        #: (input, core axis, length) of the dims the signature fixes whose static length is
        #: unknown (the others were checked when the node was built)
        self.fixed = [(position, axis, fixed) for position, (x, dims) in enumerate(zip(node.inputs, in_dims))
                      for axis, name in enumerate(dims)
                      if (fixed := fixed_length(name)) is not None
                      and x.type.shape[x.type.ndim - len(dims) + axis] is None]

    def __call__(self, shapes: Sequence[tuple[int, ...]]) -> None:
        for position, (shape, rank) in enumerate(zip(shapes, self.core_ranks)):
            if len(shape) < rank:
                raise ValueError(f"{self.op}: input {position} has shape {tuple(shape)}, fewer than its "
                                 f"{rank} core dimension(s)")
        cores = [tuple(s[len(s) - r:]) for s, r in zip(shapes, self.core_ranks)]
        if self.batch_check is not None:
            try:
                self.batch_check([ShapeOnly(tuple(s[:len(s) - r])) for s, r in zip(shapes, self.core_ranks)])
            except ValueError as exc:
                raise ValueError(f"{self.op}: the batch dimensions of the inputs: {exc}") from None
        for position, axis, fixed in self.fixed:
            if cores[position][axis] != fixed:
                raise ValueError(f"{self.op}: input {position} has shape {tuple(shapes[position])}, but the "
                                 f"signature fixes its core dimension {axis} to length {fixed}")
        for name, places in self.same_dims:
            position, axis = places[0]
            length = cores[position][axis]
            for other, other_axis in places[1:]:
                if cores[other][other_axis] != length:
                    raise ValueError(
                        f"{self.op}: core dimension {name!r} has length {length} in input {position} "
                        f"(shape {tuple(shapes[position])}) but {cores[other][other_axis]} in input "
                        f"{other} (shape {tuple(shapes[other])})")


def perform_on_values(op: Any, values: Sequence[Any]) -> Any:
    """``op`` (a Blockwise) run on plain values, as ``Op.perform`` is: a node is built for
    their dtypes and ranks (a length of 1 may stretch, as in NumPy), then run."""
    arrays = [np.asarray(v) for v in values]
    stand_ins = [TensorType(a.dtype, tuple(1 if n == 1 else None for n in a.shape)).make_variable()
                 for a in arrays]
    node = op.make_node(*stand_ins)
    run: Callable[..., Any] = op.py_impl(node)
    return run(*arrays)
