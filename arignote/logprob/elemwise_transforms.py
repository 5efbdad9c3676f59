"""Measurable elementwise transforms: ``loc + scale * rv``, ``exp``/``log``, ``sigmoid``/logit,
powers, and ``DimShuffle`` of a random variable.

An invertible map ``y = f(x)`` of a random ``x`` has the density
``log p_y(v) = log p_x(f^-1(v)) + log |d f^-1 / dv|``; each rule gives ``f^-1`` and that
log-Jacobian, and ``-inf`` where ``v`` is outside the image of ``f``.  A node is measurable only
when exactly one input is random and the node does not broadcast it (a replicated draw has no
density of the output's shape).  A discrete (integer) random input admits only shifts and
negation, which map its support onto integers one to one and have no Jacobian.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.logprob.measurable import Derivation, elemwise_rules, measurable_rules
from arignote.scalar import math as sm
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.exceptions import NotScalarConstantError
from arignote.tensor.variable import TensorVariable


def random_operand(node: Apply, derivation: Derivation) -> tuple[int, Variable] | None:
    """The position and variable of ``node``'s one random input, when it has exactly one and
    the node does not broadcast it; None otherwise."""
    positions = derivation.random_inputs(node)
    if len(positions) != 1:
        return None
    x = node.inputs[positions[0]]
    out = node.outputs[0]
    if x.type.ndim != out.type.ndim or any(
            xb and not ob for xb, ob in zip(x.type.broadcastable, out.type.broadcastable)):
        return None
    return positions[0], x


def _is_discrete(x: Variable) -> bool:
    return x.type.numpy_dtype.kind in "biu"


def _outside(condition: Any, term: Any) -> TensorVariable:
    """``term`` where ``condition`` holds, ``-inf`` elsewhere."""
    return at.switch(condition, term, -np.inf)


def operand_and_rest(node: Apply, d: Derivation, continuous: bool = False
                     ) -> tuple[Variable, TensorVariable] | None:
    """``(x, rest)`` for a sum or product ``node`` of one random operand ``x``: ``rest`` is the
    sum or product of the others (the shift or the scale); None when it has no such operand,
    or (``continuous``) when ``x`` is discrete."""
    found = random_operand(node, d)
    if found is None or (continuous and _is_discrete(found[1])):
        return None
    i, x = found
    others = [v for j, v in enumerate(node.inputs) if j != i]
    combine = at.add if isinstance(node.op.scalar_op, sm.Add) else at.mul
    return x, at.as_tensor_variable(others[0] if len(others) == 1 else combine(*others))


# --- shifts and scalings --------------------------------------------------------------------

@elemwise_rules.register(sm.Add)
def _add(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    found = operand_and_rest(node, d)
    if found is None:
        return None
    x, shift = found
    return d.logp(x, value - shift)


@elemwise_rules.register(sm.Sub)
def _sub(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    found = random_operand(node, d)
    if found is None:
        return None
    i, x = found
    a, b = node.inputs
    return d.logp(x, value + b if i == 0 else a - value)


@elemwise_rules.register(sm.Neg)
def _neg(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    found = random_operand(node, d)
    return None if found is None else d.logp(found[1], -value)


@elemwise_rules.register(sm.Mul)
def _mul(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    found = operand_and_rest(node, d, continuous=True)
    if found is None:
        return None
    x, scale = found
    return d.logp(x, value / scale) - at.log(at.abs(scale))


@elemwise_rules.register(sm.TrueDiv)
def _true_div(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    found = random_operand(node, d)
    if found is None or _is_discrete(found[1]):
        return None
    i, x = found
    a, b = node.inputs
    if i == 0:  # y = x / b: x = y * b
        return d.logp(x, value * b) + at.log(at.abs(b))
    # y = a / x: x = a / y, |dx/dy| = |a| / y^2
    return d.logp(x, a / value) + at.log(at.abs(a)) - 2.0 * at.log(at.abs(value))


@elemwise_rules.register(sm.Reciprocal)
def _reciprocal(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    found = random_operand(node, d)
    if found is None or _is_discrete(found[1]):
        return None
    return d.logp(found[1], 1.0 / value) - 2.0 * at.log(at.abs(value))


# --- exp, log, sigmoid, logit ---------------------------------------------------------------

def _positive(value: TensorVariable) -> tuple[TensorVariable, TensorVariable]:
    """``value > 0`` and ``value`` with 1 where it is not (so that the inverse map stays finite
    outside the support and the unselected branch carries no NaN into the gradient)."""
    inside = at.gt(value, 0)
    return inside, at.switch(inside, value, 1.0)


@elemwise_rules.register(sm.Exp)
def _exp(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    found = random_operand(node, d)
    if found is None or _is_discrete(found[1]):
        return None
    inside, safe = _positive(value)
    log_v = at.log(safe)
    return _outside(inside, d.logp(found[1], log_v) - log_v)


def _logit_operand(x: Variable, d: Derivation) -> Variable | None:
    """``p`` when ``x`` is ``p / (1 - p)`` with ``p`` random (the graph ``logit(p)`` builds)."""
    node = x.owner
    if node is None or not isinstance(node.op, Elemwise) or not isinstance(node.op.scalar_op, sm.TrueDiv):
        return None
    p, q = node.inputs
    one_minus = q.owner
    if one_minus is None or not isinstance(one_minus.op, Elemwise) or \
            not isinstance(one_minus.op.scalar_op, sm.Sub) or one_minus.inputs[1] is not p:
        return None
    try:
        if at.get_scalar_constant_value(one_minus.inputs[0]) != 1:
            return None
    except NotScalarConstantError:
        return None
    if not d.is_random(p) or p.type.ndim != node.outputs[0].type.ndim:
        return None
    return p


@elemwise_rules.register(sm.Log)
def _log(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    p = _logit_operand(node.inputs[0], d)
    if p is not None and not _is_discrete(p):
        # y = logit(p): p = sigmoid(y), log dp/dy = log sigmoid(y) + log sigmoid(-y)
        return d.logp(p, at.sigmoid(value)) - at.softplus(-value) - at.softplus(value)
    found = random_operand(node, d)
    if found is None or _is_discrete(found[1]):
        return None
    # y = log(x): x = exp(y), log dx/dy = y
    return d.logp(found[1], at.exp(value)) + value


@elemwise_rules.register(sm.Sigmoid)
def _sigmoid(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    found = random_operand(node, d)
    if found is None or _is_discrete(found[1]):
        return None
    inside = at.and_(at.gt(value, 0), at.lt(value, 1))
    safe = at.switch(inside, value, 0.5)
    log_v, log_1mv = at.log(safe), at.log1p(-safe)
    # y = sigmoid(x): x = log y - log(1 - y), dx/dy = 1 / (y (1 - y))
    return _outside(inside, d.logp(found[1], log_v - log_1mv) - log_v - log_1mv)


# --- powers ---------------------------------------------------------------------------------

def _constant(x: Variable) -> float | None:
    try:
        return float(at.get_scalar_constant_value(x))
    except NotScalarConstantError:
        return None


@elemwise_rules.register(sm.Pow)
def _pow(node: Apply, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    found = random_operand(node, d)
    if found is None or _is_discrete(found[1]):
        return None
    i, x = found
    base = node.inputs[0]
    exponent = at.as_tensor_variable(node.inputs[1])
    if i == 1:
        # y = b ** x (b > 0): x = log y / log b, |dx/dy| = 1 / (y |log b|)
        inside, safe = _positive(value)
        log_v, log_b = at.log(safe), at.log(base)
        term = d.logp(x, log_v / log_b) - log_v - at.log(at.abs(log_b))
        return _outside(inside, term)
    k = _constant(exponent)
    if k is not None and k == 0:
        return None  # a constant 1: no density
    log_abs_k = at.log(at.abs(exponent))
    if k is not None and k == round(k) and int(k) % 2 == 1:
        # an odd integer power is a bijection of the real line: x = sign(y) |y|^(1/k) (at y = 0
        # the density is +inf for k > 1, as the Jacobian's log(0) makes it)
        log_abs_v = at.log(at.abs(value))
        root = at.sign(value) * at.exp(log_abs_v / exponent)
        return d.logp(x, root) - log_abs_k + (1.0 / exponent - 1.0) * log_abs_v
    # otherwise y >= 0; x^k for an even k has the two preimages +-y^(1/k), and for any other k
    # (or an exponent known only at run time) x^k is real only for x >= 0 (NaN elsewhere), so
    # the positive root is the one preimage of the values the transform takes (y = 0 included:
    # there the Jacobian's log(0) gives the density's limit, +inf for k > 1)
    inside = at.ge(value, 0)
    safe = at.switch(inside, value, 1.0)
    log_v = at.log(safe)
    root = at.exp(log_v / exponent)
    jacobian = (1.0 / exponent - 1.0) * log_v - log_abs_k
    density = d.logp(x, root)
    if k is not None and k == round(k) and int(k) % 2 == 0:
        density = at.logaddexp(density, d.logp(x, -root))
    return _outside(inside, density + jacobian)


# --- DimShuffle of a random variable --------------------------------------------------------

@measurable_rules.register(DimShuffle)
def _dimshuffle(var: Variable, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    node = var.owner
    assert node is not None
    op = node.op
    x = node.inputs[0]
    if not d.is_random(x):
        return None
    # the inverse reorder: the kept axes back in input order, the added (length-1) ones dropped,
    # the dropped (length-1) ones restored
    kept = [axis for axis in op.new_order if axis != "x"]
    added = [position for position, axis in enumerate(op.new_order) if axis == "x"]
    squeezed = at.squeeze(value, axis=tuple(added)) if added else value
    # squeezed's axes are the kept input axes in their new order
    inner_value = squeezed.dimshuffle(*[kept.index(a) if a in kept else "x"
                                        for a in range(op.input_ndim)])
    term = d.logp(x, inner_value)
    if term.type.ndim == x.type.ndim:  # an elementwise term follows the value's axes
        return at.as_tensor_variable(term.dimshuffle(*op.new_order))
    # a multivariate term has x's batch axes: it follows them when the core axes stay last and
    # in order (an added axis before them is a batch axis of the term, one among them is not)
    batch = term.type.ndim
    core = [a for a in op.new_order if a != "x" and int(a) >= batch]
    if core != list(range(batch, x.type.ndim)):
        return None
    first_core = op.new_order.index(core[0]) if core else len(op.new_order)
    if any(axis != "x" and position > first_core for position, axis in enumerate(op.new_order)
           if axis == "x" or int(axis) < batch):
        return None  # a batch axis after a core axis
    term_order = [axis for position, axis in enumerate(op.new_order)
                  if position < first_core and (axis == "x" or int(axis) < batch)]
    return at.as_tensor_variable(term.dimshuffle(*term_order))
