"""`shape_of`: every op's symbolic shape against the shape of its computed value."""

from __future__ import annotations

import gc
import itertools
import weakref
from dataclasses import dataclass

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph.basic import Apply
from arignote.graph.op import Op
from arignote.graph.traversal import toposort
from arignote.tensor import shape_inference as si
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.shape_inference import ShapeUnknown, shape_info, shape_of
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorConstant
from tests.checks import symbolic_like

REFERENCE = arignote.Mode(optimizer=None)
R = np.random.default_rng(7)


def _f(*shape):
    return R.uniform(-2, 2, shape)


def _i(*shape, low=0, high=4):
    return R.integers(low, high, shape)


def _stacked(dims):
    return at.make_vector(*dims, dtype="int64") if dims else at.constant(np.zeros(0, np.int64))


def check_shapes(build, *values, static=False):
    """shape_of(each output of build) evaluates to the shape of the computed output."""
    values = [np.asarray(v) for v in values]
    inputs = [symbolic_like(v, static, f"x{i}") for i, v in enumerate(values)]
    outs = build(*inputs)
    outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    expected = arignote.function(inputs, outs, mode=REFERENCE, on_unused_input="ignore")(*values)
    dims = [shape_of(o) for o in outs]
    for out, entries in zip(outs, dims):
        assert len(entries) == out.ndim
        for entry, known in zip(entries, out.type.shape):
            assert entry.type == TensorType("int64", ())
            if known is not None:
                assert isinstance(entry, TensorConstant) and int(entry.data) == known
    got = arignote.function(inputs, [_stacked(d) for d in dims], mode=REFERENCE,
                            on_unused_input="ignore")(*values)
    for g, e in zip(got, expected):
        assert tuple(g.tolist()) == np.shape(e)


