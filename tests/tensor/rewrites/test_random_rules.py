"""The statistics rules (arignote/tensor/rewrites/random.py) and what the other phases do to
draws: each rule fires where it should, not where the numbers of the program could tell,
and keeps what its docstring promises (NumPy's numbers bit for bit, or the distribution)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.graph.basic import intern_constant
from arignote.graph.traversal import toposort
from arignote.tensor import random as rnd
from arignote.tensor.random.op import RandomVariable
from arignote.tensor.random.type import random_generator_type
from tests.tensor.rewrites.numerics_checks import REFERENCE, fired

LIFT = "lift_subtensor_into_draw"
LIFT_DS = "lift_dimshuffle_into_draw"
UNBROADCAST = "draw_constant_parameters_unbroadcast"

# NumPy's multinomial draws vectors (a support axis): a distribution the rules must not cut.
# Made as a PyTensor user makes an op, drawing with the Generator method of its name.
multinomial_rv = RandomVariable(name="multinomial", signature="(),(p)->(p)", dtype="int64")


def _generator(seed=0):
    return arignote.shared(np.random.default_rng(seed))


def _next(draw):
    return draw.owner.outputs[0]


def _draws(f):
    """The draw nodes of a compiled function's graph."""
    return [n for n in toposort(f.graph_outputs) if isinstance(n.op, RandomVariable)]


def _compile(inputs, outputs, **kwargs):
    """The function compiled with rewriting, and without (the same generator values)."""
    return (arignote.function(inputs, outputs, **kwargs),
            arignote.function(inputs, outputs, mode=REFERENCE, **kwargs))


# --- 1. indexing lifted into the draw --------------------------------------------------------

def test_subtensor_of_a_draw_draws_only_the_indexed_numbers():
    rng = _generator(5)
    mu, sigma = at.dvector("mu"), at.dscalar("sigma")
    out = rnd.normal(mu, sigma, size=(10000,), rng=rng)[:10]
    f = arignote.function([mu, sigma], out)
    assert LIFT in fired([out])
    [draw] = _draws(f)
    assert draw.outputs[1].type.shape == (10,)
    values = np.linspace(-3, 3, 10000)
    got = f(values, 2.0)
    # the numbers change (distribution kept): those of the ten-number draw, NumPy's bit for bit
    np.testing.assert_array_equal(got, np.random.default_rng(5).normal(values[:10], 2.0, size=10))
    assert got.shape == (10,)


def test_subtensor_lift_keeps_the_distribution():
    rng = _generator(17)
    x = rnd.normal(1.5, 2.0, size=(4000, 3), rng=rng)[::2, 1]
    f = arignote.function([], x, no_default_updates=True)
    assert len(_draws(f)) == 1 and _draws(f)[0].outputs[1].type.shape == (2000,)
    sample = f()
    assert sample.shape == (2000,)
    assert st.kstest(sample, st.norm(1.5, 2.0).cdf).pvalue > 1e-3


@pytest.mark.parametrize("key", [np.s_[2], np.s_[1:4], np.s_[-1, ::2], np.s_[1:, 0]])
def test_subtensor_lift_indexes_each_parameter_on_its_own_batch_axes(key):
    # loc: (1, 3) stretched on axis 0; scale: (4, 1) stretched on axis 1; batch (4, 3)
    loc = np.array([[0.0, 10.0, 20.0]])
    scale = np.array([[1.0], [2.0], [3.0], [4.0]])
    rng = _generator(3)
    draw = rnd.normal(at.constant(loc), at.constant(scale), rng=rng)
    out = draw[key]
    f, g = _compile([], out, no_default_updates=True)
    assert LIFT in fired([out])
    got, full = f(), g()
    assert got.shape == full.shape
    # the lifted draw is NumPy's draw with the parameters indexed, broadcast first
    bl, bs = np.broadcast_arrays(loc, scale)
    want = np.random.default_rng(3).normal(bl[key], bs[key])
    np.testing.assert_array_equal(got, want)


