"""Joint log-densities of graphs of random variables: ``conditional_logp`` and ``joint_logp``.

Given a value for each of some random variables, the density of each is its distribution's
``logp`` at its value, with every random variable its parameters depend on replaced by that
variable's value (the graph is rebuilt downstream of them, the rest shared).  A parameter that
still depends on a random variable without a value raises, naming it: its density would need
that variable marginalised out, which is not what these functions do.

Measurable transformations of random variables (``loc + scale * rv`` and the like) are the
next part of issue 17; here each valued variable must be the draw of a distribution.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from arignote.graph.basic import Variable
from arignote.graph.replace import graph_replace
from arignote.graph.traversal import ancestors
from arignote.logprob.basic import logp, random_variable_node
from arignote.tensor import math as tm
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.random.op import RandomVariable
from arignote.tensor.variable import TensorVariable

__all__ = ["conditional_logp", "joint_logp"]


def _unvalued_draws(variables: list[Any], valued: set[Variable]) -> list[Variable]:
    """The draws of random variables among ``variables``' ancestors that have no value."""
    found = []
    for var in ancestors(variables):
        node = var.owner
        if node is not None and isinstance(node.op, RandomVariable) and var is node.outputs[1] \
                and var not in valued:
            found.append(var)
    return found


def conditional_logp(rv_values: Mapping[Variable, Any], check_parameters: bool = True
                     ) -> dict[Variable, TensorVariable]:
    """For each ``rv: value`` of ``rv_values``, the log-density of ``value`` given the values
    of the other random variables: a dict from each value (as a variable: a constant for a
    plain value) to its elementwise log-density term, in the order given."""
    if not isinstance(rv_values, Mapping) or not rv_values:
        raise TypeError("conditional_logp: expected a non-empty mapping {random variable: value}")
    nodes = {rv: random_variable_node(rv, "conditional_logp") for rv in rv_values}
    # a plain value (observed data) takes the random variable's dtype
    values: dict[Variable, Variable] = {
        rv: value if isinstance(value, Variable) else as_tensor_variable(value, dtype=rv.type.dtype)
        for rv, value in rv_values.items()}
    params = {rv: list(node.op.dist_params(node)) for rv, node in nodes.items()}
    every_param = [p for ps in params.values() for p in ps]
    # one walk and one rebuild of the whole graph, not one per random variable
    missing = _unvalued_draws(every_param, set(values))
    if missing:
        other = missing[0]
        rv = next(rv for rv, ps in params.items() if other in ancestors(ps))
        name = random_variable_node(other, "conditional_logp").op.name
        raise ValueError(f"conditional_logp: the density of {rv} depends on the random variable "
                         f"{other} ({name}), which has no value; give it one")
    given = iter(graph_replace(every_param, list(values.items()), strict=False) if every_param else [])
    terms: dict[Variable, TensorVariable] = {}
    for rv, value in values.items():
        if value in terms:
            raise ValueError(f"conditional_logp: the value {value} is given to two random variables")
        own = [next(given) for _ in params[rv]]
        terms[value] = logp(rv, value, check_parameters=check_parameters, params=own)
    return terms


def joint_logp(rv_values: Mapping[Variable, Any], check_parameters: bool = True) -> TensorVariable:
    """The joint log-density of the values: the sum of every term of :func:`conditional_logp`
    (each summed over its elements), a scalar."""
    terms = conditional_logp(rv_values, check_parameters)
    return tm.add(*[term.sum() for term in terms.values()]) if len(terms) > 1 else \
        next(iter(terms.values())).sum()
