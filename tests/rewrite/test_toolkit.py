"""The rule-writing toolkit: constants, dtypes, fitting shapes, sums and products."""

import numpy as np

import arignote
import arignote.scalar.math as sm
import arignote.tensor as at
from arignote.rewrite import (
    computes_in_output_dtype,
    constant_value,
    filled,
    fit_to,
    is_number,
    is_real_float,
    keep_static_shape,
    kind_of,
    match,
    match_op,
    negate,
    negated,
    product_factors,
    scaling,
    signed_sum,
    sum_terms,
    uniform_value,
    without,
)

x, y, z = at.vector("x"), at.vector("y"), at.vector("z")


# --- producers and constants ---------------------------------------------------------------

def test_match_and_match_op():
    assert match(at.exp(x), sm.Exp) is x
    assert match(at.exp(x), sm.Log) is None
    assert match_op(x + y, sm.Add) is (x + y).owner
    assert match(x, sm.Exp) is None


def test_constant_value_is_for_one_element_constants():
    assert constant_value(at.constant(2.5)) == 2.5
    assert constant_value(at.constant(np.ones((1, 1), "int8"))) == 1
    assert constant_value(at.constant(np.ones(3))) is None  # decides a length
    assert constant_value(x) is None
    assert constant_value(at.constant(np.bool_(True))) is True


def test_is_number_and_uniform_value():
    assert is_number(at.constant(np.float32(-1)), -1)
    assert not is_number(at.constant(np.bool_(True)), 1)  # a boolean is not the number 1
    assert uniform_value(np.full((2, 3), 7)) == 7
    assert uniform_value(np.array([1, 2])) is None
    assert uniform_value(np.zeros(0)) is None


def test_dtype_helpers():
    i = at.vector("i", dtype="int8")
    assert kind_of(i) == "i" and kind_of("float32") == "f"
    assert is_real_float(x, y) and not is_real_float(x, i)
    assert not is_real_float(at.vector("c", dtype="complex128"))
    assert computes_in_output_dtype((x + y).owner)
    assert not computes_in_output_dtype(at.add(i, i, at.constant(1.0)).owner)


# --- shapes -------------------------------------------------------------------------------

def test_fit_to_pads_the_rank_a_dropped_constant_added():
    original = x + np.zeros((1, 1))
    fitted = fit_to(x, original)
    assert fitted.ndim == 2 and fitted.type.shape == (1, None)


def test_fit_to_refuses_another_dtype():
    assert fit_to(at.cast(x, "float32"), x) is None


def test_fit_to_reads_a_dropped_length():
    s = at.tensor("s", shape=(1,))
    original = s * at.constant(np.zeros(4))  # the constant decides the length
    fitted = fit_to(s, original, [original.owner.inputs[1]])
    assert fitted.type.shape == (4,)
    np.testing.assert_array_equal(arignote.function([s], fitted)(np.array([3.0])), [3.0] * 4)


def test_fit_to_with_unknown_lengths_keeps_the_operands_unless_lenient():
    a = at.tensor("a", shape=(1,))
    original = a * y * z  # y and z of unknown lengths decide it together
    assert fit_to(a, original, [y, z]) is None
    lenient = fit_to(a, original, [y, z], lenient=True)
    got = arignote.function([a, y, z], lenient, on_unused_input="ignore")(
        np.array([2.0]), np.ones(3), np.ones(3))
    np.testing.assert_array_equal(got, [2.0, 2.0, 2.0])


def test_filled_and_keep_static_shape():
    s = at.tensor("s", shape=(3,))
    zeros = filled(0, s * 0.0, [s])
    assert zeros.type.shape == (3,) and zeros.dtype == "float64"
    kept = keep_static_shape(at.vector("v"), s)
    assert kept.type.shape == (3,)


# --- sums and products ----------------------------------------------------------------------

def test_sum_terms_reads_through_sums_differences_and_negations():
    assert sum_terms(x - (y - z)) == ((x, True), (y, False), (z, True))
    assert sum_terms(-(x + y)) == ((x, False), (y, False))
    assert sum_terms(x + y * -1) == ((x, True), (y, False))
    assert sum_terms(at.exp(x)) is None
    i = at.vector("i", dtype="int8")
    wraps = at.add(i + i, at.constant(1.0))  # not read through: int8 + int8 wraps first
    assert sum_terms(wraps) is None


def test_signed_sum_writes_the_canonical_shape():
    assert signed_sum([(x, True), (y, False), (z, True)]) is at.sub(at.add(x, z), y)
    assert signed_sum([(x, False), (y, False)]) is at.neg(at.add(x, y))
    assert signed_sum([(x, True), (-y, True)]) is at.sub(x, y)


def test_products_negations_and_scaling():
    assert product_factors(x * (y * z)) == [x, y, z]
    assert product_factors(x + y) is None
    assert negated(-x) is x and negated(x * -1) is x and negated(x * 2) is None
    assert negate(-x) is x and negate(x) is at.neg(x)
    inner, constants = scaling(at.mul(x, y, 3.0))
    assert inner is x * y and [c.data for c in constants] == [3.0]
    assert scaling(x * y) is None
    assert without("abcd", 1, 3) == ["a", "c"]
