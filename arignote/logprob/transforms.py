"""Value transforms: bijections from an unconstrained space onto a distribution's support.

An optimiser or a sampler moves freely in ``R^m``; a random variable's value may have to be
positive, in an interval, on a simplex, increasing or a correlation factor.  A
:class:`Transform` maps between the two:

* ``forward(x)``: constrained value -> unconstrained ``u``;
* ``backward(u)``: unconstrained -> constrained (the map a density is pulled back through);
* ``log_jac_det(u)``: ``log |det d backward / d u|``, elementwise for the elementwise
  transforms, reduced over the ``ndim_supp`` trailing event axes of the constrained value
  otherwise (the last axis for ``simplex`` and ``ordered``, the last two for
  :class:`CholeskyCorr`).

The density of ``u`` is ``p(backward(u)) * |det J(u)|``, so its log is
``logp(backward(u)) + log_jac_det(u)``: :func:`~arignote.logprob.transformed.transformed_logp`
builds that sum.

A transform carries its own parameters (an interval's bounds) as tensors, possibly
expressions of other random variables (``uniform(0, tau)``'s upper bound is ``tau``);
``transformed_conditional_logp`` replaces those by their values, as ``conditional_logp``
does for a distribution's parameters.  Its methods therefore take only the value.

Every formula is written where it stays accurate at the edges of the support and for large
``|u|`` (``softplus`` rather than ``log(1 + exp)``, ``logsumexp``, no ``1 - sigmoid``); the
comments give the reason case by case.  The simplex, ordered and Cholesky transforms are in
:mod:`arignote.logprob.transforms_matrix`.
"""

from __future__ import annotations

import abc
import math
import numbers
from typing import Any

import numpy as np

import arignote.tensor as at
from arignote.graph.basic import Constant
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.variable import TensorVariable

__all__ = ["Interval", "LogTransform", "Transform", "as_float_tensor", "log", "lower_bounded"]


