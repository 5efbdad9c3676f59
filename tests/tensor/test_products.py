"""Products (dot, matmul, tensordot, outer, inner), diagonal and trace against NumPy."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arignote
import arignote.tensor as at
from arignote.tensor.products import Diagonal, Dot, MatMul, TensorDot
from tests.checks import check_against_numpy, random_array

DTYPES = ("int32", "int64", "float32", "float64", "bool", "complex128")

DOT_SHAPES = [
    ((), (3,)), ((3,), ()), ((), ()),
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
    ((2, 3, 4), (4,)), ((4,), (2, 4, 3)), ((2, 3, 4), (5, 4, 6)), ((2, 3), (5, 3, 2)),
    ((0,), (0,)), ((2, 0), (0, 3)), ((0, 3), (3, 2)),
]


def _values(rng, shapes, dtypes):
    return [random_array(rng, s, d) for s, d in zip(shapes, dtypes)]


# --- dot -----------------------------------------------------------------------------

@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("shapes", DOT_SHAPES)
def test_dot_shapes(rng, shapes, static):
    check_against_numpy(at.dot, np.dot, *_values(rng, shapes, ("float64", "float64")), static=static)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3, 4)), ((2, 3, 4), (4, 2))])
def test_dot_dtypes(rng, dtype, shapes):
    check_against_numpy(at.dot, np.dot, *_values(rng, shapes, (dtype, dtype)))


@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("int32", "float32"), ("int8", "uint8"),
                                    ("bool", "int16"), ("int64", "complex128"),
                                    ("float32", "complex64"), ("int8", "uint64")])
def test_dot_mixed_dtypes(rng, dtypes):
    check_against_numpy(at.dot, np.dot, *_values(rng, ((2, 3), (3, 2)), dtypes))
    check_against_numpy(at.dot, np.dot, *_values(rng, ((), (3,)), dtypes))


def test_dot_method_and_constants(rng):
    x = at.matrix("x")
    a = random_array(rng, (2, 3))
    w = random_array(rng, (3, 4))
    out = arignote.function([x], x.dot(w))(a)
    np.testing.assert_allclose(out, a @ w)
    assert isinstance(at.dot(x, w).owner.op, Dot)


def test_dot_static_mismatch():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\) not aligned"):
        at.dot(at.matrix(shape=(2, 3)), at.matrix(shape=(4, 5)))
    with pytest.raises(ValueError, match="not aligned"):
        at.dot(at.vector(shape=(3,)), at.tensor(shape=(2, 4, 5)))
    # an unknown length defers the check to run time
    assert at.dot(at.matrix(shape=(2, None)), at.matrix(shape=(4, 5))).type.shape == (2, 5)


def test_dot_runtime_mismatch():
    x, y = at.matrix("x"), at.matrix("y")
    f = arignote.function([x, y], at.dot(x, y))
    with pytest.raises(ValueError, match="not aligned"):
        f(np.ones((2, 3)), np.ones((4, 2)))


def test_dot_op_rejects_0d():
    with pytest.raises(TypeError, match="at least one dimension"):
        Dot()(at.scalar(), at.vector())


def test_dot_interns():
    x, y = at.matrix("x"), at.matrix("y")
    assert at.dot(x, y) is at.dot(x, y)
    assert (x @ y) is at.dot(x, y)  # 2-d matmul is the canonical Dot node


# --- matmul --------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
    ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)),
    ((1, 3, 4), (6, 4, 2)), ((6, 3, 4), (1, 4, 2)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
    ((0, 3, 4), (4, 2)), ((2, 3, 0), (2, 0, 5)), ((2, 0), (0,)),
]


@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul_shapes(rng, shapes, static):
    check_against_numpy(at.matmul, np.matmul, *_values(rng, shapes, ("float64", "float64")),
                        static=static)
    check_against_numpy(lambda a, b: a @ b, lambda a, b: a @ b,
                        *_values(rng, shapes, ("float32", "float32")), static=static)


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_dtypes(rng, dtype):
    for shapes in [((2, 1, 3, 4), (5, 4, 2)), ((3,), (3,)), ((2, 3), (3, 4))]:
        check_against_numpy(at.matmul, np.matmul, *_values(rng, shapes, (dtype, dtype)))


@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("int32", "int64"), ("bool", "float32"),
                                    ("int16", "complex128"), ("uint8", "int8")])
def test_matmul_mixed_dtypes(rng, dtypes):
    check_against_numpy(at.matmul, np.matmul, *_values(rng, ((2, 3, 4), (4, 2)), dtypes))


def test_matmul_builds_matmul_for_batches():
    out = at.matmul(at.tensor3(), at.matrix())
    assert isinstance(out.owner.op, MatMul)


def test_matmul_static_shape():
    a = at.tensor("a", shape=(None, 1, 3, 4))
    b = at.tensor("b", shape=(5, None, 2))
    assert at.matmul(a, b).type.shape == (None, 5, 3, 2)
    assert at.matmul(at.vector(shape=(4,)), b).type.shape == (5, 2)
    assert at.matmul(a, at.vector()).type.shape == (None, 1, 3)


def test_matmul_0d_raises():
    with pytest.raises(ValueError, match="operand 0 does not have enough dimensions"):
        at.matmul(at.scalar(), at.vector())
    with pytest.raises(ValueError, match="operand 1 does not have enough dimensions"):
        at.matmul(at.matrix(), 2.0)
    with pytest.raises(ValueError, match="enough dimensions"):
        MatMul()(at.vector(), at.scalar())


def test_matmul_static_mismatch():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) not aligned"):
        at.matrix(shape=(2, 3)) @ at.matrix(shape=(4, 5))
    with pytest.raises(ValueError, match=r"\(2, 3, 4\) and \(5, 4, 2\) cannot be broadcast"):
        at.tensor(shape=(2, 3, 4)) @ at.tensor(shape=(5, 4, 2))
    with pytest.raises(ValueError, match="not aligned"):
        at.tensor(shape=(None, 3, 4)) @ at.tensor(shape=(None, 3, 2))


def test_matmul_runtime_mismatch():
    x, y = at.tensor3("x"), at.tensor3("y")
    f = arignote.function([x, y], x @ y)
    with pytest.raises(ValueError, match="mismatch in its core dimension"):
        f(np.ones((2, 3, 4)), np.ones((2, 3, 2)))
    with pytest.raises(ValueError, match="broadcast"):
        f(np.ones((2, 3, 4)), np.ones((3, 4, 2)))


@given(shapes=hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=4,
                                                min_side=0, max_side=3),
       static=st.booleans(), seed=st.integers(0, 2**16))
def test_matmul_hypothesis(shapes, static, seed):
    rng = np.random.default_rng(seed)
    a, b = (random_array(rng, s, "float64") for s in shapes.input_shapes)
    got, = check_against_numpy(at.matmul, np.matmul, a, b, static=static)
    assert got.shape == shapes.result_shape


# --- tensordot, outer, inner, matrix_dot -------------------------------------------------

@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("shapes, axes", [
    (((2, 3, 4), (3, 4, 5)), 2), (((2, 3), (3, 4)), 1), (((2, 3), (4,)), 0), (((2, 3), (3, 2)), 0),
    (((2, 3, 4), (4, 3, 5)), ([1, 2], [1, 0])), (((2, 3, 4), (5, 2)), (0, 1)),
    (((2, 3, 4), (3, 5)), ([-2], [-2])), (((3,), (3,)), 1), (((), (2,)), 0),
    (((2, 0), (0, 3)), 1), (((2, 3), (2, 3)), ((0, 1), (0, 1))),
])
def test_tensordot(rng, shapes, axes, static):
    for dtype in ("float64", "int32"):
        values = _values(rng, shapes, (dtype, dtype))
        check_against_numpy(lambda a, b: at.tensordot(a, b, axes),
                            lambda a, b: np.tensordot(a, b, axes), *values, static=static)


def test_tensordot_default_and_static_shape():
    a, b = at.tensor(shape=(2, None, 4)), at.tensor(shape=(3, 4, 5))
    out = at.tensordot(a, b)
    assert isinstance(out.owner.op, TensorDot)
    assert out.type.shape == (2, 5)
    assert at.tensordot(a, b, ([1], [1])).type.shape == (2, 4, 3, 5)


def test_tensordot_errors():
    a, b = at.tensor(shape=(2, 3, 4)), at.tensor(shape=(3, 4, 5))
    with pytest.raises(ValueError, match="shape-mismatch for sum"):
        at.tensordot(a, b, ([1, 2], [0]))
    with pytest.raises(ValueError, match="shape-mismatch for sum"):
        at.tensordot(a, b, 1)  # 4 against 3
    with pytest.raises(ValueError, match="duplicate axes"):
        at.tensordot(a, b, ([1, 1], [0, 1]))
    with pytest.raises(np.exceptions.AxisError):
        at.tensordot(a, b, 4)
    with pytest.raises(np.exceptions.AxisError):
        at.tensordot(a, b, ([3], [0]))
    with pytest.raises(ValueError, match="non-negative"):
        at.tensordot(a, b, -1)
    with pytest.raises(TypeError, match="axes must be"):
        at.tensordot(a, b, "x")
    x, y = at.matrix("x"), at.matrix("y")
    f = arignote.function([x, y], at.tensordot(x, y, 1))
    with pytest.raises(ValueError, match="shape-mismatch"):
        f(np.ones((2, 3)), np.ones((4, 2)))


@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("int32", "float32"), ("bool", "bool"),
                                    ("complex128", "int64")])
@pytest.mark.parametrize("shapes", [((3,), (4,)), ((), (4,)), ((3,), ()), ((0,), (2,))])
def test_outer(rng, shapes, dtypes):
    for static in (False, True):
        check_against_numpy(at.outer, np.outer, *_values(rng, shapes, dtypes), static=static)


def test_outer_flattens(rng):
    if not hasattr(at, "flatten"):
        pytest.skip("tensor.shape.flatten is not available yet")
    check_against_numpy(at.outer, np.outer, random_array(rng, (2, 3)), random_array(rng, (2, 2, 1)))


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)),
                                    ((2, 2, 3), (4, 3)), ((), (3,)), ((2, 3), ())])
def test_inner(rng, shapes):
    for dtype in ("float64", "int32", "bool"):
        check_against_numpy(at.inner, np.inner, *_values(rng, shapes, (dtype, dtype)))


def test_matrix_dot(rng):
    values = [random_array(rng, s) for s in [(2, 3), (3, 4), (4,)]]
    check_against_numpy(at.matrix_dot, lambda *v: np.linalg.multi_dot(v), *values, static=True)
    x = at.matrix()
    assert at.matrix_dot(x) is x
    with pytest.raises(TypeError):
        at.matrix_dot()


# --- diagonal and trace ------------------------------------------------------------------

@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("shape, offset, axis1, axis2", [
    ((3, 3), 0, 0, 1), ((3, 4), 1, 0, 1), ((3, 4), -2, 0, 1), ((4, 3), 2, 0, 1),
    ((3, 4), 5, 0, 1), ((3, 4), -3, 0, 1), ((2, 3, 4), 0, 0, 2), ((2, 3, 4), -1, 2, 1),
    ((2, 3, 4), 1, -1, -3), ((0, 3), 0, 0, 1), ((2, 0, 4), 0, 1, 2),
])
def test_diagonal(rng, shape, offset, axis1, axis2, static):
    for dtype in ("float32", "int64", "bool", "complex128"):
        check_against_numpy(lambda x: at.diagonal(x, offset, axis1, axis2),
                            lambda x: np.diagonal(x, offset, axis1, axis2),
                            random_array(rng, shape, dtype), static=static)


def test_diagonal_static_length():
    assert at.diagonal(at.matrix(shape=(None, 3)), 3).type.shape == (0,)
    assert at.diagonal(at.matrix(shape=(2, None)), -2).type.shape == (0,)
    assert at.diagonal(at.matrix(shape=(2, None)), 1).type.shape == (None,)
    assert at.diagonal(at.tensor(shape=(5, 2, 3)), 0, 1, 2).type.shape == (5, 2)
    assert at.matrix(shape=(4, 3)).diagonal(-1).type.shape == (3,)


def test_diagonal_is_a_view_but_function_returns_a_copy(rng):
    x = at.matrix("x")
    node = at.diagonal(x).owner
    assert isinstance(node.op, Diagonal) and node.op.view_inputs == (0,)
    value = random_array(rng, (3, 3))
    out = arignote.function([x], at.diagonal(x))(value)
    assert not np.shares_memory(out, value)
    out[0] = 100.0  # the caller owns the result
    assert value[0, 0] != 100.0


def test_diagonal_errors():
    with pytest.raises(ValueError, match="at least two dimensions"):
        at.diagonal(at.vector())
    with pytest.raises(ValueError, match="cannot be the same"):
        at.diagonal(at.tensor3(), 0, 1, -2)
    with pytest.raises(np.exceptions.AxisError):
        at.diagonal(at.matrix(), 0, 0, 2)
    with pytest.raises(TypeError, match="offset"):
        at.diagonal(at.matrix(), 1.5)


@pytest.mark.parametrize("dtype", ["int32", "uint8", "bool", "float32", "float64", "complex128"])
@pytest.mark.parametrize("shape, offset", [((3, 3), 0), ((3, 4), 1), ((4, 3), -1), ((2, 3, 4), 0),
                                           ((2, 2), 5)])
def test_trace(rng, dtype, shape, offset):
    if not hasattr(at, "sum"):
        pytest.skip("tensor.reduction.sum is not available yet")
    for static in (False, True):
        check_against_numpy(lambda x: at.trace(x, offset), lambda x: np.trace(x, offset),
                            random_array(rng, shape, dtype), static=static)
    check_against_numpy(lambda x: x.trace(), np.trace, random_array(rng, shape, dtype))


def test_trace_needs_2d():
    with pytest.raises(ValueError, match="at least two dimensions"):
        at.trace(at.vector())
