"""C steps of structural ops (runtime/steps_structural.c): assertions, MakeVector, Join,
Split, IncSubtensor, and integer-vector indexing on axis 0 and its scatter-add.

Each graph runs on the C linker (checking that the C step, not a Python step, runs it) and
on the py linker; the values, dtypes and exceptions must be the same.  Every comparison is
exact: both sides copy elements or add them in the same order (np.add.at's).
"""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.tensor.check_and_raise import Assert, CheckAndRaise
from arignote.tensor.join import Split
from arignote.tensor.shape import MakeVector
from arignote.tensor.subtensor_inc import AdvancedIncSubtensor
from tests.backend.c.helpers import PY, same_error

RAW = arignote.Mode(linker="c", optimizer=None)
PY_RAW = arignote.Mode(linker="py", optimizer=None)


def _kinds(f):
    return [plan.kind for plan in f.program.plans]


def _both(inputs, outputs, **kwargs):
    c = arignote.function(inputs, outputs, mode=RAW, on_unused_input="ignore", **kwargs)
    py = arignote.function(inputs, outputs, mode=PY_RAW, on_unused_input="ignore", **kwargs)
    return c, py


def _same(c, py, *values):
    got, want = c(*values), py(*values)
    if not isinstance(want, list):
        got, want = [got], [want]
    for a, b in zip(got, want):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    return got


def _values(rng, dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -100), min(info.max, 100), size=shape, endpoint=True).astype(dtype)
    if dtype.kind == "c":
        return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


# --- CheckAndRaise ------------------------------------------------------------------------

@pytest.mark.parametrize("op", [Assert("x must be positive"), CheckAndRaise(ValueError, "bad value"),
                                CheckAndRaise(ZeroDivisionError)])
def test_check_and_raise(op, rng):
    x, s = at.dvector("x"), at.dscalar("s")
    out = op(x * 2, at.gt(s, 0), at.lt(s, 10))
    c, py = _both([x, s], [out, out + 1])
    assert "CHECK" in _kinds(c) and "PY" not in _kinds(c)
    value = rng.normal(size=5)
    _same(c, py, value, 3.0)
    for bad in (-1.0, 10.0, np.nan):
        err = same_error(c, py, value, bad)
        assert type(err) is op.exc_type and str(err).endswith(op.msg)


def test_check_and_raise_passes_x_through(rng):
    x, s = at.dmatrix("x"), at.iscalar("s")
    f = arignote.function([x, s], Assert("no")(x, s), mode=RAW)  # an int condition, cast to bool
    value = rng.normal(size=(2, 3))
    np.testing.assert_array_equal(f(value, 3), value)
    with pytest.raises(AssertionError, match="no"):
        f(value, 0)


def test_check_and_raise_odd_conditions_use_numpy(rng):
    # with trust_input, a condition of another type reaches the step: NumPy decides
    x, s = at.dvector("x"), at.bscalar("s")
    out = Assert("m")(x, at.neq(s, 0))
    f = arignote.function([x, s], out, mode=RAW)
    value = rng.normal(size=3)
    np.testing.assert_array_equal(f(value, 1), value)
    with pytest.raises(AssertionError):
        f(value, 0)


# --- MakeVector ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["int64", "int32", "float64", "float32", "bool"])
def test_make_vector(dtype, rng):
    scalars = [at.scalar(f"s{k}", dtype=dtype) for k in range(4)]
    out = MakeVector(dtype)(*scalars)
    c, py = _both(scalars, [out])
    assert "MAKE_VECTOR" in _kinds(c)
    _same(c, py, *[_values(rng, dtype, ()) for _ in scalars])


def test_make_vector_converting_runs_numpy(rng):
    a, b = at.iscalar("a"), at.bscalar("b")
    c, py = _both([a, b], [MakeVector("int64")(a, b)])
    _same(c, py, np.int32(-5), np.int8(7))


