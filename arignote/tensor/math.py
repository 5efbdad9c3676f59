"""The elementwise math API: NumPy-named functions building `Elemwise` nodes."""

from __future__ import annotations

import typing

from arignote.scalar import math as sm
from arignote.tensor.basic import as_tensor_args, as_tensor_variable, cast
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.namespace_forwarding import tensor_namespace_getattr
from arignote.tensor.variable import TensorVariable


class ElemwiseFunction:
    """A function building the `Elemwise` nodes of one scalar op (``exp(x)``).

    It is a function to call, not an op; yet PyTensor's ``pt.exp`` *is* the op, and programs
    written for it compare nodes' ops with it (``node.op == pt.exp``) or track it in rewriters:
    so it compares (and hashes) equal to the `Elemwise` op it builds, and names its
    ``scalar_op``."""

    def __init__(self, scalar_op: sm.ScalarOp, doc: str, name: str | None = None) -> None:
        self.op = Elemwise(scalar_op)
        self.scalar_op = scalar_op
        self.__doc__ = doc
        self.__name__ = self.__qualname__ = name or scalar_op.name
        self.__module__ = __name__

    def __call__(self, *inputs: typing.Any) -> TensorVariable:
        return typing.cast(TensorVariable, self.op.make_node(*inputs).outputs[0])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ElemwiseFunction):
            return bool(self.op == other.op)
        return bool(isinstance(other, Elemwise) and other == self.op)

    def __hash__(self) -> int:
        return hash(self.op)

    def __reduce__(self) -> typing.Any:
        return (ElemwiseFunction, (self.scalar_op, self.__doc__, self.__name__))

    def __repr__(self) -> str:
        return f"<function {self.__name__} (elementwise {self.scalar_op.name})>"


def _elemwise(scalar_op: sm.ScalarOp, doc: str) -> typing.Any:
    return ElemwiseFunction(scalar_op, doc)


# arithmetic
add = ElemwiseFunction(sm.Add(), "Elementwise sum of any number of terms.", "add")
mul = ElemwiseFunction(sm.Mul(), "Elementwise product of any number of factors.", "mul")


sub = _elemwise(sm.Sub(), "x - y")
true_div = _elemwise(sm.TrueDiv(), "x / y (true division)")
int_div = _elemwise(sm.IntDiv(), "x // y (floor division)")
mod = _elemwise(sm.Mod(), "x % y (sign of the divisor, as Python and NumPy)")
pow = _elemwise(sm.Pow(), "x ** y")
neg = _elemwise(sm.Neg(), "-x")
abs = _elemwise(sm.Abs(), "|x|")
sign = _elemwise(sm.Sign(), "sign of x")
sqr = _elemwise(sm.Sqr(), "x * x")
reciprocal = _elemwise(sm.Reciprocal(), "1 / x")
maximum = _elemwise(sm.Maximum(), "elementwise maximum (NaN propagates)")
minimum = _elemwise(sm.Minimum(), "elementwise minimum (NaN propagates)")
divide = true_div
floor_divide = int_div
subtract = sub
multiply = mul
negative = neg
power = pow
square = sqr
absolute = abs
abs_ = abs

# exponential, logarithmic and power
exp = _elemwise(sm.Exp(), "e ** x")
exp2 = _elemwise(sm.Exp2(), "2 ** x")
expm1 = _elemwise(sm.Expm1(), "exp(x) - 1, accurate near 0")
log = _elemwise(sm.Log(), "natural logarithm")
log2 = _elemwise(sm.Log2(), "base-2 logarithm")
log10 = _elemwise(sm.Log10(), "base-10 logarithm")
log1p = _elemwise(sm.Log1p(), "log(1 + x), accurate near 0")
sqrt = _elemwise(sm.Sqrt(), "square root")

# trigonometric and hyperbolic
sin = _elemwise(sm.Sin(), "sine")
cos = _elemwise(sm.Cos(), "cosine")
tan = _elemwise(sm.Tan(), "tangent")
arcsin = _elemwise(sm.ArcSin(), "inverse sine")
arccos = _elemwise(sm.ArcCos(), "inverse cosine")
arctan = _elemwise(sm.ArcTan(), "inverse tangent")
arctan2 = _elemwise(sm.ArcTan2(), "arctan(y / x) in the right quadrant")
hypot = _elemwise(sm.Hypot(), "sqrt(x**2 + y**2)")
sinh = _elemwise(sm.Sinh(), "hyperbolic sine")
cosh = _elemwise(sm.Cosh(), "hyperbolic cosine")
tanh = _elemwise(sm.Tanh(), "hyperbolic tangent")
arcsinh = _elemwise(sm.ArcSinh(), "inverse hyperbolic sine")
arccosh = _elemwise(sm.ArcCosh(), "inverse hyperbolic cosine")
arctanh = _elemwise(sm.ArcTanh(), "inverse hyperbolic tangent")