# (name, build, input values): each runs with unknown and with static input shapes
CASES = [
    # elementwise, broadcasting (a length 1 against 0 gives 0)
    ("exp", at.exp, [_f(3, 4)]),
    ("add_broadcast", lambda x, y: x + y, [_f(3, 4), _f(4)]),
    ("add_ones", lambda x, y: x + y, [_f(1, 4), _f(3, 1)]),
    ("add_zero_length", lambda x, y: x * y, [_f(0, 1), _f(1, 5)]),
    ("add_same", lambda x: x + x, [_f(2, 3)]),
    ("switch", lambda c, x, y: at.switch(c, x, y), [_f(3, 1) > 0, _f(1, 4), _f(4)]),
    ("cast", lambda x: at.cast(x, "int32"), [_f(2, 5)]),
    # dimshuffle
    ("transpose", lambda x: x.T, [_f(2, 3, 4)]),
    ("expand_dims", lambda x: at.expand_dims(x, (0, 2)), [_f(3, 4)]),
    ("squeeze", lambda x: at.squeeze(x, 1), [_f(3, 1, 4)]),
    # shape ops
    ("shape", lambda x: x.shape, [_f(3, 4)]),
    ("shape_i", lambda x: at.shape_i(x, 1), [_f(3, 4)]),
    ("make_vector", lambda a, b: at.make_vector(a, b), [np.int64(2), np.int64(5)]),
    ("reshape_flat", lambda x: x.reshape((-1,)), [_f(3, 4)]),
    ("reshape_minus1", lambda x: x.reshape((2, -1, 3)), [_f(4, 3, 2)]),
    ("reshape_entries", lambda x: x.reshape((x.shape[1], -1)), [_f(6, 4)]),
    ("reshape_symbolic", lambda x, n: x.reshape((n, 4)), [_f(6, 2), np.int64(3)]),
    ("reshape_symbolic_minus1", lambda x, n: x.reshape((n, 4)), [_f(6, 2), np.int64(-1)]),
    ("reshape_vector", lambda x, s: at.reshape(x, s, ndim=2), [_f(6, 2), np.array([4, 3])]),
    ("flatten", lambda x: at.flatten(x, 2), [_f(2, 3, 4)]),
    ("specify_shape", lambda x, n: at.specify_shape(x, (n, None)), [_f(3, 2), np.int64(3)]),
    ("specify_static", lambda x: at.specify_shape(x, (3, None)), [_f(3, 2)]),
    # allocation
    ("alloc", lambda v, n: at.alloc(v, n, 3), [_f(3), np.int64(4)]),
    ("zeros_like", lambda x: at.zeros_like(x.T), [_f(2, 5)]),
    ("broadcast_to", lambda x: at.broadcast_to(x, (2, x.shape[0], 3)), [_f(4, 1)]),
    ("full", lambda n: at.full((n, 2), 1.5), [np.int64(3)]),
    ("arange_int", lambda a, b: at.arange(a, b, 3), [np.int64(-4), np.int64(9)]),
    ("arange_empty", lambda a, b: at.arange(a, b), [np.int64(5), np.int64(2)]),
    ("arange_negative_step", lambda a, b, s: at.arange(a, b, s),
     [np.int64(5), np.int64(-6), np.int64(-4)]),
    ("arange_float", lambda a, b, s: at.arange(a, b, s), [np.float64(-1.3), np.float64(2.2), 0.3]),
    ("arange_float32", lambda a, b, s: at.arange(a, b, s),
     [np.float32(0.1), np.float32(1.7), np.float32(0.1)]),
    ("arange_float16", lambda a, b, s: at.arange(a, b, s),
     [np.float16(0.1), np.float16(3.3), np.float16(0.3)]),
    ("arange_uint8_wraps", lambda a, b: at.arange(a, b), [np.uint8(38), np.uint8(31)]),
    ("arange_mixed", lambda a, b: at.arange(a, b, 0.5), [np.int32(1), np.float32(3.2)]),
    ("eye", lambda n, m: at.eye(n, m, 1), [np.int64(3), np.int64(5)]),
    ("tri", lambda n: at.tri(n, 2), [np.int32(4)]),
    # joining
    ("concatenate", lambda x, y: at.concatenate([x, y, x], axis=1), [_f(2, 3), _f(2, 1)]),
    ("stack", lambda x, y: at.stack([x, y], axis=1), [_f(2, 3), _f(2, 3)]),
    ("split", lambda x: at.split(x, [1, 3, 0], 3, axis=1), [_f(2, 4)]),
    ("split_symbolic", lambda x, s: at.split(x, s, 2, axis=0), [_f(5, 2), np.array([2, 3])]),
    ("tile_longer_reps", lambda x: at.tile(x, (2, 1, 3)), [_f(2, 3)]),
    ("tile_shorter_reps", lambda x, n: at.tile(x, [n]), [_f(2, 3, 2), np.int64(4)]),
    ("repeat_scalar", lambda x, n: at.repeat(x, n, axis=1), [_f(2, 3), np.int64(3)]),
    ("repeat_vector", lambda x, r: at.repeat(x, r, axis=0), [_f(3, 2), np.array([1, 0, 4])]),
    ("repeat_single_count", lambda x, r: at.repeat(x, r, axis=0), [_f(3, 2), np.array([2])]),
    ("repeat_flat", lambda x, r: at.repeat(x, r), [_f(2, 3), np.array([2])]),
    ("roll", lambda x: at.roll(x, 2, axis=0), [_f(3, 2)]),
    ("flip", lambda x: at.flip(x, 1), [_f(3, 2)]),
    # reductions and statistics
    ("sum_axis", lambda x: at.sum(x, axis=1), [_f(3, 4, 2)]),
    ("max_keepdims", lambda x: at.max(x, axis=(0, 2), keepdims=True), [_f(3, 4, 2)]),
    ("prod_all", lambda x: at.prod(x), [_f(3, 4)]),
    ("argmax_axis", lambda x: at.argmax(x, axis=0), [_f(3, 4)]),
    ("argmin_flat", lambda x: at.argmin(x), [_f(3, 4)]),
    ("mean_var", lambda x: [at.mean(x, axis=0), at.var(x, axis=1, keepdims=True)], [_f(3, 4)]),
    ("logsumexp", lambda x: at.logsumexp(x, axis=1), [_f(3, 4)]),
    # extra ops
    ("cumsum_flat", lambda x: at.cumsum(x), [_f(3, 4)]),
    ("cumprod_axis", lambda x: at.cumprod(x, axis=1), [_f(3, 4)]),
    ("diff", lambda x: at.diff(x, n=2, axis=0), [_f(5, 3)]),
    ("diff_too_far", lambda x: at.diff(x, n=3, axis=0), [_f(2, 3)]),
    ("searchsorted", lambda a, v: at.searchsorted(a, v), [np.sort(_f(5)), _f(2, 3)]),
    ("bincount", lambda x: at.bincount(x), [_i(6, high=5)]),
    ("bincount_minlength", lambda x, w: at.bincount(x, w, minlength=9), [_i(6, high=5), _f(6)]),
    ("bincount_empty", lambda x: at.bincount(x, minlength=2), [np.zeros(0, np.int64)]),
    ("unique", lambda x: at.unique(x, True, True, True), [_i(3, 4, high=3)]),
    ("unique_axis", lambda x: at.unique(x, True, True, True, axis=1), [_i(3, 5, high=2)]),
    # sorting
    ("sort", lambda x: at.sort(x, axis=0), [_f(3, 4)]),
    ("argsort_flat", lambda x: at.argsort(x, axis=None), [_f(3, 4)]),
    # products
    ("dot_mm", at.dot, [_f(3, 4), _f(4, 2)]),
    ("dot_vm", at.dot, [_f(4), _f(4, 2)]),
    ("dot_mv", at.dot, [_f(3, 4), _f(4)]),
    ("dot_3d", at.dot, [_f(2, 3, 4), _f(5, 4, 6)]),
    ("matmul_batch", at.matmul, [_f(2, 1, 3, 4), _f(5, 4, 2)]),
    ("matmul_vector", at.matmul, [_f(4), _f(2, 4, 3)]),
    ("tensordot", lambda a, b: at.tensordot(a, b, ((0, 2), (1, 0))), [_f(2, 3, 4), _f(4, 2, 5)]),
    ("diagonal", lambda x: at.diagonal(x, 1), [_f(3, 5)]),
    ("diagonal_below", lambda x: at.diagonal(x, -2, 0, 2), [_f(4, 2, 3)]),
    ("diagonal_empty", lambda x: at.diagonal(x, 7), [_f(3, 5)]),
    ("trace", lambda x: at.trace(x), [_f(3, 5, 2)]),
    ("outer", at.outer, [_f(3), _f(2, 2)]),
    # special
    ("softmax", lambda x: at.special.softmax(x, axis=1), [_f(3, 4)]),
    ("log_softmax", lambda x: at.special.log_softmax(x), [_f(3, 4)]),
    # basic indexing
    ("index_int", lambda x: x[1], [_f(3, 4)]),
    ("index_tail", lambda x: x[1:], [_f(3, 4)]),
    ("index_reversed", lambda x: x[::-1, ::2], [_f(3, 5)]),
    ("index_negative", lambda x: x[-3:-1, 4:], [_f(5, 3)]),
    ("index_past_end", lambda x: x[7:, :9], [_f(5, 3)]),
    ("index_newaxis", lambda x: x[None, 0, ..., None], [_f(3, 4)]),
    ("index_symbolic", lambda x, i, j, k: x[i:j:k], [_f(7), np.int64(-2), np.int64(1), np.int64(-2)]),
    ("index_symbolic_start", lambda x, i: x[i:, :i], [_f(4, 6), np.int64(2)]),
    ("index_symbolic_int", lambda x, i: x[:, i], [_f(4, 6), np.int64(-1)]),
    # advanced indexing
    ("take_list", lambda x: x[[0, 2, 2]], [_f(3, 4)]),
    ("index_matrix", lambda x, i: x[i], [_f(3, 4), _i(2, 5, high=3)]),
    ("index_column", lambda x, i: x[:, i], [_f(3, 4), _i(2, high=4)]),
    ("index_separated", lambda x, i, j: x[i, :, j], [_f(3, 4, 5), _i(2, 1, high=3), _i(6, high=5)]),
    ("index_adjacent", lambda x, i, j: x[:, i, j], [_f(3, 4, 5), _i(2, 1, high=4), _i(6, high=5)]),
    ("index_mixed_int", lambda x, i: x[1, :, i], [_f(3, 4, 5), _i(2, high=5)]),
    ("mask", lambda x: x[x > 0], [_f(3, 4)]),
    ("mask_rows", lambda x, m: x[m], [_f(3, 4), np.array([True, False, True])]),
    ("mask_true", lambda x: x[True], [_f(3)]),
    ("mask_0d", lambda x, m: x[m], [_f(3), np.bool_(False)]),
    ("take", lambda x, i: at.take(x, i, axis=1), [_f(3, 4), _i(2, 2, high=4)]),
    ("take_flat", lambda x, i: at.take(x, i), [_f(3, 4), _i(5, high=12)]),
    # writing through an index
    ("set_subtensor", lambda x, y: at.set_subtensor(x[1:], y), [_f(3, 4), _f(4)]),
    ("inc_advanced", lambda x, i: at.inc_subtensor(x[i], 1.0), [_f(3, 4), _i(5, high=3)]),
    # where nonzero
    ("nonzero", lambda x: at.nonzero(x), [_i(3, 4, high=2)]),
    ("flatnonzero", lambda x: at.flatnonzero(x), [_f(3, 4) > 0]),
]


