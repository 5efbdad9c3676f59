"""The converter of PyTensor's ``FromFunctionOp``: the ops ``pytensor.wrap_py`` (and the
deprecated ``as_op``) make of a Python function.

The converted node is arignote's ``FromFunctionOp`` (:func:`arignote.compile.ops.wrap_py`)
on the same Python callable, with the op's ``itypes`` and ``otypes`` converted: every arignote
backend calls the function on the inputs' values as PyTensor does (JAX through a host
callback, which needs the outputs' shapes: static ``otypes`` or an ``infer_shape``).  Neither
library differentiates through it (PyTensor 3's ``wrap_py`` has no gradient argument; a
``pt.grad`` through the op fails before there is a graph to convert).

PyTensor's ``infer_shape(node, input_shapes)`` is handed arignote's node and shapes (0-d
int64 variables) unchanged: one that only picks input lengths (``[shapes[0]]``) or uses
Python arithmetic on them works as is; one that builds PyTensor ops on them cannot, and
then the shape is left to running the function (arignote's ``ShapeUnknown``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytensor.compile.ops import FromFunctionOp as PtFromFunctionOp

from arignote.graph.op import ShapeUnknown
from arignote.interop.pytensor.convert import convert_type, converters
from arignote.tensor.from_function import FromFunctionOp

__all__: list[str] = []


def _shape_function(pt_infer_shape: Callable[..., Any] | None) -> Callable[..., Any] | None:
    """PyTensor's shape function, made to say ``ShapeUnknown`` when it cannot work on
    arignote's variables."""
    if pt_infer_shape is None:
        return None

    def infer_shape(node: Any, input_shapes: list[Any]) -> Any:
        try:
            return pt_infer_shape(node, input_shapes)
        except Exception as exc:  # PyTensor ops applied to arignote variables, for instance
            raise ShapeUnknown(f"the infer_shape of a wrapped PyTensor function failed on arignote's "
                               f"shapes: {exc}") from exc
    return infer_shape


@converters.register(PtFromFunctionOp)
def _from_function(op: Any, node: Any, *inputs: Any) -> Any:
    # PyTensor keeps the callable and shape function in name-mangled private attributes
    fn = op._FromFunctionOp__fn
    pt_infer_shape = op._FromFunctionOp__infer_shape
    arignote_op = FromFunctionOp(fn, [convert_type(t) for t in op.itypes],
                                 [convert_type(t) for t in op.otypes], _shape_function(pt_infer_shape))
    return list(arignote_op.make_node(*inputs).outputs)
