"""Reparameterised derivatives of draws (an extension: PyTensor has none).

A draw ``x = T(params, z)`` with ``z`` a draw free of the parameters (``x = loc + scale * z``)
has a derivative with respect to the parameters at fixed ``z``: the pathwise (reparameterised)
gradient that stochastic variational inference needs.  ``z`` is not an output of the node, but
``T`` is invertible in ``z``, so each rule recovers ``z`` from the draw itself
(``z = (x - loc) / scale``) and needs nothing else.  The next generator's cotangent is ignored
(a generator is not a differentiable value); the generator and ``size`` get None.

The distributions' classes take these rules as their ``pullback`` (``NormalRV.pullback =
location_scale_pullback``); every other draw keeps :meth:`RandomVariable.pullback`, which
raises ``NotDifferentiable``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.graph.basic import Variable
from arignote.tensor import math as tm
from arignote.tensor.basic import cast
from arignote.tensor.random.op import RandomVariable
from arignote.tensor.shape import shape
from arignote.tensor.sum_to import sum_to

__all__ = ["exponential_pullback", "location_scale_pullback", "lognormal_pullback", "param_cotangents",
           "uniform_pullback"]


def _is_float(v: Variable) -> bool:
    return v.type.numpy_dtype.kind == "f"


def param_cotangents(inputs: Sequence[Any], terms: Sequence[Any]) -> list[Any]:
    """The pullback's result: None for the generator (and ``size``), and for each parameter its
    term (of the draw's shape) summed to the parameter's shape, in its dtype; None for an
    integer parameter (no cotangent) or a None term."""
    result: list[Any] = [None, None]
    for p, term in zip(inputs[2:], terms):
        if term is None or not _is_float(p):
            result.append(None)
            continue
        # sum_to, not sum_to_like: ``size`` can stretch an axis that is not statically 1
        summed = sum_to(term, shape(p))
        result.append(summed if summed.dtype == p.dtype else cast(summed, p.dtype))
    return result


def _parts(inputs: Sequence[Any], outputs: Sequence[Any],
           cotangents: Sequence[Any]) -> tuple[list[Any], Any, Any]:
    return list(inputs[2:]), outputs[1], cotangents[1]


def location_scale_pullback(self: RandomVariable, inputs: Sequence[Any], outputs: Sequence[Any],
                            cotangents: Sequence[Any]) -> list[Any]:
    """``x = loc + scale * z``: ``loc̄ = ḡ``, ``scalē = ḡ z`` with ``z = (x - loc) / scale``
    (the parameters are ``(loc, scale)``)."""
    (loc, scale), x, g = _parts(inputs, outputs, cotangents)
    if g is None:
        return [None] * len(inputs)
    return param_cotangents(inputs, [g, g * ((x - loc) / scale)])


def uniform_pullback(self: RandomVariable, inputs: Sequence[Any], outputs: Sequence[Any],
                      cotangents: Sequence[Any]) -> list[Any]:
    """``x = low + (high - low) u``: ``low̄ = ḡ (1 - u)``, ``high̄ = ḡ u``, ``u = (x - low) /
    (high - low)``."""
    (low, high), x, g = _parts(inputs, outputs, cotangents)
    if g is None:
        return [None] * len(inputs)
    u = (x - low) / (high - low)
    return param_cotangents(inputs, [g * (1.0 - u), g * u])


def exponential_pullback(self: RandomVariable, inputs: Sequence[Any], outputs: Sequence[Any],
                          cotangents: Sequence[Any]) -> list[Any]:
    """``x = scale * e``: ``scalē = ḡ x / scale``."""
    (scale,), x, g = _parts(inputs, outputs, cotangents)
    if g is None:
        return [None] * len(inputs)
    return param_cotangents(inputs, [g * (x / scale)])


def lognormal_pullback(self: RandomVariable, inputs: Sequence[Any], outputs: Sequence[Any],
                        cotangents: Sequence[Any]) -> list[Any]:
    """``x = exp(mean + sigma z)``: ``mean̄ = ḡ x``, ``sigmā = ḡ x z`` with ``z = (log x -
    mean) / sigma``."""
    (mean, sigma), x, g = _parts(inputs, outputs, cotangents)
    if g is None:
        return [None] * len(inputs)
    gx = g * x
    return param_cotangents(inputs, [gx, gx * ((tm.log(x) - mean) / sigma)])
