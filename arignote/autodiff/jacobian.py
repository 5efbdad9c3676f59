"""``jacobian``, ``hessian`` and ``hessian_vector_product``.

The Jacobian of ``y`` (``n`` elements) is ``n`` vector-Jacobian products, one
per basis cotangent.  Rather than building ``n`` gradient graphs, the
backward graph is built once for a placeholder cotangent ``u`` and then
*batched* over a leading axis (:mod:`arignote.autodiff.vectorize`): every
node that depends on ``u`` gets a leading batch axis, and ``u`` becomes the
identity matrix, so one graph computes all rows at once (its dots become
matrix products).  Reverse mode is the right direction for the backward
graph because its nodes are the ops' own pullbacks, few kinds of ops,
which all have batching rules; forward-mode columns would need batching
rules for the pushforward of every op instead.

Where some node of the backward graph has no batching rule, the Jacobian is
built row by row instead: one pullback per element of ``y``, which needs
``y``'s size to be known when the graph is built (there is no loop op yet
to run rows at run time).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.autodiff.grad import grad
from arignote.autodiff.vectorize import NoBatchingRule, batched_pullback
from arignote.graph import hooks
from arignote.graph.basic import Variable
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.join import stack
from arignote.tensor.math import add
from arignote.tensor.shape import flatten, reshape, shape_tuple
from arignote.tensor.variable import TensorVariable

__all__ = ["jacobian", "hessian", "hessian_vector_product"]


def _as_list(wrt: Any) -> tuple[list[Variable], bool]:
    if isinstance(wrt, (list, tuple)):
        return [as_tensor_variable(w) if not isinstance(w, Variable) else w for w in wrt], False
    return [wrt], True


def _as_given(results: list[Any], wrt: Any) -> Any:
    """``results`` in the container ``wrt`` came in: one value, a tuple or a list."""
    if isinstance(wrt, tuple):
        return tuple(results)
    return results if isinstance(wrt, list) else results[0]


def jacobian(expression: Any, wrt: Any, consider_constant: Sequence[Variable] | None = None,
             disconnected_inputs: str = "raise", vectorize: bool = True) -> Any:
    """The Jacobian of ``expression`` with respect to ``wrt`` (a variable or a list).

    Each result has shape ``expression.shape + w.shape``; for a 0-d
    expression it is the gradient.  ``vectorize=False`` builds the rows one
    by one (``expression`` must then have a static size).
    """
    expression = as_tensor_variable(expression)
    wrt_list, _ = _as_list(wrt)
    kwargs: dict[str, Any] = {"consider_constant": consider_constant,
                              "disconnected_inputs": disconnected_inputs}
    if expression.ndim == 0:
        return _as_given(list(grad(expression, wrt_list, **kwargs)), wrt)
    flat = flatten(expression, 1)
    rows = None
    why = "vectorize=False"  # why the rows are built one by one
    if vectorize:
        try:
            rows = batched_pullback(flat, wrt_list, **kwargs)
        except NoBatchingRule as exc:
            why = str(exc)
    if rows is None:
        rows = _rows_one_by_one(flat, wrt_list, kwargs, why)
    results = []
    for w, j in zip(wrt_list, rows):
        target = [*shape_tuple(expression), *shape_tuple(w)]
        results.append(reshape(j, target) if expression.ndim != 1 else j)
    return _as_given(results, wrt)


def _rows_one_by_one(flat: TensorVariable, wrt: list[Variable], kwargs: dict[str, Any],
                     why: str) -> list[Variable]:
    """The Jacobian rows one pullback at a time (``why``: why they were not batched): unrolled
    for a static size, by a loop (``arignote.loop``) otherwise."""
    size = flat.type.shape[0]
    if size is None:
        # the number of rows is known only at run time: a loop computes them, one per step
        return list(hooks.jacobian_rows(flat, wrt, kwargs))
    per_row = [grad(flat[i], wrt, **kwargs) for i in range(size)]
    return [stack([row[k] for row in per_row]) for k in range(len(wrt))]


def hessian(cost: Any, wrt: Any, consider_constant: Sequence[Variable] | None = None,
            disconnected_inputs: str = "raise", vectorize: bool = True) -> Any:
    """The Hessian of the scalar ``cost`` with respect to each of ``wrt``: for each ``w``, the
    Jacobian of ``grad(cost, w)`` with respect to ``w`` (shape ``w.shape + w.shape``)."""
    cost = as_tensor_variable(cost)
    if cost.ndim != 0:
        raise TypeError(f"hessian: the cost must be a scalar (0-d), got {cost.type}")
    wrt_list, _ = _as_list(wrt)
    results = []
    for w in wrt_list:
        g = grad(cost, w, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs)
        results.append(jacobian(g, w, consider_constant=consider_constant,
                                disconnected_inputs=disconnected_inputs, vectorize=vectorize))
    return _as_given(results, wrt)


def hessian_vector_product(cost: Any, wrt: Any, p: Any, **grad_kwargs: Any) -> Any:
    """``H p`` for the Hessian ``H`` of ``cost`` with respect to ``wrt`` (lists for several):
    ``grad(sum(grad(cost, wrt) * p), wrt)``, which never forms ``H``."""
    wrt_list, single = _as_list(wrt)
    points = [as_tensor_variable(v) for v in (p if isinstance(p, (list, tuple)) else [p])]
    if len(points) != len(wrt_list):
        raise ValueError(f"hessian_vector_product: {len(wrt_list)} variable(s) but {len(points)} vector(s)")
    grads = grad(cost, wrt_list, **grad_kwargs)
    inner = add(*[(g * v).sum() for g, v in zip(grads, points)])
    result = grad(inner, wrt_list, **grad_kwargs)
    return result[0] if single else result
