"""PyTensor's shape, allocation, join/split and extra_ops ops converted to arignote
(arignote/interop/pytensor/shape_ops.py), and UnsupportedOps listing every missing op type.

Each graph is evaluated by PyTensor (its default mode) and by arignote, both through
``from_pytensor`` + ``arignote.function`` and through PyTensor's function with arignote's
``mode()`` linker, on the backend the run uses (``--mode``).  Most of these ops move or copy
values (shapes, reshapes, joins, splits, diagonals, repeats, index arithmetic) and must agree
exactly.  Running sums and products (``CumOp``) and the gradients, which add a handful of
terms, differ only by summation order: a few ulps of each partial sum, so 1e-12 relative in
float64 (1e-5 in float32, eps = 1.2e-7, over sums of at most a dozen terms of order 1).
"""

from __future__ import annotations

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
from pytensor.compile.ops import deep_copy_op, view_op  # noqa: E402
from pytensor.graph.basic import Apply  # noqa: E402
from pytensor.graph.op import Op  # noqa: E402
from pytensor.tensor import extra_ops as eo  # noqa: E402
from pytensor.tensor.basic import Split  # noqa: E402
from pytensor.tensor.extra_ops import CpuContiguous  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import UnsupportedOps, from_pytensor  # noqa: E402
from tests.interop.helpers import check  # noqa: E402

EXACT = 0.0
TOL = {"float64": 1e-12, "float32": 1e-5, "int64": 0.0, "int32": 0.0}
RNG = np.random.default_rng(1801)


@pytest.fixture(autouse=True)
def _reseed():
    """Each test draws the same values whatever ran before it (in this process, under xdist)."""
    global RNG
    RNG = np.random.default_rng(1801)


def _values(shape, dtype):
    if dtype.startswith("int"):
        return RNG.integers(-5, 6, size=shape).astype(dtype)
    return RNG.normal(size=shape).astype(dtype)


# --- shapes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_shape_reshape_specify_shape_and_make_vector(dtype):
    x = pt.tensor("x", dtype=dtype, shape=(None, None, 4))
    n = pt.lscalar("n")
    outputs = [x.shape, x.shape[1], x.reshape((-1,)), x.reshape((x.shape[0], -1)),
               pt.flatten(x, ndim=2), pt.specify_shape(x, (None, 3, 4)) * 2,
               pt.stack([x.shape[0], n, x.shape[2]]), x.reshape((n, -1, 2))]
    check([x, n], outputs, _values((2, 3, 4), dtype), 3)


def test_shape_i_and_specify_shape_errors():
    from pytensor.tensor.shape import Shape_i
    x = pt.dmatrix("x")
    check([x], [Shape_i(1)(x), Shape_i(0)(x) + 1], _values((2, 5), "float64"))
    converted = from_pytensor([pt.specify_shape(x, (2, 3))], [x])
    fn = arignote.function(converted.inputs, converted.outputs)
    with pytest.raises(Exception, match="shape|Shape"):
        fn(np.ones((2, 4)))  # the asserted shape is checked at run time, as in PyTensor


def test_join_and_split_dims():
    x = pt.tensor3("x")
    n = pt.lscalar("n")
    from pytensor.tensor.reshape import JoinDims, SplitDims
    joined = JoinDims(0, 2)(x)
    split = SplitDims(axis=1)(x, pt.stack([n, x.shape[1] // n]))
    check([x, n], [joined, split], _values((2, 6, 3), "float64"), 2)


# --- values passed through and allocations --------------------------------------------------

def test_view_deep_copy_and_contiguous_are_the_value():
    x = pt.dmatrix("x")
    outputs = [view_op(x) * 2, deep_copy_op(x), CpuContiguous()(x.T) + 1]
    check([x], outputs, _values((3, 2), "float64"))


@pytest.mark.parametrize("dtype", ["float64", "int32", "bool"])
def test_alloc_fill_and_second(dtype):
    v = pt.tensor("v", dtype=dtype, shape=(None,))
    n = pt.lscalar("n")
    x = pt.dmatrix("x")
    outputs = [pt.alloc(v, n, v.shape[0]), pt.zeros((n, 2), dtype=dtype), pt.ones((n,), dtype=dtype),
               pt.broadcast_to(v, (n, v.shape[0])), pt.second(x, 3.0), pt.fill(x, v.shape[0])]
    values = RNG.integers(0, 2, 4).astype(dtype) if dtype == "bool" else _values(4, dtype)
    check([v, n, x], outputs, values, 3, _values((2, 4), "float64"))


def test_alloc_empty_has_the_shape_and_dtype():
    n = pt.lscalar("n")
    for dtype in ["float64", "int16"]:
        # AllocEmpty's values are unspecified: only the type and shape are PyTensor's
        check([n], [pt.empty((n, 3), dtype=dtype)], 4, compare_values=False)


@pytest.mark.parametrize("dtype", ["int64", "float64", "float32"])
def test_arange_eye_tri_and_bartlett(dtype):
    i = pt.lscalar("i")
    start = pt.scalar("start", dtype=dtype)
    outputs = [pt.arange(i), pt.arange(start, start + i, 2, dtype=dtype), pt.eye(i, dtype=dtype),
               pt.eye(i, i + 2, 1), pt.tri(i, i + 1, -1, dtype=dtype), eo.bartlett(i)]
    check([i, start], outputs, 5, np.asarray(1, dtype=dtype), rtol=TOL[dtype])


# --- joins, splits, diagonals ---------------------------------------------------------------

@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "int64"), ("int32", "int64")])
def test_join_stack_and_split(dtypes):
    x = pt.tensor("x", dtype=dtypes[0], shape=(None, 3))
    y = pt.tensor("y", dtype=dtypes[1], shape=(None, 3))
    sizes = pt.lvector("sizes")
    parts = Split(3, 0)(pt.concatenate([x, y]), sizes)
    outputs = [pt.concatenate([x, y], axis=0), pt.concatenate([x, x], axis=1), pt.stack([x, y], axis=1),
               pt.horizontal_stack(x, y), *parts, pt.split(x, [1, 2], n_splits=2, axis=0)[1],
               pt.roll(x, 1, axis=1)]
    check([x, y, sizes], outputs, _values((3, 3), dtypes[0]), _values((3, 3), dtypes[1]),
          np.array([1, 3, 2]))


