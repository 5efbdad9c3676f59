"""`Op`: what a node computes.

An op is an immutable value object; its parameters are its identity (write
subclasses as ``@dataclass(frozen=True)``).  All of an op's meaning lives in
its class: how it builds a node (:meth:`make_node`, static output types),
its NumPy implementation (:meth:`perform`), and, added by later layers, its
shape, derivative and batching rules.  Backend lowerings live in the backend packages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from arignote.graph.basic import Apply, Variable


class NotDifferentiable(TypeError):
    """An op (or one of its inputs) has no derivative; the message names the op."""


class ShapeUnknown(Exception):
    """Raised by ``infer_shape`` when it cannot express an output shape symbolically."""


class NoBatchingRule(NotImplementedError):
    """An op (or this node of it) cannot be batched; the message says why."""


class Op:
    """Base class of all ops."""

    __slots__ = ()

    #: inputs that the output may be a view of (the output shares their memory)
    view_inputs: ClassVar[tuple[int, ...]] = ()
    #: whether the op maps its ``scalar_op`` over elements, so that rules tracking a
    #: scalar op type (``Log``) are offered its nodes.  Only `Elemwise` does; a
    #: reduction also has a ``scalar_op`` but is not "a log" or "an and".
    maps_scalar_op: ClassVar[bool] = False
    #: whether ``make_node`` is a function of the inputs' types alone (no values, no checks
    #: that could fail for inputs of the same types): the rewriter then rebuilds a node on
    #: inputs of unchanged types without calling it (Elemwise nodes, the most rebuilt ones)
    types_decide_outputs: ClassVar[bool] = False

    if TYPE_CHECKING:
        # For the type checker only: the subclasses in the layers above add their parameters
        # (an Elemwise's scalar_op, a reduction's axis), which code reaches through a plain
        # ``node.op``; such attributes are typed Any.  At run time a missing one still raises.
        def __getattr__(self, name: str) -> Any: ...

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # an op written to PyTensor's protocol (perform(node, inputs, output_storage), grad,
        # infer_shape(fgraph, ...), __props__) gets arignote's methods around those
        from arignote.graph.pytensor_protocol import adapt  # builds on this module

        adapt(cls)

    def make_node(self, *inputs: Any) -> Apply:
        """Check and convert ``inputs`` and return the interned node."""
        raise NotImplementedError

    if TYPE_CHECKING:
        # an op may give calling it a signature of its own (a distribution names its
        # parameters, as PyTensor's do), which a method here would make an incompatible override
        __call__: Callable[..., Any]
    else:
        def __call__(self, *inputs: Any) -> Any:
            """Apply the op: its output variable, or a list when it has several."""
            outputs = self.make_node(*inputs).outputs
            return outputs[0] if len(outputs) == 1 else list(outputs)

    def perform(self, *inputs: Any) -> Any:
        """NumPy implementation: values in, the output value (a tuple if several) out."""
        raise NotImplementedError(f"{type(self).__name__} has no NumPy implementation")

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        """The callable that the ``py`` backend runs for ``node``.

        Ops whose implementation depends on the node (its output dtype, say)
        override this to specialise once at compile time.
        """
        return self.perform

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Variable, ...]]:
        """The shape of each output as 0-d int64 variables built from ``input_shapes``.

        ``input_shapes[i]`` is the shape of ``node.inputs[i]`` (a tuple of 0-d
        int64 variables, constants where static).  The protocol is described
        in :mod:`arignote.tensor.shape_inference`; an op that cannot say
        raises :class:`ShapeUnknown` (the default).
        """
        raise ShapeUnknown(f"{type(self).__name__} does not infer its shape")

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        """Reverse-mode derivative rule: the cotangent of each input.

        ``inputs`` and ``outputs`` are the node's variables; ``cotangents[i]``
        is the cotangent of ``outputs[i]`` (same type), or None when that
        output does not reach the cost.  Return one entry per input: a
        variable of the input's dtype and shape, or None when the output does
        not depend on that input differentiably (an integer index, a shape).
        Ops without a rule raise :class:`NotDifferentiable` (the default).
        """
        raise NotDifferentiable(f"{self} has no derivative rule (pullback)")

    def differentiable_graph(self, inputs: Sequence[Variable],
                             outputs: Sequence[Variable]) -> list[Variable] | None:
        """For an op that stands for a graph of other ops (a fused elementwise node): that
        graph rebuilt on ``inputs``, one variable per output.  Autodiff then differentiates
        the graph instead of calling :meth:`pullback` or :meth:`pushforward` (the op needs
        no rules of its own, and this layer needs no derivative driver).  None, the
        default: the op has its own rules.
        """
        return None

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        """Forward-mode derivative rule: the tangent of each output.

        ``tangents[i]`` is the tangent of ``inputs[i]``, or None when it is
        zero.  Return one entry per output (None: zero).  Ops without a cheap
        rule leave this default, and forward mode is then derived from two
        pullbacks.
        """
        raise NotImplementedError(f"{self} has no pushforward rule")

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        """Batching rule: ``node`` applied along a new leading axis of length ``size``.

        ``inputs[k]`` is input ``k`` with that leading batch axis when
        ``batched[k]``, else the input itself.  Return one variable per output:
        with the batch axis in front, or of the original's rank when it does not
        vary along the batch (a shape).  Vectorized Jacobians and loop rewrites
        use it (:mod:`arignote.autodiff.vectorize`); ops without a rule raise
        :class:`NoBatchingRule` (the default), and their callers fall back.
        """
        raise NoBatchingRule(f"{self} has no batching rule")

    def params(self) -> dict[str, Any]:
        """The op's parameters (its identity), by name."""
        if dataclasses.is_dataclass(self):
            return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {}

    def __str__(self) -> str:
        params = self.params()
        if not params:
            return type(self).__name__
        inner = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{type(self).__name__}{{{inner}}}"

    __repr__ = __str__


def single_output(op: Op, *inputs: Variable) -> Variable:
    """Apply a one-output op (a small helper for the tensor API)."""
    return op.make_node(*inputs).outputs[0]


class _InnerGraphMeta(type):
    # isinstance(op, HasInnerGraph) holds for any op with an inner graph, by the attribute
    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Op) and hasattr(type(instance), "inner_graph")

    def __subclasscheck__(cls, subclass: type) -> bool:
        return isinstance(subclass, type) and issubclass(subclass, Op) and hasattr(subclass, "inner_graph")


class HasInnerGraph(metaclass=_InnerGraphMeta):
    """PyTensor's mark of the ops that hold a graph of their own (a loop's body, a graph
    made an op).  In arignote such an op has ``inner_graph``, its ``(inner inputs, inner
    outputs)``; ``isinstance(op, HasInnerGraph)`` tells whether it has one."""

    inner_graph: tuple[tuple[Variable, ...], tuple[Variable, ...]]
