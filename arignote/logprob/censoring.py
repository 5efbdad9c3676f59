"""Censored and rounded random variables: ``clip``/``maximum``/``minimum`` and
``round``/``floor``/``ceil`` of a random variable, and the survival function they need.

Censoring ``y = clip(x, lo, hi)`` puts the mass ``P(x <= lo)`` on ``lo`` and ``P(x >= hi)`` on
``hi``; in between ``y`` has ``x``'s density, and it is ``-inf`` outside ``[lo, hi]``.
``maximum(x, lo)`` and ``minimum(x, hi)`` censor on one side.  For a discrete ``x``,
``P(x >= hi) = P(x > hi - 1)``.

Rounding maps ``x`` to integers: ``P(floor(x) = v) = F(v + 1) - F(v)``,
``P(ceil(x) = v) = F(v) - F(v - 1)`` and ``P(round(x) = v) = F(v + 1/2) - F(v - 1/2)`` (the
ends of the interval have no mass for a continuous ``x``), ``-inf`` at non-integers.  The
difference is taken in log space from the tail that keeps it accurate: the lower one
(``logcdf``) below the median, the upper one (``logsf``) above it, where ``1 - F`` would cancel.
A discrete ``x`` is unchanged by rounding.  ``round(x, "half_away_from_zero")`` is a switch
of ``trunc(x)``, recognised by its pattern (:func:`round_half_away_density`).

The survival function ``log P(x > v)`` comes from :data:`logsf_rules` (by distribution, for
those where ``log1mexp(logcdf)`` loses the far upper tail: there ``logcdf`` rounds to 0),
:data:`elemwise_logsf_rules` (monotone transforms), or ``log1mexp(logcdf)`` otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.graph.registry import Registry
from arignote.logprob.basic import ParameterChecks, logcdf_rules
from arignote.logprob.elemwise_transforms import operand_and_rest, random_operand
from arignote.logprob.measurable import Derivation, elemwise_logcdf_rules, elemwise_rules, is_draw
from arignote.scalar import math as sm
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.exceptions import NotScalarConstantError
from arignote.tensor.random import basic as rvs
from arignote.tensor.random import continuous as rvc
from arignote.tensor.variable import TensorVariable

__all__ = ["elemwise_logsf_rules", "is_discrete", "log_interval_mass", "logsf", "logsf_rules",
           "round_half_away_density"]

#: ``rule(value, *params, checks)``: ``log P(X > value)`` of a distribution, by RandomVariable type
logsf_rules: Registry[Callable[..., Any]] = Registry("logsf")
#: ``rule(node, value, derivation)``: ``log P(out > value)`` of an elementwise transform
elemwise_logsf_rules: Registry[Callable[[Apply, TensorVariable, Derivation], Any]] = \
    Registry("measurable elementwise logsf")

_NEG_INF = -np.inf


def is_discrete(x: Variable) -> bool:
    """Whether ``x`` takes integer values (an integer or boolean dtype)."""
    return x.type.numpy_dtype.kind in "biu"


def _is_integer(value: Any) -> TensorVariable:
    return at.eq(value, at.floor(value)) if value.type.numpy_dtype.kind in "fc" else \
        at.ones_like(value, dtype="bool")


# --- the survival function ------------------------------------------------------------------

def logsf(var: Variable, value: Any, d: Derivation) -> TensorVariable:
    """``log P(var > value)`` for the random variable ``var``: a distribution's own rule, a
    monotone transform's, else the complement of :meth:`Derivation.logcdf` (accurate while
    ``logcdf`` is not rounded to 0, i.e. up to ``P(var > value)`` ~ 1e-308)."""
    value = at.as_tensor_variable(value)
    node = var.owner
    if is_draw(var):
        assert node is not None
        rule = logsf_rules.lookup(type(node.op))
        if rule is not None:
            params = node.op.dist_params(node)
            return at.as_tensor_variable(
                rule(value, *params, checks=ParameterChecks(node.op.name, d.check_parameters)))
    elif node is not None and isinstance(node.op, Elemwise):
        elemwise_rule = elemwise_logsf_rules.lookup(type(node.op.scalar_op))
        term = elemwise_rule(node, value, d) if elemwise_rule is not None else None
        if term is not None:
            return at.as_tensor_variable(term)
    return at.log1mexp(d.logcdf(var, value))


def _mirrored(rv_type: type, loc_position: int | None) -> Callable[..., Any]:
    """The survival of a distribution symmetric about its parameter ``loc_position`` (None: 0):
    ``P(X > v) = P(X <= 2 loc - v)``, the lower tail's accurate formula for the upper tail."""
    def rule(value: Any, *params: Any, checks: ParameterChecks) -> Any:
        cdf = logcdf_rules.lookup(rv_type)
        assert cdf is not None
        mirror = -value if loc_position is None else 2.0 * params[loc_position] - value
        return cdf(mirror, *params, checks=checks)
    return rule