def test_split_sizes_must_add_up():
    x = pt.dvector("x")
    sizes = pt.lvector("sizes")
    converted = from_pytensor(Split(2, 0)(x, sizes), [x, sizes])
    fn = arignote.function(converted.inputs, converted.outputs)
    with pytest.raises(ValueError):
        fn(np.arange(4.0), np.array([1, 2]))


def test_diagonals():
    x = pt.dtensor3("x")
    m = pt.dmatrix("m")
    v = pt.dvector("v")
    k = pt.lscalar("k")
    outputs = [pt.diagonal(x, 1, 0, 2), pt.diag(m), pt.trace(m), pt.diag(v), pt.diag(v, k=-1),
               eo.fill_diagonal(m, 5.0), eo.fill_diagonal_offset(m, v[0], k), pt.tril(m), pt.triu(m, 1)]
    check([x, m, v, k], outputs, _values((3, 4, 5), "float64"), _values((3, 4), "float64"),
          _values(3, "float64"), 1)


# --- extra_ops ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_cumulative_ops(dtype):
    x = pt.tensor("x", dtype=dtype, shape=(None, None))
    outputs = [pt.cumsum(x, axis=0), pt.cumsum(x, axis=1), pt.cumsum(x), pt.cumprod(x, axis=1),
               pt.cumprod(x), pt.diff(x, axis=1)]
    values = RNG.uniform(0.5, 1.5, (3, 4)).astype(dtype) if dtype != "int64" else _values((3, 4), dtype)
    check([x], outputs, values, rtol=TOL[dtype])


def test_repeat():
    x = pt.dmatrix("x")
    r = pt.lvector("r")
    outputs = [pt.repeat(x, r, axis=0), pt.repeat(x, 2, axis=1), pt.repeat(x[0], r[:1]), pt.tile(x, (2, 1))]
    check([x, r], outputs, _values((2, 3), "float64"), np.array([1, 3]))


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(side):
    a = pt.dvector("a")
    v = pt.dmatrix("v")
    sorter = pt.lvector("sorter")
    outputs = [pt.searchsorted(a, v, side=side), pt.searchsorted(a, v, side=side, sorter=sorter)]
    av = np.array([3.0, 1.0, 2.0, 2.0, 5.0])
    vv = np.array([[0.0, 2.0, 2.5], [5.0, 6.0, 1.0]])  # ties, ends and beyond
    check([a, v, sorter], outputs, np.sort(av), vv, np.argsort(av, kind="stable"))


@pytest.mark.parametrize("extras", [(False, False, False), (True, True, True), (False, True, False)])
def test_unique(extras):
    x = pt.lvector("x")
    m = pt.dmatrix("m")
    outputs = eo.unique(x, *extras)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    outputs.append(eo.unique(m, axis=0))
    mv = np.array([[1.0, 2.0], [0.0, 1.0], [1.0, 2.0]])
    check([x, m], outputs, np.array([3, 1, 3, 2, 1, 1]), mv)


