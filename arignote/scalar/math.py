"""The concrete scalar ops: arithmetic, transcendental, special, logic."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.special as sps

from arignote.scalar.basic import ScalarOp


class UnaryOp(ScalarOp):
    nin = 1


class UnaryFloatOp(ScalarOp):
    """A unary function whose value is real for integer arguments."""
    nin = 1
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


@dataclass(frozen=True)
class Mul(ScalarOp):
    nin = -1
    symbol = "*"
    nfunc = staticmethod(np.multiply)

    def impl(self, *inputs: Any) -> Any:
        return functools.reduce(np.multiply, inputs) if len(inputs) > 1 else np.positive(inputs[0])


@dataclass(frozen=True)
class Sub(BinaryOp):
    symbol = "-"
    nfunc = staticmethod(np.subtract)


@dataclass(frozen=True)
class TrueDiv(BinaryOp):
    symbol = "/"
    float_result = True
    nfunc = staticmethod(np.true_divide)


@dataclass(frozen=True)
class IntDiv(BinaryOp):
    symbol = "//"
    nfunc = staticmethod(np.floor_divide)


@dataclass(frozen=True)
class Mod(BinaryOp):
    symbol = "%"
    nfunc = staticmethod(np.mod)


@dataclass(frozen=True)
class Pow(BinaryOp):
    symbol = "**"
    nfunc = staticmethod(np.power)


@dataclass(frozen=True)
class Maximum(BinaryOp):
    nfunc = staticmethod(np.maximum)


@dataclass(frozen=True)
class Minimum(BinaryOp):
    nfunc = staticmethod(np.minimum)


@dataclass(frozen=True)
class ArcTan2(BinaryOp):
    float_result = True
    nfunc = staticmethod(np.arctan2)


@dataclass(frozen=True)
class Hypot(BinaryOp):
    float_result = True
    nfunc = staticmethod(np.hypot)


@dataclass(frozen=True)
class Neg(UnaryOp):
    symbol = "-"
    nfunc = staticmethod(np.negative)


@dataclass(frozen=True)
class Abs(UnaryOp):
    nfunc = staticmethod(np.abs)


@dataclass(frozen=True)
class Sign(UnaryOp):
    nfunc = staticmethod(np.sign)


@dataclass(frozen=True)
class Sqr(UnaryOp):
    nfunc = staticmethod(np.square)


@dataclass(frozen=True)
class Reciprocal(UnaryFloatOp):
    @staticmethod
    def nfunc(x: Any) -> Any:
        return np.true_divide(1, x)


@dataclass(frozen=True)
class Identity(UnaryOp):
    """A copy (``np.positive`` would do, but has no bool loop)."""

    @staticmethod
    def nfunc(x: Any) -> Any:
        return np.array(x, copy=True)


@dataclass(frozen=True)
class Cast(UnaryOp):
    """Conversion to ``dtype`` (NumPy's ``astype``: truncation toward zero)."""
    dtype: str

    def impl(self, x: Any) -> Any:
        return np.asarray(x).astype(self.dtype)

    def __str__(self) -> str:
        return f"Cast{{{self.dtype}}}"


# --- exponential and logarithmic --------------------------------------------------

def _unary_float(name: str, func: Any) -> type:
    cls = type(name, (UnaryFloatOp,), {"nfunc": staticmethod(func), "__module__": __name__})
    return dataclass(frozen=True)(cls)


Exp = _unary_float("Exp", np.exp)
Exp2 = _unary_float("Exp2", np.exp2)
Expm1 = _unary_float("Expm1", np.expm1)
Log = _unary_float("Log", np.log)
Log2 = _unary_float("Log2", np.log2)
Log10 = _unary_float("Log10", np.log10)
Log1p = _unary_float("Log1p", np.log1p)
Sqrt = _unary_float("Sqrt", np.sqrt)
Sin = _unary_float("Sin", np.sin)
Cos = _unary_float("Cos", np.cos)
Tan = _unary_float("Tan", np.tan)
ArcSin = _unary_float("ArcSin", np.arcsin)
ArcCos = _unary_float("ArcCos", np.arccos)
ArcTan = _unary_float("ArcTan", np.arctan)
Sinh = _unary_float("Sinh", np.sinh)
Cosh = _unary_float("Cosh", np.cosh)
Tanh = _unary_float("Tanh", np.tanh)
ArcSinh = _unary_float("ArcSinh", np.arcsinh)
ArcCosh = _unary_float("ArcCosh", np.arccosh)
ArcTanh = _unary_float("ArcTanh", np.arctanh)
Sigmoid = _unary_float("Sigmoid", sps.expit)
Erf = _unary_float("Erf", sps.erf)
Erfc = _unary_float("Erfc", sps.erfc)
Erfcx = _unary_float("Erfcx", sps.erfcx)
Erfinv = _unary_float("Erfinv", sps.erfinv)
Erfcinv = _unary_float("Erfcinv", sps.erfcinv)
Gamma = _unary_float("Gamma", sps.gamma)
GammaLn = _unary_float("GammaLn", sps.gammaln)
Psi = _unary_float("Psi", sps.digamma)


def _softplus(x: Any) -> Any:
    # log(1 + exp(x)) without overflow for large x or loss for very negative x
    return np.logaddexp(np.zeros((), dtype=np.result_type(x, np.float16)), x)


def _log1mexp(x: Any) -> Any:
    # log(1 - exp(x)) for x <= 0; the branch point -log(2) keeps both forms accurate
    x = np.asarray(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x < -np.log(2.0), np.log1p(-np.exp(x)), np.log(-np.expm1(x)))


Softplus = _unary_float("Softplus", _softplus)
Log1mexp = _unary_float("Log1mexp", _log1mexp)


# --- rounding ---------------------------------------------------------------------

@dataclass(frozen=True)
class Floor(UnaryOp):
    nfunc = staticmethod(np.floor)


@dataclass(frozen=True)
class Ceil(UnaryOp):
    nfunc = staticmethod(np.ceil)


@dataclass(frozen=True)
class RoundHalfToEven(UnaryOp):
    nfunc = staticmethod(np.round)


@dataclass(frozen=True)
class Trunc(UnaryOp):
    nfunc = staticmethod(np.trunc)


# --- selection --------------------------------------------------------------------

@dataclass(frozen=True)
class Clip(ScalarOp):
    nin = 3
    nfunc = staticmethod(np.clip)


@dataclass(frozen=True)
class Switch(ScalarOp):
    """``where(cond, a, b)``."""
    nin = 3

    @staticmethod
    def nfunc(cond: Any, a: Any, b: Any) -> Any:
        return np.where(cond, a, b)


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
    nfunc = staticmethod(np.real)


@dataclass(frozen=True)
class Imag(UnaryOp):
    nfunc = staticmethod(np.imag)


@dataclass(frozen=True)
class Conj(UnaryOp):
    nfunc = staticmethod(np.conjugate)


@dataclass(frozen=True)
class Angle(UnaryFloatOp):
    nfunc = staticmethod(np.angle)
