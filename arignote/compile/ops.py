"""PyTensor's ``pytensor.compile.ops`` path: ``wrap_py`` (a Python function as an op,
:mod:`arignote.tensor.from_function`), ``as_op``, its older, deprecated name, and the copy
op's names (``DeepCopyOp``, ``deep_copy_op``)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from arignote.graph.basic import Apply
from arignote.scalar.math import Identity
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.from_function import FromFunctionOp, wrap_py

__all__ = ["DeepCopyOp", "FromFunctionOp", "as_op", "deep_copy_op", "wrap_py"]


def as_op(itypes: Any, otypes: Any, infer_shape: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """PyTensor's older name of :func:`wrap_py` (deprecated there, with this warning)."""
    warnings.warn("as_op is deprecated (as in PyTensor); use wrap_py", FutureWarning, stacklevel=2)
    return wrap_py(itypes, otypes, infer_shape)


class _CopyOpMeta(type):
    # arignote's copy node is an elementwise identity (``x.copy()``, ``tensor_copy``):
    # isinstance(op, DeepCopyOp) recognises it
    def __instancecheck__(cls, instance: Any) -> bool:
        return type.__instancecheck__(cls, instance) or (
            isinstance(instance, Elemwise) and isinstance(instance.scalar_op, Identity))


class DeepCopyOp(metaclass=_CopyOpMeta):
    """PyTensor's copy op, which it puts on function outputs that would alias an input.
    arignote's copy is the elementwise identity (``x.copy()``); ``deep_copy_op(x)`` builds it,
    and ``isinstance(node.op, DeepCopyOp)`` holds for its nodes.  A compiled function never
    needs one: its outputs never share memory with its inputs (the program copies them)."""

    def make_node(self, x: Any) -> Apply:
        return Elemwise(Identity()).make_node(as_tensor_variable(x))

    def __call__(self, x: Any) -> Any:
        return self.make_node(x).outputs[0]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DeepCopyOp)

    def __hash__(self) -> int:
        return hash(DeepCopyOp)

    def __str__(self) -> str:
        return "DeepCopyOp"


deep_copy_op = DeepCopyOp()
