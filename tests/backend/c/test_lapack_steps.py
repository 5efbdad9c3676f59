"""Linear algebra through LAPACK in the C runtime (runtime/steps_lapack.c).

Each routine is compared with the op's NumPy/SciPy implementation (the py linker) on the
same inputs: for one matrix and for stacks, in both float dtypes and from integers, for
every memory layout the step reads in place (rows or columns contiguous) or copies, and on
the inputs where the routine fails (the step then gives the op's own NaNs or error).
Tolerances: tests/tensor/linalg/helpers.py (backward-stable routines, ``n * cond * eps``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from tests.backend.c.helpers import PY, C, kernels_of
from tests.tensor.linalg.helpers import FLOATS, close, general, lower_triangular, spd

linalg = at.linalg


#: no rewrites: each op of the graph is the step tested (the linear-algebra rules would turn a
#: positive-definite solve into cho_solve(cholesky), a det of a factor into a product, ...)
RAW_C = arignote.Mode(linker="c", optimizer=None)
RAW_PY = arignote.Mode(linker="py", optimizer=None)


def _compile(inputs, outputs, rewritten=False):
    f_c = arignote.function(inputs, outputs, mode=C if rewritten else RAW_C)
    f_py = arignote.function(inputs, outputs, mode=PY if rewritten else RAW_PY)
    return f_c, f_py


def _in_c(f, count):
    steps = [s for s in kernels_of(f) if s.endswith(": C runtime")]
    lapack = [s for s in steps if s.startswith(("Cholesky", "Solve", "CholeskySolve", "Det", "SLogDet",
                                                "Blockwise"))]
    assert len(lapack) == count, kernels_of(f)


def _agree(f_c, f_py, values, dtype, matrices):
    for got, want in zip(f_c(*values), f_py(*values)):
        assert got.dtype == want.dtype
        close(got, want, dtype, matrices)


def _unary_graphs(a):
    return [linalg.cholesky(a), linalg.cholesky(a, lower=False), linalg.det(a), *linalg.slogdet(a)]


@pytest.mark.parametrize("dtype", FLOATS)
def test_one_matrix_every_routine(rng, dtype):
    a = at.matrix("a", dtype=dtype)
    b = at.matrix("b", dtype=dtype)
    v = at.vector("v", dtype=dtype)
    outputs = [*_unary_graphs(a),
               linalg.solve(a, b), linalg.solve(a, v), linalg.solve(a, b, assume_a="pos"),
               linalg.solve(a, v, assume_a="pos", lower=True), linalg.solve(a, b, transposed=True),
               linalg.solve_triangular(a, b, lower=True), linalg.solve_triangular(a, v, trans=1),
               linalg.solve_triangular(a, b, lower=True, unit_diagonal=True),
               linalg.cho_solve((a, True), b), linalg.cho_solve((a, False), v)]
    f_c, f_py = _compile([a, b, v], outputs)
    _in_c(f_c, 14)  # slogdet: one step, two outputs
    n = 7
    rhs, vec = rng.normal(size=(n, 3)).astype(dtype), rng.normal(size=n).astype(dtype)
    pd = spd(rng, n, dtype)
    # the triangular routines read one triangle of a full matrix: give them a
    # well-conditioned one in each (a Cholesky factor's)
    factor = np.linalg.cholesky(pd.astype("float64"))
    full = (factor + factor.T).astype(dtype)
    _agree(f_c, f_py, [pd, rhs, vec], dtype, [pd])
    _agree(f_c, f_py, [full, rhs, vec], dtype, [full, np.tril(full), np.triu(full)])
    f_c, f_py = _compile([a, b, v], outputs, rewritten=True)  # the rewritten forms too
    _agree(f_c, f_py, [pd, rhs, vec], dtype, [pd])


@pytest.mark.parametrize("layout", ["transposed", "strided", "fortran"])
def test_layouts_read_in_place_or_copied(rng, layout):
    a = at.dmatrix("a")
    b = at.dmatrix("b")
    outputs = [linalg.solve_triangular(a, b, lower=True), linalg.cho_solve((a, True), b), linalg.solve(a, b),
               linalg.det(a), linalg.cholesky(a)]
    f_c, f_py = _compile([a, b], outputs)
    n = 6
    factor = lower_triangular(rng, n)
    pd = factor @ factor.T
    shaped = {"transposed": lambda m: m.T.copy().T, "strided": lambda m: np.repeat(m, 2, axis=1)[:, ::2],
              "fortran": np.asfortranarray}[layout]
    rhs = shaped(rng.normal(size=(n, 4)))
    for m in (factor, pd):
        value = shaped(m)
        assert np.array_equal(value, m)
        _agree(f_c, f_py, [value, rhs], "float64", [m, factor])
    # a transposed view in the graph (mT) is read in place with the flipped triangle
    g_c, g_py = _compile([a, b], [linalg.solve_triangular(a.T, b, lower=False),
                                  linalg.cho_solve((a.T, False), b)])
    _agree(g_c, g_py, [shaped(factor), rhs], "float64", [factor])


def test_integer_and_mixed_inputs_compute_in_the_output_dtype(rng):
    a = at.lmatrix("a")
    b = at.fmatrix("b")
    outputs = [linalg.det(a), linalg.solve(a, b), linalg.cholesky(a)]
    f_c, f_py = _compile([a, b], outputs)
    _in_c(f_c, 3)
    value = np.array([[4, 1, 0], [1, 5, 2], [0, 2, 6]], dtype="int64")
    rhs = rng.normal(size=(3, 2)).astype("float32")
    for got, want in zip(f_c(value, rhs), f_py(value, rhs)):
        assert got.dtype == want.dtype == np.float64
        close(got, want, "float64", [value.astype(float)])


@pytest.mark.parametrize("dtype", FLOATS)
def test_stacks_loop_in_c_and_broadcast_static_ones(rng, dtype):
    a = at.tensor("a", dtype=dtype, shape=(None, None, None, None))
    b = at.tensor("b", dtype=dtype, shape=(None, 1, None, None))
    v = at.tensor("v", dtype=dtype, shape=(1, None, None))
    outputs = [*_unary_graphs(a), linalg.solve(a, b), linalg.solve(a, v, b_ndim=1),
               linalg.solve(a, b, assume_a="pos"), linalg.cho_solve((a, True), b),
               linalg.solve_triangular(a, v, lower=True, b_ndim=1)]
    f_c, f_py = _compile([a, b, v], outputs)
    _in_c(f_c, 9)
    pd = spd(rng, 4, dtype, batch=(2, 3))
    rhs = rng.normal(size=(2, 1, 4, 2)).astype(dtype)
    vec = rng.normal(size=(1, 3, 4)).astype(dtype)
    _agree(f_c, f_py, [pd, rhs, vec], dtype, list(pd.reshape(-1, 4, 4)))
    f_c, f_py = _compile([a, b, v], outputs, rewritten=True)
    _agree(f_c, f_py, [pd, rhs, vec], dtype, list(pd.reshape(-1, 4, 4)))


def test_batch_lengths_that_differ_raise_the_ops_error(rng):
    a = at.dtensor3("a")
    b = at.dtensor3("b")
    f_c, f_py = _compile([a, b], linalg.solve(a, b))
    pd = spd(rng, 3, batch=(4,))
    for rhs in (np.ones((1, 3, 2)), np.ones((2, 3, 2))):  # 1 is not static: no stretching
        with pytest.raises(ValueError, match="batch dimensions"):
            f_py(pd, rhs)
        with pytest.raises(ValueError, match="batch dimensions"):
            f_c(pd, rhs)


def test_failures_give_the_ops_nans_and_errors():
    a = at.dmatrix("a")
    b = at.dvector("b")
    not_pd = np.array([[1.0, 2.0], [2.0, 1.0]])
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    f = arignote.function([a, b], [linalg.cholesky(a), linalg.solve(a, b), linalg.solve(a, b, assume_a="pos"),
                                   linalg.solve_triangular(a, b, lower=True)], mode=C)
    chol, x, x_pos, _ = f(not_pd, np.ones(2))
    assert np.isnan(chol).all() and np.isnan(x_pos).all() and np.isfinite(x).all()
    _, x, _, x_tri = f(singular * [[1, 1], [1, 0]], np.ones(2))  # zero on the diagonal
    assert np.isnan(x_tri).all()
    _, x, _, _ = f(singular, np.ones(2))
    assert np.isnan(x).all()
    g = arignote.function([a], [linalg.det(a), *linalg.slogdet(a)], mode=C)
    det, sign, logdet = g(singular)
    assert det == 0.0 and sign == 0.0 and logdet == -np.inf
    det, sign, logdet = g(np.array([[0.0, 2.0], [3.0, 0.0]]))  # one row swap
    assert det == -6.0 and sign == -1.0 and np.isclose(logdet, np.log(6.0))
    raising = arignote.function([a], linalg.cholesky(a, on_error="raise"), mode=C)
    with pytest.raises(np.linalg.LinAlgError, match="positive definite"):
        raising(not_pd)


def test_empty_and_wrong_shapes():
    a = at.dmatrix("a")
    b = at.dmatrix("b")
    f = arignote.function([a, b], [linalg.solve(a, b), linalg.det(a)], mode=C)
    x, det = f(np.empty((0, 0)), np.empty((0, 2)))
    assert x.shape == (0, 2) and det == 1.0
    with pytest.raises(ValueError, match="square"):
        f(np.ones((2, 3)), np.ones((2, 1)))
    with pytest.raises(ValueError, match="rows"):
        f(np.eye(3), np.ones((2, 1)))


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_nonfinite_entries_propagate_as_in_numpy():
    a = at.dmatrix("a")
    f_c, f_py = _compile([a], [linalg.det(a), *linalg.slogdet(a)])
    value = np.array([[np.nan, 1.0], [1.0, 2.0]])
    for got, want in zip(f_c(value), f_py(value)):
        np.testing.assert_array_equal(got, want)


@settings(max_examples=25, deadline=None)
# the matrices are well conditioned (cond < 10 by construction): 1e-9 is ~n * cond * eps * 1e4
@given(n=st.integers(1, 9), k=st.integers(1, 4), batch=st.lists(st.integers(1, 3), max_size=2),
       seed=st.integers(0, 2**32 - 1))
def test_random_sizes_agree_with_scipy(n, k, batch, seed):
    rng = np.random.default_rng(seed)
    nb = len(batch)
    pd = spd(rng, n, batch=tuple(batch))
    gen = general(rng, n, batch=tuple(batch))
    rhs = rng.normal(size=(*batch, n, k))
    f = _compiled_random(nb)
    chol, x_gen, x_pos, logdet = f(pd, gen, rhs)
    np.testing.assert_allclose(chol, np.linalg.cholesky(pd), rtol=1e-10, atol=1e-12 * n)
    np.testing.assert_allclose(x_gen, np.linalg.solve(gen, rhs), rtol=1e-9, atol=1e-11 * n)
    np.testing.assert_allclose(x_pos, np.linalg.solve(pd, rhs), rtol=1e-9, atol=1e-11 * n)
    np.testing.assert_allclose(logdet, np.linalg.slogdet(gen)[1], rtol=1e-10, atol=1e-12 * n)


_random_functions: dict[int, object] = {}


def _compiled_random(nb):
    if nb not in _random_functions:
        pd = at.tensor("pd", dtype="float64", shape=(None,) * (nb + 2))
        gen = at.tensor("gen", dtype="float64", shape=(None,) * (nb + 2))
        rhs = at.tensor("rhs", dtype="float64", shape=(None,) * (nb + 2))
        _random_functions[nb] = arignote.function(
            [pd, gen, rhs], [linalg.cholesky(pd), linalg.solve(gen, rhs),
                             linalg.solve(pd, rhs, assume_a="pos"), linalg.slogdet(gen)[1]], mode=C)
    return _random_functions[nb]


@pytest.mark.parametrize("dtype", FLOATS)
def test_inverse_from_a_cholesky_factor(rng, dtype):
    from arignote.tensor.linalg.factor_inverses import cho_inverse

    c = at.tensor("c", dtype=dtype, shape=(None, None, None))
    f_c, f_py = _compile([c], [cho_inverse((c, True)), cho_inverse((c, False))])
    _in_c(f_c, 2)
    factors = np.linalg.cholesky(spd(rng, 5, "float64", batch=(3,))).astype(dtype)
    garbage = factors + np.triu(np.ones((5, 5)), 1).astype(dtype)  # the other triangle is not read
    lower, _ = f_c(garbage)
    want = np.linalg.inv(factors.astype("float64") @ np.swapaxes(factors, -1, -2).astype("float64"))
    close(lower, want, dtype, list(want))
    _agree(f_c, f_py, [np.swapaxes(factors, -1, -2).copy()], dtype, list(want))
    assert np.isnan(f_c(np.zeros((1, 2, 2), dtype))[0]).all()  # a singular factor: the op's NaNs
