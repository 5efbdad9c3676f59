"""The ``py`` backend: a graph turned into one straight-line Python function.

The schedule is fixed at compile time and written out as Python source, one
line per node calling that node's NumPy implementation, with each
intermediate value released (``del``) right after its last use.  A call
therefore costs one Python call per node and nothing else.  When a node
fails, the line number of the failing frame tells which node it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.sourceinfo import describe_node  # noqa: F401  (imported from here by the backends)
from arignote.graph.traversal import toposort


class PyProgram:
    """A compiled schedule: call it with the input values, get the output values."""

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable]) -> None:
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.nodes = toposort(outputs)
        self.run, self._line_to_node = _generate(self.inputs, self.outputs, self.nodes)

    def __call__(self, *values: Any) -> list[Any]:
        return self.run(*values)

    def node_at_failure(self, exc: BaseException) -> Apply | None:
        """The node whose implementation raised ``exc`` (None if not inside one)."""
        tb = exc.__traceback__
        found = None
        while tb is not None:
            if tb.tb_frame.f_code is self.run.__code__:
                found = self._line_to_node.get(tb.tb_lineno)
            tb = tb.tb_next
        return found


def _generate(inputs: Sequence[Variable], outputs: Sequence[Variable],
              nodes: Sequence[Apply]) -> tuple[Callable[..., list[Any]], dict[int, Apply]]:
    names: dict[Variable, str] = {}
    env: dict[str, Any] = {}
    for i, var in enumerate(inputs):
        names[var] = f"a{i}"

    def name_of(var: Variable) -> str:
        if var not in names:
            if not isinstance(var, Constant):
                raise ValueError(f"the graph needs input {var}, which was not given")
            names[var] = f"c{len(env)}"
            env[names[var]] = var.data
        return names[var]

    # last use of every value, so it can be released early
    last_use: dict[Variable, int] = {}
    for step, node in enumerate(nodes):
        for var in node.inputs:
            last_use[var] = step
    kept = set(outputs)

    lines = [f"def run({', '.join(names[v] for v in inputs)}):"]
    line_to_node: dict[int, Apply] = {}
    for step, node in enumerate(nodes):
        args = ", ".join(name_of(v) for v in node.inputs)
        thunk = f"f{step}"
        env[thunk] = node.op.py_impl(node)
        for j, out in enumerate(node.outputs):
            names[out] = f"v{step}_{j}"
        targets = ", ".join(names[o] for o in node.outputs)
        if len(node.outputs) > 1:
            targets += ","
        lines.append(f"    {targets} = {thunk}({args})")
        line_to_node[len(lines)] = node
        dead = [names[v] for v in node.inputs
                if last_use.get(v) == step and v not in kept and v.owner is not None]
        if dead:
            lines.append(f"    del {', '.join(dict.fromkeys(dead))}")
    lines.append(f"    return [{', '.join(name_of(v) for v in outputs)}]")
    source = "\n".join(lines) + "\n"
    code = compile(source, "<arignote py program>", "exec")
    exec(code, env)
    return env["run"], line_to_node
