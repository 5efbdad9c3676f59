"""The core of ``at.random``: generators as values, draws as pure nodes, default updates,
``RandomStream``, and the first distributions (arignote/tensor/random/basic.py) against NumPy
(bit for bit, same seed and calls) and scipy.stats (a goodness-of-fit test at a fixed seed)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.graph.op import NotDifferentiable
from arignote.tensor import random as rnd

MODES = ["PY", "C"]
#: a goodness-of-fit test at a fixed seed fails by chance with this probability
P_VALUE = 1e-3


def _generator(seed=0):
    return arignote.shared(np.random.default_rng(seed))


def _numpy_mode():
    """The run's mode, or PY under ``--mode JAX``: JAX draws from keys, not NumPy's streams, so
    a comparison with NumPy's numbers needs a NumPy backend."""
    return "PY" if arignote.config.mode == "JAX" else None


# (user function, its parameters, the NumPy Generator call with the same meaning)
SAME_AS_NUMPY = [
    (rnd.normal, (1.5, 2.0), lambda g, size: g.normal(1.5, 2.0, size=size)),
    (rnd.standard_normal, (), lambda g, size: g.standard_normal(size=size)),
    (rnd.uniform, (-1.0, 3.0), lambda g, size: g.uniform(-1.0, 3.0, size=size)),
    (rnd.lognormal, (0.5, 0.3), lambda g, size: g.lognormal(0.5, 0.3, size=size)),
    (rnd.exponential, (2.0,), lambda g, size: g.exponential(2.0, size=size)),
    (lambda *p, **k: rnd.gamma(2.0, scale=3.0, **k), (), lambda g, size: g.gamma(2.0, 3.0, size=size)),
    (rnd.beta, (2.0, 5.0), lambda g, size: g.beta(2.0, 5.0, size=size)),
    (rnd.poisson, (4.0,), lambda g, size: g.poisson(4.0, size=size)),
    (rnd.binomial, (10, 0.3), lambda g, size: g.binomial(10, 0.3, size=size)),
    (rnd.bernoulli, (0.3,), lambda g, size: g.binomial(1, 0.3, size=size)),
    (rnd.integers, (2, 9), lambda g, size: g.integers(2, 9, size=size)),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", range(len(SAME_AS_NUMPY)))
def test_draws_are_numpys_bit_for_bit(mode, case):
    function, params, numpy_call = SAME_AS_NUMPY[case]
    rng = _generator(11)
    draw = function(*params, size=(3, 4), rng=rng)
    f = arignote.function([], draw, updates={rng: draw.owner.outputs[0]}, mode=mode)
    reference = np.random.default_rng(11)
    for _ in range(3):  # each call continues from the generator the last one left
        got, want = f(), numpy_call(reference, (3, 4))
        np.testing.assert_array_equal(got, want)
        expected = np.dtype("int64") if want.dtype.kind == "i" else np.dtype(arignote.config.floatX)
        assert got.dtype == expected


@pytest.mark.parametrize("mode", MODES)
def test_parameters_broadcast_as_in_numpy(mode):
    loc = at.dmatrix("loc")
    scale = at.dvector("scale")
    rng = _generator(3)
    draw = rnd.normal(loc, scale, rng=rng)
    assert draw.type.ndim == 2
    locs, scales = np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 3.0])
    got = arignote.function([loc, scale], draw, mode=mode)(locs, scales)
    np.testing.assert_array_equal(got, np.random.default_rng(3).normal(locs, scales))
    sized = rnd.normal(loc, scale, size=(4, 2, 3), rng=rng)
    got = arignote.function([loc, scale], sized, mode=mode)(locs, scales)
    np.testing.assert_array_equal(got, np.random.default_rng(3).normal(locs, scales, size=(4, 2, 3)))


