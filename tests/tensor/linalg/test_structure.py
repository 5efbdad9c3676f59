"""block_diag, kron, tensorinv and tensorsolve against SciPy/NumPy: values, batches, dtypes,
errors and derivatives, and the structure kron and block_diag keep."""

import numpy as np
import pytest
import scipy.linalg

import arignote
import arignote.tensor as at
from arignote.tensor.linalg import block_diag, tensorinv, tensorsolve
from tests.tensor.linalg.helpers import FLOATS, check_grad, close, numeric_rop, run


@pytest.mark.parametrize("dtype", FLOATS)
def test_block_diag(rng, dtype):
    mats = [rng.normal(size=s).astype(dtype) for s in [(2, 3), (3, 1), (1, 1)]]
    got = run(block_diag, *mats)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, scipy.linalg.block_diag(*mats))
    np.testing.assert_array_equal(run(block_diag, mats[0]), mats[0])


def test_block_diag_batched_dtypes_and_errors(rng):
    a, b = rng.normal(size=(4, 2, 2)), rng.normal(size=(3, 1))
    got = run(block_diag, a, b)
    assert got.shape == (4, 5, 3)
    for i in range(4):
        np.testing.assert_array_equal(got[i], scipy.linalg.block_diag(a[i], b))
    ints = [np.arange(4).reshape(2, 2), np.ones((1, 1), dtype="int32")]
    got = run(block_diag, *ints)
    assert got.dtype == "int64"
    np.testing.assert_array_equal(got, scipy.linalg.block_diag(*ints))
    assert block_diag(at.matrix(dtype="float32"), at.matrix(dtype="float64")).dtype == "float64"
    with pytest.raises(ValueError, match="at least one"):
        block_diag()
    with pytest.raises(TypeError, match="at least 2"):
        block_diag(at.matrix(), at.vector())


def test_block_diag_gradient(rng):
    check_grad(block_diag, [rng.normal(size=(2, 3)), rng.normal(size=(2, 2))], rng)
    check_grad(block_diag, [rng.normal(size=(2, 2, 1)), rng.normal(size=(2, 2))], rng)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, ind", [((6, 2, 3), 1), ((2, 3, 6), 2), ((2, 2, 2, 2), 2)])
def test_tensorinv(rng, dtype, shape, ind):
    a = (rng.normal(size=shape) + 0).astype(dtype)
    n = int(np.prod(shape[:ind]))
    a = (a.reshape(n, -1) + n * np.eye(n)).reshape(shape).astype(dtype)
    got = run(lambda x: tensorinv(x, ind), a)
    assert got.dtype == dtype
    expected = np.linalg.tensorinv(a.astype("float64"), ind)
    close(got, expected, dtype, [a.reshape(n, n)])


def test_tensorinv_errors_and_gradient(rng):
    with pytest.raises(ValueError, match="ind"):
        tensorinv(at.tensor3(), 0)
    with pytest.raises(ValueError, match="ind"):
        tensorinv(at.matrix(), 2)
    a = (rng.normal(size=(4, 4)) + 4 * np.eye(4)).reshape(4, 2, 2)
    check_grad(lambda x: tensorinv(x, 1), [a], rng)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axes", [None, (0,)])
def test_tensorsolve(rng, dtype, axes):
    a = (rng.normal(size=(6, 6)) + 6 * np.eye(6)).reshape(2, 3, 6).astype(dtype)
    if axes is not None:
        a = np.ascontiguousarray(np.moveaxis(a, 2, 0))  # (6, 2, 3): axis 0 is x's
    b = rng.normal(size=(2, 3)).astype(dtype)
    got = run(lambda x, y: tensorsolve(x, y, axes), a, b)
    assert got.dtype == dtype
    expected = np.linalg.tensorsolve(a.astype("float64"), b.astype("float64"), axes)
    close(got, expected, dtype, [np.eye(6) * 10])