# special functions
sigmoid = _elemwise(sm.Sigmoid(), "1 / (1 + exp(-x))")
expit = sigmoid
softplus = _elemwise(sm.Softplus(), "log(1 + exp(x)), without overflow")
log1mexp = _elemwise(sm.Log1mexp(), "log(1 - exp(x)) for x <= 0, accurate everywhere")
erf = _elemwise(sm.Erf(), "error function")
erfc = _elemwise(sm.Erfc(), "1 - erf(x)")
erfcx = _elemwise(sm.Erfcx(), "exp(x**2) * erfc(x)")
erfinv = _elemwise(sm.Erfinv(), "inverse of erf")
erfcinv = _elemwise(sm.Erfcinv(), "inverse of erfc")
gamma = _elemwise(sm.Gamma(), "gamma function")
gammaln = _elemwise(sm.GammaLn(), "log |gamma(x)|")
psi = _elemwise(sm.Psi(), "digamma: derivative of gammaln")
digamma = psi
tri_gamma = _elemwise(sm.TriGamma(), "trigamma: derivative of digamma")

# rounding
floor = _elemwise(sm.Floor(), "round down")
ceil = _elemwise(sm.Ceil(), "round up")
round_half_to_even = _elemwise(sm.RoundHalfToEven(), "round half to even, as np.round")
trunc = _elemwise(sm.Trunc(), "round toward zero")

# comparison
lt = _elemwise(sm.LT(), "x < y")
gt = _elemwise(sm.GT(), "x > y")
le = _elemwise(sm.LE(), "x <= y")
ge = _elemwise(sm.GE(), "x >= y")
eq = _elemwise(sm.EQ(), "x == y elementwise")
neq = _elemwise(sm.NEQ(), "x != y elementwise")
less, greater, less_equal, greater_equal, equal, not_equal = lt, gt, le, ge, eq, neq
isnan = _elemwise(sm.IsNan(), "x is NaN")
isinf = _elemwise(sm.IsInf(), "x is +inf or -inf")
isfinite = _elemwise(sm.IsFinite(), "x is neither infinite nor NaN")

# logic and bits (bitwise on integers, logical on bool, as NumPy)
bitwise_and = _elemwise(sm.BitwiseAnd(), "x & y")
bitwise_or = _elemwise(sm.BitwiseOr(), "x | y")
bitwise_xor = _elemwise(sm.BitwiseXor(), "x ^ y")
invert = _elemwise(sm.Invert(), "~x")
and_, or_, xor, bitwise_not = bitwise_and, bitwise_or, bitwise_xor, invert
logical_and = _elemwise(sm.LogicalAnd(), "x and y, as bool")
logical_or = _elemwise(sm.LogicalOr(), "x or y, as bool")
logical_xor = _elemwise(sm.LogicalXor(), "x xor y, as bool")
logical_not = _elemwise(sm.LogicalNot(), "not x, as bool")

# complex numbers
real = _elemwise(sm.Real(), "real part")
imag = _elemwise(sm.Imag(), "imaginary part")
conj = _elemwise(sm.Conj(), "complex conjugate")
angle = _elemwise(sm.Angle(), "argument of a complex number")
conjugate = conj

_switch = Elemwise(sm.Switch())
_clip = Elemwise(sm.Clip())


def switch(cond: typing.Any, ift: typing.Any, iff: typing.Any) -> TensorVariable:
    """``ift`` where ``cond`` holds, else ``iff`` (elementwise, broadcasting)."""
    cond_var, = as_tensor_args(cond)
    if cond_var.dtype != "bool":
        cond_var = neq(cond_var, 0)
    _, a, b = as_tensor_args(cond_var, ift, iff)
    return typing.cast(TensorVariable, _switch.make_node(cond_var, a, b).outputs[0])


def where(cond: typing.Any, x: typing.Any = None, y: typing.Any = None) -> TensorVariable:
    """``np.where`` with three arguments."""
    if x is None or y is None:
        raise TypeError("where(cond) with one argument is data-dependent; use at.nonzero(cond)")
    return switch(cond, x, y)


