"""Scalar special functions: incomplete gamma and beta, Bessel, normal CDF and friends.

Each op computes with SciPy's ``scipy.special`` function of the same name (or
a small NumPy expression), so its dtypes are SciPy's: integers compute in
float64 (bool and 8/16-bit integers in float32, as for every real-valued
function), float32 stays float32 where SciPy has a float32 loop.

Derivatives follow PyTensor's: closed forms where PyTensor has them, and
where PyTensor differentiates with respect to a parameter by a series, ops of
our own that run the series (or continued fraction) in NumPy:
``gammainc``/``gammaincc`` with respect to ``k``
(:mod:`arignote.scalar.gammainc_derivative`), ``betainc`` with respect to
``a`` and ``b`` (:mod:`arignote.scalar.betainc_derivative`), ``hyp2f1`` with
respect to ``a``, ``b`` and ``c`` (:mod:`arignote.scalar.hyp2f1_derivative`).
Where PyTensor has none (a Bessel function's order, the inverses' shape
parameters) there is none here either: asking for one raises
:class:`NotDifferentiable` naming the function and the argument.  Integer
arguments (``polygamma``'s order) have none either.
"""

from __future__ import annotations

import math as _math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.special as sps

from arignote.graph.basic import Constant
from arignote.graph.op import NotDifferentiable
from arignote.graph.type import undefined_gradient
from arignote.scalar.basic import ScalarOp, tensor_api
from arignote.scalar.betainc_derivative import BetaIncDa, BetaIncDb
from arignote.scalar.gammainc_derivative import GammaIncCDer, GammaIncDer
from arignote.scalar.hyp2f1_derivative import Hyp2F1Da, Hyp2F1Db, Hyp2F1Dc
from arignote.scalar.math import BinaryOp, UnaryFloatOp

_SQRT_2PI = _math.sqrt(2.0 * _math.pi)
_SQRT_2 = _math.sqrt(2.0)

#: ``rule(at, inputs, output)``: one derivative per input (None for the
#: non-differentiable ones, which `SpecialOp` never asks for)
Partials = Callable[[Any, Sequence[Any], Any], list[Any]]


