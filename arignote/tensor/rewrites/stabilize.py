"""Numerically stable forms of elementwise expressions (the ``stabilize`` phase).

A user writes the textbook formula, ``log(1 + exp(x))``; it overflows at
``x = 800`` and loses every digit near 0.  These rules turn such formulas into
the library functions that are accurate everywhere (``softplus``, ``log1p``,
``expm1``, ``log1mexp``).  They change values only where the naive form
overflows, underflows or cancels, i.e. where the naive value is wrong.

Every rule is tagged ``fast_compile``: users rely on stable values even when
they ask for a quick compilation.

The rules only handle real floating-point expressions whose parts share one
dtype: integer forms can wrap around (``1 + x`` at the largest int8) and the
stable functions would not reproduce that, and mixed dtypes are rare enough
not to be worth a cast.

Most are patterns (:func:`arignote.rewrite.pattern`), which match what the
user wrote (``Sub``, ``Neg``) and what the canonical algebra makes of it
(sums with the constant last, ``a - b`` for ``a + (-b)``) alike.  The rules
chain: ``log(1 + exp(x))`` becomes ``log1p(exp(x))`` and then ``softplus(x)``;
``log(1 - sigmoid(x))`` becomes ``log(sigmoid(-x))`` and then ``-softplus(x)``.
"""

from __future__ import annotations

from arignote.rewrite import pattern, stabilize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.tensor.rewrites.stabilize_forms import real_floats

STABLE = [FAST_COMPILE]


#: (name, source, target); the rules are tried in this order
FORMS: list[tuple[str, str | tuple[str, ...], str]] = [
    # --- log of sums, accurate when x is tiny
    ("log1p_from_log", "log(1 + x)", "log1p(x)"),
    ("log1p_from_log_one_minus", "log(1 - x)", "log1p(-x)"),
    # --- exp(x) - 1, accurate when x is near 0 (also in a longer sum: a + exp(x) - 1 -> a + expm1(x))
    ("expm1_from_exp_minus_one", "exp(x) - 1", "expm1(x)"),
    ("neg_expm1_from_one_minus_exp", "1 - exp(x)", "-expm1(x)"),
    # --- log(1 - exp(x)), accurate for all x <= 0
    ("log1mexp_from_log_neg_expm1", "log(-expm1(x))", "log1mexp(x)"),
    ("log1mexp_from_log1p_neg_exp", "log1p(-exp(x))", "log1mexp(x)"),
    # --- sigmoid and softplus: no overflow (log(1 + exp(x)) reaches softplus through log1p),
    # no cancellation when sigmoid(x) is near 1, finite where sigmoid(x) underflows to 0
    ("softplus_from_log1p_exp", "log1p(exp(x))", "softplus(x)"),
    ("sigmoid_neg_from_one_minus_sigmoid", "1 - sigmoid(x)", "sigmoid(-x)"),
    ("softplus_from_log_sigmoid", "log(sigmoid(x))", "-softplus(-x)"),
    ("softplus_from_log1p_neg_sigmoid", "log1p(-sigmoid(x))", "-softplus(x)"),
    # --- inverse pairs: exact where exp(x) would overflow or underflow (real x only: for
    # complex x the logarithm's branch cut makes it wrong; exp(log(x)) -> x is not done, it is
    # wrong for x < 0), and no overflow of the square for |x| > 1e154
    ("log_of_exp", "log(exp(x))", "x"),
    ("abs_from_sqrt_sqr", ("sqrt(x * x)", "sqrt(sqr(x))", "sqrt(x ** 2)"), "abs(x)"),
]

for _name, _source, _target in FORMS:
    stabilize.add(pattern(_source, _target, name=_name, where=real_floats), tags=STABLE)
