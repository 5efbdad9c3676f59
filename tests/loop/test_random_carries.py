"""Loops that carry random generators, so that a step draws new numbers (arignote/loop/).

PyTensor 3's rule (its PRNG tutorial, "Random variables in inner graphs"): a draw inside a
step sees the same generator at every step unless the generator is threaded, passed in
``outputs_info`` and returned as the step's next generator; generators made inside the step
with a default update (``RandomStream``'s, a draw without ``rng``) are carried by scan and
returned in its updates.  The numbers are NumPy's: ``n`` steps of ``normal(size=(2,))`` from a
carried generator are ``default_rng(seed).normal(size=(n, 2))``, row by row.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.loop import LoopTypeError
from arignote.tensor.random.op import RandomVariable

# None: the run's default mode (C where a compiler is found); under --mode JAX, C instead: JAX
# draws from keys, not NumPy's streams, and these tests compare with NumPy's numbers
MODES = ["PY", "C" if arignote.config.mode == "JAX" else None]
SEED = 123


def _state(generator: np.random.Generator) -> dict:
    return generator.bit_generator.state


def _normal_step(rng):
    next_rng, x = rng.normal(size=(2,))
    return x, next_rng


# --- explicit threading ----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_threaded_generator_draws_numpys_numbers_and_moves_on(mode):
    rng = at.random.shared_rng(seed=SEED)
    xs, final_rng = arignote.scan(_normal_step, outputs_info=[None, rng], n_steps=5, return_updates=False)
    assert final_rng.type == rng.type  # the final generator itself, not a stack (as PyTensor 3)
    f = arignote.function([], xs, updates={rng: final_rng}, mode=mode)
    reference = np.random.default_rng(SEED)
    np.testing.assert_array_equal(f(), reference.normal(size=(5, 2)))
    np.testing.assert_array_equal(f(), reference.normal(size=(5, 2)))
    # the shared generator is where NumPy's is after the same draws
    assert _state(rng.get_value()) == _state(reference)


@pytest.mark.parametrize("mode", MODES)
def test_the_pytensor_tutorial_numbers(mode):
    rng = at.random.shared_rng(np.random.default_rng(123))

    def random_step(rng):
        next_rng, x = rng.normal()
        return x, next_rng

    draws, final_rng = arignote.scan(random_step, outputs_info=[None, rng], n_steps=5, return_updates=False)
    f = arignote.function([], draws, updates={rng: final_rng}, mode=mode)
    np.testing.assert_allclose(f(), [-0.98912135, -0.36778665, 1.28792526, 0.19397442, 0.9202309])
    np.testing.assert_allclose(f(), [0.57710379, -0.63646365, 0.54195222, -0.31659545, -0.32238912])


@pytest.mark.parametrize("mode", MODES)
def test_several_draws_per_step_and_a_recurrent_output(mode):
    rng = at.random.shared_rng(seed=SEED)

    def step(h, rng):
        rng, a = rng.normal(size=(2,))
        rng, b = rng.uniform(size=(2,))
        return h + a * b, rng

    (hs, final_rng), updates = arignote.scan(step, outputs_info=[at.zeros((2,)), rng], n_steps=4)
    assert not updates
    f = arignote.function([], [hs, final_rng], mode=mode)
    values, generator = f()
    reference = np.random.default_rng(SEED)
    h, rows = np.zeros(2), []
    for _ in range(4):
        a = reference.normal(size=2)
        h = h + a * reference.uniform(size=2)
        rows.append(h)
    np.testing.assert_allclose(values, rows, rtol=1e-12)
    assert _state(generator) == _state(reference)
    # no update given: the shared generator is where it was
    assert _state(rng.get_value()) == _state(np.random.default_rng(SEED))


def _loop_node(outputs):
    from arignote.graph.traversal import toposort
    from arignote.loop.op import Loop

    (node,) = [n for n in toposort(outputs) if isinstance(n.op, Loop)]
    return node


@pytest.mark.parametrize("mode", MODES)
def test_a_loop_copies_its_generator_once_and_draws_in_place(mode):
    from arignote.loop.execute import _consumed_generators

    rng = at.random.rng("rng")

    def step(h, g):
        g, a = g.normal(size=(2,))
        g, b = g.uniform(size=(2,))
        return h + a * b, g

    hs, final = arignote.scan(step, outputs_info=[at.zeros((2,)), rng], n_steps=4, return_updates=False)
    draws, copied = _consumed_generators(_loop_node([hs, final]).op)
    assert len(draws) == 2 and copied == [1]  # both draws of the chain, one copy of carry 1
    f = arignote.function([rng], [hs, final], mode=mode)
    given = np.random.default_rng(SEED)
    values, generator = f(given)
    assert _state(given) == _state(np.random.default_rng(SEED))  # the caller's is untouched
    reference = np.random.default_rng(SEED)
    h, rows = np.zeros(2), []
    for _ in range(4):
        a = reference.normal(size=2)
        h = h + a * reference.uniform(size=2)
        rows.append(h)
    np.testing.assert_array_equal(values, rows)
    assert _state(generator) == _state(reference)
    # a second call from the same generator gives the same numbers (nothing leaked between calls)
    np.testing.assert_array_equal(f(given)[0], values)


@pytest.mark.parametrize("mode", MODES)
def test_a_generator_read_twice_in_a_step_is_not_consumed(mode):
    from arignote.loop.execute import _consumed_generators

    rng = at.random.rng("rng")

    def step(g):
        _, a = g.uniform(size=(2,))
        g2, b = g.normal(size=(2,))  # from the same generator state as a
        return a + b, g2

    sums, final = arignote.scan(step, outputs_info=[None, rng], n_steps=3, return_updates=False)
    draws, copied = _consumed_generators(_loop_node([sums, final]).op)
    assert not draws and not copied  # the carry is read twice: both draws copy it
    values, _ = arignote.function([rng], [sums, final], mode=mode)(np.random.default_rng(SEED))
    reference, rows = np.random.default_rng(SEED), []
    for _ in range(3):
        a = copy.deepcopy(reference).uniform(size=2)
        rows.append(a + reference.normal(size=2))
    np.testing.assert_array_equal(values, rows)


@pytest.mark.parametrize("mode", MODES)
def test_a_step_returning_its_shared_generators_update(mode):
    # PyTensor's other form: the step reads the shared generator and returns {rng: next_rng}
    rng = at.random.shared_rng(seed=SEED)

    def step():
        next_rng, x = rng.normal(size=(2,))
        return x, {rng: next_rng}

    xs, updates = arignote.scan(step, n_steps=3)
    assert list(updates) == [rng]
    f = arignote.function([], xs, updates=updates, mode=mode)
    reference = np.random.default_rng(SEED)
    np.testing.assert_array_equal(f(), reference.normal(size=(3, 2)))
    np.testing.assert_array_equal(f(), reference.normal(size=(3, 2)))


@pytest.mark.parametrize("mode", MODES)
def test_carry_style_loop_with_a_generator_leaf(mode):
    rng = at.random.shared_rng(seed=SEED)

    def step(carry, x):
        total, generator = carry
        generator, draw = generator.normal(x, 1.0)
        return (total + draw, generator), draw

    xs = np.arange(6.0).reshape(3, 2)
    (total, final_rng), draws = arignote.loop(step, (at.zeros((2,)), rng), xs)
    f = arignote.function([], [total, draws], updates={rng: final_rng}, mode=mode)
    reference = np.random.default_rng(SEED)
    for _ in range(2):
        expected = np.stack([reference.normal(row, 1.0) for row in xs])
        got_total, got = f()
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_allclose(got_total, expected.sum(axis=0))
    assert _state(rng.get_value()) == _state(reference)


# --- generators carried automatically ---------------------------------------------------


def _stream_reference(seed: int) -> np.random.Generator:
    # RandomStream(seed)'s first generator
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])


@pytest.mark.parametrize("mode", MODES)
def test_random_stream_draws_in_a_step_are_carried(mode):
    stream = at.random.RandomStream(seed=7)
    hs, updates = arignote.scan(lambda h: h + stream.normal(size=(2,)), outputs_info=[at.zeros((2,))],
                                n_steps=4)
    ((generator, _),) = updates.items()
    # its default update (an expression of the step) is cleared, as PyTensor's scan does
    assert generator.default_update is None
    f = arignote.function([], hs, updates=updates, mode=mode)
    reference = _stream_reference(7)
    np.testing.assert_allclose(f(), np.cumsum(reference.normal(size=(4, 2)), axis=0), rtol=1e-12)
    np.testing.assert_allclose(f(), np.cumsum(reference.normal(size=(4, 2)), axis=0), rtol=1e-12)
    assert _state(generator.get_value()) == _state(reference)
    # reseeding the stream starts over
    stream.seed(7)
    np.testing.assert_allclose(f(), np.cumsum(_stream_reference(7).normal(size=(4, 2)), axis=0),
                               rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_a_draw_without_rng_in_a_step_is_carried(mode):
    xs, updates = arignote.scan(lambda: at.random.normal(size=(2,)), n_steps=3)
    ((generator, _),) = updates.items()
    generator.set_value(seed=SEED)
    f = arignote.function([], xs, updates=updates, mode=mode)
    reference = np.random.default_rng(SEED)
    np.testing.assert_array_equal(f(), reference.normal(size=(3, 2)))
    np.testing.assert_array_equal(f(), reference.normal(size=(3, 2)))


@pytest.mark.parametrize("mode", MODES)
def test_carry_style_loop_carries_its_streams_and_sets_their_default_update(mode):
    stream = at.random.RandomStream(seed=3)

    def step(h, _):
        h = h + stream.normal(size=(2,))
        return h, h

    _, hs = arignote.loop(step, at.zeros((2,)), n_steps=4)
    ((generator, _),) = stream.state_updates
    assert generator.default_update is not None and generator.default_update.owner.op is hs.owner.op
    f = arignote.function([], hs, mode=mode)  # the default update moves the generator on
    reference = _stream_reference(3)
    np.testing.assert_allclose(f(), np.cumsum(reference.normal(size=(4, 2)), axis=0), rtol=1e-12)
    np.testing.assert_allclose(f(), np.cumsum(reference.normal(size=(4, 2)), axis=0), rtol=1e-12)
    assert _state(generator.get_value()) == _state(reference)


def test_outer_draws_read_by_a_step_stay_outside():
    # a draw made before the scan is one value: the step reads it, the loop does not carry it
    stream = at.random.RandomStream(seed=5)
    noise = stream.normal(size=(2,))
    hs, updates = arignote.scan(lambda h: h + noise, outputs_info=[at.zeros((2,))], n_steps=3)
    assert not updates
    values = arignote.function([], hs)()
    np.testing.assert_allclose(np.diff(values, axis=0), np.tile(values[0], (2, 1)))


@pytest.mark.parametrize("mode", MODES)
def test_nested_scans_pass_their_streams_generator_outwards(mode):
    stream = at.random.RandomStream(seed=11)

    def outer(h):
        inner, updates = arignote.scan(lambda g: g + stream.normal(size=(2,)), outputs_info=[h], n_steps=3)
        return inner[-1], updates  # the inner scan's updates: the outer one carries them on

    hs, updates = arignote.scan(outer, outputs_info=[at.zeros((2,))], n_steps=2)
    assert len(updates) == 1
    got = arignote.function([], hs, updates=updates, mode=mode)()
    walk = np.cumsum(_stream_reference(11).normal(size=(6, 2)), axis=0)
    np.testing.assert_allclose(got, walk[[2, 5]], rtol=1e-12)


# --- while loops ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_while_loop_draws_until_a_draw_is_large(mode):
    rng = at.random.shared_rng(seed=SEED)

    def step(rng):
        next_rng, u = rng.uniform()
        return [u, next_rng], arignote.until(u > 0.9)

    (us, final_rng), _ = arignote.scan(step, outputs_info=[None, rng], n_steps=1000)
    f = arignote.function([], us, updates={rng: final_rng}, mode=mode)
    reference = np.random.default_rng(SEED)
    for _ in range(3):
        expected = []
        while not expected or expected[-1] <= 0.9:
            expected.append(reference.uniform())
        np.testing.assert_array_equal(f(), expected)
    assert _state(rng.get_value()) == _state(reference)


@pytest.mark.parametrize("mode", MODES)
def test_carry_style_while_loop_with_draws(mode):
    rng = at.random.shared_rng(seed=SEED)

    def step(carry, _):
        total, generator = carry
        generator, u = generator.uniform()
        total = total + u
        return (total, generator), u, total > 3.0

    (total, final_rng), us = arignote.loop(step, (at.as_tensor_variable(0.0), rng))
    got_total, got = arignote.function([], [total, us], updates={rng: final_rng}, mode=mode)()
    reference = np.random.default_rng(SEED)
    expected = [reference.uniform()]
    while sum(expected) <= 3.0:
        expected.append(reference.uniform())
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_allclose(got_total, sum(expected))


# --- a generator that is not carried -----------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_generator_that_is_not_carried_repeats_its_numbers(mode):
    # allowed and documented by PyTensor (its tutorial's constant_step): same state, same draw
    rng = at.random.shared_rng(seed=SEED)

    def constant_step(rng):
        _, x = rng.normal()
        return x

    draws = arignote.scan(constant_step, outputs_info=[None], non_sequences=[rng], n_steps=5, strict=True,
                          return_updates=False)
    f = arignote.function([], draws, mode=mode)
    np.testing.assert_allclose(f(), [-0.98912135] * 5)
    np.testing.assert_allclose(f(), [-0.98912135] * 5)


@pytest.mark.parametrize("mode", MODES)
def test_a_repeated_draw_reading_a_sequence_is_not_drawn_for_all_steps_at_once(mode):
    # pushing the draw out of the loop would batch it: other numbers than the loop's
    rng = at.random.shared_rng(seed=SEED)
    mus = at.dmatrix("mus")
    draws = arignote.scan(lambda mu, r: r.normal(mu, 1.0)[1], sequences=[mus], non_sequences=[rng],
                          return_updates=False)
    m = np.arange(8.0).reshape(4, 2)
    got = arignote.function([mus], draws, mode=mode)(m)
    np.testing.assert_allclose(got - m, np.tile(np.random.default_rng(SEED).normal(size=2), (4, 1)))


# --- zero steps, rewrites ---------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_zero_steps_give_back_an_unshared_copy_of_the_generator(mode):
    rng = at.random.rng("rng")
    n = at.iscalar("n")
    xs, final_rng = arignote.scan(_normal_step, outputs_info=[None, rng], n_steps=n, return_updates=False)
    f = arignote.function([rng, n], [xs, final_rng], mode=mode)
    given = np.random.default_rng(SEED)
    values, after = f(given, 0)
    assert values.shape == (0, 2)
    assert after is not given and _state(after) == _state(given)
    after.normal()  # drawing from the result leaves the argument alone
    assert _state(given) == _state(np.random.default_rng(SEED))
    values, after = f(given, 3)
    reference = np.random.default_rng(SEED)
    np.testing.assert_array_equal(values, reference.normal(size=(3, 2)))
    assert _state(after) == _state(reference)
    assert _state(given) == _state(np.random.default_rng(SEED))


@pytest.mark.parametrize("mode", MODES)
def test_pruning_keeps_a_generator_whose_draws_are_read(mode):
    # the final generator is not read, the draws are: the carry stays, the numbers are NumPy's
    rng = at.random.shared_rng(seed=SEED)
    xs, _ = arignote.scan(_normal_step, outputs_info=[None, rng], n_steps=4, return_updates=False)
    f = arignote.function([], xs[-1], mode=mode)
    expected = np.random.default_rng(SEED).normal(size=(4, 2))[-1]
    np.testing.assert_array_equal(f(), expected)
    np.testing.assert_array_equal(f(), expected)  # no update: the same numbers again


def test_pruning_drops_a_generator_nothing_reads():
    rng = at.random.shared_rng(seed=SEED)

    def step(h, rng):
        next_rng, _ = rng.normal()
        return h + 1.0, next_rng

    (hs, _), _ = arignote.scan(step, outputs_info=[at.as_tensor_variable(0.0), rng], n_steps=3)
    f = arignote.function([], hs)
    np.testing.assert_array_equal(f(), [1.0, 2.0, 3.0])
    assert not any(isinstance(node.op, RandomVariable) for node in _all_nodes(f))


def _all_nodes(f):
    from arignote.graph.traversal import toposort

    nodes = []
    for node in toposort(f.graph_outputs):
        nodes.append(node)
        inner = getattr(node.op, "inner_graph", None)
        if inner is not None:
            nodes.extend(toposort(list(inner[1])))
    return nodes


# --- derivatives ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_gradient_through_a_loop_that_draws_matches_finite_differences(mode):
    # a generator made in the function: each evaluation starts from the same state, so the
    # derivative is the pathwise one at fixed standard draws (tests/tensor/random/test_reparameterised.py)
    def cost(loc, scale):
        rng = at.random.shared_rng(seed=3)

        def step(h, rng):
            next_rng, x = rng.normal(loc, scale, size=(3,))
            return h * 0.5 + x * x, next_rng

        hs, _ = arignote.scan(step, outputs_info=[at.zeros((3,)), rng], n_steps=4, return_updates=False)
        return hs

    verify_grad(cost, [np.array([0.5, 1.0, -1.0]), np.array(0.7)], rng=np.random.default_rng(0), mode=mode)


@pytest.mark.parametrize("mode", MODES)
def test_gradient_of_the_draws_is_the_standard_draws(mode):
    loc, scale = at.dscalar("loc"), at.dscalar("scale")
    rng = at.random.shared_rng(seed=SEED)

    def step(rng):
        next_rng, x = rng.normal(loc, scale, size=(2,))
        return x, next_rng

    xs, _ = arignote.scan(step, outputs_info=[None, rng], n_steps=3, return_updates=False)
    g_loc, g_scale = arignote.grad(xs.sum(), [loc, scale])
    f = arignote.function([loc, scale], [g_loc, g_scale], mode=mode)
    dloc, dscale = f(1.0, 2.0)
    assert dloc == 6.0
    np.testing.assert_allclose(dscale, np.random.default_rng(SEED).normal(size=(3, 2)).sum())


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_through_a_loop_that_draws(mode):
    loc = at.dvector("loc")
    rng = at.random.shared_rng(seed=1)

    def step(h, rng):
        next_rng, x = rng.normal(loc, 1.0, size=(2,))
        return h + x * x, next_rng

    hs, _ = arignote.scan(step, outputs_info=[at.zeros((2,)), rng], n_steps=3, return_updates=False)
    jacobian = arignote.function([loc], arignote.jacobian(hs[-1], loc), mode=mode)(np.array([0.5, 1.0]))
    draws = np.random.default_rng(1).normal(size=(3, 2)) + np.array([0.5, 1.0])
    np.testing.assert_allclose(jacobian, np.diag(2 * draws.sum(axis=0)), rtol=1e-12)


# --- errors -------------------------------------------------------------------------------


def test_a_generator_cannot_be_stacked():
    rng = at.random.shared_rng(seed=SEED)
    with pytest.raises(LoopTypeError, match="cannot be stacked"):
        arignote.scan(lambda: rng.normal()[0], n_steps=3)
    with pytest.raises(LoopTypeError, match="cannot be stacked"):
        arignote.loop(lambda c, _: (c, rng.normal()[0]), at.zeros(()), n_steps=3)


def test_a_carry_keeps_being_a_generator_or_a_tensor():
    rng = at.random.shared_rng(seed=SEED)
    with pytest.raises(LoopTypeError, match="the generator after the step.s draws"):
        arignote.scan(lambda r: r.normal()[1], outputs_info=[rng], n_steps=3)
    with pytest.raises(LoopTypeError, match="generator"):
        arignote.scan(lambda h: rng.normal()[0], outputs_info=[at.zeros(())], n_steps=3)
    with pytest.raises(ValueError, match="default tap -1 only"):
        arignote.scan(lambda r: r, outputs_info=[{"initial": rng, "taps": [-2]}], n_steps=3)


def test_the_jax_backend_says_what_it_cannot_do_or_draws_new_numbers_per_step():
    pytest.importorskip("jax")
    rng = at.random.shared_rng(seed=SEED)
    xs, _ = arignote.scan(_normal_step, outputs_info=[None, rng], n_steps=4, return_updates=False)
    try:
        values = arignote.function([], xs, mode="JAX")()
    except NotImplementedError as exc:  # JaxCompileError too
        assert "JAX" in str(exc)
    else:  # JAX draws from keys: other numbers than NumPy's, new at each step
        assert np.asarray(values).shape == (4, 2)
        assert len({tuple(row) for row in np.asarray(values)}) == 4
