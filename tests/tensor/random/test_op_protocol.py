"""PyTensor's RandomVariable protocol: distributions are op instances of their own classes, a
node is ``(rng, size, *params) -> (next_rng, draw)``, ``rng_fn`` draws, and a user's subclass
written for PyTensor (class attributes and an ``rng_fn``) runs unchanged."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.tensor import random as rnd
from arignote.tensor.random.op import parse_signature, signature_of
from tests.tensor.random.draw_checks import MODES, generator


def test_distributions_are_instances_of_their_classes():
    assert isinstance(rnd.normal, rnd.NormalRV) and isinstance(rnd.normal, rnd.RandomVariable)
    assert isinstance(rnd.t, rnd.StudentTRV) and isinstance(rnd.multivariate_normal, rnd.MvNormalRV)
    assert rnd.nbinom is rnd.negative_binomial
    for name, op in rnd.RV_OPS.items():
        assert op.name == name and type(op).__name__ in rnd.__all__
    # a new instance is the same op (identity is the props), so nodes intern together
    assert rnd.NormalRV() == rnd.normal and hash(rnd.NormalRV()) == hash(rnd.normal)
    assert rnd.normal.clone(dtype="float32") != rnd.normal
    with pytest.raises(AttributeError, match="ops are immutable"):
        rnd.normal.dtype = "float32"


def test_signature_gives_the_core_ranks():
    assert rnd.normal.signature == "(),()->()"
    assert (rnd.normal.ndims_params, rnd.normal.ndim_supp) == ((0, 0), 0)
    assert (rnd.multinomial.ndims_params, rnd.multinomial.ndim_supp) == ((0, 1), 1)
    assert (rnd.multivariate_normal.ndims_params, rnd.multivariate_normal.ndim_supp) == ((1, 2), 1)
    assert parse_signature("(),(p)->(p)") == ([(), ("p",)], ("p",))
    assert parse_signature("->()") == ([], ())
    assert signature_of((0, 1), 1) == "(),(d0)->(d0)"
    with pytest.raises(ValueError, match="not a gufunc signature"):
        parse_signature("(a)->(b),(c)")


def test_node_layout_and_accessors():
    rng = generator(1)
    x = rnd.normal(at.dvector("mu"), 2.0, rng=rng)
    node = x.owner
    r, size, mu, sigma = node.inputs
    assert r is rng and size.type.shape == (0,)  # no size: the empty vector
    op = node.op
    assert op.rng_param(node) is rng and op.size_param(node) is size
    assert op.dist_params(node) == [mu, sigma]
    assert op.batch_ndim(node) == 1
    assert op.update(node) == {rng: node.outputs[0]}
    sized = rnd.normal(0.0, 1.0, size=(2, 3), rng=rng).owner
    assert sized.inputs[1].type.shape == (2,) and sized.op.batch_ndim(sized) == 2


def test_make_node_takes_rng_size_and_params():
    rng = generator(2)
    _, x = rnd.normal.make_node(rng, (4,), 0.0, 1.0).outputs
    assert x.type.shape == (4,)
    _, y = rnd.normal.make_node(rng, None, np.zeros(3), 1.0).outputs
    assert y.type.shape == (3,)
    with pytest.raises(TypeError, match="normal: expected 2 parameters"):
        rnd.normal.make_node(rng, None, 0.0)
    with pytest.raises(TypeError, match="rng must be a random generator variable"):
        rnd.normal.make_node(None, None, 0.0, 1.0)


def test_floatx_is_committed_in_the_node():
    x = rnd.normal(0.0, 1.0, rng=generator(3))
    assert rnd.normal.dtype == "floatX"
    assert x.owner.op.dtype == str(arignote.config.floatX) == x.dtype


@pytest.mark.parametrize("size", [None, (3,), (2, 3)])
def test_rng_fn_is_numpys_draw(size):
    got = rnd.normal.rng_fn(np.random.default_rng(4), np.zeros(3), 2.0, size)
    want = np.random.default_rng(4).normal(np.zeros(3), 2.0, size=size)
    np.testing.assert_array_equal(got, want)
    for loc, scale in [(0, 1), (np.float32(0.0), np.float64(1.0)), (np.zeros(1), 1.0)]:
        # normal(0, 1) draws by standard_normal: the same numbers, bit for bit
        got = rnd.normal.rng_fn(np.random.default_rng(4), loc, scale, size)
        want = np.random.default_rng(4).normal(loc, scale, size=size)
        np.testing.assert_array_equal(got, want)
        assert np.shape(got) == np.shape(want)
    got = rnd.bernoulli.rng_fn(np.random.default_rng(4), 0.3, size)
    np.testing.assert_array_equal(got, np.random.default_rng(4).binomial(1, 0.3, size=size))


def test_infer_shape_helper():
    mu = at.dmatrix("mu")
    shape = rnd.normal._infer_shape((), [mu, 1.0])
    f = arignote.function([mu], list(shape))
    assert [int(s) for s in f(np.zeros((4, 5)))] == [4, 5]
    shape = rnd.dirichlet._infer_shape((7,), [np.ones(3)])
    assert [int(s.eval()) for s in shape] == [7, 3]


def test_ops_pickle():
    for op in (rnd.normal, rnd.multivariate_normal.clone(method="svd"), rnd.normal.clone(dtype="float32")):
        assert pickle.loads(pickle.dumps(op)) == op


def test_method_of_multivariate_normal_is_a_prop():
    x = rnd.multivariate_normal(np.zeros(2), np.eye(2), method="svd", rng=generator(5))
    assert x.owner.op.method == "svd" and x.owner.op != rnd.multivariate_normal
    with pytest.raises(ValueError, match="method must be"):
        rnd.MvNormalRV(method="qr")


# --- a user's op, written for PyTensor ------------------------------------------------------

class PolyaLikeRV(rnd.RandomVariable):
    """A distribution as PyTensor users (and PyMC) define one: class attributes and a class
    method ``rng_fn(rng, *params, size)``."""

    name = "shifted_exponential"
    signature = "(),()->()"
    dtype = "floatX"

    @classmethod
    def rng_fn(cls, rng, shift, scale, size):
        return shift + rng.exponential(scale, size=size)


shifted_exponential = PolyaLikeRV()


@pytest.mark.parametrize("mode", MODES)
def test_a_pytensor_style_subclass_runs_unchanged(mode):
    rng = generator(6)
    shift = at.dvector("shift")
    x = shifted_exponential(shift, 2.0, size=(2,), rng=rng)
    f = arignote.function([shift], x, updates={rng: x.owner.outputs[0]}, mode=mode)
    reference = np.random.default_rng(6)
    for _ in range(2):  # the generator moves on as NumPy's does
        want = np.array([1.0, 5.0]) + reference.exponential(2.0, size=(2,))
        np.testing.assert_array_equal(f(np.array([1.0, 5.0])), want)
    assert x.owner.op.param_names == ("param0", "param1")


def test_a_subclass_with_the_older_ndims_arguments():
    op = rnd.RandomVariable(name="dirichlet", ndims_params=[1], ndim_supp=1, dtype="float64")
    assert op.signature == "(d0)->(d0)"
    x = op(np.ones(3), size=(2,), rng=generator(7))
    assert x.type.shape == (2, 3)
    want = np.random.default_rng(7).dirichlet(np.ones(3), size=(2,))
    np.testing.assert_array_equal(arignote.function([], x, no_default_updates=True)(), want)


def test_an_op_without_dtype_needs_one_per_call():
    op = rnd.RandomVariable(name="standard_normal", signature="->()")
    with pytest.raises(TypeError, match="standard_normal: the op has no dtype"):
        op(size=(2,), rng=generator(8))
    x = op(size=(2,), rng=generator(8), dtype="float32")
    assert x.dtype == "float32"


def test_a_random_variable_needs_a_name_and_a_signature():
    with pytest.raises(TypeError, match="needs a name"):
        rnd.RandomVariable(signature="->()")
    with pytest.raises(TypeError, match="give a signature"):
        rnd.RandomVariable(name="x")


def test_random_stream_draws_with_a_user_op():
    stream = rnd.RandomStream(9)
    x = stream.gen(shifted_exponential, 0.0, 1.0, size=(3,))
    f = arignote.function([], x)
    first, second = f(), f()
    assert first.shape == (3,) and not np.array_equal(first, second)

