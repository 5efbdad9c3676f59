"""``ifelse`` (arignote/tensor/ifelse.py), its rules (tensor/rewrites/ifelse.py) and its lazy
evaluation on the py and C backends (backend/branches.py); JAX runs it as ``lax.cond``."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.backend.branches import LazyIfElse
from arignote.gradient import verify_grad
from arignote.graph.traversal import toposort
from arignote.ifelse import IfElse, ifelse
from tests.tensor.rewrites.numerics_checks import fired

MODES = ["PY", "FAST_RUN"]
ALL_MODES = MODES + [pytest.param("JAX", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))]


def _ops(f):
    return [type(n.op).__name__ for n in toposort(f.graph_outputs)]


@pytest.mark.parametrize("mode", ALL_MODES)
def test_values_of_either_branch(mode):
    c, x, y = at.bscalar("c"), at.dvector("x"), at.dvector("y")
    z = ifelse(c, at.exp(x).sum() * 2.0, (y ** 3).mean())
    f = arignote.function([c, x, y], z, mode=mode)
    xs, ys = np.array([0.0, 1.0]), np.array([2.0, 3.0])
    np.testing.assert_allclose(f(1, xs, ys), np.exp(xs).sum() * 2.0, rtol=1e-15)
    np.testing.assert_allclose(f(0, xs, ys), (ys ** 3).mean(), rtol=1e-15)


@pytest.mark.parametrize("mode", MODES)
def test_several_outputs_and_branches_of_different_lengths(mode):
    c = at.iscalar("c")
    x = at.dvector("x")
    a, b = ifelse(c > 0, [x[:2], x.sum()], [x * 10.0, at.constant(0.0)])
    assert a.type.shape == (None,) and b.type.shape == ()
    f = arignote.function([c, x], [a, b, a.shape[0]], mode=mode)
    values = np.arange(4.0)
    first, total, length = f(1, values)
    np.testing.assert_array_equal(first, [0.0, 1.0])
    assert total == 6.0 and length == 2
    first, total, length = f(0, values)
    np.testing.assert_array_equal(first, values * 10.0)
    assert total == 0.0 and length == 4


def test_jax_needs_branches_of_one_shape():
    pytest.importorskip("jax")
    c, x = at.bscalar("c"), at.dvector("x")
    f = arignote.function([c, x], ifelse(c, x[:2], x), mode="JAX")
    with pytest.raises(ValueError, match="same shapes on the JAX backend"):
        f(1, np.arange(4.0))
    g = arignote.function([c, x], ifelse(c, [x * 2.0, x.sum()], [x, x.max()]), mode="JAX")
    doubled, total = g(1, np.arange(3.0))
    np.testing.assert_array_equal(doubled, [0.0, 2.0, 4.0])
    assert total == 3.0


def test_bad_branches_are_named():
    c, x = at.bscalar("c"), at.dvector("x")
    with pytest.raises(TypeError, match="condition must be a scalar"):
        ifelse(x, x, x)
    with pytest.raises(TypeError, match="1 dimension.*0 in the else-branch"):
        ifelse(c, x, x.sum())
    with pytest.raises(ValueError, match="then-branch has 2 value"):
        ifelse(c, [x, x], [x])
    with pytest.raises(TypeError, match="dtype int32 in the then-branch"):
        IfElse(1)(c, at.ivector("i"), x)
    # ifelse casts the branches to a common dtype, as PyTensor does
    assert ifelse(c, at.ivector("i"), x).dtype == "float64"


# --- laziness -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_only_the_branch_taken_runs(mode):
    c = at.bscalar("c")
    a = at.dvector("a")
    # the then-branch fails on a vector shorter than 6: it must not run when not taken
    z = ifelse(c, at.exp(a[5]), a.sum())
    f = arignote.function([c, a], z, mode=mode)
    assert _ops(f) == ["LazyIfElse"]
    short = np.array([1.0, -3.0])
    assert f(0, short) == -2.0
    with pytest.raises(IndexError, match="index 5 is out of bounds"):
        f(1, short)


@pytest.mark.parametrize("mode", MODES)
def test_a_draw_in_a_branch_advances_its_generator_only_when_taken(mode):
    rng = at.random.shared_rng(seed=3)
    c = at.bscalar("c")
    draw = at.random.normal(0.0, 1.0, size=(2,), rng=rng)
    z = ifelse(c, draw.sum(), at.constant(0.0))
    f = arignote.function([c], z, mode=mode, no_default_updates=True)
    assert f(0) == 0.0
    # a draw reads its generator without changing it (no update given): the same numbers
    assert f(1) == f(1) == np.random.default_rng(3).normal(size=2).sum()


@pytest.mark.parametrize("mode", MODES)
def test_work_both_branches_read_runs_first(mode):
    c, x = at.bscalar("c"), at.dvector("x")
    shared_work = at.exp(x)
    z = ifelse(c, shared_work.sum(), shared_work.max())
    f = arignote.function([c, x], [z, shared_work.mean()], mode=mode)
    (lazy,) = [n for n in toposort(f.graph_outputs) if isinstance(n.op, LazyIfElse)]
    assert any(v.owner is not None for v in lazy.inputs[1:])  # exp(x) computed outside
    values = np.array([0.0, 1.0])
    out, mean = f(1, values)
    # C's exp may differ from NumPy's by an ulp: a few ulps on a sum of two terms
    np.testing.assert_allclose([out, mean], [np.exp(values).sum(), np.exp(values).mean()], rtol=4e-16)


@pytest.mark.parametrize("mode", MODES)
def test_nested_ifelse(mode):
    c1, c2, x = at.bscalar("c1"), at.bscalar("c2"), at.dscalar("x")
    z = ifelse(c1, ifelse(c2, at.exp(x), at.log(x)), at.sqrt(x) + 1.0)
    f = arignote.function([c1, c2, x], z, mode=mode)
    np.testing.assert_allclose([f(1, 1, 4.0), f(1, 0, 4.0), f(0, 1, 4.0)], [np.exp(4.0), np.log(4.0), 3.0],
                               rtol=4e-16)  # an ulp or two of C's exp and log


@pytest.mark.parametrize("mode", MODES)
def test_outputs_never_share_memory_with_inputs(mode):
    c, x, y = at.bscalar("c"), at.dvector("x"), at.dvector("y")
    f = arignote.function([c, x, y], ifelse(c, x, y * 2.0), mode=mode)
    given = np.array([1.0, 2.0])
    out = f(1, given, given)
    out[0] = 100.0
    assert given[0] == 1.0


def test_nothing_to_skip_leaves_a_plain_choice():
    c, x, y = at.bscalar("c"), at.dvector("x"), at.dvector("y")
    f = arignote.function([c, x, y], ifelse(c, x, y))
    assert "LazyIfElse" not in _ops(f)
    np.testing.assert_array_equal(f(0, np.zeros(1), np.ones(1)), [1.0])


# --- rules ----------------------------------------------------------------------------------

def test_a_known_condition_chooses_when_compiling():
    x = at.dvector("x")
    for cond, want in ((True, 2.0), (False, 1.0), (1, 2.0)):
        z = ifelse(at.constant(cond), x * 2.0, x / x)
        assert "ifelse_with_known_condition" in fired([z])
        f = arignote.function([x], z)
        assert "IfElse" not in _ops(f) and f(np.ones(1))[0] == want
    assert "ifelse_with_known_condition" not in fired([ifelse(at.bscalar("c"), x, x * 2.0)])


def test_equal_branches_need_no_choice():
    c, x = at.bscalar("c"), at.dvector("x")
    z = ifelse(c, at.exp(x), at.exp(x))
    assert "ifelse_of_equal_branches" in fired([z])
    assert "ifelse_of_equal_branches" not in fired([ifelse(c, at.exp(x), at.log(x))])


# --- derivatives and batching ------------------------------------------------------------------

@pytest.mark.parametrize("taken", [0, 1])
def test_derivatives_go_to_the_branch_taken(taken):
    rng = np.random.default_rng(0)

    def cost(a, b):
        return ifelse(at.constant(np.int8(taken)) + at.zeros((), dtype="int8"),
                      (at.exp(a) * b).sum(), (a * b ** 2).sum())
    verify_grad(cost, [rng.normal(size=3), rng.normal(size=3)], rng=rng)
    c, a = at.bscalar("c"), at.dvector("a")
    g = arignote.grad(ifelse(c, (a ** 2).sum(), at.constant(0.0)), a)
    grad_f = arignote.function([c, a], g)
    np.testing.assert_array_equal(grad_f(1, np.array([1.0, 2.0])), [2.0, 4.0])
    np.testing.assert_array_equal(grad_f(0, np.array([1.0, 2.0])), [0.0, 0.0])


def test_jacobian_through_ifelse_and_a_batch_of_conditions():
    c, x = at.bscalar("c"), at.dvector("x")
    jac = arignote.gradient.jacobian(ifelse(c, x ** 2, at.sin(x)), x)
    f = arignote.function([c, x], jac)
    values = np.array([0.5, 2.0])
    np.testing.assert_allclose(f(1, values), np.diag(2 * values))
    np.testing.assert_allclose(f(0, values), np.diag(np.cos(values)))
    cs, xs = at.bvector("cs"), at.dmatrix("xs")
    one_c, one_x = at.bscalar("c1"), at.dvector("x1")
    batched = at.vectorize_graph(ifelse(one_c, one_x * 2.0, -one_x), {one_c: cs, one_x: xs})
    out = arignote.function([cs, xs], batched)(np.array([1, 0], dtype="int8"), np.ones((2, 3)))
    np.testing.assert_array_equal(out, [[2.0] * 3, [-1.0] * 3])


def test_the_pytensor_path():
    import arignote.ifelse as module

    assert module.ifelse is ifelse and module.IfElse is IfElse
