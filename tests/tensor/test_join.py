import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.tensor.join import Flip, Join, Split
from arignote.tensor.shape import MakeVector
from tests.checks import check_against_numpy, random_array

DTYPES = ("bool", "int8", "uint16", "int64", "float32", "float64", "complex64")


# --- concatenate / join -----------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1, -2])
@pytest.mark.parametrize("static", [False, True])
def test_concatenate_matches_numpy(rng, dtype, axis, static):
    shapes = [(2, 3), (2, 3), (2, 3)]
    shapes = [tuple(n + i if a == axis % 2 else n for a, n in enumerate(s)) for i, s in enumerate(shapes)]
    values = [random_array(rng, s, dtype) for s in shapes]
    check_against_numpy(lambda *xs: at.concatenate(xs, axis=axis),
                        lambda *xs: np.concatenate(xs, axis=axis), *values, static=static)


@pytest.mark.parametrize("dtypes", [("int8", "uint8"), ("bool", "int16"), ("int32", "float32"),
                                    ("float32", "complex64", "int8"), ("uint64", "int64")])
def test_concatenate_promotes_like_numpy(rng, dtypes):
    values = [random_array(rng, (2, 2), d) for d in dtypes]
    check_against_numpy(lambda *xs: at.concatenate(xs), lambda *xs: np.concatenate(xs), *values)


def test_concatenate_axis_none(rng):
    values = [random_array(rng, (2, 3), "float64"), random_array(rng, (4,), "float64")]
    check_against_numpy(lambda *xs: at.concatenate(xs, axis=None),
                        lambda *xs: np.concatenate(xs, axis=None), *values)


def test_join_static_shapes():
    a = at.tensor("a", shape=(2, None))
    b = at.tensor("b", shape=(None, 3))
    c = at.tensor("c", shape=(4, None))
    out = at.concatenate([a, b, c], axis=0)
    assert isinstance(out.owner.op, Join) and out.owner.op.axis == 0
    assert out.type.shape == (None, 3)
    assert at.concatenate([a, c]).type.shape == (6, None)
    assert at.concatenate([a, at.tensor("d", shape=(2, 5))], axis=1).type.shape == (2, None)
    assert at.join(1, a, a).type.shape == (2, None)
    x = at.matrix("x")
    assert at.concatenate([x]) is x


def test_join_argument_order(rng):
    values = [random_array(rng, (2, 3), "int32") for _ in range(2)]
    check_against_numpy(lambda x, y: at.join(-1, x, y), lambda x, y: np.concatenate([x, y], -1),
                        *values)
    check_against_numpy(lambda x, y: at.join(at.constant(0), x, y),
                        lambda x, y: np.concatenate([x, y], 0), *values)
    with pytest.raises(TypeError, match="known when the graph is built"):
        at.join(at.lscalar("k"), at.matrix("m"), at.matrix("n"))


def test_concatenate_build_errors():
    a = at.tensor("a", shape=(2, 3))
    with pytest.raises(ValueError, match="must match exactly"):
        at.concatenate([a, at.tensor("b", shape=(2, 4))], axis=0)
    with pytest.raises(ValueError, match="same number of dimensions"):
        at.concatenate([a, at.vector("v")])
    with pytest.raises(ValueError, match="zero-dimensional"):
        at.concatenate([at.scalar("s"), at.scalar("t")])
    with pytest.raises(np.exceptions.AxisError):
        at.concatenate([a, a], axis=2)
    with pytest.raises(ValueError, match="at least one"):
        at.concatenate([])
    with pytest.raises(TypeError, match="list or tuple"):
        at.concatenate(a)


def test_concatenate_run_time_error(rng):
    x, y = at.matrix("x"), at.matrix("y")
    fn = arignote.function([x, y], at.concatenate([x, y]))
    with pytest.raises(ValueError, match="must match exactly"):
        fn(np.ones((2, 3)), np.ones((2, 4)))


# --- stack and friends ----------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
@pytest.mark.parametrize("dtype", ["bool", "int16", "float32"])
@pytest.mark.parametrize("static", [False, True])
def test_stack_matches_numpy(rng, shape, dtype, static):
    values = [random_array(rng, shape, dtype) for _ in range(3)]
    for axis in range(-len(shape) - 1, len(shape) + 1):
        check_against_numpy(lambda *xs: at.stack(xs, axis=axis),
                            lambda *xs: np.stack(xs, axis=axis), *values, static=static)


def test_stack_of_scalars_is_make_vector(rng):
    a, b = at.bscalar("a"), at.fscalar("b")
    out = at.stack([a, b])
    assert isinstance(out.owner.op, MakeVector)
    assert out.type == at.TensorType("float32", (2,))
    values = [random_array(rng, (), "int8"), random_array(rng, (), "float32")]
    check_against_numpy(lambda *xs: at.stack(xs), lambda *xs: np.stack(xs), *values)


