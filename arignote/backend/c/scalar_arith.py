"""C emitters for arithmetic, comparison, logic, selection and casts, with NumPy's semantics.

Integer arithmetic wraps (the code is compiled with ``-fwrapv``); integer
division and modulo by zero give 0, and ``INT_MIN // -1`` wraps, as NumPy's
loops do (without their warnings); floor division and modulo round toward
minus infinity and give the modulo the divisor's sign; ``maximum`` and
``minimum`` propagate NaN; an integer raised to a negative integer power
makes the call fail with NumPy's ValueError.
"""

from __future__ import annotations

import numpy as np

from arignote.backend.c.scalar_registry import (
    Emit,
    Signature,
    c_scalar,
    natural_dtype,
    natural_signature,
    ufunc_signature,
)
from arignote.scalar import math as sm


def _unsigned(ctype: str) -> str:
    return ctype if ctype.startswith("u") else "u" + ctype


# --- arithmetic ------------------------------------------------------------------------

@c_scalar(sm.Add)
def _add(e: Emit, a: str, b: str) -> str:
    return f"{a} | {b}" if e.kind == "b" else f"{a} + {b}"


@c_scalar(sm.Sub)
def _sub(e: Emit, a: str, b: str) -> str:
    return f"{a} - {b}"


@c_scalar(sm.Mul)
def _mul(e: Emit, a: str, b: str) -> str:
    return f"{a} & {b}" if e.kind == "b" else f"{a} * {b}"


def _true_div_signature(op: sm.ScalarOp, dtypes: tuple[np.dtype, ...]) -> Signature | None:
    # integer / integer: NumPy's float64 loop (the result is then converted to floatX)
    if all(d.kind in "biu" for d in dtypes):
        return (np.dtype(np.float64),) * len(dtypes), np.dtype(np.float64)
    return ufunc_signature(op, dtypes)


@c_scalar(sm.TrueDiv, signature=_true_div_signature, cost=4)
def _true_div(e: Emit, a: str, b: str) -> str:
    return f"{a} / {b}"


def _floor_div_helpers(e: Emit) -> tuple[str, str]:
    """(floordiv, mod) helper names for the loop dtype."""
    t = e.out
    tag = e.loop_out.name
    if e.kind == "f":
        fmod, floor, copysign = (f"{n}{e.suffix}" for n in ("fmod", "floor", "copysign"))
        div = e.helper(f"ag_floordiv_{tag}", f"""
static inline {t} ag_floordiv_{tag}({t} a, {t} b) {{
    if (b == 0) return a / b;
    {t} mod = {fmod}(a, b);
    {t} div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;
    if (div == 0) return {copysign}(({t})0, a / b);
    {t} floordiv = {floor}(div);
    if (div - floordiv > ({t})0.5) floordiv += 1;
    return floordiv;
}}""")
        mod = e.helper(f"ag_mod_{tag}", f"""
static inline {t} ag_mod_{tag}({t} a, {t} b) {{
    {t} mod = {fmod}(a, b);
    if (b == 0) return mod;
    if (mod != 0) {{
        if ((b < 0) != (mod < 0)) mod += b;
    }} else {{
        mod = {copysign}(({t})0, b);
    }}
    return mod;
}}""")
        return div, mod
    if e.kind == "u":
        div = e.helper(f"ag_floordiv_{tag}", f"""
static inline {t} ag_floordiv_{tag}({t} a, {t} b) {{ return b == 0 ? 0 : ({t})(a / b); }}""")
        mod = e.helper(f"ag_mod_{tag}", f"""
static inline {t} ag_mod_{tag}({t} a, {t} b) {{ return b == 0 ? 0 : ({t})(a % b); }}""")
        return div, mod
    div = e.helper(f"ag_floordiv_{tag}", f"""
static inline {t} ag_floordiv_{tag}({t} a, {t} b) {{
    if (b == 0) return 0;
    if (b == -1) return ({t})(0 - ({_unsigned(t)})a);  /* INT_MIN // -1 wraps, as in NumPy */
    {t} q = ({t})(a / b);
    if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
    return q;
}}""")
    mod = e.helper(f"ag_mod_{tag}", f"""
static inline {t} ag_mod_{tag}({t} a, {t} b) {{
    if (b == 0 || b == -1) return 0;
    {t} r = ({t})(a % b);
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}}""")
    return div, mod