# --- Join ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int8", "uint16", "bool", "complex128"])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_join(dtype, axis, rng):
    xs = [at.tensor(f"x{k}", dtype=dtype, shape=(None, None, None)) for k in range(3)]
    out = at.concatenate(xs, axis=axis)
    c, py = _both(xs, [out])
    assert "JOIN" in _kinds(c)
    shapes = [[2, 3, 4] for _ in xs]
    for k, length in enumerate([1, 0, 3]):
        shapes[k][axis] = length
    values = [_values(rng, dtype, s) for s in shapes]
    _same(c, py, *values)
    # strided and reversed inputs
    _same(c, py, *[np.flip(v, axis=0) if v.shape[0] else v for v in values])
    wide = [_values(rng, dtype, [2 * n for n in s]) for s in shapes]
    _same(c, py, *[w[::2, ::2, ::2] for w in wide])


def test_join_mixed_dtypes_and_errors(rng):
    a, b = at.fvector("a"), at.dvector("b")
    c, py = _both([a, b], [at.concatenate([a, b]), at.concatenate([b, b, b])])
    assert _kinds(c).count("JOIN") == 2
    _same(c, py, rng.normal(size=3).astype("float32"), rng.normal(size=5))
    m, n = at.dmatrix("m"), at.dmatrix("n")
    c, py = _both([m, n], [at.concatenate([m, n], axis=1)])
    _same(c, py, rng.normal(size=(2, 3)), rng.normal(size=(2, 1)))
    same_error(c, py, rng.normal(size=(2, 3)), rng.normal(size=(3, 1)))


def test_join_untrusted_dtype_runs_numpy(rng):
    a, b = at.dvector("a"), at.dvector("b")
    f = arignote.function([a, b], at.concatenate([a, b]), mode=RAW, trust_input=True)
    got = f(np.arange(3, dtype="int32"), np.arange(2, dtype="int32"))
    np.testing.assert_array_equal(got, np.concatenate([np.arange(3), np.arange(2)]))


# --- Split --------------------------------------------------------------------------------

@pytest.mark.parametrize("axis", [0, 1])
def test_split(axis, rng):
    x, sizes = at.dmatrix("x"), at.lvector("sizes")
    parts = Split(3, axis).make_node(x, sizes).outputs
    c, py = _both([x, sizes], [p * 1 for p in parts] + list(parts))
    assert "SPLIT" in _kinds(c)
    value = rng.normal(size=(6, 6))
    for split in ([1, 2, 3], [0, 6, 0], [3, 3, 0]):
        _same(c, py, value, np.array(split))
        strided = value[::-1, 1:]  # 6 rows, 5 columns
        _same(c, py, strided, np.array(split if axis == 0 else [1, 2, 2]))
    for bad in ([1, 2, 2], [-1, 4, 3], [7, 0, -1]):
        same_error(c, py, value, np.array(bad))
    same_error(c, py, value, np.array([3, 3]))


def test_split_sizes_of_other_int_dtypes(rng):
    x, sizes = at.dvector("x"), at.ivector("sizes")
    parts = Split(2, 0).make_node(x, sizes).outputs
    c, py = _both([x, sizes], list(parts))
    _same(c, py, rng.normal(size=5), np.array([2, 3], dtype="int32"))


def test_split_of_a_join_gradient(rng):
    a, b = at.dvector("a"), at.dvector("b")
    cost = (at.concatenate([a, b]) ** 2).sum()
    c, py = _both([a, b], arignote.grad(cost, [a, b]))
    _same(c, py, rng.normal(size=3), rng.normal(size=4))


# --- IncSubtensor -------------------------------------------------------------------------

KEYS = [
    lambda x, i, j: x[1], lambda x, i, j: x[-1, 2:], lambda x, i, j: x[::-2, 1:-1:3],
    lambda x, i, j: x[i, j], lambda x, i, j: x[i:j], lambda x, i, j: x[j:i:-1, i],
    lambda x, i, j: x[:, ::j], lambda x, i, j: x[i:], lambda x, i, j: x[5:100], lambda x, i, j: x[:, 0],
]


