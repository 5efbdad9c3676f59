"""PyTensor's indexing ops converted to arignote (arignote/interop/pytensor/indexing.py):
``Subtensor``, ``AdvancedSubtensor`` (integer arrays, boolean masks, newaxis, slices with
symbolic parts), the increments ``IncSubtensor`` / ``AdvancedIncSubtensor``, ``Choose`` and
the slices ``MakeSlice`` builds (for typed lists and xtensors).

Each graph is evaluated by PyTensor (its default mode) and by arignote, both through
``from_pytensor`` + ``arignote.function`` and through PyTensor's function with arignote's
``mode()`` linker, on the run's backend (``--mode``).  Indexing and setting copy values, so
they agree exactly.  Increments add one value per element, except repeated indices, which
accumulate a few terms in an order that may differ: in float64 that is a few ulps of the sum,
within 1e-12 relative; the gradients are such accumulations too.
"""

from __future__ import annotations

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
from pytensor.tensor.basic import Choose  # noqa: E402
from pytensor.tensor.subtensor import AdvancedIncSubtensor, AdvancedSubtensor, IncSubtensor, Subtensor  # noqa: E402
from pytensor.tensor.type_other import MakeSlice  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import from_pytensor  # noqa: E402
from tests.interop.helpers import check  # noqa: E402

ACCUMULATED = {"float64": 1e-12, "float32": 1e-5, "int64": 0.0}
RNG = np.random.default_rng(1802)


@pytest.fixture(autouse=True)
def _reseed():
    """Each test draws the same values whatever ran before it (in this process, under xdist)."""
    global RNG
    RNG = np.random.default_rng(1802)


