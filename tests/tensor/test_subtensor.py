"""x[key]: basic and advanced indexing against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.tensor.subtensor import AdvancedSubtensor, IndexTypeError, Subtensor
from tests.checks import check_against_numpy, random_array

DTYPES = ("float32", "float64", "int32", "bool")

# --- basic keys -----------------------------------------------------------------------

BASIC_KEYS = [
    1, -1, 0, (1, 2), (-1, -2, -3), (1, 2, 3),
    slice(None), slice(1, 3), slice(None, None, -1), slice(3, 0, -1), slice(-2, None),
    slice(None, -1), slice(10, None), slice(-10, 10), slice(None, None, 2), slice(4, 1, -2),
    slice(3, 1), slice(-1, -3), slice(1, 3, -1), slice(0, 0), slice(-10, -20, -1),
    (slice(None), 2), (Ellipsis, 1), (1, Ellipsis), (Ellipsis,), (None,), (None, 1),
    (slice(1, 3), None, slice(None, None, -1)), (Ellipsis, None), (1, None, Ellipsis, None, 2),
    (slice(1, None), 0, slice(None, 2)), (), (None, None), (0, slice(1, 3), -1),
    (slice(None, None, -3), Ellipsis, slice(None, None, 3)),
]


@pytest.mark.parametrize("key", BASIC_KEYS, ids=repr)
@pytest.mark.parametrize("static", [False, True])
def test_basic_keys(rng, key, static):
    value = random_array(rng, (4, 5, 6), "float64")
    out = check_against_numpy(lambda x: x[key], lambda v: v[key], value, static=static)
    if static:
        # every static length is known when the key is all constant
        x = at.tensor(dtype="float64", shape=value.shape)
        assert x[key].type.shape == out[0].shape


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("key", [(1, slice(None, None, -1)), (slice(1, 3), 2), (Ellipsis, None, 0)],
                         ids=repr)
def test_basic_dtypes(rng, dtype, key):
    check_against_numpy(lambda x: x[key], lambda v: v[key], random_array(rng, (3, 4), dtype))


def test_basic_on_0d_and_empty(rng):
    scalar = np.asarray(2.5)
    for key in [(), Ellipsis, None, (None, Ellipsis, None)]:
        check_against_numpy(lambda x: x[key], lambda v: v[key], scalar)
    check_against_numpy(lambda x: x[True], lambda v: v[True], scalar)
    empty = np.zeros((0, 3))
    for key in [slice(None), slice(1, 4), (slice(None), 1), (slice(None, None, -1), slice(0, 0))]:
        for static in (False, True):
            check_against_numpy(lambda x: x[key], lambda v: v[key], empty, static=static)


def test_static_shapes():
    x = at.tensor("x", shape=(10, None))
    assert x[1:3].type.shape == (2, None)
    assert x[::-1].type.shape == (10, None)
    assert x[:, 3:1].type.shape == (10, 0)          # empty whatever the length
    assert x[:, -1:-3].type.shape == (10, 0)
    assert x[:, 1:3].type.shape == (10, None)       # 0, 1 or 2 long
    assert x[:, :0].type.shape == (10, 0)
    assert x[:, :-1:-1].type.shape == (10, 0)
    assert x[None, 5].type.shape == (1, None)
    i = at.lscalar("i")
    assert x[1:i].type.shape == (None, None)
    assert x[::i].type.shape == (None, None)
    assert at.tensor(shape=(0, 2))[i:].type.shape == (0, 2)
    assert x[i].type.shape == (None,)


def test_interning_and_op_sharing():
    x = at.matrix("x")
    assert x[1:3] is x[1:3]
    assert x[1] is x[1, :] is x[1, ...]
    assert x[0:2:1] is x[:2]
    i, j, k, m = at.iscalar("i"), at.iscalar("j"), at.lscalar("k"), at.lscalar("m")
    a, b = x[i:j], x[k:m]
    assert a is not b and a.owner.op == b.owner.op
    assert a.owner.inputs == (x, i, j)
    s = at.tensor("s", shape=(3,))
    assert s[-1] is s[2]
    assert isinstance(x[0].owner.op, Subtensor) and x[0].owner.inputs == (x,)
    assert Subtensor.view_inputs == (0,)
    assert hash(x[1:3].owner.op) == hash(Subtensor(x[1:3].owner.op.idx_list))


def test_output_is_not_the_input(rng):
    value = random_array(rng, (3, 4))
    x = at.matrix("x")
    f = arignote.function([x], x[1:])
    out = f(value)
    out[...] = 0
    assert value[1:].any()


# --- symbolic bounds ---------------------------------------------------------------------

SYMBOLIC_CASES = [
    # (build, reference, scalar values)
    (lambda x, i: x[i], lambda v, i: v[i], (2,)),
    (lambda x, i: x[i], lambda v, i: v[i], (-1,)),
    (lambda x, i, j: x[i:j], lambda v, i, j: v[i:j], (1, 3)),
    (lambda x, i, j: x[i:j], lambda v, i, j: v[i:j], (-10, 10)),
    (lambda x, i, j: x[i:j], lambda v, i, j: v[i:j], (3, 1)),
    (lambda x, i: x[::i], lambda v, i: v[::i], (-2,)),
    (lambda x, i, j: x[j:i:-1, i], lambda v, i, j: v[j:i:-1, i], (1, 3)),
    (lambda x, i, j, k: x[i:j:k], lambda v, i, j, k: v[i:j:k], (4, -10, -1)),
    (lambda x, i: x[:, i:, None], lambda v, i: v[:, i:, None], (2,)),
    (lambda x, i: x[i, 1:i], lambda v, i: v[i, 1:i], (3,)),
]


@pytest.mark.parametrize("case", range(len(SYMBOLIC_CASES)))
@pytest.mark.parametrize("index_dtype", ["int32", "int64", "uint8"])
def test_symbolic_bounds(rng, case, index_dtype):
    build, reference, scalars = SYMBOLIC_CASES[case]
    if index_dtype == "uint8" and min(scalars) < 0:
        return
    scalars = [np.asarray(s, dtype=index_dtype) for s in scalars]
    for static in (False, True):
        check_against_numpy(build, reference, random_array(rng, (5, 4)), *scalars, static=static)


def test_scalar_constructors_as_indices(rng):
    x = at.matrix("x")
    i, j = at.iscalar("i"), at.lscalar("j")
    f = arignote.function([x, i, j], [x[i], x[i:j, j], x[at.constant(1):j]])
    value = random_array(rng, (4, 4))
    got = f(value, 1, 3)
    np.testing.assert_array_equal(got[0], value[1])
    np.testing.assert_array_equal(got[1], value[1:3, 3])
    np.testing.assert_array_equal(got[2], value[1:3])


# --- hypothesis: random basic keys ---------------------------------------------------------

@st.composite
def basic_keys(draw):
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=3)))
    part = st.one_of(st.none(), st.integers(-6, 6))

    def items_for(lengths):
        items = []
        for n in lengths:
            while draw(st.integers(0, 3)) == 0:
                items.append(None)
            if n > 0 and draw(st.booleans()):
                items.append(draw(st.integers(-n, n - 1)))
            else:
                step = draw(st.one_of(st.none(), st.integers(-3, 3).filter(bool)))
                items.append(slice(draw(part), draw(part), step))
        return items

    leading = draw(st.integers(0, len(shape)))
    key = items_for(shape[:leading])
    if draw(st.booleans()):  # an ellipsis, then keys for some trailing axes
        trailing = draw(st.integers(0, len(shape) - leading))
        key += [Ellipsis] + items_for(shape[len(shape) - trailing:])
    symbolic = []
    # which integers (indices or slice parts) become symbolic inputs
    for position, item in enumerate(key):
        if isinstance(item, int) and draw(st.booleans()):
            symbolic.append((position, None))
        if isinstance(item, slice):
            for attr in ("start", "stop", "step"):
                if getattr(item, attr) is not None and draw(st.booleans()):
                    symbolic.append((position, attr))
    return shape, tuple(key), symbolic


@given(basic_keys(), st.booleans())
def test_random_basic_keys(case, static):
    shape, key, symbolic = case
    value = np.arange(int(np.prod(shape)), dtype="float64").reshape(shape)
    x = at.tensor("x", dtype="float64", shape=shape if static else (None,) * len(shape))
    scalars, numbers, sym_key = [], [], list(key)
    for position, attr in symbolic:
        s = at.lscalar(f"s{len(scalars)}")
        item = sym_key[position]
        if attr is None:
            numbers.append(item)
            sym_key[position] = s
        else:
            parts = {"start": item.start, "stop": item.stop, "step": item.step}
            numbers.append(parts[attr])
            parts[attr] = s
            sym_key[position] = slice(parts["start"], parts["stop"], parts["step"])
        scalars.append(s)
    out = x[tuple(sym_key)]
    expected = np.asarray(value[key])
    got = arignote.function([x, *scalars], out)(value, *numbers)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert out.ndim == expected.ndim
    assert all(d is None or d == n for d, n in zip(out.type.shape, expected.shape))
    if static and not symbolic:
        assert out.type.shape == expected.shape


# --- advanced keys -------------------------------------------------------------------------

MASK_45 = np.array([[True, False, True, False, True], [False] * 5, [True] * 5, [False, True] * 2 + [True]])
ADVANCED_KEYS = [
    [0, 2], [[0, 1], [2, 3]], [-1, 0, -1], [], np.array([3, 3, 3]),
    ([0, 1], [2, 3]), ([0, 1], slice(None), [2, 0]), (slice(None), [0, 1]),
    (slice(None), 0, [1, 2]), (0, slice(None), [1, 2]), ([0, 1], None, [0, 1]),
    (slice(None), [0, 1], None, [0, 1]), ([0, 1], Ellipsis, [1, 2]), (Ellipsis, [[1], [2]]),
    (slice(1, 3), [[0, 2]], [1, 2]), (None, [1, 2], slice(None, None, -1)),
    np.array([True, False, True, True]), (np.array([True, False, True, True]), 1),
    (slice(None), np.array([False, True, False, True, True])), MASK_45,
    (MASK_45, [2]), ([0, 3], slice(1, 2), [2, 1]),
    True, False, (slice(None), True, [0, 1]), (np.array([False] * 4),),
    ([[0], [3]], [[0, 1, 2]]), ([1], 2, [[2]]), (0, 1, 2, True), (Ellipsis, False), (1, True, 2),
]


@pytest.mark.parametrize("key", ADVANCED_KEYS, ids=repr)
@pytest.mark.parametrize("static", [False, True])
def test_advanced_keys(rng, key, static):
    value = random_array(rng, (4, 5, 3), "float64")
    check_against_numpy(lambda x: x[key], lambda v: v[key], value, static=static)
    x = at.tensor(dtype="float64", shape=value.shape if static else (None,) * 3)
    assert isinstance(x[key].owner.op, AdvancedSubtensor)


@pytest.mark.parametrize("dtype", DTYPES)
def test_advanced_dtypes(rng, dtype):
    for key in [[2, 0], (slice(None), [1, 1]), np.array([True, False, True])]:
        check_against_numpy(lambda x: x[key], lambda v: v[key], random_array(rng, (3, 3), dtype))


@pytest.mark.parametrize("index_dtype", ["int8", "int32", "int64", "uint16"])
@pytest.mark.parametrize("index_shape", [(3,), (2, 2), (0,)])
def test_symbolic_index_arrays(rng, index_dtype, index_shape):
    value = random_array(rng, (4, 5))
    idx = rng.integers(0, 4, size=index_shape).astype(index_dtype)
    cases = [
        (lambda x, i: x[i], lambda v, i: v[i]),
        (lambda x, i: x[:, i], lambda v, i: v[:, i]),
        (lambda x, i: x[i, ::-1], lambda v, i: v[i, ::-1]),
        (lambda x, i: x[i, i], lambda v, i: v[i, i]),
        (lambda x, i: x[None, 1:, i], lambda v, i: v[None, 1:, i]),
    ]
    for build, reference in cases:
        for static in (False, True):
            check_against_numpy(build, reference, value, idx, static=static)


def test_symbolic_masks(rng):
    value = random_array(rng, (4, 5))
    for mask_shape, build, reference in [
        ((4,), lambda x, m: x[m], lambda v, m: v[m]),
        ((5,), lambda x, m: x[:, m], lambda v, m: v[:, m]),
        ((4, 5), lambda x, m: x[m], lambda v, m: v[m]),
        ((5,), lambda x, m: x[1:, m], lambda v, m: v[1:, m]),
    ]:
        mask = rng.random(mask_shape) < 0.5
        for static in (False, True):
            check_against_numpy(build, reference, value, mask, static=static)
    x, m = at.matrix("x"), at.tensor("m", dtype="bool", shape=(None,))
    assert x[m].type.shape == (None, None)
    assert x[np.array([True, False, True])].type.shape == (2, None)  # a constant mask is counted


def test_symbolic_int_mixed_with_arrays(rng):
    value = random_array(rng, (3, 4, 5))
    i = np.asarray(2, dtype="int32")
    check_against_numpy(lambda x, i: x[:, i, [0, 4]], lambda v, i: v[:, i, [0, 4]], value, i)
    check_against_numpy(lambda x, i: x[i, :, [0, 4]], lambda v, i: v[i, :, [0, 4]], value, i)
    check_against_numpy(lambda x, i: x[i:, [0, 1]], lambda v, i: v[i:, [0, 1]], value, i)


def test_list_of_symbolic_scalars(rng):
    x, i = at.vector("x"), at.lscalar("i")
    value = random_array(rng, (5,))
    np.testing.assert_array_equal(arignote.function([x, i], x[[i, 0, i]])(value, 3), value[[3, 0, 3]])


# --- errors --------------------------------------------------------------------------------

def test_too_many_indices():
    x = at.matrix("x")
    with pytest.raises(IndexError, match="too many indices.*2-dimensional, but 3"):
        x[1, 2, 3]
    with pytest.raises(IndexError, match="too many indices"):
        x[:, :, None, 1]
    with pytest.raises(IndexError, match="too many indices"):
        x[np.ones((2, 2, 2), bool)]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., 1, ...]


@pytest.mark.parametrize("bad", [1.5, np.float32(1), [0.5, 1.0], "a", at.scalar("f"),
                                 at.vector("fv"), {1: 2}])
def test_float_and_other_bad_indices(bad):
    x = at.matrix("x")
    with pytest.raises(TypeError, match="index 1"):
        x[0, bad]
    with pytest.raises(IndexError):  # NumPy raises IndexError; IndexTypeError is both
        x[0, bad]


def test_bad_slice_bounds():
    x = at.vector("x")
    with pytest.raises(TypeError, match="index 0.*slice"):
        x[1.5:]
    with pytest.raises(TypeError, match="index 0.*slice"):
        x[: at.scalar("f")]
    with pytest.raises(TypeError, match="index 0.*slice"):
        x[: at.lvector("v")]
    with pytest.raises(ValueError, match="step cannot be zero"):
        x[::0]
    assert issubclass(IndexTypeError, TypeError) and issubclass(IndexTypeError, IndexError)


def test_static_out_of_range_is_a_build_error():
    x = at.tensor("x", shape=(3, None))
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 0 with size 3"):
        x[3]
    with pytest.raises(IndexError, match="index -4 is out of bounds for axis 0"):
        x[-4, 0]
    with pytest.raises(IndexError, match="out of bounds"):
        x[5, [0]]
    with pytest.raises(IndexError, match="boolean index did not match.*size of axis is 3"):
        x[np.array([True, False])]
    with pytest.raises(IndexError, match="shape mismatch"):
        x[[0, 1], [0, 1, 2]]


def test_run_time_index_errors(rng):
    x, i = at.matrix("x"), at.lscalar("i")
    value = random_array(rng, (3, 4))
    f = arignote.function([x, i], x[i])
    with pytest.raises(IndexError, match="Subtensor.*index 3 is out of bounds for axis 0 with size 3"):
        f(value, 3)
    with pytest.raises(IndexError, match="out of bounds"):
        f(value, -4)
    with pytest.raises(IndexError, match="Subtensor.*out of bounds"):
        arignote.function([x], x[:, 7])(value)
    idx = at.lvector("idx")
    g = arignote.function([x, idx], x[:, idx])
    with pytest.raises(IndexError, match="AdvancedSubtensor.*index 4 is out of bounds"):
        g(value, np.array([0, 4]))
    m = at.tensor("m", dtype="bool", shape=(None,))
    with pytest.raises(IndexError, match="boolean index did not match"):
        arignote.function([x, m], x[m])(value, np.ones(4, bool))
    s = at.lscalar("s")
    with pytest.raises(ValueError, match="step cannot be zero"):
        arignote.function([x, s], x[::s])(value, 0)


# --- hypothesis: random advanced keys ------------------------------------------------------

@st.composite
def advanced_keys(draw):
    """A shape and a key mixing int arrays (or one mask), ints, slices, new axes and ``...``."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    broadcast = draw(st.sampled_from([(2,), (1,), (0,), (2, 3)]))
    use_mask = draw(st.booleans())
    key: list = []
    axis = 0
    advanced = 0
    while axis < len(shape) and (axis == 0 or draw(st.booleans())):
        n = shape[axis]
        if draw(st.integers(0, 4)) == 0:
            key.append(None)
        choice = draw(st.sampled_from(["array", "array", "int", "slice"]))
        if choice == "array" and use_mask and advanced == 0:
            width = draw(st.integers(1, len(shape) - axis))
            mask = np.array(draw(st.lists(st.booleans(), min_size=int(np.prod(shape[axis:axis + width])),
                                          max_size=int(np.prod(shape[axis:axis + width])))))
            key.append(mask.reshape(shape[axis:axis + width]))
            axis += width
            advanced += 1
            continue
        if choice == "array" and not use_mask:
            own = tuple(d if draw(st.booleans()) else 1 for d in broadcast)
            own = own[draw(st.integers(0, len(own) - 1)):] if draw(st.booleans()) else own
            values = draw(st.lists(st.integers(-n, n - 1), min_size=int(np.prod(own)),
                                   max_size=int(np.prod(own))))
            key.append(np.array(values, dtype="int64").reshape(own))
            advanced += 1
        elif choice == "int" or choice == "array":
            key.append(draw(st.integers(-n, n - 1)))
        else:
            key.append(slice(draw(st.one_of(st.none(), st.integers(-5, 5))),
                             draw(st.one_of(st.none(), st.integers(-5, 5))),
                             draw(st.sampled_from([None, 1, 2, -1, -2]))))
        axis += 1
    if advanced == 0:
        key.append(np.array([0, 0]))  # make sure the key is advanced
        axis += 1
        if axis > len(shape):
            key = [np.array([0, 0])]
    elif axis == len(shape) and draw(st.booleans()):
        # an ellipsis covering no axis still separates the advanced indices around it
        key.insert(draw(st.integers(0, len(key))), Ellipsis)
    symbolic = [position for position, item in enumerate(key)
                if isinstance(item, np.ndarray) and draw(st.booleans())]
    return shape, tuple(key), symbolic


