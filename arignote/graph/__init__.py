"""The graph IR: types, variables, interned nodes, ops, traversal and replacement."""

from arignote.graph.basic import Apply, Constant, Variable, clone
from arignote.graph.fg import FunctionGraph
from arignote.graph.op import Op
from arignote.graph.replace import clone_replace, graph_replace, vectorize_graph
from arignote.graph.rewriting.basic import graph_rewriter, node_rewriter
from arignote.graph.rewriting.db import RewriteDatabaseQuery
from arignote.graph.rewriting.utils import rewrite_graph
from arignote.graph.traversal import ancestors, consumers, explicit_graph_inputs, graph_inputs, toposort
from arignote.graph.type import Type

__all__ = ["Apply", "Constant", "FunctionGraph", "Op", "RewriteDatabaseQuery", "Type", "Variable",
           "ancestors", "clone", "clone_replace", "consumers", "explicit_graph_inputs", "graph_inputs",
           "graph_replace", "graph_rewriter", "node_rewriter", "rewrite_graph", "toposort",
           "vectorize_graph"]
