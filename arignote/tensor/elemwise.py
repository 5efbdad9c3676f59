"""`Elemwise`: a scalar op mapped over arrays with broadcasting (see `broadcasting`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.graph.type import is_undefined_gradient
from arignote.scalar.basic import ScalarOp
from arignote.tensor.basic import as_tensor_args, cast
from arignote.tensor.batching import pad_after_batch
from arignote.tensor.broadcasting import broadcast_static_shapes, run_time_check
from arignote.tensor.namespace_forwarding import names_elsewhere_getattr
from arignote.tensor.shape import shape
from arignote.tensor.type import tensor_type
from arignote.tensor.variable import TensorConstant, TensorVariable

_PLAIN_VARIABLES = frozenset({TensorVariable, TensorConstant})


@dataclass(frozen=True, init=False)
class Elemwise(Op):
    """Apply ``scalar_op`` element by element, broadcasting the inputs."""

    scalar_op: ScalarOp
    maps_scalar_op: ClassVar[bool] = True
    types_decide_outputs: ClassVar[bool] = True

    def __init__(self, scalar_op: ScalarOp, inplace_pattern: Mapping[int, int] | None = None,
                 name: str | None = None) -> None:
        # PyTensor's inplace_pattern is accepted and ignored: in-place work is decided when a
        # program is scheduled, never in the graph.  ``name`` only changes how the op prints:
        # it is not part of the op's identity (two ops differing only by name are equal)
        object.__setattr__(self, "scalar_op", scalar_op)
        if name is not None:
            object.__setattr__(self, "name", name)

    def make_node(self, *inputs: Any) -> Apply:
        # rewrites rebuild many nodes from variables: skip the conversions then
        variables = inputs if all(type(v) in _PLAIN_VARIABLES for v in inputs) else as_tensor_args(*inputs)
        self.scalar_op.check_arity(len(variables))
        dtypes = self.scalar_op.output_dtypes(*[v.type.numpy_dtype for v in variables])
        shape = broadcast_static_shapes([v.type.shape for v in variables], self)  # named only on error
        return Apply.build(self, variables, [tensor_type(dtype, shape) for dtype in dtypes])

    def perform(self, *inputs: Any) -> Any:
        return self.scalar_op.impl(*inputs)

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        run = self._unchecked_impl(node)
        check = run_time_check([v.type.shape for v in node.inputs], self)
        if check is None:
            return run

        def run_checked(*xs: Any) -> Any:
            check(xs)
            return run(*xs)
        return run_checked

    def _unchecked_impl(self, node: Apply) -> Callable[..., Any]:
        impl = self.scalar_op.impl
        if getattr(self.scalar_op, "exact_array_impl", False):
            return impl  # already returns arrays of the declared dtypes (composites)
        out_type = node.outputs[0].type
        dtype = out_type.numpy_dtype
        if _natural_dtype(self.scalar_op, [v.type.numpy_dtype for v in node.inputs]) != dtype:
            def run_cast(*xs: Any) -> Any:
                return np.asarray(impl(*xs)).astype(dtype, copy=False)
            return run_cast
        if out_type.ndim == 0:
            # NumPy returns scalars for 0-d operations; the graph deals in arrays
            def run_0d(*xs: Any) -> Any:
                return np.asarray(impl(*xs))
            return run_0d
        return impl

    def __str__(self) -> str:
        return self.__dict__.get("name") or str(self.scalar_op)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Every output has the broadcast shape of the inputs."""
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.shape_inference import broadcast_shapes

        return [broadcast_shapes(input_shapes)] * len(node.outputs)

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        """The scalar op's rule on the broadcast arrays, summed back to each input's shape.

        Integer and boolean inputs get None (no derivative).  A `Composite`
        is differentiated through its inner graph (:meth:`differentiable_graph`).
        """
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.sum_to import sum_to_like

        if cotangents[0] is None:
            return [None] * len(inputs)
        grads = self.scalar_op.pullback_elementwise(list(inputs), outputs[0], cotangents[0])
        return [None if g is None or not _is_inexact(x) else g if is_undefined_gradient(g)
                else sum_to_like(g, x) for x, g in zip(inputs, grads)]

    def differentiable_graph(self, inputs: Sequence[Variable],
                             outputs: Sequence[Variable]) -> list[Variable] | None:
        """A fused node's inner graph rebuilt on ``inputs`` (autodiff differentiates it in
        place of this node); None for an elementwise node of one scalar op."""
        if _is_composite(self.scalar_op):
            return _inner_graph_on(self.scalar_op, inputs, outputs)
        return None

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        """The scalar op's rule on the broadcast arrays, broadcast to the output's shape."""
        # here, not at the top: importing it there makes an import cycle
        from arignote.tensor.alloc import broadcast_to

        out = outputs[0]
        if not _is_inexact(out):
            return [None]
        tangents = [t if t is not None and _is_inexact(x) else None for x, t in zip(inputs, tangents)]
        tangent = self.scalar_op.pushforward_elementwise(list(inputs), out, tangents)
        if tangent is None:
            return [None]
        if tangent.dtype != out.dtype:
            tangent = cast(tangent, out.dtype)
        if tangent.ndim != out.ndim or any(t == 1 and o != 1 for t, o in zip(tangent.type.shape,
                                                                              out.type.shape)):
            tangent = broadcast_to(tangent, shape(out))  # a tangent of only some inputs
        return [tangent]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        # a batched operand gets length-1 axes after its batch axis: it broadcasts as before
        ndim = node.outputs[0].type.ndim
        args = [pad_after_batch(x, ndim) if b else x for x, b in zip(inputs, batched)]
        return list(self.make_node(*args).outputs)


def _is_inexact(var: Variable) -> bool:
    return var.type.numpy_dtype.kind in "fc"


def _is_composite(scalar_op: ScalarOp) -> bool:
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.composite import Composite

    return isinstance(scalar_op, Composite)


def _inner_graph_on(composite: Any, inputs: Sequence[Variable],
                    outputs: Sequence[Variable]) -> list[Variable]:
    """The composite's inner graph rebuilt on the (broadcasting) tensors ``inputs``: the
    derivative of a fused node is the derivative of the nodes it fused."""
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.alloc import broadcast_to

    mapping: dict[Variable, Variable] = dict(zip(composite.inputs, inputs))
    for node in composite.nodes:
        args = [mapping.get(v, v) for v in node.inputs]
        mapping.update(zip(node.outputs, node.op.make_node(*args).outputs))
    rebuilt = []
    for inner, out in zip(composite.outputs, outputs):
        var = mapping.get(inner, inner)
        # an output that is an inner input or a constant has the node's broadcast shape
        if var.type.shape != out.type.shape and (var.ndim != out.ndim or any(
                a == 1 and b != 1 for a, b in zip(var.type.shape, out.type.shape))):
            var = broadcast_to(var, shape(out))
        rebuilt.append(var)
    return rebuilt


def _natural_dtype(op: ScalarOp, dtypes: list[np.dtype]) -> np.dtype:
    samples = [np.ones(1, dtype=d) for d in dtypes]
    with np.errstate(all="ignore"):
        return np.asarray(op.impl(*samples)).dtype


# PyTensor has its DimShuffle and CAReduce ops in this module; arignote's live in dimshuffle.py
# and reduction.py, which build on this one (so they are found when asked for, not imported here)
__getattr__ = names_elsewhere_getattr(__name__, {"DimShuffle": "arignote.tensor.dimshuffle",
                                                 "CAReduce": "arignote.tensor.reduction"})
