"""Stabilize rules over axes: logsumexp, softmax, log_softmax."""

import numpy as np
import pytest
import scipy.special as sps

import arignote
import arignote.tensor as at
from arignote.tensor.special import LogSoftmax, Softmax
from tests.tensor.rewrites.numerics_checks import apply_rule, assert_same_values, fires, op_names

FLOATS = ["float32", "float64"]
LSE = "logsumexp_from_log_sum_exp"
SOFTMAX = "softmax_from_exp_over_sum"


def _values(dtype, shape=(3, 4), seed=0):
    return np.random.default_rng(seed).uniform(-3, 3, shape).astype(dtype)


# --- logsumexp ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_fires_and_keeps_values(dtype, axis, keepdims):
    x = at.matrix("x", dtype=dtype)
    out = at.log(at.sum(at.exp(x), axis=axis, keepdims=keepdims))
    assert fires(LSE, out)
    assert "Max" in op_names(out)
    assert_same_values([x], out, _values(dtype), rtol=1e-5 if dtype == "float32" else 1e-12)
    big = _values(dtype) + 1000
    got = arignote.function([x], out)(big)
    np.testing.assert_allclose(got, sps.logsumexp(big.astype("float64"), axis=axis, keepdims=keepdims),
                               rtol=1e-6)


def test_logsumexp_infinities_and_empty_match_the_naive_form():
    x = at.matrix("x")
    out = at.log(at.sum(at.exp(x), axis=1))
    values = np.array([[-np.inf, -np.inf], [np.inf, 0.0], [np.nan, 1.0], [-np.inf, 2.0]])
    got = arignote.function([x], out)(values)
    with np.errstate(all="ignore"):
        want = np.log(np.sum(np.exp(values), axis=1))
    np.testing.assert_array_equal(got, want)
    empty = arignote.function([x], out)(np.zeros((2, 0)))
    np.testing.assert_array_equal(empty, [-np.inf, -np.inf])


def test_logsumexp_does_not_fire_on_stable_forms_or_other_sums():
    x = at.matrix("x")
    assert not fires(LSE, at.logsumexp(x, axis=1))  # already subtracts the maximum
    manual = at.log(at.sum(at.exp(x - at.max(x, axis=1, keepdims=True)), axis=1))
    assert not fires(LSE, manual)
    assert not fires(LSE, at.log(at.sum(at.exp2(x), axis=1)))
    assert not fires(LSE, at.log(at.prod(at.exp(x), axis=1)))
    assert not fires(LSE, at.log(at.sum(at.exp(x), axis=1, dtype="float32")))
    i = at.matrix("i", dtype="int32")
    assert not fires(LSE, at.log(at.sum(at.exp(i), axis=1)))  # x - max(x) could wrap in integers
    assert not fires(LSE, at.log(at.sum(at.exp(at.matrix("z", dtype="complex128")), axis=1)))


def test_logsumexp_reaches_a_fixed_point_in_every_mode():
    x = at.matrix("x")
    out = at.log(at.sum(at.exp(x), axis=0))
    for mode in (None, "FAST_COMPILE"):
        got = arignote.function([x], out, mode=mode)(np.full((2, 3), 800.0))
        np.testing.assert_allclose(got, 800 + np.log(2))


# --- log_softmax ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_log_softmax(dtype, axis):
    x = at.matrix("x", dtype=dtype)
    out = at.log(at.special.softmax(x, axis=axis))
    rewritten = apply_rule("log_softmax_from_log_softmax", out)
    assert isinstance(rewritten.owner.op, LogSoftmax)
    assert rewritten.owner.op.axis == out.owner.inputs[0].owner.op.axis
    assert_same_values([x], out, _values(dtype), rtol=1e-5 if dtype == "float32" else 1e-12)


def test_log_softmax_not_for_other_logs():
    x = at.matrix("x")
    assert not fires("log_softmax_from_log_softmax", at.log(at.exp(x)))
    assert not fires("log_softmax_from_log_softmax", at.log1p(at.special.softmax(x)))


# --- softmax --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_softmax_from_keepdims_sum(dtype, axis):
    x = at.matrix("x", dtype=dtype)
    e = at.exp(x)
    out = e / e.sum(axis=axis, keepdims=True)
    rewritten = apply_rule(SOFTMAX, out)
    assert isinstance(rewritten.owner.op, Softmax)
    assert_same_values([x], out, _values(dtype), rtol=1e-5 if dtype == "float32" else 1e-12)
    big = _values(dtype) * 400
    got = arignote.function([x], out)(big)
    np.testing.assert_allclose(got, sps.softmax(big.astype("float64"), axis=axis), rtol=1e-5, atol=1e-30)


def test_softmax_from_sum_over_leading_axes_without_keepdims():
    x = at.tensor3("x")
    e = at.exp(x)
    assert isinstance(apply_rule(SOFTMAX, e / e.sum(axis=0)).owner.op, Softmax)
    assert isinstance(apply_rule(SOFTMAX, e / e.sum(axis=(0, 1))).owner.op, Softmax)
    assert isinstance(apply_rule(SOFTMAX, e / e.sum()).owner.op, Softmax)
    assert_same_values([x], e / e.sum(axis=0), _values("float64", (2, 3, 4)))


def test_softmax_from_reciprocal_forms():
    x = at.matrix("x")
    e = at.exp(x)
    total = e.sum(axis=1, keepdims=True)
    assert isinstance(apply_rule(SOFTMAX, e * at.reciprocal(total)).owner.op, Softmax)
    assert isinstance(apply_rule(SOFTMAX, e * total ** -1).owner.op, Softmax)


def test_softmax_does_not_fire_when_the_layout_or_operands_differ():
    x, y = at.matrix("x"), at.matrix("y")
    e = at.exp(x)
    assert not fires(SOFTMAX, e / e.sum(axis=1))  # (n, m) / (n,) broadcasts along the wrong axis
    assert not fires(SOFTMAX, e / at.exp(y).sum(axis=1, keepdims=True))
    assert not fires(SOFTMAX, at.exp(y) / e.sum(axis=1, keepdims=True))
    assert not fires(SOFTMAX, e / e.sum(axis=1, keepdims=True).T)
    assert not fires(SOFTMAX, e / (e.sum(axis=1, keepdims=True) + 1))
    assert not fires(SOFTMAX, e * e.sum(axis=1, keepdims=True))
    i = at.matrix("i", dtype="int64")
    ei = at.exp(i)
    assert not fires(SOFTMAX, ei / ei.sum(axis=1, keepdims=True))  # Softmax's int dtype rule differs


def test_softmax_then_log_becomes_log_softmax():
    x = at.matrix("x")
    e = at.exp(x)
    out = at.log(e / e.sum(axis=1, keepdims=True))
    assert op_names(out) == ["LogSoftmax"]
    got = arignote.function([x], out)(np.array([[1000.0, 0.0], [1.0, 2.0]]))
    np.testing.assert_allclose(got, sps.log_softmax([[1000.0, 0.0], [1.0, 2.0]], axis=1))
