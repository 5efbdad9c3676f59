"""C steps along axes (runtime/steps_axis.c, steps_matmul.c): CumOp, Softmax, LogSoftmax and
batched MatMul.

Each graph runs on the C linker (checking that the new step, not a Python step, runs it) and
on the py linker (the op's NumPy code).  Running sums and products add and multiply in
NumPy's order, so they compare exactly.  The normalisers use the C library's exp and log and
sums in order where NumPy uses its SIMD exp and pairwise sums, and batched products call
BLAS per matrix as NumPy may or may not: those compare within bounds derived below.
Cases the C code leaves to NumPy (other dtypes, errors) must give NumPy's exact answers.
"""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.tensor.extra_ops import cumprod, cumsum
from arignote.tensor.special import log_softmax, softmax
from tests.backend.c.helpers import same_error

RAW = arignote.Mode(linker="c", optimizer=None)
PY_RAW = arignote.Mode(linker="py", optimizer=None)


def _kinds(f):
    return [plan.kind for plan in f.program.plans]


def _python_labels(f):
    return [plan.label for plan in f.program.plans if plan.kind == "PY"]


def _both(inputs, outputs):
    c = arignote.function(inputs, outputs, mode=RAW, on_unused_input="ignore")
    py = arignote.function(inputs, outputs, mode=PY_RAW, on_unused_input="ignore")
    return c, py


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _layouts(value):
    """The value as C-ordered, Fortran-ordered, reversed and strided arrays."""
    yield value
    yield np.asfortranarray(value)
    if value.ndim:
        yield value[::-1]
        wide = np.repeat(value, 2, axis=-1)[..., ::2]  # a stride of two elements
        assert np.array_equal(wide, value)
        yield wide


# --- CumOp ------------------------------------------------------------------------------------

CUM_DTYPES = ["float64", "float32", "int64", "int32", "int8", "uint8", "uint64", "bool"]


