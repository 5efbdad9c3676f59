"""Subnormal floats on the JAX backend: XLA on the CPU flushes them to zero (documented in the
README's JAX section); these tests pin that behaviour, so they fail if it changes."""

import pytest

jax = pytest.importorskip("jax", reason="JAX is not installed (pip install 'arignote[jax]')")

import numpy as np  # noqa: E402

import arignote  # noqa: E402
import arignote.tensor as at  # noqa: E402


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="the flushing is XLA's on the CPU")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_xla_on_the_cpu_flushes_subnormals_to_zero(dtype):
    x, y = at.vector("x", dtype=dtype), at.vector("y", dtype=dtype)
    tiny = np.finfo(dtype).smallest_normal
    a = np.array([tiny / 4, -tiny / 4, tiny], dtype)  # two subnormals and the smallest normal
    b = np.array([tiny / 2, tiny / 2, tiny], dtype)
    outputs = [x > 0, x / y, x * 0.5, -x]
    positive, quotient, half, negated = arignote.function([x, y], outputs, mode="JAX")(a, b)
    # the py backend (NumPy) computes with the subnormals
    py = arignote.function([x, y], outputs, mode="PY")(a, b)
    np.testing.assert_array_equal(py[0], [True, False, True])
    np.testing.assert_array_equal(py[1], [0.5, -0.5, 1.0])
    # XLA reads subnormal inputs as zero ...
    np.testing.assert_array_equal(positive, [False, False, True])
    np.testing.assert_array_equal(quotient, [np.nan, np.nan, 1.0])
    # ... and flushes subnormal results to zero (tiny * 0.5 is subnormal)
    np.testing.assert_array_equal(half, [0.0, -0.0, 0.0])
    # a sign flip is no arithmetic: the subnormals pass through it
    np.testing.assert_array_equal(negated, -a)
