"""Stabilize rules: naive formulas compile to graphs that give finite, accurate values."""

import numpy as np
import pytest
import scipy.special as sps

import arignote
import arignote.tensor as at
from tests.tensor.rewrites.numerics_checks import apply_rule, assert_same_values, fired, fires, op_names

FLOATS = ["float32", "float64"]
FAST_COMPILE = arignote.Mode(optimizer="fast_compile")


def _compile(x, out, mode=None):
    return arignote.function([x], out, mode=mode)


# --- the acceptance test: naive formulas, stable values ------------------------------------

@pytest.mark.parametrize("mode", [None, FAST_COMPILE], ids=["fast_run", "fast_compile"])
@pytest.mark.parametrize("dtype", FLOATS)
class TestNaiveFormulasAreStable:
    def test_log_one_plus_exp(self, dtype, mode):
        x = at.vector("x", dtype=dtype)
        got = _compile(x, at.log(1 + at.exp(x)), mode)(np.array([-800, -20, 0, 20, 800], dtype))
        assert got.dtype == dtype
        np.testing.assert_allclose(got, np.logaddexp(0, np.array([-800, -20, 0, 20, 800.])),
                                   rtol=1e-6, atol=1e-30)
        assert got[-1] == pytest.approx(800)

    def test_log_sum_exp(self, dtype, mode):
        x = at.matrix("x", dtype=dtype)
        values = np.array([[1000, 999, 998], [-1000, -1001, -999]], dtype)
        for axis in (None, 0, 1):
            got = _compile(x, at.log(at.sum(at.exp(x), axis=axis)), mode)(values)
            assert got.dtype == dtype and np.all(np.isfinite(got))
            np.testing.assert_allclose(got, sps.logsumexp(values.astype("float64"), axis=axis), rtol=1e-6)

    def test_log_sigmoid(self, dtype, mode):
        x = at.vector("x", dtype=dtype)
        got = _compile(x, at.log(at.sigmoid(x)), mode)(np.array([-800, -1, 30], dtype))
        np.testing.assert_allclose(got, -np.logaddexp(0, -np.array([-800, -1, 30.])), rtol=1e-6)

    def test_log_one_minus_sigmoid(self, dtype, mode):
        x = at.vector("x", dtype=dtype)
        got = _compile(x, at.log(1 - at.sigmoid(x)), mode)(np.array([800, 1, -30], dtype))
        np.testing.assert_allclose(got, -np.logaddexp(0, np.array([800, 1, -30.])), rtol=1e-6)

    def test_log_softmax(self, dtype, mode):
        x = at.matrix("x", dtype=dtype)
        values = np.array([[1000, 0, -1000], [5, 6, 7]], dtype)
        got = _compile(x, at.log(at.special.softmax(x, axis=1)), mode)(values)
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, sps.log_softmax(values.astype("float64"), axis=1), rtol=1e-6)

    def test_exp_minus_one_near_zero(self, dtype, mode):
        x = at.vector("x", dtype=dtype)
        values = np.array([1e-10, -3e-8, 1e-5], dtype)
        got = _compile(x, at.exp(x) - 1, mode)(values)
        np.testing.assert_allclose(got, np.expm1(values.astype("float64")), rtol=1e-6)

    def test_log_one_plus_tiny(self, dtype, mode):
        x = at.vector("x", dtype=dtype)
        values = np.array([1e-12, -1e-9], dtype)
        got = _compile(x, at.log(1 + x), mode)(values)
        np.testing.assert_allclose(got, np.log1p(values.astype("float64")), rtol=1e-6)

    def test_log_one_minus_exp(self, dtype, mode):
        x = at.vector("x", dtype=dtype)
        values = np.array([-1e-10, -1.0, -800], dtype)
        got = _compile(x, at.log(1 - at.exp(x)), mode)(values)
        wide = values.astype("float64")
        np.testing.assert_allclose(got, np.log(-np.expm1(wide)), rtol=1e-6, atol=1e-300)

    def test_softmax_of_large_entries(self, dtype, mode):
        x = at.matrix("x", dtype=dtype)
        e = at.exp(x)
        values = np.array([[1000, 999, 0], [1, 2, 3]], dtype)
        got = _compile(x, e / e.sum(axis=1, keepdims=True), mode)(values)
        np.testing.assert_allclose(got, sps.softmax(values.astype("float64"), axis=1), rtol=1e-6, atol=1e-30)


def test_binary_cross_entropy_stays_finite():
    x, t = at.vector("x"), at.vector("t")
    p = at.sigmoid(x)
    loss = -(t * at.log(p) + (1 - t) * at.log(1 - p)).mean()
    got = arignote.function([x, t], loss)(np.array([800.0, -800.0]), np.array([0.0, 1.0]))
    assert got == pytest.approx(800)