def test_subtensor_lift_with_a_symbolic_size_and_index():
    rng = _generator(8)
    n, i, j = at.lscalar("n"), at.lscalar("i"), at.lscalar("j")
    out = rnd.uniform(0.0, 1.0, size=(n, 3), rng=rng)[i:j, 2]
    f, g = _compile([n, i, j], out, no_default_updates=True)
    assert LIFT in fired([out])
    got = f(100, 5, 25)
    assert got.shape == g(100, 5, 25).shape == (20,)
    np.testing.assert_array_equal(got, np.random.default_rng(8).uniform(0.0, 1.0, size=(20,)))


def _assert_no_lift(inputs, outputs, **kwargs):
    """The lift does not fire, and the values are those of the unrewritten graph."""
    f, g = _compile(inputs, outputs, **kwargs)
    assert LIFT not in fired(outputs) and LIFT_DS not in fired(outputs)
    for a, b in zip(f(), g()):
        np.testing.assert_array_equal(a, b)


def test_no_lift_when_the_draw_is_read_elsewhere():
    x = rnd.normal(0.0, 1.0, size=(100,), rng=_generator(1))
    _assert_no_lift([], [x[:10], x], no_default_updates=True)      # an output too
    _assert_no_lift([], [x[:10], x[5:20]], no_default_updates=True)  # indexed twice
    _assert_no_lift([], [x[:10], x.sum()], no_default_updates=True)  # read by a sum


def test_no_lift_when_the_next_generator_is_stored():
    rng = _generator(2)
    x = rnd.normal(0.0, 1.0, size=(100,), rng=rng)
    f = arignote.function([], x[:10], updates={rng: _next(x)})
    assert [d.outputs[1].type.shape for d in _draws(f)] == [(100,)]
    reference = np.random.default_rng(2)
    for _ in range(2):  # the next call continues from NumPy's generator after 100 numbers
        np.testing.assert_array_equal(f(), reference.normal(0.0, 1.0, size=100)[:10])


def test_no_lift_when_the_next_generator_draws_again():
    rng = _generator(4)
    x = rnd.normal(0.0, 1.0, size=(100,), rng=rng)
    y = rnd.normal(0.0, 1.0, size=(3,), rng=_next(x))
    f = arignote.function([], [x[:10], y], no_default_updates=True)
    assert LIFT not in fired([x[:10], y])
    reference = np.random.default_rng(4)
    a, b = f()
    np.testing.assert_array_equal(a, reference.normal(size=100)[:10])
    np.testing.assert_array_equal(b, reference.normal(size=3))


def test_default_updates_keep_the_draw_whole():
    # a draw made without a generator updates its own at each call: nothing is lifted
    x = rnd.normal(0.0, 1.0, size=(1000,))
    f = arignote.function([], x[:10])
    assert [d.outputs[1].type.shape for d in _draws(f)] == [(1000,)]
    # ... unless the function does not store the generator
    g = arignote.function([], x[:10], no_default_updates=True)
    assert [d.outputs[1].type.shape for d in _draws(g)] == [(10,)]


def test_no_lift_of_an_index_of_the_support():
    rng = _generator(6)
    pvals = at.constant(np.array([0.2, 0.3, 0.5]))
    draws = multinomial_rv.make_node(rng, [50], at.constant(np.int64(10)), pvals).outputs[1]
    _assert_no_lift([], [draws[:, 0]], no_default_updates=True)
    _assert_no_lift([], [draws.T], no_default_updates=True)
    # indexing only the batch axis lifts: the support stays whole
    out = draws[:5]
    f = arignote.function([], out, no_default_updates=True)
    assert LIFT in fired([out])
    np.testing.assert_array_equal(f(), np.random.default_rng(6).multinomial(10, [0.2, 0.3, 0.5], size=5))