@given(advanced_keys(), st.booleans())
def test_random_advanced_keys(case, static):
    shape, key, symbolic = case
    value = np.arange(int(np.prod(shape)), dtype="float64").reshape(shape)
    x = at.tensor("x", dtype="float64", shape=shape if static else (None,) * len(shape))
    inputs = [at.tensor(f"i{p}", dtype=key[p].dtype, shape=(None,) * key[p].ndim) for p in symbolic]
    sym_key = list(key)
    for p, var in zip(symbolic, inputs):
        sym_key[p] = var
    out = x[tuple(sym_key)]
    expected = value[key]
    fn = arignote.function([x, *inputs], [out, at.set_subtensor(out, -out), at.inc_subtensor(out, 1.0)])
    got, set_result, inc_result = fn(value, *[key[p] for p in symbolic])
    np.testing.assert_array_equal(got, expected)
    assert got.shape == expected.shape and out.ndim == expected.ndim
    assert all(d is None or d == n for d, n in zip(out.type.shape, expected.shape))
    expected_set = value.copy()
    expected_set[key] = -expected
    np.testing.assert_array_equal(set_result, expected_set)
    expected_inc = value.copy()
    np.add.at(expected_inc, key, 1.0)
    np.testing.assert_array_equal(inc_result, expected_inc)


def test_ellipsis_before_a_trailing_full_slice_keeps_its_place():
    # found by test_random_advanced_keys: dropping the trailing ':' let the ellipsis cover it
    value = np.arange(2.0).reshape(1, 2)
    key = (Ellipsis, None, np.array([0]), None, slice(None))
    x = at.matrix("x")
    np.testing.assert_array_equal(arignote.function([x], x[key])(value), value[key])