for _type, _loc in ((rvs.NormalRV, 0), (rvs.StandardNormalRV, None), (rvc.CauchyRV, 0),
                    (rvc.LaplaceRV, 0), (rvc.LogisticRV, 0), (rvc.StudentTRV, 1)):
    logsf_rules.add(_type, _mirrored(_type, _loc))


@logsf_rules.register(rvs.LogNormalRV)
def _lognormal_logsf(value: Any, mean: Any, sigma: Any, checks: ParameterChecks) -> Any:
    positive = at.gt(value, 0)
    log_v = at.log(at.switch(positive, value, 1.0))  # no log(0) in the unselected branch
    out = at.switch(positive, at.log_ndtr((mean - log_v) / sigma), 0.0)
    return checks.require(out, sigma > 0, "sigma > 0")


@logsf_rules.register(rvs.ExponentialRV)
def _exponential_logsf(value: Any, scale: Any, checks: ParameterChecks) -> Any:
    return checks.require(at.switch(at.lt(value, 0), 0.0, -value / scale), scale > 0, "scale > 0")


@elemwise_logsf_rules.register(sm.Add)
def _add_logsf(node: Apply, value: TensorVariable, d: Derivation) -> Any:
    found = operand_and_rest(node, d)
    return None if found is None else logsf(found[0], value - found[1], d)


@elemwise_logsf_rules.register(sm.Sub)
def _sub_logsf(node: Apply, value: TensorVariable, d: Derivation) -> Any:
    found = random_operand(node, d)
    if found is None or (found[0] == 1 and is_discrete(found[1])):
        return None
    i, x = found
    a, b = node.inputs
    # x - b > v iff x > v + b; a - x > v iff x < a - v (continuous: the same as x <= a - v)
    return logsf(x, value + b, d) if i == 0 else d.logcdf(x, a - value)


@elemwise_logsf_rules.register(sm.Mul)
def _mul_logsf(node: Apply, value: TensorVariable, d: Derivation) -> Any:
    found = operand_and_rest(node, d, continuous=True)
    if found is None:
        return None
    x, scale = found
    # s x > v iff x > v / s for s > 0, x < v / s for s < 0
    return at.switch(at.gt(scale, 0), logsf(x, value / scale, d), d.logcdf(x, value / scale))


@elemwise_logsf_rules.register(sm.Neg)
def _neg_logsf(node: Apply, value: TensorVariable, d: Derivation) -> Any:
    found = random_operand(node, d)
    if found is None:
        return None
    x = found[1]
    # -x > v iff x < -v: x <= -v for a continuous x, x <= -v - 1 for an integer one at integer v
    return d.logcdf(x, at.ceil(-value) - 1 if is_discrete(x) else -value)


@elemwise_logsf_rules.register(sm.Exp)
def _exp_logsf(node: Apply, value: TensorVariable, d: Derivation) -> Any:
    found = random_operand(node, d)
    if found is None or is_discrete(found[1]):
        return None
    positive = at.gt(value, 0)
    return at.switch(positive, logsf(found[1], at.log(at.switch(positive, value, 1.0)), d), 0.0)


# --- cumulative distributions of monotone transforms (censoring and rounding of them) ------

@elemwise_logcdf_rules.register(sm.Add)
def _add_logcdf(node: Apply, value: TensorVariable, d: Derivation) -> Any:
    found = operand_and_rest(node, d)
    return None if found is None else d.logcdf(found[0], value - found[1])


@elemwise_logcdf_rules.register(sm.Mul)
def _mul_logcdf(node: Apply, value: TensorVariable, d: Derivation) -> Any:
    found = operand_and_rest(node, d, continuous=True)
    if found is None:
        return None
    x, scale = found
    # s x <= v iff x <= v / s for s > 0, x >= v / s (continuous: x > v / s) for s < 0
    return at.switch(at.gt(scale, 0), d.logcdf(x, value / scale), logsf(x, value / scale, d))


@elemwise_logcdf_rules.register(sm.Exp)
def _exp_logcdf(node: Apply, value: TensorVariable, d: Derivation) -> Any:
    found = random_operand(node, d)
    if found is None or is_discrete(found[1]):
        return None
    positive = at.gt(value, 0)
    return at.switch(positive, d.logcdf(found[1], at.log(at.switch(positive, value, 1.0))), -np.inf)