def test_lift_of_a_vector_parameter():
    # categorical: p has one core axis; the draw none; p's batch axes are indexed
    rng = _generator(9)
    p = np.array([[0.1, 0.9], [0.5, 0.5], [0.9, 0.1]])
    out = rnd.categorical(at.constant(p), rng=rng)[1:]
    f = arignote.function([], out, no_default_updates=True)
    assert LIFT in fired([out])
    want = arignote.function([], rnd.categorical(at.constant(p[1:]), rng=_generator(9)),
                             no_default_updates=True)()
    np.testing.assert_array_equal(f(), want)


# --- dimshuffle lifted into the draw ---------------------------------------------------------

def test_transpose_of_a_draw_draws_transposed():
    rng = _generator(12)
    m = at.dmatrix("m")
    out = rnd.normal(m, 1.0, rng=rng).T
    f = arignote.function([m], out, no_default_updates=True)
    assert LIFT_DS in fired([out])
    values = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(f(values), np.random.default_rng(12).normal(values.T, 1.0))


def test_dimshuffle_lift_with_size_and_new_axes():
    rng = _generator(13)
    n = at.lscalar("n")
    loc = at.dvector("loc")
    out = rnd.normal(loc, 1.0, size=(n, 3), rng=rng).dimshuffle(1, "x", 0)
    f, g = _compile([n, loc], out, no_default_updates=True)
    assert LIFT_DS in fired([out])
    got = f(4, np.array([0.0, 10.0, 20.0]))
    assert got.shape == g(4, np.array([0.0, 10.0, 20.0])).shape == (3, 1, 4)
    want = np.random.default_rng(13).normal(np.array([0.0, 10.0, 20.0])[:, None, None], 1.0, size=(3, 1, 4))
    np.testing.assert_array_equal(got, want)


def test_new_and_dropped_length_one_axes_keep_the_numbers():
    # C order is unchanged: the same numbers as the unrewritten graph
    rng = _generator(14)
    loc = at.tensor(name="loc", dtype="float64", shape=(1, None))
    out = rnd.normal(loc, 1.0, rng=rng).dimshuffle(1, "x")  # (1, n) -> (n, 1)
    f, g = _compile([loc], out, no_default_updates=True)
    assert LIFT_DS in fired([out])
    values = np.arange(5.0)[None]
    np.testing.assert_array_equal(f(values), g(values))
    # and the broadcasting dimshuffle of ``draw + matrix``
    v, m = at.dvector("v"), at.dmatrix("m")
    out = rnd.normal(v, 1.0, rng=rng) + m
    f, g = _compile([v, m], out, no_default_updates=True)
    args = (np.arange(3.0), np.ones((2, 3)))
    np.testing.assert_array_equal(f(*args), g(*args))


def test_dimshuffle_lift_of_a_multivariate_draw_keeps_the_support_last():
    rng = _generator(17)
    n = np.array([[5, 10, 20], [30, 40, 50]])
    pvals = np.array([0.2, 0.3, 0.5])
    draws = multinomial_rv.make_node(rng, None, at.constant(n), at.constant(pvals)).outputs[1]  # (2, 3, 3)
    out = draws.dimshuffle(1, 0, 2)
    f = arignote.function([], out, no_default_updates=True)
    assert LIFT_DS in fired([out])
    np.testing.assert_array_equal(f(), np.random.default_rng(17).multinomial(n.T, pvals))


def test_no_dimshuffle_lift_when_the_draw_is_read_elsewhere():
    x = rnd.normal(at.constant(np.zeros((2, 3))), 1.0, rng=_generator(15))
    _assert_no_lift([], [x.T, x], no_default_updates=True)
    rng = _generator(16)
    y = rnd.normal(at.constant(np.zeros((2, 3))), 1.0, rng=rng)
    f = arignote.function([], y.T, updates={rng: _next(y)})
    assert LIFT_DS not in fired([y.T, _next(y)])
    np.testing.assert_array_equal(f(), np.random.default_rng(16).normal(np.zeros((2, 3))).T)


# --- 3. constant parameters broadcast statically ---------------------------------------------

def _broadcast_forms(n):
    return {
        "alloc": at.alloc(at.constant(2.0), n, 3),
        "broadcast_to": at.broadcast_to(at.constant(2.0), (n, 3)),
        "ones_times_c": at.ones((n, 3)) * 2.0,
        "row": at.alloc(at.constant(np.array([1.0, 2.0, 3.0])), n, 3),
    }


