import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.tensor.shape import MakeVector, Reshape, Shape, ShapeI, SpecifyShape
from tests.checks import check_against_numpy, random_array

DTYPES = ("bool", "int8", "int64", "uint16", "float32", "float64", "complex64")


# --- shape, shape_i, shape_tuple ----------------------------------------------------

@pytest.mark.parametrize("shape", [(), (3,), (2, 0, 4), (1, 5)])
@pytest.mark.parametrize("static", [False, True])
def test_shape_matches_numpy(rng, shape, static):
    x = random_array(rng, shape, "float32")
    check_against_numpy(lambda v: at.shape(v), lambda v: np.array(v.shape, dtype="int64"), x,
                        static=static)


def test_shape_of_static_tensor_is_a_constant():
    x = at.tensor("x", dtype="int8", shape=(2, 3))
    s = at.shape(x)
    assert isinstance(s, at.TensorConstant)
    assert s.dtype == "int64" and s.type.shape == (2,)
    np.testing.assert_array_equal(s.data, [2, 3])


def test_shape_of_partly_known_tensor_is_a_shape_node():
    x = at.tensor("x", shape=(None, 3))
    s = x.shape
    assert isinstance(s.owner.op, Shape)
    assert s.type == at.TensorType("int64", (2,))
    assert at.shape(x) is s  # interned


def test_shape_of_0d_is_an_empty_vector():
    s = at.shape(at.scalar("a"))
    assert s.type.shape == (0,) and s.data.dtype == np.int64


def test_shape_attribute_is_a_node_of_the_variable_even_when_static():
    """``x.shape`` keeps the graph depending on ``x`` (PyTensor's behaviour), so an input
    whose shape alone is used still counts as used; its static length stays known."""
    x = at.tensor("x", dtype="int8", shape=(2, 3))
    assert x.shape.owner is not None and tuple(x.shape.owner.inputs) == (x,)
    assert x.shape.type.shape == (2,)
    assert at.zeros(x.shape).type.shape == (2, 3)
    np.testing.assert_array_equal(x.shape.eval({x: np.zeros((2, 3), "int8")}), [2, 3])


def test_shape_tuple_constants_where_known(rng):
    x = at.tensor("x", dtype="float64", shape=(None, 3, None))
    dims = at.shape_tuple(x)
    assert len(dims) == 3
    assert isinstance(dims[1], at.TensorConstant) and int(dims[1].data) == 3
    assert isinstance(dims[0].owner.op, ShapeI) and dims[0].owner.op.axis == 0
    assert all(d.dtype == "int64" and d.ndim == 0 for d in dims)
    fn = arignote.function([x], list(dims))
    got = fn(random_array(rng, (4, 3, 2)))
    assert [int(g) for g in got] == [4, 3, 2]
    assert all(g.dtype == np.int64 and g.shape == () for g in got)


def test_shape_i_negative_axis_and_errors():
    x = at.matrix("x")
    assert at.shape_i(x, -1).owner.op == ShapeI(1)
    assert at.shape_i(x, -1).eval({x: np.zeros((2, 5))}) == 5
    with pytest.raises(np.exceptions.AxisError):
        at.shape_i(x, 2)
    with pytest.raises(ValueError, match="out of range"):
        ShapeI(3)(x)


# --- make_vector ---------------------------------------------------------------------

@pytest.mark.parametrize("dtypes", [("int8", "int8"), ("int8", "uint8"), ("int32", "float32"),
                                    ("bool", "int16"), ("float32", "float64", "int64"),
                                    ("complex64", "float64")])
def test_make_vector_promotes_like_numpy(rng, dtypes):
    values = [random_array(rng, (), d) for d in dtypes]
    check_against_numpy(lambda *xs: at.make_vector(*xs), lambda *xs: np.stack(xs), *values)


def test_make_vector_static_shape_and_explicit_dtype():
    a, b = at.iscalar("a"), at.bscalar("b")
    v = at.make_vector(a, b, dtype="int64")
    assert v.type == at.TensorType("int64", (2,))
    np.testing.assert_array_equal(v.eval({a: 7, b: -3}), [7, -3])
    assert at.make_vector().type == at.TensorType("float64", (0,))


