"""The concrete scalar ops: arithmetic, transcendental, special, logic."""

from __future__ import annotations

import functools
import math as _math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.special as sps

from arignote.config import config
from arignote.graph.op import NotDifferentiable
from arignote.scalar.basic import ScalarOp, constant_scalar, tensor_api

#: ``derivative(at, x, y)``: dy/dx of a unary function at ``x`` with value ``y``,
#: built with the ``arignote.tensor`` module ``at``
Derivative = Callable[[Any, Any, Any], Any]


def _zeros(x: Any) -> Any:
    """A zero derivative shaped like ``x`` (piecewise-constant functions: floor, sign...)."""
    return tensor_api().zeros_like(x)


class UnaryOp(ScalarOp):
    nin = 1
    #: dy/dx, for differentiable unary functions (see `Derivative`)
    derivative: ClassVar[staticmethod[[Any, Any, Any], Any] | None] = None

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        derivative = type(self).derivative
        if derivative is None:
            return super().partials(inputs, output)
        return [derivative(tensor_api(), inputs[0], output)]


class UnaryFloatOp(UnaryOp):
    """A unary function whose value is real for integer arguments."""
    float_result = True


class BinaryOp(ScalarOp):
    nin = 2


class ComparisonOp(BinaryOp):
    pass


# --- arithmetic -----------------------------------------------------------------

@dataclass(frozen=True)
class Add(ScalarOp):
    nin = -1
    symbol = "+"
    nfunc = staticmethod(np.add)

    def impl(self, *inputs: Any) -> Any:
        return functools.reduce(np.add, inputs) if len(inputs) > 1 else np.positive(inputs[0])

    def pullback_elementwise(self, inputs: Sequence[Any], output: Any, cotangent: Any) -> list[Any]:
        return [cotangent] * len(inputs)

    def pushforward_elementwise(self, inputs: Sequence[Any], output: Any,
                                tangents: Sequence[Any]) -> Any:
        terms = [t for t in tangents if t is not None]
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else tensor_api().add(*terms)


@dataclass(frozen=True)
class Mul(ScalarOp):
    nin = -1
    symbol = "*"
    nfunc = staticmethod(np.multiply)

    def impl(self, *inputs: Any) -> Any:
        return functools.reduce(np.multiply, inputs) if len(inputs) > 1 else np.positive(inputs[0])

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        at = tensor_api()
        if len(inputs) == 1:
            return [at.ones_like(inputs[0])]
        # the product of the other factors (not output / x: that fails where x == 0); a
        # boolean factor (the mask in ``x * (x > 0)``) counts as 0/1 in the result's dtype
        factors = [at.cast(v, output.dtype) if v.dtype == "bool" and output.dtype != "bool" else v
                   for v in inputs]
        return [at.mul(*factors[:k], *factors[k + 1:]) for k in range(len(factors))]


@dataclass(frozen=True)
class Sub(BinaryOp):
    symbol = "-"
    nfunc = staticmethod(np.subtract)

    def pullback_elementwise(self, inputs: Sequence[Any], output: Any, cotangent: Any) -> list[Any]:
        return [cotangent, -cotangent]

    def pushforward_elementwise(self, inputs: Sequence[Any], output: Any,
                                tangents: Sequence[Any]) -> Any:
        ta, tb = tangents
        if tb is None:
            return ta
        return -tb if ta is None else ta - tb


@dataclass(frozen=True)
class TrueDiv(BinaryOp):
    """``x / y``.  Integer / integer is ``config.floatX`` (PyTensor's rule, under both casting
    policies), computed as NumPy's float64 quotient and rounded to floatX when that is
    narrower; other inputs follow the real-valued functions' rule."""

    symbol = "/"
    float_result = True
    nfunc = staticmethod(np.true_divide)

    def impl(self, *inputs: Any) -> Any:
        if all(np.asarray(v).dtype.kind in "biu" for v in inputs):
            return np.true_divide(*inputs)  # NumPy divides integers in float64
        return super().impl(*inputs)

    def output_dtype(self, *dtypes: np.dtype) -> np.dtype:
        if dtypes and all(np.dtype(d).kind in "biu" for d in dtypes):
            return np.dtype(config.floatX)
        return super().output_dtype(*dtypes)

    def pullback_elementwise(self, inputs: Sequence[Any], output: Any, cotangent: Any) -> list[Any]:
        _, y = inputs
        gx = cotangent / y
        return [gx, -gx * output]  # d(x/y)/dy = -(x/y)/y

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        _, y = inputs
        return [1 / y, -output / y]


