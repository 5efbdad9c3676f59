"""a + inc_subtensor(zeros, g, idx) -> inc_subtensor(a, g, idx): when it fires, and its values."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from tests.tensor.rewrites.numerics_checks import REFERENCE, fires

RULE = "add_into_increment"


def test_fires_when_the_other_term_has_the_zeros_shape():
    a = at.vector("a")
    g = at.scalar("g")
    i = at.iscalar("i")
    assert fires(RULE, a + at.inc_subtensor(at.zeros_like(a)[i], g))
    assert fires(RULE, at.inc_subtensor(at.zeros_like(a)[i], g) + a)
    m = at.matrix("m")
    rows = at.ivector("rows")
    gm = at.matrix("gm")
    assert fires(RULE, m + at.inc_subtensor(at.zeros_like(m)[rows], gm))


def test_does_not_fire_where_values_or_shapes_could_change():
    a = at.vector("a")
    g = at.scalar("g")
    i = at.iscalar("i")
    # a set keeps one value per index; an addition would not
    assert not fires(RULE, a + at.set_subtensor(at.zeros_like(a)[i], g))
    # the zeros belong to another vector whose length only agrees at run time
    b = at.vector("b")
    assert not fires(RULE, a + at.inc_subtensor(at.zeros_like(b)[i], g))
    # the other term broadcasts
    m = at.matrix("m")
    assert not fires(RULE, at.row("r") + at.inc_subtensor(at.zeros_like(m)[i], a))
    # the sum casts: int32 + float64 increment of float64 zeros gives float64, a is int32
    ia = at.ivector("ia")
    assert not fires(RULE, ia + at.inc_subtensor(at.zeros(ia.shape, dtype="float64")[i], g))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_match_numpy_with_repeated_indices(dtype):
    rng = np.random.default_rng(0)
    a = at.vector("a", dtype=dtype)
    c = at.vector("c", dtype=dtype)
    g = at.vector("g", dtype=dtype)
    idx = at.lvector("idx")
    out = a + at.inc_subtensor(at.zeros_like(a)[idx], g) + c
    values = [rng.normal(size=6).astype(dtype), rng.normal(size=6).astype(dtype),
              rng.normal(size=4).astype(dtype), np.array([0, 3, 3, 5])]
    expected = values[0] + values[1]
    np.add.at(expected, values[3], values[2])
    f = arignote.function([a, c, g, idx], out)
    np.testing.assert_allclose(f(*values), expected, rtol=1e-6)
    np.testing.assert_allclose(arignote.function([a, c, g, idx], out, mode=REFERENCE)(*values),
                               expected, rtol=1e-6)


def test_gradient_of_indexing_and_elementwise_use_has_no_zeros():
    theta = at.vector("theta")
    groups = at.lvector("groups")
    cost = at.sum(theta ** 2) + at.sum(at.exp(theta[groups]))
    g = arignote.grad(cost, theta)
    f = arignote.function([theta, groups], g)
    names = [type(n.op).__name__ for n in arignote.graph.toposort(f.graph_outputs)]
    assert "Alloc" not in names
    rng = np.random.default_rng(1)
    t, gr = rng.normal(size=5), rng.integers(0, 5, size=12)
    expected = 2 * t
    np.add.at(expected, gr, np.exp(t[gr]))
    np.testing.assert_allclose(f(t, gr), expected, rtol=1e-12)
