"""Graph rewriting: rules indexed by op type, a one-pass driver, phases, tracing.

Write a rule as a pattern::

    stabilize.add(pattern("log(1 + x)", "log1p(x)", name="log1p_from_log"))

or as a function offered only the nodes it can match, with the helpers of
:mod:`arignote.rewrite.toolkit` (all exported here)::

    @stabilize.rule(Log)
    def log_sigmoid_to_softplus(node):
        if (arg := match(node.inputs[0], Sigmoid)) is not None:
            return -softplus(-arg)

The engine imports no rules.  Constant folding (:mod:`arignote.rewrite.fold`),
the rule library (arignote.tensor.rewrites) and the loop rewrites register
theirs in the phases when imported; arignote.compile imports them, and a
compilation mode hands the engine the phases to run (see :func:`optimize`).
"""

from arignote.rewrite.driver import (
    Rewriter,
    given_node,
    given_users,
    inside_replacement,
    rewrite_graph,
    sole_user,
)
from arignote.rewrite.explain import explain
from arignote.rewrite.optimize import optimize
from arignote.rewrite.pattern import Pattern, pattern
from arignote.rewrite.phases import (
                                     PHASES,
                                     GraphPass,
                                     Phase,
                                     canonicalize,
                                     find,
                                     fusion,
                                     lowering,
                                     specialize,
                                     stabilize,
)
from arignote.rewrite.rule import RewriteCycleError, RewriteError, Rule, make_rule
from arignote.rewrite.toolkit import (
                                     computes_in_output_dtype,
                                     constant_value,
                                     dtype_of,
                                     elemwise_inputs,
                                     filled,
                                     fit_to,
                                     is_constant,
                                     is_float,
                                     is_number,
                                     is_real_float,
                                     keep_static_shape,
                                     kind_of,
                                     match,
                                     match_op,
                                     negate,
                                     negated,
                                     positions_of,
                                     product_factors,
                                     scalar_op_of,
                                     scaling,
                                     signed_sum,
                                     sum_terms,
                                     uniform_value,
                                     without,
)
from arignote.rewrite.trace import Trace

__all__ = ["PHASES", "GraphPass", "Pattern", "Phase", "RewriteCycleError", "RewriteError", "Rewriter",
           "Rule", "Trace", "canonicalize", "computes_in_output_dtype", "constant_value", "dtype_of",
           "elemwise_inputs", "explain", "filled", "find", "fit_to", "fusion", "given_node",
           "given_users", "inside_replacement", "is_constant",
           "is_float", "is_number", "is_real_float", "keep_static_shape", "kind_of", "lowering",
           "make_rule", "match", "match_op", "negate", "negated", "optimize", "pattern",
           "positions_of", "product_factors", "rewrite_graph", "scalar_op_of", "scaling",
           "signed_sum", "sole_user", "specialize", "stabilize", "sum_terms", "uniform_value",
           "without"]
