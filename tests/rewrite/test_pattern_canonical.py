"""Patterns see the canonical forms: sums as signed terms, products as factors, written any way."""

import numpy as np
import pytest

import arignote
import arignote.scalar.math as sm
import arignote.tensor as at
from arignote.rewrite import Pattern, canonicalize, find, optimize, pattern, rewrite_graph, stabilize


def _canonical(var):
    return optimize([var], phases=[canonicalize])[0]


def _rewrite(rule, var):
    return rewrite_graph([var], [rule])[0]


x, y, z = at.vector("x"), at.vector("y"), at.vector("z")

# pattern source -> expressions that match it as written and after canonicalize
FORMS = {
    "1 - u": [1 - y, 1 + (-y), (-y) + 1, 1 + y * -1, -(y - 1), -y + 1.0],
    "exp(u) - 1": [at.exp(y) - 1, at.exp(y) + -1, -1 + at.exp(y), at.exp(y) - 1.0],
    "log(1 + u)": [at.log(1 + y), at.log(y + 1), at.log(y - (-1.0))],
    "-(u * v)": [-(y * z), y * z * -1],
    "-(2 * u)": [y * -2],
    "u - v - w": [x - y - z, x - (y + z), -y + x - z],
    "u - (v - w)": [x - (y - z), (x + z) - y, z - y + x],
    "sqrt(u * u)": [at.sqrt(y * y)],
}
# ... and expressions that match it once canonicalized: negations leave products, a division
# by a power of two is a product (the pattern is read the same way)
CANONICAL_ONLY = {
    "-(u * v)": [(-y) * z, y * (-z)],
    "-(2 * u)": [(-y) * 2.0, -(2 * y)],
    "u / 4": [y / 4, y * 0.25],
}


@pytest.mark.parametrize("source", FORMS)
def test_patterns_match_written_and_canonical_forms(source):
    pat = Pattern(source)
    for expression in FORMS[source]:
        assert pat.match(expression) is not None, (source, expression)
        canonical = _canonical(expression)
        assert pat.match(canonical) is not None, (source, arignote.printing.pprint(canonical))


@pytest.mark.parametrize("source", CANONICAL_ONLY)
def test_patterns_match_canonical_products(source):
    pat = Pattern(source)
    for expression in CANONICAL_ONLY[source]:
        canonical = _canonical(expression)
        assert pat.match(canonical) is not None, (source, arignote.printing.pprint(canonical))


def test_a_variable_takes_the_other_terms_of_its_sign():
    a, b = at.vector("a"), at.vector("b")
    assert Pattern("1 + u").match(_canonical(a + 1 + b))["u"] is at.add(a, b)
    assert Pattern("1 - u").match(1 - a - b)["u"] is at.add(a, b)
    assert Pattern("1 - u").match(1 - a + b) is None  # the others have mixed signs
    assert Pattern("u * exp(v)").match(a * at.exp(b) * x)["u"] is at.mul(a, x)


def test_repeated_variables_and_constants_by_value():
    assert Pattern("u - u").match(x - x) is not None
    assert Pattern("u - u").match(x - y) is None
    assert Pattern("exp(u) - 1").match(at.exp(x) - 2) is None
    assert Pattern("exp(u) - 1").match(at.exp(x) + 1) is None  # the sign is part of the number
    true = at.constant(np.bool_(True))
    assert Pattern("u + 1").match(at.add(x, true)) is None  # True is not the number 1


def test_sums_computed_in_another_dtype_are_not_regrouped():
    i, j = at.vector("i", dtype="int8"), at.vector("j", dtype="int8")
    wraps = at.add(i, j, at.constant(1.0))  # int8 + int8 wraps before the float sum sees it
    assert wraps.dtype == "float64"
    assert Pattern("1 + u").match(wraps) is None
    assert Pattern("1 + u").match(at.add(i + j, 1.0)) is None
    f, g = at.vector("f", dtype="float32"), at.vector("g", dtype="float32")
    assert Pattern("1 + u").match(at.add(f + g, 1.0))["u"] is f + g


def test_the_rewritten_node_may_be_a_longer_sum_or_product():
    a = at.vector("a")
    rule = pattern("exp(u) - 1", "expm1(u)", name="test_expm1")
    assert _rewrite(rule, _canonical(a + at.exp(x) - 1)) is at.add(a, at.expm1(x))
    assert _rewrite(rule, (a + at.exp(x)) - 1 - z) is at.sub(at.add(a, at.expm1(x)), z)
    flip = pattern("1 - exp(u)", "-expm1(u)", name="test_neg_expm1")
    assert _rewrite(flip, _canonical(a - at.exp(x) + 1)) is at.sub(a, at.expm1(x))
    cancel = pattern("exp(u) * (v / exp(u))", "v", name="test_cancel")
    out = _rewrite(cancel, a * (y / at.exp(x)) * at.exp(x))
    assert out is at.mul(a, y)


def test_several_sources_and_a_dict_of_rewrites():
    rule = pattern(("sqrt(u * u)", "sqrt(sqr(u))"), "abs(u)", name="test_abs")
    assert rule.tracks == (sm.Sqrt,)
    assert _rewrite(rule, at.sqrt(at.sqr(x))) is at.abs(x)
    both = pattern({"1 / (1 + exp(u))": "sigmoid(-u)", "exp(u) / (1 + exp(u))": "sigmoid(u)"},
                   name="test_sigmoid")
    assert _rewrite(both, 1 / (1 + at.exp(x))) is at.sigmoid(-x)
    assert _rewrite(both, at.exp(x) / (at.exp(x) + 1)) is at.sigmoid(x)
    with pytest.raises(TypeError, match="target"):
        pattern("exp(u)")


def test_a_pattern_rule_is_credited_to_the_module_that_makes_it():
    rule = pattern("log(exp(u))", "u", name="test_credit")
    assert rule.fn.__module__ == __name__
    assert find("log1p_from_log").fn.__module__ == "arignote.tensor.rewrites.stabilize"


def test_target_negation_does_not_build_a_double_negation():
    rule = pattern("1 - sigmoid(u)", "sigmoid(-u)", name="test_sig")
    assert _rewrite(rule, 1 - at.sigmoid(-x)) is at.sigmoid(x)


def test_dropped_variable_of_unknown_length_keeps_the_shape():
    rule = pattern("u * v / v", "u", name="test_drop")
    a, b = at.tensor("a", shape=(1, None)), at.matrix("b")
    out = _rewrite(rule, a * b / b)
    got = arignote.function([a, b], out)(np.full((1, 3), 2.0), np.ones((4, 3)))
    np.testing.assert_array_equal(got, np.full((4, 3), 2.0))


def test_library_rules_fire_on_canonical_forms_in_a_compilation():
    a = at.vector("a")
    outputs = [at.log(1 + a * -1), a - (1 - at.exp(x)), 1 + (-at.sigmoid(x))]
    fired = arignote.rewrite.explain(outputs).rules_fired()
    assert {"log1p_from_log_one_minus", "expm1_from_exp_minus_one",
            "sigmoid_neg_from_one_minus_sigmoid"} <= set(fired)
    assert stabilize.rules  # the phase holds the library's patterns