@pytest.mark.parametrize("static", [False, True], ids=["unknown", "static"])
@pytest.mark.parametrize("name,build,values", CASES, ids=[c[0] for c in CASES])
def test_shape_of_matches_the_computed_shape(name, build, values, static):
    check_shapes(build, *values, static=static)


def test_every_op_of_the_tensor_modules_infers_its_shape():
    import arignote.tensor as tensor_api

    modules = [getattr(tensor_api, name) for name in (
        "elemwise", "dimshuffle", "shape", "alloc", "join", "reduction", "extra_ops", "sort",
        "products", "special", "subtensor_basic", "subtensor_advanced", "subtensor_inc", "nonzero")]
    default = getattr(Op, "infer_shape", None)  # should Op get a default, it does not count
    missing = []
    for module in modules:
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Op) and value.__module__ == module.__name__
                    and not value.__name__.startswith("_")
                    and getattr(value, "infer_shape", None) in (None, default)):
                missing.append(f"{module.__name__}.{value.__name__}")
    assert not missing


def test_static_dims_are_constants_and_inputs_give_shape_i():
    x = at.tensor("x", shape=(None, 3))
    dims = shape_of(at.exp(x))
    assert dims[0] is at.shape_i(x, 0)
    assert isinstance(dims[1], TensorConstant) and int(dims[1].data) == 3
    assert shape_of(x) == (at.shape_i(x, 0), dims[1])


