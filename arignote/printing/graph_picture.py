"""`pydotprint`: a picture of a graph, drawn by Graphviz.

The DOT text is written here, with no dependency; turning it into an image needs the
``graphviz`` Python package (``pip install graphviz``) and Graphviz's ``dot`` program.
``format="dot"`` gives the DOT text itself, without either.

What the picture shows (PyTensor's conventions): each node is a box labelled by its op,
filled by op kind (``colorCodes``); each variable a graph reads from outside is an
ellipse: inputs green, shared variables light blue, constants grey (labelled by value),
outputs blue.  An edge is labelled by the input's position when the op has several.  With
``compact=False`` every intermediate result is an ellipse of its own; with ``compact=True``
(the default) only the named ones are, the others become plain edges.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from arignote.compile.function import Function
from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.shared import SharedVariable
from arignote.graph.traversal import toposort
from arignote.printing.debugprint import graph_roots

__all__ = ["default_colorCodes", "pydotprint"]

#: fill colours of op boxes, by op class name (PyTensor's table, for the ops arignote has)
default_colorCodes: dict[str, str] = {
    "Elemwise": "#FFAABB",
    "Subtensor": "#FFAAFF",
    "AdvancedSubtensor": "#FFAAFF",
    "Alloc": "#FFAA22",
    "Shape": "brown",
    "ShapeI": "brown",
    "IfElse": "magenta",
    "Loop": "yellow",
    "Scan": "yellow",
}
_INPUT, _SHARED, _CONSTANT, _OUTPUT = "limegreen", "lightblue", "lightgrey", "dodgerblue"

_INSTALL = ("pydotprint needs the `graphviz` Python package to draw an image: `pip install "
            "graphviz` (and Graphviz's `dot` program: apt install graphviz, brew install graphviz, "
            "conda install graphviz); format='dot' writes the DOT text without either")


def pydotprint(fct: Any, outfile: str | Path | None = None, compact: bool = True,
               format: str = "png", with_ids: bool = False, high_contrast: bool = True,
               cond_highlight: Any = None, colorCodes: dict[str, str] | None = None,
               max_label_size: int = 70, scan_graphs: bool = False,
               var_with_name_simple: bool = False, print_output_file: bool = True,
               return_image: bool = False) -> bytes | str | None:
    """Draw the graph of ``fct`` (a compiled function: its rewritten graph; variables or a
    node: their graph as built) to ``outfile`` in ``format`` (PyTensor's signature).

    ``outfile`` defaults to ``arignote.pydotprint.<format>`` in the temporary directory.
    ``return_image=True`` returns the image's bytes (the DOT text, a ``str``, for
    ``format="dot"``) instead of writing a file.  ``cond_highlight`` and ``scan_graphs``
    are accepted and change nothing (inner graphs are not drawn: see ``debugprint``).
    """
    source = dot_source(fct, compact=compact, with_ids=with_ids, high_contrast=high_contrast,
                        colorCodes=colorCodes, max_label_size=max_label_size,
                        var_with_name_simple=var_with_name_simple)
    if format == "dot":
        image: bytes | str = source
    else:
        image = _render(source, format)
    if return_image:
        return image
    if outfile is None:
        outfile = os.path.join(tempfile.gettempdir(), f"arignote.pydotprint.{format}")
    path = Path(outfile)
    if isinstance(image, str):
        path.write_text(image, encoding="utf-8")
    else:
        path.write_bytes(image)
    if print_output_file:
        print("The output file is available at", path)
    return None


def _render(source: str, format: str) -> bytes:
    """The image Graphviz draws from ``source``."""
    try:
        import graphviz  # optional: only drawing needs it
    except ImportError as exc:
        raise ImportError(_INSTALL) from exc
    try:
        data: bytes = graphviz.Source(source).pipe(format=format)
    except graphviz.ExecutableNotFound as exc:
        raise RuntimeError("pydotprint: Graphviz's `dot` program was not found on the PATH; "
                           "install Graphviz (apt install graphviz, brew install graphviz, conda "
                           "install graphviz), or use format='dot' for the DOT text") from exc
    except ValueError as exc:  # graphviz's report of an unknown format
        raise ValueError(f"pydotprint: Graphviz cannot write format {format!r}: {exc}") from exc
    return data


def _roots(obj: Any) -> list[Variable]:
    if isinstance(obj, (Function, Variable, Apply)) or (
            isinstance(obj, (list, tuple)) and obj and all(isinstance(v, (Variable, Apply)) for v in obj)):
        return graph_roots(obj)
    raise TypeError(f"pydotprint: expected a compiled function, a variable, a node or a list of "
                    f"variables, got {type(obj).__name__}")


def _quote(text: str) -> str:
    """``text`` as a DOT string (quotes and backslashes escaped, one line per newline)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[:max(size - 3, 0)] + "..."


