"""PyTensor's way to write rewrites (``pytensor.graph.rewriting.basic``), run by arignote's engine.

    @node_rewriter([Exp])
    def exp_of_log(fgraph, node):
        if (arg := node.inputs[0]).owner is not None and isinstance(arg.owner.op.scalar_op, Log):
            return [arg.owner.inputs[0]]

    out2in(exp_of_log).rewrite(fgraph)          # or dfs_rewriter / in2out, or
    rewrite_graph(outputs, include=(), custom_rewrite=exp_of_log)

A node rewriter is a function ``(fgraph, node)`` returning the replacements of the node's
outputs (a list, or a dict from outputs to replacements), or ``None``/``False``.  The walkers
(``in2out``, ``out2in``, ``dfs_rewriter``) hand the rewriters to the engine's driver as rules
(docs/writing-rules.md): every node is visited once, after its inputs reached their final form,
and the nodes a rewriter creates are visited in turn, so the result is the fixed point whatever
the walking order PyTensor's names ask for.  A rewriter is offered only the nodes of the ops it
tracks (an op class; an op instance; for elementwise nodes also a scalar op class or instance,
or a function such as ``pt.exp`` building the nodes of one scalar op).
The ``fgraph`` it receives is the graph as it was when the walk started: a node it is offered
may be a rebuilt one, with inputs already rewritten, which that graph does not hold.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arignote.graph import hooks
from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.fg import FunctionGraph
from arignote.graph.op import Op

__all__ = ["FromFunctionNodeRewriter", "GraphRewriter", "MergeOptimizer", "NodeRewriter",
           "PatternNodeRewriter", "SequentialNodeRewriter", "WalkingGraphRewriter",
           "check_stack_trace", "dfs_rewriter", "graph_rewriter", "in2out", "node_rewriter", "out2in"]


def _op_of(node: Apply) -> Any:
    # the scalar op an elementwise node maps, which tracks may name too
    return node.op.scalar_op if node.op.maps_scalar_op else None


class NodeRewriter:
    """A rewrite of one node: subclasses define :meth:`transform` and :meth:`tracks`."""

    def tracks(self) -> Sequence[Any] | None:
        """The op classes or instances this rewriter applies to (None: every node)."""
        return None

    def transform(self, fgraph: FunctionGraph, node: Apply, *args: Any, **kwargs: Any) -> Any:
        """The replacements of ``node``'s outputs (a list, or a dict from the node's outputs to
        their replacements), or ``None``/``False`` when the rewrite does not apply."""
        raise NotImplementedError

    def add_requirements(self, fgraph: FunctionGraph) -> None:
        """PyTensor adds graph features here; arignote's graphs need none."""

    def __str__(self) -> str:
        return getattr(self, "__name__", type(self).__name__)


def _track_of(t: Any) -> Any:
    """The op a track names: the scalar op of an elementwise function such as ``pt.exp``."""
    scalar_op = getattr(t, "scalar_op", None)
    if callable(t) and not isinstance(t, (type, Op)) and scalar_op is not None:
        return scalar_op
    return t


def _check_tracks(tracks: Sequence[Any] | None) -> tuple[Any, ...] | None:
    if tracks is None:
        return None
    # a function building elementwise nodes of one scalar op (``pt.exp``) tracks that op, as
    # PyTensor's ``pt.exp`` (an Elemwise instance) does
    tracks = tuple(_track_of(t) for t in tracks)
    if not tracks:
        raise ValueError("node_rewriter: use tracks=None, not an empty list, to see every node")
    for t in tracks:
        # op classes and instances; scalar op classes and instances (they have ``nin``), which
        # elementwise nodes are matched by
        if not (isinstance(t, type) or isinstance(t, Op) or hasattr(type(t), "nin")):
            raise TypeError(f"node_rewriter: tracks must be op classes or op instances, got {t!r}"
                            + (" (a function that does not build nodes of one elementwise op; "
                               "track the op class, e.g. Elemwise, or the scalar op class, e.g. Add)"
                               if inspect.isfunction(t) else ""))
    return tracks


