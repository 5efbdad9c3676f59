"""Forward mode of ops written to PyTensor's protocol (arignote/graph/pytensor_protocol.py):
their ``R_op`` when they define one, else two pullbacks of their ``grad``."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph.basic import Apply
from arignote.graph.op import NotDifferentiable, Op

RNG = np.random.default_rng(3)


class Square(Op):
    """``x ** 2`` by NumPy, with ``grad`` and (optionally scaled, to see it runs) ``R_op``."""

    __props__ = ()
    rop_scale = 1.0

    def make_node(self, x):
        x = at.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.square(inputs[0])

    def grad(self, inputs, output_grads):
        return [output_grads[0] * 2 * inputs[0]]


class SquareWithRop(Square):
    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self.rop_scale * 2 * inputs[0] * eval_points[0]]


class ScaledRop(SquareWithRop):
    rop_scale = 3.0


class Product(Op):
    """``x * y`` with an ``R_op`` that is told which inputs have tangents (None otherwise)."""

    __props__ = ()
    seen: ClassVar[list] = []

    def make_node(self, x, y):
        x, y = at.as_tensor_variable(x), at.as_tensor_variable(y)
        return Apply(self, [x, y], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * inputs[1]

    def R_op(self, inputs, eval_points):
        Product.seen.append([p is None for p in eval_points])
        x, y = inputs
        terms = [t for t in ((eval_points[0] * y) if eval_points[0] is not None else None,
                             (x * eval_points[1]) if eval_points[1] is not None else None) if t is not None]
        return [sum(terms[1:], terms[0])]


class NoDerivative(Op):
    """Neither ``grad`` nor ``R_op``: forward mode must name the op."""

    __props__ = ()

    def make_node(self, x):
        x = at.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.square(inputs[0])


def _jvp(op, xv, tv, mode=None):
    x, t = at.dvector("x"), at.dvector("t")
    f = arignote.function([x, t], arignote.Rop(op(x), x, t), mode=mode)
    return f(xv, tv)


def _finite_difference(xv, tv, eps=1e-6):
    return (np.square(xv + eps * tv) - np.square(xv - eps * tv)) / (2 * eps)


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_r_op_is_used_and_matches_finite_differences(mode):
    xv, tv = RNG.normal(size=5), RNG.normal(size=5)
    want = _finite_difference(xv, tv)
    np.testing.assert_allclose(_jvp(SquareWithRop(), xv, tv, mode), want, rtol=1e-7)
    # the scaled rule is what forward mode runs (reverse mode is untouched)
    np.testing.assert_allclose(_jvp(ScaledRop(), xv, tv, mode), 3 * want, rtol=1e-7)
    x = at.dvector("x")
    g = arignote.grad(ScaledRop()(x).sum(), x)
    np.testing.assert_allclose(arignote.function([x], g)(xv), 2 * xv)


def test_without_r_op_forward_mode_comes_from_grad():
    xv, tv = RNG.normal(size=4), RNG.normal(size=4)
    np.testing.assert_allclose(_jvp(Square(), xv, tv), _finite_difference(xv, tv), rtol=1e-7)


def test_pushforward_and_jacobian_use_it():
    xv, tv = RNG.normal(size=3), RNG.normal(size=3)
    x, t = at.dvector("x"), at.dvector("t")
    out = arignote.pushforward(ScaledRop()(x), x, t)
    np.testing.assert_allclose(arignote.function([x, t], out)(xv, tv), 3 * 2 * xv * tv)


def test_missing_tangents_are_none_for_r_op():
    Product.seen.clear()
    x, y, t = at.dvector("x"), at.dvector("y"), at.dvector("t")
    xv, yv, tv = RNG.normal(size=3), RNG.normal(size=3), RNG.normal(size=3)
    out = arignote.Rop(Product()(x, y), x, t)
    f = arignote.function([x, y, t], out, on_unused_input="ignore")
    np.testing.assert_allclose(f(xv, yv, tv), tv * yv)
    assert Product.seen == [[False, True]]


def test_no_rule_at_all_is_named():
    x, t = at.dvector("x"), at.dvector("t")
    with pytest.raises(NotDifferentiable, match="NoDerivative"):
        arignote.Rop(NoDerivative()(x), x, t)
