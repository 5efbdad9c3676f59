"""Graph building from several threads: interning stays atomic (same expression, same object)."""


import numpy as np
import pytest

import arignote.tensor as at
from tests.threads import THREADS, frequent_switches, run_together  # noqa: F401

pytestmark = pytest.mark.usefixtures("frequent_switches")


def test_same_expressions_give_the_same_nodes():
    x, y = at.vector("x"), at.vector("y")

    def build(_):
        built = []
        v = x
        for i in range(1500):
            v = at.exp(v * y + float(i)) if i % 3 else at.maximum(v, x) - y
            built.append(v)
        return built

    results = run_together(build)
    for other in results[1:]:
        assert len(other) == len(results[0])
        assert all(a is b for a, b in zip(results[0], other))
    assert all(a.owner is b.owner for a, b in zip(results[0], results[-1]))


def test_same_constants_give_the_same_object():
    base = np.random.default_rng().integers(1 << 40)  # values no other test interned

    def build(_):
        return [at.constant(np.arange(3) + base + i) for i in range(2000)]

    results = run_together(build)
    for other in results[1:]:
        assert all(a is b for a, b in zip(results[0], other))


def test_different_expressions_from_threads_stay_distinct_and_correct():
    x = at.vector("x")

    def build(k):
        return [x + float(k * 10_000 + i) for i in range(500)]

    results = run_together(build)
    seen = {id(v) for built in results for v in built}
    assert len(seen) == THREADS * 500
    value = np.array([1.0])
    assert results[3][7].eval({x: value})[0] == 1.0 + 30_007
