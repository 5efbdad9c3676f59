"""The graph IR: types, variables, interned nodes, ops, traversal and replacement."""

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.fg import FunctionGraph
from arignote.graph.op import Op
from arignote.graph.replace import clone_replace, graph_replace
from arignote.graph.rewriting.db import RewriteDatabaseQuery
from arignote.graph.rewriting.utils import rewrite_graph
from arignote.graph.traversal import ancestors, consumers, graph_inputs, toposort
from arignote.graph.type import Type

__all__ = ["Apply", "Constant", "FunctionGraph", "Op", "RewriteDatabaseQuery", "Type", "Variable",
           "ancestors", "clone_replace", "consumers", "graph_inputs", "graph_replace", "rewrite_graph",
           "toposort"]