@c_scalar(sm.IntDiv, cost=8)
def _int_div(e: Emit, a: str, b: str) -> str:
    return f"{_floor_div_helpers(e)[0]}({a}, {b})"


@c_scalar(sm.Mod, cost=8)
def _mod(e: Emit, a: str, b: str) -> str:
    return f"{_floor_div_helpers(e)[1]}({a}, {b})"


@c_scalar(sm.Pow, cost=20)
def _pow(e: Emit, a: str, b: str) -> str:
    if e.kind == "f":
        return e.fn("pow", a, b)
    t, tag = e.out, e.loop_out.name
    u = _unsigned(t)
    if e.kind == "i":
        e.fail_if(f"({b}) < 0")
    name = e.helper(f"ag_ipow_{tag}", f"""
static inline {t} ag_ipow_{tag}({t} base, {t} exponent) {{
    {u} result = 1, b = ({u})base, n = ({u})exponent;
    while (n) {{
        if (n & 1) result = ({u})(result * b);
        b = ({u})(b * b);
        n >>= 1;
    }}
    return ({t})result;
}}""")
    return f"{name}({a}, {b})"


def _extreme(e: Emit, a: str, b: str, op: str) -> str:
    if e.kind == "f":  # NaN propagates from either side
        return f"({a} {op} {b} || {a} != {a}) ? {a} : {b}"
    return f"({a} {op} {b}) ? {a} : {b}"


@c_scalar(sm.Maximum)
def _maximum(e: Emit, a: str, b: str) -> str:
    return _extreme(e, a, b, ">=")


@c_scalar(sm.Minimum)
def _minimum(e: Emit, a: str, b: str) -> str:
    return _extreme(e, a, b, "<=")


@c_scalar(sm.Neg)
def _neg(e: Emit, a: str) -> str:
    return f"-{a}"


@c_scalar(sm.Abs)
def _abs(e: Emit, a: str) -> str:
    if e.kind == "f":
        return e.fn("fabs", a)
    if e.kind == "i":
        return f"{a} < 0 ? -{a} : {a}"
    return a


@c_scalar(sm.Sign)
def _sign(e: Emit, a: str) -> str:
    if e.kind == "f":
        one, zero = e.literal(1), e.literal(0)
        return f"{a} > 0 ? {one} : ({a} < 0 ? -{one} : ({a} == 0 ? {zero} : {a}))"
    if e.kind == "i":
        return f"({a} > 0) - ({a} < 0)"
    return f"{a} > 0"


@c_scalar(sm.Sqr)
def _sqr(e: Emit, a: str) -> str:
    return f"{a} * {a}"


@c_scalar(sm.Reciprocal, signature=natural_signature, cost=4)
def _reciprocal(e: Emit, a: str) -> str:
    return f"{e.literal(1)} / {a}"


def _same_signature(op: sm.ScalarOp, dtypes: tuple[np.dtype, ...]):
    return (dtypes, dtypes[0])


@c_scalar(sm.Identity, signature=_same_signature)
def _identity(e: Emit, a: str) -> str:
    return a


def _second_signature(op: sm.ScalarOp, dtypes: tuple[np.dtype, ...]):
    return (dtypes, dtypes[1])


@c_scalar(sm.Second, signature=_second_signature, cost=0)
def _second(e: Emit, model: str, value: str) -> str:
    return value


def _cast_signature(op: sm.Cast, dtypes: tuple[np.dtype, ...]):
    return (dtypes, np.dtype(op.dtype))


@c_scalar(sm.Cast, signature=_cast_signature)
def _cast(e: Emit, a: str) -> str:
    if e.loop_out.kind == "b":
        return f"{a} != 0"
    return f"({e.out})({a})"


# --- selection --------------------------------------------------------------------------

