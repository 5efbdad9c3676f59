"""PyTensor's typed lists converted to arignote (arignote/interop/pytensor/typed_lists.py,
and the slices of ``GetItem`` in indexing.py): ``MakeList``, ``Append``, ``Extend``,
``Insert``, ``Remove``, ``Reverse``, ``GetItem`` (by position and by slice, constant or
``make_slice`` with symbolic bounds), ``Index``, ``Count``, ``Length``, nested lists and list
constants.

Each graph is evaluated by PyTensor and by arignote, through ``from_pytensor`` +
``arignote.function`` and through PyTensor's function with arignote's ``mode()`` linker, on
the run's backend (C or py: arignote's JAX backend has no typed lists).  The reference runs
on PyTensor's Python linker: its default Numba linker has no slice values, which
``GetItem`` by slice needs.  The ops move and copy items and
compare them, so results agree exactly; the few arithmetic ops around them are the same
float operations in both.
"""

from __future__ import annotations

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
import pytensor.typed_list as ptl  # noqa: E402
from pytensor.compile.mode import Mode  # noqa: E402
from pytensor.tensor.type_other import make_slice  # noqa: E402
from pytensor.typed_list import basic as pttl  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import from_pytensor, mode  # noqa: E402
from arignote.typed_list import TypedListType  # noqa: E402
from tests.interop.helpers import backend  # noqa: E402

if str(arignote.config.mode).upper() == "JAX":
    pytest.skip("arignote's JAX backend does not carry typed lists (Python lists of arrays), by design",
                allow_module_level=True)

RNG = np.random.default_rng(1820)
REFERENCE = Mode(linker="py", optimizer="fast_compile")
ALL_OPS = {pttl.MakeList, pttl.Append, pttl.Extend, pttl.Insert, pttl.Remove, pttl.Reverse, pttl.GetItem,
           pttl.Index, pttl.Count, pttl.Length}


@pytest.fixture(autouse=True)
def _reseed():
    """Each test draws the same values whatever ran before it (in this process, under xdist)."""
    global RNG
    RNG = np.random.default_rng(1820)


def _assert_same(got, want):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _assert_same(g, w)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def _compare(inputs, outputs, values, linker=True):
    """PyTensor's results against arignote's (from_pytensor, and the linker if ``linker``)."""
    graph_ops = {type(n.op) for n in pytensor.graph.traversal.io_toposort(inputs, outputs)}
    want = pytensor.function(inputs, outputs, mode=REFERENCE)(*values)
    converted = from_pytensor(outputs, inputs)
    results = [arignote.function(converted.inputs, converted.outputs)(*values)]
    if linker:
        results.append(pytensor.function(inputs, outputs, mode=mode(backend()))(*values))
    for got in results:
        _assert_same(list(got), list(want))
    return graph_ops


def _list_of(shapes, dtype="float64"):
    return [RNG.normal(size=s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_every_list_op(dtype):
    lst = ptl.TypedListType(pt.TensorType(dtype, shape=(None,)))("lst")
    x = pt.tensor("x", dtype=dtype, shape=(None,))
    i, j = pt.lscalar("i"), pt.lscalar("j")
    made = ptl.make_list([x, x * 2, x])
    longer = lst.append(x).extend(made).insert(i, x[::-1])
    outputs = [ptl.length(longer), longer.count(x), longer.ind(x), longer[i] + longer[-1],
               ptl.length(longer.remove(x).reverse()), longer.reverse()[j], made[1],
               pttl.getitem(longer, make_slice(i, j))[0], pttl.getitem(longer, slice(None, None, -2))[1]]
    values = [[v.astype(dtype) * 3 for v in _list_of([(3,), (2,), (4,)])],
              (RNG.normal(size=3) * 3).astype(dtype), 1, 2]
    assert ALL_OPS <= _compare([lst, x, i, j], outputs, values)


def test_list_outputs():
    lst = ptl.TypedListType(pt.dmatrix)("lst")
    x = pt.dmatrix("x")
    i = pt.lscalar("i")
    outputs = [ptl.make_list([x, x.T]), ptl.make_list([x]).append(x * 2),
               ptl.make_list([x]).extend(ptl.make_list([x, x]))]
    values = [_list_of([(2, 3), (3, 3)]), RNG.normal(size=(3, 3)), 1]
    _compare([x], outputs, values[1:2])
    # lists derived from an input list: PyTensor's function guards them with DeepCopyOp
    derived = [lst.append(x), lst.extend(lst), lst.insert(i, x), lst.remove(x), lst.reverse(),
               pttl.getitem(lst, make_slice(i, None))]
    _compare([lst, x, i], derived, values, linker=False)


def test_list_output_derived_from_an_input_through_the_linker():
    lst = ptl.TypedListType(pt.dvector)("lst")
    x = pt.dvector("x")
    _compare([lst, x], [lst.append(x)], [_list_of([(2,), (3,)]), RNG.normal(size=2)])


def test_remove_index_and_count_compare_whole_items():
    lst = ptl.TypedListType(pt.dmatrix)("lst")
    x = pt.dmatrix("x")
    outputs = [lst.count(x), lst.ind(x), ptl.length(lst.remove(x)), lst.remove(x)[0]]
    a, b = np.ones((2, 2)), np.zeros((2, 2))
    # equal-valued items of another shape, and the item twice
    values = [[np.ones((1, 2)), b, a, np.ones((2, 1)), a.copy()], a]
    _compare([lst, x], outputs, values)
    # an absent item: Index raises in both, Remove leaves the list alone
    converted = from_pytensor([lst.ind(x)], [lst, x])
    with pytest.raises(ValueError):
        arignote.function(converted.inputs, converted.outputs)([b], a)
    _compare([lst, x], [ptl.length(lst.remove(x))], [[b, b], a])


def test_nested_lists_and_constants():
    inner = ptl.TypedListType(pt.dvector)
    nested = ptl.TypedListType(pt.dvector, 1)("nested")
    assert nested.type.ttype == inner
    x = pt.dvector("x")
    constant = pttl.TypedListConstant(inner, [np.arange(3.0), np.ones(2)])
    outputs = [ptl.length(nested), nested[0][1] + 1, ptl.length(nested.append(constant)),
               nested.append(constant)[-1][0], constant.append(x)[2], ptl.length(constant)]
    values = [[_list_of([(2,), (3,)]), _list_of([(1,)])], RNG.normal(size=4)]
    _compare([nested, x], outputs, values)
    converted = from_pytensor([nested], [nested])
    assert converted.inputs[0].type == TypedListType(TypedListType(arignote.tensor.dvector))


def test_slice_constant_with_a_symbolic_bound_is_refused():
    lst = ptl.TypedListType(pt.dvector)("lst")
    i = pt.lscalar("i")
    # PyTensor makes l[i:] a SliceConstant holding the variable i, which nothing can evaluate
    with pytest.raises(NotImplementedError, match="make_slice"):
        from_pytensor([lst[i:]], [lst])


def test_a_slice_as_a_graph_input_is_refused():
    lst = ptl.TypedListType(pt.dvector)("lst")
    s = pytensor.tensor.type_other.slicetype("s")
    with pytest.raises(NotImplementedError, match="no slice type"):
        from_pytensor([pttl.getitem(lst, s)], [lst, s])
