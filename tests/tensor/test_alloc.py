import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.config import config
from arignote.tensor.alloc import Alloc, ARange, BroadcastTo, Eye
from tests.checks import check_against_numpy, random_array

DTYPES = ("bool", "int8", "uint32", "int64", "float32", "float64", "complex128")


# --- alloc and broadcast_to ------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("value_shape,target", [((), (2, 3)), ((3,), (2, 3)), ((1, 3), (4, 2, 3)),
                                                ((2, 1), (2, 5)), ((1,), (0,)), ((), ())])
@pytest.mark.parametrize("static", [False, True])
def test_alloc_matches_broadcast(rng, dtype, value_shape, target, static):
    v = random_array(rng, value_shape, dtype)
    got, = check_against_numpy(lambda x: at.alloc(x, *target),
                               lambda x: np.broadcast_to(x, target).copy(), v, static=static)
    assert got.flags.writeable


def test_alloc_symbolic_shape(rng):
    v = random_array(rng, (3,), "float32")
    check_against_numpy(lambda x, n: at.alloc(x, n, 3), lambda x, n: np.broadcast_to(x, (n, 3)),
                        v, np.int64(4))
    check_against_numpy(lambda x, n: at.alloc(x, (n, 2, 3)),
                        lambda x, n: np.broadcast_to(x, (n, 2, 3)), v, np.int32(2))


def test_alloc_static_shapes():
    n = at.lscalar("n")
    x = at.tensor("x", shape=(None, 3))
    assert at.alloc(x, n, 5, n).type.shape == (None, 5, 3)  # a symbolic length must match 3
    assert at.alloc(at.tensor("r", shape=(1, None)), 2, 4).type.shape == (2, 4)
    assert at.alloc(1.0, at.shape(x)).type == at.TensorType(config.floatX, (None, 3))
    y = at.alloc(x, x.shape)
    assert isinstance(y.owner.op, Alloc) and y.type.shape == (None, 3)


def test_alloc_build_errors():
    x = at.tensor("x", shape=(2, 3))
    with pytest.raises(ValueError, match="cannot broadcast"):
        at.alloc(x, 2, 4)
    with pytest.raises(ValueError, match="cannot broadcast a 2-d value"):
        at.alloc(x, 3)
    with pytest.raises(ValueError, match="negative length"):
        at.alloc(x, -1, 3)
    with pytest.raises(TypeError, match="shape entries must be"):
        at.alloc(x, 2.0, 3)
    with pytest.raises(ValueError, match="not static"):
        at.alloc(x, at.lvector("s"))


def test_alloc_run_time_errors(rng):
    x, n = at.vector("x"), at.lscalar("n")
    fn = arignote.function([x, n], at.alloc(x, 2, n))
    np.testing.assert_array_equal(fn(np.ones(3), 3), np.ones((2, 3)))
    with pytest.raises(ValueError, match="broadcast"):
        fn(np.ones(3), 4)
    with pytest.raises(ValueError, match="non-negative|negative"):
        fn(np.ones(1), -2)


@pytest.mark.parametrize("build", [lambda v: at.alloc(v, 5, 3), lambda v: at.broadcast_to(v, (5, 3))],
                         ids=["alloc", "broadcast_to"])
