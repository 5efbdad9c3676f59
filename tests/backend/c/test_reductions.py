"""Reductions in C: every reduction over any axes, fused with its elementwise input."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from tests.backend.c.helpers import PY, C, assert_close, check, kernels_of

REDUCTIONS = [("sum", at.sum), ("prod", at.prod), ("max", at.max), ("min", at.min), ("all", at.all),
              ("any", at.any), ("mean", at.mean)]
AXES = [None, 0, 1, 2, (0, 2), (1, 2), (0, 1, 2), -1]


def _values(dtype, rng, shape=(4, 5, 6)):
    if dtype == "bool":
        return rng.random(shape) < 0.7
    if np.dtype(dtype).kind in "iu":
        return rng.integers(0, 4, size=shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


@pytest.mark.parametrize("name, fn", REDUCTIONS, ids=[n for n, _ in REDUCTIONS])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int8", "uint16", "bool"])
def test_reductions_over_axes(name, fn, dtype, rng):
    value = _values(dtype, rng)
    for axis in AXES:
        check(lambda x: fn(x, axis=axis), value)
        check(lambda x: fn(x, axis=axis, keepdims=True), value[::-1, :, ::2])


@pytest.mark.parametrize("name, fn", REDUCTIONS[:4], ids=[n for n, _ in REDUCTIONS[:4]])
def test_nan_and_infinities_propagate(name, fn, rng):
    value = rng.normal(size=(3, 40))
    value[0, 7] = np.nan
    value[1, 3] = np.inf
    value[2, 30] = -np.inf
    for axis in (None, 0, 1):
        check(lambda x: fn(x, axis=axis), value)


def test_fused_reductions_run_as_one_kernel(rng):
    x, y = at.dmatrix("x"), at.dvector("y")
    cases = [at.exp(x).sum(), at.exp(x).sum(axis=0), (x * y).max(axis=1), at.sqr(x - y).mean(axis=1),
             at.gt(x, 0).any(axis=0), at.log1p(at.abs(x)).prod(axis=1)]
    a, b = rng.normal(size=(20, 30)), rng.normal(size=30)
    for out in cases:
        f = arignote.function([x, y], out, mode=C, on_unused_input="ignore")
        kinds = kernels_of(f)
        assert any(line.startswith(("Sum", "Max", "Any", "Prod")) and "<-" in line for line in kinds), kinds
        g = arignote.function([x, y], out, mode=PY, on_unused_input="ignore")
        assert_close(f(a, b), g(a, b))


def test_nested_fused_reductions_compute_their_input_once(rng):
    # a fused reduction below another one's elementwise input, whose result is also read
    # elsewhere: the outer fused node reads the inner one's new form, so the graph between
    # them (here an expensive Cholesky factor) is not kept twice
    x = at.dmatrix("x")
    inner = at.exp(x - 1.0).sum(axis=1)                     # fused: Sum<-Composite
    k = at.linalg.cholesky(at.outer(inner, inner) + at.eye(x.shape[0]))
    out = at.log(at.diagonal(k)).sum() + k.sum()            # the factor read twice
    f = arignote.function([x], out, mode=C)
    kinds = kernels_of(f)
    assert sum(line.startswith("Cholesky") for line in kinds) == 1, kinds
    a = rng.normal(size=(4, 3))
    assert_close(f(a), arignote.function([x], out, mode=PY)(a))


def test_broadcast_inputs_of_a_fused_reduction(rng):
    # the sum of an outer product: the (n, m) product is never stored
    check(lambda u, v: (u[:, None] * at.exp(v)[None, :]).sum(axis=1), rng.normal(size=50),
          rng.normal(size=70))
    check(lambda u, v: (u[:, None] - v).max(), rng.normal(size=50), rng.normal(size=70)[::-2])


def test_reduction_dtypes_follow_numpy(rng):
    ints = rng.integers(-100, 100, size=(30, 20)).astype("int8")
    check(lambda x: at.sum(x, axis=0), ints)                         # int8 sums in int64
    check(lambda x: at.sum(x, axis=1, dtype="int16"), ints)          # wraps as NumPy's
    check(lambda x: at.sum(x, acc_dtype="float64", dtype="float32"), ints.astype("float32"))
    check(lambda x: at.prod(x, axis=1), ints)
    check(lambda x: at.mean(x, axis=0), ints)
    check(lambda x: at.max(x, axis=1, initial=50), ints)


def test_empty_reductions(rng):
    empty = np.zeros((0, 4))
    check(lambda x: at.sum(x, axis=0), empty)
    check(lambda x: at.prod(x), empty)
    check(lambda x: at.max(x, axis=0, initial=-3.0), empty)
    x = at.dmatrix("x")
    f = arignote.function([x], at.max(x, axis=0) * 2, mode=C)
    with pytest.raises(ValueError, match=r"zero-size array to reduction operation maximum"):
        f(empty)


def test_float32_sums_are_pairwise(rng):
    # a naive float32 running sum of a million 0.1s is off by about 1%; pairwise
    # summation (NumPy's, and the kernels') stays within a few ulp of the exact sum
    x = at.fvector("x")
    value = np.full(1_000_000, 0.1, dtype="float32")
    total = arignote.function([x], x.sum(), mode=C)(value)
    exact = value.astype(np.float64).sum()
    assert abs(float(total) - exact) / exact < 1e-5
    strided = arignote.function([x], x[::2].sum(), mode=C)(value)
    assert abs(float(strided) - exact / 2) / (exact / 2) < 1e-5


def test_fused_sum_allocates_no_temporary(rng):
    x = at.dvector("x")
    f = arignote.function([x], at.exp(x).sum(), mode=C)
    value = rng.normal(size=1_000_000)
    f(value)
    tracemalloc.start()
    try:
        f(value)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < value.nbytes / 10, f"peak {peak} bytes for an input of {value.nbytes}"


@pytest.mark.parametrize("fn, name", [(at.argmax, "argmax"), (at.argmin, "argmin")])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "uint8", "bool"])
def test_arg_reductions(fn, name, dtype, rng):
    value = _values(dtype, rng, (5, 6, 7))
    for axis in (None, 0, 1, 2, -1):
        check(lambda x: fn(x, axis=axis), value)
        check(lambda x: fn(x, axis=axis), value[:, ::-2, 1:])
    if np.dtype(dtype).kind == "f":
        value[2, 3, 4] = np.nan
        value[1, 3, 0] = np.nan
        for axis in (None, 0, 1, 2):
            check(lambda x: fn(x, axis=axis), value)
    x = at.tensor("x", dtype=dtype, shape=(None, None))
    f = arignote.function([x], fn(x, axis=1), mode=C)
    with pytest.raises(ValueError, match=f"attempt to get {name} of an empty sequence"):
        f(np.zeros((3, 0), dtype=dtype))


def test_logsumexp_rows(rng):
    value = rng.normal(size=(50, 80)) * 30
    value[3] = -np.inf
    value[4, 5] = np.inf
    check(lambda x: at.logsumexp(x, axis=1), value)


def test_fused_arg_reductions(rng):
    x, y = at.dmatrix("x"), at.dvector("y")
    a, b = rng.normal(size=(20, 30)), rng.normal(size=30)
    a[4, 7] = np.nan
    for out in [at.argmax(at.exp(x) * y), at.argmin(x - y, axis=0), at.argmax(at.sqr(x[::-1]) - y, axis=1),
                at.argmin((x > y).astype("int8"), axis=0)]:
        f = arignote.function([x, y], out, mode=C, on_unused_input="ignore")
        assert any(line.startswith(("Argmax", "Argmin")) and "<-" in line for line in kernels_of(f)), \
            kernels_of(f)
        g = arignote.function([x, y], out, mode=PY, on_unused_input="ignore")
        np.testing.assert_array_equal(f(a, b), g(a, b))
