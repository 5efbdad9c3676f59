"""Log-densities in unconstrained coordinates: ``transformed_conditional_logp``,
``transformed_logp`` and ``default_transform``.

A random variable with a :class:`~arignote.logprob.transforms.Transform` is given an
unconstrained value ``u``; its constrained value is ``backward(u)``, and the density of ``u``
is ``logp(backward(u)) + log_jac_det(u)``.  Every other random variable whose parameters
depend on it sees ``backward(u)`` as its value.  This is ``conditional_logp`` called with
``backward(u)`` as the value (it takes symbolic values), plus the Jacobian terms.

``default_transform(rv)`` picks the transform of the distribution's support, by the op type
of the random variable (the :data:`default_transforms` registry, like ``logp_rules``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from arignote.graph.basic import Constant, Variable
from arignote.graph.registry import Registry
from arignote.graph.replace import graph_replace
from arignote.graph.traversal import ancestors
from arignote.logprob.basic import random_variable_node
from arignote.logprob.joint import conditional_logp
from arignote.logprob.measurable import is_draw
from arignote.logprob.transforms import Interval, Transform, as_float_tensor, log, lower_bounded
from arignote.logprob.transforms_matrix import simplex
from arignote.tensor import math as tm
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.random.basic import BetaRV, ExponentialRV, GammaRV, LogNormalRV, UniformRV
from arignote.tensor.random.continuous import (
    ChiSquareRV,
    GenGammaRV,
    HalfCauchyRV,
    HalfNormalRV,
    InvGammaRV,
    ParetoRV,
    RayleighRV,
    TriangularRV,
    TruncExponentialRV,
    VonMisesRV,
    WaldRV,
    WeibullRV,
)
from arignote.tensor.random.multivariate import DirichletRV
from arignote.tensor.random.op import RandomVariable
from arignote.tensor.variable import TensorVariable

__all__ = ["default_transform", "default_transforms", "transformed_conditional_logp",
           "transformed_logp"]

#: ``rule(*dist_params) -> Transform | None`` by RandomVariable type (subclasses inherit)
default_transforms: Registry[Callable[..., Transform | None]] = Registry("default_transform")


def _constant(transform: Transform) -> Callable[..., Transform]:
    return lambda *params: transform


# positive supports (0, inf) (or [0, inf): the boundary has probability 0)
for _op in (ExponentialRV, GammaRV, LogNormalRV, ChiSquareRV, InvGammaRV, WeibullRV, WaldRV,
            RayleighRV, GenGammaRV):
    default_transforms.add(_op, _constant(log))
default_transforms.add(BetaRV, _constant(Interval(0.0, 1.0)))
default_transforms.add(DirichletRV, _constant(simplex))
# supports bounded by parameters: the bounds are the node's parameters (expressions, maybe of
# other random variables, which transformed_conditional_logp replaces by their values)
default_transforms.add(HalfNormalRV, lambda loc, scale: lower_bounded(loc))
default_transforms.add(HalfCauchyRV, lambda loc, scale: lower_bounded(loc))
# pareto(b, scale) lives on [scale, inf): log(x - scale), so the density's edge at x = scale
# is u -> -inf (a log of x alone would give u in (log scale, inf), not all of R)
default_transforms.add(ParetoRV, lambda b, scale: Interval(scale, None))
default_transforms.add(UniformRV, lambda low, high: Interval(low, high))
default_transforms.add(TriangularRV, lambda left, mode, right: Interval(left, right))
default_transforms.add(TruncExponentialRV, lambda b, loc, scale: Interval(loc, loc + b * scale))
# the draws (and the density's support) are [-pi, pi]; an interval, not a circle: a sampler
# then never wraps around, which is what the density (not periodic in x) expects
default_transforms.add(VonMisesRV, lambda mu, kappa: Interval(-math.pi, math.pi))


def default_transform(rv: Any) -> Transform | None:
    """The transform of ``rv``'s support: ``log`` on the positive half-line, an ``Interval``
    from the parameters on a bounded or half-bounded one (uniform, beta, pareto,
    truncated ...), ``simplex`` for the Dirichlet; None for a distribution on the whole line
    (normal, ...) or a discrete one."""
    node = random_variable_node(rv, "default_transform")
    rule = default_transforms.lookup(type(node.op))
    return None if rule is None else rule(*node.op.dist_params(node))


def _is_data(value: Any) -> bool:
    """Whether a value is observed data (a plain array or a constant), not a free variable."""
    return not isinstance(value, Variable) or isinstance(value, Constant)


def _chosen_transforms(rv_values: Mapping[Variable, Any], transforms: Any
                       ) -> dict[Variable, Transform]:
    if isinstance(transforms, str):
        if transforms != "default":
            raise ValueError(f"transformed_conditional_logp: transforms must be a mapping "
                             f"{{random variable: Transform}} or 'default', got {transforms!r}")
        # a transformed random variable (loc + scale * z) has no default: its support is the
        # image of its transformation
        chosen = {rv: default_transform(rv) for rv, value in rv_values.items()
                  if not _is_data(value) and is_draw(rv)}
        return {rv: t for rv, t in chosen.items() if t is not None}
    if not isinstance(transforms, Mapping):
        raise TypeError(f"transformed_conditional_logp: transforms must be a mapping "
                        f"{{random variable: Transform}} or 'default', got {type(transforms).__name__}")
    out = {}
    for rv, transform in transforms.items():
        if rv not in rv_values:
            raise ValueError(f"transformed_conditional_logp: a transform ({transform!r}) is given "
                             f"for {rv}, which has no value in rv_values")
        if transform is None:
            continue
        if not isinstance(transform, Transform):
            raise TypeError(f"transformed_conditional_logp: the transform of {rv} must be a "
                            f"Transform (or None), got {type(transform).__name__}")
        out[rv] = transform
    return out


def _unconstrained_value(rv: Variable, value: Any, transform: Transform) -> TensorVariable:
    """``value`` as the tensor ``u`` of ``rv`` under ``transform``, its rank checked."""
    name = f" ({rv.owner.op.name})" if is_draw(rv) else ""  # type: ignore[union-attr]
    where = f"transformed_conditional_logp: {rv}{name} with the {transform.name} transform"
    if rv.type.ndim < transform.ndim_supp:
        raise ValueError(f"{where}: the transform spans {transform.ndim_supp} event axes but the "
                         f"random variable has {rv.type.ndim} ({rv.type})")
    u = as_float_tensor(value, where, "unconstrained value")
    expected = transform.unconstrained_ndim(rv.type.ndim)
    if u.type.ndim != expected:
        raise ValueError(f"{where}: the unconstrained value must have {expected} dimensions for a "
                         f"random variable of type {rv.type}, got {u.type}")
    return u


def _draws_in(expressions: list[Any], among: set[Variable] | None) -> list[Variable]:
    found = []
    for var in ancestors(expressions):
        node = var.owner
        if node is not None and isinstance(node.op, RandomVariable) and var is node.outputs[1] \
                and (among is None or var in among):
            found.append(var)
    return found


def _as_value(rv: Variable, value: Any) -> Variable:
    """A value as a variable: plain data takes the random variable's dtype (as in
    conditional_logp)."""
    return value if isinstance(value, Variable) else as_tensor_variable(value, dtype=rv.type.dtype)


def _sum_trailing(term: Any, axes: int) -> Any:
    return term.sum(axis=tuple(range(-axes, 0))) if axes > 0 else term


def transformed_conditional_logp(rv_values: Mapping[Variable, Any], transforms: Any = "default",
                                 check_parameters: bool = True) -> dict[Variable, TensorVariable]:
    """:func:`~arignote.logprob.joint.conditional_logp` with some values unconstrained.

    ``transforms`` maps random variables of ``rv_values`` to a
    :class:`~arignote.logprob.transforms.Transform` (or None: untransformed), or is
    ``"default"``: :func:`default_transform` for every random variable whose value is a free
    variable (not observed data: a plain array or a constant).  The value given for a
    transformed variable is its unconstrained ``u``; its term is
    ``logp(backward(u)) + log_jac_det(u)``, the log-density summed over the event axes the
    Jacobian spans, and every random variable depending on it sees ``backward(u)``.  Returns
    ``{value: term}`` keyed by the values given (``u`` for a transformed variable), in order.
    """
    if not isinstance(rv_values, Mapping) or not rv_values:
        raise TypeError("transformed_conditional_logp: expected a non-empty mapping "
                        "{random variable: value}")
    chosen = _chosen_transforms(rv_values, transforms)
    unconstrained = {rv: _unconstrained_value(rv, rv_values[rv], t) for rv, t in chosen.items()}
    # the constrained values and Jacobians, still written in terms of the random variables
    # their transforms' parameters depend on (an interval's bounds)
    constrained = {rv: chosen[rv].backward(u) for rv, u in unconstrained.items()}
    jacobians = {rv: chosen[rv].log_jac_det(u) for rv, u in unconstrained.items()}
    constrained, jacobians = _resolve(rv_values, constrained, jacobians)

    values = {rv: constrained.get(rv, value) for rv, value in rv_values.items()}
    terms = conditional_logp(values, check_parameters)
    out: dict[Variable, TensorVariable] = {}
    for rv, (key, term) in zip(rv_values, terms.items(), strict=True):
        if rv not in chosen:
            out[key] = term
            continue
        jacobian = jacobians[rv]
        # sum whichever of the two spans fewer axes over the event axes the other consumed
        # (the density of a simplex from a Dirichlet is already one number per vector; the
        # density of an ordered vector of normals is one per element)
        term = _sum_trailing(term, term.type.ndim - jacobian.type.ndim)
        jacobian = _sum_trailing(jacobian, jacobian.type.ndim - term.type.ndim)
        out[unconstrained[rv]] = term + jacobian
    return out


def _resolve(rv_values: Mapping[Variable, Any], constrained: dict[Variable, Any],
             jacobians: dict[Variable, Any]) -> tuple[dict[Variable, Any], dict[Variable, Any]]:
    """Replace, in the transforms' outputs, every random variable by its (constrained) value,
    until none is left: a bound may be a variable whose own value is a transformed
    expression (``uniform(0, tau)`` with ``tau`` transformed), hence the repetition, at most
    once per random variable as the generative graph is acyclic."""
    if not constrained:
        return constrained, jacobians
    rvs = list(constrained)
    valued = set(rv_values)
    exprs = [constrained[rv] for rv in rvs] + [jacobians[rv] for rv in rvs]
    for _ in range(len(rv_values) + 1):
        if not _draws_in(exprs, valued):
            break
        current = dict(zip(rvs, exprs[:len(rvs)], strict=True))
        replacements = [(rv, current[rv] if rv in current else _as_value(rv, value))
                        for rv, value in rv_values.items()]
        exprs = graph_replace(exprs, replacements, strict=False)
    else:
        raise ValueError("transformed_conditional_logp: the transforms' parameters depend on "
                         "each other in a cycle (a variable's bounds depending on itself)")
    missing = _draws_in(exprs, None)
    if missing:
        name = random_variable_node(missing[0], "transformed_conditional_logp").op.name
        raise ValueError(f"transformed_conditional_logp: a transform's parameters depend on the "
                         f"random variable {missing[0]} ({name}), which has no value; give it one")
    n = len(rvs)
    return dict(zip(rvs, exprs[:n], strict=True)), dict(zip(rvs, exprs[n:], strict=True))


def transformed_logp(rv_values: Mapping[Variable, Any], transforms: Any = "default",
                     check_parameters: bool = True) -> TensorVariable:
    """The total of :func:`transformed_conditional_logp` (each term summed), a scalar."""
    terms = transformed_conditional_logp(rv_values, transforms, check_parameters)
    sums = [term.sum() for term in terms.values()]
    return tm.add(*sums) if len(sums) > 1 else sums[0]