class SpecialOp(ScalarOp):
    """A real-valued special function of ``nin`` arguments.

    ``nondifferentiable`` names the arguments without a derivative (by
    position); ``rule`` gives the derivatives of the others.
    """
    float_result = True
    #: (position, name) of each argument without a derivative
    nondifferentiable: ClassVar[tuple[tuple[int, str], ...]] = ()
    rule: ClassVar[staticmethod[[Any, Sequence[Any], Any], list[Any]] | None] = None

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        found = self._rule(inputs, output)
        for k, name in type(self).nondifferentiable:
            x = inputs[k]
            if np.dtype(x.dtype).kind not in "biu" and not isinstance(x, Constant):
                # a placeholder: differentiating fails, naming the argument, only where this
                # derivative is needed (the other arguments' derivatives still work)
                found[k] = undefined_gradient(self._no_derivative(k, name))
        return found

    def pushforward_elementwise(self, inputs: Sequence[Any], output: Any,
                                tangents: Sequence[Any]) -> Any:
        # forward mode knows which arguments move: only those need a derivative
        for k, _ in type(self).nondifferentiable:
            if tangents[k] is not None:
                self._refuse(inputs, k)
        # every argument with a tangent now has a derivative (placeholders only where none moves)
        return super().pushforward_elementwise(inputs, output, tangents)

    def _refuse(self, inputs: Sequence[Any], k: int) -> None:
        # forward mode: a moving argument without a derivative fails now (an integer or a
        # constant one cannot move)
        x = inputs[k]
        if np.dtype(x.dtype).kind in "biu" or isinstance(x, Constant):
            return
        raise NotDifferentiable(self._no_derivative(k, dict(type(self).nondifferentiable)[k]))

    def _no_derivative(self, k: int, name: str) -> str:
        return f"{self.name}: no derivative with respect to its argument {name!r} (input {k})"

    def _rule(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        rule = type(self).rule
        if rule is None:
            return super().partials(inputs, output)
        found = rule(tensor_api(), inputs, output)
        for k, _ in type(self).nondifferentiable:
            found[k] = None
        return found


def _special(name: str, nin: int, nfunc: Callable[..., Any], rule: Partials | None = None,
             nondifferentiable: tuple[tuple[int, str], ...] = ()) -> type:
    namespace: dict[str, Any] = {"nin": nin, "nfunc": staticmethod(nfunc), "__module__": __name__,
                                 "nondifferentiable": nondifferentiable}
    if rule is not None:
        namespace["rule"] = staticmethod(rule)
    return dataclass(frozen=True)(type(name, (SpecialOp,), namespace))


def _unary(name: str, nfunc: Callable[..., Any], derivative: Callable[[Any, Any, Any], Any]) -> type:
    namespace = {"nfunc": staticmethod(nfunc), "derivative": staticmethod(derivative),
                 "__module__": __name__}
    return dataclass(frozen=True)(type(name, (UnaryFloatOp,), namespace))


# --- incomplete gamma --------------------------------------------------------------

def _gamma_density(at: Any, k: Any, x: Any) -> Any:
    """x^(k-1) e^(-x) / Gamma(k), in logs (no overflow of Gamma(k)); 0 * log(0) taken as 0
    so that k = 1 gives e^(-x) at x = 0."""
    return at.exp(at.xlogy0(k - 1, x) - x - at.gammaln(k))


# d/dk by a series or a continued fraction (arignote.scalar.gammainc_derivative)
GammaInc = _special("GammaInc", 2, sps.gammainc,
                    lambda at, i, y: [at.Elemwise(GammaIncDer())(*i), _gamma_density(at, *i)])
GammaIncC = _special("GammaIncC", 2, sps.gammaincc,
                     lambda at, i, y: [at.Elemwise(GammaIncCDer())(*i), -_gamma_density(at, *i)])
# the inverse's derivative is 1 / (the density at the inverse)
GammaIncInv = _special("GammaIncInv", 2, sps.gammaincinv,
                       lambda at, i, y: [None, 1 / _gamma_density(at, i[0], y)], ((0, "k"),))
GammaIncCInv = _special("GammaIncCInv", 2, sps.gammainccinv,
                        lambda at, i, y: [None, -1 / _gamma_density(at, i[0], y)], ((0, "k"),))


# --- incomplete beta ---------------------------------------------------------------

def _beta_density(at: Any, a: Any, b: Any, x: Any) -> Any:
    """x^(a-1) (1-x)^(b-1) / B(a, b), in logs; 0 * log(0) taken as 0 (a = 1 at x = 0,
    b = 1 at x = 1)."""
    log_1mx = at.switch(at.eq(b, 1), 0, (b - 1) * at.log1p(-x))
    log_beta = at.gammaln(a) + at.gammaln(b) - at.gammaln(a + b)
    return at.exp(at.xlogy0(a - 1, x) + log_1mx - log_beta)


# d/da and d/db by a continued fraction (arignote.scalar.betainc_derivative)
BetaInc = _special("BetaInc", 3, sps.betainc,
                   lambda at, i, y: [at.Elemwise(BetaIncDa())(*i), at.Elemwise(BetaIncDb())(*i),
                                     _beta_density(at, *i)])
_AB = ((0, "a"), (1, "b"))
BetaIncInv = _special("BetaIncInv", 3, sps.betaincinv,
                      lambda at, i, y: [None, None, 1 / _beta_density(at, i[0], i[1], y)], _AB)


# --- hypergeometric ----------------------------------------------------------------

def _hyp2f1_partials(at: Any, inputs: Sequence[Any], y: Any) -> list[Any]:
    # d/da, d/db, d/dc by the series (arignote.scalar.hyp2f1_derivative)
    a, b, c, z = inputs
    return [at.Elemwise(Hyp2F1Da())(*inputs), at.Elemwise(Hyp2F1Db())(*inputs),
            at.Elemwise(Hyp2F1Dc())(*inputs), a * b / c * at.hyp2f1(a + 1, b + 1, c + 1, z)]


Hyp2F1 = _special("Hyp2F1", 4, sps.hyp2f1, _hyp2f1_partials)


# --- polygamma ---------------------------------------------------------------------

def _polygamma(n: Any, x: Any) -> Any:
    n, x = np.asarray(n), np.asarray(x)
    if n.dtype.kind not in "biu":
        raise TypeError(f"polygamma's order n must be an integer, got {n.dtype}")
    # SciPy computes in float64; keep the dtype psi(x) would give (float32 stays float32)
    out_dtype = np.result_type(x.dtype, np.float16) if x.dtype.kind == "f" else np.float64
    return np.asarray(sps.polygamma(n, x)).astype(out_dtype, copy=False)


@dataclass(frozen=True)
class PolyGamma(BinaryOp):
    """The n-th derivative of digamma (``scipy.special.polygamma``); n is an integer."""
    float_result = True
    nfunc = staticmethod(_polygamma)

    def impl(self, n: Any, x: Any) -> Any:
        # only x follows the small-integer rule: n keeps its integer dtype
        x = np.asarray(x)
        if x.dtype.kind in "biu" and x.dtype.itemsize <= 2:
            x = x.astype(np.float32)
        return _polygamma(n, x)

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        n, x = inputs
        return [None, tensor_api().polygamma(n + 1, x)]


# --- Bessel functions --------------------------------------------------------------

def _unsafe_sign(at: Any, x: Any) -> Any:
    return at.switch(at.gt(x, 0), 1, -1)


def _ive_partials(at: Any, inputs: Sequence[Any], y: Any) -> list[Any]:
    # d/dx (I_v(x) e^-|x|) = (I_{v-1} + I_{v+1}) / 2 e^-|x| - sign(x) I_v e^-|x|
    v, x = inputs
    return [None, (at.ive(v - 1, x) + at.ive(v + 1, x)) / 2 - _unsafe_sign(at, x) * y]


def _kve_partials(at: Any, inputs: Sequence[Any], y: Any) -> list[Any]:
    # K_v' = -K_{v-1} - v / x K_v, so (K_v e^x)' = (1 - v / x) kve(v, x) - kve(v - 1, x)
    v, x = inputs
    return [None, (1 - v / x) * y - at.kve(v - 1, x)]


def _jv_partials(at: Any, inputs: Sequence[Any], y: Any) -> list[Any]:
    v, x = inputs
    return [None, (at.jv(v - 1, x) - at.jv(v + 1, x)) / 2]


_V = ((0, "v"),)
Jv = _special("Jv", 2, sps.jv, _jv_partials, _V)
Ive = _special("Ive", 2, sps.ive, _ive_partials, _V)
Kve = _special("Kve", 2, sps.kve, _kve_partials, _V)
J0 = _unary("J0", sps.j0, lambda at, x, y: -at.j1(x))
J1 = _unary("J1", sps.j1, lambda at, x, y: (at.j0(x) - at.jv(2, x)) / 2)
I0 = _unary("I0", sps.i0, lambda at, x, y: at.i1(x))
I1 = _unary("I1", sps.i1, lambda at, x, y: (at.i0(x) + at.iv(2, x)) / 2)


# --- Owen's T and the normal distribution ---------------------------------------------

def _owens_t_partials(at: Any, inputs: Sequence[Any], y: Any) -> list[Any]:
    h, a = inputs
    a2p1 = at.sqr(a) + 1
    dh = -at.exp(-at.sqr(h) / 2) * at.erf(a * h / _SQRT_2) / (2 * _SQRT_2PI)
    da = at.exp(-a2p1 * at.sqr(h) / 2) / (a2p1 * (2 * _math.pi))
    return [dh, da]


OwensT = _special("OwensT", 2, sps.owens_t, _owens_t_partials)
# the standard normal density exp(-x^2 / 2) / sqrt(2 pi), and its reciprocal at the quantile
Ndtr = _unary("Ndtr", sps.ndtr, lambda at, x, y: at.exp(-at.sqr(x) / 2) / _SQRT_2PI)
LogNdtr = _unary("LogNdtr", sps.log_ndtr, lambda at, x, y: at.exp(-at.sqr(x) / 2 - y) / _SQRT_2PI)
Ndtri = _unary("Ndtri", sps.ndtri, lambda at, x, y: at.exp(at.sqr(y) / 2) * _SQRT_2PI)
# d/dx ndtri(exp(x)) = exp(x) / density(y): one exp of the sum, which neither under- nor overflows
NdtriExp = _unary("NdtriExp", sps.ndtri_exp, lambda at, x, y: at.exp(x + at.sqr(y) / 2) * _SQRT_2PI)


# --- x log x, log-add-exp ------------------------------------------------------------

def _xlogx(x: Any) -> Any:
    x = np.asarray(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, np.zeros((), dtype=np.result_type(x, np.float16)), x * np.log(x))


def _xlogy0(x: Any, y: Any) -> Any:
    x, y = np.asarray(x), np.asarray(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        prod = x * np.log(y)
    return np.where(x == 0, np.zeros((), dtype=prod.dtype), prod)


XLogX = _unary("XLogX", _xlogx, lambda at, x, y: at.log(x) + 1)
XLogY0 = _special("XLogY0", 2, _xlogy0, lambda at, i, y: [at.log(i[1]), i[0] / i[1]])
def _logaddexp(x: Any, y: Any) -> Any:
    # np.logaddexp warns "invalid value" for NaN arguments, which only propagate
    with np.errstate(invalid="ignore"):
        return np.logaddexp(x, y)


# d/dx log(e^x + e^y) = e^(x - out)
LogAddExp = _special("LogAddExp", 2, _logaddexp,
                     lambda at, i, y: [at.exp(i[0] - y), at.exp(i[1] - y)])

__all__ = ["BetaInc", "BetaIncInv", "GammaInc", "GammaIncC", "GammaIncCInv", "GammaIncInv", "Hyp2F1",
           "I0", "I1", "Ive", "J0", "J1", "Jv", "Kve", "LogAddExp", "LogNdtr", "Ndtr", "Ndtri",
           "NdtriExp", "OwensT", "PolyGamma", "SpecialOp", "XLogX", "XLogY0"]