@pytest.mark.parametrize("order", ["C", "F"])
def test_ravel_and_unravel_index(order):
    i, j = pt.lvector("i"), pt.lvector("j")
    flat = pt.lvector("flat")
    outputs = [eo.ravel_multi_index((i, j), (3, 4), order=order),
               eo.ravel_multi_index((i, j), (3, 4), mode="wrap", order=order),
               *eo.unravel_index(flat, (3, 4), order=order)]
    check([i, j, flat], outputs, np.array([0, 2, 1]), np.array([3, 0, 5]) % 4, np.array([0, 5, 11]))
    wrapped = [eo.ravel_multi_index((i, j), (3, 4), mode="wrap", order=order)]
    check([i, j], wrapped, np.array([-1, 7]), np.array([9, -5]))


def test_nonzero_and_permute_row_elements():
    x = pt.dmatrix("x")
    p = pt.lmatrix("p")
    outputs = [*pt.nonzero(x), pt.flatnonzero(x), pt.permute_row_elements(x, p),
               pt.permute_row_elements(x, p, inverse=True)]
    xv = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    check([x, p], outputs, xv, np.array([[2, 0, 1], [1, 2, 0]]))


# --- gradients ------------------------------------------------------------------------------

def test_gradients_of_shape_ops():
    x = pt.dmatrix("x")
    y = pt.dmatrix("y")
    r = pt.lvector("r")
    parts = pt.split(pt.concatenate([x, y], axis=1), [2, 4], n_splits=2, axis=1)
    cost = ((pt.cumsum(x, axis=1) ** 2).sum() + (parts[1] * pt.repeat(x, r, axis=1)[:, :4]).sum()
            + (pt.diagonal(x) * 3).sum() + (pt.reshape(y, (-1,)) * pt.arange(6)).sum()
            + pt.cumprod(y, axis=0).sum() + (pt.alloc(x[0], 2, 3) * y).sum()
            + (pt.stack([x, y]) ** 3).sum())
    grads = pt.grad(cost, [x, y])
    check([x, y, r], grads, RNG.uniform(0.5, 1.5, (2, 3)), RNG.uniform(0.5, 1.5, (2, 3)),
          np.array([1, 2, 1]), rtol=1e-12)


def test_gradient_agrees_with_finite_differences():
    # the converted gradient graph is PyTensor's; check it once against central differences,
    # whose error here is O(h^2 * third derivative) ~ 1e-10 plus rounding eps / h ~ 1e-11
    x = pt.dvector("x")
    cost = (pt.cumprod(x) * pt.repeat(x, 2)[::2]).sum() + pt.concatenate([x, x ** 2]).prod()
    converted = from_pytensor([cost, pt.grad(cost, x)], [x])
    fn = arignote.function(converted.inputs, converted.outputs)
    xv = RNG.uniform(0.5, 1.5, 4)
    h = 1e-5
    numeric = [(fn(xv + h * e)[0] - fn(xv - h * e)[0]) / (2 * h) for e in np.eye(4)]
    np.testing.assert_allclose(fn(xv)[1], numeric, rtol=1e-7)


# --- unsupported ops ------------------------------------------------------------------------

class _MadeUpA(Op):
    __props__ = ()

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = inputs[0]


class _MadeUpB(_MadeUpA):
    pass


def test_unsupported_ops_are_listed_together():
    x = pt.dvector("x")
    out = _MadeUpA()(pt.cumsum(x)) + _MadeUpB()(x[1:]) + _MadeUpA()(x)
    with pytest.raises(UnsupportedOps) as info:
        from_pytensor([out], [x])
    assert set(info.value.op_types) == {_MadeUpA, _MadeUpB}  # each type once, both at once
    assert "_MadeUpA" in str(info.value) and "_MadeUpB" in str(info.value)


def test_shape_ops_with_static_result_shapes():
    # every result shape known from the types: the graph JAX can trace too, unlike the
    # value-dependent shapes above
    x = pt.tensor("x", dtype="float64", shape=(2, 3))
    y = pt.tensor("y", dtype="float64", shape=(4, 3))
    outputs = [x.reshape((3, 2)), pt.concatenate([x, y]), pt.stack([x, x], axis=2), pt.cumsum(y, axis=0),
               pt.cumprod(x, axis=1), pt.repeat(x, 2, axis=0), pt.diagonal(y), pt.eye(3, 4, 1),
               pt.arange(2, 9, 3), pt.alloc(x[0], 4, 3), pt.zeros((2, 2)),
               *pt.split(y, [1, 3], n_splits=2, axis=0), eo.fill_diagonal(y, 2.0),
               pt.specify_shape(x, (2, 3)), x.shape, pt.flatten(y)]
    grads = pt.grad((pt.concatenate([x, y]) ** 2).sum() + pt.cumsum(y, axis=1).sum() + pt.stack([x, x]).sum(),
                    [x, y])
    check([x, y], [*outputs, *grads], _values((2, 3), "float64"), _values((4, 3), "float64"), rtol=1e-12)