@pytest.mark.parametrize("form", ["alloc", "broadcast_to", "ones_times_c", "row"])
@pytest.mark.parametrize("static", [True, False])
def test_broadcast_constant_parameters_become_a_size(form, static):
    n = at.lscalar("n")
    rng = _generator(21)
    loc = _broadcast_forms(4 if static else n)[form]
    draw = rnd.normal(loc, 0.5, rng=rng)
    inputs = [] if static else [n]
    args = [] if static else [4]
    f = arignote.function(inputs, draw, updates={rng: _next(draw)})
    assert UNBROADCAST in fired([draw, _next(draw)])
    [node] = _draws(f)
    assert node.inputs[1].type.shape != (0,) and all(p.ndim <= 1 for p in node.inputs[2:])
    reference = np.random.default_rng(21)
    for _ in range(2):  # the numbers, and the generator after them, are NumPy's
        want = reference.normal(np.broadcast_to(2.0 if form != "row" else [1.0, 2.0, 3.0], (4, 3)), 0.5)
        np.testing.assert_array_equal(f(*args), want)
    rng_state = rng.get_value().bit_generator.state
    assert rng_state == reference.bit_generator.state


def test_a_folded_constant_that_repeats_a_value():
    rng = _generator(22)
    loc = np.tile(np.array([[1.0], [2.0]]), (1, 5))  # repeats along axis 1 only
    draw = rnd.normal(at.constant(loc), at.constant(np.full((2, 5), 3.0)), rng=rng)
    f, g = _compile([], draw, no_default_updates=True)
    assert UNBROADCAST in fired([draw])
    [node] = _draws(f)
    assert [p.type.shape for p in node.inputs[2:]] == [(2, 1), ()]
    np.testing.assert_array_equal(f(), g())


def test_unbroadcast_does_not_fire_without_a_repeated_constant():
    rng = _generator(23)
    n, c = at.lscalar("n"), at.dscalar("c")
    for loc in (at.alloc(c, n, 3), at.constant(np.arange(6.0).reshape(2, 3)), at.dvector("v")):
        draw = rnd.normal(loc, 1.0, rng=rng)
        assert UNBROADCAST not in fired([draw])
    # a broadcast that makes the support of a vector parameter stays (categorical's p)
    p = at.broadcast_to(at.constant(0.5), (n, 2))
    draw = rnd.categorical(p, rng=rng)
    assert UNBROADCAST not in fired([draw])


def test_unbroadcast_keeps_a_vector_parameter_core():
    rng = _generator(24)
    n = at.lscalar("n")
    p = at.alloc(at.constant(np.array([0.25, 0.75])), n, 2)
    draw = rnd.categorical(p, rng=rng)
    f, g = _compile([n], draw, no_default_updates=True)
    assert UNBROADCAST in fired([draw])
    [node] = _draws(f)
    assert node.inputs[1].type.shape != (0,) and node.inputs[2].type.shape == (2,)
    np.testing.assert_array_equal(f(50), g(50))


# parameters valid for each distribution, by name (a distribution not listed is skipped)
PARAMETERS = {"normal": (1.5, 2.0), "uniform": (-1.0, 3.0), "lognormal": (0.5, 0.3),
              "exponential": (2.0,), "gamma": (2.0, 3.0), "beta": (2.0, 5.0), "poisson": (4.0,),
              "binomial": (10, 0.3), "bernoulli": (0.3,), "integers": (2, 9),
              "categorical": (np.array([0.2, 0.3, 0.5]),), "beta_binomial": (10, 2.0, 3.0),
              "cauchy": (0.5, 2.0), "chisquare": (3.0,), "dirichlet": (np.array([1.0, 2.0, 3.0]),),
              "gengamma": (2.0, 1.5, 1.0), "geometric": (0.3,), "gumbel": (0.5, 2.0),
              "halfcauchy": (0.5, 2.0), "halfnormal": (0.5, 2.0), "hypergeometric": (10, 5, 7),
              "invgamma": (2.0, 1.0), "laplace": (0.5, 2.0), "logistic": (0.5, 2.0),
              "multinomial": (10, np.array([0.2, 0.3, 0.5])),
              "multivariate_normal": (np.array([0.0, 1.0]), np.array([[1.0, 0.5], [0.5, 2.0]])),
              "negative_binomial": (5, 0.3), "pareto": (3.0, 1.0), "rayleigh": (1.0,),
              "t": (3.0, 0.5, 2.0), "triangular": (0.0, 1.0, 3.0), "truncexpon": (2.0, 0.0, 1.0),
              "vonmises": (0.5, 2.0), "wald": (1.0, 2.0), "weibull": (2.0,)}


