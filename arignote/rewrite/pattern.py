"""Rules written as patterns: ``pattern("log(1 + x)", "log1p(x)")``.

A pattern is Python expression syntax over elementwise functions:

- names called as functions are scalar ops (``log``, ``exp``, ``sigmoid``,
  ...), operators are ``+ - * / // % **`` and unary ``-``;
- bare names are pattern variables; a variable used twice must match the
  same graph variable both times (with interned graphs, the same expression);
- numbers match constants of one element holding that value (of any dtype;
  their dims, if any, all have length 1, so they cannot change the broadcast
  shape); a boolean constant is not a number.

Patterns see the forms the canonical algebra gives (see
``arignote/tensor/rewrites/algebra.py``) and the forms users write alike:

- a sum is matched as its signed terms, read through ``add``, ``sub`` and
  ``neg`` (and ``y * -1``): ``1 - x`` matches ``1.0 - y``, ``1 + (-y)``,
  ``(-y) + 1`` and ``1 + y * -1``; ``exp(x) - 1`` matches ``exp(y) + -1``;
- a product is matched as its factors; in the source, negations and a factor
  -1 move out of a product (``(-a) * b`` is ``-(a * b)``, as in the canonical
  form), and ``x / c`` is ``x * (1 / c)`` for a power of two ``c``;
- terms and factors match in any order, and a variable among them takes the
  others when there are more (``1 + x`` matches ``a + 1 + b`` with
  ``x = a + b``);
- the node being rewritten may be a longer sum or product than the source:
  the other terms (factors) are kept, ``exp(x) - 1 -> expm1(x)`` rewrites
  ``a + exp(y) - 1`` into ``a + expm1(y)``.

Sums and products are read only through nodes that compute in one dtype
(see :func:`~arignote.rewrite.toolkit.sum_terms`), so a match never
regroups an integer sum that wraps around.

The target is built with the functions of ``arignote.tensor`` under the same
names (unary ``-`` never builds a double negation).  A ``where`` predicate
receives the bound variables by name.  The result keeps the original's dtype
(or the rule does not fire) and broadcast shape (a variable the target drops
is replaced by a broadcast to the original's shape:
:func:`~arignote.rewrite.toolkit.fit_to` with ``lenient=True``).
"""

from __future__ import annotations

import ast
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import arignote.scalar.math as sm
import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.rewrite.rule import Rule, make_rule
from arignote.rewrite.toolkit import (
    constant_value,
    fit_to,
    negate,
    product_factors,
    signed_sum,
    sum_terms,
)
from arignote.tensor.elemwise import Elemwise

_BINARY_OPS: dict[type, type] = {ast.Div: sm.TrueDiv, ast.FloorDiv: sm.IntDiv, ast.Mod: sm.Mod,
                                 ast.Pow: sm.Pow}
_TARGET_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "true_div",
                  ast.FloorDiv: "int_div", ast.Mod: "mod", ast.Pow: "pow"}
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


# --- the parsed source -------------------------------------------------------------------

@dataclass(frozen=True)
class PVar:
    name: str


@dataclass(frozen=True)
class PConst:
    value: complex


@dataclass(frozen=True)
class POp:
    """An elementwise op other than a sum or product, with its operands in order."""

    scalar_type: type
    args: tuple[Any, ...]


@dataclass(frozen=True)
class PSum:
    """Signed terms (True: added); a single subtracted term is a negation."""

    terms: tuple[tuple[Any, bool], ...]


@dataclass(frozen=True)
class PProduct:
    factors: tuple[Any, ...]


def _is_negative(value: complex) -> bool:
    return not isinstance(value, complex) and value < 0


def _sum(parts: Iterable[tuple[Any, bool]]) -> Any:
    """The sum of signed parts, flattened and with signs where the canonical form has them."""
    terms: list[tuple[Any, bool]] = []
    for part, added in parts:
        if isinstance(part, PSum):
            terms.extend((t, s == added) for t, s in part.terms)
        elif isinstance(part, PConst) and _is_negative(part.value):
            terms.append((PConst(-part.value), not added))  # x + -1 is x - 1
        elif isinstance(part, PProduct) and (negative := _negative_constant_at(part)) is not None:
            terms.append((_with_constant(part, negative, -part.factors[negative].value), not added))
        else:
            terms.append((part, added))
    if len(terms) == 1:
        term, added = terms[0]
        if added:
            return term
        if isinstance(term, PProduct) and (position := _constant_at(term)) is not None:
            return _with_constant(term, position, -term.factors[position].value)  # -(2 * x) is x * -2
    return PSum(tuple(terms))


def _constant_at(product: PProduct) -> int | None:
    return next((k for k, f in enumerate(product.factors) if isinstance(f, PConst)), None)