def test_only_a_declared_length_of_1_stretches(build):
    # A value of unknown length that is 1 at run time would stretch in NumPy; here, as for
    # elementwise ops and in PyTensor, it raises: the derivative sums over the declared
    # lengths of 1 only, so stretching it would give a gradient of the wrong shape and value.
    x, w = at.vector("x", shape=(None,)), at.dmatrix("w")
    f = arignote.function([x], build(x))
    np.testing.assert_array_equal(f(np.arange(3.0)), np.broadcast_to(np.arange(3.0), (5, 3)))
    with pytest.raises(ValueError, match="Runtime broadcasting not allowed: axis 0"):
        f(np.ones(1))
    cost = (build(x) * w).sum()
    with_grad = arignote.function([x, w], [cost, arignote.grad(cost, x)])
    with pytest.raises(ValueError, match="Runtime broadcasting not allowed"):
        with_grad(np.ones(1), np.ones((5, 3)))
    np.testing.assert_array_equal(with_grad(np.ones(3), np.ones((5, 3)))[1], [5.0, 5.0, 5.0])
    # declared, it stretches, and its derivative sums over it
    r = at.vector("r", shape=(1,))
    np.testing.assert_array_equal(arignote.function([r], build(r))(np.full(1, 2.0)), np.full((5, 3), 2.0))
    g = arignote.function([r, w], arignote.grad((build(r) * w).sum(), r))(np.ones(1), np.ones((5, 3)))
    np.testing.assert_array_equal(g, [15.0])
    # a 2-d value: the check is per axis, the declared one stretches, the other may not
    m = at.tensor("m", shape=(1, None))
    f2 = arignote.function([m], at.alloc(m, 4, 5, 3))
    assert f2(np.ones((1, 3))).shape == (4, 5, 3)
    with pytest.raises(ValueError, match="axis 1 of the value"):
        f2(np.ones((1, 1)))


@pytest.mark.parametrize("static", [False, True])
def test_broadcast_to_matches_numpy(rng, static):
    v = random_array(rng, (3, 1), "int16")
    check_against_numpy(lambda x: at.broadcast_to(x, (2, 3, 4)),
                        lambda x: np.broadcast_to(x, (2, 3, 4)), v, static=static)
    check_against_numpy(lambda x, n: at.broadcast_to(x, (n, 3, 4)),
                        lambda x, n: np.broadcast_to(x, (n, 3, 4)), v, np.int64(2), static=static)


def test_broadcast_to_is_a_view_but_function_output_is_writable(rng):
    x = at.vector("x")
    y = at.broadcast_to(x, (2, 3))
    assert isinstance(y.owner.op, BroadcastTo) and BroadcastTo.view_inputs == (0,)
    out = arignote.function([x], y)(np.arange(3.0))
    out[0, 0] = 9.0  # a copy, not the read-only view
    np.testing.assert_array_equal(out[1], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="cannot broadcast"):
        at.broadcast_to(at.tensor("z", shape=(3,)), (2, 4))


# --- zeros, ones, full, *_like ------------------------------------------------------------

@pytest.mark.parametrize("make,ref", [(at.zeros, np.zeros), (at.ones, np.ones)])
@pytest.mark.parametrize("dtype", [None, "int32", "bool", "float32", "complex64"])
def test_zeros_ones(make, ref, dtype):
    out = make((2, 3), dtype=dtype)
    assert out.type.shape == (2, 3)
    expected_dtype = config.floatX if dtype is None else dtype
    value = out.eval()
    assert value.dtype == expected_dtype
    np.testing.assert_array_equal(value, ref((2, 3), dtype=expected_dtype))
    assert make(4).eval().shape == (4,)
    assert make(()).eval().shape == ()


def test_zeros_default_dtype_follows_floatx():
    with config.change_flags(floatX="float32"):
        assert at.zeros(3).dtype == "float32"
        assert at.ones((2,)).dtype == "float32"
        assert at.eye(2).dtype == "float32"


def test_zeros_symbolic_shape():
    n = at.lscalar("n")
    z = at.zeros((n, 2), dtype="int8")
    assert z.type == at.TensorType("int8", (None, 2))
    np.testing.assert_array_equal(z.eval({n: 3}), np.zeros((3, 2), "int8"))
    s = at.lvector("s")
    with pytest.raises(ValueError, match="not static"):
        at.ones(s)
    assert at.empty((2, 2)).eval().shape == (2, 2)


@pytest.mark.parametrize("fill_value", [1, 2.5, True, np.float32(1.5), np.int8(3)])
def test_full_matches_numpy(fill_value):
    out = at.full((2, 2), fill_value)
    expected = np.full((2, 2), fill_value)
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out.eval(), expected)
    out = at.full(3, fill_value, dtype="float32")
    np.testing.assert_array_equal(out.eval(), np.full(3, fill_value, dtype="float32"))


def test_full_broadcasts_an_array_value(rng):
    v = random_array(rng, (3,), "float64")
    check_against_numpy(lambda x: at.full((2, 3), x), lambda x: np.full((2, 3), x), v)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("static", [False, True])