def test_stack_static_shape_and_errors():
    a = at.tensor("a", shape=(None, 3))
    assert at.stack([a, a, a], axis=1).type.shape == (None, 3, 3)
    assert at.stack([a]).type.shape == (1, None, 3)
    with pytest.raises(ValueError, match="same shape"):
        at.stack([a, at.vector("v")])
    with pytest.raises(ValueError, match="must match"):
        at.stack([a, at.tensor("b", shape=(None, 4))])
    with pytest.raises(np.exceptions.AxisError):
        at.stack([a, a], axis=3)
    x, y = at.vector("x"), at.vector("y")
    fn = arignote.function([x, y], at.stack([x, y]))
    with pytest.raises(ValueError):
        fn(np.ones(2), np.ones(3))


@pytest.mark.parametrize("shapes", [[(), ()], [(2,), (3,)], [(2, 1), (2, 3)], [(2, 2, 1), (2, 3, 1)]])
@pytest.mark.parametrize("static", [False, True])
def test_hstack(rng, shapes, static):
    values = [random_array(rng, s, "int32") for s in shapes]
    check_against_numpy(lambda *xs: at.hstack(xs), lambda *xs: np.hstack(xs), *values, static=static)


@pytest.mark.parametrize("shapes", [[(), ()], [(3,), (3,)], [(1, 3), (2, 3)], [(2, 2, 2), (1, 2, 2)]])
@pytest.mark.parametrize("static", [False, True])
def test_vstack(rng, shapes, static):
    values = [random_array(rng, s, "float32") for s in shapes]
    check_against_numpy(lambda *xs: at.vstack(xs), lambda *xs: np.vstack(xs), *values, static=static)


@pytest.mark.parametrize("shapes", [[(), ()], [(3,), (3,)], [(2, 3), (2, 3)], [(2, 2, 1), (2, 2, 3)]])
def test_dstack(rng, shapes):
    values = [random_array(rng, s, "float64") for s in shapes]
    check_against_numpy(lambda *xs: at.dstack(xs), lambda *xs: np.dstack(xs), *values)


@pytest.mark.parametrize("shapes", [[(), ()], [(3,), (3,)], [(3,), (3, 2)]])
def test_column_stack(rng, shapes):
    values = [random_array(rng, s, "int64") for s in shapes]
    check_against_numpy(lambda *xs: at.column_stack(xs), lambda *xs: np.column_stack(xs), *values)


# --- split -----------------------------------------------------------------------------------

@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("static", [False, True])
def test_split_constant_sizes(rng, axis, static):
    x = random_array(rng, (5, 5), "float32")
    sizes = [2, 0, 3]
    ref = lambda v: np.split(v, np.cumsum(sizes)[:-1], axis=axis)  # noqa: E731
    outs = check_against_numpy(lambda v: at.split(v, sizes, 3, axis=axis), ref, x, static=static)
    assert [o.shape[axis] for o in outs] == sizes


def test_split_static_shapes():
    x = at.tensor("x", shape=(None, 6))
    parts = at.split(x, [1, 5], 2, axis=1)
    assert isinstance(parts[0].owner.op, Split)
    assert [p.type.shape for p in parts] == [(None, 1), (None, 5)]
    n = at.lscalar("n")
    parts = at.split(x, [2, n, 1], 3, axis=-1)
    assert [p.type.shape for p in parts] == [(None, 2), (None, 3), (None, 1)]
    parts = at.split(at.vector("v"), [n, 2], 2)
    assert [p.type.shape for p in parts] == [(None,), (2,)]
    assert len(at.split(x, [6], 1, axis=1)) == 1


def test_split_symbolic_sizes(rng):
    x = random_array(rng, (7, 2), "int16")
    sizes = np.array([3, 4], dtype="int64")
    check_against_numpy(lambda v, s: at.split(v, s, 2), lambda v, s: np.split(v, [3]), x, sizes)
    check_against_numpy(lambda v, n: at.split(v, [n, 7 - 2], 2), lambda v, n: np.split(v, [2]),
                        x, np.int64(2))


def test_split_outputs_do_not_alias(rng):
    x = at.vector("x")
    a, b = at.split(x, [2, 2], 2)
    value = np.arange(4.0)
    out_a, _ = arignote.function([x], [a, b])(value)
    out_a[0] = 10.0
    assert value[0] == 0.0