# --- each rule: fires, does not fire, keeps values -----------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_log1p_from_log(dtype):
    x, y = at.vector("x", dtype=dtype), at.vector("y", dtype=dtype)
    assert apply_rule("log1p_from_log", at.log(1 + x)) is at.log1p(x)
    assert apply_rule("log1p_from_log", at.log(x + 1)) is at.log1p(x)
    assert apply_rule("log1p_from_log", at.log(at.add(x, 1, y))) is at.log1p(at.add(x, y))
    assert not fires("log1p_from_log", at.log(2 + x))
    assert not fires("log1p_from_log", at.log(x + y))
    values = np.array([0.5, 1e-9, -0.5], dtype)
    assert_same_values([x], at.log(1 + x), values)


def test_log1p_from_log_not_for_integers_or_arrays_that_decide_the_shape():
    i = at.vector("i", dtype="int8")
    assert not fires("log1p_from_log", at.log(1 + i))  # 1 + 127 wraps in int8
    x = at.vector("x")
    wide = at.log(x + at.constant(np.ones(3)))
    assert not fires("log1p_from_log", wide)


def test_log1p_from_log_keeps_the_rank_a_constant_adds():
    x = at.vector("x")
    out = at.log(x + np.ones((1, 1)))
    assert fires("log1p_from_log", out)
    got = assert_same_values([x], out, np.array([0.5, 2.0]))
    assert got.shape == (1, 2)