def test_like_functions_match_numpy(rng, dtype, static):
    v = random_array(rng, (2, 3), dtype)
    for ours, theirs in [(at.zeros_like, np.zeros_like), (at.ones_like, np.ones_like)]:
        check_against_numpy(ours, theirs, v, static=static)
        check_against_numpy(lambda x: ours(x, dtype="float32"),
                            lambda x: theirs(x, dtype="float32"), v, static=static)
    check_against_numpy(lambda x: at.full_like(x, 3), lambda x: np.full_like(x, 3), v, static=static)
    if dtype != "bool":
        check_against_numpy(lambda x: at.full_like(x, 1.75), lambda x: np.full_like(x, 1.75), v,
                            static=static)
    assert at.empty_like(at.tensor("e", dtype=dtype, shape=(2,))).eval().shape == (2,)
    # PyTensor's methods of the same names
    check_against_numpy(lambda x: [x.zeros_like(), x.ones_like(dtype="float32"), x.fill(2)],
                        lambda x: [np.zeros_like(x), np.ones_like(x, dtype="float32"),
                                   np.full(x.shape, 2)], v, static=static)  # fill: the value's dtype


def test_zeros_like_keeps_static_shape():
    x = at.tensor("x", dtype="int8", shape=(None, 4))
    assert at.zeros_like(x).type == at.TensorType("int8", (None, 4))
    assert at.ones_like(x, dtype="bool").type == at.TensorType("bool", (None, 4))


def test_fill(rng):
    m = at.matrix("m")
    y = at.fill(m, at.constant(np.float32(2.0)))
    assert y.type == at.TensorType("float32", (None, None))
    np.testing.assert_array_equal(y.eval({m: np.zeros((2, 3))}), np.full((2, 3), 2.0, "float32"))


# --- arange -------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [(5,), (2, 7), (0, 10, 3), (10, 0, -3), (5, 2), (0,),
                                  (0.5, 3.0), (0, 1, 0.1), (-1.5, 2, 0.25), (3, 1.5, -0.5),
                                  (True, 3), (np.int8(2), np.int16(9)), (np.float32(1), 4),
                                  (np.uint64(3),)])
def test_arange_constant_bounds(args):
    out = at.arange(*args)
    expected = np.arange(*args)
    assert out.type.shape == expected.shape  # static length known
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out.eval(), expected)


@pytest.mark.parametrize("dtype", ["int8", "int32", "float32", "float64", "uint16"])
def test_arange_dtype_argument(dtype):
    for args in [(5,), (1, 6, 2), (0, 5, 1.5)]:
        out = at.arange(*args, dtype=dtype)
        expected = np.arange(*args, dtype=dtype)
        assert out.dtype == dtype and out.type.shape == expected.shape
        np.testing.assert_array_equal(out.eval(), expected)


@pytest.mark.parametrize("dtypes", [("int64",), ("int32",), ("int8", "int16"), ("uint64",),
                                    ("float32",), ("int32", "float32", "int8"), ("uint8", "float64")])
def test_arange_symbolic_bounds(dtypes):
    values = {"int64": 7, "int32": 9, "int8": 2, "int16": 11, "uint64": 6, "float32": 4.5,
              "float64": 8.25, "uint8": 1}
    inputs = [np.asarray(values[d] if i < 2 else 2, dtype=d) for i, d in enumerate(dtypes)]
    check_against_numpy(lambda *xs: at.arange(*xs), lambda *xs: np.arange(*xs), *inputs)


def test_arange_symbolic_static_shape():
    n = at.lscalar("n")
    assert at.arange(n).type == at.TensorType("int64", (None,))
    assert isinstance(at.arange(n).owner.op, ARange)
    assert at.arange(2, n, 2, dtype="float32").type == at.TensorType("float32", (None,))


def test_arange_errors():
    with pytest.raises(ZeroDivisionError):
        at.arange(0, 5, 0)
    with pytest.raises(TypeError, match="real number"):
        at.arange(at.zscalar("z"))
    with pytest.raises(TypeError, match="must be 0-d"):
        at.arange(at.lvector("v"))
    n, s = at.lscalar("n"), at.lscalar("s")
    fn = arignote.function([n, s], at.arange(0, n, s))
    with pytest.raises(ZeroDivisionError):
        fn(5, 0)


