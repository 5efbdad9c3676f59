"""Fused elementwise kernels over any layout: broadcasting, strides, negative strides, views.

Values are compared with the py linker (NumPy) running the same rewritten
graph, so these tests check the loops and the runtime's iteration, not the
rewrites.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arignote
import arignote.tensor as at
from tests.backend.c.helpers import PY, C, assert_close, assert_same, check, kernels_of


def expression(x, y, z):
    return at.exp(-x ** 2) * at.sin(y) + at.log1p(at.exp(z))


def test_the_benchmark_expression_is_one_fused_kernel(rng):
    x, y, z = (at.dvector(n) for n in "xyz")
    f = arignote.function([x, y, z], expression(x, y, z), mode=C)
    assert len(kernels_of(f)) == 1 and kernels_of(f)[0].endswith("C kernel")
    values = [rng.normal(size=1000) for _ in range(3)]
    expected = np.exp(-values[0] ** 2) * np.sin(values[1]) + np.log1p(np.exp(values[2]))
    np.testing.assert_allclose(f(*values), expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layouts(dtype, rng):
    base = rng.normal(size=(6, 8, 5)).astype(dtype)
    layouts = {
        "contiguous": base,
        "fortran": np.asfortranarray(base),
        "transposed": base.transpose(2, 0, 1),
        "strided": base[::2, 1::3, :],
        "negative": base[::-1, :, ::-2],
        "broadcast view": np.broadcast_to(base[:1], base.shape),
    }
    for a in layouts.values():
        b = rng.normal(size=a.shape[-1]).astype(dtype)[::-1]  # a reversed row, broadcast
        check(lambda u, v: at.exp(u) * at.tanh(v) - u / 3, a, b)
        check(lambda u, v: at.exp(u) * at.tanh(v) - u / 3, a, b, static=True)


@given(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, max_side=4),
       st.sampled_from(["float64", "float32", "int32", "int8", "uint16", "bool"]),
       st.booleans())
def test_broadcasting_matches_numpy(shapes, dtype, reverse):
    rng = np.random.default_rng(0)
    values = []
    for shape in shapes.input_shapes:
        v = (rng.normal(size=shape) * 4).astype(dtype) if dtype != "bool" else rng.random(shape) < 0.5
        if reverse and v.ndim:
            v = v[..., ::-1]
        values.append(np.asarray(v))
    if dtype == "bool":
        check(lambda a, b, c: at.or_(at.and_(a, b), c), *values)
    else:
        check(lambda a, b, c: at.maximum(a * b, c) + (a - c), *values)


def test_zero_size_and_zero_d(rng):
    check(lambda a, b: at.exp(a) + b, np.zeros((0, 3)), rng.normal(size=3))
    check(lambda a, b: at.exp(a) + b, np.array(0.5), np.array(2.0))
    check(lambda a, b: at.exp(a) + b, np.zeros((4, 0)), np.zeros((1, 0)))


def test_multi_output_composite(rng):
    x, y = at.dvector("x"), at.dvector("y")
    t = at.exp(x) * y
    outputs = [t + 1, at.sin(t), t]  # fusion makes one node with several outputs
    f = arignote.function([x, y], outputs, mode=C)
    g = arignote.function([x, y], outputs, mode=PY)
    a, b = rng.normal(size=50), rng.normal(size=50)
    for got, expected in zip(f(a, b), g(a, b)):
        assert_close(got, expected)


def test_many_inputs(rng):
    xs = [at.dvector(f"x{k}") for k in range(90)]
    total = xs[0]
    for k, x in enumerate(xs[1:]):
        total = total * 0.5 + at.exp(x) * (k % 3)
    values = [rng.normal(size=7) for _ in xs]
    f = arignote.function(xs, total, mode=C)
    g = arignote.function(xs, total, mode=PY)
    assert_close(f(*values), g(*values))


def test_intermediate_buffers_are_reused_without_changing_results(rng):
    x = at.dmatrix("x")
    a = at.exp(x).sum(axis=0)          # breaks fusion: several kernels over (n, m) arrays
    b = at.sin(x) * a
    c = at.cos(b).sum(axis=1, keepdims=True)
    d = at.tanh(b + c)
    f = arignote.function([x], [d, c], mode=C)
    g = arignote.function([x], [d, c], mode=PY)
    value = rng.normal(size=(30, 40))
    for _ in range(3):  # repeated calls reuse buffers within each call only
        for got, expected in zip(f(value), g(value)):
            assert_close(got, expected)


def test_outputs_never_alias_inputs_or_each_other(rng):
    x = at.dvector("x")
    f = arignote.function([x], [x * 1, x, x.T, at.exp(x), at.exp(x)], mode=C)
    value = rng.normal(size=5)
    outs = f(value)
    for k, a in enumerate(outs):
        assert not np.shares_memory(a, value)
        for b in outs[k + 1:]:
            assert not np.shares_memory(a, b)


def test_large_arrays_split_across_threads_give_the_same_values(rng):
    with arignote.config.change_flags(c_threads=2):
        x = at.dmatrix("x")
        f = arignote.function([x], at.exp(at.sin(x)) * x, mode=C)
    value = rng.normal(size=(700, 1000))
    assert_close(f(value), np.exp(np.sin(value)) * value)
    with arignote.config.change_flags(c_threads=1):
        single = arignote.function([x], at.exp(at.sin(x)) * x + 0, mode=C)
    assert_same(single(value), f(value), ulps=0)


def test_an_unknown_length_does_not_stretch_at_run_time():
    # as on the py linker: only statically-1 lengths broadcast; the kernel checks before looping
    x, y = at.matrix("x"), at.matrix("y")
    f = arignote.function([x, y], at.exp(x) * y + 1.0, mode=C)
    np.testing.assert_allclose(f(np.zeros((2, 3)), np.ones((2, 3))), 2 * np.ones((2, 3)))
    with pytest.raises(ValueError, match="does not broadcast at run time"):
        f(np.zeros((2, 3)), np.ones((1, 3)))
    r = at.tensor("r", shape=(1, None))
    g = arignote.function([x, r], at.exp(x) * r + 1.0, mode=C)
    np.testing.assert_allclose(g(np.zeros((2, 3)), np.ones((1, 3))), 2 * np.ones((2, 3)))