def test_shape_of_a_computation_needs_no_computed_value():
    x, y = at.matrix("x"), at.matrix("y")
    dims = shape_of(at.exp(x).dot(y))
    ops = {type(n.op).__name__ for n in toposort(list(dims))}
    assert ops == {"ShapeI"}


def test_entries_that_need_the_value_itself_are_flagged():
    x = at.matrix("x")
    assert shape_info(at.unique(x)).reads_node == (True,)
    values = at.unique(x, axis=1)
    assert shape_info(values).reads_node == (False, True)
    # counted from the input, cheaper than the op
    assert shape_info(at.nonzero(x)[0]).reads_node == (False,)
    assert shape_info(x[x > 0]).reads_node == (False,)


@dataclass(frozen=True)
class _Opaque(Op):
    """An op without a shape rule."""

    def make_node(self, x):
        return Apply.build(self, [x], [x.type.clone(shape=(None, 2))])

    def perform(self, x):
        return x


@dataclass(frozen=True)
class _Unknown(_Opaque):
    def infer_shape(self, node, input_shapes):
        raise ShapeUnknown


@pytest.mark.parametrize("op", [_Opaque(), _Unknown()])
def test_ops_without_a_shape_rule_read_their_output(op):
    x = at.tensor("x", shape=(None, 2))
    out = op(x)
    info = shape_info(out)
    assert info.dims == (at.shape_i(out, 0), si.dim(2))
    assert info.reads_node == (True, False)
    # and the ops above them infer from there
    assert shape_of(at.exp(out))[0] is at.shape_i(out, 0)


