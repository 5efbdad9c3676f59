"""Densities of transformed random variables: the measurable-operation rules and their driver.

A valued variable of :func:`~arignote.logprob.joint.conditional_logp` need not be the draw of
a distribution: ``loc + scale * rv``, ``exp(rv)``, ``clip(rv, lo, hi)``, a ``switch`` between
draws or a loop of draws have densities too.  Each such operation is *measurable*: a rule,
found through the op type of the node that computes the variable (as rewrites are), maps the
value of the node's output to the density of that value, written with the density of the
node's one random input at the inverted value.  A rule is plain Python::

    @measurable_rules.register(MyOp)
    def my_op_density(var, value, derivation):
        x = ...  # the random input of var.owner
        return derivation.logp(x, inverse(value)) + log_abs_jacobian(value)

and returns ``None`` when the node is not measurable after all (two random inputs, a
broadcast random input...).  :class:`Derivation` knows which variables are random (depend on a
random variable that has no value) and derives the density of any measurable variable, by its
distribution's rule for a draw or by the rule of the op that computes it otherwise.  When no
rule applies, :class:`~arignote.logprob.basic.NotMeasurable` names the node that blocks the
derivation and the line of user code that built it.

Elementwise ops share the one ``Elemwise`` op type, so their rules are keyed by scalar op type
in :data:`elemwise_rules` (rule ``(node, value, derivation)``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from arignote.graph.basic import Apply, Variable
from arignote.graph.registry import Registry
from arignote.graph.sourceinfo import describe_node
from arignote.logprob.basic import NotMeasurable, logcdf, logp
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.random.op import RandomVariable
from arignote.tensor.random.type import RandomGeneratorType
from arignote.tensor.variable import TensorVariable

__all__ = ["Derivation", "ElemwiseRule", "MeasurableRule", "elemwise_logcdf_rules", "elemwise_rules",
           "inner_draw_rules", "is_draw", "is_random_source", "measurable_logcdf_rules",
           "measurable_rules"]

#: ``rule(var, value, derivation)``: the density of ``value`` for ``var`` (computed by a node of
#: the registered op type), or None when the node is not measurable
MeasurableRule = Callable[[Variable, TensorVariable, "Derivation"], TensorVariable | None]
#: ``rule(node, value, derivation)`` for an ``Elemwise`` node of the registered scalar op type
ElemwiseRule = Callable[[Apply, TensorVariable, "Derivation"], TensorVariable | None]

measurable_rules: Registry[MeasurableRule] = Registry("measurable")
elemwise_rules: Registry[ElemwiseRule] = Registry("measurable elementwise")
#: ``rule(var, value, derivation)``: ``log P(var <= value)`` for a transformed ``var``
measurable_logcdf_rules: Registry[MeasurableRule] = Registry("measurable logcdf")


#: ``rule(var) -> bool``: whether an output of an op with an inner graph (a loop) depends on
#: draws made inside it, which a walk over the outer graph does not see
inner_draw_rules: Registry[Callable[[Variable], bool]] = Registry("inner draws")


def is_draw(var: Variable) -> bool:
    """Whether ``var`` is the draw output of a RandomVariable node."""
    node = var.owner
    return node is not None and isinstance(node.op, RandomVariable) and var is node.outputs[1]


def is_random_source(var: Variable) -> bool:
    """Whether ``var`` is random by itself: a draw, or an output of an op whose inner graph
    draws (a loop of draws), whatever its inputs."""
    if is_draw(var):
        return True
    node = var.owner
    if node is None:
        return False
    rule = inner_draw_rules.lookup(type(node.op))
    return rule is not None and rule(var)


class Derivation:
    """One derivation of log-densities: the valued variables, and densities of the others.

    ``valued`` are the variables that have values (their own densities are derived, and other
    densities see their values: the caller replaces them once at the end).  A variable is
    *random* when it is an unvalued draw or computed from a random variable; the set is found
    once per variable, by one walk over what the rules ask about.
    """

    def __init__(self, valued: Iterable[Variable], check_parameters: bool = True) -> None:
        self.valued = frozenset(valued)
        self.check_parameters = check_parameters
        self._random: dict[Variable, bool] = {}

    # --- which variables are random ---------------------------------------------------------

    def is_random(self, var: Variable) -> bool:
        """Whether ``var`` depends on a random variable that has no value (a valued one counts
        as its value, a constant of the density)."""
        known = self._random
        if var in known:
            return known[var]
        # an explicit stack: graphs are deep (long chains), recursion would overflow
        stack = [var]
        while stack:
            top = stack[-1]
            if top in known:
                stack.pop()
                continue
            node = top.owner
            if top in self.valued or node is None or isinstance(top.type, RandomGeneratorType):
                known[top] = False
                stack.pop()
                continue
            if is_random_source(top):
                known[top] = True
                stack.pop()
                continue
            pending = [i for i in node.inputs if i not in known]
            if pending:
                stack.extend(pending)
                continue
            known[top] = any(known[i] for i in node.inputs)
            stack.pop()
        return known[var]

    def random_inputs(self, node: Apply) -> list[int]:
        """The positions of ``node``'s random inputs."""
        return [i for i, x in enumerate(node.inputs) if self.is_random(x)]

    # --- densities --------------------------------------------------------------------------

    def logp(self, var: Variable, value: Any) -> TensorVariable:
        """The log-density of ``value`` for the random variable ``var``: its distribution's at a
        draw, its computing op's measurable rule otherwise; NotMeasurable when there is none."""
        if is_draw(var):
            return logp(var, value, check_parameters=self.check_parameters)
        node = var.owner
        if node is None:
            raise NotMeasurable(f"conditional_logp: {var} is an input, not a random variable")
        rule = measurable_rules.lookup(type(node.op))
        term = rule(var, value, self) if rule is not None else None
        if term is None:
            raise self.not_measurable(node, var)
        return term

    def logcdf(self, var: Variable, value: Any) -> TensorVariable:
        """``log P(var <= value)`` for the random variable ``var`` (a draw, or a transformed
        draw whose op has a logcdf rule)."""
        if is_draw(var):
            return logcdf(var, value, check_parameters=self.check_parameters)
        node = var.owner
        rule = measurable_logcdf_rules.lookup(type(node.op)) if node is not None else None
        term = rule(var, value, self) if rule is not None else None
        if term is None:
            raise NotMeasurable(f"conditional_logp: the cumulative distribution of {var} is not "
                                f"known" + (f" ({describe_node(node)})" if node is not None else ""))
        return term

    def not_measurable(self, node: Apply, var: Variable) -> NotMeasurable:
        """The error for ``var``, computed by ``node``, whose density cannot be derived."""
        random = [node.inputs[i] for i in self.random_inputs(node)]
        if not random:
            why = "it does not depend on a random variable without a value: the values determine it"
        elif len(random) > 1:
            why = f"its random inputs are {', '.join(map(str, random))}"
        else:
            why = "no rule derives a density through it"
        return NotMeasurable(f"conditional_logp: cannot derive the density of {var}: it is computed "
                             f"by {describe_node(node)}, which is not a measurable operation of "
                             f"random variables ({why})")


@measurable_rules.register(Elemwise)
def _elemwise_density(var: Variable, value: TensorVariable, derivation: Derivation
                      ) -> TensorVariable | None:
    node = var.owner
    assert node is not None
    rule = elemwise_rules.lookup(type(node.op.scalar_op))
    return rule(node, value, derivation) if rule is not None else None


@measurable_logcdf_rules.register(Elemwise)
def _elemwise_logcdf(var: Variable, value: TensorVariable, derivation: Derivation
                     ) -> TensorVariable | None:
    node = var.owner
    assert node is not None
    rule = elemwise_logcdf_rules.lookup(type(node.op.scalar_op))
    return rule(node, value, derivation) if rule is not None else None


#: ``rule(node, value, derivation)``: ``log P(out <= value)`` of an elementwise transform
elemwise_logcdf_rules: Registry[ElemwiseRule] = Registry("measurable elementwise logcdf")