@pytest.mark.parametrize("name", sorted(rnd.RV_OPS))
def test_unbroadcast_keeps_every_distributions_numbers(name):
    op = rnd.RV_OPS[name]
    if not op.param_names:
        pytest.skip(f"{name} has no parameter to broadcast")
    if name not in PARAMETERS:
        pytest.skip(f"no parameter values for {name} in PARAMETERS: add some")
    params = [at.constant(np.broadcast_to(np.asarray(v), (6, 5, *np.shape(v)))) for v in PARAMETERS[name]]
    functions = []
    for mode in (None, REFERENCE):  # two generators of one seed: each function advances its own
        rng = _generator(31)
        draw = op.make_node(rng, None, *params).outputs[1]
        functions.append(arignote.function([], draw, updates={rng: _next(draw)}, mode=mode))
    assert UNBROADCAST in fired([draw, _next(draw)])
    f, g = functions
    for _ in range(2):
        np.testing.assert_array_equal(f(), g())


def test_numpy_broadcasts_parameters_as_a_size_does():
    # the claim the unbroadcast rule rests on, checked on NumPy itself
    for method, params in [("normal", (1.5, 2.0)), ("gamma", (0.5, 1.0)), ("binomial", (1000, 0.5)),
                           ("poisson", (50.0,)), ("integers", (0, 2 ** 40)), ("beta", (0.3, 0.4))]:
        a, b = np.random.default_rng(0), np.random.default_rng(0)
        broadcast = getattr(a, method)(*[np.full((7, 4), p) for p in params])
        sized = getattr(b, method)(*params, size=(7, 4))
        np.testing.assert_array_equal(broadcast, sized)
        assert a.bit_generator.state == b.bit_generator.state


# --- draws in the other phases ---------------------------------------------------------------

def test_an_unused_draw_whose_generator_is_stored_still_advances_it():
    rng = _generator(41)
    x = rnd.normal(0.0, 1.0, size=(7,), rng=rng)
    f = arignote.function([], [], updates={rng: _next(x)})
    assert len(_draws(f)) == 1  # the draw stays: the generator after it is the update
    reference = np.random.default_rng(41)
    for _ in range(3):
        f()
        reference.normal(0.0, 1.0, size=7)
        assert rng.get_value().bit_generator.state == reference.bit_generator.state


def test_an_unused_draw_that_a_later_draw_continues_from_stays():
    rng = _generator(42)
    x = rnd.normal(0.0, 1.0, size=(7,), rng=rng)
    y = rnd.uniform(0.0, 1.0, size=(2,), rng=_next(x))
    f = arignote.function([], y, no_default_updates=True)
    assert len(_draws(f)) == 2
    reference = np.random.default_rng(42)
    reference.normal(size=7)
    np.testing.assert_array_equal(f(), reference.uniform(size=2))


def test_a_draw_nothing_reads_is_not_compiled():
    rng = _generator(43)
    rnd.normal(0.0, 1.0, size=(7,), rng=rng)
    f = arignote.function([], at.constant(1.0) + 1.0)
    assert _draws(f) == []


