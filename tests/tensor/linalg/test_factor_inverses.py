"""``cho_inverse`` (arignote/tensor/linalg/factor_inverses.py): the inverse from a Cholesky
factor, against NumPy's inverse of the product, one matrix and stacks, both triangles, its
derivative (that of the solve it stands for), and the rule that makes it from
``cho_solve(c, eye)``.  Tolerances: tests/tensor/linalg/helpers.py."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.tensor.linalg.factor_inverses import CholeskyInverse, cho_inverse
from tests.tensor.linalg.helpers import FLOATS, close, spd
from tests.tensor.rewrites.numerics_checks import fired, op_names


def _factor(rng, n, dtype, lower, batch=()):
    a = spd(rng, n, "float64", batch)
    c = np.linalg.cholesky(a)
    return (c if lower else np.swapaxes(c, -1, -2)).astype(dtype), a


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("lower", [True, False])
def test_values_and_only_the_factors_triangle_read(rng, dtype, lower):
    c = at.matrix("c", dtype=dtype)
    f = arignote.function([c], cho_inverse((c, lower)))
    factor, a = _factor(rng, 6, dtype, lower)
    close(f(factor), np.linalg.inv(a), dtype, [a])
    # the other triangle holds garbage: not read
    noisy = factor + (np.triu(np.ones((6, 6)), 1) if lower else np.tril(np.ones((6, 6)), -1)).astype(dtype)
    close(f(noisy), np.linalg.inv(a), dtype, [a])


@pytest.mark.parametrize("lower", [True, False])
def test_stacks(rng, lower):
    c = at.dtensor3("c")
    f = arignote.function([c], cho_inverse((c, lower)))
    factors, a = _factor(rng, 4, "float64", lower, batch=(3,))
    close(f(factors), np.linalg.inv(a), "float64", list(a))


def test_a_singular_factor_gives_nans_and_empty_matrices_work():
    c = at.dmatrix("c")
    f = arignote.function([c], cho_inverse((c, True)))
    assert np.isnan(f(np.array([[1.0, 0.0], [2.0, 0.0]]))).all()
    assert f(np.empty((0, 0))).shape == (0, 0)
    with pytest.raises(ValueError, match="square"):
        f(np.ones((2, 3)))


@pytest.mark.parametrize("lower", [True, False])
def test_derivative_against_finite_differences(rng, lower):
    factor, _ = _factor(rng, 4, "float64", lower)
    weights = rng.normal(size=(4, 4))
    verify_grad(lambda c: (cho_inverse((c, lower)) * weights).sum(), [factor], rng=rng)


def test_cho_solve_of_the_identity_becomes_it(rng):
    c = at.dmatrix("c")
    out = at.linalg.cho_solve((c, True), at.eye(c.shape[0]))
    assert "cholesky_inverse_from_solve" in fired(out)
    assert "CholeskyInverse" in op_names(out)
    factor, a = _factor(rng, 5, "float64", True)
    close(arignote.function([c], out)(factor), np.linalg.inv(a), "float64", [a])
    assert "cholesky_inverse_from_solve" not in fired(at.linalg.cho_solve((c, True), c))
    # a product with the inverse is still one solve
    v = at.dvector("v")
    assert "CholeskyInverse" not in op_names(at.dot(v, CholeskyInverse(lower=True)(c)))