@pytest.mark.parametrize("dtype", FLOATS)
def test_log1p_from_log_one_minus(dtype):
    x = at.vector("x", dtype=dtype)
    assert apply_rule("log1p_from_log_one_minus", at.log(1 - x)) is at.log1p(-x)
    assert apply_rule("log1p_from_log_one_minus", at.log(1 + (-x))) is at.log1p(-x)
    assert apply_rule("log1p_from_log_one_minus", at.log(1 + x * -1)) is at.log1p(-x)
    assert not fires("log1p_from_log_one_minus", at.log(2 - x))
    assert not fires("log1p_from_log_one_minus", at.log(x - 1))
    assert_same_values([x], at.log(1 - x), np.array([0.5, 1e-9, -3, 2], dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_expm1_from_exp_minus_one(dtype):
    x, a = at.vector("x", dtype=dtype), at.vector("a", dtype=dtype)
    assert apply_rule("expm1_from_exp_minus_one", at.exp(x) - 1) is at.expm1(x)
    assert apply_rule("expm1_from_exp_minus_one", at.exp(x) + -1) is at.expm1(x)
    assert apply_rule("expm1_from_exp_minus_one", at.add(a, at.exp(x), -1)) is at.add(a, at.expm1(x))
    assert not fires("expm1_from_exp_minus_one", at.exp(x) - 2)
    assert not fires("expm1_from_exp_minus_one", 1 - at.exp(x))
    assert not fires("expm1_from_exp_minus_one", at.sin(x) - 1)
    assert_same_values([x], at.exp(x) - 1, np.array([1e-9, -2, 3], dtype))
    assert_same_values([x, a], a + at.exp(x) - 1, np.array([1e-9, -2, 3], dtype), np.array([1, 2, 3], dtype))


def test_expm1_not_for_integers():
    i = at.vector("i", dtype="int32")
    out = at.exp(i) - 1  # exp gives float64, so the rule could apply, but exp's argument is int
    assert not fires("expm1_from_exp_minus_one", out)
    assert_same_values([i], out, np.array([0, 1, 2], "int32"))


@pytest.mark.parametrize("dtype", FLOATS)
def test_neg_expm1_from_one_minus_exp(dtype):
    x = at.vector("x", dtype=dtype)
    assert apply_rule("neg_expm1_from_one_minus_exp", 1 - at.exp(x)) is -at.expm1(x)
    assert not fires("neg_expm1_from_one_minus_exp", 2 - at.exp(x))
    got = assert_same_values([x], 1 - at.exp(x), np.array([1e-9, -2, 3], dtype))
    assert got[0] == pytest.approx(-1e-9, rel=1e-6)


@pytest.mark.parametrize("dtype", FLOATS)
def test_log1mexp_rules(dtype):
    x = at.vector("x", dtype=dtype)
    assert apply_rule("log1mexp_from_log_neg_expm1", at.log(-at.expm1(x))) is at.log1mexp(x)
    assert apply_rule("log1mexp_from_log1p_neg_exp", at.log1p(-at.exp(x))) is at.log1mexp(x)
    assert not fires("log1mexp_from_log_neg_expm1", at.log(at.expm1(x)))
    assert not fires("log1mexp_from_log1p_neg_exp", at.log1p(at.exp(-x)))
    for out in (at.log(1 - at.exp(x)), at.log1p(-at.exp(x)), at.log(-at.expm1(x))):
        assert "Log1mexp" in op_names(out)
        assert_same_values([x], out, np.array([-0.5, -3], dtype), rtol=1e-5 if dtype == "float32" else 1e-12)
        extreme = np.array([-1e-9, -50], dtype)  # where the naive forms lose every digit
        got = arignote.function([x], out)(extreme)
        np.testing.assert_allclose(got, [np.log(-np.expm1(-1e-9)), np.log1p(-np.exp(-50.0))], rtol=1e-6)


@pytest.mark.parametrize("dtype", FLOATS)
def test_softplus_rules(dtype):
    x = at.vector("x", dtype=dtype)
    assert apply_rule("softplus_from_log1p_exp", at.log1p(at.exp(x))) is at.softplus(x)
    assert not fires("softplus_from_log1p_exp", at.log1p(at.exp2(x)))
    assert fired(at.log(1 + at.exp(x)))[-1] == "softplus_from_log1p_exp"
    assert op_names(at.log(1 + at.exp(x))) == ["Softplus"]
    assert_same_values([x], at.log(1 + at.exp(x)), np.array([-30, 0, 1e-5, 30], dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_rules(dtype):
    x = at.vector("x", dtype=dtype)
    assert apply_rule("sigmoid_neg_from_one_minus_sigmoid", 1 - at.sigmoid(x)) is at.sigmoid(-x)
    assert apply_rule("sigmoid_neg_from_one_minus_sigmoid", 1 - at.sigmoid(-x)) is at.sigmoid(x)
    assert apply_rule("softplus_from_log_sigmoid", at.log(at.sigmoid(x))) is -at.softplus(-x)
    assert apply_rule("softplus_from_log_sigmoid", at.log(at.sigmoid(-x))) is -at.softplus(x)
    assert apply_rule("softplus_from_log1p_neg_sigmoid", at.log1p(-at.sigmoid(x))) is -at.softplus(x)
    assert not fires("sigmoid_neg_from_one_minus_sigmoid", 2 - at.sigmoid(x))
    assert not fires("softplus_from_log_sigmoid", at.log(at.tanh(x)))
    values = np.array([-5, -1, 0, 2, 5], dtype)
    for out in (1 - at.sigmoid(x), at.log(at.sigmoid(x)), at.log(1 - at.sigmoid(x)),
                at.log1p(-at.sigmoid(x))):
        assert_same_values([x], out, values, rtol=1e-5 if dtype == "float32" else 1e-12)
    assert "Sigmoid" not in op_names(at.log(1 - at.sigmoid(x)))


def test_sigmoid_rules_not_for_integers():
    i = at.vector("i", dtype="int8")
    assert not fires("sigmoid_neg_from_one_minus_sigmoid", 1 - at.sigmoid(i))  # -(-128) wraps
    assert not fires("softplus_from_log_sigmoid", at.log(at.sigmoid(i)))
    assert_same_values([i], at.log(1 - at.sigmoid(i)), np.array([-128, 0, 127], "int8"), rtol=1e-6)


@pytest.mark.parametrize("dtype", FLOATS)
def test_log_of_exp(dtype):
    x = at.vector("x", dtype=dtype)
    assert apply_rule("log_of_exp", at.log(at.exp(x))) is x
    assert not fires("log_of_exp", at.log(at.exp2(x)))
    got = arignote.function([x], at.log(at.exp(x)))(np.array([-1000, 0.5, 1000], dtype))
    np.testing.assert_array_equal(got, np.array([-1000, 0.5, 1000], dtype))


def test_log_of_exp_not_for_integers_or_complex():
    assert not fires("log_of_exp", at.log(at.exp(at.vector("i", dtype="int64"))))
    assert not fires("log_of_exp", at.log(at.exp(at.vector("z", dtype="complex128"))))


def test_exp_of_log_is_left_alone():
    x = at.vector("x")
    assert op_names(at.exp(at.log(x))) == ["Log", "Exp"]  # x < 0 gives NaN, which x would not


@pytest.mark.parametrize("dtype", FLOATS)
def test_abs_from_sqrt_sqr(dtype):
    x = at.vector("x", dtype=dtype)
    for square in (at.sqr(x), x * x, x ** 2):
        assert apply_rule("abs_from_sqrt_sqr", at.sqrt(square)) is at.abs(x)
    assert not fires("abs_from_sqrt_sqr", at.sqrt(x * at.vector("y", dtype=dtype)))
    assert not fires("abs_from_sqrt_sqr", at.sqrt(x ** 3))
    got = assert_same_values([x], at.sqrt(x * x),
                             np.array([-3, 0, 2, 1e200 if dtype == "float64" else 1e30], dtype))
    assert np.isfinite(got).all()


def test_abs_from_sqrt_sqr_not_for_integers():
    i = at.vector("i", dtype="int32")
    assert not fires("abs_from_sqrt_sqr", at.sqrt(i * i))
