"""Idioms: short scripted sequences of ordinary steps that arignote's rewrites target.

Random graphs rarely spell ``log(1 + exp(x))``, ``x - x`` or ``exp(x) /
sum(exp(x))``, yet those are what the canonicalize, stabilize and specialize
phases rewrite, and where a rewrite can be wrong for NaN, infinities, zeros,
signed zeros or integers.  Each idiom here is built from the ordinary
unary/binary/reduction steps, so its reference and error bound come from the
usual per-op rules (the naive formula's bound; a stabilised result is at least
as accurate, and results that overflow in the naive form are rejected).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tests.fuzz import ops_elemwise as ew
from tests.fuzz import ops_reduce as rd
from tests.fuzz import ops_shape as sh
from tests.fuzz.program import OpSpec

_U, _B, _R, _C, _D = ew.Unary(), ew.Binary(), rd.Reduce(), ew.Cast(), sh.DimShuffle()


def _u(g, fn, i):
    return None if i is None else g.apply(_U, (i,), {"fn": fn, "margin": g.margin})


def _b(g, fn, i, j):
    return None if i is None or j is None else g.apply(_B, (i, j), {"fn": fn, "margin": g.margin})


def _s(g, fn, i, v, pos=1):
    """``i fn v`` (or ``v fn i`` with pos=0) with a Python scalar ``v``."""
    return None if i is None else g.apply(_B, (i,), {"fn": fn, "margin": g.margin, "scalar": (pos, v)})


def _same(g, fn, i):
    return None if i is None else g.apply(_B, (i,), {"fn": fn, "margin": g.margin, "same": True})


def _r(g, fn, i, axis="random", keepdims=False):
    if i is None:
        return None
    if axis == "random":
        axis = rd.random_axis(g, g.values[i].ndim)
    return g.apply(_R, (i,), {"fn": fn, "axis": axis, "keepdims": keepdims, "method": False,
                              "margin": g.margin})


def _softmax(g, x, stable: bool):
    if x is None or g.values[x].ndim == 0:
        return None
    if stable:
        x = _b(g, "sub", x, _r(g, "max", x, -1, True))
    e = _u(g, "exp", x)
    return _b(g, "true_div", e, _r(g, "sum", e, -1, True))


def _c(g):
    return [0.5, 2.0, 3.0, -1.5, 0.1][g.rng.integers(5)]


# name -> (operand kinds, recipe(gen, x) -> index or None)
RECIPES: dict[str, tuple[str, Callable]] = {
    "softplus": ("f", lambda g, x: _u(g, "log", _s(g, "add", _u(g, "exp", x), 1.0, 0))),
    "softplus_log1p": ("f", lambda g, x: _u(g, "log1p", _u(g, "exp", x))),
    "sigmoid": ("f", lambda g, x: _s(g, "true_div", _s(g, "add", _u(g, "exp", _u(g, "neg", x)), 1.0, 0),
                                     1.0, 0)),
    "sigmoid_ratio": ("f", lambda g, x: (lambda e: _b(g, "true_div", e, _s(g, "add", e, 1.0, 0)))(
        _u(g, "exp", x))),
    "log_sigmoid": ("f", lambda g, x: _u(g, "log", _u(g, "sigmoid", x))),
    "log_1m_sigmoid": ("f", lambda g, x: _u(g, "log", _s(g, "sub", _u(g, "sigmoid", x), 1.0, 0))),
    "softmax": ("f", lambda g, x: _softmax(g, x, False)),
    "softmax_stable": ("f", lambda g, x: _softmax(g, x, True)),
    "log_softmax": ("f", lambda g, x: _u(g, "log", _softmax(g, x, False))),
    "logsumexp": ("f", lambda g, x: _u(g, "log", _r(g, "sum", _u(g, "exp", x)))),
    "expm1": ("f", lambda g, x: _s(g, "sub", _u(g, "exp", x), 1.0)),
    "log1p": ("f", lambda g, x: _u(g, "log", _s(g, "add", x, 1.0, 0))),
    "log1mexp": ("f", lambda g, x: _u(g, "log", _s(g, "sub", _u(g, "exp", x), 1.0, 0))),
    "x-x": ("fi", lambda g, x: _same(g, "sub", x)),
    "x/x": ("fi", lambda g, x: _same(g, "true_div", x)),
    "x//x": ("fi", lambda g, x: _same(g, "int_div", x)),
    "x%x": ("fi", lambda g, x: _same(g, "mod", x)),
    "x==x": ("fib", lambda g, x: _same(g, "eq", x)),
    "x!=x": ("fib", lambda g, x: _same(g, "neq", x)),
    "x<=x": ("fib", lambda g, x: _same(g, "le", x)),
    "max(x,x)": ("fib", lambda g, x: _same(g, "maximum", x)),
    "x*0": ("fi", lambda g, x: _s(g, "mul", x, 0.0 if g.values[x].dtype.kind == "f" else 0,
                                  int(g.rng.integers(2)))),
    "x+0": ("fi", lambda g, x: _s(g, "add", x, 0, int(g.rng.integers(2)))),
    "x*1": ("fib", lambda g, x: _s(g, "mul", x, 1, int(g.rng.integers(2)))),
    "x**k": ("fi", lambda g, x: _s(g, "pow", x, [0, 1, 2, 3, 0.5, -1.0, -2.0, 2.0][g.rng.integers(8)])),
    "exp(log)": ("f", lambda g, x: _u(g, "exp", _u(g, "log", x))),
    "log(exp)": ("f", lambda g, x: _u(g, "log", _u(g, "exp", x))),
    "sqrt(sqr)": ("f", lambda g, x: _u(g, "sqrt", _u(g, "sqr", x))),
    "sqr(sqrt)": ("f", lambda g, x: _u(g, "sqr", _u(g, "sqrt", x))),
    "--x": ("fi", lambda g, x: _u(g, "neg", _u(g, "neg", x))),
    "abs(-x)": ("fi", lambda g, x: _u(g, "abs", _u(g, "neg", x))),
    "x*c/c": ("f", lambda g, x: (lambda c: _s(g, "true_div", _s(g, "mul", x, c), c))(_c(g))),
    "x+c-c": ("fi", lambda g, x: (lambda c: _s(g, "sub", _s(g, "add", x, c), c))(int(g.rng.integers(1, 4)))),
    "x*y/y": ("f", lambda g, x: (lambda y: _b(g, "true_div", _b(g, "mul", x, y), y))(
        g.partner(x, "f"))),
    "sum(c*x)": ("fi", lambda g, x: _r(g, "sum", _s(g, "mul", x, int(g.rng.integers(-2, 4))))),
    "sum(-x)": ("fi", lambda g, x: _r(g, "sum", _u(g, "neg", x))),
    "max(-x)": ("fi", lambda g, x: _r(g, "max", _u(g, "neg", x))),
    "mean(x*c)": ("f", lambda g, x: _r(g, "mean", _s(g, "mul", x, _c(g)))),
    "T.T": ("fib", lambda g, x: None if g.values[x].ndim < 2 else
            g.apply(_D, (g.apply(_D, (x,), {"form": "T"}),), {"form": "T"})),
    "cast_roundtrip": ("fi", lambda g, x: (lambda t: g.apply(_C, (t,), {"dtype": g.values[x].dtype.name})
                                           if t is not None else None)(
        g.apply(_C, (x,), {"dtype": str(g.rng.choice(["float32", "float64", "int64", "int8"]))}))),
    "mask": ("f", lambda g, x: _b(g, "mul", x, _s(g, "gt", x, 0.0))),
    "relu": ("f", lambda g, x: _s(g, "maximum", x, 0.0, int(g.rng.integers(2)))),
}


# Forms the stabilize phase rewrites into the named stable functions.  At an infinite
# input the naive form gives NaN (inf / inf, inf - inf) where the stable one gives the
# limit (sigmoid(inf) = 1), or the other way round (a row max of inf in softmax): both
# are defensible, so these idioms get finite operands.
STABILIZED = {"softplus", "softplus_log1p", "sigmoid", "sigmoid_ratio", "log_sigmoid", "log_1m_sigmoid",
              "softmax", "softmax_stable", "log_softmax", "logsumexp", "expm1", "log1p", "log1mexp",
              "exp(log)", "log(exp)"}

# integer-valued or boolean results: nothing to differentiate
NOT_SMOOTH = {"x//x", "x%x", "x==x", "x!=x", "x<=x", "cast_roundtrip"}


class Idiom(OpSpec):
    """Appends one idiom (several ordinary steps) to the program."""

    name = "idiom"
    weight = 1.5
    smooth = True

    def expand(self, gen) -> bool:
        names = [n for n in RECIPES if not (gen.smooth and n in NOT_SMOOTH)]
        name = names[gen.rng.integers(len(names))]
        kinds, recipe = RECIPES[name]
        finite = name in STABILIZED
        x = gen.pick(lambda v: ew._kind(v.dtype) in kinds
                     and (not finite or bool(np.all(np.isfinite(v.ref)))))
        if x is None:
            return False
        return recipe(gen, x) is not None


OPS = [Idiom()]
