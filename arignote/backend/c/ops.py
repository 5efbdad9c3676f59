"""Graph forms that only the C backend creates.

`ElemwiseReduce` is a reduction of an elementwise computation, as one node:
``sum(exp(x))`` becomes ``ElemwiseReduce(Sum, Exp)(x)``, which the C backend
runs as one loop that never stores ``exp(x)``.  The reduction is a
`CAReduce` (sum, prod, max, ...) or an arg-reduction (`Argmax`, `Argmin`).  The node is an ordinary op
(its NumPy implementation computes the elementwise part, then reduces), so a
graph holding it still runs anywhere; the ``lowering`` phase creates it only
for the C linker (see ``lowering.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from arignote.graph.basic import Apply
from arignote.graph.op import Op
from arignote.scalar.basic import ScalarOp
from arignote.tensor.basic import as_tensor_args
from arignote.tensor.elemwise import Elemwise, broadcast_static_shapes
from arignote.tensor.reduction import Argmax, Argmin, CAReduce
from arignote.tensor.shape_inference import broadcast_shapes
from arignote.tensor.type import TensorType


@dataclass(frozen=True)
class ElemwiseReduce(Op):
    """``reduce(Elemwise(scalar_op)(*inputs))`` in one node.

    ``reduce.axis`` refers to the axes of the broadcast inputs; ``scalar_op``
    has one output.
    """

    reduce: CAReduce | Argmax | Argmin
    scalar_op: ScalarOp

    def _elemwise_type(self, inputs: Sequence[Any]) -> TensorType:
        dtypes = self.scalar_op.output_dtypes(*[v.type.numpy_dtype for v in inputs])
        if len(dtypes) != 1:
            raise TypeError(f"{self}: the element function must have one output, not {len(dtypes)}")
        shape = broadcast_static_shapes([v.type.shape for v in inputs], str(self))
        return TensorType(dtypes[0], shape)

    def make_node(self, *inputs: Any) -> Apply:
        variables = as_tensor_args(*inputs)
        self.scalar_op.check_arity(len(variables))
        element = self._elemwise_type(variables)
        reduced_node = self.reduce.make_node(element.make_variable())
        return Apply.build(self, variables, [reduced_node.outputs[0].type])

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        element = self._elemwise_type(node.inputs).make_variable()
        elemwise = Elemwise(self.scalar_op).make_node(*node.inputs)
        compute = Elemwise(self.scalar_op).py_impl(elemwise)
        reduce = self.reduce.py_impl(self.reduce.make_node(element))

        def run(*values: Any) -> Any:
            return reduce(compute(*values))
        return run

    def perform(self, *values: Any) -> Any:
        return self.reduce.perform(Elemwise(self.scalar_op).perform(*values))

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:

        full = broadcast_shapes(input_shapes)
        if isinstance(self.reduce, CAReduce):
            reduced = self.reduce.reduced_axes(len(full))
        else:
            reduced = tuple(range(len(full))) if self.reduce.axis is None else (self.reduce.axis,)
        return [tuple(d for a, d in enumerate(full) if a not in reduced)]

    def __str__(self) -> str:
        return f"{self.reduce}<-{self.scalar_op}"