@given(st.floats(-20, 20), st.floats(-20, 20), st.floats(0.05, 7) | st.floats(-7, -0.05),
       st.booleans())
def test_arange_float_length_agrees_with_numpy(start, stop, step, use_float32):
    if use_float32:
        start, stop, step = np.float32(start), np.float32(stop), np.float32(step)
    out = at.arange(start, stop, step)
    expected = np.arange(start, stop, step)
    assert out.type.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_array_equal(out.eval(), expected)


@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-9, 9).filter(bool))
def test_arange_int_length_agrees_with_numpy(start, stop, step):
    out = at.arange(start, stop, step)
    assert out.type.shape == np.arange(start, stop, step).shape
    n, m = at.lscalar("n"), at.lscalar("m")
    got = arignote.function([n, m], at.arange(n, m, step))(start, stop)
    np.testing.assert_array_equal(got, np.arange(start, stop, step))


# --- eye, tri, tril, triu -------------------------------------------------------------------

@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2, 1), (3, 3, -2), (3, 5, 7), (0,)])
@pytest.mark.parametrize("dtype", [None, "int32", "bool", "float32"])
def test_eye_constant(args, dtype):
    out = at.eye(*args, dtype=dtype)
    expected = np.eye(*args, dtype=config.floatX if dtype is None else dtype)
    assert out.type.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_array_equal(out.eval(), expected)


def test_eye_symbolic():
    n, m, k = at.lscalar("n"), at.iscalar("m"), at.lscalar("k")
    out = at.eye(n, m, k, dtype="int8")
    assert isinstance(out.owner.op, Eye) and out.type == at.TensorType("int8", (None, None))
    fn = arignote.function([n, m, k], out)
    np.testing.assert_array_equal(fn(3, 4, -1), np.eye(3, 4, -1, dtype="int8"))
    assert at.eye(n, 3).type.shape == (None, 3)
    with pytest.raises(ValueError, match="negative dimensions"):
        at.eye(-1)
    with pytest.raises(TypeError, match="0-d integer"):
        at.eye(2.5)
    with pytest.raises(ValueError, match="negative dimensions"):
        arignote.function([n], at.eye(n))(-2)


def test_identity_like(rng):
    x = at.tensor("x", dtype="int16", shape=(None, 3))
    out = at.identity_like(x)
    assert out.type == at.TensorType("int16", (None, 3))
    np.testing.assert_array_equal(out.eval({x: np.zeros((2, 3), "int16")}), np.eye(2, 3, dtype="int16"))
    with pytest.raises(TypeError, match="matrix"):
        at.identity_like(at.vector("v"))


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2, 1), (3, 3, -1)])
def test_tri(args):
    out = at.tri(*args, dtype="int8")
    np.testing.assert_array_equal(out.eval(), np.tri(*args, dtype="int8"))
    assert out.type.shape == np.tri(*args).shape
    assert at.tri(3).dtype == config.floatX


@pytest.mark.parametrize("shape", [(4,), (3, 4), (4, 3), (2, 3, 3)])
@pytest.mark.parametrize("k", [0, 1, -2])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@pytest.mark.parametrize("static", [False, True])
def test_tril_triu_match_numpy(rng, shape, k, dtype, static):
    v = random_array(rng, shape, dtype)
    check_against_numpy(lambda x: at.tril(x, k), lambda x: np.tril(x, k), v, static=static)
    check_against_numpy(lambda x: at.triu(x, k), lambda x: np.triu(x, k), v, static=static)


def test_tril_triu_symbolic_k(rng):
    v = random_array(rng, (3, 4), "float64")
    check_against_numpy(lambda x, k: at.tril(x, k), lambda x, k: np.tril(x, k), v, np.int64(1))
    check_against_numpy(lambda x, k: at.triu(x, k), lambda x, k: np.triu(x, k), v, np.int64(-1))
    with pytest.raises(ValueError, match="at least 1-d"):
        at.tril(at.scalar("s"))