def test_static_shapes_when_the_graph_is_built():
    assert rnd.normal(0, 1, size=(5, 2)).type.shape == (5, 2)
    assert rnd.normal(np.zeros(3), 1).type.shape == (3,)
    assert rnd.normal(at.dvector("m"), np.ones((2, 1))).type.shape == (2, None)
    n = at.iscalar("n")
    assert rnd.uniform(size=(n, 4)).type.shape == (None, 4)
    with pytest.raises(ValueError, match="normal"):
        rnd.normal(np.zeros(3), 1, size=(4,))  # (3,) does not broadcast to (4,)
    assert rnd.categorical(np.full((2, 4), 0.25)).type.shape == (2,)


@pytest.mark.parametrize("build, message", [
    (lambda: rnd.normal(0.0, -1.0), "normal: scale must be non-negative"),
    (lambda: rnd.binomial(5, 1.5), "binomial: p must be in \\[0, 1\\]"),
    (lambda: rnd.beta(0.0, 1.0), "beta: alpha must be positive"),
    (lambda: rnd.poisson(-2.0), "poisson: lam must be non-negative"),
    (lambda: rnd.categorical([0.5, 0.6]), "categorical: p must be non-negative and summing to 1"),
])
@pytest.mark.parametrize("mode", MODES)
def test_bad_parameters_name_the_distribution_and_the_parameter(build, message, mode):
    f = arignote.function([], build(), mode=mode)
    with pytest.raises(ValueError, match=message):
        f()


GOODNESS_OF_FIT = [
    (lambda size, rng: rnd.normal(1.0, 2.0, size=size, rng=rng), st.norm(1.0, 2.0)),
    (lambda size, rng: rnd.uniform(-1.0, 3.0, size=size, rng=rng), st.uniform(-1.0, 4.0)),
    (lambda size, rng: rnd.lognormal(0.5, 0.3, size=size, rng=rng), st.lognorm(0.3, scale=np.exp(0.5))),
    (lambda size, rng: rnd.exponential(2.0, size=size, rng=rng), st.expon(scale=2.0)),
    (lambda size, rng: rnd.gamma(2.0, rate=0.5, size=size, rng=rng), st.gamma(2.0, scale=2.0)),
    (lambda size, rng: rnd.beta(2.0, 5.0, size=size, rng=rng), st.beta(2.0, 5.0)),
]


@pytest.mark.parametrize("case", range(len(GOODNESS_OF_FIT)))
def test_continuous_distributions_fit_scipy(case):
    build, dist = GOODNESS_OF_FIT[case]
    with arignote.config.change_flags(floatX="float64"):
        values = arignote.function([], build((5000,), _generator(2024)))()
    assert st.kstest(values, dist.cdf).pvalue > P_VALUE


@pytest.mark.parametrize("build, pmf, support", [
    (lambda size, rng: rnd.poisson(4.0, size=size, rng=rng), st.poisson(4.0).pmf, range(0, 12)),
    (lambda size, rng: rnd.binomial(10, 0.3, size=size, rng=rng), st.binom(10, 0.3).pmf, range(0, 8)),
    (lambda size, rng: rnd.bernoulli(0.3, size=size, rng=rng), st.bernoulli(0.3).pmf, range(0, 2)),
    (lambda size, rng: rnd.categorical([0.1, 0.2, 0.7], size=size, rng=rng),
     lambda k: np.array([0.1, 0.2, 0.7])[k], range(0, 3)),
    (lambda size, rng: rnd.integers(2, 6, size=size, rng=rng), lambda k: np.full(np.shape(k), 0.25),
     range(2, 6)),
])
def test_discrete_distributions_fit_scipy(build, pmf, support):
    values = arignote.function([], build((5000,), _generator(2024)))()
    ks = np.array(list(support))
    observed = np.array([np.sum(values == k) for k in ks])
    expected = pmf(ks) * len(values)
    # the tail beyond the listed support is one more bin
    observed = np.append(observed, len(values) - observed.sum())
    expected = np.append(expected, len(values) - expected.sum())
    keep = expected > 5  # the chi-squared approximation needs expected counts above 5
    stat = np.sum((observed[keep] - expected[keep]) ** 2 / expected[keep])
    assert st.chi2(keep.sum() - 1).sf(stat) > P_VALUE


