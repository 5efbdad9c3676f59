"""``default_rng``: a NumPy generator made while the function runs."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.tensor.random.op import default_rng


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_seeded_generator_draws_numpys_numbers(mode):
    seed = at.lscalar("seed")
    _, x = default_rng(seed).normal(size=3)
    _, y = default_rng(seed).integers(0, 10, size=4)
    f = arignote.function([seed], [x, y], mode=mode)
    for s in (0, 5, 2**40):
        got_x, got_y = f(s)
        np.testing.assert_array_equal(got_x, np.random.default_rng(s).normal(size=3))
        np.testing.assert_array_equal(got_y, np.random.default_rng(s).integers(0, 10, size=4))


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_unseeded_generator_is_fresh_at_each_call(mode):
    _, x = default_rng().uniform(size=8)
    f = arignote.function([], x, mode=mode)
    first, second = f(), f()
    assert first.shape == (8,) and not np.array_equal(first, second)  # 2**-416 to collide


def test_bad_seed_and_jax_are_refused_by_name():
    with pytest.raises(TypeError, match="0-d integer"):
        default_rng(at.dvector("s"))
    pytest.importorskip("jax")
    _, x = default_rng().uniform()
    with pytest.raises(Exception, match="default_rng"):
        arignote.function([], x, mode="JAX")
