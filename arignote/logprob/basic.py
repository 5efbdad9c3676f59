"""Densities of random variables: ``logp``, ``logcdf`` and ``icdf``, found by the op's type.

A random variable is the draw output of a :class:`~arignote.tensor.random.op.RandomVariable`
node (``rv = at.random.normal(mu, sigma)``).  Each distribution registers, for its op type,
up to three rules written with the tensor API; each rule takes ``(value, *params, checks)``
where ``params`` are the node's distribution parameters and returns a tensor:

* ``logp`` — the log-density (log-probability for a discrete distribution) of ``value``,
  ``-inf`` outside the support;
* ``logcdf`` — ``log P(X <= value)``;
* ``icdf`` — the ``q``-quantile.

Invalid parameters make the compiled function raise ``ValueError`` naming the distribution
and the parameter (through :class:`ParameterChecks`), unless ``check_parameters=False``,
which drops the checks for speed (the result is then meaningless for invalid parameters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arignote.graph.basic import Variable
from arignote.graph.registry import Registry
from arignote.tensor import math as tm
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.check_and_raise import CheckAndRaise
from arignote.tensor.random.op import RandomVariable
from arignote.tensor.variable import TensorVariable

__all__ = ["DensityRule", "NotMeasurable", "ParameterChecks", "icdf", "icdf_rules", "logcdf",
           "logcdf_rules", "logp", "logp_rules", "random_variable_node"]

#: ``rule(value, *params, checks)``: a density of ``value`` under the distribution's parameters
DensityRule = Callable[..., TensorVariable]

#: the registries, by RandomVariable subclass (a subclass inherits its base's rules)
logp_rules: Registry[DensityRule] = Registry("logp")
logcdf_rules: Registry[DensityRule] = Registry("logcdf")
icdf_rules: Registry[DensityRule] = Registry("icdf")


class NotMeasurable(TypeError):
    """The variable is not a random variable whose density is known (naming what it is)."""


class ParameterChecks:
    """The run-time checks of one distribution's parameters, attached to a density.

    ``checks.require(expr, condition, "scale > 0")`` is ``expr`` after a check that raises
    ``ValueError("normal: scale > 0 is required")`` when ``condition`` fails anywhere; with
    checking off it is ``expr`` unchanged.
    """

    def __init__(self, distribution: str, enabled: bool = True) -> None:
        self.distribution = distribution
        self.enabled = enabled

    def require(self, expr: Any, condition: Any, what: str) -> TensorVariable:
        """``expr`` once ``condition`` (elementwise, all of it) holds; ValueError otherwise."""
        expr = as_tensor_variable(expr)
        if not self.enabled:
            return expr
        holds = tm.all(as_tensor_variable(condition))
        return CheckAndRaise(ValueError, f"{self.distribution}: {what} is required")(expr, holds)


def random_variable_node(rv: Any, what: str) -> Any:
    """The RandomVariable node whose draw ``rv`` is; NotMeasurable naming ``rv`` otherwise."""
    if not isinstance(rv, Variable):
        raise NotMeasurable(f"{what}: expected a random variable, got {type(rv).__name__}")
    node = rv.owner
    if node is None or not isinstance(node.op, RandomVariable) or rv is not node.outputs[1]:
        source = "an input" if node is None else f"computed by {node.op}"
        raise NotMeasurable(f"{what}: {rv} is not the draw of a random variable ({source})")
    return node


def _apply(registry: Registry[DensityRule], what: str, rv: Any, value: Any,
           check_parameters: bool, params: list[Any] | None = None) -> TensorVariable:
    """``registry``'s rule for ``rv``'s distribution at ``value``, with ``params`` in place of
    the node's own parameters when given (the values of the random variables they depend on)."""
    node = random_variable_node(rv, what)
    op = node.op
    rule = registry.lookup(type(op))
    if rule is None:
        raise NotImplementedError(f"{what}: no {what} is known for the {op.name} distribution")
    value = as_tensor_variable(value)
    if what != "icdf" and value.type.ndim < rv.type.ndim:
        raise ValueError(f"{what}({op.name}): the value ({value.type}) has fewer dimensions than "
                         f"the random variable ({rv.type})")
    if params is None:
        params = op.dist_params(node)
    out = rule(value, *params, checks=ParameterChecks(op.name, check_parameters))
    return as_tensor_variable(out)


def logp(rv: Any, value: Any, check_parameters: bool = True, params: list[Any] | None = None
         ) -> TensorVariable:
    """The log-density (log-probability) of ``value`` under the distribution of ``rv``:
    elementwise over the draws' batch axes, ``-inf`` outside the support (``params``: other
    parameters than the node's, as :func:`~arignote.logprob.joint.conditional_logp` gives)."""
    return _apply(logp_rules, "logp", rv, value, check_parameters, params)


def logcdf(rv: Any, value: Any, check_parameters: bool = True) -> TensorVariable:
    """``log P(rv <= value)``, elementwise."""
    return _apply(logcdf_rules, "logcdf", rv, value, check_parameters)


def icdf(rv: Any, q: Any, check_parameters: bool = True) -> TensorVariable:
    """The ``q``-quantile of ``rv``'s distribution (``q`` in [0, 1]; NaN outside)."""
    return _apply(icdf_rules, "icdf", rv, q, check_parameters)

