"""Products of three or more matrices in the cheapest order (specialize).

``A @ B @ v`` is written ``(A @ B) @ v``: ``n³ + n²`` multiplications for ``n x n`` matrices,
where ``A @ (B @ v)`` takes ``2n²``.  At the last product of a chain, the rule
:func:`matrix_chain_order` collects the factors and picks the order with the classic
``O(k³)`` dynamic programme over their shapes (Cormen et al., "Matrix-chain multiplication").

- **Chains.** ``Dot`` of matrices and vectors (a vector may start or end a chain, as in
  ``np.dot``), or ``MatMul`` of stacks of matrices with one batch shape.  An inner product is
  read through only when the chain alone uses it (:func:`~arignote.rewrite.driver.sole_user`):
  a product used elsewhere is computed anyway and stays a factor.  All factors have one dtype
  (then each order computes the same values but for rounding: a product of integers wraps
  the same way in any order).
- **Cost: linear.** An inner link whose only user continues the chain leaves itself alone
  and records its factor count; the chain's last node reads the recorded links once.  A
  link holding :data:`MAX_FACTORS` factors ends a chain of its own instead, so a chain has
  fewer than ``2 * MAX_FACTORS`` factors and every node is read a bounded number of times.
- **Symbolic shapes.** A length is a static int or a symbol: the lengths the chain's
  contractions make equal are one symbol, and so are lengths given by the same variable
  (``specify_shape(a, (n, n))``) or read through a transpose.  A cost is a polynomial in the
  symbols with non-negative coefficients (a dict monomial -> coefficient).  The order is
  changed only when its cost is <= the current one for every value of the symbols (lengths
  are >= 1) and < for some, by this sufficient test (:func:`dominated`): after cancelling
  the monomials both share, each remaining monomial of the new cost is charged to monomials
  of the old one that it divides (``x`` <= ``x * y`` when ``y >= 1``), within their
  coefficients, and something of the old one is left or charged to a strict multiple.
  Candidate orders come from the programme run with every symbol set to a few values.
- **Phase.** specialize, before its whole-graph pass makes ``Gemm``/``Gemv`` of the products
  (``z + a * dot(x, y)`` still holds a ``Dot`` after re-association).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite import specialize
from arignote.rewrite.driver import given_node, sole_user
from arignote.rewrite.toolkit import fit_to, memo_table
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.linalg.assumptions import Assume
from arignote.tensor.products import Dot, MatMul
from arignote.tensor.shape import SpecifyShape

#: the factors a link of a chain holds at most (the programme costs (2 * MAX_FACTORS)³ steps)
MAX_FACTORS = 16
#: the values the symbols are given to find candidate orders
_PROBES = (2, 64, 4096)

Monomial = tuple[Any, ...]  # sorted symbols, repeated by their power
Polynomial = dict[Monomial, int]


# --- polynomials ------------------------------------------------------------------------

def _term(*lengths: Any) -> Polynomial:
    """The product of ``lengths`` (ints and symbols) as a polynomial of one monomial."""
    coefficient, symbols = 1, []
    for length in lengths:
        if isinstance(length, int):
            coefficient *= length
        else:
            symbols.append(length)
    return {tuple(sorted(symbols)): coefficient} if coefficient else {}


def _add(total: Polynomial, more: Polynomial) -> None:
    for monomial, coefficient in more.items():
        total[monomial] = total.get(monomial, 0) + coefficient


def _divides(small: Monomial, large: Monomial) -> bool:
    need, have = Counter(small), Counter(large)
    return all(have[s] >= k for s, k in need.items())


def dominated(new: Polynomial, old: Polynomial) -> bool:
    """Whether ``new <= old`` for every value >= 1 of the symbols and ``new < old`` for some,
    by the sufficient test of the module docstring (False when it cannot tell)."""
    new = {m: c for m, c in new.items() if c}
    old = {m: c for m, c in old.items() if c}
    for monomial in set(new) & set(old):  # cancel what both share
        common = min(new[monomial], old[monomial])
        new[monomial] -= common
        old[monomial] -= common
    left = {m: c for m, c in old.items() if c}
    strict = False
    # the most specific monomials first: they have the fewest multiples to be charged to
    for monomial in sorted((m for m, c in new.items() if c), key=len, reverse=True):
        need = new[monomial]
        for target in sorted((t for t in left if left[t] and _divides(monomial, t)), key=len):
            charged = min(need, left[target])
            left[target] -= charged
            need -= charged
            strict = strict or target != monomial
            if not need:
                break
        if need:
            return False
    return strict or any(left.values())


def _value(poly: Polynomial, probe: int) -> int:
    return sum(c * probe ** len(m) for m, c in poly.items())


# --- chains -------------------------------------------------------------------------------

def _chain_op(node: Apply) -> type | None:
    """Dot or MatMul when ``node`` is a product this rule re-associates."""
    if not isinstance(node.op, (Dot, MatMul)):
        return None
    a, b = node.inputs
    if a.type.dtype != b.type.dtype:
        return None
    if isinstance(node.op, Dot):
        return Dot if a.type.ndim <= 2 and b.type.ndim <= 2 else None
    if isinstance(node.op, MatMul):
        ndim = a.type.ndim
        same = b.type.ndim == ndim and ndim >= 3 and a.type.shape[:-2] == b.type.shape[:-2]
        return MatMul if same else None
    return None


def _links_table() -> dict[Variable, int] | None:
    return memo_table("matrix_chain_links")


def _continues(node: Apply, op_kind: type) -> bool:
    """Whether the only user of ``node`` is a product of ``op_kind`` that reads it as an inner
    part of its chain (it keeps a vector at the ends of the chain)."""
    user = sole_user(node)
    given = given_node(node)
    if user is None or given is None or _chain_op(user) is not op_kind:
        return False
    out, (left, right) = given.outputs[0], user.inputs
    if left is right or user.outputs[0].type.dtype != out.type.dtype:
        return False
    a, b = node.inputs
    if left is out:  # our last factor becomes an inner one
        return b.type.ndim >= 2
    return a.type.ndim >= 2  # right operand: our first factor becomes an inner one


def _factors(var: Variable, links: dict[Variable, int] | None, out: list[Variable]) -> None:
    """The factors of ``var``, in order, read through the recorded links."""
    stack = [var]
    while stack:
        v = stack.pop()
        if links is not None and v in links and v.owner is not None:
            a, b = v.owner.inputs
            stack.append(b)
            stack.append(a)
        else:
            out.append(v)


def _lengths(factors: Sequence[Variable]) -> list[Any] | None:
    """``p`` with factor ``i`` a ``p[i] x p[i + 1]`` matrix (a vector at an end: length 1),
    each an int or a symbol (lengths known equal share one)."""
    parent: dict[Any, Any] = {}

    def find(key: Any) -> Any:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    def union(x: Any, y: Any) -> None:
        x, y = find(x), find(y)
        if x != y:
            if isinstance(y, int):  # a static length stands for its class
                x, y = y, x
            parent[y] = x

    ends: list[Any] = []
    for position, f in enumerate(factors):
        ndim = f.type.ndim
        if ndim == 1:
            if 0 < position < len(factors) - 1:
                return None
            key = _length_key(f, 0)
            ends.append((1, key) if position == 0 else (key, 1))
        else:
            ends.append((_length_key(f, ndim - 2), _length_key(f, ndim - 1)))
    for (_, cols), (rows, _) in zip(ends, ends[1:]):
        if isinstance(cols, int) and isinstance(rows, int) and cols != rows:
            return None
        union(cols, rows)
    roots = [find(ends[0][0])] + [find(cols) for _, cols in ends]
    # one small name per symbol: monomials compare and sort by these
    names: dict[Any, Any] = {}
    return [r if isinstance(r, int) else names.setdefault(r, ("n", len(names))) for r in roots]


def _length_key(v: Variable, axis: int) -> Any:
    """A key for the length of ``v`` along ``axis``: the static int, the variable giving it
    (``specify_shape``), read through transposes and views; else ``(v, axis)``."""
    for _ in range(4):  # a few producers deep: bounded
        static = v.type.shape[axis]
        if static is not None:
            return int(static)
        node = v.owner
        if node is None:
            break
        if isinstance(node.op, SpecifyShape) and axis in node.op.symbolic_axes:
            length = node.inputs[1 + node.op.symbolic_axes.index(axis)]
            return int(length.data) if isinstance(length, Constant) else ("length", length)
        if isinstance(node.op, (Assume, SpecifyShape)):
            v = node.inputs[0]
        elif isinstance(node.op, DimShuffle) and node.inputs[0].type.ndim == v.type.ndim:
            source = node.op.new_order[axis]
            if not isinstance(source, int):
                break
            v, axis = node.inputs[0], source
        else:
            break
    return ("axis", v, axis)


def _current_cost(var: Variable, links: dict[Variable, int] | None, p: list[Any],
                  start: int = 0) -> tuple[Polynomial, int]:
    """The cost of computing ``var`` as it is written (its factors from ``start``), and the
    position after its last factor.  Recursion as deep as the chain: at most MAX_FACTORS."""
    if links is None or var not in links or var.owner is None:
        return {}, start + 1
    a, b = var.owner.inputs
    left, middle = _current_cost(a, links, p, start)
    right, end = _current_cost(b, links, p, middle)
    total = dict(left)
    _add(total, right)
    _add(total, _term(p[start], p[middle], p[end]))
    return total, end


def _best_split(p: list[Any], probe: int) -> list[list[int]]:
    """The split table of the programme with every symbol set to ``probe``."""
    k = len(p) - 1
    size = [x if isinstance(x, int) else probe for x in p]
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for span in range(1, k):
        for i in range(k - span):
            j = i + span
            best = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + size[i] * size[s + 1] * size[j + 1]
                if best is None or c < best:
                    best, split[i][j] = c, s
            cost[i][j] = best or 0
    return split


def _order_cost(split: list[list[int]], p: list[Any], i: int, j: int) -> Polynomial:
    if i == j:
        return {}
    s = split[i][j]
    total = _order_cost(split, p, i, s)
    _add(total, _order_cost(split, p, s + 1, j))
    _add(total, _term(p[i], p[s + 1], p[j + 1]))
    return total


def _build(split: list[list[int]], factors: Sequence[Variable], op: Any, i: int, j: int) -> Variable:
    if i == j:
        return factors[i]
    s = split[i][j]
    return op(_build(split, factors, op, i, s), _build(split, factors, op, s + 1, j))


@specialize.rule(Dot, MatMul)
def matrix_chain_order(node: Apply) -> Any:
    """(A @ B) @ v -> A @ (B @ v), and every chain of three or more matrix products in the
    order the matrix-chain programme finds cheapest, when it provably costs less."""
    kind = _chain_op(node)
    if kind is None:
        return None
    links = _links_table()
    a, b = node.inputs
    count = sum(links.get(x, 1) if links is not None else 1 for x in (a, b))
    if links is not None and count < MAX_FACTORS and _continues(node, kind):
        links[node.outputs[0]] = count  # a link: the chain's last node reads it
        return None
    factors: list[Variable] = []
    _factors(a, links, factors)
    _factors(b, links, factors)
    if len(factors) < 3:
        return None
    p = _lengths(factors)
    if p is None:
        return None
    old_left, middle = _current_cost(a, links, p)
    old_right, end = _current_cost(b, links, p, middle)
    old = dict(old_left)
    _add(old, old_right)
    _add(old, _term(p[0], p[middle], p[end]))
    tried = set()
    best: tuple[int, list[list[int]]] | None = None
    for probe in _PROBES:
        split = _best_split(p, probe)
        key = tuple(map(tuple, split))
        if key in tried:
            continue
        tried.add(key)
        new = _order_cost(split, p, 0, len(factors) - 1)
        if dominated(new, old):
            value = _value(new, _PROBES[-1])
            if best is None or value < best[0]:
                best = (value, split)
    if best is None:
        return None
    op = node.op
    return fit_to(_build(best[1], factors, op, 0, len(factors) - 1), node.outputs[0])


__all__ = ["MAX_FACTORS", "dominated"]