def test_default_updates_give_new_numbers_and_can_be_turned_off():
    draw = rnd.normal(0, 1, size=(3,))  # a generator of its own, with a default update
    rng = draw.owner.inputs[0]
    assert rng.default_update is draw.owner.outputs[0]
    f = arignote.function([], draw)
    assert not np.array_equal(f(), f())
    frozen = arignote.function([], draw, no_default_updates=True)
    np.testing.assert_array_equal(frozen(), frozen())
    listed = arignote.function([], draw, no_default_updates=[rng])
    np.testing.assert_array_equal(listed(), listed())


def test_an_explicit_generator_is_updated_only_when_asked():
    rng = _generator(5)
    draw = rnd.uniform(size=(2,), rng=rng)
    f = arignote.function([], draw)
    np.testing.assert_array_equal(f(), f())  # PyTensor: no default update for a given generator
    g = arignote.function([], draw, updates={rng: draw.owner.outputs[0]})
    assert not np.array_equal(g(), g())
    with pytest.raises(TypeError, match="RandomGenerator"):
        arignote.function([], draw, updates={rng: draw})


def test_same_generator_value_same_draw_different_generators_different_draws():
    rng = _generator(1)
    a, b = rnd.normal(0, 1, size=(4,), rng=rng), rnd.normal(0, 1, size=(4,), rng=rng)
    assert a is b  # interned: the same generator value draws the same numbers
    other = _generator(1)
    c = rnd.normal(0, 1, size=(4,), rng=other)
    assert c is not a
    f = arignote.function([], [a, c, rnd.normal(0, 1, size=(4,), rng=_generator(2))])
    x, y, z = f()
    np.testing.assert_array_equal(x, y)  # equal seeds: equal numbers, two nodes
    assert not np.array_equal(x, z)
    # chained: the second draw reads the generator the first one left
    first = rnd.normal(0, 1, size=(2,), rng=rng)
    second = rnd.normal(0, 1, size=(2,), rng=first.owner.outputs[0])
    u, v = arignote.function([], [first, second], mode=_numpy_mode())()
    reference = np.random.default_rng(1)
    np.testing.assert_array_equal(u, reference.normal(0, 1, size=2))
    np.testing.assert_array_equal(v, reference.normal(0, 1, size=2))


def test_draws_are_never_folded():
    rng = _generator(4)
    draw = rnd.normal(0.0, 1.0, size=(2,), rng=rng)
    f = arignote.function([], draw * 2.0, updates={rng: draw.owner.outputs[0]})
    assert not np.array_equal(f(), f())


def test_shared_generators_copy_their_value():
    generator = np.random.default_rng(9)
    rng = arignote.shared(generator)
    assert rng.get_value() is not generator and rng.get_value(borrow=True) is not generator
    state = rng.get_value().bit_generator.state
    rng.get_value().standard_normal(5)  # a copy: the shared state is left alone
    assert rng.get_value().bit_generator.state == state
    rng.set_value(np.random.default_rng(1))
    with pytest.raises(TypeError, match="Generator"):
        rng.set_value(np.zeros(3))


def test_random_stream_seeds_reproducibly():
    stream = rnd.RandomStream(123)
    draw = stream.normal(0, 1, size=(3,))
    other = stream.uniform(size=(2,))
    assert len(stream.state_updates) == 2
    f = arignote.function([], [draw, other])
    first, second = f(), f()
    assert not np.array_equal(first[0], second[0])
    stream.seed(123)
    again = f()
    for x, y in zip(first, again):
        np.testing.assert_array_equal(x, y)
    fresh = rnd.RandomStream(123)
    np.testing.assert_array_equal(arignote.function([], fresh.normal(0, 1, size=(3,)))(), first[0])
    with pytest.raises(AttributeError, match="no distribution"):
        stream.not_a_distribution()
    gen_draw = stream.gen(rnd.RV_OPS["normal"], 0.0, 1.0, size=(2,))
    assert gen_draw.type.shape == (2,)