@pytest.mark.parametrize("set_", [False, True])
@pytest.mark.parametrize("key", range(len(KEYS)))
def test_inc_subtensor_keys(key, set_, rng):
    x, i, j = at.dmatrix("x"), at.lscalar("i"), at.lscalar("j")
    region = KEYS[key](x, i, j)
    y = at.tensor("y", dtype="float64", shape=(None,) * region.ndim)
    write = at.set_subtensor if set_ else at.inc_subtensor
    c, py = _both([x, i, j, y], [write(region, y), write(KEYS[key](x * 2, i, j), y)])
    assert _kinds(c).count("INC_SUBTENSOR") == 2
    value = rng.normal(size=(7, 9))
    for a, b in [(1, 3), (-2, 5), (0, -1), (3, 2)]:
        shape = np.shape(KEYS[key](value, a, b))
        _same(c, py, value, a, b, rng.normal(size=shape))
        if shape:  # a value broadcast along its first axis
            _same(c, py, value, a, b, rng.normal(size=(1,) + shape[1:]))
    if key in (3, 5):
        same_error(c, py, value, 9, 2, rng.normal(size=np.shape(KEYS[key](value, 0, 2))))


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "int16", "int8", "uint8",
                                   "bool", "complex128", "float16"])
@pytest.mark.parametrize("set_", [False, True])
def test_inc_subtensor_dtypes(dtype, set_, rng):
    x = at.tensor("x", dtype=dtype, shape=(None, None))
    y = at.tensor("y", dtype=dtype, shape=(None,))
    write = at.set_subtensor if set_ else at.inc_subtensor
    if dtype == "bool" and not set_:
        pytest.skip("inc_subtensor refuses bool (NumPy's same_kind rule)")
    c, py = _both([x, y], [write(x[1:3], y), write(x[-1, ::2], y[:1])])
    assert "INC_SUBTENSOR" in _kinds(c) and "PY" not in _kinds(c)
    value = _values(rng, dtype, (4, 5))
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)  # sums that wrap around, as NumPy's do
        value[1, 0], value[2, 1] = info.max, info.min
    _same(c, py, value, _values(rng, dtype, (5,)))
    _same(c, py, value.T.copy().T, _values(rng, dtype, (1,)))


def test_inc_subtensor_value_broadcasting(rng):
    x = at.dtensor3("x")
    y0, y3 = at.dscalar("y0"), at.tensor("y3", dtype="float64", shape=(None, None, None))
    y4 = at.tensor("y4", dtype="float64", shape=(1, None, None, None))
    c, py = _both([x, y0, y3, y4], [at.inc_subtensor(x[1:, :2], y0), at.set_subtensor(x[1:, :2], y3),
                                    at.inc_subtensor(x[:, 1], y4[0, 0, :3]), at.inc_subtensor(x[1:], y4)])
    value = rng.normal(size=(3, 4, 5))
    _same(c, py, value, 1.5, rng.normal(size=(2, 1, 5)), rng.normal(size=(1, 1, 1, 5)))
    _same(c, py, value, 1.5, rng.normal(size=(1, 2, 1)), rng.normal(size=(1, 2, 4, 5)))
    same_error(c, py, value, 1.5, rng.normal(size=(3, 2, 5)), rng.normal(size=(1, 2, 4, 5)))


def test_inc_subtensor_in_place_on_a_dead_value(rng):
    # x * 2 dies at the write: its buffer may be written over, but only when nothing views it
    x = at.dvector("x")
    doubled = x * 2
    out1 = at.inc_subtensor(doubled[1:3], doubled[:2])   # the value views the donor
    out2 = at.set_subtensor((x + 1)[::2], 0.0)
    out3 = at.inc_subtensor((x - 1)[2:], (x - 1)[:-2] * 1)
    c, py = _both([x], [out1, out2, out3])
    value = rng.normal(size=6)
    got = _same(c, py, value)
    np.testing.assert_array_equal(value, value.copy())  # inputs untouched
    a = value * 2
    a[1:3] += value[:2] * 2
    np.testing.assert_array_equal(got[0], a)


# --- AdvancedSubtensor / AdvancedIncSubtensor on axis 0 -----------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int8", "bool", "complex64"])
@pytest.mark.parametrize("ndim", [1, 2, 3])
@pytest.mark.parametrize("idx_dtype", ["int64", "int32", "uint8"])
def test_take_rows(dtype, ndim, idx_dtype, rng):
    x = at.tensor("x", dtype=dtype, shape=(None,) * ndim)
    i = at.tensor("i", dtype=idx_dtype, shape=(None,))
    c, py = _both([x, i], [x[i], x[i, ...] if ndim > 1 else x[i]])
    assert "TAKE" in _kinds(c) and "PY" not in _kinds(c)
    value = _values(rng, dtype, (6, 3, 2)[:ndim])
    idx = np.array([0, 5, 5, 2, 0, 1], dtype=idx_dtype)
    _same(c, py, value, idx)
    _same(c, py, value, idx[:0])
    _same(c, py, np.flip(value), idx[::2])
    if np.dtype(idx_dtype).kind == "i":
        _same(c, py, value, np.array([-1, -6, 3], dtype=idx_dtype))
        same_error(c, py, value, np.array([1, -7], dtype=idx_dtype))
    same_error(c, py, value, np.array([6], dtype=idx_dtype))