class FromFunctionNodeRewriter(NodeRewriter):
    """A node rewriter made from a function ``(fgraph, node) -> replacements or None``."""

    def __init__(self, fn: Callable[[FunctionGraph, Apply], Any], tracks: Sequence[Any] | None = None,
                 requirements: Sequence[Any] = ()) -> None:
        self.fn = fn
        self._tracks = _check_tracks(tracks)
        self.requirements = tuple(requirements)
        self.__name__ = getattr(fn, "__name__", type(self).__name__)

    def tracks(self) -> Sequence[Any] | None:
        return self._tracks

    def matches(self, node: Apply) -> bool:
        """Whether ``node`` is one this rewriter tracks."""
        if self._tracks is None:
            return True
        scalar = _op_of(node)
        for t in self._tracks:
            if isinstance(t, type):
                if isinstance(node.op, t) or (scalar is not None and isinstance(scalar, t)):
                    return True
            elif t == node.op or (scalar is not None and t == scalar):
                return True
        return False

    def transform(self, fgraph: FunctionGraph, node: Apply, enforce_tracks: bool = True,
                  *args: Any, **kwargs: Any) -> Any:
        if enforce_tracks and not self.matches(node):
            return False
        return self.fn(fgraph, node)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # the decorated function stays callable as itself
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"FromFunctionNodeRewriter({self.__name__}, tracks={self._tracks!r})"


def node_rewriter(tracks: Sequence[Any] | None, inplace: bool = False,
                  requirements: Sequence[Any] | None = ()) -> Callable[[Callable[..., Any]],
                                                                       FromFunctionNodeRewriter]:
    """Decorator making a function ``(fgraph, node)`` a :class:`NodeRewriter` offered the nodes
    of ``tracks`` (op classes or instances; None: every node).  ``inplace`` is accepted: arignote
    decides in-place work when it schedules a program, never in a rewrite."""
    checked = _check_tracks(tracks)

    def decorate(fn: Callable[..., Any]) -> FromFunctionNodeRewriter:
        return FromFunctionNodeRewriter(fn, checked, requirements or ())
    return decorate


class SequentialNodeRewriter(NodeRewriter):
    """Several node rewriters as one: each node gets the first answer that is not None/False,
    trying them in the order given (each only on the nodes it tracks)."""

    def __init__(self, *rewriters: NodeRewriter, apply_all_rewrites: bool = False,
                 name: str | None = None, **_pytensor_options: Any) -> None:
        for r in rewriters:
            if not isinstance(r, NodeRewriter):
                raise TypeError(f"SequentialNodeRewriter: expected node rewriters, got {r!r}")
        # apply_all_rewrites (PyTensor chains every rewriter's result) needs nothing here: the
        # engine offers a replacement's nodes to the rewriters again, until none applies
        self.rewriters = list(rewriters)
        self.__name__ = name or "SequentialNodeRewriter"

    def tracks(self) -> Sequence[Any] | None:
        found: list[Any] = []
        for r in self.rewriters:
            tracks = r.tracks()
            if tracks is None:
                return None
            found.extend(tracks)
        return tuple(dict.fromkeys(found))

    def transform(self, fgraph: FunctionGraph, node: Apply, *args: Any, **kwargs: Any) -> Any:
        for r in self.rewriters:
            result = r.transform(fgraph, node)
            if result is not None and result is not False:
                return result
        return None


def engine_tracks(rewriter: NodeRewriter) -> tuple[type, ...] | None:
    """The op types the engine's index should offer ``rewriter``'s nodes by."""
    tracks = rewriter.tracks()
    if tracks is None:
        return None
    found = (_track_of(t) for t in tracks)  # a subclass's tracks() may name ``pt.log``
    return tuple(dict.fromkeys(t if isinstance(t, type) else type(t) for t in found))