def test_draws_from_two_generators_are_never_merged():
    same_a, same_b, other = _generator(7), _generator(7), _generator(8)
    a = rnd.normal(0.0, 1.0, size=(5,), rng=same_a)
    b = rnd.normal(0.0, 1.0, size=(5,), rng=same_b)
    c = rnd.normal(0.0, 1.0, size=(5,), rng=other)
    outs = [a + b, a - b, a * c, at.exp(b) + c]
    f = arignote.function([], outs, no_default_updates=True)
    assert len(_draws(f)) == 3
    na, nb, nc = (np.random.default_rng(s).normal(size=5) for s in (7, 7, 8))
    got = f()
    # equal seeds give equal numbers, as NumPy does; the draws stay separate nodes
    np.testing.assert_array_equal(got[0], na + nb)
    np.testing.assert_array_equal(got[1], np.zeros(5))
    np.testing.assert_array_equal(got[2], na * nc)
    np.testing.assert_allclose(got[3], np.exp(nb) + nc, rtol=1e-13)  # C's exp may differ by an ulp


def test_the_same_generator_twice_is_one_draw():
    rng = _generator(9)
    a = rnd.normal(0.0, 1.0, size=(5,), rng=rng)
    b = rnd.normal(0.0, 1.0, size=(5,), rng=rng)
    assert a is b  # interned: one draw, the numbers NumPy gives one state
    f = arignote.function([], [a, b * 2.0], no_default_updates=True)
    assert len(_draws(f)) == 1
    got = f()
    want = np.random.default_rng(9).normal(size=5)
    np.testing.assert_array_equal(got[0], want)
    np.testing.assert_array_equal(got[1], want * 2.0)


def test_a_draw_from_a_constant_generator_is_not_folded():
    generator = intern_constant(random_generator_type, np.random.default_rng(44))
    draw = rnd.normal(at.constant(0.0), at.constant(1.0), size=(3,), rng=generator)
    f = arignote.function([], draw * 2.0)
    assert len(_draws(f)) == 1
    want = np.random.default_rng(44).normal(size=3) * 2.0
    for _ in range(2):  # a constant generator gives the same numbers at every call
        np.testing.assert_array_equal(f(), want)


def test_unbroadcast_leaves_a_draw_without_size_alone():
    # choice takes its sample shape as a parameter and draws the batch of p it is given
    rng = _generator(25)
    p = at.constant(np.full((4, 5), 0.2))
    draw = rnd.choice(5, size=(2,), replace=False, p=p, rng=rng)
    f, g = _compile([], draw, no_default_updates=True)
    assert UNBROADCAST not in fired([draw])
    assert f().shape == (4, 2)
    np.testing.assert_array_equal(f(), g())


def test_unbroadcast_then_lift():
    # the parameter loses its broadcast (exact), then the index goes into the draw
    rng = _generator(26)
    out = rnd.normal(at.ones((100, 3)) * 2.0, 1.0, rng=rng)[:5]
    f = arignote.function([], out, no_default_updates=True)
    assert {UNBROADCAST, LIFT} <= set(fired([out]))
    [node] = _draws(f)
    assert node.outputs[1].type.shape == (5, 3)
    np.testing.assert_array_equal(f(), np.random.default_rng(26).normal(2.0, 1.0, size=(5, 3)))


def test_an_index_out_of_range_still_raises():
    rng = _generator(27)
    i, n = at.lscalar("i"), at.lscalar("n")
    for out, given, value in [(rnd.normal(0.0, 1.0, size=(5,), rng=rng)[i], i, 7),
                              (rnd.normal(0.0, 1.0, size=(n,), rng=rng)[3], n, 2)]:
        f = arignote.function([given], out, no_default_updates=True)
        assert LIFT not in fired([out])
        with pytest.raises(IndexError):
            f(value)
    # a parameter indexed on that axis checks the index, as the draw did
    mu = at.dvector("mu")
    out = rnd.normal(mu, 1.0, size=(5,), rng=rng)[i]
    f = arignote.function([mu, i], out, no_default_updates=True)
    assert LIFT in fired([out])
    with pytest.raises(IndexError):
        f(np.zeros(5), 7)