@dataclass(frozen=True)
class IntDiv(BinaryOp):
    symbol = "//"
    nfunc = staticmethod(np.floor_divide)

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        return [_zeros(output), _zeros(output)]  # piecewise constant


@dataclass(frozen=True)
class Mod(BinaryOp):
    symbol = "%"
    nfunc = staticmethod(np.mod)

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        x, y = inputs
        at = tensor_api()
        # x % y = x - floor(x / y) * y, with floor(x / y) piecewise constant
        return [at.ones_like(output), -at.floor(x / y)]


@dataclass(frozen=True)
class Pow(BinaryOp):
    symbol = "**"
    nfunc = staticmethod(np.power)

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        at = tensor_api()
        x, y = inputs
        c = constant_scalar(y)
        if c is not None and not isinstance(c, complex):
            # a constant exponent (x ** 2, x ** 0.5): the short form, no special cases
            if c == 0:
                dx = at.zeros_like(output)
            elif c == 1:
                dx = at.ones_like(output)
            elif c == 2:
                dx = x * 2
            else:
                dx = at.pow(x, c - 1) * c
            return [dx, None]
        # y * x ** (y - 1), taken as 0 where y == 0 (not 0 * inf at x == 0)
        dx = at.switch(at.eq(y, 0), 0, y * at.pow(x, y - 1))
        # log(x) * x ** y, taken as 0 where x == 0 (the value does not move with y there)
        dy = at.switch(at.eq(x, 0), 0, at.log(x) * output)
        return [dx, dy]


@dataclass(frozen=True)
class Maximum(BinaryOp):
    nfunc = staticmethod(np.maximum)

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        return _extremum_partials(inputs, output)


@dataclass(frozen=True)
class Minimum(BinaryOp):
    nfunc = staticmethod(np.minimum)

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        return _extremum_partials(inputs, output)


def _extremum_partials(inputs: Sequence[Any], output: Any) -> list[Any]:
    """The operand equal to the result gets the derivative 1; on a tie only the first does
    (PyTensor's rule), so the two together pass the cotangent on once, as the derivative
    of ``maximum(x, x) = x`` must."""
    at = tensor_api()
    first = at.cast(at.eq(output, inputs[0]), output.dtype)
    return [first, 1 - first]


@dataclass(frozen=True)
class ArcTan2(BinaryOp):
    float_result = True
    nfunc = staticmethod(np.arctan2)

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        y, x = inputs
        norm = x * x + y * y
        return [x / norm, -y / norm]


@dataclass(frozen=True)
class Hypot(BinaryOp):
    float_result = True
    nfunc = staticmethod(np.hypot)

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        x, y = inputs
        return [x / output, y / output]


@dataclass(frozen=True)
class Neg(UnaryOp):
    symbol = "-"
    nfunc = staticmethod(np.negative)

    def pullback_elementwise(self, inputs: Sequence[Any], output: Any, cotangent: Any) -> list[Any]:
        return [-cotangent]

    def pushforward_elementwise(self, inputs: Sequence[Any], output: Any,
                                tangents: Sequence[Any]) -> Any:
        return None if tangents[0] is None else -tangents[0]


@dataclass(frozen=True)
class Abs(UnaryOp):
    nfunc = staticmethod(np.abs)
    derivative = staticmethod(lambda at, x, y: at.sign(x))


@dataclass(frozen=True)
class Sign(UnaryOp):
    nfunc = staticmethod(np.sign)
    derivative = staticmethod(lambda at, x, y: _zeros(y))


@dataclass(frozen=True)
class Sqr(UnaryOp):
    nfunc = staticmethod(np.square)
    derivative = staticmethod(lambda at, x, y: x * 2)


@dataclass(frozen=True)
class Reciprocal(UnaryFloatOp):
    derivative = staticmethod(lambda at, x, y: -at.sqr(y))

    @staticmethod
    def nfunc(x: Any) -> Any:
        return np.true_divide(1, x)


@dataclass(frozen=True)
class Identity(UnaryOp):
    """A copy (``np.positive`` would do, but has no bool loop)."""

    @staticmethod
    def nfunc(x: Any) -> Any:
        return np.array(x, copy=True)

    def pullback_elementwise(self, inputs: Sequence[Any], output: Any, cotangent: Any) -> list[Any]:
        return [cotangent]

    def pushforward_elementwise(self, inputs: Sequence[Any], output: Any,
                                tangents: Sequence[Any]) -> Any:
        return tangents[0]


