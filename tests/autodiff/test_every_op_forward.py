"""Forward mode and the batched Jacobian for every op of the verify_grad table."""

import numpy as np
import pytest

import arignote
from arignote.autodiff.numeric import finite_difference_jacobian
from arignote.gradient import Rop, jacobian
from tests.autodiff.test_verify_elemwise import BINARY, UNARY
from tests.autodiff.test_verify_ops import CASES, _inputs


def _symbolic(values):
    import arignote.tensor as at

    return [at.tensor(f"x{k}", dtype="float64", shape=tuple(1 if n == 1 else None for n in v.shape))
            for k, v in enumerate(values)]


def _check_rop(fun, values, rng):
    inputs = _symbolic(values)
    out = fun(*inputs)
    tangents = [t.type.make_variable(f"t{k}") for k, t in enumerate(inputs)]
    tangent_values = [rng.normal(size=v.shape) for v in values]
    f = arignote.function(inputs, out, on_unused_input="ignore")
    eps = 1e-6
    up = f(*[v + eps * t for v, t in zip(values, tangent_values)])
    down = f(*[v - eps * t for v, t in zip(values, tangent_values)])
    expected = (np.asarray(up) - np.asarray(down)) / (2 * eps)
    for use_rules in (True, False):
        jvp = Rop(out, inputs, tangents, use_op_rop_implementation=use_rules)
        got = arignote.function(inputs + tangents, jvp, on_unused_input="ignore")(*values, *tangent_values)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def _check_jacobian(fun, values):
    inputs = _symbolic(values)
    out = fun(*inputs)
    J = jacobian(out, inputs[0])
    fixed = values[1:]
    f = arignote.function(inputs, out, on_unused_input="ignore")
    expected = finite_difference_jacobian(lambda v: f(v, *fixed), values[0])
    got = arignote.function(inputs, J, on_unused_input="ignore")(*values)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_rop(name, rng):
    case = CASES[name]
    _check_rop(case[0], _inputs(rng, case[1] if len(case) == 3 else None, case[-1]), rng)


@pytest.mark.parametrize("name", sorted(CASES))
def test_batched_jacobian(name, rng):
    case = CASES[name]
    _check_jacobian(case[0], _inputs(rng, case[1] if len(case) == 3 else None, case[-1]))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_elementwise_rop_and_jacobian(name, rng):
    fun, sample = UNARY[name]
    _check_rop(fun, [sample(rng, (2, 3))], rng)
    _check_jacobian(fun, [sample(rng, (3,))])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_rop_and_jacobian(name, rng):
    fun, first, second = BINARY[name]
    values = [first(rng, (2, 3)), second(rng, (3,))]
    _check_rop(fun, values, rng)
    _check_jacobian(fun, values)


def test_batched_jacobian_of_separated_advanced_writes(rng):
    import arignote.tensor as at

    x = at.tensor("x", shape=(None, None, None))
    y = at.matrix("y")
    rows, cols = np.array([0, 1]), np.array([1, 0])
    out = at.set_subtensor(x[rows, :, cols], y) * 2 + at.inc_subtensor(x[rows, :, cols], 1.0) ** 2
    xv, yv = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3))
    for wrt, value in ((x, xv), (y, yv)):
        J = jacobian(out.ravel(), wrt)
        f = arignote.function([x, y], out.ravel())
        fn = (lambda v: f(v, yv)) if wrt is x else (lambda v: f(xv, v))
        got = arignote.function([x, y], J, on_unused_input="ignore")(xv, yv)
        np.testing.assert_allclose(got, finite_difference_jacobian(fn, value), atol=1e-6)