def test_tensorsolve_errors_and_gradient(rng):
    with pytest.raises(ValueError, match="more dimensions"):
        tensorsolve(at.matrix(), at.matrix())
    a = (rng.normal(size=(4, 4)) + 4 * np.eye(4)).reshape(2, 2, 4)
    check_grad(tensorsolve, [a, rng.normal(size=(2, 2))], rng)


# --- the ops: KroneckerProduct and BlockDiagonal ------------------------------------------------

def test_kron_and_block_diag_are_ops():
    from arignote.tensor.linalg.assumptions import core_op
    from arignote.tensor.linalg.products import KroneckerProduct
    from arignote.tensor.linalg.structure import BlockDiagonal

    a, b = at.matrix("a"), at.tensor3("b")
    assert isinstance(at.linalg.kron(a, a).owner.op, KroneckerProduct)
    assert isinstance(core_op(block_diag(a, b).owner), BlockDiagonal)
    assert block_diag(a, a, a).owner.op == BlockDiagonal(3)
    assert not isinstance(at.linalg.kron(at.vector("v"), a).owner.op, KroneckerProduct)  # np.kron's graph
    static = at.linalg.kron(at.matrix(shape=(2, 3)), at.matrix(shape=(4, None)))
    assert static.type.shape == (8, None)
    assert block_diag(at.matrix(shape=(2, 3)), at.matrix(shape=(4, 1))).type.shape == (6, 4)
    with pytest.raises(ValueError, match="n_inputs"):
        BlockDiagonal(1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_kron_op_values_shapes_and_batches(rng, dtype):
    from arignote.tensor.vectorize_node import vectorize_variables

    a, b = rng.normal(size=(2, 3)).astype(dtype), rng.normal(size=(4, 2)).astype(dtype)
    got = run(at.linalg.kron, a, b)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np.kron(a, b))
    x, y = at.matrix("x", dtype=dtype), at.matrix("y", dtype=dtype)
    shape = arignote.function([x, y], at.linalg.kron(x, y).shape)(a, b)
    np.testing.assert_array_equal(shape, (8, 6))
    # a stack of Kronecker products (a Blockwise node, as vectorizing builds it)
    xs = at.tensor3("xs", dtype=dtype)
    stacked = vectorize_variables([at.linalg.kron(x, y)], {x: xs})[0]
    stack = rng.normal(size=(3, 2, 3)).astype(dtype)
    got = arignote.function([xs, y], stacked)(stack, b)
    np.testing.assert_array_equal(got, np.stack([np.kron(s, b) for s in stack]))


def test_kron_op_dtypes_and_derivatives(rng):
    ints = np.arange(4).reshape(2, 2)
    got = run(at.linalg.kron, ints, np.ones((2, 1), dtype="int32"))
    assert got.dtype == "int64"
    np.testing.assert_array_equal(got, np.kron(ints, np.ones((2, 1), dtype="int32")))
    check_grad(at.linalg.kron, [rng.normal(size=(2, 3)), rng.normal(size=(3, 2))], rng)
    numeric_rop(at.linalg.kron, [rng.normal(size=(2, 2)), rng.normal(size=(3, 1))], rng)