def test_draws_are_not_differentiable_by_default():
    mu = at.dscalar("mu")
    draw = rnd.beta(at.exp(mu), 1.0, size=(2,), rng=_generator())  # no reparameterisation
    with pytest.raises(NotDifferentiable, match="beta"):
        arignote.grad(draw.sum(), mu)


def test_draws_batch_for_vectorized_graphs():
    from arignote.autodiff.vectorize import vectorize_graph

    rng = _generator(2)
    mu = at.dvector("mu")
    mus = at.dmatrix("mus")
    for draw, shape in ((rnd.normal(mu, 1.0, rng=rng), (2, 3)),
                        (rnd.normal(mu, 1.0, size=(4, 3), rng=rng), (2, 4, 3))):
        (batched,) = vectorize_graph([draw], {mu: mus}, mus.shape[0])
        values = arignote.function([mus], batched)(np.zeros((2, 3)))
        assert values.shape == shape


def test_the_jax_backend_draws_from_keys():
    # the JAX backend's own tests: tests/backend/jax/test_random.py
    pytest.importorskip("jax")
    draw = rnd.normal(0, 1, size=(2,), rng=_generator())
    f = arignote.function([], draw, mode="JAX")
    np.testing.assert_array_equal(f(), f())  # no update: the same key, the same numbers
    assert f().shape == (2,) and np.all(np.isfinite(f()))


def test_draws_inside_a_loop_are_carried_not_repeated():
    # the stream's generator is carried by the loop (tests/loop/test_random_carries.py has more)
    stream = rnd.RandomStream(1)
    h0 = at.dvector("h0")
    out, updates = arignote.scan(lambda h: h + stream.normal(0, 1, size=(2,)), outputs_info=h0, n_steps=5)
    assert len(updates) == 1  # the stream's generator, carried by the loop
    steps = np.diff(arignote.function([h0], out, updates=updates)(np.zeros(2)), axis=0)
    assert len({tuple(row) for row in steps}) == 4  # new numbers at each step
    # drawing outside, as a sequence, works as before
    noise = stream.normal(0, 1, size=(5, 2))
    out, _ = arignote.scan(lambda e, h: h + e, sequences=noise, outputs_info=h0)
    f = arignote.function([h0], [out, noise], no_default_updates=True)
    path, draws = f(np.zeros(2))
    np.testing.assert_allclose(path, np.cumsum(draws, axis=0))


@pytest.mark.parametrize("mode", MODES)
def test_pytensor_3_api_generators_as_inputs_and_outputs(mode):
    # the numbers of PyTensor's PRNG tutorial: NumPy's, from the same generator
    rng = at.random.rng("rng")
    next_rng, x = at.random.uniform(rng=rng, size=2, return_next_rng=True)
    f = arignote.function([rng], x, mode=mode)
    value = np.random.default_rng(123)
    np.testing.assert_allclose(f(value), [0.68235186, 0.05382102], rtol=1e-7)
    np.testing.assert_allclose(f(value), [0.68235186, 0.05382102], rtol=1e-7)  # the input is not changed
    g = arignote.function([rng], [next_rng, x], mode=mode)
    state, first = g(np.random.default_rng(123))
    _, second = g(state)
    np.testing.assert_allclose(np.concatenate([first, second]),
                               np.random.default_rng(123).uniform(size=4), rtol=0)


def test_pytensor_3_api_shared_rngs_methods_and_reseeding():
    rng = at.random.shared_rng(np.random.default_rng(123))
    next_rng, x = at.random.uniform(rng=rng, return_next_rng=True)
    f = arignote.function([], x, updates={rng: next_rng}, mode=_numpy_mode())
    np.testing.assert_allclose([f(), f(), f()], np.random.default_rng(123).uniform(size=3), rtol=0)
    seeded = at.random.shared_rng(seed=123)
    next_rng, y = seeded.normal()
    g = arignote.function([], y, updates={seeded: next_rng})
    first = g()
    seeded.set_value(seed=123)
    assert g() == first
    _, z = next_rng.normal()  # a generator variable's methods chain the draws
    seeded.set_value(seed=123)
    both = arignote.function([], [y, z], mode=_numpy_mode())()
    reference = np.random.default_rng(123)
    np.testing.assert_array_equal(both, [reference.normal(), reference.normal()])
    with pytest.raises(AttributeError, match="no attribute or distribution"):
        seeded.not_a_distribution()


