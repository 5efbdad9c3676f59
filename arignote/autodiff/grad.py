"""``grad`` and ``Lop`` (``pullback``): gradients in reverse mode, with PyTensor's options."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from arignote.autodiff.errors import DisconnectedInputError, NullTypeGradError
from arignote.autodiff.reverse import backpropagate, is_inexact
from arignote.autodiff.undefined import DisconnectedType
from arignote.config import config
from arignote.graph.basic import Constant, Variable
from arignote.graph.traversal import ancestors, graph_inputs
from arignote.graph.type import is_undefined_gradient
from arignote.tensor.alloc import ones_like, second, zeros_like
from arignote.tensor.basic import as_tensor_variable, constant
from arignote.tensor.type import TensorType

__all__ = ["DisconnectedType", "grad", "Lop", "pullback"]

_DISCONNECTED_INPUTS = ("raise", "warn", "ignore")
_RETURN_DISCONNECTED = ("zero", "none", "disconnected")





def _as_variable_list(value: Any, what: str) -> tuple[list[Variable], bool]:
    """``value`` as a list of variables, and whether a single variable was given."""
    if isinstance(value, Variable):
        return [value], True
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{what} must be a variable or a list of variables, got {type(value).__name__}")
    out = []
    for position, v in enumerate(value):
        if not isinstance(v, Variable):
            try:
                v = as_tensor_variable(v)
            except TypeError:
                raise TypeError(f"{what}[{position}] must be a variable, got {type(v).__name__}") from None
        out.append(v)
    return out, False


def _check_option(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")


def _zero_gradient(var: Variable) -> Variable:
    """Zeros shaped like ``var``: in its dtype when it is a float, else in ``floatX`` (PyTensor's)."""
    return zeros_like(var, dtype=var.type.dtype if is_inexact(var) else config.floatX)


def _seeds(cost: Any, known_grads: Mapping[Variable, Any] | None) -> list[tuple[Variable, Variable | None]]:
    seeds: list[tuple[Variable, Variable | None]] = []
    if cost is not None:
        cost = as_tensor_variable(cost)
        if cost.ndim != 0:
            raise TypeError(f"grad: the cost must be a scalar (0-d), got {cost} of type {cost.type}; "
                            f"sum it, or use jacobian for a vector")
        seeds.append((cost, constant(1, dtype=cost.dtype) if is_inexact(cost) else None))
    for var, g in (known_grads or {}).items():
        if not isinstance(var, Variable):
            raise TypeError(f"grad: the keys of known_grads must be variables, got {type(var).__name__}")
        if is_undefined_gradient(g):  # PyTensor's NullType()(): a gradient known not to exist
            raise NullTypeGradError(f"grad: the known gradient of {var} is undefined ({g.type.why})")
        g = as_tensor_variable(g)
        if g.ndim != var.type.ndim:
            raise ValueError(f"grad: the known gradient of {var} ({var.type}) has {g.ndim} "
                             f"dimension(s), expected {var.type.ndim}")
        seeds.append((var, g if is_inexact(var) else None))
    return seeds


def grad(cost: Any, wrt: Any, consider_constant: Sequence[Variable] | None = None,
         disconnected_inputs: str = "raise", add_names: bool = True,
         known_grads: Mapping[Variable, Any] | None = None, return_disconnected: str = "zero",
         null_gradients: str = "raise") -> Any:
    """The gradient of the scalar ``cost`` with respect to ``wrt`` (a variable or a list).

    ``consider_constant``: variables not to differentiate through.
    ``disconnected_inputs``: what to do when the cost does not depend on a
    variable of ``wrt``: ``"raise"`` DisconnectedInputError, ``"warn"``,
    ``"ignore"``.  ``known_grads``: gradients of intermediate variables to
    start from (with them ``cost`` may be None).  ``return_disconnected``:
    the result for such a variable: ``"zero"`` (zeros like it), ``"none"``
    (None) or ``"disconnected"`` (a variable of `DisconnectedType`).
    Integer and boolean variables get zero gradients in ``floatX``, as in
    PyTensor.  Returns one variable for one ``wrt``, else a list.
    ``null_gradients`` is accepted for PyTensor compatibility: a missing
    derivative rule always raises NotDifferentiable naming the op.
    """
    if cost is None and not known_grads:
        raise ValueError("grad: give a cost or known_grads")
    _check_option("disconnected_inputs", disconnected_inputs, _DISCONNECTED_INPUTS)
    _check_option("return_disconnected", return_disconnected, _RETURN_DISCONNECTED)
    wrt_list, single = _as_variable_list(wrt, "wrt")
    seeds = _seeds(cost, known_grads)
    found = backpropagate(seeds, wrt_list, consider_constant or ())
    reachable = {id(v) for v in ancestors([v for v, _ in seeds])}

    # the cost's inputs, once for every gradient (see _keep_cost_inputs)
    cost_inputs = set() if cost is None else {v for v in graph_inputs([seeds[0][0]])
                                              if not isinstance(v, Constant)}
    results: list[Any] = []
    for var in wrt_list:
        cot = found.cotangent(var)
        if cot is not None:
            results.append(cot if cost is None else _keep_cost_inputs(seeds[0][0], cost_inputs, cot))
            continue
        if cost is not None and var is seeds[0][0]:
            # d cost / d cost is 1 whatever the dtype (PyTensor's contract: an integer cost
            # differentiated with respect to itself gives 1, though through any op it gives 0)
            results.append(ones_like(_zero_gradient(var)))
            continue
        if found.connected(var) and id(var) in reachable:
            results.append(_zero_gradient(var))
            continue
        _report_disconnected(var, disconnected_inputs)
        if return_disconnected == "zero":
            results.append(_zero_gradient(var))
        elif return_disconnected == "none":
            results.append(None)
        else:
            results.append(DisconnectedType().make_variable())
    if add_names and cost is not None and getattr(cost, "name", None):
        for var, g in zip(wrt_list, results):
            if isinstance(g, Variable) and g.name is None and g.owner is not None and var.name:
                g.name = f"(d{cost.name}/d{var.name})"
    return results[0] if single else results


def _keep_cost_inputs(cost: Variable, needed: set[Variable], gradient: Variable) -> Variable:
    """A gradient that still depends on every input of ``cost`` (as in PyTensor, whose
    gradients start from ``second(cost, 1)``): one that lost an input to build-time
    simplification, like ``grad(a + b, a) = 1``, becomes ``second(cost, g)``, so that
    ``function([a, b], g)`` finds both inputs used.  Rewriting removes the ``second``.
    ``needed``: the cost's non-constant graph inputs.  A gradient that is not a tensor (of a
    sparse matrix, of a list) is kept as it is: ``second`` makes tensors."""
    if needed.issubset(graph_inputs([gradient])) or not isinstance(gradient.type, TensorType):
        return gradient
    return second(cost, gradient)


def _report_disconnected(var: Variable, policy: str) -> None:
    message = (f"grad was asked for the gradient with respect to {var} ({var.type}), which the cost "
               f"does not depend on (or only through a non-differentiable path such as "
               f"disconnected_grad); pass disconnected_inputs='ignore' or 'warn' to allow it")
    if policy == "raise":
        raise DisconnectedInputError(message)
    if policy == "warn":
        warnings.warn(message, stacklevel=3)


def Lop(f: Any, wrt: Any, eval_points: Any, consider_constant: Sequence[Variable] | None = None,
        disconnected_inputs: str = "raise") -> Any:
    """The vector-Jacobian product: ``eval_points`` (cotangents of ``f``) pulled back to ``wrt``.

    ``f`` and ``eval_points`` are a variable each, or equal-length lists; the
    result has ``wrt``'s structure.
    """
    f_list, _ = _as_variable_list(f, "f")
    points, _ = _as_variable_list(eval_points, "eval_points")
    if len(f_list) != len(points):
        raise ValueError(f"Lop: {len(f_list)} output(s) but {len(points)} eval point(s)")
    return grad(None, wrt, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs,
                known_grads=dict(zip(f_list, points)), add_names=False)


def pullback(f: Any, wrt: Any, cotangents: Any, consider_constant: Sequence[Variable] | None = None,
             disconnected_inputs: str = "raise", return_disconnected: str = "zero") -> Any:
    """PyTensor 3's name of :func:`Lop`: ``cotangents`` (one per output of ``f``) pulled back to
    ``wrt``; ``return_disconnected`` (``"zero"``, ``"none"`` or ``"disconnected"``) as in
    :func:`grad`."""
    f_list, _ = _as_variable_list(f, "f")
    points, _ = _as_variable_list(cotangents, "cotangents")
    if len(f_list) != len(points):
        raise ValueError(f"pullback: {len(f_list)} output(s) but {len(points)} cotangent(s)")
    return grad(None, wrt, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs,
                known_grads=dict(zip(f_list, points)), add_names=False,
                return_disconnected=return_disconnected)