@dataclass(frozen=True)
class Second(BinaryOp):
    """The second input broadcast against the first (PyTensor's ``second``, behind ``fill``).

    The first input gives only its shape; it stays in the graph, so a value built
    from it (a gradient, ``zeros_like``) still depends on it until a rewrite finds
    the shape known and drops it.
    """

    @staticmethod
    def nfunc(model: Any, value: Any) -> Any:
        value = np.asarray(value)
        return np.array(np.broadcast_to(value, np.broadcast_shapes(np.shape(model), value.shape)))

    def pullback_elementwise(self, inputs: Sequence[Any], output: Any, cotangent: Any) -> list[Any]:
        return [None, cotangent]

    def pushforward_elementwise(self, inputs: Sequence[Any], output: Any,
                                tangents: Sequence[Any]) -> Any:
        return tangents[1]


@dataclass(frozen=True)
class Cast(UnaryOp):
    """Conversion to ``dtype`` (NumPy's ``astype``: truncation toward zero)."""
    dtype: str

    def impl(self, x: Any) -> Any:
        return np.asarray(x).astype(self.dtype)

    def pullback_elementwise(self, inputs: Sequence[Any], output: Any, cotangent: Any) -> list[Any]:
        # a float-to-float conversion passes the cotangent on (Elemwise casts it back);
        # from a float to an integer the result is piecewise constant
        if np.dtype(self.dtype).kind in "biu":
            return [_zeros(inputs[0])]
        return [cotangent]

    def pushforward_elementwise(self, inputs: Sequence[Any], output: Any,
                                tangents: Sequence[Any]) -> Any:
        if tangents[0] is None or np.dtype(self.dtype).kind in "biu":
            return None
        return tensor_api().cast(tangents[0], self.dtype)

    def __str__(self) -> str:
        return f"Cast{{{self.dtype}}}"


# --- exponential and logarithmic --------------------------------------------------

def _unary_float(name: str, func: Any, derivative: Derivative | None = None) -> type:
    namespace = {"nfunc": staticmethod(func), "__module__": __name__}
    if derivative is not None:
        namespace["derivative"] = staticmethod(derivative)
    cls = type(name, (UnaryFloatOp,), namespace)
    return dataclass(frozen=True)(cls)


_LN2 = _math.log(2.0)
_LN10 = _math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / _math.sqrt(_math.pi)
_SQRT_PI_OVER_TWO = _math.sqrt(_math.pi) / 2.0

# Each derivative is dy/dx written with the value y where that is cheaper (exp, tanh).
Exp = _unary_float("Exp", np.exp, lambda at, x, y: y)
Exp2 = _unary_float("Exp2", np.exp2, lambda at, x, y: y * _LN2)
Expm1 = _unary_float("Expm1", np.expm1, lambda at, x, y: y + 1)


@dataclass(frozen=True)
class Log(UnaryFloatOp):
    nfunc = staticmethod(np.log)
    derivative = staticmethod(lambda at, x, y: 1 / x)

    def pullback_elementwise(self, inputs: Sequence[Any], output: Any, cotangent: Any) -> list[Any]:
        return [cotangent / inputs[0]]  # one division, not a reciprocal and a product


