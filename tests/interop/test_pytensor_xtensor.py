"""PyTensor's named-dimension tensors converted to arignote (arignote/interop/pytensor/xtensor.py):
each ``XOp`` lowered by PyTensor's own lowering rewriter and the tensor graph converted.

Realistic xtensor programs: elementwise arithmetic broadcasting by dimension name,
reductions, ``dot`` over named dimensions, transpose/stack/unstack/concat/squeeze/
expand_dims, indexing (integers, slices with symbolic bounds, vectorized indices along a new
dimension), updates (``x[...].set``/``inc``) and cumulative sums.  (PyTensor 3.3.8 has no gradients
through xtensor ops: ``XElemwise`` and the others define no ``pullback``.)
Each is evaluated by PyTensor (its default mode, which lowers the xtensors) and by arignote,
through ``from_pytensor`` + ``arignote.function`` and through PyTensor's function with
arignote's ``mode()`` linker (which gets the xtensor ops themselves), on the run's backend.

Tolerances: moves, copies and elementwise formulas agree exactly; sums and dot products add
at most a dozen terms of order 1 in an order that may differ, a few ulps of the sum: 1e-12
relative in float64, 1e-5 in float32 (eps 1.2e-7).
"""

from __future__ import annotations

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
import pytensor.xtensor as px  # noqa: E402
from pytensor.xtensor import indexing as pxi  # noqa: E402
from pytensor.xtensor import math as pxm  # noqa: E402
from pytensor.xtensor import reduction as pxr  # noqa: E402
from pytensor.xtensor import shape as pxs  # noqa: E402
from pytensor.xtensor.vectorization import XBlockwise, XElemwise  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import from_pytensor  # noqa: E402
from tests.interop.helpers import check  # noqa: E402

SUMS = {"float64": 1e-12, "float32": 1e-5}
RNG = np.random.default_rng(1823)


@pytest.fixture(autouse=True)
def _reseed():
    """Each test draws the same values whatever ran before it (in this process, under xdist)."""
    global RNG
    RNG = np.random.default_rng(1823)


