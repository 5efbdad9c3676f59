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
from arignote.printing.debugprint import graph_roots
from arignote.scalar.math import Abs, Cast
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.reduction import CAReduce
from arignote.tensor.subtensor_advanced import AdvancedSubtensor
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_index import BOOL_MASK, INDEX_ARRAY, SYMBOLIC, SliceSpec, format_entries

__all__ = ["pp", "pprint"]


def pprint(obj: Any) -> str:
    """A one-line infix rendering of a variable's graph (PyTensor's ``pp``).

    ``obj`` may also be a node, a list of variables or a compiled function (its rewritten
    outputs): then one line per output.
    """
    if not (isinstance(obj, (Variable, Apply, Function))
            or (isinstance(obj, (list, tuple)) and all(isinstance(v, Variable) for v in obj))):
        raise TypeError(f"pprint: expected a variable, a node, a list of variables or a compiled "
                        f"function, got {type(obj).__name__}")
    memo: dict[int, str] = {}
    return "\n".join(_render(v, memo) for v in graph_roots(obj))


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


class _Text:
    """Stands in a key's entries for what ``format_entries`` should write as given text."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


#: a new axis, as Python writes it (``format_entries`` says ``newaxis``)
_NEW_AXIS: Any = _Text("None")


def _key(entries: Sequence[Any], args: Sequence[str]) -> str:
    """An indexing key as written in Python, the symbolic parts replaced by their inputs."""
    given = iter(args)

    def shown(p: Any) -> Any:
        return _Text(next(given)) if p is SYMBOLIC or p is INDEX_ARRAY or p is BOOL_MASK else p

    return format_entries([SliceSpec(*map(shown, e.parts)) if isinstance(e, SliceSpec)
                           else _NEW_AXIS if e is None else shown(e) for e in entries])