def engine_replacements(rewriter: NodeRewriter, node: Apply, result: Any) -> Any:
    """A PyTensor rewriter's answer in the engine's terms: one variable per output, or None."""
    if result is None or result is False:
        return None
    if isinstance(result, dict):
        mapping = {k: v for k, v in result.items() if k != "remove"}
        others = [k for k in mapping if not any(k is out for out in node.outputs)]
        if others:
            raise NotImplementedError(
                f"node rewriter {rewriter}: it replaced {others[0]}, which is not an output of the "
                f"node it was given ({node.op}); here a rewrite replaces its node's outputs only")
        result = [mapping.get(out, out) for out in node.outputs]
    if isinstance(result, Variable):
        result = [result]
    result = list(result)
    # PyTensor rewriters may give a None for an output nobody uses: it keeps that output
    kept = [out if new is None else new for out, new in zip(node.outputs, result)]
    return kept + result[len(node.outputs):]  # extra entries: the engine names the mismatch


def _as_rule(rewriter: NodeRewriter, fgraph: FunctionGraph) -> tuple[str, Callable[[Apply], Any],
                                                                    tuple[type, ...] | None]:
    def rule(node: Apply) -> Any:
        return engine_replacements(rewriter, node, rewriter.transform(fgraph, node))
    return (str(rewriter), rule, engine_tracks(rewriter))


class GraphRewriter:
    """A rewrite of a whole :class:`FunctionGraph`: ``rewrite(fgraph)`` changes its outputs."""

    def apply(self, fgraph: FunctionGraph) -> Any:
        raise NotImplementedError

    def rewrite(self, fgraph: FunctionGraph, *args: Any, **kwargs: Any) -> Any:
        """Rewrite ``fgraph`` (its outputs are pointed at the rewritten graph)."""
        return self.apply(fgraph)

    def __call__(self, fgraph: FunctionGraph) -> Any:
        return self.rewrite(fgraph)

    def add_requirements(self, fgraph: FunctionGraph) -> None:
        """PyTensor adds graph features here; arignote's graphs need none."""


class FromFunctionGraphRewriter(GraphRewriter):
    """A graph rewriter made from a function ``fn(fgraph)`` changing the graph's outputs."""

    def __init__(self, fn: Callable[[FunctionGraph], Any]) -> None:
        self.fn = fn
        self.__name__ = getattr(fn, "__name__", type(self).__name__)

    def apply(self, fgraph: FunctionGraph) -> Any:
        return self.fn(fgraph)

    def __str__(self) -> str:
        return self.__name__


def graph_rewriter(fn: Callable[[FunctionGraph], Any]) -> FromFunctionGraphRewriter:
    """Decorator making ``fn(fgraph)`` a :class:`GraphRewriter` (PyTensor's ``graph_rewriter``)."""
    return FromFunctionGraphRewriter(fn)


class WalkingGraphRewriter(GraphRewriter):
    """Node rewriters applied over a whole graph until none applies (arignote's driver)."""

    def __init__(self, rewriters: Sequence[NodeRewriter], name: str | None = None) -> None:
        for r in rewriters:
            if not isinstance(r, NodeRewriter):
                raise TypeError(f"expected node rewriters (node_rewriter(...)), got {r!r}")
        self.rewriters = list(rewriters)
        self.name = name

    def apply(self, fgraph: FunctionGraph) -> None:
        if not isinstance(fgraph, FunctionGraph):
            raise TypeError(f"{type(self).__name__}.rewrite needs a FunctionGraph, "
                            f"got {type(fgraph).__name__}")
        rules = [_as_rule(r, fgraph) for r in self.rewriters]
        fgraph.outputs = list(hooks.rewrite_with_functions(fgraph.outputs, rules))

    def __str__(self) -> str:
        return self.name or f"WalkingGraphRewriter({', '.join(map(str, self.rewriters))})"


def _walker(rewriters: tuple[Any, ...], name: str | None) -> WalkingGraphRewriter:
    flat: list[NodeRewriter] = []
    for r in rewriters:
        flat.extend(r if isinstance(r, (list, tuple)) else [r])
    return WalkingGraphRewriter(flat, name)


def in2out(*rewriters: Any, name: str | None = None, **_pytensor_options: Any) -> WalkingGraphRewriter:
    """The node rewriters applied to a graph until none applies (PyTensor walks inputs first;
    arignote's driver always does, and reaches the fixed point)."""
    return _walker(rewriters, name)


