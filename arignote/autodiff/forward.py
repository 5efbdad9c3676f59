"""Forward mode: tangents pushed from inputs to outputs; ``Rop`` (``pushforward``).

Each node uses its op's :meth:`Op.pushforward` rule when it has one (the
elementwise ops, the linear ops: cheap, no extra work).  Otherwise the
tangent of the node's outputs is built from two pullbacks: with ``u`` a
placeholder cotangent of the outputs, ``v(u) = J^T u`` is linear in ``u``,
so pulling the tangent ``t`` back through ``v`` with respect to ``u`` gives
``J t``.  The placeholder cannot survive (a linear map's derivative does
not depend on where it is taken); should a rule keep it anyway it is
replaced by zeros.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from arignote.autodiff.errors import DisconnectedInputError
from arignote.autodiff.reverse import _call_pullback, backpropagate, is_inexact
from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NotDifferentiable
from arignote.graph.replace import graph_replace
from arignote.graph.traversal import ancestors, toposort
from arignote.tensor.alloc import zeros_like
from arignote.tensor.basic import as_tensor_variable, cast

__all__ = ["push_forward", "Rop", "pushforward"]


def push_forward(outputs: Sequence[Variable], inputs: Sequence[Variable],
                 tangents: Sequence[Variable | None]) -> list[Variable | None]:
    """The tangent of each of ``outputs`` given those of ``inputs`` (None: zero)."""
    known: dict[int, Variable] = {id(i): t for i, t in zip(inputs, tangents)
                                  if t is not None and is_inexact(i)}
    for node in toposort(outputs):
        given = [known.get(id(i)) for i in node.inputs]
        if all(t is None for t in given) or not any(is_inexact(o) for o in node.outputs):
            continue  # no tangent comes in, or none can go out (integer outputs: shapes, indices)
        for out, t in zip(node.outputs, _node_tangents(node, given)):
            if t is not None and is_inexact(out):
                known[id(out)] = _fit_tangent(t, out, node)
    return [known.get(id(o)) for o in outputs]


def _node_tangents(node: Apply, tangents: list[Variable | None]) -> list[Variable | None]:
    try:
        graph = node.op.differentiable_graph(node.inputs, node.outputs)
        if graph is not None:  # a node standing for a graph (a fused one): push forward through it
            result = push_forward(graph, list(node.inputs), tangents)
        else:
            result = node.op.pushforward(node.inputs, node.outputs, tangents)
    except NotImplementedError:
        return _tangents_from_pullbacks(node, tangents)
    except NotDifferentiable as exc:
        where = node.where()
        raise NotDifferentiable(f"cannot differentiate through {node.op}"
                                f"{f' (built at {where})' if where else ''}: {exc}") from exc
    result = list(result)
    if len(result) != len(node.outputs):
        raise TypeError(f"{node.op}.pushforward returned {len(result)} tangent(s) for "
                        f"{len(node.outputs)} output(s)")
    return result


def _tangents_from_pullbacks(node: Apply, tangents: list[Variable | None]) -> list[Variable | None]:
    """``J t`` for one node from its pullback ``u -> J^T u``, differentiated in ``u``."""
    placeholders = [o.type.make_variable(f"u{k}") if is_inexact(o) else None
                    for k, o in enumerate(node.outputs)]
    pulled = _call_pullback(node, placeholders)
    seeds = [(v, t) for v, t in zip(pulled, tangents)
             if v is not None and t is not None and is_inexact(v)]
    wanted = [u for u in placeholders if u is not None]
    if not seeds or not wanted:
        return [None] * len(node.outputs)
    found = backpropagate(seeds, wanted)
    results: list[Variable | None] = []
    for u in placeholders:
        cot = None if u is None else found.cotangent(u)
        results.append(cot)
    return _without_placeholders(results, placeholders, node.outputs)


def _without_placeholders(results: list[Variable | None], placeholders: Sequence[Variable | None],
                          like: Sequence[Variable]) -> list[Variable | None]:
    """``results`` with any placeholder still referenced (through its shape, say) replaced by
    zeros of the variable it stood for: the values do not depend on it."""
    present = {id(v) for v in ancestors([r for r in results if r is not None])}
    swaps = {u: _zeros_like(o) for u, o in zip(placeholders, like) if u is not None and id(u) in present}
    if not swaps:
        return results
    replaced = graph_replace([r for r in results if r is not None], swaps, strict=False)
    walk = iter(replaced)
    return [None if r is None else next(walk) for r in results]


def _zeros_like(var: Variable) -> Variable:
    return zeros_like(var)


def _fit_tangent(t: Variable, out: Variable, node: Apply) -> Variable:
    t = as_tensor_variable(t)
    if t.ndim != out.type.ndim:
        raise ValueError(f"{node.op}.pushforward gave {out} ({out.type}) a tangent of type {t.type}")
    if t.dtype != out.type.dtype:
        t = cast(t, out.type.dtype)
    return t


def _as_list(value: Any, what: str) -> tuple[list[Any], bool]:
    if isinstance(value, (list, tuple)):
        return [as_tensor_variable(v) for v in value], False
    if value is None:
        raise TypeError(f"{what} must be a variable or a list of variables, got None")
    return [as_tensor_variable(value)], True


def Rop(f: Any, wrt: Any, eval_points: Any, disconnected_outputs: str = "raise",
        return_disconnected: str = "zero", use_op_rop_implementation: bool = True) -> Any:
    """The Jacobian-vector product of ``f`` with respect to ``wrt`` at ``eval_points``
    (tangents of ``wrt``, same structure); the result has ``f``'s structure.

    ``disconnected_outputs``: ``"raise"``, ``"warn"`` or ``"ignore"`` when an
    output of ``f`` does not depend on ``wrt``; ``return_disconnected``:
    ``"zero"`` or ``"none"`` for it.  With ``use_op_rop_implementation=False``
    every node goes through the two-pullback construction (PyTensor's option).
    """
    f_list, single = _as_list(f, "f")
    wrt_list, _ = _as_list(wrt, "wrt")
    points, _ = _as_list(eval_points, "eval_points")
    if len(wrt_list) != len(points):
        raise ValueError(f"Rop: {len(wrt_list)} variable(s) in wrt but {len(points)} eval point(s)")
    for w, p in zip(wrt_list, points):
        if p.ndim != w.ndim:
            raise ValueError(f"Rop: the eval point for {w} ({w.type}) has {p.ndim} dimension(s)")
    if use_op_rop_implementation:
        tangents = push_forward(f_list, wrt_list, points)
    else:
        tangents = _rop_by_two_pullbacks(f_list, wrt_list, points)
    results = []
    for out, t in zip(f_list, tangents):
        if t is None:
            if disconnected_outputs == "raise":
                raise DisconnectedInputError(f"Rop: the output {out} does not depend on wrt")
            if disconnected_outputs == "warn":
                warnings.warn(f"Rop: the output {out} does not depend on wrt", stacklevel=2)
            t = zeros_like(out) if return_disconnected == "zero" else None
        results.append(t)
    return results[0] if single else results


def _rop_by_two_pullbacks(f_list: list[Variable], wrt: list[Variable],
                          points: list[Variable]) -> list[Variable | None]:
    """``J t`` for the whole graph: ``u -> J^T u`` differentiated in ``u`` at ``t``."""
    placeholders = [o.type.make_variable("u") for o in f_list]
    found = backpropagate(list(zip(f_list, placeholders)), wrt)
    pulled = [(found.cotangent(w), p) for w, p in zip(wrt, points)]
    seeds = [(v, p) for v, p in pulled if v is not None]
    if not seeds:
        return [None] * len(f_list)
    back = backpropagate(seeds, placeholders)
    return _without_placeholders([back.cotangent(u) for u in placeholders], placeholders, f_list)


def pushforward(f: Any, wrt: Any, tangents: Any, disconnected_outputs: str = "raise",
                return_disconnected: str = "zero", use_op_pushforward: bool = True) -> Any:
    """PyTensor 3's name of :func:`Rop`: the Jacobian of ``f`` times ``tangents`` (one per
    ``wrt``)."""
    return Rop(f, wrt, tangents, disconnected_outputs, return_disconnected, use_op_pushforward)
