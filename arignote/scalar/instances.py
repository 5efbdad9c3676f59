"""PyTensor's scalar op instances (``pytensor.scalar.add``, ``exp``, ``xor``, ...) as arignote's
scalar ops, so ``Elemwise(ps.add)``, ``CAReduce(ps.add, ...)`` and ``ps.add(x, y)`` work.

The names are PyTensor's: ``and_``, ``or_``, ``xor`` and ``invert`` are the bitwise ops (the
logical ones on bool), ``int_div`` is floor division.  Only names whose function arignote has
are here (PyTensor's ``round_half_away_from_zero`` scalar op is not).
"""

from __future__ import annotations

from arignote.scalar import math as _math
from arignote.scalar import special as _special
from arignote.scalar.basic import ScalarOp
from arignote.scalar.complex_parts import Complex

#: PyTensor's instance name -> arignote's class name
_NAMES = {
    "add": "Add", "mul": "Mul", "sub": "Sub", "true_div": "TrueDiv", "int_div": "IntDiv",
    "mod": "Mod", "pow": "Pow", "maximum": "Maximum", "minimum": "Minimum", "clip": "Clip",
    "second": "Second", "identity": "Identity", "abs": "Abs", "sign": "Sign", "neg": "Neg",
    "reciprocal": "Reciprocal", "sqr": "Sqr", "sqrt": "Sqrt", "switch": "Switch",
    "ceil": "Ceil", "floor": "Floor", "trunc": "Trunc", "round_half_to_even": "RoundHalfToEven",
    "exp": "Exp", "exp2": "Exp2", "expm1": "Expm1", "log": "Log", "log2": "Log2",
    "log10": "Log10", "log1p": "Log1p", "cos": "Cos", "sin": "Sin", "tan": "Tan",
    "arccos": "ArcCos", "arcsin": "ArcSin", "arctan": "ArcTan", "arctan2": "ArcTan2",
    "cosh": "Cosh", "sinh": "Sinh", "tanh": "Tanh", "arccosh": "ArcCosh", "arcsinh": "ArcSinh",
    "arctanh": "ArcTanh", "real": "Real", "imag": "Imag", "conj": "Conj",
    "lt": "LT", "gt": "GT", "le": "LE", "ge": "GE", "eq": "EQ", "neq": "NEQ",
    "isnan": "IsNan", "isinf": "IsInf",
    "and_": "BitwiseAnd", "or_": "BitwiseOr", "xor": "BitwiseXor", "invert": "Invert",
    "erf": "Erf", "erfc": "Erfc", "erfcx": "Erfcx", "erfinv": "Erfinv", "erfcinv": "Erfcinv",
    "gamma": "Gamma", "gammaln": "GammaLn", "psi": "Psi", "tri_gamma": "TriGamma",
    "polygamma": "PolyGamma", "gammainc": "GammaInc", "gammaincc": "GammaIncC",
    "gammaincinv": "GammaIncInv", "gammainccinv": "GammaIncCInv", "betainc": "BetaInc",
    "betaincinv": "BetaIncInv", "hyp2f1": "Hyp2F1", "jv": "Jv", "j0": "J0", "j1": "J1",
    "i0": "I0", "i1": "I1", "ive": "Ive", "kve": "Kve", "owens_t": "OwensT",
    "ndtri_exp": "NdtriExp", "sigmoid": "Sigmoid", "softplus": "Softplus",
    "log1mexp": "Log1mexp",
}


def _make(class_name: str) -> ScalarOp:
    cls = getattr(_math, class_name, None) or getattr(_special, class_name)
    return cls()  # type: ignore[no-any-return,unused-ignore]


#: every instance by PyTensor's name
INSTANCES: dict[str, ScalarOp] = {name: _make(cls) for name, cls in _NAMES.items()}
INSTANCES["complex"] = Complex()
# module attributes (`abs`, `pow`, `complex` are PyTensor's names and shadow builtins only here)
globals().update(INSTANCES)

__all__ = sorted(INSTANCES)  # noqa: PLE0605
