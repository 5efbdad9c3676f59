"""`pprint` (PyTensor's `pp`): a graph as one line of infix mathematics.

The shape follows PyTensor's pretty printer: every binary operator in parentheses
(``((x + y) + z)``), unary minus too (``(-x)``), basic and advanced indexing as
``x[1:i, 0]``, a 2-d transpose as ``m.T``, a reduction as ``sum(x, axis=(0,))``, a cast as
``float32(x)``, ``|x|`` for an absolute value, and any other node as ``name(inputs)``.
Inputs print by name, constants by value; named intermediate results are expanded (as in
PyTensor).  Elementwise functions print under their NumPy names (``exp(x)``, where
PyTensor writes ``Exp(x)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.compile.function import Function
from arignote.graph.basic import Apply, Variable
from arignote.scalar.math import Abs, Cast
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.reduction import CAReduce
from arignote.tensor.subtensor_advanced import AdvancedSubtensor
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_index import BOOL_MASK, INDEX_ARRAY, SYMBOLIC, SliceSpec

__all__ = ["pp", "pprint"]


def pprint(obj: Any) -> str:
    """A one-line infix rendering of a variable's graph (PyTensor's ``pp``).

    ``obj`` may also be a node, a list of variables or a compiled function (its rewritten
    outputs): then one line per output.
    """
    if isinstance(obj, Variable):
        return _render(obj, {})
    if isinstance(obj, Apply):
        roots: Sequence[Variable] = obj.outputs
    elif isinstance(obj, Function):
        roots = list(obj.graph_outputs)
    elif isinstance(obj, (list, tuple)) and all(isinstance(v, Variable) for v in obj):
        roots = obj
    else:
        raise TypeError(f"pprint: expected a variable, a node, a list of variables or a compiled "
                        f"function, got {type(obj).__name__}")
    memo: dict[int, str] = {}
    return "\n".join(_render(v, memo) for v in roots)


#: PyTensor's name
pp = pprint


def _render(var: Variable, memo: dict[int, str]) -> str:
    """``var`` rendered; ``memo`` keeps the text of each variable already rendered (a shared
    subexpression is rendered once, a DAG stays linear in time)."""
    found = memo.get(id(var))
    if found is None:
        found = memo[id(var)] = _render_new(var, memo)
    return found


def _render_new(var: Variable, memo: dict[int, str]) -> str:
    node = var.owner
    if node is None:
        return str(var)
    args = [_render(i, memo) for i in node.inputs]
    op = node.op
    suffix = f".{var.index}" if len(node.outputs) > 1 else ""
    if isinstance(op, Elemwise):
        return _elemwise(op, args)
    if isinstance(op, (Subtensor, AdvancedSubtensor)):
        return f"{args[0]}[{_key(op.idx_list, args[1:])}]"
    if isinstance(op, DimShuffle) and node.inputs[0].ndim == 2 and tuple(op.new_order) == (1, 0):
        return f"{args[0]}.T"
    if isinstance(op, CAReduce):
        name = str(op).split("{", 1)[0].lower()
        return f"{name}({args[0]}, axis={op.axis})"
    return f"{op}{suffix}({', '.join(args)})"


def _elemwise(op: Elemwise, args: list[str]) -> str:
    scalar = op.scalar_op
    symbol = scalar.symbol
    if symbol and len(args) >= 2:
        return "(" + f" {symbol} ".join(args) + ")"
    if symbol and len(args) == 1:
        return f"({symbol}{args[0]})"
    if isinstance(scalar, Cast):
        return f"{scalar.dtype}({args[0]})"
    if isinstance(scalar, Abs):
        return f"|{args[0]}|"
    return f"{scalar.name}({', '.join(args)})"


def _key(entries: Sequence[Any], args: Sequence[str]) -> str:
    """An indexing key as written in Python, the symbolic parts replaced by their inputs."""
    given = iter(args)

    def part(p: Any) -> str:
        if p is SYMBOLIC:
            return next(given)
        return "" if p is None else str(p)

    words = []
    for entry in entries:
        if isinstance(entry, SliceSpec):
            text = ":".join(part(p) for p in entry.parts)
            words.append(text[:-1] if entry.step is None else text)
        elif entry is SYMBOLIC or entry is INDEX_ARRAY or entry is BOOL_MASK:
            words.append(next(given))
        elif entry is None:
            words.append("None")
        elif entry is Ellipsis:
            words.append("...")
        else:
            words.append(str(entry))
    return ", ".join(words)