def test_make_vector_errors():
    with pytest.raises(TypeError, match="must be 0-d"):
        MakeVector("int64")(at.vector("v"))
    with pytest.raises(TypeError, match="cannot become int64"):
        MakeVector("int64")(at.dscalar("d"))


def test_as_tensor_variable_of_a_list_of_scalars():
    a, b = at.lscalar("a"), at.dscalar("b")
    v = at.as_tensor_variable([a, b])
    assert isinstance(v.owner.op, MakeVector) and v.type == at.TensorType("float64", (2,))
    np.testing.assert_array_equal(v.eval({a: 2, b: 0.5}), [2.0, 0.5])
    m = at.as_tensor_variable([[a, a], [a, 3]])
    assert m.type == at.TensorType("int64", (2, 2))
    np.testing.assert_array_equal(m.eval({a: 1}), [[1, 1], [1, 3]])


def test_get_vector_length():
    assert at.get_vector_length(at.as_tensor_variable([1, 2, 3])) == 3
    with pytest.raises(ValueError, match="not known"):
        at.get_vector_length(at.lvector("v"))
    with pytest.raises(TypeError, match="expected a vector"):
        at.get_vector_length(at.lmatrix("m"))


# --- reshape -------------------------------------------------------------------------

RESHAPES = [
    ((2, 3, 4), (24,)), ((2, 3, 4), (6, 4)), ((2, 3, 4), (-1,)), ((2, 3, 4), (4, -1)),
    ((2, 3, 4), (2, -1, 2)), ((6,), (1, 6, 1)), ((), (1, 1)), ((1,), ()), ((0, 3), (3, 0)),
    ((0, 3), (-1, 3)), ((5,), (5, 1)), ((2, 2), (-1,)),
]


@pytest.mark.parametrize("in_shape,new_shape", RESHAPES)
@pytest.mark.parametrize("static", [False, True])
def test_reshape_constant_shape(rng, in_shape, new_shape, static):
    x = random_array(rng, in_shape, "float64")
    out = None

    def build(v):
        nonlocal out
        out = at.reshape(v, new_shape)
        return out

    got, = check_against_numpy(build, lambda v: np.reshape(v, new_shape), x, static=static)
    # the static shape is complete whenever it can be
    expected_static = tuple(d if d != -1 else None for d in new_shape)
    if static:
        expected_static = got.shape
    assert out.type.shape == expected_static


@pytest.mark.parametrize("dtype", DTYPES)
def test_reshape_dtypes(rng, dtype):
    x = random_array(rng, (3, 4), dtype)
    check_against_numpy(lambda v: v.reshape(2, 6), lambda v: v.reshape(2, 6), x)
    check_against_numpy(lambda v: v.reshape((-1, 3)), lambda v: v.reshape((-1, 3)), x)


def test_reshape_int_newshape(rng):
    x = random_array(rng, (2, 3), "int32")
    check_against_numpy(lambda v: at.reshape(v, 6), lambda v: np.reshape(v, 6), x)
    check_against_numpy(lambda v: v.reshape(-1), lambda v: v.reshape(-1), x, static=True)


@pytest.mark.parametrize("static", [False, True])
def test_reshape_symbolic_entries(rng, static):
    x = random_array(rng, (4, 3, 2), "float32")
    n = np.int64(6)
    check_against_numpy(lambda v, k: at.reshape(v, (k, -1)), lambda v, k: v.reshape(k, -1), x, n,
                        static=static)
    check_against_numpy(lambda v, k: at.reshape(v, (2, k, 2)), lambda v, k: v.reshape(2, k, 2),
                        x, n, static=static)
    check_against_numpy(lambda v, k: at.reshape(v, (k, 4)), lambda v, k: v.reshape(k, 4), x,
                        np.int64(-1), static=static)


def test_reshape_symbolic_entry_types():
    x = at.tensor("x", shape=(4, 3, 2))
    n = at.lscalar("n")
    # with a static size, a single free entry is determined
    assert at.reshape(x, (n, 4)).type.shape == (6, 4)
    assert at.reshape(x, (-1, n)).type.shape == (None, None)
    assert at.reshape(x, (2, n, -1)).type.shape == (2, None, None)
    i = at.iscalar("i")
    assert at.reshape(x, (i, 12)).type.shape == (2, 12)