def clip(x: typing.Any, a_min: typing.Any, a_max: typing.Any) -> TensorVariable:
    """Limit ``x`` to ``[a_min, a_max]``, as ``np.clip``."""
    return typing.cast(TensorVariable, _clip.make_node(x, a_min, a_max).outputs[0])


def round_half_away_from_zero(x: typing.Any) -> TensorVariable:
    """Round to the nearest integer, halves away from zero (C's ``round``); integers unchanged."""
    x = as_tensor_variable(x)
    if x.type.numpy_dtype.kind not in "fc":
        return x
    # x - trunc(x) is exact (the fractional part), so the halfway test is exact too; the
    # common trick floor(x + 0.5) rounds 0.49999999999999994 up, as the sum rounds to 1
    whole = trunc(x)
    return switch(ge(abs(x - whole), 0.5), whole + sign(x), whole)


def round(a: typing.Any, mode: str | None = None) -> TensorVariable:
    """Round to the nearest integer: ``mode`` "half_to_even" (the default, as ``np.round``) or
    "half_away_from_zero"."""
    if mode is None or mode == "half_to_even":
        return round_half_to_even(a)
    if mode == "half_away_from_zero":
        return round_half_away_from_zero(a)
    raise ValueError(f"round: mode must be 'half_to_even' or 'half_away_from_zero', got {mode!r}")


def tensor_copy(x: typing.Any) -> TensorVariable:
    """A copy of ``x`` (an identity node)."""
    return Elemwise(sm.Identity())(as_tensor_variable(x))


identity = tensor_copy

__all__ = ["abs", "abs_", "absolute", "add", "and_", "angle", "arccos", "arccosh", "arcsin", "arcsinh",
           "arctan", "arctan2", "arctanh", "as_tensor_variable", "bitwise_and", "bitwise_not", "bitwise_or",
           "bitwise_xor", "cast", "ceil", "clip", "conj", "conjugate", "cos", "cosh", "digamma", "divide",
           "eq", "equal", "erf", "erfc", "erfcinv", "erfcx", "erfinv", "exp", "exp2", "expit", "expm1",
           "floor", "floor_divide", "gamma", "gammaln", "ge", "greater", "greater_equal", "gt", "hypot",
           "identity", "imag", "int_div", "invert", "isfinite", "isinf", "isnan", "le", "less", "less_equal",
           "log", "log10", "log1mexp", "log1p", "log2", "logical_and", "logical_not", "logical_or",
           "logical_xor", "lt", "maximum", "minimum", "mod", "mul", "multiply", "neg", "negative", "neq",
           "not_equal", "or_", "pow", "power", "psi", "real", "reciprocal", "round", "round_half_to_even",
           "round_half_away_from_zero", "sigmoid", "sign", "sin", "sinh", "softplus", "sqr", "sqrt", "square",
           "sub", "subtract", "switch", "tan", "tanh", "tensor_copy", "tri_gamma", "true_div", "trunc",
           "where", "xor"]

# PyTensor has its special functions in pytensor.tensor.math too; they are defined in
# special_functions (which builds on this module, hence the import at the end)
from arignote.tensor.special_functions import *  # noqa: E402, F403
from arignote.tensor.special_functions import __all__ as _special_functions_all  # noqa: E402

log1pexp = softplus  # PyTensor's other name for it
__all__.extend([*_special_functions_all, "log1pexp"])


# PyTensor's module of this name holds more of the tensor API: any name of the tensor
# namespace is found here too (namespace_forwarding.py), and PyTensor's op classes and
# internals of this module where arignote has them (importing those here would be an import
# cycle: they build on this module)
__getattr__ = tensor_namespace_getattr(__name__, {
    **{name: "arignote.tensor.reduction_kinds" for name in
       ("Sum", "Prod", "ProdWithoutZeros", "Max", "Min", "All", "Any")},
    "Argmax": "arignote.tensor.reduction", "Argmin": "arignote.tensor.reduction",
    "_allclose": "arignote.tensor.approx:allclose_by_dtype",
    "_dot": "arignote.tensor.math_compat:_dot", "_matmul": "arignote.tensor.math_compat:_matmul",
    "isnan_": "arignote.tensor.math:isnan",  # PyTensor's other name, kept out of the public list
})
_conj = conj  # PyTensor's conjugate node (its `conj` skips it for real inputs; here both conjugate)
