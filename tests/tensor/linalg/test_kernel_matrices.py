"""Signs of scalars and Gaussian kernel matrices (arignote/tensor/linalg/kernel_matrices.py).

Each recognised form is checked numerically as well: a matrix called a Gaussian kernel has no
eigenvalue below ``-n * eps * max|eigenvalue|`` (the rounding of a symmetric eigensolver),
and a scalar called positive is positive on random inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.rewrite import canonicalize, optimize
from arignote.tensor.linalg.kernel_matrices import is_gaussian_kernel, is_nonnegative, is_positive

x = at.dmatrix("x")
z = at.dvector("z")
p = at.dvector("p")
SQ = at.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
SQ_LINE = (z[:, None] - z[None, :]) ** 2
LENGTHSCALE = at.exp(p[0])

KERNELS = {
    "exp(-0.5 * d / l**2)": at.exp(-0.5 * SQ / LENGTHSCALE ** 2),
    "exp(-d / (2 l**2)), points on a line": at.exp(-SQ_LINE / (2 * LENGTHSCALE ** 2)),
    "exp(-(d * softplus(p1)))": at.exp(-(SQ * at.softplus(p[1]))),
    "exp(-2 * d)": at.exp(-2.0 * SQ),
    "exp(d * -1 / sqrt(exp(p0)))": at.exp(SQ * -1.0 / at.sqrt(at.exp(p[0]))),
}
NOT_KERNELS = {
    "exp(+0.5 * d)": at.exp(0.5 * SQ),
    "exp(-0.5 * d / p0), p0 of unknown sign": at.exp(-0.5 * SQ / p[0]),
    "cubes instead of squares": at.exp(-at.sum((x[:, None, :] - x[None, :, :]) ** 3, axis=-1)),
    "two different point sets": at.exp(-at.sum((x[:, None, :] - (2 * x)[None, :, :]) ** 2, axis=-1)),
    "sum over the points' axis": at.exp(-at.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=0)),
    "exp(-d * p0 * -1)": at.exp(-SQ * p[0] * -1.0),
    "exp(d)": at.exp(SQ),
}


def _values(rng, kernel):
    f = arignote.function([x, z, p], kernel, on_unused_input="ignore", mode="PY")
    return f(rng.normal(size=(12, 3)), rng.normal(size=12), rng.normal(size=2))


@pytest.mark.parametrize("name", list(KERNELS))
def test_gaussian_kernels_are_recognised_as_built_and_after_canonicalize(rng, name):
    kernel = KERNELS[name]
    assert is_gaussian_kernel(kernel)
    assert is_gaussian_kernel(optimize([kernel], phases=[canonicalize])[0])
    values = _values(rng, kernel)
    eigenvalues = np.linalg.eigvalsh(values)
    assert eigenvalues.min() >= -values.shape[0] * np.finfo(float).eps * abs(eigenvalues).max()


@pytest.mark.parametrize("name", list(NOT_KERNELS))
def test_other_exponentials_are_not(name):
    kernel = NOT_KERNELS[name]
    assert not is_gaussian_kernel(kernel)
    assert not is_gaussian_kernel(optimize([kernel], phases=[canonicalize])[0])


def test_the_forms_refused_can_indeed_be_indefinite(rng):
    # the refusals are not over-cautious: each has inputs that make it indefinite
    values = _values(rng, NOT_KERNELS["exp(+0.5 * d)"])
    assert np.linalg.eigvalsh(values).min() < 0


@pytest.mark.parametrize("build, positive, nonnegative", [
    (lambda: at.exp(p[0]), True, True),
    (lambda: at.softplus(p[0]) * at.sigmoid(p[1]), True, True),
    (lambda: at.exp(p[0]) / (1.0 + at.exp(p[1])), True, True),
    (lambda: at.exp(p[0]) ** p[1], True, True),
    (lambda: p[0] ** 2, False, True),
    (lambda: at.sqr(p[0]) + 2.0, False, True),
    (lambda: at.sqrt(at.exp(p[0])), True, True),
    (lambda: p[0], False, False),
    (lambda: -at.exp(p[0]), False, False),
    (lambda: at.exp(p[0]) - 1.0, False, False),
    (lambda: p[0] ** 3, False, False),
    (lambda: at.constant(0.0) * at.exp(p[0]), False, True),
])
def test_signs_of_scalars(rng, build, positive, nonnegative):
    v = build()
    assert is_positive(v) is positive
    assert is_nonnegative(v) is nonnegative
    f = arignote.function([p], v, mode="PY")
    for _ in range(20):
        value = f(rng.normal(size=2) * 3)
        if positive:
            assert value > 0
        if nonnegative:
            assert value >= 0


def test_complex_values_have_no_sign():
    z = at.zscalar("z")
    assert not is_positive(at.constant(np.complex128(2 + 3j)))
    assert not is_nonnegative(at.constant(np.array([1 + 1j, 2 - 1j])))
    assert not is_positive(at.exp(z))  # exp(i pi) = -1
    assert not is_nonnegative(at.sqrt(at.exp(z)))