@elemwise_logcdf_rules.register(sm.Sub)
def _sub_logcdf(node: Apply, value: TensorVariable, d: Derivation) -> Any:
    found = random_operand(node, d)
    if found is None or (found[0] == 1 and is_discrete(found[1])):
        return None
    i, x = found
    a, b = node.inputs
    # x - b <= v iff x <= v + b; a - x <= v iff x >= a - v (continuous: x > a - v)
    return d.logcdf(x, value + b) if i == 0 else logsf(x, a - value, d)


@elemwise_logcdf_rules.register(sm.Neg)
def _neg_logcdf(node: Apply, value: TensorVariable, d: Derivation) -> Any:
    found = random_operand(node, d)
    if found is None:
        return None
    x = found[1]
    # -x <= v iff x >= -v: P(x > -v) for a continuous x, P(x > ceil(-v) - 1) for an integer one
    return logsf(x, at.ceil(-value) - 1 if is_discrete(x) else -value, d)


# --- censoring ------------------------------------------------------------------------------

def _censored(x: Variable, value: TensorVariable, lo: Any, hi: Any, d: Derivation
              ) -> TensorVariable:
    """The log-density of ``clip(x, lo, hi)`` at ``value`` (``lo`` or ``hi`` None: no bound on
    that side)."""
    inside = d.logp(x, value)
    discrete = is_discrete(x)
    below_hi = at.ones_like(value, dtype="bool") if hi is None else at.lt(value, hi)
    above_lo = at.ones_like(value, dtype="bool") if lo is None else at.gt(value, lo)
    term = at.switch(at.and_(above_lo, below_hi), inside, _NEG_INF)
    if hi is not None:
        at_hi = at.eq(value, hi)
        # the survival is evaluated at the bound only where the value is there (elsewhere at the
        # value itself, a finite point of the support with a finite derivative), so that an
        # infinite bound puts no NaN into the gradient of the unselected branch
        point = at.switch(at_hi, hi, value)
        upper = logsf(x, point - 1 if discrete else point, d)
        term = at.switch(at_hi, upper, term)
    if lo is not None:
        at_lo = at.eq(value, lo)
        lower = d.logcdf(x, at.switch(at_lo, lo, value))
        term = at.switch(at_lo, lower, term)
        if hi is not None:  # lo == hi: all the mass is there
            term = at.switch(at.and_(at_lo, at.eq(value, hi)), 0.0, term)
    return at.as_tensor_variable(term)


