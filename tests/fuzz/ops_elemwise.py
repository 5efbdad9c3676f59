"""Elementwise ops of the fuzzer: unary and binary functions, where/switch, clip, casts.

Each function is a row of a table: its arignote source, its NumPy function,
the input kinds it accepts, whether it gives a float for integer inputs (and
so float32 for bool and 8/16-bit integers, PyTensor's departure from NumPy's
float16, which arignote promises; integer / integer is floatX), and its accuracy for the error model
(``ulps``: relative accuracy in units of the result's eps; ``abs_ulps``: an
absolute term for results cancelling towards zero).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.special as sps

from arignote.config import config
from tests.fuzz import error_model as em
from tests.fuzz.program import OpSpec, Reject, Value, scalar_literal

SMALL = {np.dtype(d) for d in ("bool", "int8", "uint8", "int16", "uint16")}


def result_dtype(np_fn: Callable, float_result: bool, dtypes: Sequence[np.dtype]) -> np.dtype:
    """The dtype arignote promises: NumPy's, but float32 where NumPy gives a float
    for inputs that are all bool or small integers, and floatX for integer / integer
    (PyTensor's rules)."""
    if np_fn is np.true_divide and all(np.dtype(d).kind in "biu" for d in dtypes):
        return np.dtype(config.floatX)
    with np.errstate(all="ignore"):
        out = np.asarray(np_fn(*[np.ones(1, d) for d in dtypes])).dtype
    if float_result and out.kind == "f" and all(np.dtype(d) in SMALL for d in dtypes):
        return np.dtype("float32")
    return out


def compute(np_fn: Callable, float_result: bool, xs: Sequence[np.ndarray]) -> np.ndarray:
    """NumPy's value in the promised dtype: real-valued functions of integers are
    computed in the output dtype (not in NumPy's float16 then cast)."""
    out = result_dtype(np_fn, float_result, [x.dtype for x in xs])
    if np_fn is np.true_divide and all(x.dtype.kind in "biu" for x in xs):
        pass  # NumPy's float64 quotient, rounded to floatX below
    elif float_result and out.kind == "f":
        xs = [x.astype(out) if x.dtype.kind != "f" else x for x in xs]
    try:
        return np.asarray(np_fn(*xs)).astype(out, copy=False)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Reject(f"NumPy refuses: {exc}") from None


def margin_of(params: dict) -> float:
    return params.get("margin", 0.0)


def widen(vals: Sequence[np.ndarray], errs: Sequence[np.ndarray], margin: float,
          rounding: float = 0.0) -> list[np.ndarray]:
    """Error radii grown by the gradient subset's kink margin (so that a finite
    difference step never crosses a kink) and by ``rounding`` relative ulps (for
    discrete results computed through a rounded intermediate, like floor(a / b))."""
    out = []
    for x, e in zip(vals, errs):
        if x.dtype.kind == "f":
            mag = np.abs(np.where(np.isfinite(x), x, 0.0))
            e = e + margin * (1.0 + mag) + rounding * em.eps(x.dtype) * mag
        out.append(e)
    return out


def kink_check(distance: np.ndarray, scale: np.ndarray, margin: float) -> None:
    """In the gradient subset, reject values within ``margin`` of a kink (a tie of
    maximum, abs at 0, clip at a bound), where the derivative is not defined."""
    if margin and np.any(np.abs(distance) <= margin * (1.0 + np.abs(scale))):
        raise Reject("too close to a kink for a finite difference")


@dataclass(frozen=True)
class Fn:
    name: str
    src: str                       # "at.exp({0})"
    np_fn: Callable
    kinds: str                     # input kinds accepted: "f", "i" (ints), "b" (bool)
    float_result: bool = False
    ulps: float = 1.0
    abs_ulps: float = 0.0
    trig: bool = False             # absolute term scales with |x| (argument reduction)
    discrete: bool = False         # the result is exact (a comparison, a rounding)
    singular_ok: bool = False      # inf/NaN of exact finite inputs is exact (log 0, 1/0)
    smooth: bool = False           # in the gradient subset
    domain: tuple[float, float] = (-3.0, 3.0)   # preferred input values
    weight: float = 1.0
    kink: Callable | None = None   # distance to a kink, for the gradient subset


def _kind(dtype: np.dtype) -> str:
    return {"f": "f", "i": "i", "u": "i", "b": "b"}[np.dtype(dtype).kind]


# Accuracy of each function (the ``own`` error of ``error_model.elemwise_error``), chosen
# from what the implementations behind the backends promise, with headroom:
# - ulps=1: IEEE-correctly rounded operations (+ - * / sqrt, negation, squares); a
#   rewrite may add one more rounding (x / c -> x * (1 / c)), and ``own`` is counted
#   for both the backend and NumPy, so 2 ulps in all.
# - ulps=4: exp/log/trig families.  glibc's scalar functions are within 1 ulp, libmvec's
#   vector variants (the C backend) are documented within 4 ulps, XLA's float32 exp and
#   log are polynomial approximations within a few ulps.
# - ulps=8: tanh, sigmoid, softplus, erf/erfc: XLA evaluates float32 tanh and erf with
#   rational approximations of a few ulps, and sigmoid/softplus are composites (exp,
#   then one or two more roundings, possibly after a stabilising rewrite).
# - abs_ulps: an absolute term for results that cancel to ~0 while the argument does not:
#   sin/cos/tan near multiples of pi/2 (argument reduction loses ~eps * |x|, so the term
#   scales with |x|: ``trig``), log near 1, inverse functions near their zeros.  There a
#   relative bound on the result means nothing and an absolute one of eps is the
#   accuracy any implementation has.
# Discrete results (comparisons, rounding, isnan) are exact once the error box of the
# operands does not straddle a jump (``em.same_everywhere``).
UNARY = [
    Fn("neg", "(-{0})", np.negative, "fi", smooth=True, weight=0.6),
    Fn("abs", "at.abs({0})", np.abs, "fi", smooth=True, kink=lambda x: x),
    Fn("sign", "at.sign({0})", np.sign, "fi", discrete=True, weight=0.5),
    Fn("sqr", "at.sqr({0})", np.square, "fi", smooth=True),
    Fn("reciprocal", "at.reciprocal({0})", np.reciprocal, "f", ulps=1, singular_ok=True,
       smooth=True, kink=lambda x: x, domain=(0.5, 3)),
    Fn("exp", "at.exp({0})", np.exp, "fib", True, ulps=4, smooth=True, weight=1.5),
    Fn("exp2", "at.exp2({0})", np.exp2, "fib", True, ulps=4, weight=0.5),
    Fn("expm1", "at.expm1({0})", np.expm1, "fi", True, ulps=4, smooth=True, weight=0.5),
    Fn("log", "at.log({0})", np.log, "fib", True, ulps=4, abs_ulps=1, singular_ok=True,
       smooth=True, domain=(0.1, 5), kink=lambda x: x, weight=1.5),
    Fn("log2", "at.log2({0})", np.log2, "fi", True, ulps=4, abs_ulps=1, singular_ok=True,
       domain=(0.1, 5), weight=0.5),
    Fn("log10", "at.log10({0})", np.log10, "fi", True, ulps=4, abs_ulps=1, singular_ok=True,
       domain=(0.1, 5), weight=0.5),
    Fn("log1p", "at.log1p({0})", np.log1p, "fi", True, ulps=4, abs_ulps=1, singular_ok=True,
       smooth=True, domain=(-0.5, 5), kink=lambda x: x + 1, weight=0.7),
    Fn("sqrt", "at.sqrt({0})", np.sqrt, "fib", True, ulps=1, singular_ok=True, smooth=True,
       domain=(0, 5), kink=lambda x: x),
    Fn("sin", "at.sin({0})", np.sin, "fi", True, ulps=4, abs_ulps=2, trig=True, smooth=True),
    Fn("cos", "at.cos({0})", np.cos, "fi", True, ulps=4, abs_ulps=2, trig=True, smooth=True),
    Fn("tan", "at.tan({0})", np.tan, "fi", True, ulps=4, abs_ulps=2, trig=True, domain=(-1.2, 1.2),
       weight=0.5),
    Fn("arcsin", "at.arcsin({0})", np.arcsin, "f", True, ulps=4, abs_ulps=2, singular_ok=True,
       domain=(-0.95, 0.95), weight=0.5),
    Fn("arccos", "at.arccos({0})", np.arccos, "f", True, ulps=4, abs_ulps=2, singular_ok=True,
       domain=(-0.95, 0.95), weight=0.5),
    Fn("arctan", "at.arctan({0})", np.arctan, "fi", True, ulps=4, smooth=True, weight=0.5),
    Fn("sinh", "at.sinh({0})", np.sinh, "f", True, ulps=4, weight=0.5),
    Fn("cosh", "at.cosh({0})", np.cosh, "f", True, ulps=4, weight=0.5),
    Fn("tanh", "at.tanh({0})", np.tanh, "fi", True, ulps=8, abs_ulps=1, smooth=True),
    Fn("arcsinh", "at.arcsinh({0})", np.arcsinh, "f", True, ulps=4, weight=0.4),
    Fn("arccosh", "at.arccosh({0})", np.arccosh, "f", True, ulps=4, abs_ulps=2, singular_ok=True,
       domain=(1.1, 4), weight=0.4),
    Fn("arctanh", "at.arctanh({0})", np.arctanh, "f", True, ulps=4, abs_ulps=2, singular_ok=True,
       domain=(-0.9, 0.9), weight=0.4),
    Fn("sigmoid", "at.sigmoid({0})", sps.expit, "fi", True, ulps=8, abs_ulps=1, smooth=True),
    Fn("softplus", "at.softplus({0})", lambda x: np.logaddexp(np.zeros((), x.dtype), x), "fi", True,
       ulps=8, abs_ulps=1, smooth=True),
    Fn("erf", "at.erf({0})", sps.erf, "f", True, ulps=8, abs_ulps=1, smooth=True, weight=0.5),
    Fn("erfc", "at.erfc({0})", sps.erfc, "f", True, ulps=8, abs_ulps=1, weight=0.4),
    Fn("floor", "at.floor({0})", np.floor, "fi", discrete=True, weight=0.4),
    Fn("ceil", "at.ceil({0})", np.ceil, "fi", discrete=True, weight=0.4),
    Fn("trunc", "at.trunc({0})", np.trunc, "f", discrete=True, weight=0.4),
    Fn("round", "at.round({0})", np.round, "fi", discrete=True, weight=0.4),
    Fn("isnan", "at.isnan({0})", np.isnan, "fi", discrete=True, weight=0.3),
    Fn("isinf", "at.isinf({0})", np.isinf, "fi", discrete=True, weight=0.3),
    Fn("isfinite", "at.isfinite({0})", np.isfinite, "fi", discrete=True, weight=0.3),
    Fn("invert", "(~{0})", np.invert, "ib", weight=0.4),
    Fn("logical_not", "at.logical_not({0})", np.logical_not, "fib", discrete=True, weight=0.4),
]

BINARY = [
    Fn("add", "({0} + {1})", np.add, "fib", ulps=0, abs_ulps=1, smooth=True, weight=2.0),
    Fn("sub", "({0} - {1})", np.subtract, "fi", ulps=0, abs_ulps=1, smooth=True, weight=1.5),
    Fn("mul", "({0} * {1})", np.multiply, "fib", ulps=1, smooth=True, weight=2.0),
    Fn("true_div", "({0} / {1})", np.true_divide, "fib", True, ulps=1, singular_ok=True, smooth=True,
       kink=lambda a, b: b),
    Fn("int_div", "({0} // {1})", np.floor_divide, "fi", discrete=True, singular_ok=True, weight=0.6),
    Fn("mod", "({0} % {1})", np.remainder, "fi", ulps=2, abs_ulps=2, singular_ok=True, weight=0.6),
    Fn("pow", "({0} ** {1})", np.power, "fi", ulps=4, singular_ok=False, smooth=True,
       domain=(0.2, 3), kink=lambda a, b: a, weight=0.7),
    Fn("maximum", "at.maximum({0}, {1})", np.maximum, "fib", ulps=0, smooth=True,
       kink=lambda a, b: a - b),
    Fn("minimum", "at.minimum({0}, {1})", np.minimum, "fib", ulps=0, smooth=True,
       kink=lambda a, b: a - b),
    Fn("arctan2", "at.arctan2({0}, {1})", np.arctan2, "fi", True, ulps=4, abs_ulps=2, weight=0.4),
    Fn("hypot", "at.hypot({0}, {1})", np.hypot, "fi", True, ulps=2, weight=0.4),
    Fn("lt", "({0} < {1})", np.less, "fib", discrete=True, smooth=True),
    Fn("gt", "({0} > {1})", np.greater, "fib", discrete=True, smooth=True),
    Fn("le", "at.le({0}, {1})", np.less_equal, "fib", discrete=True, weight=0.5),
    Fn("ge", "at.ge({0}, {1})", np.greater_equal, "fib", discrete=True, weight=0.5),
    Fn("eq", "at.eq({0}, {1})", np.equal, "fib", discrete=True, weight=0.5),
    Fn("neq", "at.neq({0}, {1})", np.not_equal, "fib", discrete=True, weight=0.5),
    Fn("logical_and", "at.logical_and({0}, {1})", np.logical_and, "fib", discrete=True, weight=0.4),
    Fn("logical_or", "at.logical_or({0}, {1})", np.logical_or, "fib", discrete=True, weight=0.4),
    Fn("logical_xor", "at.logical_xor({0}, {1})", np.logical_xor, "fib", discrete=True, weight=0.3),
    Fn("and", "({0} & {1})", np.bitwise_and, "ib", weight=0.4),
    Fn("or", "({0} | {1})", np.bitwise_or, "ib", weight=0.4),
    Fn("xor", "({0} ^ {1})", np.bitwise_xor, "ib", weight=0.3),
]


def _pick_fn(gen, table: list[Fn]) -> Fn:
    table = [f for f in table if f.smooth] if gen.smooth else table
    w = np.array([f.weight for f in table])
    return table[gen.rng.choice(len(table), p=w / w.sum())]


def _accepts(fn: Fn, v: Value) -> bool:
    return _kind(v.dtype) in fn.kinds


def _in_domain(fn: Fn, v: Value, strict: bool) -> bool:
    """Inside the function's preferred domain (floats): mostly, so that few results
    are NaN, or entirely (``strict``, the gradient subset)."""
    if v.dtype.kind != "f" or v.ref.size == 0:
        return True
    lo, hi = fn.domain
    inside = (v.ref >= lo) & (v.ref <= hi)
    return inside.mean() >= (1.0 if strict else 0.75)


def own_abs_scale(fn: Fn, xs: Sequence[np.ndarray]) -> np.ndarray | float:
    if fn.trig:
        return np.maximum(1.0, np.abs(em.wide(xs[0])))
    if fn.name in ("add", "sub", "mod"):
        # a sum's rounding is relative to its terms, not to its (cancelled) result:
        # a rewrite may reassociate it
        return sum(np.abs(em.wide(x)) for x in xs)
    return 1.0


def evaluate_fn(fn: Fn, vals: Sequence[np.ndarray], errs: Sequence[np.ndarray], params: dict) -> tuple:
    """Reference and bound of ``fn`` on operand arrays (python scalars already
    turned into 0-d arrays of their weak dtype)."""
    ref = compute(fn.np_fn, fn.float_result, vals)
    margin = margin_of(params)
    if margin:
        if fn.kink is not None:
            kink_check(fn.kink(*[em.wide(v) for v in vals]),
                       sum(np.abs(em.wide(v)) for v in vals), margin)
        if ref.dtype.kind == "f" and not np.all(np.isfinite(ref)):
            raise Reject("the gradient subset stays finite")
    floats = any(v.dtype.kind == "f" for v in vals)
    if fn.discrete or (fn.name in ("int_div", "mod") and floats):
        # floor(a / b) goes through a rounded quotient: widen by 4 ulps of it
        rounding = 4.0 if fn.name in ("int_div", "mod") else 0.0
        probe = (lambda a, b: np.floor(a / b)) if fn.name in ("int_div", "mod") else fn.np_fn
        em.same_everywhere(probe, vals, widen(vals, errs, margin, rounding), ref.shape)
        if fn.discrete:
            return ref, np.zeros(ref.shape)
    if ref.dtype.kind != "f":
        return ref, np.zeros(ref.shape)

    def f64(*a):
        return fn.np_fn(*[np.asarray(x, np.float64) for x in a])

    ulps = fn.ulps
    if fn.name == "pow":
        # exp(y log x) implementations lose |y log x| ulps to the argument's rounding
        with np.errstate(all="ignore"):
            ulps = 4.0 + np.nan_to_num(np.abs(em.wide(vals[1]) * np.log(np.abs(em.wide(vals[0])))),
                                       nan=0.0, posinf=0.0)
    err = em.elemwise_error(f64, vals, errs, ref, ulps, fn.abs_ulps, own_abs_scale(fn, vals),
                            fn.singular_ok and all(not e.any() for e in errs))
    return ref, err


class Unary(OpSpec):
    name = "unary"
    weight = 3.0
    smooth = True

    def code(self, names, params):
        return FN[params["fn"]].src.format(*names)

    def evaluate(self, vals, params):
        return evaluate_fn(FN[params["fn"]], [vals[0].ref], [vals[0].err], params)

    def propose(self, gen):
        fn = _pick_fn(gen, UNARY)
        i = gen.pick(lambda v: _accepts(fn, v) and _in_domain(fn, v, gen.smooth))
        if i is None or gen.rng.random() < 0.2:
            kinds = [k for k in fn.kinds if k in gen.kinds]
            if not kinds:
                return None
            i = gen.fresh(gen.random_shape(), gen.random_dtype(gen.rng.choice(kinds)), domain=fn.domain)
        return (i,), {"fn": fn.name, "margin": gen.margin}


def _weak(v, other: np.dtype) -> np.ndarray:
    """A Python scalar as the 0-d array arignote makes of it: NumPy's weak promotion."""
    return np.asarray(v, dtype=np.result_type(other, v))


class Binary(OpSpec):
    name = "binary"
    weight = 4.0
    smooth = True

    def code(self, names, params):
        names = list(names)
        if params.get("scalar") is not None:
            pos, v = params["scalar"]
            names.insert(pos, scalar_literal(v))
        elif params.get("same"):
            names = [names[0], names[0]]
        return FN[params["fn"]].src.format(*names)

    def operands(self, vals, params):
        arrays, errs = [v.ref for v in vals], [v.err for v in vals]
        if params.get("same"):
            arrays, errs = arrays * 2, errs * 2
        if params.get("scalar") is not None:
            pos, v = params["scalar"]
            arrays.insert(pos, _weak(v, vals[0].dtype))
            errs.insert(pos, np.zeros(()))
        return arrays, errs

    def evaluate(self, vals, params):
        arrays, errs = self.operands(vals, params)
        return evaluate_fn(FN[params["fn"]], arrays, errs, params)

    def propose(self, gen):
        fn = _pick_fn(gen, BINARY)
        i = gen.pick(lambda v: _accepts(fn, v) and _in_domain(fn, v, gen.smooth))
        if i is None:
            kinds = [k for k in fn.kinds if k in gen.kinds]
            if not kinds:
                return None
            i = gen.fresh(gen.random_shape(), gen.random_dtype(gen.rng.choice(kinds)), domain=fn.domain)
        a = gen.values[i]
        params = {"fn": fn.name, "margin": gen.margin}
        r = gen.rng.random()
        if r < 0.08 and not gen.smooth:
            return (i,), {**params, "same": True}                    # x op x
        if r < 0.3:
            v = gen.random_scalar(_kind(a.dtype), fn)
            if v is not None:
                pos = int(gen.rng.integers(2)) if fn.name != "pow" else 1
                return (i,), {**params, "scalar": (pos, v)}
        kinds = fn.kinds if fn.name != "pow" else _kind(a.dtype)
        j = gen.partner(i, kinds, domain=(0.5, 2.5) if fn.name == "pow" else fn.domain)
        if j is None:
            return None
        order = (i, j) if gen.rng.random() < 0.5 or fn.name == "pow" else (j, i)
        return order, params


class Where(OpSpec):
    """``at.where``/``at.switch`` with a boolean (or integer) condition."""

    name = "where"
    weight = 1.0
    smooth = True

    def code(self, names, params):
        return f"at.{params['form']}({names[0]}, {names[1]}, {names[2]})"

    def evaluate(self, vals, params):
        cond, a, b = vals
        ref = np.where(cond.ref, a.ref, b.ref)
        err = np.where(cond.ref, a.err, b.err)
        if ref.dtype.kind != "f":
            return ref, np.zeros(ref.shape)
        return ref, em.finish(ref, err, True, singular_ok=True)

    def propose(self, gen):
        c = gen.pick(lambda v: v.dtype.kind in "biu" and v.ndim <= 3)
        if c is None:
            return None
        a = gen.partner(c, gen.kinds)
        if a is None:
            return None
        b = gen.partner_of_both(c, a)
        if b is None:
            return None
        return (c, a, b), {"form": gen.rng.choice(["where", "switch"])}


class Clip(OpSpec):
    name = "clip"
    weight = 0.6
    smooth = True

    def code(self, names, params):
        lo, hi = params["bounds"]
        return f"at.clip({names[0]}, {scalar_literal(lo)}, {scalar_literal(hi)})"

    def evaluate(self, vals, params):
        x = vals[0]
        lo, hi = params["bounds"]
        ref = np.clip(x.ref, _weak(lo, x.dtype), _weak(hi, x.dtype))
        if x.dtype.kind == "b":
            raise Reject("clip of bool")
        kink_check(np.minimum(np.abs(em.wide(x.ref) - lo), np.abs(em.wide(x.ref) - hi)), em.wide(x.ref),
                   margin_of(params))
        if ref.dtype.kind != "f":
            return ref, np.zeros(ref.shape)
        # clip is 1-Lipschitz in x: the error cannot grow
        return ref, em.finish(ref, x.err, em.all_finite(x.ref), singular_ok=True)

    def propose(self, gen):
        i = gen.pick(lambda v: v.dtype.kind in "fiu")
        if i is None:
            return None
        v = gen.values[i]
        if v.dtype.kind == "f":
            lo = float(np.round(gen.rng.uniform(-2, 1), 2))
            bounds = (lo, float(np.round(lo + gen.rng.uniform(0.1, 3), 2)))
        else:
            lo = int(gen.rng.integers(0 if v.dtype.kind == "u" else -3, 3))
            bounds = (lo, lo + int(gen.rng.integers(0, 4)))
        return (i,), {"bounds": bounds, "margin": gen.margin}


CAST_TARGETS = ("float16", "float32", "float64", "int8", "uint8", "int32", "int64", "bool")


class Cast(OpSpec):
    name = "cast"
    weight = 0.8

    def code(self, names, params):
        return f"at.cast({names[0]}, {params['dtype']!r})"

    def evaluate(self, vals, params):
        x, target = vals[0], np.dtype(params["dtype"])
        ref = x.ref.astype(target)
        if x.dtype.kind == "f" and target.kind in "iu":
            # out of range and NaN casts are undefined in C: not compared
            info = np.iinfo(target)
            if not np.all(np.isfinite(x.ref)) or np.any(x.ref + x.err >= info.max + 1.0) \
                    or np.any(x.ref - x.err <= info.min - 1.0):
                raise Reject("cast out of range")
            em.same_everywhere(np.trunc, [x.ref], [x.err], ref.shape)
            return ref, np.zeros(ref.shape)
        if x.dtype.kind == "f" and target.kind == "b":
            em.same_everywhere(lambda a: a != 0, [x.ref], [x.err], ref.shape)
            return ref, np.zeros(ref.shape)
        if target.kind != "f":
            return ref, np.zeros(ref.shape)
        # one rounding into the target (none if it is wider): 1 ulp of the result
        own = em.eps(target) * np.abs(em.wide(np.where(np.isfinite(ref), ref, 0))) + em.tiny(target)
        return ref, em.finish(ref, x.err + 2 * own, em.all_finite(x.ref))

    def propose(self, gen):
        i = gen.pick()
        if i is None:
            return None
        targets = [t for t in CAST_TARGETS if _kind(np.dtype(t)) in gen.kinds]
        return (i,), {"dtype": str(gen.rng.choice(targets))}


FN = {f.name: f for f in UNARY + BINARY}
OPS = [Unary(), Binary(), Where(), Clip(), Cast()]