Log2 = _unary_float("Log2", np.log2, lambda at, x, y: 1 / (x * _LN2))
Log10 = _unary_float("Log10", np.log10, lambda at, x, y: 1 / (x * _LN10))
Log1p = _unary_float("Log1p", np.log1p, lambda at, x, y: 1 / (x + 1))
Sqrt = _unary_float("Sqrt", np.sqrt, lambda at, x, y: 0.5 / y)
Sin = _unary_float("Sin", np.sin, lambda at, x, y: at.cos(x))
Cos = _unary_float("Cos", np.cos, lambda at, x, y: -at.sin(x))
Tan = _unary_float("Tan", np.tan, lambda at, x, y: at.sqr(y) + 1)
ArcSin = _unary_float("ArcSin", np.arcsin, lambda at, x, y: 1 / at.sqrt(1 - at.sqr(x)))
ArcCos = _unary_float("ArcCos", np.arccos, lambda at, x, y: -1 / at.sqrt(1 - at.sqr(x)))
ArcTan = _unary_float("ArcTan", np.arctan, lambda at, x, y: 1 / (at.sqr(x) + 1))
Sinh = _unary_float("Sinh", np.sinh, lambda at, x, y: at.cosh(x))
Cosh = _unary_float("Cosh", np.cosh, lambda at, x, y: at.sinh(x))
Tanh = _unary_float("Tanh", np.tanh, lambda at, x, y: 1 - at.sqr(y))
ArcSinh = _unary_float("ArcSinh", np.arcsinh, lambda at, x, y: 1 / at.sqrt(at.sqr(x) + 1))
ArcCosh = _unary_float("ArcCosh", np.arccosh, lambda at, x, y: 1 / at.sqrt(at.sqr(x) - 1))
ArcTanh = _unary_float("ArcTanh", np.arctanh, lambda at, x, y: 1 / (1 - at.sqr(x)))
# sigmoid(x) * sigmoid(-x) rather than y * (1 - y): no cancellation where y is near 1
Sigmoid = _unary_float("Sigmoid", sps.expit, lambda at, x, y: y * at.sigmoid(-x))
Erf = _unary_float("Erf", sps.erf, lambda at, x, y: at.exp(-at.sqr(x)) * _TWO_OVER_SQRT_PI)
Erfc = _unary_float("Erfc", sps.erfc, lambda at, x, y: at.exp(-at.sqr(x)) * -_TWO_OVER_SQRT_PI)
Erfcx = _unary_float("Erfcx", sps.erfcx, lambda at, x, y: x * y * 2 - _TWO_OVER_SQRT_PI)
Erfinv = _unary_float("Erfinv", sps.erfinv, lambda at, x, y: at.exp(at.sqr(y)) * _SQRT_PI_OVER_TWO)
Erfcinv = _unary_float("Erfcinv", sps.erfcinv,
                       lambda at, x, y: at.exp(at.sqr(y)) * -_SQRT_PI_OVER_TWO)
Gamma = _unary_float("Gamma", sps.gamma, lambda at, x, y: y * at.psi(x))
GammaLn = _unary_float("GammaLn", sps.gammaln, lambda at, x, y: at.psi(x))
Psi = _unary_float("Psi", sps.digamma, lambda at, x, y: at.tri_gamma(x))


def _trigamma(x: Any) -> Any:
    # polygamma computes in float64; keep the dtype digamma would give
    x = np.asarray(x)
    out_dtype = np.result_type(x.dtype, np.float16) if x.dtype.kind == "f" else np.float64
    return np.asarray(sps.polygamma(1, x)).astype(out_dtype, copy=False)


# The derivative of digamma; not differentiable itself (its derivative would need polygamma)
TriGamma = _unary_float("TriGamma", _trigamma)


def _softplus(x: Any) -> Any:
    # log(1 + exp(x)) without overflow for large x or loss for very negative x
    return np.logaddexp(np.zeros((), dtype=np.result_type(x, np.float16)), x)


def _log1mexp(x: Any) -> Any:
    # log(1 - exp(x)) for x <= 0; the branch point -log(2) keeps both forms accurate
    x = np.asarray(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x < -np.log(2.0), np.log1p(-np.exp(x)), np.log(-np.expm1(x)))


Softplus = _unary_float("Softplus", _softplus, lambda at, x, y: at.sigmoid(x))
# d/dx log(1 - exp(x)) = -exp(x) / (1 - exp(x)) = -1 / expm1(-x)
Log1mexp = _unary_float("Log1mexp", _log1mexp, lambda at, x, y: -1 / at.expm1(-x))


# --- rounding ---------------------------------------------------------------------

@dataclass(frozen=True)
class Floor(UnaryOp):
    nfunc = staticmethod(np.floor)
    derivative = staticmethod(lambda at, x, y: _zeros(y))


@dataclass(frozen=True)
class Ceil(UnaryOp):
    nfunc = staticmethod(np.ceil)
    derivative = staticmethod(lambda at, x, y: _zeros(y))


@dataclass(frozen=True)
class RoundHalfToEven(UnaryOp):
    nfunc = staticmethod(np.round)
    derivative = staticmethod(lambda at, x, y: _zeros(y))


@dataclass(frozen=True)
class Trunc(UnaryOp):
    nfunc = staticmethod(np.trunc)
    derivative = staticmethod(lambda at, x, y: _zeros(y))


# --- selection --------------------------------------------------------------------

@dataclass(frozen=True)
class Clip(ScalarOp):
    nin = 3
    nfunc = staticmethod(np.clip)

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        # PyTensor's rule: x gets the derivative inside [lo, hi] (bounds included), a bound
        # outside it
        at = tensor_api()
        x, lo, hi = inputs
        dtype = output.dtype
        inside = at.cast(at.and_(at.ge(x, lo), at.le(x, hi)), dtype)
        return [inside, at.cast(at.lt(x, lo), dtype), at.cast(at.gt(x, hi), dtype)]


