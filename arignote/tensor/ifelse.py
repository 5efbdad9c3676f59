"""``ifelse(cond, then, else)``: one of two sets of values, by a scalar condition.

Where ``switch`` chooses element by element (and computes both sides), ``ifelse`` chooses the
whole of one branch.  The node ``IfElse(cond, *then_values, *else_values)`` has the meaning
of choosing; *lazy* evaluation, running only the branch taken, is the backends' business:
before linking for ``py`` or C, the work that only one branch needs is moved inside a lazy
node (:mod:`arignote.backend.branches`), and JAX runs it as ``lax.cond``.

The two branches must give values of the same dtypes and ranks; static lengths that differ
become unknown.  Derivatives go to the branch taken (the other branch gets zeros); the
condition has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.type import TensorType

__all__ = ["IfElse", "ifelse"]


def _joined_shape(a: tuple[int | None, ...], b: tuple[int | None, ...]) -> tuple[int | None, ...]:
    return tuple(x if x == y else None for x, y in zip(a, b))


@dataclass(frozen=True)
class IfElse(Op):
    """``n_outs`` values from the then-branch (inputs ``1 .. n_outs``) when the condition (input
    0, a scalar) is true, else from the else-branch (the next ``n_outs`` inputs)."""

    n_outs: int
    #: the outputs are views of the chosen inputs (PyTensor's ``as_view``); arignote's linkers
    #: never write into a value another node reads, so a view is safe
    as_view: bool = False
    name: str | None = None

    def __post_init__(self) -> None:
        if self.n_outs < 1:
            raise ValueError(f"IfElse: n_outs must be at least 1, got {self.n_outs}")

    def make_node(self, cond: Any, *values: Any) -> Apply:
        cond = as_tensor_variable(cond)
        if cond.ndim != 0:
            raise TypeError(f"ifelse: the condition must be a scalar, got {cond.type}")
        if len(values) != 2 * self.n_outs:
            raise TypeError(f"IfElse: expected {2 * self.n_outs} branch values, got {len(values)}")
        then_values = [as_tensor_variable(v) for v in values[:self.n_outs]]
        else_values = [as_tensor_variable(v) for v in values[self.n_outs:]]
        types = []
        for k, (t, e) in enumerate(zip(then_values, else_values)):
            if t.ndim != e.ndim:
                raise TypeError(f"ifelse: output {k} has {t.ndim} dimension(s) in the then-branch "
                                f"and {e.ndim} in the else-branch ({t.type} vs {e.type})")
            if t.dtype != e.dtype:
                raise TypeError(f"ifelse: output {k} has dtype {t.dtype} in the then-branch and "
                                f"{e.dtype} in the else-branch; cast one of them")
            types.append(TensorType(t.dtype, _joined_shape(t.type.shape, e.type.shape)))
        return Apply.build(self, [cond, *then_values, *else_values], types)

    def perform(self, cond: Any, *values: Any) -> Any:
        chosen = values[:self.n_outs] if bool(cond) else values[self.n_outs:]
        results = tuple(v if self.as_view else np.array(v, copy=True) for v in chosen)
        return results[0] if self.n_outs == 1 else results

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[Any]:
        from arignote.tensor.math import switch

        cond = node.inputs[0]
        shapes = []
        for k in range(self.n_outs):
            then_shape, else_shape = input_shapes[1 + k], input_shapes[1 + self.n_outs + k]
            shapes.append(tuple(t if t is e else switch(cond, t, e) for t, e in zip(then_shape, else_shape)))
        return shapes

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        """The cotangent of each output goes to the branch taken: ``ifelse(c, g, 0)`` to the
        then-value, ``ifelse(c, 0, g)`` to the else-value (zeros of that value's shape)."""
        from arignote.tensor.alloc import zeros_like

        cond = inputs[0]
        n = self.n_outs
        result: list[Variable | None] = [None] * len(inputs)
        for k, g in enumerate(cotangents):
            if g is None:
                continue
            then_value, else_value = inputs[1 + k], inputs[1 + n + k]
            if then_value.type.numpy_dtype.kind in "fc":
                result[1 + k] = ifelse(cond, g, zeros_like(then_value, dtype=g.dtype))
            if else_value.type.numpy_dtype.kind in "fc":
                result[1 + n + k] = ifelse(cond, zeros_like(else_value, dtype=g.dtype), g)
        return result

    def batch(self, node: Apply, inputs: Sequence[Any], batched: Sequence[bool], size: Any) -> list[Any]:
        """A batch of conditions chooses element by element (``switch``); a single condition
        chooses between batched branches."""
        from arignote.tensor.alloc import broadcast_to
        from arignote.tensor.dimshuffle import expand_dims
        from arignote.tensor.math import switch
        from arignote.tensor.shape import shape_tuple

        n = self.n_outs
        values = list(inputs[1:])
        leading = [v if b else broadcast_to(expand_dims(v, 0), (size, *shape_tuple(v)))
                   for v, b in zip(values, batched[1:])] if any(batched[1:]) else values
        if not batched[0]:
            return list(self.make_node(inputs[0], *leading).outputs)
        cond = inputs[0]
        outs = []
        for k in range(n):
            t, e = leading[k], leading[n + k]
            if not any(batched[1:]):  # the branch values gain the batch axis of the condition
                t = broadcast_to(expand_dims(t, 0), (size, *shape_tuple(t)))
                e = broadcast_to(expand_dims(e, 0), (size, *shape_tuple(e)))
            c = cond.dimshuffle(0, *["x"] * (t.ndim - 1))
            outs.append(switch(c, t, e))
        return outs


def ifelse(condition: Any, then_branch: Any, else_branch: Any, name: str | None = None) -> Any:
    """``then_branch`` if ``condition`` (a scalar) is true, else ``else_branch``: each a variable
    or a list of them (the result is of the same kind).  Only the branch taken runs on the
    ``py`` and C backends (the work only the other branch needs is skipped); JAX runs it as
    ``lax.cond``."""
    single = not isinstance(then_branch, (list, tuple))
    then_values = [then_branch] if single else list(then_branch)
    else_values = [else_branch] if not isinstance(else_branch, (list, tuple)) else list(else_branch)
    if len(then_values) != len(else_values):
        raise ValueError(f"ifelse: the then-branch has {len(then_values)} value(s) and the "
                         f"else-branch {len(else_values)}")
    if not then_values:
        raise ValueError("ifelse: the branches are empty")
    pairs = []
    for t, e in zip(then_values, else_values):
        t, e = as_tensor_variable(t), as_tensor_variable(e)
        if t.dtype != e.dtype:  # PyTensor's rule: a Python number or lower dtype is cast up
            from arignote.tensor.basic import cast

            common = np.result_type(t.type.numpy_dtype, e.type.numpy_dtype).name
            t, e = cast(t, common), cast(e, common)
        pairs.append((t, e))
    node = IfElse(len(pairs), name=name).make_node(condition, *[t for t, _ in pairs], *[e for _, e in pairs])
    outputs = list(node.outputs)
    return outputs[0] if single else outputs
