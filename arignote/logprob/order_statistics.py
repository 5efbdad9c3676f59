"""The maximum and minimum of independent, identically distributed draws: ``at.max(rv, axis)``
and ``at.min(rv, axis)`` of a random variable.

For ``n`` independent draws with density ``f``, cumulative distribution ``F`` and survival
``S = 1 - F``, over the reduced axes:

* continuous: ``log p_max(v) = log n + log f(v) + (n - 1) log F(v)``, and the same with ``S``
  for the minimum;
* discrete: ``P(max = v) = F(v)^n - F(v - 1)^n`` and ``P(min = v) = S(v - 1)^n - S(v)^n``,
  taken in log space as ``n log F(v) + log1mexp(n (log F(v - 1) - log F(v)))``
  (the larger term factored out), ``-inf`` at non-integers.

The draws must be identically distributed along the reduced axes: the reduced variable is the
draw of a distribution with one value per element (``ndim_supp == 0``), or an elementwise
transform of one random input, and every parameter is broadcastable (statically) along the
reduced axes.  Otherwise the node is not measurable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import arignote.tensor as at
from arignote.graph.basic import Variable
from arignote.logprob.censoring import is_discrete, logsf
from arignote.logprob.measurable import Derivation, is_draw, measurable_rules
from arignote.scalar import math as sm
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.reduction import CAReduce
from arignote.tensor.variable import TensorVariable

__all__ = ["identically_distributed"]

_NEG_INF = -np.inf


def _broadcastable_along(param: Variable, ndim: int, axes: Sequence[int]) -> bool:
    """Whether ``param``, aligned to the right against ``ndim`` axes (as broadcasting does),
    has length 1 (statically) on each of ``axes``; an axis it lacks counts as length 1."""
    offset = ndim - param.type.ndim
    return all(a < offset or param.type.broadcastable[a - offset] for a in axes)


def identically_distributed(x: Variable, axes: Sequence[int], d: Derivation) -> bool:
    """Whether the elements of the random ``x`` are independent and identically distributed
    along ``axes``: a univariate draw whose parameters do not vary along them, or an
    elementwise transform of such a variable by parameters that do not vary along them."""
    node = x.owner
    if node is None:
        return False
    if is_draw(x):
        op = node.op
        if op.ndim_supp != 0:
            return False
        return all(_broadcastable_along(p, x.type.ndim, axes) for p in op.dist_params(node))
    if isinstance(node.op, Elemwise):
        random = d.random_inputs(node)
        if len(random) != 1:
            return False
        inner = node.inputs[random[0]]
        if inner.type.ndim != x.type.ndim or any(inner.type.broadcastable[a] for a in axes):
            return False  # a draw broadcast along a reduced axis repeats one value
        others = [v for i, v in enumerate(node.inputs) if i != random[0]]
        return all(_broadcastable_along(p, x.type.ndim, axes) for p in others) and \
            identically_distributed(inner, axes, d)
    return False


@measurable_rules.register(CAReduce)
def _extreme(var: Variable, value: TensorVariable, d: Derivation) -> TensorVariable | None:
    node = var.owner
    assert node is not None
    op = node.op
    is_max = isinstance(op.scalar_op, sm.Maximum)
    if not is_max and not isinstance(op.scalar_op, sm.Minimum):
        return None
    x = node.inputs[0]
    if not d.is_random(x):
        return None
    axes = op.reduced_axes(x.type.ndim)
    if not axes or not identically_distributed(x, axes, d):
        return None
    # the value with the reduced axes back as length-1 ones, where every parameter has one value
    kept = [a for a in range(x.type.ndim) if a not in axes]
    expanded = value.dimshuffle(*[kept.index(a) if a in kept else "x" for a in range(x.type.ndim)])
    shape = at.shape(x)
    # n in the draws' float dtype (float64 for integer draws), so that float32 stays float32
    n = at.cast(at.prod(at.stack([shape[a] for a in axes])), "float64" if is_discrete(x) else x.dtype)
    if is_discrete(x):
        term = _discrete(x, expanded, n, is_max, d)
    else:
        tail = d.logcdf(x, expanded) if is_max else logsf(x, expanded, d)
        # (n - 1) * tail is 0 for n = 1 even where tail is -inf (off the support)
        others = at.switch(at.eq(n, 1), 0.0, (n - 1) * tail)
        term = at.log(n) + d.logp(x, expanded) + others
    term = at.as_tensor_variable(term)
    if term.type.ndim != x.type.ndim or not all(term.type.broadcastable[a] for a in axes):
        return None  # a density that varies along the reduced axes: not identically distributed
    return at.as_tensor_variable(term.dimshuffle(*kept))


def _discrete(x: Variable, v: TensorVariable, n: TensorVariable, is_max: bool, d: Derivation
              ) -> TensorVariable:
    """``log(A^n - B^n)`` with ``A = F(v)``, ``B = F(v - 1)`` for the maximum and
    ``A = S(v - 1)``, ``B = S(v)`` for the minimum (``A >= B``), at integers ``v``."""
    integer = at.eq(v, at.floor(v)) if v.type.numpy_dtype.kind in "fc" else \
        at.ones_like(v, dtype="bool")
    safe = at.switch(integer, v, 0)
    # A is F(v) or S(v - 1), B is F(v - 1) or S(v): B = 0 at an end of the support, where a
    # rule's derivative may be NaN (0 * inf); there B is taken again at A's point, a finite
    # one, and dropped (log1mexp(-inf) = 0)
    if is_max:
        a_point, b_point = safe, safe - 1
        first_a, first_b = d.logcdf(x, a_point), d.logcdf(x, b_point)
    else:
        a_point, b_point = safe - 1, safe
        first_a, first_b = logsf(x, a_point, d), logsf(x, b_point, d)
    finite_a, finite_b = at.gt(first_a, _NEG_INF), at.gt(first_b, _NEG_INF)
    log_b = d.logcdf(x, at.switch(finite_b, b_point, a_point)) if is_max else \
        logsf(x, at.switch(finite_b, b_point, a_point), d)
    # where A = 0 (off the support) there is no mass: a constant difference there keeps
    # -inf - -inf (NaN) out of the unselected branch
    log_a = at.switch(finite_a, first_a, 0.0)
    difference = at.switch(finite_a, at.switch(finite_b, n * (log_b - log_a), _NEG_INF), -1.0)
    mass = n * log_a + at.log1mexp(difference)
    return at.as_tensor_variable(at.switch(at.and_(integer, finite_a), mass, _NEG_INF))