def _values(shape, dtype="float64"):
    return RNG.normal(size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_elemwise_broadcasting_by_name_and_reductions(dtype):
    x = px.xtensor("x", dims=("city", "year"), dtype=dtype)
    y = px.xtensor("y", dims=("year", "month"), dtype=dtype)
    z = px.xtensor("z", dims=("month",), dtype=dtype, shape=(3,))
    centered = x - x.mean("year")
    combined = pxm.exp(centered) * y + z  # dims (city, year, month), aligned by name
    outputs = [combined, combined.sum("year"), combined.max(("city", "month")), x.std("city"),
               pxm.sqrt(pxm.abs(y)).prod(), px.where(x > 0, x, 0.0), (x ** 2).cumsum("year"),
               (x > 0).any("year")]
    check([x, y, z], outputs, _values((2, 4), dtype), _values((4, 3), dtype), _values(3, dtype),
          rtol=SUMS[dtype], op_types=[XElemwise, pxr.XReduce, pxr.XCumReduce])


def test_dot_over_named_dims():
    a = px.xtensor("a", dims=("i", "k"), dtype="float64")
    b = px.xtensor("b", dims=("k", "j"), dtype="float64")
    v = px.xtensor("v", dims=("j",), dtype="float64")
    outputs = [px.dot(a, b, dim="k"), px.dot(a, b), px.dot(px.dot(a, b), v, dim="j"), a @ a.rename(i="i2"),
               px.dot(a, a.rename(i="i2"), dim=...)]
    check([a, b, v], outputs, _values((2, 3)), _values((3, 4)), _values(4), rtol=SUMS["float64"],
          op_types=[pxm.Dot])


def test_transpose_stack_unstack_concat_squeeze_expand_dims():
    x = px.xtensor("x", dims=("a", "b", "c"), dtype="float64")
    y = px.xtensor("y", dims=("c", "a"), dtype="float64")
    w = px.xtensor("w", dims=("a", "one"), dtype="float64", shape=(None, 1))
    stacked = x.stack({"ab": ("a", "b")})
    outputs = [x.transpose("c", "a", "b"), x.transpose(..., "a"), stacked,
               stacked.unstack({"ab": {"a": 2, "b": 3}}), px.concat([x, x * 2], dim="b"),
               px.concat([x.isel(b=0), y], dim="a"), w.squeeze("one"), y.expand_dims("new"),
               px.broadcast(x, y)[1]]
    check([x, y, w], outputs, _values((2, 3, 4)), _values((4, 2)), _values((2, 1)),
          op_types=[pxs.Transpose, pxs.Stack, pxs.UnStack, pxs.Concat, pxs.Squeeze, pxs.ExpandDims,
                    pxs.Broadcast])


def test_indexing_and_updates():
    x = px.xtensor("x", dims=("a", "b"), dtype="float64")
    i = pt.lscalar("i")
    idx = px.xtensor("idx", dims=("p",), dtype="int64")
    idx2 = px.xtensor("idx2", dims=("p",), dtype="int64")
    outputs = [x.isel(a=1), x.isel(b=slice(i, None)), x.isel(a=slice(None, i, 2), b=-1), x[1:, 0],
               x.isel(a=idx), x.isel(a=idx, b=idx2), x.isel(a=idx, b=slice(1, None)),
               x.isel(b=idx2).sum("p"),
               x.isel(a=idx).set(1.0), x.isel(b=slice(None, i)).inc(x.isel(b=0))]
    check([x, i, idx, idx2], outputs, _values((3, 4)), 2, np.array([2, 0, 2]), np.array([1, 3, 0]),
          rtol=SUMS["float64"], op_types=[pxi.Index, pxi.IndexUpdate])


def test_static_shapes_for_jax():
    # every length known from the types: the xtensor program the JAX backend can trace too
    x = px.xtensor("x", dims=("a", "b"), dtype="float64", shape=(3, 4))
    y = px.xtensor("y", dims=("b",), dtype="float64", shape=(4,))
    outputs = [(x * y).sum("b"), px.dot(x, y), x.transpose("b", "a"), x.stack({"ab": ("a", "b")}),
               px.concat([x, x], dim="a"), x.isel(a=1, b=slice(1, None)), x.cumsum("a")]
    check([x, y], outputs, _values((3, 4)), _values(4), rtol=SUMS["float64"])


def test_converted_graph_has_no_named_dims():
    x = px.xtensor("x", dims=("a", "b"), dtype="float32", shape=(2, None))
    converted = from_pytensor([x.sum("a")], [x])
    assert converted.inputs[0].type == arignote.tensor.TensorType("float32", (2, None))
    assert converted.outputs[0].type.ndim == 1


def test_shared_constant_and_blockwise_xtensors():
    x = px.xtensor("x", dims=("a", "b"), dtype="float64")
    m = px.xtensor("m", dims=("r", "c"), dtype="float64", shape=(3, 3))
    offsets = px.type.xtensor_shared(np.arange(4.0), dims=("b",), name="offsets")
    scale = px.xtensor_constant(np.array([1.0, -2.0, 0.5, 3.0]), dims=("b",))
    solved = px.linalg.solve(m, x.rename(a="r"), dims=("r", "c"))  # one solve per b
    # a 3x3 solve with a diagonally dominant matrix (condition number below 10): LAPACK's
    # backward-stable solve differs between two call paths by at most a few cond * eps
    check([x, m], [x + offsets, x * scale, solved], _values((3, 4)), _values((3, 3)) + 4 * np.eye(3),
          rtol=1e-12, op_types=[XBlockwise])


def test_random_draw_with_named_dims():
    if arignote.config.mode == "JAX":
        pytest.skip("arignote's JAX backend draws from JAX keys, not NumPy's generator")
    rng = pytensor.shared(np.random.default_rng(1823), name="rng")
    mu = px.xtensor("mu", dims=("b",), dtype="float64")
    _, draw = px.random.normal(mu, 1.0, extra_dims={"a": 3}, rng=rng, return_next_rng=True)
    assert draw.type.dims == ("a", "b")
    converted = from_pytensor([draw], [mu])
    got = arignote.function(converted.inputs, converted.outputs)(np.arange(4.0))[0]
    want = pytensor.function([mu], draw)(np.arange(4.0))
    # the same NumPy standard draws, shifted by mu: a rounding of the addition at most
    np.testing.assert_allclose(got, want, rtol=1e-15)