def test_reshape_to_another_variables_shape(rng):
    x = at.tensor("x", dtype="float64", shape=(None, None))
    y = at.tensor("y", dtype="float64", shape=(None, 2, None))
    out = at.reshape(x, y.shape)
    assert out.type.shape == (None, 2, None)
    xv, yv = random_array(rng, (3, 4)), random_array(rng, (3, 2, 2))
    np.testing.assert_array_equal(arignote.function([x, y], out)(xv, yv), xv.reshape(3, 2, 2))


def test_reshape_symbolic_vector(rng):
    x = random_array(rng, (2, 6), "int16")
    shp = np.array([3, -1, 2], dtype="int32")
    check_against_numpy(lambda v, s: at.reshape(v, s, ndim=3), lambda v, s: v.reshape(s), x, shp)
    s = at.ivector("s")
    with pytest.raises(ValueError, match="pass ndim"):
        at.reshape(at.matrix("m"), s)
    with pytest.raises(ValueError, match="ndim=2"):
        at.reshape(at.matrix("m"), [1, 2, 3], ndim=2)


def test_flatten_keeps_cancelled_dims_known():
    x = at.tensor("x", shape=(None, 3, 4))
    assert at.flatten(x, 2).type.shape == (None, 12)
    assert at.flatten(x, 1).type.shape == (None,)
    assert at.flatten(x, 3) is x
    assert x.reshape((at.shape_i(x, 0), -1)).type.shape == (None, 12)
    y = at.tensor("y", shape=(None, None))
    assert at.reshape(y, (at.shape_i(y, 1), at.shape_i(y, 0))).type.shape == (None, None)


@pytest.mark.parametrize("ndim", [1, 2, 3])
@pytest.mark.parametrize("static", [False, True])
def test_flatten_matches_numpy(rng, ndim, static):
    x = random_array(rng, (2, 3, 4), "float64")
    check_against_numpy(lambda v: at.flatten(v, ndim),
                        lambda v: v.reshape(v.shape[:ndim - 1] + (-1,)), x, static=static)
    check_against_numpy(lambda v: v.ravel(), lambda v: v.ravel(), x, static=static)


def test_flatten_errors_and_0d():
    with pytest.raises(ValueError, match="ndim must be between"):
        at.flatten(at.matrix("m"), 3)
    with pytest.raises(ValueError, match="ndim must be between"):
        at.flatten(at.matrix("m"), 0)
    a = at.scalar("a")
    assert at.flatten(a).type.shape == (1,)


def test_reshape_build_time_errors():
    x = at.tensor("x", shape=(2, 3))
    with pytest.raises(ValueError, match="only specify one unknown"):
        at.reshape(x, (-1, -1))
    with pytest.raises(ValueError, match="negative dimension"):
        at.reshape(x, (-2, -3))
    with pytest.raises(ValueError, match="cannot reshape"):
        at.reshape(x, (4, 2))
    with pytest.raises(ValueError, match="cannot reshape"):
        at.reshape(x, (4, -1))
    with pytest.raises(ValueError, match="cannot reshape"):
        at.reshape(at.tensor("z", shape=(0, 3)), (0, -1))
    with pytest.raises(ValueError, match="cannot reshape"):
        at.reshape(x, (at.lscalar("n"), 4))
    with pytest.raises(TypeError, match="shape entries must be"):
        at.reshape(x, (2.0, 3))
    with pytest.raises(TypeError, match="shape entries must be"):
        at.reshape(x, (at.dscalar("d"), 3))
    with pytest.raises(TypeError, match="integer vector"):
        Reshape(1)(x, at.dvector("s"))
    with pytest.raises(ValueError, match="2 entries, expected 1"):
        Reshape(1)(x, at.as_tensor_variable([2, 3]))


def test_reshape_run_time_errors(rng):
    x, n = at.matrix("x"), at.lscalar("n")
    fn = arignote.function([x, n], at.reshape(x, (n, -1)))
    with pytest.raises(ValueError, match="cannot reshape"):
        fn(random_array(rng, (2, 3)), 4)
    s = at.lvector("s")
    fn = arignote.function([x, s], at.reshape(x, s, ndim=2))
    with pytest.raises(ValueError, match="3 entries, expected 2"):
        fn(random_array(rng, (2, 3)), np.array([1, 2, 3]))


