"""Structure rules: dimshuffles, reshapes and reductions in canonical form, values kept."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.tensor.check_and_raise import CheckAndRaise
from arignote.tensor.shape import MakeVector
from tests.tensor.rewrites.numerics_checks import apply_rule, assert_same_values, fires, op_names

# --- dimshuffle ----------------------------------------------------------------------------

def test_dimshuffle_chains_merge(rng):
    x = at.tensor3("x")
    out = x.dimshuffle(2, 0, 1).dimshuffle(1, 2, 0)
    assert apply_rule("merge_dimshuffles", out) is x
    out = x.dimshuffle(2, "x", 0, 1).dimshuffle(0, 2, 3)
    assert op_names(out) in (["DimShuffle"], ["Transpose"])  # one node
    assert_same_values([x], out, rng.normal(size=(2, 3, 4)))


def test_identity_dimshuffle_is_removed():
    x = at.tensor("x", shape=(None, 1, 3))
    assert apply_rule("remove_identity_dimshuffle", x.dimshuffle(0, 1, 2)) is x
    assert not fires("remove_identity_dimshuffle", at.matrix("m").T)


def test_transposes_cancel_across_elementwise_chains(rng):
    x = at.matrix("x")
    out = (at.exp(x.T) * 2.0).T
    assert "DimShuffle" not in op_names(out)
    assert_same_values([x], out, rng.normal(size=(2, 3)))


def test_transpose_is_not_lifted_through_a_shared_node(rng):
    x = at.matrix("x")
    e = at.exp(x)
    out = e.T + e.sum()
    assert op_names(out).count("Exp") == 1
    assert_same_values([x], out, rng.normal(size=(2, 3)))


# --- reshape --------------------------------------------------------------------------------

def test_reshape_of_reshape(rng):
    x = at.matrix("x")
    out = x.reshape((6,)).reshape((3, 2))
    assert op_names(out) == ["Reshape"]
    assert_same_values([x], out, rng.normal(size=(2, 3)))


# --- reductions -----------------------------------------------------------------------------

@pytest.mark.parametrize("reduce", [at.sum, at.prod, at.max, at.min])
def test_reduction_of_dimshuffle_reduces_the_original(reduce, rng):
    x = at.tensor3("x")
    out = reduce(x.dimshuffle(2, 0, 1), axis=0)
    assert "DimShuffle" not in op_names(out)
    assert_same_values([x], out, rng.normal(size=(2, 3, 4)))
    out = reduce(x.dimshuffle(2, "x", 1, 0), axis=(0, 3))
    assert_same_values([x], out, rng.normal(size=(2, 3, 4)))


def test_reduction_over_all_axes_of_a_transpose(rng):
    x = at.matrix("x")
    assert op_names(at.sum(x.T)) == ["Sum"]
    assert_same_values([x], at.sum(x.T), rng.normal(size=(3, 2)))


@pytest.mark.parametrize("dtype", ["float64", "int8", "float32"])
def test_reduction_of_reduction(dtype, rng):
    x = at.tensor3("x", dtype=dtype)
    out = at.sum(at.sum(x, axis=1), axis=0)
    assert op_names(out) == ["Sum"]
    values = rng.integers(-5, 5, size=(2, 3, 4)).astype(dtype)
    assert_same_values([x], out, values)
    out = at.max(at.max(x, axis=2), axis=1)
    assert op_names(out) == ["Max"]
    assert_same_values([x], out, values)


def test_different_reductions_do_not_merge():
    x = at.matrix("x")
    assert sorted(op_names(at.max(at.sum(x, axis=0)))) == ["Max", "Sum"]


def test_sum_of_alloc_allocates_nothing(rng):
    x = at.tensor3("x")
    out = at.sum(at.ones_like(x))
    assert "Alloc" not in op_names(out)
    assert_same_values([x], out, rng.normal(size=(2, 3, 4)))
    v = at.scalar("v")
    out = at.sum(at.alloc(v, 3, x.shape[0]), axis=1)
    assert_same_values([x, v], out, rng.normal(size=(2, 3, 4)), np.float64(1.5))
    out = at.prod(at.alloc(v, 2, 3))
    assert "Alloc" not in op_names(out)
    assert_same_values([v], out, np.float64(1.5))


def test_sum_of_alloc_in_small_integers_upcasts_like_numpy():
    v = at.scalar("v", dtype="int8")
    out = at.sum(at.alloc(v, 100, 3))
    got = assert_same_values([v], out, np.int8(100))
    assert got.dtype == np.int64 and got == 30000


# --- reductions of stacked scalars and checks settled at compile time -------------------------

@pytest.mark.parametrize("reduce", [at.all, at.any, at.max, at.min])
def test_order_free_reduction_of_make_vector_combines_the_scalars(reduce, rng):
    a, b, c = at.dscalar("a"), at.dscalar("b"), at.dscalar("c")
    vector = MakeVector("float64")(a, b, c) if reduce in (at.max, at.min) else \
        MakeVector("bool")(a > 0, b > 0, c > 0)
    out = reduce(vector)
    assert fires("reduction_of_make_vector", out)
    assert "MakeVector" not in op_names(out)
    for values in ([1.0, -2.0, 3.0], [0.5, 0.25, 2.0], [-1.0, -3.0, -0.5], [np.nan, 1.0, 2.0]):
        assert_same_values([a, b, c], out, *map(np.float64, values))


def test_reduction_of_one_element_vector_keeps_the_vectors_cast(rng):
    a = at.lscalar("a")
    out = at.sum(MakeVector("int8")(a))  # the vector wraps 300 to 44; the int64 sum keeps it
    assert "MakeVector" not in op_names(out)
    for value in (300, -129, 5):
        assert_same_values([a], out, np.int64(value))


def test_sum_of_several_scalars_is_left_to_the_reduction():
    a, b = at.dscalar("a"), at.dscalar("b")
    assert not fires("reduction_of_make_vector", at.sum(MakeVector("float64")(a, b)))


def test_check_with_true_constant_conditions_is_its_value(rng):
    x, c = at.dvector("x"), at.bscalar("c")
    check = CheckAndRaise(ValueError, "x must be positive")
    assert apply_rule("drop_true_conditions", check(x, at.constant(True))) is x
    kept = check(x, at.constant(True), at.cast(c, "bool"))
    assert op_names(kept).count("CheckAndRaise") == 1
    assert len(apply_rule("drop_true_conditions", kept).owner.inputs) == 2
    # a false constant still raises, when the function runs
    failing = arignote.function([x], check(x * 2, at.constant(False)))
    with pytest.raises(ValueError, match="x must be positive"):
        failing(rng.normal(size=3))