def out2in(*rewriters: Any, name: str | None = None, **_pytensor_options: Any) -> WalkingGraphRewriter:
    """As :func:`in2out` (PyTensor walks outputs first; the fixed point is the same here)."""
    return _walker(rewriters, name)


def dfs_rewriter(*rewriters: Any, name: str | None = None, **_pytensor_options: Any) -> WalkingGraphRewriter:
    """As :func:`in2out` (PyTensor's depth-first walker)."""
    return _walker(rewriters, name)


class MergeOptimizer(GraphRewriter):
    """PyTensor's pass merging nodes that compute the same thing.  arignote's nodes and
    constants are interned when built, so a graph never holds two equal nodes: there is
    nothing left to merge, and this pass leaves the graph as it is."""

    def apply(self, fgraph: FunctionGraph) -> None:
        if not isinstance(fgraph, FunctionGraph):
            raise TypeError(f"MergeOptimizer.rewrite needs a FunctionGraph, got {type(fgraph).__name__}")


def _nodes_to_check(fgraph: FunctionGraph, ops_to_check: Any) -> list[Apply]:
    if isinstance(ops_to_check, Op) or (inspect.isclass(ops_to_check) and issubclass(ops_to_check, Op)):
        ops_to_check = (ops_to_check,)
    if isinstance(ops_to_check, str):
        if ops_to_check == "last":
            return [out.owner for out in fgraph.outputs if out.owner is not None]
        if ops_to_check == "all":
            return fgraph.toposort()
        raise ValueError(f"check_stack_trace: ops_to_check must be 'last' or 'all', got {ops_to_check!r}")
    if isinstance(ops_to_check, (tuple, list)):
        checker = FromFunctionNodeRewriter(lambda fg, node: None, ops_to_check)
        return [node for node in fgraph.toposort() if checker.matches(node)]
    if callable(ops_to_check):
        return [node for node in fgraph.toposort() if ops_to_check(node)]
    raise ValueError(f"check_stack_trace: ops_to_check of type {type(ops_to_check).__name__} "
                     f"is not supported")


def check_stack_trace(f_or_fgraph: Any, ops_to_check: Any = "last", bug_print: str = "raise") -> bool:
    """Whether the nodes of ``ops_to_check`` (``"last"``: the outputs' nodes, ``"all"``, op
    classes or instances, or a predicate on nodes) in a compiled function's graph (or a
    ``FunctionGraph``) know the user line that built them (arignote's stack trace: kept with
    ``config.trace_source``, and given by rewrites to the nodes they create).  ``bug_print``
    (``"raise"``, ``"warn"``, ``"ignore"``) says what to do when there is no such node."""
    if isinstance(f_or_fgraph, FunctionGraph):
        fgraph = f_or_fgraph
    elif isinstance(getattr(getattr(f_or_fgraph, "maker", None), "fgraph", None), FunctionGraph):
        fgraph = f_or_fgraph.maker.fgraph
    else:
        raise ValueError(f"check_stack_trace: give a compiled function or a FunctionGraph, "
                         f"got {type(f_or_fgraph).__name__}")
    nodes = _nodes_to_check(fgraph, ops_to_check)
    if not nodes:
        message = "check_stack_trace: the graph has none of the ops to check (or no node)"
        if bug_print == "raise":
            raise ValueError(message)
        if bug_print == "warn":
            warnings.warn(message, stacklevel=2)
        elif bug_print != "ignore":
            raise ValueError(f"check_stack_trace: bug_print must be 'raise', 'warn' or 'ignore', "
                             f"got {bug_print!r}")
    return all(node.source is not None for node in nodes)


def _as_graph_rewriter(rewriter: Any) -> GraphRewriter:
    """``rewriter`` (a node or graph rewriter) as a graph rewriter."""
    if isinstance(rewriter, NodeRewriter):
        return dfs_rewriter(rewriter)
    if isinstance(rewriter, GraphRewriter) or callable(getattr(rewriter, "rewrite", None)):
        return rewriter
    raise TypeError(f"expected a node rewriter or a graph rewriter, got {rewriter!r}")


# --- PatternNodeRewriter ------------------------------------------------------------------------