def test_reshape_output_does_not_alias_the_input(rng):
    x = at.matrix("x")
    fn = arignote.function([x], x.reshape(-1))
    value = random_array(rng, (2, 3))
    out = fn(value)
    out[0] = 100.0
    assert value[0, 0] != 100.0


@given(st.lists(st.integers(1, 4), min_size=0, max_size=4), st.data())
def test_reshape_into_any_factorisation(dims, data):
    size = int(np.prod(dims))
    x = np.arange(size, dtype="int32").reshape(dims)
    # a random factorisation of the size, with possibly one -1
    new = []
    rest = size
    while rest > 1:
        factor = data.draw(st.sampled_from([f for f in range(1, rest + 1) if rest % f == 0]))
        new.append(factor)
        rest //= factor
    new += [1] * data.draw(st.integers(0, 1))
    if new and data.draw(st.booleans()):
        new[data.draw(st.integers(0, len(new) - 1))] = -1
    static = data.draw(st.booleans())
    check_against_numpy(lambda v: at.reshape(v, tuple(new)), lambda v: v.reshape(tuple(new)), x,
                        static=static)


# --- specify_shape ---------------------------------------------------------------------

def test_specify_shape_static_type_and_value(rng):
    x = at.tensor("x", dtype="float32", shape=(None, None, 4))
    y = at.specify_shape(x, (2, None, 4))
    assert isinstance(y.owner.op, SpecifyShape)
    assert y.type == at.TensorType("float32", (2, None, 4))
    value = random_array(rng, (2, 3, 4), "float32")
    np.testing.assert_array_equal(y.eval({x: value}), value)


def test_specify_shape_run_time_mismatch(rng):
    x = at.matrix("x")
    fn = arignote.function([x], at.specify_shape(x, (2, None)))
    with pytest.raises(ValueError, match=r"expected shape \(2, None\), got \(3, 4\)"):
        fn(random_array(rng, (3, 4)))


def test_specify_shape_symbolic_length(rng):
    x, n = at.matrix("x"), at.lscalar("n")
    y = at.specify_shape(x, (None, n))
    assert y.type.shape == (None, None)
    fn = arignote.function([x, n], y)
    np.testing.assert_array_equal(fn(np.ones((2, 3)), 3), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected shape \(None, 4\), got \(2, 3\)"):
        fn(np.ones((2, 3)), 4)
    assert at.specify_shape(x, (at.constant(2), None)).type.shape == (2, None)


def test_specify_shape_returns_input_when_nothing_to_add():
    x = at.tensor("x", shape=(2, None))
    assert at.specify_shape(x, (2, None)) is x
    assert at.specify_shape(x, (None, None)) is x
    v = at.vector("v")
    assert at.specify_shape(v, 3).type.shape == (3,)


def test_specify_shape_build_errors():
    x = at.tensor("x", shape=(2, None))
    with pytest.raises(ValueError, match="has length 2, not 3"):
        at.specify_shape(x, (3, None))
    with pytest.raises(ValueError, match="1 entries"):
        at.specify_shape(x, (3,))
    with pytest.raises(ValueError, match="negative length"):
        at.specify_shape(x, (None, -1))
    with pytest.raises(TypeError, match="shape entries must be"):
        at.specify_shape(x, (None, 1.5))


def test_squeeze_of_unknown_axis_uses_specify_shape(rng):
    x = at.matrix("x")
    y = at.squeeze(x, 0)
    assert y.type.shape == (None,)
    fn = arignote.function([x], y)
    np.testing.assert_array_equal(fn(np.ones((1, 3))), np.ones(3))
    with pytest.raises(ValueError, match="expected shape"):
        fn(np.ones((2, 3)))


def test_shape_padding():
    x = at.tensor("x", shape=(None, 3))
    assert at.shape_padleft(x).type.shape == (1, None, 3)
    assert at.shape_padright(x, 2).type.shape == (None, 3, 1, 1)
    assert at.shape_padaxis(x, 1).type.shape == (None, 1, 3)
    assert at.shape_padaxis(x, -1).type.shape == (None, 3, 1)
    value = np.ones((2, 3))
    assert at.shape_padleft(x, 2).eval({x: value}).shape == (1, 1, 2, 3)