@pytest.mark.parametrize("dtype", FLOATS)
def test_block_diag_op_shapes_and_derivatives(rng, dtype):
    mats = [rng.normal(size=s).astype(dtype) for s in [(2, 3), (0, 2), (1, 1)]]  # an empty block too
    np.testing.assert_array_equal(run(block_diag, *mats), scipy.linalg.block_diag(*mats))
    x, y = at.matrix("x", dtype=dtype), at.tensor3("y", dtype=dtype)
    out = block_diag(x, y)
    shape = arignote.function([x, y], out.shape)(mats[0], rng.normal(size=(4, 2, 2)).astype(dtype))
    np.testing.assert_array_equal(shape, (4, 4, 5))
    # forward mode: linear, so the tangent is the block-diagonal matrix of the tangents
    u, v = at.matrix("u", dtype=dtype), at.matrix("v", dtype=dtype)
    tu, tv = at.matrix("tu", dtype=dtype), at.matrix("tv", dtype=dtype)
    for use_rules in (True, False):
        jvp = arignote.gradient.Rop(block_diag(u, v), [u, v], [tu, tv], use_op_rop_implementation=use_rules)
        values = [rng.normal(size=s).astype(dtype) for s in [(2, 2), (1, 3), (2, 2), (1, 3)]]
        got = arignote.function([u, v, tu, tv], jvp, on_unused_input="ignore")(*values)
        np.testing.assert_allclose(got, scipy.linalg.block_diag(*values[2:]), rtol=1e-6)


def test_structure_of_kron_and_block_diag():
    from arignote.tensor.linalg.assumptions import assume, has, properties

    x, y = at.matrix("x"), at.matrix("y")
    pd_x, pd_y = assume(x, "pd"), assume(y, "pd")
    assert {"positive_definite", "symmetric"} <= properties(at.linalg.kron(pd_x, pd_y))
    assert {"positive_definite", "symmetric"} <= properties(block_diag(pd_x, pd_y, pd_x))
    assert has(at.linalg.kron(at.linalg.cholesky(x), at.linalg.cholesky(y)), "lower_triangular",
               "positive_diagonal")
    assert has(block_diag(at.linalg.cholesky(x), at.linalg.cholesky(y)), "lower_triangular")
    assert not has(at.linalg.kron(pd_x, y), "symmetric")              # only one factor has it
    assert not has(block_diag(pd_x, assume(y, "lower")), "symmetric")
    # triangles of matrices not known to be square do not make a triangular product
    assert not has(at.linalg.kron(at.tril(x), at.tril(y)), "lower_triangular")
    square = at.matrix("s", shape=(3, 3))
    assert has(at.linalg.kron(at.tril(square), at.tril(square)), "lower_triangular")
    assert has(block_diag(at.eye(3), at.eye(2)), "diagonal", "orthogonal", "unit_diagonal")
    assert has(at.linalg.kron(at.eye(3), at.eye(2)), "diagonal", "orthogonal", "unit_diagonal")


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shapes", [((2,), (6, 7)), ((2, 3), (6, 7, 8)), ((2, 3, 4), (6, 7)),
                                    ((2, 3, 4, 5), (6, 7, 8, 9)), ((2, 3, 4), (6,)), ((3,), (4,))])
def test_kron_other_ranks_static_shapes(rng, dtype, shapes):
    """Ranks other than two matrices are a product and a reshape; the reshape gets the
    lengths that are known, so the static shape is np.kron's (or partly known)."""
    a, b = (rng.normal(size=s).astype(dtype) for s in shapes)
    expected = np.kron(a, b)
    got = run(at.linalg.kron, a, b, static=True)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    x, y = at.tensor(dtype=dtype, shape=a.shape), at.tensor(dtype=dtype, shape=b.shape)
    assert at.linalg.kron(x, y).type.shape == expected.shape
    # one unknown length leaves only that axis of the result unknown
    y_partial = at.tensor(dtype=dtype, shape=(None, *b.shape[1:]))
    partial = at.linalg.kron(x, y_partial).type.shape
    axis = expected.ndim - b.ndim
    assert partial == tuple(None if i == axis else n for i, n in enumerate(expected.shape))
    np.testing.assert_allclose(run(at.linalg.kron, a, b), expected, rtol=1e-6)


def test_kron_other_ranks_derivatives(rng):
    check_grad(at.linalg.kron, [rng.normal(size=(2, 1, 3)), rng.normal(size=(2, 2))], rng)
    check_grad(at.linalg.kron, [rng.normal(size=(3,)), rng.normal(size=(2, 2))], rng)
