"""Linear-algebra forms of a Gaussian-process log-density and its derivative: the diagonal (or
trace) of a product the graph computes anyway is read off that product (the Cholesky
derivative reads ``L.T @ dL`` and its diagonal), and the whole derivative keeps its values."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.tensor import linalg as la
from tests.tensor.rewrites.numerics_checks import fired, op_names

DTYPES = ["float64", "float32"]


def _eps(dtype: str) -> float:
    return float(np.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 5, 5), (4, 6, 3), (6, 3, 4)])
def test_diagonal_of_a_product_computed_anyway(dtype, shape):
    n, k, p = shape
    a, b = at.matrix("a", dtype=dtype), at.matrix("b", dtype=dtype)
    prod = at.dot(a, b)
    outs = [prod, at.diagonal(prod)]
    assert "diagonal_of_product" not in fired(outs)
    assert "Sum" not in op_names(outs)
    rng = np.random.default_rng(0)
    av, bv = rng.normal(size=(n, k)).astype(dtype), rng.normal(size=(k, p)).astype(dtype)
    got_prod, got_diag = arignote.function([a, b], outs)(av, bv)
    # the diagonal is a copy of the product's entries: bit-identical
    np.testing.assert_array_equal(got_diag, np.diagonal(got_prod))
    # a k-term dot product: |error| <= k eps sum|a_i b_i| (plus the result's own rounding)
    bound = (k + 1) * _eps(dtype) * (np.abs(av) @ np.abs(bv))
    assert np.all(np.abs(got_prod - (av.astype("float64") @ bv)) <= bound)


@pytest.mark.parametrize("dtype", DTYPES)
def test_diagonal_of_a_product_alone_is_still_a_sum(dtype):
    a, b = at.matrix("a", dtype=dtype), at.matrix("b", dtype=dtype)
    out = at.diagonal(at.dot(a, b))
    assert "diagonal_of_product" in fired(out)
    assert "Dot" not in op_names(out)
    rng = np.random.default_rng(1)
    av, bv = rng.normal(size=(5, 7)).astype(dtype), rng.normal(size=(7, 5)).astype(dtype)
    got = arignote.function([a, b], out)(av, bv)
    bound = 8 * _eps(dtype) * np.diagonal(np.abs(av) @ np.abs(bv))
    assert np.all(np.abs(got - np.diagonal(av.astype("float64") @ bv)) <= bound)


@pytest.mark.parametrize("dtype", DTYPES)
def test_trace_of_a_product_computed_anyway(dtype):
    a, b = at.matrix("a", dtype=dtype), at.matrix("b", dtype=dtype)
    prod = at.dot(a, b)
    outs = [prod, at.trace(prod)]
    assert not {"trace_of_product", "diagonal_of_product"} & set(fired(outs))
    assert op_names(outs) == ["Dot", "Diagonal", "Sum"]
    assert "Dot" not in op_names(at.trace(prod))  # alone: the diagonal without the product
    rng = np.random.default_rng(2)
    av, bv = rng.normal(size=(6, 6)).astype(dtype), rng.normal(size=(6, 6)).astype(dtype)
    got_prod, got_trace = arignote.function([a, b], outs)(av, bv)
    # a sum of the product's diagonal: n terms, |error| <= n eps sum|d_i|
    d = np.diagonal(got_prod).astype("float64")
    assert abs(float(got_trace) - d.sum()) <= 6 * _eps(dtype) * np.abs(d).sum()


def _gp_graph(dtype: str):
    """-0.5 r' K^-1 r - sum(log(diag(L))) with K = eta² exp(-0.5 d²/ell²) + s² I, as PyMC's
    marginal GP writes it (Cholesky, a triangular solve, the log-diagonal), and its derivative
    with respect to the three scalars."""
    x, r = at.vector("x", dtype=dtype), at.vector("r", dtype=dtype)
    ell, eta, s = (at.scalar(name, dtype=dtype) for name in ("ell", "eta", "s"))
    d2 = at.sqr(x[:, None] - x[None, :]) / at.sqr(ell)
    k = at.sqr(eta) * at.exp(-0.5 * d2) + at.sqr(s) * at.eye(x.shape[0], dtype=dtype)
    chol = la.cholesky(k)
    z = la.solve_triangular(chol, r, lower=True)
    logp = -0.5 * at.sum(at.sqr(z)) - at.sum(at.log(at.diagonal(chol)))
    return [x, r, ell, eta, s], [logp, *at.grad(logp, [ell, eta, s])]


def _gp_numpy(xv, rv, ell, eta, s):
    """The same log-density and derivatives in float64 from K^-1 and alpha = K^-1 r:
    d logp / d theta = 0.5 tr((alpha alpha' - K^-1) dK/dtheta)."""
    d2 = np.subtract.outer(xv, xv) ** 2
    e = np.exp(-0.5 * d2 / ell**2)
    k = eta**2 * e + s**2 * np.eye(len(xv))
    kinv = np.linalg.inv(k)
    alpha = kinv @ rv
    w = np.outer(alpha, alpha) - kinv
    logp = -0.5 * rv @ alpha - 0.5 * np.linalg.slogdet(k)[1]
    dks = (eta**2 * e * d2 / ell**3, 2 * eta * e, 2 * s * np.eye(len(xv)))
    return [logp, *(0.5 * np.sum(w * dk) for dk in dks)], np.linalg.cond(k)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [5, 40])
def test_gp_log_density_and_derivative(dtype, n):
    inputs, outs = _gp_graph(dtype)
    names = op_names(outs)
    # one factorisation for the solve, the log-determinant and the derivative; the derivative's
    # diag(L.T @ dL) read off the product it computes anyway
    assert names.count("Cholesky") == 1 and names.count("Dot") == 1
    assert "diagonal_of_product" not in fired(outs)
    rng = np.random.default_rng(3)
    xv = np.sort(rng.uniform(0, 10, n)).astype(dtype)
    rv = rng.normal(size=n).astype(dtype)
    scalars = [np.asarray(v, dtype=dtype) for v in (1.3, 0.8, 0.5)]
    got = arignote.function(inputs, outs)(xv, rv, *scalars)
    want, cond = _gp_numpy(xv.astype("float64"), rv.astype("float64"), 1.3, 0.8, 0.5)
    # backward-stable Cholesky and solves: relative error of K^-1 and of alpha about
    # n * cond(K) * eps; the derivatives are sums of n² such terms weighted by |dK| (bounded
    # by the float64 magnitude of their terms)
    tol = 4 * n * cond * _eps(dtype)
    for g, w in zip(got, want):
        assert abs(float(g) - w) <= tol * max(1.0, abs(w)), (float(g), w, tol)
