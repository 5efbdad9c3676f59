"""Run-time checks settled at compile time (canonicalize): ``CheckAndRaise`` conditions that
are constants.

A condition that is a true constant can never raise: it is dropped, and a check left with no
condition is its value (PyMC's parameter checks of constant parameters, ``sigma > 0`` with
``sigma = 5``, become ``True`` constants once folded).  A false constant is kept: the check
must still raise when (and only if) the function runs.
"""

from __future__ import annotations

from arignote.graph.basic import Apply, Variable
from arignote.rewrite import canonicalize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.rewrite.toolkit import constant_value
from arignote.tensor.check_and_raise import CheckAndRaise


@canonicalize.rule(CheckAndRaise, tags=[FAST_COMPILE])
def drop_true_conditions(node: Apply) -> Variable | None:
    """check(x, True, c) -> check(x, c); check(x) -> x."""
    value, *conditions = node.inputs
    # constant_value gives a Python scalar: True, or 1 for a nonzero number cast to bool later
    undecided = [c for c in conditions if constant_value(c) is None or not constant_value(c)]
    if len(undecided) == len(conditions):
        return None
    return node.op(value, *undecided) if undecided else value