def dot_source(fct: Any, compact: bool = True, with_ids: bool = False, high_contrast: bool = True,
               colorCodes: dict[str, str] | None = None, max_label_size: int = 70,
               var_with_name_simple: bool = False) -> str:
    """The DOT text of the picture ``pydotprint`` draws (see there)."""
    roots = _roots(fct)
    colors = default_colorCodes if colorCodes is None else colorCodes
    nodes = toposort(roots)
    output_ids = {id(v) for v in roots}
    names: dict[int, str] = {}
    lines = ["digraph G {", "  graph [bgcolor=white];"]

    def fill(color: str) -> str:
        return f'style=filled, fillcolor="{color}"' if high_contrast else f'color="{color}"'

    def var_label(var: Variable, position: int) -> str:
        if isinstance(var, Constant) and var.name is None:
            text = str(var) if var_with_name_simple else f"{var.type}\n{var}"
        elif var.name is not None:
            text = var.name if var_with_name_simple else f"{var.name} {var.type}"
        else:
            text = str(var.type)
        text = _cut(text, max_label_size)
        return f"id={position} {text}" if with_ids else text

    def add_variable(var: Variable) -> str:
        key = id(var)
        if key not in names:
            names[key] = f"v{len(names)}"
            if isinstance(var, SharedVariable):
                color = _SHARED
            elif isinstance(var, Constant):
                color = _CONSTANT
            elif id(var) in output_ids:
                color = _OUTPUT
            elif var.owner is None:
                color = _INPUT
            else:
                color = "white"
            label = _quote(var_label(var, len(names) - 1))
            lines.append(f"  {names[key]} [label={label}, shape=ellipse, {fill(color)}];")
        return names[key]

    apply_names: dict[int, str] = {}
    for position, node in enumerate(nodes):
        name = apply_names[id(node)] = f"n{position}"
        label = _cut(str(node.op), max_label_size)
        if with_ids:
            label = f"id={position} {label}"
        color = colors.get(type(node.op).__name__, "white")
        lines.append(f"  {name} [label={_quote(label)}, shape=box, {fill(color)}];")
        several = len(node.inputs) > 1
        for k, inp in enumerate(node.inputs):
            # the input's position, and which output it is of a node with several
            words = ([str(k)] if several else []) + (
                [f"out {inp.index}"] if inp.owner is not None and len(inp.owner.outputs) > 1 else [])
            edge_label = f" [label={_quote(' '.join(words))}]" if words else ""
            if inp.owner is None:
                lines.append(f"  {add_variable(inp)} -> {name}{edge_label};")
                continue
            source = apply_names[id(inp.owner)]
            shown = not compact or inp.name is not None
            if shown:
                if id(inp) not in names:  # the first reader draws the result's own edge
                    lines.append(f"  {source} -> {add_variable(inp)};")
                lines.append(f"  {names[id(inp)]} -> {name}{edge_label};")
            else:
                lines.append(f"  {source} -> {name}{edge_label};")
    for out in roots:
        if out.owner is None:
            add_variable(out)
        elif id(out) not in names:
            lines.append(f"  {apply_names[id(out.owner)]} -> {add_variable(out)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
