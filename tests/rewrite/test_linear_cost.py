"""Rewriting costs linear time in the graph: chains are read once, not once per link.

Counted, not timed: the number of terms (factors) the canonical rules read over a
whole rewrite, which is what turns quadratic when every link of a chain writes its
own normal form.  Timings are in ``benchmarks/rewrite_time.py``.
"""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph.traversal import toposort
from arignote.rewrite import given_node, given_users, make_rule, optimize, rewrite_graph, sole_user
from arignote.scalar.math import Add, Exp, Log, Sin
from arignote.tensor.rewrites import algebra, algebra_sum


@pytest.fixture
def terms_read(monkeypatch):
    """A counter of the terms and factors the canonical sum and product rules read."""
    count = {"terms": 0}
    expand_sum, expand_product = algebra_sum.expand_sum, algebra.expand_product

    def counting_sum(node):
        found = expand_sum(node)
        count["terms"] += len(found.terms)
        return found

    def counting_product(node):
        found = expand_product(node)
        count["terms"] += len(found.factors)
        return found
    monkeypatch.setattr(algebra_sum, "expand_sum", counting_sum)
    monkeypatch.setattr(algebra, "expand_product", counting_product)
    return count


def _log_density(n):
    xs = [at.vector(f"a{i}") for i in range(n)]
    total = at.constant(0.0)
    for a in xs:
        total = total + at.log(1 + at.exp(a)) + at.log(at.sigmoid(a + 1))
    return xs, total


def _product_chain(n):
    xs = [at.vector(f"a{i}") for i in range(n)]
    total = xs[0]
    for a in xs[1:]:
        total = total * (a + 2.0) * at.exp(a)
    return xs, total


def _balanced_tree(n):
    xs = [at.vector(f"a{i}") for i in range(n)]
    level = [at.log(1 + at.exp(a)) * 2.0 for a in xs]
    while len(level) > 1:
        level = [level[k] + level[k + 1] if k + 1 < len(level) else level[k]
                 for k in range(0, len(level), 2)]
    return xs, level[0]


@pytest.mark.parametrize("build", [_log_density, _product_chain, _balanced_tree])
def test_chains_are_read_once(build, terms_read):
    """Doubling the chain doubles the terms read (quadratic cost would quadruple them)."""
    reads = []
    for n in (100, 200):
        terms_read["terms"] = 0
        _, out = build(n)
        optimize([out])
        reads.append(terms_read["terms"])
    assert reads[1] <= 2 * reads[0] + 10, reads
    assert reads[0] <= 12 * 100, reads  # a few reads per term, not one per link and term


@pytest.mark.parametrize("build", [_log_density, _product_chain, _balanced_tree])
def test_chains_keep_their_values(build):
    xs, out = build(40)
    rng = np.random.default_rng(1)
    values = [rng.normal(size=3) * 5 for _ in xs]
    got = arignote.function(xs, out)(*values)
    expected = arignote.function(xs, out, mode=arignote.Mode(linker="py", optimizer=None))(*values)
    # 40-160 terms of magnitude <= ~20 summed or multiplied in another order: a few ulps per step
    np.testing.assert_allclose(got, expected, rtol=200 * np.finfo(np.float64).eps)


def test_a_chain_becomes_one_flat_sum():
    _, out = _log_density(50)
    (final,) = optimize([out], phases=[arignote.rewrite.canonicalize])
    adds = [n for n in toposort([final]) if isinstance(getattr(n.op, "scalar_op", None), Add)]
    biggest = max(len(n.inputs) for n in adds)
    assert final.owner in adds and len(final.owner.inputs) == biggest == 100


def test_a_link_used_twice_gets_its_own_normal_form():
    a, b, c = at.vector("a"), at.vector("b"), at.vector("c")
    inner = (b + a) + 1.0 + 2.0
    outer = inner + c
    final_inner, final_outer = optimize([inner * 2.0, outer], phases=[arignote.rewrite.canonicalize])
    assert final_inner.owner.inputs[0] is at.add(a, b, at.constant(3.0))
    assert final_outer is at.add(a, b, c, at.constant(3.0))


