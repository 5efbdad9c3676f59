"""Algebraic rules written as patterns: ``pattern("log(1 + x)", "log1p(x)")``.

A pattern is Python expression syntax over elementwise functions:

- names called as functions are scalar ops (``log``, ``exp``, ``sigmoid``,
  ...), operators are ``+ - * / // % **`` and unary ``-``;
- bare names are pattern variables; a variable used twice must match the
  same graph variable both times (with interned graphs, the same expression);
- numbers match constants holding that value everywhere (of any dtype), whose
  dims are all of length 1, so they cannot change the broadcast shape;
- ``+`` and ``*`` match in any argument order, and match part of a longer
  sum or product (``1 + x`` matches ``a + 1 + b`` with ``x = a + b``).

The target is built with the functions of ``arignote.tensor`` under the same
names.  A ``where`` predicate receives the bound variables by name.  The
result keeps the original's dtype and broadcast shape (when the target drops
a variable, the result is broadcast back to the original shape).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

import arignote.scalar.math as sm
import arignote.tensor as at
from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite.rule import Rule, make_rule
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.shape_inference import broadcast_dims

_BINARY_OPS: dict[type, type] = {ast.Add: sm.Add, ast.Sub: sm.Sub, ast.Mult: sm.Mul,
                                 ast.Div: sm.TrueDiv, ast.FloorDiv: sm.IntDiv, ast.Mod: sm.Mod,
                                 ast.Pow: sm.Pow}
_TARGET_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "true_div",
                  ast.FloorDiv: "int_div", ast.Mod: "mod", ast.Pow: "pow"}
_COMMUTATIVE = (sm.Add, sm.Mul)
_ALIASES = {"true_div": sm.TrueDiv, "int_div": sm.IntDiv, "digamma": sm.Psi, "gammaln": sm.GammaLn,
            "round": sm.RoundHalfToEven, "switch": sm.Switch, "where": sm.Switch, "maximum": sm.Maximum,
            "minimum": sm.Minimum, "arctan2": sm.ArcTan2}


def _scalar_op_named(name: str) -> type:
    if name in _ALIASES:
        return _ALIASES[name]
    for value in vars(sm).values():
        if isinstance(value, type) and issubclass(value, sm.ScalarOp) and value.__name__.lower() == name:
            return value
    raise ValueError(f"pattern: {name!r} is not an elementwise function")


# --- the parsed source pattern ---------------------------------------------------------

@dataclass(frozen=True)
class PVar:
    name: str


@dataclass(frozen=True)
class PConst:
    value: complex


@dataclass(frozen=True)
class POp:
    scalar_type: type
    args: tuple[Any, ...]


def _parse_source(node: ast.AST) -> Any:
    if isinstance(node, ast.Name):
        return PVar(node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex)):
        return PConst(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        if isinstance(node.operand, ast.Constant):
            return PConst(-node.operand.value)
        return POp(sm.Neg, (_parse_source(node.operand),))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPS:
        return POp(_BINARY_OPS[type(node.op)], (_parse_source(node.left), _parse_source(node.right)))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        return POp(_scalar_op_named(node.func.id), tuple(_parse_source(a) for a in node.args))
    raise ValueError(f"pattern: cannot read {ast.unparse(node)!r}")


def _leaves(pat: Any) -> Iterator[Any]:
    if isinstance(pat, POp):
        for arg in pat.args:
            yield from _leaves(arg)
    else:
        yield pat


# --- matching ----------------------------------------------------------------------------

def _uniform_value(const: Constant) -> Any:
    data = const.data
    if not all(d == 1 for d in data.shape):
        return None
    return data.reshape(()).item() if data.size == 1 else None


def _match(pat: Any, var: Variable, bound: dict[str, Variable]) -> Iterator[dict[str, Variable]]:
    if isinstance(pat, PVar):
        previous = bound.get(pat.name)
        if previous is None:
            yield {**bound, pat.name: var}
        elif previous is var:
            yield bound
        return
    if isinstance(pat, PConst):
        if isinstance(var, Constant) and _uniform_value(var) == pat.value:
            yield bound
        return
    node = var.owner
    if node is None or not isinstance(node.op, Elemwise) or not isinstance(node.op.scalar_op, pat.scalar_type):
        return
    inputs = node.inputs
    if issubclass(pat.scalar_type, _COMMUTATIVE):
        yield from _match_commutative(pat, node, bound)
    elif len(inputs) == len(pat.args):
        yield from _match_sequence(pat.args, inputs, bound)


def _match_sequence(pats: Iterable[Any], inputs: Iterable[Variable],
                    bound: dict[str, Variable]) -> Iterator[dict[str, Variable]]:
    pats, inputs = list(pats), list(inputs)
    if not pats:
        yield bound
        return
    for first in _match(pats[0], inputs[0], bound):
        yield from _match_sequence(pats[1:], inputs[1:], first)


def _match_commutative(pat: POp, node: Apply, bound: dict[str, Variable]) -> Iterator[dict[str, Variable]]:
    inputs = list(node.inputs)
    n_pat = len(pat.args)
    if len(inputs) == n_pat:
        for order in itertools.permutations(range(n_pat)):
            yield from _match_sequence(pat.args, [inputs[i] for i in order], bound)
        return
    if len(inputs) < n_pat:
        return
    # a longer sum/product: one pattern variable takes the rest of the terms
    for rest_position, rest_pat in enumerate(pat.args):
        if not isinstance(rest_pat, PVar) or rest_pat.name in bound:
            continue
        others = [p for i, p in enumerate(pat.args) if i != rest_position]
        for chosen in itertools.permutations(range(len(inputs)), len(others)):
            for found in _match_sequence(others, [inputs[i] for i in chosen], bound):
                remaining = [v for i, v in enumerate(inputs) if i not in chosen]
                yield {**found, rest_pat.name: node.op.make_node(*remaining).outputs[0]}


# --- building the target -----------------------------------------------------------------

def _build_target(tree: ast.AST, bound: dict[str, Variable]) -> Any:
    def build(node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            return bound[node.id]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = build(node.operand)
            return -operand if isinstance(operand, (int, float, complex)) else at.neg(operand)
        if isinstance(node, ast.BinOp):
            return getattr(at, _TARGET_BINARY[type(node.op)])(build(node.left), build(node.right))
        if isinstance(node, ast.Call):
            return getattr(at, node.func.id)(*[build(a) for a in node.args])  # type: ignore[attr-defined]
        raise ValueError(f"pattern target: cannot read {ast.unparse(node)!r}")

    return build(tree)


def _check_target(tree: ast.AST, names: set[str]) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or not hasattr(at, node.func.id):
                raise ValueError(f"pattern target: unknown function {ast.unparse(node.func)!r}")
        elif isinstance(node, ast.Name) and node.id not in names and not any(
                isinstance(parent, ast.Call) and parent.func is node for parent in ast.walk(tree)):
            raise ValueError(f"pattern target uses {node.id!r}, which the source does not bind")


def _fit_to(result: Any, original: Variable, leaves: list[Variable], dropped: bool) -> Variable | None:
    """``result`` with ``original``'s dtype and broadcast shape, or None if it cannot be."""
    result = at.as_tensor_variable(result)
    if result.dtype != original.dtype or result.ndim > original.ndim:
        return None
    if result.ndim < original.ndim:
        result = at.shape_padleft(result, original.ndim - result.ndim)
    if result.type.shape == original.type.shape and (not dropped or None not in result.type.shape):
        return result
    # rebuild the broadcast shape from the leaves, which the graph keeps anyway
    lengths = []
    for axis, known in enumerate(original.type.shape):
        if known is not None:
            lengths.append(known)
            continue
        # matched constants have length 1 everywhere, so they never decide it
        lengths.append(broadcast_dims(at.shape_i(leaf, axis - (original.ndim - leaf.ndim))
                                      for leaf in leaves if leaf.ndim >= original.ndim - axis))
    return at.broadcast_to(result, lengths)