def test_a_wrong_shape_rule_is_reported():
    @dataclass(frozen=True)
    class Bad(_Opaque):
        def infer_shape(self, node, input_shapes):
            return [input_shapes[0][:1]]

    with pytest.raises(ValueError, match="infer_shape gave 1 length"):
        shape_of(Bad()(at.matrix("x")))


def test_deep_graphs_take_one_pass(monkeypatch):
    calls = []
    original = Elemwise.infer_shape

    def counting(self, node, input_shapes):
        calls.append(node)
        return original(self, node, input_shapes)

    monkeypatch.setattr(Elemwise, "infer_shape", counting)
    x = at.vector("x")
    out = x
    for _ in range(3000):  # deeper than Python's recursion limit
        out = at.exp(out) + x
    assert shape_of(out) == (at.shape_i(x, 0),)
    assert len(calls) == 6000
    shape_of(out)
    shape_of(out[1:])  # a second question reuses the first one's answers
    assert len(calls) == 6000


def test_the_memo_does_not_keep_graphs_alive():
    x = at.vector("x")
    out = at.exp(at.exp(x)).dot(at.log(x))
    shape_of(at.exp(out))
    alive = weakref.ref(out)
    del out
    gc.collect()
    assert alive() is None


def test_unique_shape_cache_does_not_keep_graphs_alive():
    x = at.vector("x")
    out = at.unique(at.exp(x), return_counts=True)
    shape_of(out[1])
    alive = weakref.ref(out[0])
    del out
    gc.collect()
    assert alive() is None


# --- slice lengths, against Python's slice.indices ------------------------------------------

@pytest.mark.parametrize("symbolic", ["none", "start", "stop", "step", "all"])
def test_slice_length_matches_python(symbolic):
    n, start, stop, step = (at.scalar(name, dtype="int64") for name in ("n", "start", "stop", "step"))
    bounds = [start if symbolic in ("start", "all") else None,
              stop if symbolic in ("stop", "all") else None,
              step if symbolic in ("step", "all") else None]
    length = si.slice_length(*bounds, n)
    f = arignote.function([n, start, stop, step], length, mode=REFERENCE, on_unused_input="ignore")
    for size, a, b, c in itertools.product([0, 1, 4], [-6, -1, 0, 2, 5], [-5, -1, 0, 3, 9],
                                           [-3, -1, 1, 2]):
        parts = [v if p is not None else None for v, p in zip((a, b, c), bounds)]
        assert int(f(size, a, b, c)) == len(range(*slice(*parts).indices(size)))


def test_slice_length_folds_constants():
    for size, a, b, c in itertools.product([0, 3, 5], [None, -4, 0, 2, 6], [None, -2, 1, 8],
                                           [None, -2, -1, 1, 3]):
        got = si.slice_length(a, b, c, si.dim(size))
        assert isinstance(got, TensorConstant)
        assert int(got.data) == len(range(*slice(a, b, c).indices(size)))


def test_numpy_broadcast_dims_is_exact_for_zero_lengths():
    a, b = at.scalar("a", dtype="int64"), at.scalar("b", dtype="int64")
    f = arignote.function([a, b], si.numpy_broadcast_dims([a, b]), mode=REFERENCE)
    for x, y in [(0, 1), (1, 0), (1, 1), (4, 1), (1, 4), (4, 4), (0, 0)]:
        assert int(f(x, y)) == np.broadcast_shapes((x,), (y,))[0]
    assert si.numpy_broadcast_dims([a, a]) is a


def test_broadcast_dims_takes_a_length_that_does_not_stretch():
    # only static 1s stretch: any other length is the result (the ops check the rest agree)
    a, b = at.scalar("a", dtype="int64"), at.scalar("b", dtype="int64")
    assert si.broadcast_dims([a, b]) is a
    assert si.broadcast_dims([si.dim(1), b]) is b
    assert int(si.broadcast_dims([si.dim(1), si.dim(1)]).data) == 1
    assert si.broadcast_dims([a, a]) is a
    assert si.broadcast_dims([a, si.dim(1)]) is a
    assert int(si.broadcast_dims([a, si.dim(3)]).data) == 3