@elemwise_rules.register(sm.Clip)
def _clip(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    found = random_operand(node, d)
    if found is None or found[0] != 0:
        return None
    _, lo, hi = node.inputs
    return _censored(found[1], value, lo, hi, d)


@elemwise_rules.register(sm.Maximum)
def _maximum(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    found = random_operand(node, d)
    if found is None:
        return None
    i, x = found
    return _censored(x, value, node.inputs[1 - i], None, d)


@elemwise_rules.register(sm.Minimum)
def _minimum(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    found = random_operand(node, d)
    if found is None:
        return None
    i, x = found
    return _censored(x, value, None, node.inputs[1 - i], d)


# --- rounding -------------------------------------------------------------------------------

def log_interval_mass(x: Variable, a: Any, b: Any, d: Derivation) -> TensorVariable:
    """``log P(a < x <= b)`` for ``a < b``, from the tail where it does not cancel: with
    ``F`` below its median at ``a``, ``log F(b) + log1mexp(log F(a) - log F(b))``; above it,
    the same with the survival ``S``: ``log S(a) + log1mexp(log S(b) - log S(a))``."""
    a, b = at.as_tensor_variable(a), at.as_tensor_variable(b)
    log_fa, log_fb = d.logcdf(x, a), d.logcdf(x, b)
    log_sa, log_sb = logsf(x, a, d), logsf(x, b, d)
    lower = at.lt(log_fa, np.log(0.5))
    use_f = at.and_(lower, at.gt(log_fb, _NEG_INF))
    use_s = at.and_(at.invert(lower), at.gt(log_sa, _NEG_INF))
    # The smaller term of each form is 0 (log -inf) at an end of the support (floor of an
    # exponential at 0), where a rule's derivative is often NaN (0 * inf): there it is taken
    # again at the other end of the interval, a finite point, and dropped (log1mexp(-inf) = 0).
    # Each form is given a constant argument where it is not selected, so that log1mexp(0)
    # (an infinite derivative) does not reach the gradient either.
    fa_finite, sb_finite = at.gt(log_fa, _NEG_INF), at.gt(log_sb, _NEG_INF)
    log_fa = d.logcdf(x, at.switch(fa_finite, a, b))
    log_sb = logsf(x, at.switch(sb_finite, b, a), d)
    ratio_f = at.switch(use_f, at.switch(fa_finite, log_fa - at.switch(use_f, log_fb, 0.0), _NEG_INF),
                        -1.0)
    ratio_s = at.switch(use_s, at.switch(sb_finite, log_sb - at.switch(use_s, log_sa, 0.0), _NEG_INF),
                        -1.0)
    from_f = log_fb + at.log1mexp(ratio_f)
    from_s = log_sa + at.log1mexp(ratio_s)
    return at.as_tensor_variable(at.switch(use_f, from_f, at.switch(use_s, from_s, _NEG_INF)))


def _rounded(node: Apply, value: TensorVariable, d: Derivation, below: float, above: float
             ) -> TensorVariable | None:
    """The log-probability of an integer ``value`` of a rounding of the one random input of
    ``node``, that maps ``(value - below, value + above]`` (up to ends without mass) to it."""
    found = random_operand(node, d)
    if found is None:
        return None
    x = found[1]
    if is_discrete(x):  # rounding leaves integers alone
        return d.logp(x, value)
    integer = _is_integer(value)
    safe = at.switch(integer, value, 0.0)  # no evaluation at a non-integer's interval
    mass = log_interval_mass(x, safe - below, safe + above, d)
    return at.as_tensor_variable(at.switch(integer, mass, _NEG_INF))


@elemwise_rules.register(sm.RoundHalfToEven)
def _round(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    return _rounded(node, value, d, 0.5, 0.5)


@elemwise_rules.register(sm.Floor)
def _floor(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    return _rounded(node, value, d, 0.0, 1.0)


@elemwise_rules.register(sm.Ceil)
def _ceil(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    return _rounded(node, value, d, 1.0, 0.0)


def _elemwise_of(var: Variable, op_type: type) -> Apply | None:
    node = var.owner
    if node is not None and isinstance(node.op, Elemwise) and isinstance(node.op.scalar_op, op_type):
        return node
    return None


def round_half_away_density(node: Apply, value: TensorVariable, d: Derivation
                            ) -> TensorVariable | None:
    """The density of ``round(x, "half_away_from_zero")`` when ``node`` is the switch that
    :func:`arignote.tensor.math.round_half_away_from_zero` builds,
    ``switch(abs(x - trunc(x)) >= 0.5, trunc(x) + sign(x), trunc(x))`` with ``x`` random;
    None for any other node.  For a continuous ``x`` it rounds as half-to-even does, up to the
    interval ends, which have no mass."""
    if not isinstance(node.op, Elemwise) or not isinstance(node.op.scalar_op, sm.Switch):
        return None
    condition, away, whole = node.inputs
    trunc = _elemwise_of(whole, sm.Trunc)
    if trunc is None:
        return None
    x = trunc.inputs[0]
    ge = _elemwise_of(condition, sm.GE)
    add = _elemwise_of(away, sm.Add)
    if ge is None or add is None or not d.is_random(x):
        return None
    distance = _elemwise_of(ge.inputs[0], sm.Abs)
    difference = _elemwise_of(distance.inputs[0], sm.Sub) if distance is not None else None
    sign = [_elemwise_of(v, sm.Sign) for v in add.inputs]
    try:
        half = at.get_scalar_constant_value(ge.inputs[1])
    except NotScalarConstantError:
        return None
    if (difference is None or difference.inputs[0] is not x or difference.inputs[1] is not whole
            or half != 0.5 or not any(v is whole for v in add.inputs)
            or not any(s is not None and s.inputs[0] is x for s in sign)):
        return None
    out = node.outputs[0]
    if x.type.ndim != out.type.ndim or x.type.broadcastable != out.type.broadcastable:
        return None
    if is_discrete(x):
        return d.logp(x, value)
    integer = _is_integer(value)
    safe = at.switch(integer, value, 0.0)
    mass = log_interval_mass(x, safe - 0.5, safe + 0.5, d)
    return at.as_tensor_variable(at.switch(integer, mass, _NEG_INF))


# The switch that rounds half away from zero is recognised by a Switch rule; the mixtures'
# Switch rule (mixtures.py, imported after this module) offers a switch to this one when its
# own pattern (a condition that is not random) does not match.  A rule registered before this
# one is kept the same way.
_earlier_switch = elemwise_rules.lookup(sm.Switch)


def _switch(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    term = round_half_away_density(node, value, d)
    if term is None and _earlier_switch is not None:
        return _earlier_switch(node, value, d)
    return term


elemwise_rules.add(sm.Switch, _switch, replace=True)