def pattern(source: str, target: str, name: str | None = None,
            where: Callable[..., bool] | None = None, tags: Iterable[str] = ()) -> Rule:
    """A rule rewriting graphs that match ``source`` into ``target``."""
    source_tree = ast.parse(source, mode="eval").body
    target_tree = ast.parse(target, mode="eval").body
    pat = _parse_source(source_tree)
    if not isinstance(pat, POp):
        raise ValueError(f"pattern {source!r}: the source must be an operation, not a leaf")
    variables = {leaf.name for leaf in _leaves(pat) if isinstance(leaf, PVar)}
    _check_target(target_tree, variables)
    target_names = {n.id for n in ast.walk(target_tree) if isinstance(n, ast.Name)}
    dropped = bool(variables - target_names)

    def rewrite(node: Apply) -> Variable | None:
        original = node.outputs[0]
        for bound in _match(pat, original, {}):
            if where is not None and not where(**bound):
                continue
            result = _fit_to(_build_target(target_tree, bound), original,
                             [bound[v] for v in sorted(variables)], dropped)
            if result is not None:
                return result
        return None

    rewrite.__doc__ = f"{source} -> {target}"
    return make_rule(rewrite, (pat.scalar_type,), name or f"{source} -> {target}", tags)


# --- predicates for ``where`` ------------------------------------------------------------

def is_float(*variables: Variable) -> bool:
    """All variables have a floating-point (or complex) dtype."""
    return all(np.dtype(v.type.dtype).kind in "fc" for v in variables)  # type: ignore[attr-defined]


def is_constant(*variables: Variable) -> bool:
    """All variables are constants."""
    return all(isinstance(v, Constant) for v in variables)
