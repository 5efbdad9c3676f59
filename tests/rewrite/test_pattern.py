"""Pattern rules: parsing, matching (commutative, partial sums, constants), constraints, shapes."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.rewrite import is_constant, is_float, pattern, rewrite_graph


def _rewrite(rule, var):
    return rewrite_graph([var], [rule])[0]


def test_simple_pattern_and_operand_order():
    rule = pattern("log(1 + x)", "log1p(x)")
    x = at.vector("x")
    assert _rewrite(rule, at.log(1.0 + x)) is at.log1p(x)
    assert _rewrite(rule, at.log(x + 1.0)) is at.log1p(x)
    assert _rewrite(rule, at.log(x + 2.0)) is at.log(x + 2.0)


def test_pattern_matches_part_of_a_longer_sum():
    rule = pattern("log(1 + x)", "log1p(x)")
    a, b = at.vector("a"), at.vector("b")
    out = _rewrite(rule, at.log(at.add(a, 1.0, b)))
    assert out is at.log1p(at.add(a, b))


def test_repeated_variables_must_be_the_same_expression():
    rule = pattern("x - x", "zeros_like(x)", name="self_sub")
    a, b = at.ivector("a"), at.ivector("b")
    assert _rewrite(rule, a - b) is a - b
    np.testing.assert_array_equal(arignote.function([a], _rewrite(rule, (a * 2) - (a * 2)))(
        np.arange(3, dtype="int32")), [0, 0, 0])


def test_constants_match_by_value_across_dtypes_but_not_arrays_that_broadcast():
    rule = pattern("exp(x) - 1", "expm1(x)")
    x = at.fvector("x")
    assert _rewrite(rule, at.exp(x) - 1).owner.op.scalar_op.name == "expm1"
    assert _rewrite(rule, at.exp(x) - np.ones((1, 1), "float32")).ndim == 2
    wide = at.exp(x) - at.constant(np.ones(3, "float32"))
    assert _rewrite(rule, wide) is wide  # a (3,) constant decides the shape: no match


def test_where_constraint_and_predicates():
    rule = pattern("log(1 + x)", "log1p(x)", where=lambda x: is_float(x))
    assert _rewrite(rule, at.log(1 + at.ivector("i"))).owner.op.scalar_op.name == "log"
    times_const = pattern("exp(x * y)", "exp(y * x)", name="swap", where=lambda x, y: is_constant(y))
    v, w = at.vector("v"), at.vector("w")
    assert _rewrite(times_const, at.exp(v * w)) is at.exp(v * w)
    assert _rewrite(times_const, at.exp(v * 3.0)) is at.exp(3.0 * v)


def test_dropped_variable_keeps_broadcast_shape():
    rule = pattern("x * y / y", "x", name="cancel")
    a, b = at.tensor("a", shape=(1,)), at.vector("b")  # a stretches to b's length
    out = _rewrite(rule, a * b / b)
    f = arignote.function([a, b], out)
    np.testing.assert_allclose(f(np.array([2.0]), np.ones(3)), [2.0, 2.0, 2.0])
    s = at.tensor("s", shape=(3,))
    static = _rewrite(rule, s * 4.0 / 4.0)
    assert static is s


def test_dtype_changing_target_does_not_fire():
    rule = pattern("x + 0", "x", name="plus_zero")
    i = at.bvector("i")
    y = i + 0.0  # int8 + float -> float64: dropping the add would change the dtype
    assert _rewrite(rule, y) is y


def test_pattern_errors_are_clear():
    with pytest.raises(ValueError, match="not an elementwise function"):
        pattern("frobnicate(x)", "x")
    with pytest.raises(ValueError, match="does not bind"):
        pattern("exp(x)", "y")
    with pytest.raises(ValueError, match="must be an operation"):
        pattern("x", "x")
    with pytest.raises(ValueError, match="unknown function"):
        pattern("exp(x)", "nosuchfn(x)")
