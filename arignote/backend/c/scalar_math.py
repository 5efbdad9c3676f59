"""C emitters for exponentials, logarithms, trigonometry, special functions and rounding.

Each calls the C library's function of the same name (``expf`` for float32),
so results match NumPy's to the last bit or two (both are within an ulp or
two of the exact value; vectorized loops use libmvec, see ``vector_math``).
Functions SciPy provides that C lacks (``psi``, ``erfcx``, ``erfinv``,
``erfcinv``) have no emitter: nodes using them run on NumPy/SciPy.
Special functions written here:

- ``sigmoid(x)``: ``1 / (1 + exp(-x))`` for ``x >= 0``, ``exp(x) / (1 + exp(x))``
  otherwise, both through ``e = exp(-|x|)`` (no overflow, SciPy's ``expit``);
- ``softplus(x)``: ``max(x, 0) + log1p(exp(-|x|))``, NumPy's ``logaddexp(0, x)``;
- ``log1mexp(x)``: ``log1p(-exp(x))`` below ``-log(2)``, ``log(-expm1(x))`` above.
"""

from __future__ import annotations

import math

from arignote.backend.c.c_types import c_literal
from arignote.backend.c.scalar_registry import Emit, c_scalar, natural_signature
from arignote.scalar import math as sm

TRANSCENDENTAL = 20  # cost of one libm call relative to an addition


def _libm(name: str, cost: float = TRANSCENDENTAL):
    def emit(e: Emit, *args: str) -> str:
        return e.fn(name, *args)
    return emit, cost


for _op_type, _name in (
        (sm.Exp, "exp"), (sm.Exp2, "exp2"), (sm.Expm1, "expm1"), (sm.Log, "log"), (sm.Log2, "log2"),
        (sm.Log10, "log10"), (sm.Log1p, "log1p"), (sm.Sin, "sin"), (sm.Cos, "cos"), (sm.Tan, "tan"),
        (sm.ArcSin, "asin"), (sm.ArcCos, "acos"), (sm.ArcTan, "atan"), (sm.Sinh, "sinh"),
        (sm.Cosh, "cosh"), (sm.Tanh, "tanh"), (sm.ArcSinh, "asinh"), (sm.ArcCosh, "acosh"),
        (sm.ArcTanh, "atanh"), (sm.ArcTan2, "atan2"), (sm.Hypot, "hypot"), (sm.Erf, "erf"),
        (sm.Erfc, "erfc"), (sm.Gamma, "tgamma"), (sm.GammaLn, "lgamma")):
    _emit, _cost = _libm(_name)
    c_scalar(_op_type, cost=_cost)(_emit)


@c_scalar(sm.Sqrt, cost=4)
def _sqrt(e: Emit, a: str) -> str:
    return e.fn("sqrt", a)


@c_scalar(sm.Sigmoid, cost=2 * TRANSCENDENTAL)
def _sigmoid(e: Emit, x: str) -> str:
    t, tag = e.out, e.loop_out.name
    name = e.helper(f"ag_sigmoid_{tag}", f"""
static inline {t} ag_sigmoid_{tag}({t} x) {{
    {t} m = {e.fn("exp", "-" + e.fn("fabs", "x"))};
    return x >= 0 ? 1 / (1 + m) : m / (1 + m);
}}""")
    return f"{name}({x})"


@c_scalar(sm.Softplus, signature=natural_signature, cost=2 * TRANSCENDENTAL)
def _softplus(e: Emit, x: str) -> str:
    t, tag = e.out, e.loop_out.name
    name = e.helper(f"ag_softplus_{tag}", f"""
static inline {t} ag_softplus_{tag}({t} x) {{
    {t} big = x > 0 ? x : 0;     /* max(x, 0); NaN reaches the result through exp */
    return big + {e.fn("log1p", e.fn("exp", "-" + e.fn("fabs", "x")))};
}}""")
    return f"{name}({x})"


@c_scalar(sm.Log1mexp, signature=natural_signature, cost=2 * TRANSCENDENTAL)
def _log1mexp(e: Emit, x: str) -> str:
    t, tag = e.out, e.loop_out.name
    branch = c_literal(-math.log(2.0), e.loop_out)
    name = e.helper(f"ag_log1mexp_{tag}", f"""
static inline {t} ag_log1mexp_{tag}({t} x) {{
    {t} far = {e.fn("log1p", "-" + e.fn("exp", "x"))};
    {t} near = {e.fn("log", "-" + e.fn("expm1", "x"))};
    return x < {branch} ? far : near;
}}""")
    return f"{name}({x})"


def _rounding(name: str):
    def emit(e: Emit, a: str) -> str:
        return e.fn(name, a) if e.kind == "f" else a
    return emit


c_scalar(sm.Floor)(_rounding("floor"))
c_scalar(sm.Ceil)(_rounding("ceil"))
c_scalar(sm.Trunc)(_rounding("trunc"))
# np.round(x) rounds half to even, as rint does in the default rounding mode
c_scalar(sm.RoundHalfToEven, signature=natural_signature)(_rounding("rint"))


def _classify(name: str, for_integers: str):
    def emit(e: Emit, a: str) -> str:
        return f"{name}({a})" if e.kind == "f" else for_integers
    return emit


c_scalar(sm.IsNan)(_classify("isnan", "0"))
c_scalar(sm.IsInf)(_classify("isinf", "0"))
c_scalar(sm.IsFinite)(_classify("isfinite", "1"))
