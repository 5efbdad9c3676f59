"""Joint log-densities of graphs of random variables: ``conditional_logp`` and ``joint_logp``.

Given a value for each of some random variables, the density of each is its distribution's
``logp`` at its value, with every random variable its parameters depend on replaced by that
variable's value (the graph is rebuilt downstream of them, the rest shared).  A parameter that
still depends on a random variable without a value raises, naming it: its density would need
that variable marginalised out, which is not what these functions do.

A valued variable may also be a measurable transformation of random variables without values
(``loc + scale * z``, ``exp(z)``...): :mod:`arignote.logprob.measurable` derives its density.

``joint_logp`` sums the terms.  Draws of one distribution whose values and parameters have the
same types (a model written as a Python loop of scalar draws) are summed as one vectorised
density of the stacked values, not as one copy of the density's graph per draw.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from arignote.graph.basic import Constant, Variable
from arignote.graph.replace import graph_replace
from arignote.graph.traversal import ancestors
from arignote.logprob.basic import NotMeasurable, logp
from arignote.logprob.measurable import Derivation, is_draw, is_random_source
from arignote.tensor import math as tm
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.join import stack
from arignote.tensor.variable import TensorVariable

__all__ = ["conditional_logp", "joint_logp"]


def _values(rv_values: Mapping[Variable, Any]) -> dict[Variable, Variable]:
    """``rv_values`` checked, each value a variable (a plain value a constant of rv's dtype)."""
    if not isinstance(rv_values, Mapping) or not rv_values:
        raise TypeError("conditional_logp: expected a non-empty mapping {random variable: value}")
    values: dict[Variable, Variable] = {}
    seen: set[Variable] = set()
    for rv, value in rv_values.items():
        if not isinstance(rv, Variable):
            raise NotMeasurable(f"conditional_logp: expected a random variable, got {type(rv).__name__}")
        if not isinstance(value, Variable):  # a plain value (observed data) takes rv's dtype
            value = as_tensor_variable(value, dtype=rv.type.dtype)
        if value.type.ndim != rv.type.ndim:
            raise ValueError(f"conditional_logp: the value of {rv} ({value.type}) does not have its "
                             f"number of dimensions ({rv.type})")
        # equal observed data are one interned constant: only a symbolic value can be shared
        # by mistake
        if value in seen and not isinstance(value, Constant):
            raise ValueError(f"conditional_logp: the value {value} is given to two random variables")
        seen.add(value)
        values[rv] = value
    return values


def _given_values(terms: Sequence[Variable], owners: list[list[Variable]], values: dict[Variable, Variable]
                  ) -> list[Variable]:
    """``terms`` with every valued variable replaced by its value (one rebuild of the whole
    graph); ValueError naming an unvalued random variable a term still depends on.
    ``owners[i]``: the valued variables whose density ``terms[i]`` is."""
    given = graph_replace(terms, list(values.items()), strict=False)
    missing = [var for var in ancestors(given) if is_random_source(var) and var not in values]
    if missing:
        other = missing[0]
        rv = next(rvs[0] for rvs, term in zip(owners, given) if other in ancestors([term]))
        name = other.owner.op.name if is_draw(other) else str(other.owner.op)  # type: ignore[union-attr]
        raise ValueError(f"conditional_logp: the density of {rv} depends on the random variable "
                         f"{other} ({name}), which has no value; give it one")
    return given


def conditional_logp(rv_values: Mapping[Variable, Any], check_parameters: bool = True
                     ) -> dict[Variable, TensorVariable]:
    """For each ``rv: value`` of ``rv_values``, the log-density of ``value`` given the values
    of the other random variables: a dict from each value (as a variable: a constant for a
    plain value) to its elementwise log-density term, in the order given.

    ``rv`` is a draw of a distribution or a measurable transformation of draws that have no
    value (``loc + scale * z``, ``exp(z)``, ``clip(z, lo, hi)``...; see
    :mod:`arignote.logprob.measurable`)."""
    values = _values(rv_values)
    derivation = Derivation(values, check_parameters)
    derived = [derivation.logp(rv, value) for rv, value in values.items()]
    given = _given_values(derived, [[rv] for rv in values], values)
    return {value: as_tensor_variable(term) for value, term in zip(values.values(), given)}


def _batch_key(rv: Variable, value: Variable) -> Hashable | None:
    """What draws must share to have one vectorised density: the op (distribution, dtype) and
    the types of the value and of every parameter; None for a draw that is not batched (a
    transformed variable, a multivariate draw)."""
    if not is_draw(rv):
        return None
    node = rv.owner
    assert node is not None
    if node.op.ndim_supp != 0:
        return None
    params = node.op.dist_params(node)
    # stacking needs equal shapes: known statically, or run-time shapes could differ
    if any(None in x.type.shape for x in (value, *params)):
        return None
    return (node.op, value.type, tuple(p.type for p in params))


def _stacked_density(rvs: list[Variable], values: dict[Variable, Variable], check_parameters: bool
                     ) -> TensorVariable:
    """The summed density of draws of one distribution, as one density of the stacked values
    (a parameter shared by all of them stays as it is and broadcasts)."""
    nodes = [rv.owner for rv in rvs]
    rank = values[rvs[0]].type.ndim
    params = []
    for column in zip(*[node.op.dist_params(node) for node in nodes]):  # type: ignore[union-attr]
        if all(p is column[0] for p in column):
            params.append(column[0])  # shared: it broadcasts against the draws' trailing axes
            continue
        # stacked: the new leading axis, then the parameter padded to the draws' rank, as
        # broadcasting would pad it for each draw
        own = column[0].type.ndim
        params.append(stack(list(column)).dimshuffle(0, *["x"] * (rank - own), *range(1, own + 1)))
    value = stack([values[rv] for rv in rvs])
    return logp(rvs[0], value, check_parameters=check_parameters, params=params).sum()


def joint_logp(rv_values: Mapping[Variable, Any], check_parameters: bool = True) -> TensorVariable:
    """The joint log-density of the values: the sum of every term of :func:`conditional_logp`
    (each summed over its elements), a scalar."""
    values = _values(rv_values)
    derivation = Derivation(values, check_parameters)
    groups: dict[Hashable, list[Variable]] = {}
    for rv, value in values.items():
        key = _batch_key(rv, value)
        groups.setdefault(("alone", rv) if key is None else key, []).append(rv)
    derived: list[Variable] = []
    for rvs in groups.values():
        if len(rvs) == 1:
            derived.append(derivation.logp(rvs[0], values[rvs[0]]).sum())
        else:
            derived.append(_stacked_density(rvs, values, check_parameters))
    given = _given_values(derived, list(groups.values()), values)
    return tm.add(*given) if len(given) > 1 else as_tensor_variable(given[0])