def _negative_constant_at(product: PProduct) -> int | None:
    position = _constant_at(product)
    return position if position is not None and _is_negative(product.factors[position].value) else None


def _with_constant(product: PProduct, position: int, value: complex) -> PProduct:
    factors = list(product.factors)
    factors[position] = PConst(value)
    return PProduct(tuple(factors))


def _product(parts: Iterable[Any]) -> Any:
    """The product of parts, flattened, with negations and factors -1 moved out of it."""
    factors: list[Any] = []
    negative = False
    for part in parts:
        for factor in (part.factors if isinstance(part, PProduct) else (part,)):
            if isinstance(factor, PSum) and len(factor.terms) == 1:  # a negation
                factor = factor.terms[0][0]
                negative = not negative
            if isinstance(factor, PConst) and factor.value == -1:
                negative = not negative
                continue
            factors.append(factor)
    if not factors:
        factors = [PConst(1)]
    product = factors[0] if len(factors) == 1 else PProduct(tuple(factors))
    return _sum([(product, not negative)])


def _exact_reciprocal(value: complex) -> float | None:
    """``1 / value`` when it is exact (a power of two), as the canonical algebra divides."""
    if isinstance(value, complex) or value == 0 or not math.isfinite(value):
        return None
    mantissa, _ = math.frexp(value)
    return 1 / value if abs(mantissa) == 0.5 else None


