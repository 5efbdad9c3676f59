"""Derivatives through sparse ops, against central finite differences on dense equivalents.

PyTensor's convention: a structured op gives a gradient only on the stored entries of its
sparse operand; a regular one (``dot``, ``sp_sum(sparse_grad=False)``) on every entry.  The
check perturbs the entries of the matrix (as a dense array, made sparse again), one at a
time, at the stored entries for a structured gradient and everywhere for a regular one, and
checks that a structured gradient stores nothing outside the pattern.

Tolerance: central differences with step h = 1e-6 on float64 err by about h**2 * f''' (1e-12
here, the functions are smooth with derivatives of size ~10) plus the rounding of the two
costs, eps * |cost| / h ~ 2e-16 * 10 / 1e-6 = 2e-9; 1e-6 (relative and absolute) leaves
a margin of 500 over that.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import arignote
import arignote.sparse as sparse
import arignote.tensor as at
from tests.sparse.helpers import MODES, random_sparse

H = 1e-6
TOL = {"rtol": 1e-6, "atol": 1e-6}
ROWS, COLS = 3, 4


def _weights(shape):
    return np.linspace(-1.0, 2.0, int(np.prod(shape))).reshape(shape)


W = _weights((ROWS, COLS))
B = np.linspace(0.5, -0.7, COLS * 2).reshape(COLS, 2)

# name, cost of (x: sparse csr, b: dense (COLS, 2)), whether the gradient for x is structured
CASES = [
    ("dot", lambda x, b: (sparse.dot(x, b) ** 2).sum(), False),
    ("dot_dense_left", lambda x, b: at.tanh(sparse.dot(b.T, x.T)).sum(), False),
    ("dot_sparse_sparse", lambda x, b: (sparse.dot(x, x.T) * 0.5).sum(), False),
    ("structured_dot", lambda x, b: (sparse.structured_dot(x, b) ** 2).sum(), True),
    ("structured_dot_dense_left", lambda x, b: (sparse.structured_dot(b.T, x.T) ** 2).sum(), True),
    ("sp_sum", lambda x, b: sparse.sp_sum(x * x), True),
    ("sp_sum_axis0_regular", lambda x, b: (sparse.sp_sum(x, 0) ** 2).sum(), False),
    ("sp_sum_axis1_structured", lambda x, b: (sparse.sp_sum(x, 1, sparse_grad=True) ** 2).sum(), True),
    ("dense_from_sparse", lambda x, b: (x.toarray() ** 3 * W).sum(), True),
    ("structured_exp", lambda x, b: sparse.sp_sum(sparse.structured_exp(x) * W), True),
    ("sin_tanh", lambda x, b: sparse.sp_sum(sparse.tanh(sparse.sin(x)) * W), True),
    ("structured_pow", lambda x, b: sparse.sp_sum(sparse.structured_pow(abs(x), 3.0) * W), True),
    ("add_sparse_dense", lambda x, b: ((x + W) ** 2).sum(), True),
    ("add_sparse_sparse", lambda x, b: (sparse.dense_from_sparse(x + x.T.T * 2) * W).sum(), True),
    ("mul_sparse_dense", lambda x, b: sparse.sp_sum(x * W * x), True),
    ("neg_transpose", lambda x, b: (sparse.dense_from_sparse((-x).T) ** 2 * W.T).sum(), True),
    ("csm_data", lambda x, b: (sparse.csm_data(x) ** 2).sum(), True),
    ("csm_rebuilt", lambda x, b: (sparse.CSR(*_scaled(sparse.csm_properties(x))).toarray() * W).sum(), True),
    ("col_row_scale",
     lambda x, b: sparse.sp_sum(sparse.row_scale(sparse.col_scale(x, b[:, 0]), b[:3, 1]) * x), True),
    ("hstack", lambda x, b: (sparse.hstack([x, x]).toarray() ** 2).sum(), True),
    ("cast_format", lambda x, b: (sparse.as_format(x, "csc").toarray() ** 2 * W).sum(), True),
]


def _scaled(parts):
    data, indices, indptr, shape = parts
    return [data * 3.0, indices, indptr, shape]


def _positions(pattern, structured):
    if structured:
        coo = pattern.tocoo()
        return list(zip(coo.row.tolist(), coo.col.tolist()))
    return [(i, j) for i in range(pattern.shape[0]) for j in range(pattern.shape[1])]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("name", "build", "structured"), CASES, ids=[c[0] for c in CASES])
def test_gradient_matches_finite_differences(name, build, structured, mode, rng):
    x, b = sparse.csr_matrix("x"), at.matrix("b")
    cost = build(x, b)
    gx, gb = arignote.grad(cost, [x, b], disconnected_inputs="ignore")
    f_cost = arignote.function([x, b], cost, mode=mode, on_unused_input="ignore")
    f_grad = arignote.function([x, b], [gx, gb], mode=mode, on_unused_input="ignore")
    xv = random_sparse(rng, (ROWS, COLS), 0.5)
    got_x, got_b = f_grad(xv, B)
    assert sp.issparse(got_x) and got_x.format == "csr" and got_x.shape == xv.shape
    dense_x = xv.toarray()
    if structured:  # nothing outside the stored entries
        outside = got_x.toarray()[dense_x == 0]
        np.testing.assert_array_equal(outside, 0)
    for i, j in _positions(xv, structured):
        def at_value(delta, i=i, j=j):
            moved = dense_x.copy()
            moved[i, j] += delta
            return float(f_cost(sp.csr_matrix(moved), B))
        numeric = (at_value(H) - at_value(-H)) / (2 * H)
        np.testing.assert_allclose(got_x[i, j], numeric, **TOL, err_msg=f"d/dx[{i}, {j}]")
    for i, j in [(0, 0), (COLS - 1, 1), (1, 0)]:  # the dense operand, where it is used
        def at_b(delta, i=i, j=j):
            moved = B.copy()
            moved[i, j] += delta
            return float(f_cost(xv, moved))
        numeric = (at_b(H) - at_b(-H)) / (2 * H)
        np.testing.assert_allclose(got_b[i, j], numeric, **TOL, err_msg=f"d/db[{i}, {j}]")


@pytest.mark.parametrize("mode", MODES)
def test_gradient_through_conversion_from_dense(mode, rng):
    """csr_from_dense's gradient is the dense cotangent (here structured by the ops after it,
    so it lives on the nonzero entries of y)."""
    y = at.matrix("y")
    cost = sparse.sp_sum(sparse.structured_exp(sparse.csr_from_dense(y)) * W)
    f = arignote.function([y], arignote.grad(cost, y), mode=mode)
    yv = random_sparse(rng, (ROWS, COLS), 0.5).toarray()
    np.testing.assert_allclose(f(yv), np.where(yv != 0, np.exp(yv) * W, 0.0), rtol=1e-14, atol=0)


@pytest.mark.parametrize("mode", MODES)
def test_gradients_from_several_uses_are_summed(mode, rng):
    """A sparse variable used by a regular and a structured op: its cotangents (dense and
    sparse) are summed into one sparse gradient."""
    x, b = sparse.csr_matrix("x"), at.matrix("b")
    cost = sparse.dot(x, b).sum() + sparse.sp_sum(x * x, sparse_grad=True)
    f = arignote.function([x, b], arignote.grad(cost, x), mode=mode)
    xv = random_sparse(rng, (ROWS, COLS), 0.5)
    got = f(xv, B)
    assert sp.issparse(got)
    want = np.ones((ROWS, 2)) @ B.T + 2 * xv.toarray()
    np.testing.assert_allclose(got.toarray(), want, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("mode", MODES)
def test_shared_sparse_weights_train(mode, rng):
    """A gradient step on a shared sparse matrix (updates keep it sparse, in its format)."""
    w = sparse.shared(random_sparse(rng, (ROWS, COLS), 0.5), name="w")
    start = w.get_value()
    b = at.matrix("b")
    cost = (sparse.structured_dot(w, b) ** 2).sum()
    step = arignote.function([b], cost, updates={w: w - 0.1 * arignote.grad(cost, w)}, mode=mode)
    step(B)
    grad = 2 * (start.toarray() @ B) @ B.T * (start.toarray() != 0)
    new = w.get_value()
    assert new.format == "csr"
    np.testing.assert_allclose(new.toarray(), start.toarray() - 0.1 * grad, rtol=1e-13, atol=1e-13)
