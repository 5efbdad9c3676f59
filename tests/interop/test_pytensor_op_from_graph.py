"""PyTensor's OpFromGraph inlined into arignote graphs (arignote/interop/pytensor/op_from_graph.py).

The inner graphs are elementwise formulas and sums of a dozen operations on values of order
1, evaluated in float64 by both libraries: a few ulps each, so 1e-12 relative.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
from pytensor.compile.builders import OpFromGraph  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import from_pytensor, mode  # noqa: E402

RTOL = 1e-12
RNG = np.random.default_rng(1819)
BACKENDS = ["c", "py", pytest.param("jax", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))]


@pytest.fixture(autouse=True)
def _reseed():
    """Each test draws the same values whatever ran before it (in this process, under xdist)."""
    global RNG
    RNG = np.random.default_rng(1819)


def _compare(inputs, outputs, values, backend="c"):
    converted = from_pytensor(outputs, inputs)
    assert not any(type(v.owner.op).__name__ == "OpFromGraph"
                   for v in converted.outputs if v.owner is not None)  # inlined
    got = arignote.function(converted.inputs, converted.outputs)(*values)
    linked = pytensor.function(inputs, outputs, mode=mode(backend))(*values)
    want = pytensor.function(inputs, outputs)(*values)
    for g, k, w in zip(got, linked, want, strict=True):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(g, w, rtol=RTOL)
        np.testing.assert_allclose(k, w, rtol=RTOL)


@pytest.mark.parametrize("backend", BACKENDS)
def test_multiple_outputs_nesting_and_inline(backend):
    a, b = pt.dscalar("a"), pt.dvector("b")
    inner = OpFromGraph([a, b], [a * b + 1, pt.exp(b).sum(), b])  # an output that is an input
    c = pt.dvector("c")
    outer = OpFromGraph([c], [inner(c.sum(), c)[0] * 2 + inner(1.0, c)[1]])  # nested, twice
    inline = OpFromGraph([a, b], [pt.log1p(b ** 2) - a], inline=True)
    y = pt.dvector("y")
    s = pt.dscalar("s")
    first, second, same = inner(s, y)
    outputs = [first, second, same, outer(y), inline(s, y)]
    _compare([s, y], outputs, [np.float64(0.7), RNG.normal(size=4)], backend)


def test_static_shapes_and_dtypes_of_the_outer_inputs():
    a, b = pt.dmatrix("a"), pt.fvector("b")
    op = OpFromGraph([a, b], [a * b, (a - b).max(axis=1)])
    # the outer inputs are more specific than the inner ones (static shapes)
    x = pt.tensor("x", dtype="float64", shape=(3, 5))
    y = pt.tensor("y", dtype="float32", shape=(5,))
    _compare([x, y], list(op(x, y)), [RNG.normal(size=(3, 5)), RNG.normal(size=5).astype("float32")])


def test_shared_variable_as_an_explicit_input():
    x = pt.dvector("x")
    w = pt.dvector("w")
    op = OpFromGraph([x, w], [(x * w).sum()])
    shared_w = pytensor.shared(np.array([1.0, 2.0, 3.0]), name="w")
    y = pt.dvector("y")
    _compare([y], [op(y, shared_w)], [RNG.normal(size=3)])


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradients_pytensor_builds(backend):
    a, b = pt.dscalar("a"), pt.dvector("b")
    plain = OpFromGraph([a, b], [pt.sin(a * b).sum() + (b ** 2).sum()])
    # an overridden pullback: PyTensor's gradient uses it, so the converted gradient must too
    overridden = OpFromGraph([b], [pt.exp(b)], pullback=lambda ins, outs, g: [g[0] * 10.0])
    s, y = pt.dscalar("s"), pt.dvector("y")
    cost = plain(s, y) + overridden(y).sum()
    grads = pt.grad(cost, [s, y])
    values = [np.float64(0.3), RNG.normal(size=4)]
    _compare([s, y], [cost, *grads], values, backend)
    # the override's 10, not exp(y): the conversion kept PyTensor's gradient graph
    converted = from_pytensor(pt.grad(overridden(y).sum(), y), [y])
    got = arignote.function(converted.inputs, converted.outputs)(values[1])[0]
    np.testing.assert_allclose(got, np.full(4, 10.0))


def test_inner_graph_with_a_random_draw():
    rng = pt.random.type.random_generator_type("rng")
    mu = pt.dscalar("mu")
    next_rng, draw = pt.random.normal(mu, 1.0, size=(3,), rng=rng, return_next_rng=True)
    op = OpFromGraph([rng, mu], [next_rng, draw * 2])
    shared_rng = pytensor.shared(np.random.default_rng(5))
    m = pt.dscalar("m")
    _, doubled = op(shared_rng, m)
    converted = from_pytensor([doubled], [m])
    got = arignote.function(converted.inputs, converted.outputs, mode="PY")(1.5)[0]
    want = pytensor.function([m], doubled)(1.5)
    np.testing.assert_allclose(got, want, rtol=1e-15)  # the same NumPy draws, doubled