def _parse_source(node: ast.AST) -> Any:
    if isinstance(node, ast.Name):
        return PVar(node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex)) \
            and not isinstance(node.value, bool):
        return PConst(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _parse_source(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        return PConst(-operand.value) if isinstance(operand, PConst) else _sum([(operand, False)])
    if isinstance(node, ast.BinOp):
        left, right = _parse_source(node.left), _parse_source(node.right)
        if isinstance(node.op, (ast.Add, ast.Sub)):
            return _sum([(left, True), (right, isinstance(node.op, ast.Add))])
        if isinstance(node.op, ast.Mult):
            return _product([left, right])
        if isinstance(node.op, ast.Div) and isinstance(right, PConst) \
                and (reciprocal := _exact_reciprocal(right.value)) is not None:
            return _product([left, PConst(reciprocal)])
        if type(node.op) in _BINARY_OPS:
            return POp(_BINARY_OPS[type(node.op)], (left, right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        kind = _scalar_op_named(node.func.id)
        args = [_parse_source(a) for a in node.args]
        if kind is sm.Add:
            return _sum([(a, True) for a in args])
        if kind is sm.Sub and len(args) == 2:
            return _sum([(args[0], True), (args[1], False)])
        if kind is sm.Neg and len(args) == 1:
            return _sum([(args[0], False)])
        if kind is sm.Mul:
            return _product(args)
        return POp(kind, tuple(args))
    raise ValueError(f"pattern: cannot read {ast.unparse(node)!r}")


def _variables(pat: Any) -> set[str]:
    if isinstance(pat, PVar):
        return {pat.name}
    if isinstance(pat, PConst):
        return set()
    parts = (pat.args if isinstance(pat, POp) else pat.factors if isinstance(pat, PProduct)
             else [t for t, _ in pat.terms])
    return set().union(*(_variables(p) for p in parts))


def _root_types(pat: Any) -> tuple[type, ...]:
    """The scalar op types a node matching ``pat`` can have."""
    if isinstance(pat, POp):
        return (pat.scalar_type,)
    if isinstance(pat, PProduct):
        return (sm.Mul,)
    if len(pat.terms) == 1:
        return (sm.Neg, sm.Mul)  # -y, or y * -1
    return (sm.Add, sm.Sub)


# --- matching ----------------------------------------------------------------------------

Bindings = dict[str, Variable]
#: signed terms (or factors, all "added") of a sum or product; those a partial match at the
#: root leaves over go back into the result
Left = Sequence[tuple[Variable, bool]]


def _always(var: Variable) -> bool:
    return True


def _quick_test(pat: Any) -> Callable[[Variable], bool]:
    """A cheap necessary condition for ``pat`` to match a variable: the ops and numbers are
    there, whatever the order, signs and repeated variables.  Most nodes a rule is offered
    fail it, so it is compiled once into closures rather than interpreted per node."""
    if isinstance(pat, PVar):
        return _always
    if isinstance(pat, PConst):
        magnitude = abs(pat.value)

        def number(var: Variable) -> bool:
            value = constant_value(var)
            return value is not None and not isinstance(value, bool) and abs(value) == magnitude
        return number
    if isinstance(pat, POp):
        kind, arity = pat.scalar_type, len(pat.args)
        args = [(k, _quick_test(a)) for k, a in enumerate(pat.args) if not isinstance(a, PVar)]

        def op(var: Variable) -> bool:
            node = var.owner
            if node is None or not node.op.maps_scalar_op or not isinstance(node.op.scalar_op, kind):
                return False
            inputs = node.inputs
            return len(inputs) == arity and all(test(inputs[k]) for k, test in args)
        return op
    if isinstance(pat, PProduct):
        factor_tests = [_quick_test(p) for p in pat.factors if not isinstance(p, PVar)]
        count = len(pat.factors)

        def factors(var: Variable) -> bool:
            found = product_factors(var)
            if found is None or len(found) < count:
                return False
            return all(any(test(f) for f in found) for test in factor_tests)
        return factors
    term_tests = [_quick_test(p) for p, _ in pat.terms if not isinstance(p, PVar)]
    count = len(pat.terms)

    def terms(var: Variable) -> bool:
        found = sum_terms(var)
        if found is None or len(found) < count:
            return False
        for test in term_tests:
            for term, _ in found:
                if test(term):
                    break
            else:
                return False
        return True
    return terms


def _match(pat: Any, var: Variable, bound: Bindings) -> Iterator[Bindings]:
    for found, _ in _match_node(pat, var, bound, partial=False):
        yield found


def _match_node(pat: Any, var: Variable, bound: Bindings, partial: bool) -> Iterator[tuple[Bindings, Left]]:
    if isinstance(pat, PVar):
        previous = bound.get(pat.name)
        if previous is None:
            yield {**bound, pat.name: var}, []
        elif previous is var:
            yield bound, []
        return
    if isinstance(pat, PConst):
        value = constant_value(var)
        if value is not None and not isinstance(value, bool) and value == pat.value:
            yield bound, []
        return
    if isinstance(pat, POp):
        node = var.owner
        if (node is not None and isinstance(node.op, Elemwise)
                and isinstance(node.op.scalar_op, pat.scalar_type) and len(node.inputs) == len(pat.args)):
            for found in _match_sequence(pat.args, node.inputs, bound):
                yield found, []
        return
    if isinstance(pat, PSum):
        terms = sum_terms(var)
        if terms is not None:
            yield from _match_terms(list(pat.terms), terms, bound, partial)
        return
    factors = product_factors(var)
    if factors is not None:
        yield from _match_terms([(f, True) for f in pat.factors], [(f, True) for f in factors], bound,
                                partial, product=True)


def _match_sequence(pats: Sequence[Any], inputs: Sequence[Variable], bound: Bindings) -> Iterator[Bindings]:
    if not pats:
        yield bound
        return
    for first in _match(pats[0], inputs[0], bound):
        yield from _match_sequence(pats[1:], inputs[1:], first)


def _match_terms(pats: list[tuple[Any, bool]], items: Left, bound: Bindings, partial: bool,
                 product: bool = False) -> Iterator[tuple[Bindings, Left]]:
    """Each signed pattern term matched by a different graph term, in any order.

    Structured terms are tried first (they narrow the choice most), variables
    last.  When the graph has more terms, one unbound variable may take all
    the others that share its sign (``x`` in ``1 + x``), or else, ``partial``,
    they are left to the caller.
    """
    if len(items) < len(pats):
        return
    ordered = sorted(pats, key=lambda t: isinstance(t[0], PVar))
    if len(items) == len(pats):
        for found, _ in _cover(ordered, items, bound):
            yield found, []
        return
    for position, (rest_pat, sign) in enumerate(ordered):
        if not isinstance(rest_pat, PVar) or rest_pat.name in bound:
            continue
        others = ordered[:position] + ordered[position + 1:]
        for found, left in _cover(others, items, bound):
            if len(left) < 2 or any(s != sign for _, s in left):
                continue
            vars_left = [v for v, _ in left]
            rest = at.mul(*vars_left) if product else at.add(*vars_left)
            previous = found.get(rest_pat.name)
            if previous is None:
                yield {**found, rest_pat.name: rest}, []
            elif previous is rest:
                yield found, []
    if partial:
        yield from _cover(ordered, items, bound)


def _cover(pats: list[tuple[Any, bool]], items: Left, bound: Bindings) -> Iterator[tuple[Bindings, Left]]:
    """Bindings matching each pattern term to a distinct item, with the items left over."""
    if not pats:
        yield bound, items
        return
    (pat, sign), rest = pats[0], pats[1:]
    items = list(items)
    for k, (var, item_sign) in enumerate(items):
        if isinstance(pat, PConst):
            # a constant matches by its signed value: ``x + -1`` is ``x - 1``
            value = constant_value(var)
            if value is None or isinstance(value, bool) or (
                    (value if item_sign else -value) != (pat.value if sign else -pat.value)):
                continue
            yield from _cover(rest, items[:k] + items[k + 1:], bound)
            continue
        if item_sign != sign:
            continue
        for found in _match(pat, var, bound):
            yield from _cover(rest, items[:k] + items[k + 1:], found)


# --- the public forms ----------------------------------------------------------------------

class Pattern:
    """A source pattern, to match graphs against in a rule function.

    ``Pattern("1 + exp(x)").match(v)`` is ``{"x": y}`` when ``v`` is
    ``1 + exp(y)`` in any of the forms the module docstring lists, else None.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.tree = _parse_source(ast.parse(source, mode="eval").body)
        if isinstance(self.tree, (PVar, PConst)):
            raise ValueError(f"pattern {source!r}: the source must be an operation, not a leaf")
        self.variables = _variables(self.tree)
        self.root_types = _root_types(self.tree)
        self.possible = _quick_test(self.tree)

    def match(self, var: Variable) -> Bindings | None:
        """The variables bound by the first match of ``var`` (the whole of it), or None."""
        if not self.possible(var):
            return None
        return next(_match(self.tree, var, {}), None)

    def matches(self, var: Variable, partial: bool = False) -> Iterator[tuple[Bindings, Left]]:
        """Every match of ``var``: the bindings, and (``partial``: ``var`` may be a longer sum
        or product than the source) the signed terms or factors the match left over."""
        if not self.possible(var):
            return iter(())
        return _match_node(self.tree, var, {}, partial)

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"


def _build_target(tree: ast.AST, bound: Bindings) -> Any:
    def build(node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            return bound[node.id]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = build(node.operand)
            return -operand if isinstance(operand, (int, float, complex)) else negate(operand)
        if isinstance(node, ast.BinOp):
            return getattr(at, _TARGET_BINARY[type(node.op)])(build(node.left), build(node.right))
        if isinstance(node, ast.Call):
            return getattr(at, node.func.id)(*[build(a) for a in node.args])  # type: ignore[attr-defined]
        raise ValueError(f"pattern target: cannot read {ast.unparse(node)!r}")

    return build(tree)


def _check_target(tree: ast.AST, names: set[str]) -> None:
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or not hasattr(at, node.func.id):
                raise ValueError(f"pattern target: unknown function {ast.unparse(node.func)!r}")
        elif isinstance(node, ast.Name) and node.id not in names and id(node) not in called:
            raise ValueError(f"pattern target uses {node.id!r}, which the source does not bind")


def _with_left(result: Any, left: Left, product: bool) -> Any:
    """The target put back among the terms (factors) a partial match left over."""
    if not left:
        return result
    if product:
        return at.mul(*[v for v, _ in left], result)
    return signed_sum([*left, (at.as_tensor_variable(result), True)])


def pattern(source: str | Sequence[str] | Mapping[str, str], target: str | None = None,
            name: str | None = None, where: Callable[..., bool] | None = None,
            tags: Iterable[str] = (), module: str | None = None) -> Rule:
    """A rule rewriting graphs that match ``source`` into ``target``.

    ``source`` may also be several sources with the one target
    (``("sqrt(x * x)", "sqrt(sqr(x))")``), or a dict of sources to targets;
    the first that matches is used.  ``where(**bindings)`` may refuse a match.
    The rule is credited to ``module`` (by default the caller's), as a rule
    function is to its own.
    """
    if isinstance(source, Mapping):
        if target is not None:
            raise TypeError("pattern: give the targets in the dict, not as target")
        pairs = list(source.items())
    else:
        if target is None:
            raise TypeError("pattern: a target is needed")
        pairs = [(s, target) for s in ([source] if isinstance(source, str) else source)]
    rewrites = []
    for text, goal in pairs:
        pat = Pattern(text)
        tree = ast.parse(goal, mode="eval").body
        _check_target(tree, pat.variables)
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        rewrites.append((pat, tree, sorted(pat.variables - used), isinstance(pat.tree, PProduct)))
    tracks = tuple(dict.fromkeys(t for pat, *_ in rewrites for t in pat.root_types))

    def rewrite(node: Apply) -> Variable | None:
        original = node.outputs[0]
        for pat, tree, unused, product in rewrites:
            if not pat.possible(original):
                continue
            for bound, left in _match_node(pat.tree, original, {}, partial=True):
                if where is not None and not where(**bound):
                    continue
                result = _with_left(_build_target(tree, bound), left, product)
                fitted = fit_to(result, original, [bound[v] for v in unused], lenient=True)
                if fitted is not None:
                    return fitted
        return None

    text = "; ".join(f"{s} -> {t}" for s, t in pairs)
    rewrite.__doc__ = text
    rewrite.__module__ = module or sys._getframe(1).f_globals.get("__name__", __name__)
    rewrite.__qualname__ = rewrite.__name__ = name or text
    return make_rule(rewrite, tracks, name or text, tags)