#: scalar ops whose inputs a pattern matches in either order (PyTensor's commutative ones); the
#: graph layer sits below the scalar ops, so they are known here by class name
_COMMUTATIVE = frozenset({"Add", "Mul", "Maximum", "Minimum", "EQ", "NEQ", "AND", "OR", "XOR"})


def _op_matches(track: Any, node: Apply) -> bool:
    """Whether ``node`` is of the op a pattern names (an op or scalar op, a class of either, or a
    function building one scalar op's elementwise nodes)."""
    scalar = _op_of(node)
    if isinstance(track, type):
        return isinstance(node.op, track) or (scalar is not None and isinstance(scalar, track))
    return bool(track == node.op or (scalar is not None and track == scalar))


def _constant_matches(pattern: Any, var: Variable) -> bool:
    data = getattr(var, "data", None)
    if not isinstance(var, Constant) or data is None:
        return False
    if isinstance(pattern, Constant):
        return bool(pattern.type == var.type and np.array_equal(pattern.data, data))
    array = np.asarray(data)
    # a number matches a one-element constant of that value (a boolean is not a number)
    return array.size == 1 and array.dtype != bool and bool(array.reshape(()) == pattern)


class PatternNodeRewriter(NodeRewriter):
    """Replace what matches ``in_pattern`` by ``out_pattern`` (PyTensor's pattern rewriter).

    A pattern is a tuple ``(op, *subpatterns)``; ``op`` is an op instance or class, a scalar op,
    or a function building one scalar op's elementwise nodes (``pt.exp``).  A subpattern is a
    pattern, a string (a variable: bound to what it meets; met twice, it must meet the same
    variable), a number (a one-element constant of that value), a ``Constant`` (an equal one),
    or ``{"pattern": subpattern, "constraint": fn(fgraph, variable) -> bool}``.  Inputs of
    commutative scalar ops (add, mul, ...) match in either order.  ``out_pattern`` is built the
    same way from the bound variables (an op or function called on its built inputs; numbers are
    passed as they are), or is a string, or a function ``(fgraph, node, bindings)`` returning the
    replacement (or None).  With ``allow_multiple_clients=False`` (the default) a matched inner
    node read elsewhere in the graph (as ``fgraph.clients`` says) makes the match fail, since its
    work would then be done twice; when ``fgraph`` is None (or does not hold the node) that is
    not checked.  A replacement of another dtype is cast (``allow_cast``), else not applied.
    """

    def __init__(self, in_pattern: Any, out_pattern: Any, allow_multiple_clients: bool = False,
                 name: str | None = None, tracks: Sequence[Any] = (), get_nodes: Any = None,
                 values_eq_approx: Any = None, allow_cast: bool = True) -> None:
        root = in_pattern["pattern"] if isinstance(in_pattern, dict) else in_pattern
        if not isinstance(root, (tuple, list)) or not root:
            raise TypeError(f"PatternNodeRewriter: the input pattern must be a tuple (op, ...), "
                            f"got {in_pattern!r}")
        if get_nodes is not None:
            raise NotImplementedError("PatternNodeRewriter: get_nodes (matching nodes found "
                                      "elsewhere in the graph) is not supported here")
        self.in_pattern = in_pattern
        self.out_pattern = out_pattern
        self.allow_multiple_clients = allow_multiple_clients
        self.allow_cast = allow_cast
        self.values_eq_approx = values_eq_approx
        self.op = _track_of(root[0])
        self._tracks = _check_tracks(tuple(tracks) or (self.op,))
        self.__name__ = name or f"{_pattern_text(in_pattern)} -> {_pattern_text(out_pattern)}"

    def tracks(self) -> Sequence[Any] | None:
        return self._tracks

    def transform(self, fgraph: FunctionGraph | None, node: Apply, *args: Any, **kwargs: Any) -> Any:
        if not _op_matches(self.op, node):
            return False
        clients = None
        if fgraph is not None and not self.allow_multiple_clients:
            clients = fgraph.clients
        bindings = self._match(self.in_pattern, node.outputs[0], {}, fgraph, clients, True)
        if bindings is None:
            return False
        if callable(self.out_pattern) and not isinstance(self.out_pattern, (tuple, list, Op)) \
                and getattr(self.out_pattern, "scalar_op", None) is None:
            new = self.out_pattern(fgraph, node, bindings)
        else:
            new = _build(self.out_pattern, bindings)
        if new is None or new is False:
            return False
        if isinstance(new, Variable):
            new = self._fit(node.outputs[0], new)
            return False if new is None else [new]
        return new

    def _fit(self, old: Variable, new: Variable) -> Variable | None:
        old_dtype, new_dtype = getattr(old.type, "dtype", None), getattr(new.type, "dtype", None)
        if getattr(old.type, "ndim", None) != getattr(new.type, "ndim", None):
            return None
        if old_dtype != new_dtype:
            if not self.allow_cast:
                return None
            new = hooks.tensor_api.get().cast(new, old_dtype)
        return new

    def _match(self, pattern: Any, var: Variable, bound: dict[str, Variable], fgraph: Any,
               clients: Any, root: bool) -> dict[str, Variable] | None:
        if isinstance(pattern, dict):
            found = self._match(pattern["pattern"], var, bound, fgraph, clients, root)
            constraint = pattern.get("constraint")
            if found is not None and constraint is not None and not constraint(fgraph, var):
                return None
            return found
        if isinstance(pattern, str):
            if pattern in bound:
                return bound if bound[pattern] is var else None
            return {**bound, pattern: var}
        if isinstance(pattern, (Constant, int, float, np.number)) and not isinstance(pattern, bool):
            return bound if _constant_matches(pattern, var) else None
        if not isinstance(pattern, (tuple, list)) or not pattern:
            raise TypeError(f"PatternNodeRewriter: cannot match with {pattern!r}")
        node = var.owner
        op, subpatterns = _track_of(pattern[0]), pattern[1:]
        if node is None or not _op_matches(op, node) or len(node.inputs) != len(subpatterns):
            return None
        if not root and clients is not None and len(clients.get(var, ())) > 1:
            return None
        orders = [list(node.inputs)]
        scalar = _op_of(node)
        if scalar is not None and type(scalar).__name__ in _COMMUTATIVE and len(node.inputs) == 2:
            orders.append(orders[0][::-1])
        for inputs in orders:
            matched = self._match_all(subpatterns, inputs, bound, fgraph, clients)
            if matched is not None:
                return matched
        return None

    def _match_all(self, subpatterns: Sequence[Any], inputs: Sequence[Variable],
                   bound: dict[str, Variable], fgraph: Any, clients: Any) -> dict[str, Variable] | None:
        for sub, inp in zip(subpatterns, inputs):
            found = self._match(sub, inp, bound, fgraph, clients, False)
            if found is None:
                return None
            bound = found
        return bound

    def __repr__(self) -> str:
        return f"PatternNodeRewriter({self.__name__})"


def _build(pattern: Any, bound: dict[str, Variable]) -> Any:
    if isinstance(pattern, str):
        if pattern not in bound:
            raise KeyError(f"PatternNodeRewriter: the output pattern uses {pattern!r}, which the "
                           f"input pattern does not bind")
        return bound[pattern]
    if isinstance(pattern, dict):
        return _build(pattern["pattern"], bound)
    if isinstance(pattern, (tuple, list)):
        fn, args = pattern[0], [_build(p, bound) for p in pattern[1:]]
        if isinstance(fn, Op) or getattr(fn, "scalar_op", None) is not None or not hasattr(type(fn), "nin"):
            return fn(*args)
        # a scalar op: apply it element by element
        return hooks.tensor_api.get().elemwise.Elemwise(fn)(*args)
    return pattern  # a number or a constant, passed as it is


def _pattern_text(pattern: Any) -> str:
    if isinstance(pattern, dict):
        return _pattern_text(pattern["pattern"])
    if isinstance(pattern, (tuple, list)) and pattern:
        head = getattr(pattern[0], "__name__", None) or str(pattern[0])
        return f"{head}({', '.join(_pattern_text(p) for p in pattern[1:])})"
    return getattr(pattern, "__name__", None) or str(pattern)