@c_scalar(sm.Clip, signature=natural_signature)
def _clip(e: Emit, x: str, low: str, high: str) -> str:
    if e.kind == "f":  # np.minimum(np.maximum(x, low), high): NaN anywhere propagates
        t, tag = e.out, e.loop_out.name
        name = e.helper(f"ag_clip_{tag}", f"""
static inline {t} ag_clip_{tag}({t} x, {t} low, {t} high) {{
    {t} y = (x >= low || x != x) ? x : low;
    return (y <= high || y != y) ? y : high;
}}""")
        return f"{name}({x}, {low}, {high})"
    t, tag = e.out, e.loop_out.name
    name = e.helper(f"ag_clip_{tag}", f"""
static inline {t} ag_clip_{tag}({t} x, {t} low, {t} high) {{
    {t} y = x >= low ? x : low;
    return y <= high ? y : high;
}}""")
    return f"{name}({x}, {low}, {high})"


def _switch_signature(op: sm.Switch, dtypes: tuple[np.dtype, ...]):
    out = natural_dtype(op, dtypes)
    return None if out is None else ((np.dtype(bool), out, out), out)


@c_scalar(sm.Switch, signature=_switch_signature)
def _switch(e: Emit, cond: str, a: str, b: str) -> str:
    return f"{cond} ? {a} : {b}"


# --- comparison ---------------------------------------------------------------------------

_MIXED = {  # signed a vs unsigned b (NumPy compares int64 with uint64 exactly)
    "<": "({a} < 0 || (uint64_t)({a}) < {b})", "<=": "({a} < 0 || (uint64_t)({a}) <= {b})",
    ">": "({a} >= 0 && (uint64_t)({a}) > {b})", ">=": "({a} >= 0 && (uint64_t)({a}) >= {b})",
    "==": "({a} >= 0 && (uint64_t)({a}) == {b})", "!=": "({a} < 0 || (uint64_t)({a}) != {b})",
}
_SWAPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _comparison(symbol: str):
    def emit(e: Emit, a: str, b: str) -> str:
        ka, kb = e.loop_in[0].kind, e.loop_in[1].kind
        if ka == "i" and kb == "u":
            return _MIXED[symbol].format(a=a, b=b)
        if ka == "u" and kb == "i":
            return _MIXED[_SWAPPED[symbol]].format(a=b, b=a)
        return f"{a} {symbol} {b}"
    return emit


for _op_type, _symbol in ((sm.LT, "<"), (sm.GT, ">"), (sm.LE, "<="), (sm.GE, ">="), (sm.EQ, "=="),
                          (sm.NEQ, "!=")):
    c_scalar(_op_type)(_comparison(_symbol))


# --- logic and bits -------------------------------------------------------------------------

@c_scalar(sm.BitwiseAnd)
def _bit_and(e: Emit, a: str, b: str) -> str:
    return f"{a} & {b}"


@c_scalar(sm.BitwiseOr)
def _bit_or(e: Emit, a: str, b: str) -> str:
    return f"{a} | {b}"


@c_scalar(sm.BitwiseXor)
def _bit_xor(e: Emit, a: str, b: str) -> str:
    return f"{a} ^ {b}"


@c_scalar(sm.Invert)
def _invert(e: Emit, a: str) -> str:
    return f"!{a}" if e.kind == "b" else f"~{a}"


@c_scalar(sm.LogicalAnd)
def _logical_and(e: Emit, a: str, b: str) -> str:
    return f"({a} != 0) & ({b} != 0)"


@c_scalar(sm.LogicalOr)
def _logical_or(e: Emit, a: str, b: str) -> str:
    return f"({a} != 0) | ({b} != 0)"


@c_scalar(sm.LogicalXor)
def _logical_xor(e: Emit, a: str, b: str) -> str:
    return f"({a} != 0) != ({b} != 0)"


@c_scalar(sm.LogicalNot)
def _logical_not(e: Emit, a: str) -> str:
    return f"{a} == 0"


# --- real parts of real numbers -----------------------------------------------------------

@c_scalar(sm.Real, sm.Conj, signature=natural_signature)
def _real(e: Emit, a: str) -> str:
    return a


@c_scalar(sm.Imag, signature=natural_signature)
def _imag(e: Emit, a: str) -> str:
    return e.literal(0)


@c_scalar(sm.Angle, signature=natural_signature, cost=20)
def _angle(e: Emit, a: str) -> str:
    return e.fn("atan2", e.literal(0), a)

