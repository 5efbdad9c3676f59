"""Derivatives through typed lists: list cotangents, checked by finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.graph.op import NotDifferentiable
from arignote.typed_list import TypedListType, make_list

MODES = ["PY", "FAST_RUN"]

# each: a scalar-free expression of two vectors through list ops (verify_grad sums it
# against a random projection); every op's rule is on some path
CASES = {
    "getitem": lambda x, y: make_list([x, x * 2.0, at.exp(y)])[1] + make_list([x, y])[-1],
    "make_list_twice": lambda x, y: (lambda lst: lst[0] * lst[1])(make_list([x * x, y])),
    "append": lambda x, y: make_list([x]).append(y * 3.0)[-1] * x,
    "extend": lambda x, y: make_list([x, y]).extend(make_list([y * y]))[2] + make_list([x]).extend(
        make_list([y]))[0],
    "insert": lambda x, y: make_list([x, x]).insert(-1, y ** 2)[1] + make_list([x, x]).insert(5, y)[2],
    "insert_shifts": lambda x, y: make_list([x, x * 2.0]).insert(0, y)[2],
    "reverse": lambda x, y: make_list([x, y * 2.0]).reverse()[0] * 3.0,
    "slices": lambda x, y: make_list([x, y * 2.0, x * x])[::-2][0] + make_list([x, y, x * x])[1:][1],
    "symbolic_slice": lambda x, y: make_list([x, y, x * y])[at.constant(-2, dtype="int64"):][0],
    "remove": lambda x, y: make_list([x, y, x * 3.0]).remove(y)[1],
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_finite_differences(name, mode):
    rng = np.random.default_rng(7)
    # verify_grad's own tolerance: central differences on smooth float64 expressions
    verify_grad(CASES[name], [rng.normal(size=3), rng.normal(size=3)], rng=rng, mode=mode)


@pytest.mark.parametrize("mode", MODES)
def test_gradient_with_respect_to_a_list_is_a_list(mode):
    lst = TypedListType(at.dvector)("l")
    cost = (lst[0] * lst[-1]).sum() + lst[0].sum()
    g = arignote.grad(cost, lst)
    assert g.type == lst.type
    value = [np.array([1.0, 2.0]), np.array([5.0, 6.0]), np.array([3.0, 4.0])]
    got = arignote.function([lst], g, mode=mode)(value)
    # d/dl0 = l2 + 1, d/dl1 = 0 (read by nobody), d/dl2 = l0: exact sums
    for a, b in zip(got, [value[2] + 1.0, np.zeros(2), value[0]]):
        np.testing.assert_array_equal(a, b)


def test_second_derivatives():
    x = at.tensor("x", dtype="float64", shape=(2,))
    h = arignote.hessian((make_list([x * x, x])[0] * x).sum(), x)
    # d2/dx2 sum(x^3) = diag(6 x): products of small integers, exact
    np.testing.assert_array_equal(h.eval({x: np.array([1.0, 2.0])}, mode="PY"), np.diag([6.0, 12.0]))


def test_what_is_not_differentiable_says_so():
    x = at.tensor("x", dtype="float64", shape=(2,))
    with pytest.raises(NotDifferentiable, match="second derivatives through `remove`"):
        arignote.hessian(make_list([x * x, x]).remove(x)[0].sum(), x)
    v = at.dvector("v")
    with pytest.raises(NotDifferentiable, match=r"forward-mode derivatives \(Rop\) through typed lists"):
        arignote.Rop(make_list([x * x])[0], x, v)