def test_sole_user_is_the_one_consumer_in_the_given_graph():
    x, y = at.vector("x"), at.vector("y")
    shared = at.exp(x)
    once = at.log(y)
    out = shared + at.sin(shared) + once
    seen = {}

    def look(node):
        seen[node.op.scalar_op.__class__.__name__] = sole_user(node)
        return None
    rule = make_rule(look, [Exp, Log])
    rewrite_graph([out, once * 2.0], [rule])
    assert seen["Exp"] is None          # exp(x) feeds the sum and the sine
    assert seen["Log"] is None          # log(y) is also an output
    rewrite_graph([out], [rule])
    assert seen["Log"] is out.owner     # now only the outer sum uses it
    assert sole_user(out.owner) is None  # outside a rewrite


def test_given_users_of_an_operand():
    x, y = at.vector("x"), at.vector("y")
    shared = at.exp(x)
    out = at.log(shared) + at.sin(shared) + at.log(y)
    seen = {}

    def look(node):
        given = given_node(node)
        seen[node.op.scalar_op.__class__.__name__] = (given, given_users(given.inputs[0]),
                                                      given_users(given.inputs[0], limit=1))
        return None
    rule = make_rule(look, [Sin])
    rewrite_graph([out], [rule])
    given, users, capped = seen["Sin"]
    assert given is at.sin(shared).owner
    assert set(users) == {at.log(shared).owner, at.sin(shared).owner}
    assert capped is None  # more users than the limit
    assert given_users(shared) is None and given_node(out.owner) is None  # outside a rewrite


def _wide_product(n):
    """One product of many exp, sigmoid and quotient factors: rules that pair factors."""
    xs = [at.vector(f"a{i}") for i in range(n)]
    factors = []
    for k, a in enumerate(xs):
        factors.append(at.exp(a) if k % 3 == 0 else at.sigmoid(a) if k % 3 == 1 else 1.0 / (a + 3.0))
    return xs, at.mul(*factors)


def _wide_sum(n):
    """One sum of many quotients and products: rules that look at every term."""
    xs = [at.vector(f"a{i}") for i in range(n)]
    return xs, at.add(*[at.exp(a) / (1 + at.exp(a)) if k % 2 else a * 2.0 for k, a in enumerate(xs)])


def _difference_chain(n):
    """Subtractions and constants: the sum rules read through Sub too."""
    xs = [at.vector(f"a{i}") for i in range(n)]
    total = xs[0]
    for a in xs[1:]:
        total = total - at.log(1 + at.exp(a)) + 1.0
    return xs, total


def _sum_of_reductions(n):
    """total + sum(log-density terms): how PyMC adds up its variables' log-densities."""
    xs = [at.vector(f"a{i}") for i in range(n)]
    total = at.constant(0.0)
    for a in xs:
        total = total + at.sum(at.log(at.sigmoid(a))) - 0.5 * at.sum(a ** 2)
    return xs, total


def _quotient_chain(n):
    xs = [at.vector(f"a{i}") for i in range(n)]
    total = xs[0]
    for a in xs[1:]:
        total = total / (a + 1.0) * at.exp(a)
    return xs, total


def _python_calls(fn):
    """How many Python functions ``fn()`` calls: a deterministic measure of work.

    The cyclic collector is run before and kept off during the call: otherwise it may
    free an earlier graph part-way through, and the weak-reference callbacks of that
    graph's interned nodes count as this call's work (seen on CI: 2.23 for 2n).
    """
    import gc
    import sys

    count = [0]
    gc.collect()
    gc.disable()

    def profile(frame, event, arg):
        if event == "call":
            count[0] += 1
    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
        gc.enable()
    return count[0]


@pytest.mark.parametrize("build", [_log_density, _product_chain, _balanced_tree, _wide_product, _wide_sum,
                                   _difference_chain, _sum_of_reductions, _quotient_chain])
def test_work_grows_linearly(build):
    """The Python calls of a whole rewrite (all phases, fusion included) at 2n are about
    twice those at n: no rule's cost grows with the chain or the width around a node."""
    optimize([build(20)[1]])  # warm the caches of types and dtypes
    calls = [_python_calls(lambda: optimize([build(n)[1]])) for n in (150, 300)]
    assert calls[1] <= 2.2 * calls[0], calls