def test_take_many_indices(rng):
    x, i = at.dvector("x"), at.lvector("i")
    c, py = _both([x, i], [x[i]])
    _same(c, py, rng.normal(size=50), rng.integers(-50, 50, size=1000))


def test_other_advanced_keys_run_numpy(rng):
    x, i, m = at.dmatrix("x"), at.lvector("i"), at.tensor("m", dtype="bool", shape=(None,))
    c, py = _both([x, i, m], [x[:, i], x[m], x[i, 1], x[i[:, None] * 1, i]])
    value = rng.normal(size=(4, 4))
    _same(c, py, value, np.array([3, 0, 3]), np.array([True, False, True, True]))


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "int8", "uint8", "complex128"])
@pytest.mark.parametrize("set_", [False, True])
@pytest.mark.parametrize("ndim", [1, 2])
def test_scatter_rows(dtype, set_, ndim, rng):
    x = at.tensor("x", dtype=dtype, shape=(None,) * ndim)
    y = at.tensor("y", dtype=dtype, shape=(None,) * ndim)
    y0 = at.tensor("y0", dtype=dtype, shape=())
    i = at.lvector("i")
    write = at.set_subtensor if set_ else at.inc_subtensor
    c, py = _both([x, y, y0, i], [write(x[i], y), write(x[i], y0), write((x * 1)[i], y[:1])])
    assert _kinds(c).count("TAKE_INC") == 3
    value = _values(rng, dtype, (5, 3)[:ndim])
    idx = np.array([4, 0, 4, 4, -1, 2, -5])  # repeated indices accumulate in order
    _same(c, py, value, _values(rng, dtype, (7, 3)[:ndim]), _values(rng, dtype, ()), idx)
    _same(c, py, value, _values(rng, dtype, (0, 3)[:ndim]), _values(rng, dtype, ()), idx[:0])
    # a strided x (copied before the write) and a strided value
    _same(c, py, np.flip(value), _values(rng, dtype, (14, 6)[:ndim])[::2, ...][..., ::2] if ndim == 2
          else _values(rng, dtype, (14,))[::2], _values(rng, dtype, ()), idx)
    same_error(c, py, value, _values(rng, dtype, (7, 3)[:ndim]), _values(rng, dtype, ()),
                np.array([0, 5, 0, 0, 0, 0, 0]))
    same_error(c, py, value, _values(rng, dtype, (6, 3)[:ndim]), _values(rng, dtype, ()), idx)


def test_scatter_add_matches_add_at(rng):
    x, y, i = at.dvector("x"), at.dvector("y"), at.lvector("i")
    f = arignote.function([x, y, i], at.inc_subtensor(x[i], y), mode=RAW)
    value, inc = rng.normal(size=8), rng.normal(size=500) * 1e10
    idx = rng.integers(0, 8, size=500)
    want = value.copy()
    np.add.at(want, idx, inc)
    np.testing.assert_array_equal(f(value, inc, idx), want)


def test_gather_gradient_is_a_scatter_add(rng):
    # the a[group] of hierarchical models and its derivative
    a, group = at.dvector("a"), at.lvector("group")
    cost = (a[group] ** 2).sum()
    c = arignote.function([a, group], [cost, arignote.grad(cost, a)], mode=arignote.Mode(linker="c"))
    py = arignote.function([a, group], [cost, arignote.grad(cost, a)], mode=PY)
    assert "PY" not in _kinds(c)
    value, idx = rng.normal(size=8), rng.integers(0, 8, size=40)
    for got, want in zip(c(value, idx), py(value, idx)):
        np.testing.assert_array_equal(got, want)


