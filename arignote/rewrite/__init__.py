"""Graph rewriting: rules indexed by op type, a one-pass driver, phases, tracing.

Write a rule as a pattern::

    stabilize.add(pattern("log(1 + x)", "log1p(x)", name="log1p_from_log"))

or as a function offered only the nodes it can match::

    @stabilize.rule(Log)
    def log_sigmoid_to_softplus(node):
        if (arg := match(node.inputs[0], Sigmoid)) is not None:
            return -softplus(-arg)

The engine imports no rules.  Constant folding (:mod:`arignote.rewrite.fold`),
the rule library (arignote.tensor.rewrites) and the loop rewrites register
theirs in the phases when imported; arignote.compile imports them, and a
compilation mode hands the engine the phases to run (see :func:`optimize`).
"""

from arignote.rewrite.driver import Rewriter, rewrite_graph
from arignote.rewrite.explain import explain
from arignote.rewrite.match import match, match_op
from arignote.rewrite.optimize import optimize
from arignote.rewrite.pattern import is_constant, is_float, pattern
from arignote.rewrite.phases import (PHASES, GraphPass, Phase, canonicalize, find, fusion, lowering,
                                     specialize, stabilize)
from arignote.rewrite.rule import Rule, RewriteCycleError, RewriteError, make_rule
from arignote.rewrite.trace import Trace

__all__ = ["PHASES", "GraphPass", "Phase", "RewriteCycleError", "RewriteError", "Rewriter", "Rule",
           "Trace", "canonicalize", "explain", "find", "fusion", "is_constant", "is_float", "lowering",
           "make_rule", "match", "match_op", "optimize", "pattern", "rewrite_graph", "specialize",
           "stabilize"]