def as_float_tensor(value: Any, owner: str, what: str, min_ndim: int = 0) -> TensorVariable:
    """``value`` as a floating-point tensor of at least ``min_ndim`` dimensions; a clear
    ``TypeError``/``ValueError`` naming ``owner`` and ``what`` otherwise."""
    try:
        out = as_tensor_variable(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{owner}: the {what} must be a tensor, got {type(value).__name__}") from error
    if out.type.numpy_dtype.kind not in "iuf":
        raise TypeError(f"{owner}: the {what} must be real, got dtype {out.dtype}")
    if out.type.numpy_dtype.kind != "f":
        out = at.cast(out, "float64")
    if out.type.ndim < min_ndim:
        raise ValueError(f"{owner}: the {what} needs at least {min_ndim} dimension(s) "
                         f"(its event axes), got {out.type}")
    return out


class Transform(abc.ABC):
    """A bijection between a constrained support and an unconstrained space (see the module).

    Subclasses set ``name``, ``ndim_supp`` (the trailing axes of the constrained value one event
    spans, over which ``log_jac_det`` is reduced) and ``ndim_supp_unconstrained`` (the same for
    ``u``: 1 rather than 2 for the Cholesky factor, whose ``n x n`` value is a vector of
    ``n (n - 1) / 2`` reals), and define the three maps.
    """

    name: str = "transform"
    ndim_supp: int = 0
    ndim_supp_unconstrained: int = 0

    @abc.abstractmethod
    def forward(self, value: Any) -> TensorVariable:
        """The unconstrained ``u`` of a constrained ``value``."""

    @abc.abstractmethod
    def backward(self, u: Any) -> TensorVariable:
        """The constrained value of an unconstrained ``u``."""

    @abc.abstractmethod
    def log_jac_det(self, u: Any) -> TensorVariable:
        """``log |det d backward / d u|`` at ``u``, reduced over the event axes."""

    def unconstrained_ndim(self, constrained_ndim: int) -> int:
        """The rank of ``u`` for a constrained value of rank ``constrained_ndim``."""
        return constrained_ndim - self.ndim_supp + self.ndim_supp_unconstrained

    def _value(self, value: Any, what: str) -> TensorVariable:
        need = self.ndim_supp if what == "value" else self.ndim_supp_unconstrained
        return as_float_tensor(value, f"{self.name} transform", what, need)

    def __repr__(self) -> str:
        return f"<{self.name} transform>"


# --- log: (0, inf) <-> R ------------------------------------------------------------------

class LogTransform(Transform):
    """``x = exp(u)`` for ``x > 0``: ``u = log(x)``, ``log |dx/du| = u``."""

    name = "log"

    def forward(self, value: Any) -> TensorVariable:
        return at.log(self._value(value, "value"))

    def backward(self, u: Any) -> TensorVariable:
        return at.exp(self._value(u, "unconstrained value"))

    def log_jac_det(self, u: Any) -> TensorVariable:
        # d exp(u) / du = exp(u): its log is u itself, exact for any u (exp(u) may overflow
        # or underflow; its log never does)
        return self._value(u, "unconstrained value")


#: the log transform (stateless: one instance serves every variable)
log = LogTransform()


# --- interval: (lower, upper), (lower, inf), (-inf, upper) <-> R --------------------------

def _bound(bound: Any, what: str) -> Any:
    """A bound as a Python float (a weak constant: it keeps a float32 value float32) when it is
    a number, else as a tensor (a parameter of the graph, possibly of another random
    variable)."""
    if bound is None:
        return None
    if isinstance(bound, numbers.Real) and not isinstance(bound, bool):
        return float(bound)
    if isinstance(bound, np.ndarray) and bound.ndim == 0:
        return float(bound)
    return as_float_tensor(bound, "Interval transform", what)


class Interval(Transform):
    """The support ``(lower, upper)`` <-> R; either bound may be None (unbounded there).

    * both bounds: log-odds, ``u = log(x - lower) - log(upper - x)``,
      ``x = lower + (upper - lower) * sigmoid(u)``;
    * ``lower`` only: ``u = log(x - lower)``, ``x = lower + exp(u)``;
    * ``upper`` only: ``u = log(upper - x)``, ``x = upper - exp(u)``.

    The bounds may be numbers, arrays or tensors (broadcasting against the value).
    """

    name = "interval"

    def __init__(self, lower: Any = None, upper: Any = None) -> None:
        if lower is None and upper is None:
            raise ValueError("Interval transform: give a lower bound, an upper bound or both "
                             "(with neither, the variable is unconstrained: use no transform)")
        self.lower = _bound(lower, "lower bound")
        self.upper = _bound(upper, "upper bound")
        if isinstance(self.lower, float) and isinstance(self.upper, float) \
                and not self.lower < self.upper:
            raise ValueError(f"Interval transform: lower < upper is required, got "
                             f"lower={self.lower}, upper={self.upper}")

    def forward(self, value: Any) -> TensorVariable:
        x = self._value(value, "value")
        if self.upper is None:
            return at.log(x - self.lower)
        if self.lower is None:
            return at.log(self.upper - x)
        # two logs of the two distances rather than logit((x - l) / (u - l)): each distance is
        # computed to within an ulp of x, whichever bound x is near
        return at.log(x - self.lower) - at.log(self.upper - x)

    def backward(self, u: Any) -> TensorVariable:
        u = self._value(u, "unconstrained value")
        if self.upper is None:
            return self.lower + at.exp(u)
        if self.lower is None:
            return self.upper - at.exp(u)
        width = self.upper - self.lower
        # one sigmoid, not a switch between the two bounds: a density of the value sees
        # sigmoid(u), and the stabilize rules turn its log(x - lower) and log(upper - x) into
        # -softplus(-u) and -softplus(u), exact in log space where the value rounds to a bound
        return self.lower + width * at.sigmoid(u)

    def log_jac_det(self, u: Any) -> TensorVariable:
        u = self._value(u, "unconstrained value")
        if self.lower is None or self.upper is None:
            return u  # |d(bound +- exp(u))/du| = exp(u)
        # d/du sigmoid(u) = sigmoid(u) sigmoid(-u): log sigmoid(+-u) = -softplus(-+u), accurate
        # for every u (no log of a rounded-to-1 or underflowed sigmoid)
        width = self.upper - self.lower
        # a number's log in Python: a NumPy/tensor constant would make a float32 u float64
        log_width = math.log(width) if isinstance(width, float) else at.log(width)
        return log_width - at.softplus(u) - at.softplus(-u)

    def __repr__(self) -> str:
        return f"<interval transform ({self.lower}, {self.upper})>"


def _is_zero_constant(bound: Any) -> bool:
    if isinstance(bound, numbers.Real):
        return float(bound) == 0.0
    return isinstance(bound, Constant) and bool(np.all(np.asarray(bound.data) == 0))


def lower_bounded(lower: Any) -> Transform:
    """The transform of the support ``(lower, inf)``: :data:`log` when ``lower`` is the
    constant 0, else ``Interval(lower, None)`` (``log(x - lower)``, the same map shifted)."""
    return log if _is_zero_constant(lower) else Interval(lower, None)


# one namespace for every transform (``transforms.simplex`` as ``transforms.log``): the matrix
# ones live in their own module, which builds on Transform above, hence the import here
from arignote.logprob.transforms_matrix import (  # noqa: E402
    CholeskyCorr,
    OrderedTransform,
    SimplexTransform,
    ordered,
    simplex,
)

__all__ += ["CholeskyCorr", "OrderedTransform", "SimplexTransform", "ordered", "simplex"]