@dataclass(frozen=True)
class Switch(ScalarOp):
    """``where(cond, a, b)``."""
    nin = 3

    @staticmethod
    def nfunc(cond: Any, a: Any, b: Any) -> Any:
        return np.where(cond, a, b)

    def pullback_elementwise(self, inputs: Sequence[Any], output: Any, cotangent: Any) -> list[Any]:
        at = tensor_api()
        cond = inputs[0]
        zero = at.zeros_like(cotangent)
        return [None, at.switch(cond, cotangent, zero), at.switch(cond, zero, cotangent)]

    def pushforward_elementwise(self, inputs: Sequence[Any], output: Any,
                                tangents: Sequence[Any]) -> Any:
        _, ta, tb = tangents
        if ta is None and tb is None:
            return None
        at = tensor_api()
        ta = at.zeros_like(output) if ta is None else ta
        tb = at.zeros_like(output) if tb is None else tb
        return at.switch(inputs[0], ta, tb)


# --- comparison and logic ---------------------------------------------------------

def _binary(name: str, func: Any, base: type = BinaryOp, symbol: str | None = None) -> type:
    namespace = {"nfunc": staticmethod(func), "symbol": symbol, "__module__": __name__}
    return dataclass(frozen=True)(type(name, (base,), namespace))


LT = _binary("LT", np.less, ComparisonOp, "<")
GT = _binary("GT", np.greater, ComparisonOp, ">")
LE = _binary("LE", np.less_equal, ComparisonOp, "<=")
GE = _binary("GE", np.greater_equal, ComparisonOp, ">=")
EQ = _binary("EQ", np.equal, ComparisonOp, "==")
NEQ = _binary("NEQ", np.not_equal, ComparisonOp, "!=")
BitwiseAnd = _binary("BitwiseAnd", np.bitwise_and, symbol="&")
BitwiseOr = _binary("BitwiseOr", np.bitwise_or, symbol="|")
BitwiseXor = _binary("BitwiseXor", np.bitwise_xor, symbol="^")
LogicalAnd = _binary("LogicalAnd", np.logical_and)
LogicalOr = _binary("LogicalOr", np.logical_or)
LogicalXor = _binary("LogicalXor", np.logical_xor)


@dataclass(frozen=True)
class Invert(UnaryOp):
    symbol = "~"
    nfunc = staticmethod(np.invert)


@dataclass(frozen=True)
class LogicalNot(UnaryOp):
    nfunc = staticmethod(np.logical_not)


@dataclass(frozen=True)
class IsNan(UnaryOp):
    nfunc = staticmethod(np.isnan)


@dataclass(frozen=True)
class IsInf(UnaryOp):
    nfunc = staticmethod(np.isinf)


@dataclass(frozen=True)
class IsFinite(UnaryOp):
    nfunc = staticmethod(np.isfinite)


# --- complex numbers --------------------------------------------------------------

@dataclass(frozen=True)
class Real(UnaryOp):
    # np.real returns a view of its argument (the argument itself for real input); the graph
    # must not hand out arrays that alias its inputs, so copy
    nfunc = staticmethod(lambda x: np.array(np.real(x)))

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        _real_only(self, inputs[0])
        return [tensor_api().ones_like(output)]


@dataclass(frozen=True)
class Imag(UnaryOp):
    nfunc = staticmethod(lambda x: np.array(np.imag(x)))  # a copy, as Real

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        _real_only(self, inputs[0])
        return [_zeros(output)]  # the imaginary part of a real number is 0


@dataclass(frozen=True)
class Conj(UnaryOp):
    nfunc = staticmethod(np.conjugate)

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        _real_only(self, inputs[0])
        return [tensor_api().ones_like(output)]


@dataclass(frozen=True)
class Angle(UnaryFloatOp):
    nfunc = staticmethod(np.angle)

    def partials(self, inputs: Sequence[Any], output: Any) -> list[Any]:
        _real_only(self, inputs[0])
        return [_zeros(output)]  # 0 or pi: piecewise constant on the reals


def _real_only(op: ScalarOp, x: Any) -> None:
    if np.dtype(x.dtype).kind == "c":
        raise NotDifferentiable(f"{op}: derivatives of complex-valued inputs are not supported")