def test_scatter_ignoring_duplicates_runs_numpy(rng):
    x, y, i = at.dvector("x"), at.dvector("y"), at.lvector("i")
    out = AdvancedIncSubtensor(x[i].owner.op.idx_list, False, True)(x, y, i)
    c, py = _both([x, y, i], [out])
    assert "PY" in _kinds(c)
    _same(c, py, rng.normal(size=4), rng.normal(size=3), np.array([1, 1, 2]))


KEYS_2 = [lambda x, i, j: x[i, j], lambda x, i, j: x[:, i, j], lambda x, i, j: x[:, i],
          lambda x, i, j: x[i, j, :], lambda x, i, j: x[:, :, i]]


@pytest.mark.parametrize("key", range(len(KEYS_2)))
@pytest.mark.parametrize("dtype", ["float64", "int32", "float32"])
def test_vectors_among_full_slices(key, dtype, rng):
    x = at.tensor("x", dtype=dtype, shape=(None, None, None))
    i, j = at.lvector("i"), at.ivector("j")
    region = KEYS_2[key](x, i, j)
    y = at.tensor("y", dtype=dtype, shape=(None,) * region.ndim)
    c, py = _both([x, i, j, y], [region, at.inc_subtensor(region, y), at.set_subtensor(region, y),
                                 at.inc_subtensor(KEYS_2[key](x * 1, i, j), y)])
    assert _kinds(c).count("TAKE") == 1 and _kinds(c).count("TAKE_INC") == 3
    value = _values(rng, dtype, (4, 5, 4))
    idx_i, idx_j = np.array([3, 0, 3, -1, 1, 3]), np.array([1, 2, 1, 0, -4, 1], dtype="int32")
    shape = KEYS_2[key](value, idx_i, idx_j).shape
    _same(c, py, value, idx_i, idx_j, _values(rng, dtype, shape))
    _same(c, py, value, idx_i, idx_j, _values(rng, dtype, (1,) + shape[1:]))
    empty = KEYS_2[key](value, idx_i[:0], idx_j[:0]).shape
    _same(c, py, np.flip(value), idx_i[:0], idx_j[:0], _values(rng, dtype, empty))
    if key in (0, 1, 3):  # vectors of other lengths: NumPy broadcasts them (or raises)
        _same(c, py, value, idx_i[:1], idx_j, _values(rng, dtype, shape))
        same_error(c, py, value, idx_i[:2], idx_j, _values(rng, dtype, shape))
    same_error(c, py, value, idx_i * 2, idx_j, _values(rng, dtype, shape))


def test_diagonal_set(rng):
    # the AdvancedIncSubtensor{set; [int], [int]} of covariance matrices
    m, d, i = at.dmatrix("m"), at.dvector("d"), at.lvector("i")
    c, py = _both([m, d, i], [at.set_subtensor(m[i, i], d), m[i, i]])
    assert "PY" not in _kinds(c)
    _same(c, py, rng.normal(size=(4, 4)), rng.normal(size=4), np.arange(4))


@pytest.mark.parametrize("offset", [0, 1, -2, 5, -7])
@pytest.mark.parametrize("axes", [(0, 1), (1, 0), (0, 2), (2, 1)])
def test_diagonal(offset, axes, rng):
    x = at.dtensor3("x")
    out = at.diagonal(x, offset, *axes)
    c, py = _both([x], [out, out * 2])
    assert "DIAGONAL" in _kinds(c)
    value = rng.normal(size=(3, 5, 4))
    _same(c, py, value)
    view = c.program.run(value)[0]  # the raw program's output: NumPy's read-only view
    assert not view.flags.writeable and view.base is value
    _same(c, py, np.flip(value, 1)[:, ::2])


def test_ellipsis_then_vectors(rng):
    x, i, j, g = at.dtensor3("x"), at.lvector("i"), at.lvector("j"), at.dvector("g")
    c, py = _both([x, i, j, g], [x[..., i, j], at.inc_subtensor(x[..., i, j], g)])
    assert "PY" not in _kinds(c)
    _same(c, py, rng.normal(size=(2, 3, 4)), np.array([0, 2, 2]), np.array([3, 0, 3]), rng.normal(size=3))


def test_diagonal_gradient(rng):
    x = at.dmatrix("x")
    cost = (at.diagonal(x, 1) ** 2).sum()
    c, py = _both([x], [arignote.grad(cost, x)])
    _same(c, py, rng.normal(size=(4, 5)))
