"""C emitters for exponentials, logarithms, trigonometry, special functions and rounding.

A function the C library has under the NumPy/SciPy name (``expf`` for
float32; see ``scalar_registry.libm_name``) needs no emitter: the registry
calls it by default, so results match NumPy's to the last bit or two (both
are within an ulp or two of the exact value; vectorized loops use libmvec,
see ``vector_math``).  Functions SciPy provides that C lacks (``psi``,
``erfcx``, ``erfinv``, ``erfcinv``) have no emitter: nodes using them run on
NumPy/SciPy.  The exceptions written here:

- ``sigmoid(x)``: ``1 / (1 + exp(-x))`` for ``x >= 0``, ``exp(x) / (1 + exp(x))``
  otherwise, both through ``e = exp(-|x|)`` (no overflow, SciPy's ``expit``);
- ``softplus(x)``: ``max(x, 0) + log1p(exp(-|x|))``, NumPy's ``logaddexp(0, x)``;
- ``log1mexp(x)``: ``log1p(-exp(x))`` below ``-log(2)``, ``log(-expm1(x))`` above.
"""

from __future__ import annotations

import math

from arignote.backend.c.c_types import c_literal
from arignote.backend.c.scalar_registry import TRANSCENDENTAL, Emit, c_scalar, natural_signature
from arignote.scalar import math as sm

# The functions libm has under their NumPy name (exp, log1p, arcsinh as asinh, erf, gammaln as
# lgamma, ...) need no emitter here: ``scalar_registry`` calls the namesake (``libm_name``).


@c_scalar(sm.Sqrt, cost=4)  # the libm default, but cheaper: one instruction
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
