"""``function(..., profile=True)``: where a compiled function spends its time.

A profiled function runs its rewritten graph node by node (arignote/compile/node_by_node.py)
and times each node; ``f.profile.summary()`` prints the time per op class and per node, the
calls and the compile stages.  Each node is timed around its own linked program, so the
times include one Python call per node (about a microsecond); the whole-program figures of
an unprofiled function are lower by that and by the buffer reuse a whole program gets.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TextIO

from arignote.graph.basic import Apply

__all__ = ["ProfileStats"]


class ProfileStats:
    """Times of one compiled function (or of several, when one instance is given to each).

    ``fct_call_time``/``fct_callcount``: total call time and calls; ``apply_time``: seconds
    per node; ``apply_callcount``; ``rewrite_time``, ``linker_time``: compile stages.
    """

    def __init__(self, message: str | None = None, atexit_print: bool = False) -> None:
        self.message = message or "arignote function profile"
        self.atexit_print = atexit_print  # accepted (PyTensor's); summaries are printed on request
        self.fct_call_time = 0.0
        self.fct_callcount = 0
        self.apply_time: dict[Apply, float] = defaultdict(float)
        self.apply_callcount: dict[Apply, int] = defaultdict(int)
        self.rewrite_time = 0.0
        self.linker_time = 0.0
        self.compile_time = 0.0

    # --- observer of the node-by-node program ----------------------------------------------
    def before(self, node: Apply, inputs: Sequence[Any]) -> float:
        return time.perf_counter()

    def after(self, node: Apply, inputs: Sequence[Any], outputs: Sequence[Any], token: float) -> None:
        self.apply_time[node] += time.perf_counter() - token
        self.apply_callcount[node] += 1

    def record_call(self, seconds: float) -> None:
        self.fct_call_time += seconds
        self.fct_callcount += 1

    # --- reports --------------------------------------------------------------------------
    def op_class_times(self) -> dict[str, float]:
        """Seconds per op class name, summed over the nodes."""
        found: dict[str, float] = defaultdict(float)
        for node, seconds in self.apply_time.items():
            found[type(node.op).__name__] += seconds
        return dict(found)

    def summary(self, file: TextIO | None = None, n_ops_to_print: int = 20,
                n_apply_to_print: int = 20) -> None:
        """Print the profile: calls, compile stages, time per op class and per node."""
        out = file if file is not None else sys.stdout
        nodes_total = sum(self.apply_time.values())
        per_call = self.fct_call_time / self.fct_callcount if self.fct_callcount else 0.0
        print(f"Function profile: {self.message}", file=out)
        print(f"  calls: {self.fct_callcount}, total {self.fct_call_time:.3e} s "
              f"({per_call:.3e} s per call); in the nodes: {nodes_total:.3e} s", file=out)
        print(f"  compile: rewriting {self.rewrite_time:.3e} s, linking {self.linker_time:.3e} s",
              file=out)
        print("\n  Op classes (<% of node time> <cumulated %> <seconds> <nodes> <class>):", file=out)
        by_class = sorted(self.op_class_times().items(), key=lambda kv: -kv[1])
        counts: dict[str, int] = defaultdict(int)
        for node in self.apply_time:
            counts[type(node.op).__name__] += 1
        cumulated = 0.0
        for name, seconds in by_class[:n_ops_to_print]:
            share = 100 * seconds / nodes_total if nodes_total else 0.0
            cumulated += share
            print(f"   {share:5.1f}%  {cumulated:5.1f}%  {seconds:.3e}s  {counts[name]:4d}  {name}", file=out)
        print("\n  Nodes (<% of node time> <seconds> <calls> <node>):", file=out)
        by_node = sorted(self.apply_time.items(), key=lambda kv: -kv[1])
        for node, seconds in by_node[:n_apply_to_print]:
            share = 100 * seconds / nodes_total if nodes_total else 0.0
            print(f"   {share:5.1f}%  {seconds:.3e}s  {self.apply_callcount[node]:6d}  {_describe(node)}",
                  file=out)
        hidden = len(by_node) - n_apply_to_print
        if hidden > 0:
            print(f"   ... and {hidden} more nodes", file=out)


def _describe(node: Apply) -> str:
    inputs = ", ".join(str(v) for v in node.inputs)
    return f"{node.op}({inputs})"[:120]