@pytest.mark.parametrize("mode", MODES)
def test_a_generator_both_output_and_update_stays_a_generator(mode):
    rng = at.random.shared_rng(seed=1)
    next_rng, x = rng.normal()
    f = arignote.function([], [next_rng, x], updates={rng: next_rng}, mode=mode)
    given, _ = f()
    assert isinstance(given, np.random.Generator) and isinstance(rng.get_value(), np.random.Generator)
    assert given is not rng.get_value(borrow=True)  # the output is the caller's own copy


def _in_place_draws(f):
    from arignote.graph.traversal import toposort
    from arignote.tensor.random.op import RandomVariable

    return sum(isinstance(n.op, RandomVariable) and n.op.inplace for n in toposort(f.graph_outputs))


@pytest.mark.parametrize("mode", MODES)
def test_a_generator_the_call_replaces_is_drawn_from_in_place(mode):
    rng = at.random.shared_rng(seed=1)
    next_rng, x = rng.uniform(size=(2,))
    f = arignote.function([], x, updates={rng: next_rng}, mode=mode)
    assert _in_place_draws(f) == 1  # no copy of the generator
    reference = np.random.default_rng(1)
    for _ in range(3):
        np.testing.assert_array_equal(f(), reference.uniform(size=2))
    assert rng.get_value().bit_generator.state == reference.bit_generator.state
    # another draw reads the old generator too: it must stay as it was, so both copy
    _, y = rng.normal()
    g = arignote.function([], [x, y], updates={rng: next_rng}, mode=mode)
    assert _in_place_draws(g) == 0
    before = rng.get_value()
    first, _ = g()
    np.testing.assert_array_equal(first, before.uniform(size=2))
    # the next generator also an output: the caller's copy must not be the shared value
    h = arignote.function([], [next_rng, x], updates={rng: next_rng}, mode=mode)
    given, _ = h()
    assert given is not rng.get_value(borrow=True)


@pytest.mark.parametrize("mode", MODES)
def test_a_chain_of_draws_the_call_replaces_draws_in_place(mode):
    rng = at.random.shared_rng(seed=2)
    r1, x = rng.normal(size=(2,))
    r2, y = r1.uniform(size=(3,))
    f = arignote.function([], [x, y], updates={rng: r2}, mode=mode)
    assert _in_place_draws(f) == 2
    reference = np.random.default_rng(2)
    for _ in range(2):
        a, b = f()
        np.testing.assert_array_equal(a, reference.normal(size=2))
        np.testing.assert_array_equal(b, reference.uniform(size=3))
    assert rng.get_value().bit_generator.state == reference.bit_generator.state
    # the middle generator also an output: the second draw must copy it (the caller gets the
    # state after the first draw)
    g = arignote.function([], [r1, y], updates={rng: r2}, mode=mode)
    assert _in_place_draws(g) == 1
    before = rng.get_value()
    middle, b = g()
    before.normal(size=2)
    assert middle.bit_generator.state == before.bit_generator.state
    np.testing.assert_array_equal(b, before.uniform(size=3))
    # no update: nothing may consume the shared generator
    h = arignote.function([], [x, y], mode=mode)
    assert _in_place_draws(h) == 0


def test_default_updates_draw_in_place_too():
    stream = rnd.RandomStream(5)
    draw = stream.normal(0, 1, size=(3,))
    f = arignote.function([], draw, mode=_numpy_mode())
    assert _in_place_draws(f) == 1
    child = np.random.SeedSequence(5).spawn(1)[0]
    reference = np.random.default_rng(child)
    for _ in range(2):
        np.testing.assert_array_equal(f(), reference.normal(0, 1, size=3))