def _values(shape, dtype):
    if dtype == "int64":
        return RNG.integers(-9, 10, size=shape)
    return RNG.normal(size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_basic_subtensor(dtype):
    x = pt.tensor("x", dtype=dtype, shape=(None, None, None))
    i, j = pt.lscalar("i"), pt.lscalar("j")
    outputs = [x[1], x[-1, 1:], x[i], x[i:j, -1], x[:, ::-1], x[::2, j:, i], x[j:i:-1],
               x[1:i, 0, ::j], x[None, 0], x[:, None, 1], x[..., i], x[-i:], x[:100]]
    check([x, i, j], outputs, _values((4, 3, 5), dtype), 1, 3, op_types=[Subtensor])


def test_basic_subtensor_out_of_bounds_raises():
    x = pt.dvector("x")
    i = pt.lscalar("i")
    converted = from_pytensor([x[i]], [x, i])
    fn = arignote.function(converted.inputs, converted.outputs)
    with pytest.raises(IndexError):
        fn(np.arange(3.0), 3)


@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_advanced_subtensor_integer_arrays(dtype):
    x = pt.tensor("x", dtype=dtype, shape=(None, None, None))
    iv, jv = pt.lvector("iv"), pt.lvector("jv")
    im = pt.lmatrix("im")
    i = pt.lscalar("i")
    outputs = [x[iv], x[:, iv], x[iv, jv], x[iv, :, jv], x[iv, None, 1:], x[im], x[:, im, i],
               x[iv, i:], x[1:, jv, ::-1], x[iv[:, None], jv], pt.take(x, iv, axis=2)]
    check([x, iv, jv, im, i], outputs, _values((4, 3, 5), dtype), np.array([0, -1, 2]),
          np.array([2, 0, 1]), np.array([[0, 1], [2, 2]]), 1, op_types=[AdvancedSubtensor])


def test_advanced_subtensor_boolean_masks():
    x = pt.dmatrix("x")
    rows = pt.vector("rows", dtype="bool")
    outputs = [x[x > 0], x[rows], x[rows, 1:], x[:, x[0] > 0], x[(x > 0).nonzero()]]
    check([x, rows], outputs, _values((4, 3), "float64"), np.array([True, False, True, True]),
          op_types=[AdvancedSubtensor])


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_inc_and_set_subtensor(dtype):
    x = pt.tensor("x", dtype=dtype, shape=(None, None))
    y = pt.tensor("y", dtype=dtype, shape=(None,))
    i = pt.lscalar("i")
    outputs = [pt.inc_subtensor(x[1:, 0], y[:3]), pt.set_subtensor(x[i], y), pt.inc_subtensor(x[:, i:], 2),
               pt.set_subtensor(x[::-1, ::2], y[:2]), pt.inc_subtensor(x[-1], y[0])]
    check([x, y, i], outputs, _values((4, 4), dtype), _values(4, dtype), 1, op_types=[IncSubtensor])


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_advanced_inc_and_set_subtensor(dtype):
    x = pt.tensor("x", dtype=dtype, shape=(None, None))
    y = pt.tensor("y", dtype=dtype, shape=(None,))
    iv = pt.lvector("iv")
    outputs = [pt.inc_subtensor(x[iv], y),  # repeated rows accumulate (np.add.at)
               pt.inc_subtensor(x[iv], y, ignore_duplicates=True),  # the last write wins
               pt.set_subtensor(x[iv, iv], y[0]), pt.set_subtensor(x[x > 0], 0),
               pt.inc_subtensor(x[:, iv], y[:, None]), pt.set_subtensor(x[iv[:2], 1:], y[1:])]
    check([x, y, iv], outputs, _values((4, 4), dtype), _values(4, dtype), np.array([2, 0, 2, -1]),
          rtol=ACCUMULATED[dtype], op_types=[AdvancedIncSubtensor])


def test_gradients_of_indexing():
    x = pt.dmatrix("x")
    iv = pt.lvector("iv")
    i = pt.lscalar("i")
    cost = ((x[iv] ** 2).sum() + (x[1:i, ::-1] * x[0]).sum() + pt.exp(x[x > 0]).sum()
            + (pt.set_subtensor(x[iv, 0], 1.0) ** 3).sum() + (pt.inc_subtensor(x[i], x[0]) * x).sum())
    check([x, iv, i], pt.grad(cost, x), _values((4, 3), "float64"), np.array([1, 3, 1]), 3,
          rtol=ACCUMULATED["float64"], op_types=[AdvancedIncSubtensor, IncSubtensor])


def test_indexing_with_static_result_shapes():
    # every result shape known from the types (constant slices, scalar and array indices):
    # the graph JAX can trace too, unlike the symbolic slice bounds above
    x = pt.tensor("x", dtype="float64", shape=(4, 3, 5))
    y = pt.tensor("y", dtype="float64", shape=(3,))
    iv = pt.tensor("iv", dtype="int64", shape=(3,))
    i = pt.lscalar("i")
    outputs = [x[i], x[1:, i, ::-2], x[iv], x[:, iv, 0], x[iv, None, 1:], pt.inc_subtensor(x[i, :, 0], y),
               pt.set_subtensor(x[iv, 0, 1], y), pt.inc_subtensor(x[iv, 1, :3], y[:, None]),
               pt.grad((x[iv, :, i] ** 2).sum() + x[-1, ::2].sum(), x)]
    check([x, y, iv, i], outputs, _values((4, 3, 5), "float64"), _values(3, "float64"),
          np.array([2, 0, -1]), -2, rtol=ACCUMULATED["float64"],
          op_types=[Subtensor, AdvancedSubtensor, IncSubtensor, AdvancedIncSubtensor])


# --- Choose and MakeSlice (indexing.py) -----------------------------------------------------

def _check_on_python_linker(inputs, outputs, *values):
    """``check`` with PyTensor's reference on its Python linker: its Numba linker has no slice
    values, and runs ``Choose`` of a typed list in object mode, which crashed the process on
    some of the graphs below (PyTensor 3.3.8)."""
    from pytensor.compile.mode import Mode

    check(inputs, outputs, *values, reference_mode=Mode(linker="py", optimizer="fast_compile"))


@pytest.mark.parametrize("choose_mode", ["raise", "wrap", "clip"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_choose(dtype, choose_mode):
    a = pt.lmatrix("a")
    column = pt.tensor("column", dtype="int64", shape=(None, 1))
    c = pt.tensor("c", dtype=dtype, shape=(None, None))
    d = pt.tensor("d", dtype=dtype, shape=(None, None))
    row = pt.tensor("row", dtype=dtype, shape=(1, None))
    stacked = pt.tensor("stacked", dtype=dtype, shape=(None, None, None))
    # a list of choices (a typed list made by MakeList) and a tensor whose first axis lists
    # them, broadcasting against a where the types declare it; out-of-range indices for wrap
    # and clip
    outputs = [pt.choose(a, [c, d, c * 2], mode=choose_mode), pt.choose(a, stacked, mode=choose_mode),
               pt.choose(column, [c, row, d], mode=choose_mode),
               pt.choose(a[0], [c[0], d[0], d[1]], mode=choose_mode),
               pt.choose(a[0, 0], stacked, mode=choose_mode)]
    low, high = (0, 3) if choose_mode == "raise" else (-4, 7)
    assert any(isinstance(n.op, Choose) for n in pytensor.graph.traversal.io_toposort([a], outputs))
    _check_on_python_linker([a, column, c, d, row, stacked], outputs, RNG.integers(low, high, size=(2, 3)),
          RNG.integers(low, high, size=(2, 1)), _values((2, 3), dtype), _values((2, 3), dtype),
          _values((1, 3), dtype), _values((3, 2, 3), dtype))


def test_choose_of_a_list_beyond_the_rank_of_the_index_is_refused():
    # PyTensor types it with the index's shape (here 0-d), which its value does not have
    a = pt.lscalar("a")
    c = pt.dmatrix("c")
    with pytest.raises(NotImplementedError, match="stack the choices"):
        from_pytensor([pt.choose(a, [c, c])], [a, c])


def test_choose_broadcasting_at_run_time_is_refused():
    # np.choose (PyTensor's perform) stretches a length-1 axis the types do not declare;
    # arignote's choose broadcasts only what the types declare, and says so when it runs
    a = pt.lmatrix("a")
    c = pt.dmatrix("c")
    converted = from_pytensor([pt.choose(a, [c, c])], [a, c])
    fn = arignote.function(converted.inputs, converted.outputs)
    with pytest.raises(ValueError, match="broadcast"):
        fn(np.zeros((2, 3), dtype="int64"), np.ones((1, 3)))


def test_choose_out_of_range_raises():
    a = pt.lvector("a")
    c = pt.dmatrix("c")
    converted = from_pytensor([pt.choose(a, c)], [a, c])
    fn = arignote.function(converted.inputs, converted.outputs)
    with pytest.raises(IndexError):
        fn(np.array([0, 2]), np.ones((2, 2)))


@pytest.mark.skipif(str(arignote.config.mode).upper() == "JAX",
                    reason="arignote's JAX backend does not carry typed lists, by design")
def test_make_slice_indexes_typed_lists():
    import pytensor.typed_list as ptl
    from pytensor.tensor.type_other import make_slice
    from pytensor.typed_list.basic import getitem

    lst = ptl.TypedListType(pt.dvector)("lst")
    i, j = pt.lscalar("i"), pt.lscalar("j")
    parts = [getitem(lst, make_slice(i, j)), getitem(lst, make_slice(None, j, i)),
             getitem(lst, make_slice(j, None, -1))]
    outputs = [ptl.length(p) for p in parts] + [p[0] for p in parts]
    nodes = pytensor.graph.traversal.io_toposort([lst, i, j], outputs)
    assert any(isinstance(n.op, MakeSlice) for n in nodes)
    values = [[RNG.normal(size=k) for k in (2, 3, 1, 4)], 1, 3]
    _check_on_python_linker([lst, i, j], outputs, *values)


def test_make_slice_indexes_xtensors():
    # xtensor slices with symbolic bounds reach Index as MakeSlice (xtensor.py lowers them)
    import pytensor.xtensor as px

    x = px.xtensor("x", dims=("a", "b"), dtype="float64")
    i, j = pt.lscalar("i"), pt.lscalar("j")
    outputs = [x.isel(a=slice(i, j), b=slice(None, None, i)), x.isel(b=slice(-j, None))]
    assert any(isinstance(n.op, MakeSlice) for n in pytensor.graph.traversal.io_toposort([x, i, j], outputs))
    check([x, i, j], outputs, _values((4, 5), "float64"), 1, 3)