def _cum_value(rng, dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        # large values too, so that running products and sums wrap around as NumPy's do
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    return rng.normal(size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", CUM_DTYPES)
@pytest.mark.parametrize("axis", [None, 0, 1, 2])
def test_cumsum_cumprod_values(dtype, axis, rng):
    x = at.tensor(dtype=dtype, shape=(None, None, None), name="x")
    c, py = _both([x], [cumsum(x, axis=axis), cumprod(x, axis=axis)])
    assert _kinds(c) == ["CUMULATIVE", "CUMULATIVE"]
    for shape in [(2, 3, 4), (1, 5, 1), (3, 0, 2), (0, 0, 0)]:
        for value in _layouts(_cum_value(rng, dtype, shape)):
            with np.errstate(over="ignore", invalid="ignore"):
                want = py(value)
                got = c(value)
            for g, w in zip(got, want):
                assert g.dtype == w.dtype and g.shape == w.shape
                np.testing.assert_array_equal(g, w)  # the same operations in the same order


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cumsum_specials_and_ranks(dtype, rng):
    v, s = at.tensor(dtype=dtype, shape=(None,)), at.tensor(dtype=dtype, shape=())
    c, py = _both([v, s], [cumsum(v), cumprod(v, axis=0), cumsum(s), cumprod(s)])
    assert _kinds(c).count("CUMULATIVE") == 4 and "PY" not in _kinds(c)
    big = np.finfo(dtype).max  # sums overflow to inf
    value = np.array([1.0, np.inf, -np.inf, np.nan, 0.0, -0.0, big, big, 3.0], dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        for g, w in zip(c(value, value[1]), py(value, value[1])):
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_array_equal(g, w)


def test_cumsum_float16_and_complex_run_numpy(rng):
    h, z = at.tensor(dtype="float16", shape=(None,)), at.tensor(dtype="complex128", shape=(None, None))
    c, py = _both([h, z], [cumsum(h), cumprod(z, axis=1)])
    assert _kinds(c) == ["CUMULATIVE", "PY"]  # float16: the step's fallback; complex: a Python step
    hv = rng.normal(size=7).astype("float16")
    zv = rng.normal(size=(2, 3)) + 1j * rng.normal(size=(2, 3))
    for g, w in zip(c(hv, zv), py(hv, zv)):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


def test_cumulative_gradients(rng):
    x = at.dmatrix("x")
    cost = (cumsum(x, axis=1) ** 2).sum() + cumprod(x, axis=0).sum() + cumsum(x).sum()
    f = arignote.function([x], arignote.grad(cost, x), mode=arignote.Mode(linker="c"))
    py = arignote.function([x], arignote.grad(cost, x), mode=arignote.Mode(linker="py"))
    assert not [label for label in _python_labels(f) if "Cum" in label]  # Flip runs NumPy
    value = rng.normal(size=(3, 4))
    value[1, 2] = 0.0  # cumprod's gradient at a zero
    # the same graph of exact running sums and products, then elementwise ops on both sides
    np.testing.assert_allclose(f(value), py(value), rtol=0, atol=0)


# --- Softmax, LogSoftmax ----------------------------------------------------------------------

def _check_normaliser(got, want, x, axis, log):
    """``got`` (C) against ``want`` (NumPy), both computed from the same x - max.

    Each side's exp is within ~2 ulp (glibc, NumPy's SIMD exp), a sum of n positive terms in
    any order within (n-1)/2 eps relative, a division or log within 1/2-1 ulp.  Softmax: the
    two results differ by at most (n + 12) eps relatively; results below the smallest normal
    number lose the relative bound (atol tiny).  LogSoftmax: shifted - log(S) with S in
    [1, n] differs by the two log(S) errors, (n + 8) eps + 2 eps log(n), plus the final
    rounding (2 eps relative).
    """
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    if x.size == 0:
        return
    n = x.size if axis is None else int(np.prod([x.shape[a] for a in axis]))
    info = np.finfo(want.dtype)
    if log:
        np.testing.assert_allclose(got[finite], want[finite], rtol=2 * info.eps,
                                   atol=(n + 8 + 2 * np.log(n)) * info.eps)
    else:
        np.testing.assert_allclose(got[finite], want[finite], rtol=(n + 12) * info.eps, atol=info.tiny)


AXES = [None, (0,), (1,), (2,), (0, 2), (1, 2), (0, 1, 2), ()]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("axis", AXES)
def test_softmax_values(dtype, axis, rng):
    x = at.tensor(dtype=dtype, shape=(None, None, None), name="x")
    c, py = _both([x], [softmax(x, axis=axis), log_softmax(x, axis=axis)])
    assert _kinds(c) == ["SOFTMAX", "SOFTMAX"]
    for shape in [(2, 3, 4), (1, 7, 1), (3, 0, 2), (4, 1, 9)]:
        base = (rng.normal(size=shape) * 5).astype(dtype)
        for value in _layouts(base):
            got, want = c(value), py(value)
            _check_normaliser(got[0], want[0], value, axis, log=False)
            _check_normaliser(got[1], want[1], value, axis, log=True)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_nan_and_inf(dtype):
    x = at.tensor(dtype=dtype, shape=(None, None), name="x")
    c, py = _both([x], [softmax(x, axis=1), log_softmax(x, axis=1), softmax(x), log_softmax(x)])
    inf, nan = np.inf, np.nan
    rows = [[1.0, 2.0, 3.0], [inf, 1.0, 2.0], [-inf, -inf, -inf], [-inf, 0.0, 1.0], [nan, 1.0, 2.0],
            [inf, inf, 0.0], [-inf, nan, inf], [1e30, -1e30, 0.0], [-800.0, 0.0, -800.0]]
    for picked in [rows, rows[:1] + rows[3:4] + rows[7:]]:
        value = np.array(picked, dtype=dtype)
        with np.errstate(over="ignore"):  # NumPy's exp(inf) in the log-softmax of a row of inf
            want = py(value)
        got = c(value)
        for k, (g, w) in enumerate(zip(got, want)):
            _check_normaliser(g, w, value, (1,) if k < 2 else None, log=bool(k % 2))


def test_softmax_of_integers_and_float16_run_numpy(rng):
    i, h = at.tensor(dtype="int8", shape=(None, None)), at.tensor(dtype="float16", shape=(None,))
    c, py = _both([i, h], [softmax(i, axis=1), log_softmax(i), softmax(h), log_softmax(h)])
    # integers: the step's fallback (the input is not of the float64 result's dtype);
    # float16: a Python step
    assert _kinds(c) == ["SOFTMAX", "SOFTMAX", "PY", "PY"]
    iv = rng.integers(-50, 50, size=(3, 4), dtype="int8")
    hv = rng.normal(size=5).astype("float16")
    for g, w in zip(c(iv, hv), py(iv, hv)):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


def test_softmax_gradients(rng):
    x = at.dmatrix("x")
    w = at.dmatrix("w")
    cost = (softmax(x, axis=1) * w).sum() + (log_softmax(x) * w).sum()
    f = arignote.function([x, w], arignote.grad(cost, x), mode=arignote.Mode(linker="c"))
    py = arignote.function([x, w], arignote.grad(cost, x), mode=arignote.Mode(linker="py"))
    assert "SOFTMAX" in _kinds(f) and "PY" not in _kinds(f)
    value, weights = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    # s (g - sum(g s)) and g - exp(out) sum(g) from outputs within (n + 12) eps of NumPy's
    # (relative, per element, n <= 15): an error r in s moves each term by r |s| |g| or
    # r |s| sum |g s|, so the gradients differ by at most 4 r (|g| + sum |g|) elementwise
    r = (15 + 12) * np.finfo("float64").eps
    bound = 4 * r * (np.abs(weights).sum() + np.abs(weights)) * 2
    np.testing.assert_array_less(np.abs(f(value, weights) - py(value, weights)), bound + 1e-300)


# --- batched MatMul ---------------------------------------------------------------------------

def _check_product(got, want, a, b):
    """Each entry is a k-term dot product: any summation order (and FMA) is within
    k u sum|a||b| of the exact value (u = eps / 2), so two orders differ by k eps sum|a||b|."""
    assert got.dtype == want.dtype and got.shape == want.shape
    k = a.shape[-1]
    bound = k * np.finfo(want.dtype).eps * np.matmul(np.abs(a), np.abs(b))
    assert np.all(np.abs(got - want) <= bound)


MATMUL_SHAPES = [
    ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((1, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)), ((2, 3, 4), (4,)), ((4,), (2, 4, 5)), ((2, 0, 4), (2, 4, 5)),
    ((2, 3, 0), (2, 0, 5)), ((0, 3, 4), (1, 4, 5)), ((2, 1, 4), (2, 4, 1)), ((3, 40, 1), (3, 1, 30)),
    # large enough for BLAS (the smallest products run a plain loop)
    ((2, 20, 30), (30, 12)), ((3, 1, 16, 17), (2, 17, 18)), ((3, 40, 60), (60,)), ((70, 50), (2, 50, 9)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_batched_matmul_values(dtype, shapes, rng):
    sa, sb = shapes
    # batch axes of length 1 declared so: MatMul stretches only those
    a = at.tensor(dtype=dtype, shape=tuple(1 if n == 1 else None for n in sa), name="a")
    b = at.tensor(dtype=dtype, shape=tuple(1 if n == 1 else None for n in sb), name="b")
    c, py = _both([a, b], [at.matmul(a, b)])
    assert _kinds(c) == ["MATMUL"]
    va, vb = rng.normal(size=sa).astype(dtype), rng.normal(size=sb).astype(dtype)
    for xa in _layouts(va):
        for xb in (vb, np.asfortranarray(vb), np.swapaxes(np.swapaxes(vb, -1, 0).copy(), -1, 0)):
            got, want = _as_list(c(xa, xb))[0], _as_list(py(xa, xb))[0]
            _check_product(got, want, xa, xb)
    if va.ndim >= 2 and va.shape[-1] == va.shape[-2]:
        _check_product(c(va, np.swapaxes(va, -1, -2))[0], py(va, np.swapaxes(va, -1, -2))[0], va, va)


def test_batched_matmul_errors_are_numpys(rng):
    a, b = at.dtensor3("a"), at.dtensor3("b")
    c, py = _both([a, b], [at.matmul(a, b)])
    assert _kinds(c) == ["MATMUL"]
    same_error(c, py, rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 5)))  # inner lengths
    same_error(c, py, rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4, 5)))  # batch lengths
    # a batch axis not declared of length 1 does not stretch
    same_error(c, py, rng.normal(size=(1, 3, 4)), rng.normal(size=(2, 4, 5)))


def test_batched_matmul_of_integers_runs_numpy(rng):
    a = at.tensor(dtype="int64", shape=(None, None, None))
    b, x = (at.tensor(dtype="float32", shape=(None, None, None)) for _ in range(2))
    c, py = _both([a, b, x], [at.matmul(a, a), at.matmul(b, x)])
    assert _kinds(c) == ["PY", "MATMUL"]
    va = rng.integers(-9, 9, size=(2, 3, 3))
    vb, vx = (rng.normal(size=(2, 3, 3)).astype("float32") for _ in range(2))
    got, want = c(va, vb, vx), py(va, vb, vx)
    np.testing.assert_array_equal(got[0], want[0])
    _check_product(got[1], want[1], vb, vx)


def test_batched_matmul_gradient(rng):
    a, b = at.dtensor3("a"), at.dtensor3("b")
    cost = (at.matmul(a, b) ** 2).sum()
    f = arignote.function([a, b], arignote.grad(cost, [a, b]), mode=arignote.Mode(linker="c"))
    py = arignote.function([a, b], arignote.grad(cost, [a, b]), mode=arignote.Mode(linker="py"))
    assert "MATMUL" in _kinds(f) and "PY" not in _kinds(f)
    va, vb = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 5))
    # 2 (A B) B^T and 2 A^T (A B): two products of k = 4, 5 and 4, 3 terms, each within
    # k eps of the other side's (see _check_product), through the absolute values
    eps = np.finfo("float64").eps
    ab = np.matmul(np.abs(va), np.abs(vb))
    bounds = [2 * (4 + 5) * eps * 2 * np.matmul(ab, np.abs(np.swapaxes(vb, 1, 2))),
              2 * (4 + 3) * eps * 2 * np.matmul(np.abs(np.swapaxes(va, 1, 2)), ab)]
    for got, want, bound in zip(f(va, vb), py(va, vb), bounds):
        assert np.all(np.abs(got - want) <= bound)