def test_split_errors(rng):
    x = at.tensor("x", shape=(5,))
    with pytest.raises(ValueError, match="do not add up"):
        at.split(x, [2, 2], 2)
    with pytest.raises(ValueError, match="do not add up"):
        at.split(x, [4, 3, at.lscalar("n")], 3)
    with pytest.raises(ValueError, match="3 split sizes for 2 parts"):
        at.split(x, [1, 2, 2], 2)
    with pytest.raises(ValueError, match="negative"):
        at.split(x, [-1, 6], 2)
    with pytest.raises(ValueError, match="n_splits"):
        at.split(x, [5], 0)
    with pytest.raises(TypeError, match="integer"):
        at.split(x, at.dvector("d"), 2)
    v, s = at.vector("v"), at.lvector("s")
    fn = arignote.function([v, s], at.split(v, s, 2))
    with pytest.raises(ValueError, match="do not add up"):
        fn(np.ones(5), np.array([2, 2]))
    with pytest.raises(ValueError, match="3 split sizes for 2 parts"):
        fn(np.ones(5), np.array([2, 2, 1]))


# --- tile ------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,reps", [((3,), 2), ((3,), (2, 2)), ((2, 3), (2,)), ((2, 3), (1, 1)),
                                        ((2, 1, 3), (2, 1, 2)), ((), (3,)), ((2,), 0), ((2, 2), (1, 2, 3))])
@pytest.mark.parametrize("dtype", ["bool", "int8", "float64"])
@pytest.mark.parametrize("static", [False, True])
def test_tile_matches_numpy(rng, shape, reps, dtype, static):
    v = random_array(rng, shape, dtype)
    check_against_numpy(lambda x: at.tile(x, reps), lambda x: np.tile(x, reps), v, static=static)


def test_tile_symbolic_reps(rng):
    v = random_array(rng, (2, 3), "float32")
    check_against_numpy(lambda x, r: at.tile(x, (r, 2)), lambda x, r: np.tile(x, (r, 2)), v, np.int64(3))
    check_against_numpy(lambda x, r: at.tile(x, at.specify_shape(r, (3,))),
                        lambda x, r: np.tile(x, r), v, np.array([2, 1, 2], dtype="int32"))
    x, n = at.tensor("x", shape=(2, None)), at.lscalar("n")
    assert at.tile(x, (n, 3)).type.shape == (None, None)
    assert at.tile(x, (3, 0)).type.shape == (6, 0)
    with pytest.raises(ValueError, match="must be known"):
        at.tile(x, at.lvector("r"))
    with pytest.raises(ValueError, match="negative"):
        at.tile(x, (-1, 2))


# --- repeat ----------------------------------------------------------------------------------

@pytest.mark.parametrize("repeats", [2, 0, [1, 2, 0], [3]])
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("static", [False, True])
def test_repeat_constant_repeats(rng, repeats, axis, static):
    shape = (3, 3) if axis is not None else (3,)
    v = random_array(rng, shape, "int16")
    check_against_numpy(lambda x: at.repeat(x, repeats, axis=axis),
                        lambda x: np.repeat(x, repeats, axis=axis), v, static=static)
    check_against_numpy(lambda x: x.repeat(repeats, axis=axis),
                        lambda x: x.repeat(repeats, axis=axis), v, static=static)


@pytest.mark.parametrize("dtype", DTYPES)
def test_repeat_dtypes_and_flattening(rng, dtype):
    v = random_array(rng, (2, 3), dtype)
    check_against_numpy(lambda x: at.repeat(x, 2), lambda x: np.repeat(x, 2), v, static=True)


def test_repeat_symbolic_repeats(rng):
    v = random_array(rng, (3, 2), "float64")
    check_against_numpy(lambda x, r: at.repeat(x, r, axis=0), lambda x, r: np.repeat(x, r, axis=0),
                        v, np.int64(2))
    check_against_numpy(lambda x, r: at.repeat(x, r, axis=0), lambda x, r: np.repeat(x, r, axis=0),
                        v, np.array([1, 0, 3], dtype="int32"))
    check_against_numpy(lambda x, r: at.repeat(x, r, axis=1), lambda x, r: np.repeat(x, r, axis=1),
                        v, np.array([2, 1], dtype="uint32"))
    with pytest.raises(TypeError, match="uint64"):
        at.repeat(at.matrix("m"), at.vector("u", dtype="uint64"))


