"""Programs PyTensor users write with random draws, run with their imports changed: a denoising
autoencoder with corruption noise, and dropout in a small network, both trained with
``RandomStream`` draws (new noise at each call) and checked against the same computation
done by hand in NumPy with the same generators."""

from __future__ import annotations

import numpy as np

import arignote
import arignote.tensor as at
from arignote.tensor.random.utils import RandomStream


def test_denoising_autoencoder_with_corruption_noise():
    rng = np.random.default_rng(0)
    n_visible, n_hidden, corruption, lr = 20, 8, 0.3, 0.1
    srng = RandomStream(seed=1234)
    x = at.matrix("x", dtype="float64")
    W = arignote.shared(rng.uniform(-0.3, 0.3, size=(n_visible, n_hidden)), name="W")
    b = arignote.shared(np.zeros(n_hidden), name="b")
    b_prime = arignote.shared(np.zeros(n_visible), name="b_prime")
    mask = srng.binomial(n=1, p=1 - corruption, size=x.shape, dtype="float64")
    corrupted = mask * x
    hidden = at.sigmoid(at.dot(corrupted, W) + b)
    z = at.sigmoid(at.dot(hidden, W.T) + b_prime)
    cost = -at.sum(x * at.log(z) + (1 - x) * at.log(1 - z), axis=1).mean()
    params = [W, b, b_prime]
    grads = arignote.grad(cost, params)
    train = arignote.function([x], [cost, mask], updates=[(p, p - lr * g) for p, g in zip(params, grads)])

    data = (rng.random((50, n_visible)) > 0.5).astype("float64")
    costs, masks = zip(*(train(data) for _ in range(30)))
    assert costs[-1] < costs[0]  # it learns
    assert not np.array_equal(masks[0], masks[1])  # new corruption at each call
    kept = np.mean(masks)
    assert abs(kept - (1 - corruption)) < 0.02  # 30,000 Bernoulli(0.7) draws: sd 0.003
    # the noise is NumPy's: the stream's generator is the first child of its seed sequence
    child = np.random.SeedSequence(1234).spawn(1)[0]
    np.testing.assert_array_equal(masks[0], np.random.default_rng(child).binomial(1, 0.7, size=(50, 20)))


def test_dropout_in_a_small_network():
    rng = np.random.default_rng(1)
    srng = RandomStream(seed=7)
    x = at.matrix("x", dtype="float64")
    y = at.vector("y", dtype="float64")
    W1 = arignote.shared(rng.normal(scale=0.5, size=(4, 16)), name="W1")
    w2 = arignote.shared(rng.normal(scale=0.5, size=16), name="w2")
    keep = 0.8
    h = at.tanh(at.dot(x, W1))
    dropped = h * srng.binomial(1, keep, size=h.shape, dtype="float64") / keep
    prediction = at.dot(dropped, w2)
    loss = at.mean((prediction - y) ** 2)
    g1, g2 = arignote.grad(loss, [W1, w2])
    train = arignote.function([x, y], loss, updates=[(W1, W1 - 0.05 * g1), (w2, w2 - 0.05 * g2)])
    evaluate = arignote.function([x], at.dot(h, w2))  # no dropout at test time: no draw at all

    xs = rng.normal(size=(200, 4))
    ys = np.sin(xs).sum(axis=1)
    before = np.mean((evaluate(xs) - ys) ** 2)
    for _ in range(200):
        train(xs, ys)
    after = np.mean((evaluate(xs) - ys) ** 2)
    assert after < 0.5 * before
    assert not srng.state_updates[0][0].get_value().bit_generator.state == \
        np.random.default_rng(np.random.SeedSequence(7).spawn(1)[0]).bit_generator.state  # advanced


def test_the_tutorial_flow_shared_rng_chained_draws_updates_and_reseeding():
    # PyTensor's "Using Random Numbers" tutorial, its calls with the imports changed
    rng = at.random.shared_rng(seed=123)
    next_rng, uniform_draws = rng.uniform(0, 1, size=(2, 2))
    final_rng, normal_draws = next_rng.normal(0, 1, size=(2, 2))
    f = arignote.function([], [uniform_draws, normal_draws], updates={rng: final_rng})
    first, second = f(), f()
    assert not np.array_equal(first[0], second[0])
    reference = np.random.default_rng(123)
    np.testing.assert_array_equal(first[0], reference.uniform(0, 1, size=(2, 2)))
    np.testing.assert_array_equal(first[1], reference.normal(0, 1, size=(2, 2)))
    rng.set_value(np.random.default_rng(42))
    again = f()
    rng.set_value(seed=42)
    np.testing.assert_array_equal(f()[0], again[0])


def test_op_from_graph_passing_a_generator_through():
    # PyTensor's random-numbers tutorial: an OpFromGraph taking a generator and returning the
    # next one with a lognormal draw, applied twice in a row
    from arignote.compile.builders import OpFromGraph

    inner_rng = at.random.rng(name="rng")
    next_inner, draw = inner_rng.normal()
    lognormal = OpFromGraph([inner_rng], [next_inner, at.exp(draw)])
    rng = at.random.shared_rng(seed=123, name="rng")
    next_rng, x = lognormal(rng)
    final_rng, y = lognormal(next_rng)
    f = arignote.function([], [x, y], updates={rng: final_rng}, mode="PY")
    reference = np.random.default_rng(123)
    for _ in range(3):
        got = f()
        expected = [np.exp(reference.normal()), np.exp(reference.normal())]
        np.testing.assert_allclose(got, expected, rtol=1e-15)
