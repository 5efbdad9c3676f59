"""`debugprint`: a graph as an indented tree, each node with an id."""

from __future__ import annotations

import io
import string
import sys
from collections.abc import Sequence
from typing import IO, Any, cast

from arignote.compile.function import Function
from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.fg import FunctionGraph
from arignote.graph.traversal import toposort


def _id_names() -> Any:
    letters = string.ascii_uppercase
    n = 0
    while True:
        name, k = "", n
        while True:
            name = letters[k % 26] + name
            k = k // 26 - 1
            if k < 0:
                break
        yield name
        n += 1


#: PyTensor's options of ``debugprint`` that describe what arignote graphs do not have (in-place
#: and view maps, storage) or print choices without an equivalent here: accepted, no effect
_PYTENSOR_OPTIONS = {"print_destroy_map", "print_view_map", "print_memory_map", "print_storage",
                     "print_op_info", "print_fgraph_inputs", "print_inner_graphs", "stop_on_name",
                     "done", "used_ids", "print_assumptions"}


def graph_roots(obj: Any) -> list[Variable]:
    """The variables whose graphs the printers show for ``obj``: a compiled function's
    (rewritten) outputs, a ``FunctionGraph``'s outputs, a variable, a node's outputs, or those
    of each item of a sequence."""
    if isinstance(obj, Function):
        return list(obj.graph_outputs)
    if isinstance(obj, FunctionGraph):
        return list(obj.outputs)
    if isinstance(obj, Variable):
        return [obj]
    if isinstance(obj, Apply):
        return list(obj.outputs)
    if isinstance(obj, Sequence):
        return [v for item in obj for v in graph_roots(item)]
    raise TypeError(f"debugprint: cannot print {type(obj).__name__}")


def debugprint(obj: Any, file: IO[str] | str | None = None, print_type: bool = False,
               depth: int = -1, ids: str = "id", print_source: bool = False, *,
               id_type: str | None = None, print_shape: bool = False,
               **ignored: Any) -> Any:
    """Print the graph of ``obj`` (variables, a node, a ``FunctionGraph`` or a compiled function).

    ``file="str"`` returns the text instead of printing it.  A node reached
    again is shown once more by its id only (``···``).  Ops holding an inner
    graph (a loop's body: ``op.inner_graph`` gives its inputs and outputs)
    get it printed after the main tree, under "Inner graphs:".  ``ids=""``
    (or PyTensor's ``id_type=""``) leaves the ids out; ``print_shape`` adds
    each variable's static shape.  PyTensor's other options (``print_destroy_map``,
    ``print_view_map``, ``stop_on_name``, ...) are accepted and change nothing:
    graphs here have no in-place nodes, and names never hide a subgraph.
    """
    unknown = sorted(set(ignored) - _PYTENSOR_OPTIONS)
    if unknown:
        raise TypeError(f"debugprint: unknown option(s) {unknown}")
    if id_type is not None:
        ids = id_type
    out = io.StringIO()
    names: dict[int, str] = {}
    fresh = _id_names()
    expanded: set[int] = set()

    def label(var: Variable) -> str:
        key = id(var.owner) if var.owner is not None else id(var)
        if key not in names:
            names[key] = next(fresh)
        text = str(var.owner.op) if var.owner is not None else str(var)
        if var.owner is not None and len(var.owner.outputs) > 1:
            text += f".{var.index}"
        if ids:
            text += f" [id {names[key]}]"
        if var.owner is not None and var.name:
            text += f" '{var.name}'"
        if print_type:
            text += f" <{var.type}>"
        if print_shape:
            dims = getattr(var.type, "shape", None)
            if dims is not None:
                text += " shape=(" + ", ".join("?" if d is None else str(d) for d in dims) + \
                    ("," if len(dims) == 1 else "") + ")"
        if print_source and var.owner is not None and var.owner.source:
            text += f"  # {var.owner.source[0]}:{var.owner.source[1]}"
        return text

    def walk(var: Variable, prefix: str, branch: str, level: int) -> None:
        out.write(prefix + branch + label(var))
        node = var.owner
        if node is None or isinstance(var, Constant):
            out.write("\n")
            return
        if id(node) in expanded:
            out.write(" ···\n")
            return
        out.write("\n")
        expanded.add(id(node))
        if depth >= 0 and level >= depth:
            return
        child_prefix = prefix + ("" if not branch else ("│  " if branch == "├─ " else "   "))
        for position, inp in enumerate(node.inputs):
            last = position == len(node.inputs) - 1
            walk(inp, child_prefix, "└─ " if last else "├─ ", level + 1)

    roots = graph_roots(obj)
    for root in roots:
        walk(root, "", "", 0)
    inner_done: set[int] = set()
    pending = _nodes_with_inner_graphs(roots)
    if pending:
        out.write("\nInner graphs:\n")
    while pending:
        node = pending.pop(0)
        if id(node.op) in inner_done:
            continue
        inner_done.add(id(node.op))
        out.write(f"\n{node.op} [id {names.get(id(node), '?')}]\n")
        inputs, outputs = node.op.inner_graph
        out.write("  inputs: " + ", ".join(str(v) for v in inputs) + "\n")
        for inner in outputs:
            walk(inner, "  ", "← ", 0)
        pending.extend(_nodes_with_inner_graphs(outputs))
    text = out.getvalue()
    if file == "str":
        return text
    stream = sys.stdout if file is None else cast(IO[str], file)  # not "str": that returned above
    stream.write(text)
    return stream


def _nodes_with_inner_graphs(roots: Sequence[Variable]) -> list[Apply]:
    return [n for n in toposort(roots) if hasattr(n.op, "inner_graph")]
