"""``OpFromGraph``'s per-input derivative overrides and forward-mode overrides
(arignote/tensor/op_from_graph.py), against finite differences and the graph's own derivative."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.autodiff.errors import NullTypeGradError
from arignote.compile.builders import OpFromGraph
from arignote.gradient import disconnected_type, grad_undefined, verify_grad

RNG = np.random.default_rng(7)
# the deprecated names (lop_overrides, rop_overrides) warn, as in PyTensor 3; checked once below
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated in favor of:FutureWarning")


def test_deprecated_names_warn_and_mean_the_same():
    x = at.dvector("x")
    for old, new in (("lop_overrides", "pullback"), ("rop_overrides", "pushforward")):
        with pytest.warns(FutureWarning, match=f"{old} is deprecated in favor of {new}"):
            OpFromGraph([x], [x * 2], **{old: lambda *args: [x]})
        with pytest.raises(ValueError, match="mutually exclusive"):
            OpFromGraph([x], [x * 2], **{old: lambda *args: [x], new: lambda *args: [x]})


def _xyz():
    return at.dscalar("x"), at.dscalar("y"), at.dscalar("z")


def _grads(op, values, wrt_names=("a", "b", "c"), **kwargs):
    a, b, c = (at.dscalar(n) for n in wrt_names)
    out = op(a, b, c)
    gs = arignote.grad(out, [a, b, c], **kwargs)
    return arignote.function([a, b, c], gs, on_unused_input="ignore")(*values)


def test_pytensor_docstring_example():
    x, y, z = _xyz()
    op = OpFromGraph([x, y, z], [x + y * z], lop_overrides=[None, lambda i, o, g: i[2] * 2, None])
    np.testing.assert_allclose(_grads(op, [2.0, 3.0, 4.0]), [1.0, 8.0, 3.0])
    # the pullback= name (PyTensor 3) means the same
    op3 = OpFromGraph([x, y, z], [x + y * z], pullback=[None, lambda i, o, g: i[2] * 2, None])
    np.testing.assert_allclose(_grads(op3, [2.0, 3.0, 4.0]), [1.0, 8.0, 3.0])


def test_none_entries_are_the_graphs_derivative():
    x, y, z = _xyz()
    plain = OpFromGraph([x, y, z], [at.sin(x) * at.exp(y) + z ** 2])
    listed = OpFromGraph([x, y, z], [at.sin(x) * at.exp(y) + z ** 2], lop_overrides=[None, None, None])
    point = list(RNG.normal(size=3))
    np.testing.assert_allclose(_grads(listed, point), _grads(plain, point), rtol=1e-12)
    verify_grad(lambda a, b, c: listed(a, b, c), [np.array(v) for v in point], rng=RNG)


def test_correct_overrides_match_finite_differences():
    x, y = at.dvector("x"), at.dvector("y")
    # the true derivatives, given per input: by lop and by grad
    by_lop = OpFromGraph([x, y], [at.exp(x) * y],
                         lop_overrides=[lambda i, o, g: g[0] * o[0], lambda i, o, g: g[0] * at.exp(i[0])])
    by_grad = OpFromGraph([x, y], [at.exp(x) * y],
                          grad_overrides=[None, lambda i, g: g[0] * at.exp(i[0])])
    point = [RNG.normal(size=4), RNG.normal(size=4)]
    for op in (by_lop, by_grad):
        verify_grad(lambda a, b, op=op: op(a, b), point, rng=RNG)


def test_markers():
    x, y, z = _xyz()
    op = OpFromGraph([x, y, z], [x * y * z],
                     lop_overrides=[None, disconnected_type(), grad_undefined("op", 2, z)])
    a, b, c = at.dscalar("a"), at.dscalar("b"), at.dscalar("c")
    out = op(a, b, c)
    ga, gb = arignote.grad(out, [a, b], disconnected_inputs="ignore")
    f = arignote.function([a, b, c], [ga, gb])
    np.testing.assert_allclose(f(2.0, 3.0, 5.0), [15.0, 0.0])
    with pytest.raises(NullTypeGradError):
        arignote.grad(out, c)


def test_override_list_checks_its_length_and_entries():
    x, y = at.dvector("x"), at.dvector("y")
    with pytest.raises(ValueError, match="one entry per input"):
        OpFromGraph([x, y], [x + y], lop_overrides=[None])
    with pytest.raises(ValueError, match="one entry per output"):
        OpFromGraph([x, y], [x + y], rop_overrides=[None, None])
    with pytest.raises(TypeError, match="must be a marker"):
        OpFromGraph([x, y], [x + y], lop_overrides=[None, x])
    with pytest.raises(ValueError, match="not both"):
        OpFromGraph([x, y], [x + y], lop_overrides=lambda *a: a, grad_overrides=lambda *a: a)


def _rop(op, wrt_values, tangent_values):
    a, b = at.dvector("a"), at.dvector("b")
    ta, tb = at.dvector("ta"), at.dvector("tb")
    outs = op(a, b)
    outs = outs if isinstance(outs, list) else [outs]
    r = arignote.Rop(outs, [a, b], [ta, tb])
    return arignote.function([a, b, ta, tb], r)(*wrt_values, *tangent_values)


def test_rop_overrides():
    x, y = at.dvector("x"), at.dvector("y")
    outs = [x * y, at.sin(x)]
    plain = OpFromGraph([x, y], outs)
    # the true forward derivative by one callable, and by a list (graph's own for output 1)
    exact = OpFromGraph([x, y], outs, rop_overrides=lambda i, t: [t[0] * i[1] + i[0] * t[1],
                                                                    at.cos(i[0]) * t[0]])
    listed = OpFromGraph([x, y], outs, pushforward=[lambda i, t: t[0] * i[1] + i[0] * t[1], None])
    # a deliberately different rule shows the override is what runs
    doubled = OpFromGraph([x, y], outs, rop_overrides=[lambda i, t: 2 * (t[0] * i[1] + i[0] * t[1]), None])
    point = [RNG.normal(size=3), RNG.normal(size=3)]
    tangent = [RNG.normal(size=3), RNG.normal(size=3)]
    want = _rop(plain, point, tangent)
    eps = 1e-6
    f = arignote.function([x, y], outs)
    ahead = f(*[p + eps * t for p, t in zip(point, tangent)])
    behind = f(*[p - eps * t for p, t in zip(point, tangent)])
    for k in range(2):
        np.testing.assert_allclose(want[k], (ahead[k] - behind[k]) / (2 * eps), rtol=1e-6, atol=1e-8)
    for op in (exact, listed):
        for got, w in zip(_rop(op, point, tangent), want):
            np.testing.assert_allclose(got, w, rtol=1e-12)
    got = _rop(doubled, point, tangent)
    np.testing.assert_allclose(got[0], 2 * want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)
    # reverse mode of an op with only a forward override is the graph's own
    verify_grad(lambda a, b: doubled(a, b)[0] + doubled(a, b)[1], point, rng=RNG)


def test_forward_mode_of_a_reverse_override_comes_from_its_pullback():
    x, y = at.dvector("x"), at.dvector("y")
    halved = OpFromGraph([x, y], [x * y], lop_overrides=[lambda i, o, g: g[0] * i[1] / 2, None])
    point = [RNG.normal(size=3), RNG.normal(size=3)]
    tangent = [RNG.normal(size=3), RNG.normal(size=3)]
    (got,) = _rop(halved, point, tangent)
    np.testing.assert_allclose(got, tangent[0] * point[1] / 2 + point[0] * tangent[1], rtol=1e-12)


def test_an_op_from_graph_as_an_override():
    x, y = at.dvector("x"), at.dvector("y")
    gx, go = at.dvector("gx"), at.dvector("go")
    lop = OpFromGraph([x, y, gx, go], [go * y * 3])  # arguments: inputs, outputs, output grads
    op = OpFromGraph([x, y], [x * y], lop_overrides=[lop, None])
    a, b = at.dvector("a"), at.dvector("b")
    ga, gb = arignote.grad(op(a, b).sum(), [a, b])
    av, bv = RNG.normal(size=2), RNG.normal(size=2)
    got = arignote.function([a, b], [ga, gb])(av, bv)
    np.testing.assert_allclose(got[0], 3 * bv)
    np.testing.assert_allclose(got[1], av)


def test_an_output_the_cost_does_not_reach_gets_the_disconnected_marker():
    from arignote.autodiff.undefined import DisconnectedType

    x = at.dscalar("x")
    seen = []

    def lop(inputs, outputs, grads):
        seen.append([isinstance(g.type, DisconnectedType) for g in grads])
        return [grads[0] * 2 * inputs[0]]

    op = OpFromGraph([x], [x ** 2, x ** 3], pullback=lop)
    a = at.dscalar("a")
    g = arignote.grad(op(a)[0], a)
    assert seen == [[False, True]]
    assert arignote.function([a], g)(3.0) == 6.0
