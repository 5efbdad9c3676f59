"""Shapes of graphs as real programs write them, one text for every symbolic system.

Each family builds, for a target number of operations, a graph from vector
inputs through a namespace ``m`` that is ``arignote.tensor`` or
``pytensor.tensor`` (both spell these functions alike).  The families are
chosen so that a rule whose cost grows with the graph around a node shows:

- ``program``: the elementwise DAG of ``graph_build`` (5 inputs, fan-out);
- ``chain``: a deep chain ``y = (y + k) * 0.5 + x * 2.0`` with constants,
  which the canonical algebra flattens and sorts at every level;
- ``logdensity``: a log-density accumulated term by term over one input per
  term, ``total = total + log(1 + exp(a_i)) + log(sigmoid(a_i + 1))``:
  a sum chain whose terms need stabilising (how PyMC models add up their
  per-variable terms);
- ``product``: a product chain ``p = p * (a_i + 2.0) * exp(a_i)``;
- ``tree``: a balanced tree of sums of ``2 * log(1 + exp(a_i))`` terms
  (pairwise summation written out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph_build import OPS_PER_STEP, program

#: operations per unit of each family (a unit: a step, a level, a term, a leaf)
OPS_PER_UNIT = {"program": OPS_PER_STEP, "chain": 5, "logdensity": 8, "product": 4, "tree": 5}
DESCRIPTION = {
    "program": "elementwise program (5 inputs, fan-out)",
    "chain": "add/mul chain with constants",
    "logdensity": "log-density summed term by term (stabilised terms)",
    "product": "product chain",
    "tree": "balanced tree of sums",
}
FAMILIES = tuple(OPS_PER_UNIT)


def build(family: str, m: Any, vector: Callable[[str], Any], n_ops: int) -> tuple[list[Any], Any]:
    """``(inputs, output)`` of ``family`` with about ``n_ops`` operations."""
    units = max(1, n_ops // OPS_PER_UNIT[family])
    if family == "program":
        xs = [vector(n) for n in "xabcd"]
        return xs, program(m.tanh, m.exp, *xs, units)
    if family == "chain":
        x = vector("x")
        y = x
        for k in range(units):
            y = (y + float(k)) * 0.5 + x * 2.0
        return [x], y
    xs = [vector(f"a{k}") for k in range(units)]
    if family == "logdensity":
        total = xs[0] * 0.0
        for a in xs:
            total = total + m.log(1 + m.exp(a)) + m.log(m.sigmoid(a + 1))
        return xs, total
    if family == "product":
        total = xs[0]
        for a in xs[1:]:
            total = total * (a + 2.0) * m.exp(a)
        return xs, total
    level = [m.log(1 + m.exp(a)) * 2.0 for a in xs]
    while len(level) > 1:
        level = [level[k] + level[k + 1] if k + 1 < len(level) else level[k]
                 for k in range(0, len(level), 2)]
    return xs, level[0]