def test_repeat_static_shapes_and_errors():
    x = at.tensor("x", shape=(3, None))
    assert at.repeat(x, 2, axis=0).type.shape == (6, None)
    assert at.repeat(x, [1, 2, 3], axis=0).type.shape == (6, None)
    assert at.repeat(x, [1, 2, 3], axis=1).type.shape == (3, 6)
    assert at.repeat(at.tensor("y", shape=(2, 3)), 2).type.shape == (12,)
    assert at.repeat(x, at.lscalar("r"), axis=0).type.shape == (None, None)
    with pytest.raises(ValueError, match="broadcast"):
        at.repeat(x, [1, 2], axis=0)
    with pytest.raises(ValueError, match="negative"):
        at.repeat(x, -1, axis=0)
    with pytest.raises(TypeError, match="integer"):
        at.repeat(x, 1.5)
    with pytest.raises(np.exceptions.AxisError):
        at.repeat(x, 2, axis=2)
    v, r = at.vector("v"), at.lvector("r")
    fn = arignote.function([v, r], at.repeat(v, r))
    with pytest.raises(ValueError, match="broadcast"):
        fn(np.ones(3), np.array([1, 2]))


# --- roll ------------------------------------------------------------------------------------

@pytest.mark.parametrize("shift,axis", [(1, None), (-2, None), (7, 0), (1, -1), ((1, 2), (0, 1)),
                                        ((1, -1), 1), (2, (0, 1)), ((1, 1), (0, 0))])
@pytest.mark.parametrize("static", [False, True])
def test_roll_matches_numpy(rng, shift, axis, static):
    v = random_array(rng, (3, 4), "float32")
    check_against_numpy(lambda x: at.roll(x, shift, axis=axis),
                        lambda x: np.roll(x, shift, axis=axis), v, static=static)


@pytest.mark.parametrize("dtype", DTYPES)
def test_roll_dtypes_and_symbolic_shift(rng, dtype):
    v = random_array(rng, (2, 5), dtype)
    check_against_numpy(lambda x, s: at.roll(x, s, axis=1), lambda x, s: np.roll(x, s, axis=1),
                        v, np.int64(-3))
    check_against_numpy(lambda x, s: at.roll(x, s), lambda x, s: np.roll(x, s), v, np.int32(4))


def test_roll_vector_shift_and_errors(rng):
    v = random_array(rng, (3, 4), "int64")
    check_against_numpy(lambda x, s: at.roll(x, s, axis=(0, 1)), lambda x, s: np.roll(x, s, axis=(0, 1)),
                        v, np.array([1, -2]))
    x = at.matrix("x")
    with pytest.raises(ValueError, match="cannot be broadcast"):
        at.roll(x, [1, 2, 3], axis=(0, 1))
    with pytest.raises(np.exceptions.AxisError):
        at.roll(x, 1, axis=2)
    with pytest.raises(TypeError, match="integer"):
        at.roll(x, 1.5)
    s = at.lvector("s")
    fn = arignote.function([x, s], at.roll(x, s, axis=(0, 1)))
    with pytest.raises(ValueError):
        fn(np.ones((2, 2)), np.array([1, 2, 3]))
    assert at.roll(at.scalar("a"), 1).eval({"a": 2.0}) == 2.0


# --- flip ------------------------------------------------------------------------------------

@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), ()])
@pytest.mark.parametrize("static", [False, True])
def test_flip_matches_numpy(rng, axis, static):
    v = random_array(rng, (2, 3, 4), "int8")
    check_against_numpy(lambda x: at.flip(x, axis), lambda x: np.flip(x, axis), v, static=static)


def test_flip_is_a_view_and_helpers(rng):
    x = at.matrix("x")
    y = at.flip(x, -1)
    assert isinstance(y.owner.op, Flip) and Flip.view_inputs == (0,)
    assert at.flip(x, (1, 0)) is at.flip(x)  # axes are normalised, so nodes intern
    value = random_array(rng, (2, 3))
    out = arignote.function([x], y)(value)
    out[0, 0] = 100.0
    assert value[0, 2] != 100.0
    check_against_numpy(at.fliplr, np.fliplr, value)
    check_against_numpy(at.flipud, np.flipud, value)
    a = at.scalar("a")
    assert at.flip(a) is a
    with pytest.raises(ValueError, match="repeated axis"):
        at.flip(x, (0, 0))
    with pytest.raises(np.exceptions.AxisError):
        at.flip(x, 2)


@given(st.lists(st.integers(0, 3), min_size=1, max_size=3), st.data())
def test_concatenate_any_axis_property(dims, data):
    axis = data.draw(st.integers(-len(dims), len(dims) - 1))
    count = data.draw(st.integers(1, 3))
    rng = np.random.default_rng(0)
    values = []
    for _ in range(count):
        shape = list(dims)
        shape[axis] = data.draw(st.integers(0, 3))
        values.append(random_array(rng, shape, data.draw(st.sampled_from(["int8", "float32", "bool"]))))
    check_against_numpy(lambda *xs: at.concatenate(xs, axis=axis),
                        lambda *xs: np.concatenate(xs, axis=axis), *values,
                        static=data.draw(st.booleans()))
