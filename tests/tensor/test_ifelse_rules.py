"""The ifelse rules (arignote/tensor/rewrites/ifelse_rules.py): fewer choices, same values."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.backend.branches import LazyIfElse
from arignote.compile.mode import Mode
from arignote.graph.traversal import toposort
from arignote.ifelse import IfElse, ifelse

MODES = [pytest.param(Mode(linker="py"), id="py"), pytest.param("FAST_RUN", id="FAST_RUN")]


def _count(nodes):
    return sum(isinstance(n.op, (IfElse, LazyIfElse)) for n in nodes)


def _check(inputs, out, values, expected, mode, fewer=True):
    outs = out if isinstance(out, list) else [out]
    f = arignote.function(inputs, outs, mode=mode)
    written = _count(toposort(outs))
    compiled = _count(f.maker.fgraph.toposort())
    assert compiled < written if fewer else compiled <= written, (written, compiled)
    for cond, want in ((1, expected[0]), (0, expected[1])):
        got = f(cond, *values)
        for g, w in zip(got, want if isinstance(want, list) else [want]):
            np.testing.assert_allclose(g, w, rtol=1e-12)
    return f


def _vectors():
    rng = np.random.default_rng(0)
    return at.vector("x"), at.vector("y"), at.iscalar("c"), rng.normal(size=3), rng.normal(size=3)


@pytest.mark.parametrize("mode", MODES)
def test_same_condition_merges(mode):
    x, y, c, xv, yv = _vectors()
    out = ifelse(c, x + 1, y + 1) + ifelse(c, at.exp(x), y * 2)
    f = _check([c, x, y], out, [xv, yv], (xv + 1 + np.exp(xv), yv + 1 + 2 * yv), mode)
    assert _count(f.maker.fgraph.toposort()) == 1


@pytest.mark.parametrize("mode", MODES)
def test_dependent_ifelses_do_not_merge_into_a_cycle(mode):
    x, y, c, xv, yv = _vectors()
    inner = ifelse(c, x, y)
    out = ifelse(c, at.sin(inner), at.cos(inner) * 3) + inner
    # both nodes on c, one reads the other through other work: merging them would make a cycle
    _check([c, x, y], out, [xv, yv], (np.sin(xv) + xv, 3 * np.cos(yv) + yv), mode, fewer=False)


@pytest.mark.parametrize("mode", MODES)
def test_nested_same_condition(mode):
    x, y, c, xv, yv = _vectors()
    z = at.vector("z")
    zv = np.arange(3.0)
    out = ifelse(c, ifelse(c, x * 2, y), ifelse(c, z, y - 1))
    _check([c, x, y, z], out, [xv, yv, zv], (2 * xv, yv - 1), mode)


@pytest.mark.parametrize("mode", MODES)
def test_common_op_lifts_and_outputs_share(mode):
    x, y, c, xv, yv = _vectors()
    # both outputs choose x or y once their exp and log are lifted: one output, one node
    a, b = ifelse(c, [at.exp(x), at.log1p(x * x)], [at.exp(y), at.log1p(y * y)])
    out = [a, b, ifelse(c, x, y)]
    f = arignote.function([c, x, y], out, mode=mode)
    assert _count(f.maker.fgraph.toposort()) == 1
    for cond, v in ((1, xv), (0, yv)):
        got = f(cond, xv, yv)
        np.testing.assert_allclose(got[0], np.exp(v))
        np.testing.assert_allclose(got[1], np.log1p(v * v))
        np.testing.assert_allclose(got[2], v)


@pytest.mark.parametrize("mode", MODES)
def test_equal_branches_disappear(mode):
    x, y, c, xv, yv = _vectors()
    out = ifelse(c, x * 2, x * 2) + ifelse(c, x, y)
    f = _check([c, x, y], out, [xv, yv], (3 * xv, 2 * xv + yv), mode)
    assert _count(f.maker.fgraph.toposort()) == 1


def test_pytensor_merge_test():
    c = at.iscalar("c")
    w1, w2, x1, x2, y1, y2 = (at.scalar(n) for n in ("w1", "w2", "x1", "x2", "y1", "y2"))
    out = ifelse(c, ifelse(c, x1, x2) + ifelse(c, y1, y2) + w1,
                 ifelse(c, x1, x2) + ifelse(c, y1, y2) + w2)
    f = arignote.function([c, x1, x2, y1, y2, w1, w2], out)
    assert _count(f.maker.fgraph.toposort()) <= 2 < _count(toposort([out]))
    assert f(1, 1, 2, 3, 4, 5, 6) == 9 and f(0, 1, 2, 3, 4, 5, 6) == 12


def test_jax():
    pytest.importorskip("jax")
    x, y, c, xv, yv = _vectors()
    out = ifelse(c, x + 1, y + 1) * ifelse(c, at.exp(x), y * 2)
    f = arignote.function([c, x, y], out, mode="JAX")
    assert _count(f.maker.fgraph.toposort()) == 1
    np.testing.assert_allclose(f(1, xv, yv), (xv + 1) * np.exp(xv))
    np.testing.assert_allclose(f(0, xv, yv), (yv + 1) * 2 * yv)
