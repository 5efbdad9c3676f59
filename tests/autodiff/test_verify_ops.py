"""verify_grad for every differentiable non-elementwise op of arignote.tensor, in float64."""

import numpy as np
import pytest

import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.tensor import special


def rand(rng, *shape):
    return rng.uniform(-2, 2, size=shape)


def distinct(rng, *shape):
    """Values far enough apart that sorting and max are smooth at the point."""
    n = int(np.prod(shape)) if shape else 1
    return (rng.permutation(n) * 0.5 + rng.uniform(0, 0.1, n)).reshape(shape) - n / 4


CASES = {
    # reductions
    "sum_all": (lambda x: at.sum(x), [(2, 3)]),
    "sum_axis0": (lambda x: at.sum(x, axis=0), [(2, 3)]),
    "sum_axes_keepdims": (lambda x: at.sum(x, axis=(0, 2), keepdims=True), [(2, 3, 2)]),
    "prod_all": (lambda x: at.prod(x), [(2, 3)]),
    "prod_axis": (lambda x: at.prod(x, axis=1), [(3, 4)]),
    "max_all": (lambda x: at.max(x), "distinct", [(2, 3)]),
    "max_axis": (lambda x: at.max(x, axis=1), "distinct", [(3, 4)]),
    "min_axis": (lambda x: at.min(x, axis=0, keepdims=True), "distinct", [(3, 4)]),
    "mean": (lambda x: at.mean(x, axis=1), [(3, 4)]),
    "var": (lambda x: at.var(x, axis=0, ddof=1), [(4, 3)]),
    "std": (lambda x: at.std(x), [(3, 4)]),
    "logsumexp": (lambda x: at.logsumexp(x, axis=1), [(3, 4)]),
    "softmax": (lambda x: special.softmax(x, axis=-1), [(3, 4)]),
    "softmax_all": (lambda x: special.softmax(x), [(2, 3)]),
    "log_softmax": (lambda x: special.log_softmax(x, axis=0), [(3, 4)]),
    # shapes
    "reshape": (lambda x: at.reshape(x, (3, 2)) * np.arange(6.0).reshape(3, 2), [(2, 3)]),
    "flatten": (lambda x: at.flatten(x) ** 2, [(2, 3, 2)]),
    "dimshuffle": (lambda x: x.dimshuffle(1, "x", 0) * np.arange(6.0).reshape(3, 1, 2), [(2, 3)]),
    "drop_axis": (lambda x: at.squeeze(x, 1) * 2, [(3, 1)]),
    "transpose": (lambda x: x.T @ np.arange(6.0).reshape(3, 2), [(3, 4)]),
    "specify_shape": (lambda x: at.specify_shape(x, (2, 3)) ** 2, [(2, 3)]),
    "alloc": (lambda x: at.alloc(x, 2, 3, 4) * np.arange(24.0).reshape(2, 3, 4), [(3, 1)]),
    "broadcast_to": (lambda x: at.broadcast_to(x, (2, 3)) ** 2, [(3,)]),
    "fill": (lambda x: at.fill(np.zeros((2, 3)), x) ** 2, [()]),
    "make_vector": (lambda a, b: at.stack([a, b * a]) ** 2, [(), ()]),
    "arange_float": (lambda a, s: at.arange(a, a + 3.0, s) ** 2, "arange", [(), ()]),
    # joining
    "concatenate": (lambda a, b: at.concatenate([a, b], axis=1) ** 2, [(2, 3), (2, 1)]),
    "stack": (lambda a, b: at.stack([a, b], axis=1) ** 2, [(3,), (3,)]),
    "split": (lambda x: at.split(x, [1, 3], 2, axis=1)[1] ** 2, [(2, 4)]),
    "split_both": (lambda x: (lambda p: p[0].sum() * p[1])(at.split(x, [2, 2], 2)), [(4,)]),
    "tile": (lambda x: at.tile(x, (2, 3)) * np.arange(36.0).reshape(6, 6), [(3, 2)]),
    "tile_more_reps": (lambda x: at.tile(x, (2, 1, 2)) ** 2, [(3,)]),
    "repeat_scalar": (lambda x: at.repeat(x, 2, axis=0) ** 2, [(3, 2)]),
    "repeat_vector": (lambda x: at.repeat(x, [1, 0, 3], axis=1) ** 2, [(2, 3)]),
    "repeat_flat": (lambda x: at.repeat(x, 2) ** 2, [(2, 2)]),
    "roll": (lambda x: at.roll(x, 1, axis=1) * np.arange(6.0).reshape(2, 3), [(2, 3)]),
    "roll_flat": (lambda x: at.roll(x, 2) * np.arange(6.0).reshape(2, 3), [(2, 3)]),
    "flip": (lambda x: at.flip(x, 0) * np.arange(6.0).reshape(2, 3), [(2, 3)]),
    # products
    "dot_mm": (lambda a, b: at.dot(a, b), [(2, 3), (3, 4)]),
    "dot_mv": (lambda a, b: at.dot(a, b), [(2, 3), (3,)]),
    "dot_vm": (lambda a, b: at.dot(a, b), [(3,), (3, 4)]),
    "dot_vv": (lambda a, b: at.dot(a, b), [(3,), (3,)]),
    "dot_nd": (lambda a, b: at.dot(a, b), [(2, 2, 3), (4, 3, 2)]),
    "matmul_batched": (lambda a, b: at.matmul(a, b), [(2, 3, 4), (4, 2)]),
    "matmul_broadcast": (lambda a, b: at.matmul(a, b), [(2, 1, 3, 4), (3, 4, 2)]),
    "matmul_vec_left": (lambda a, b: at.matmul(a, b), [(3,), (2, 3, 4)]),
    "matmul_vec_right": (lambda a, b: at.matmul(a, b), [(2, 3, 4), (4,)]),
    "tensordot": (lambda a, b: at.tensordot(a, b, axes=([0, 2], [2, 1])), [(2, 3, 4), (3, 4, 2)]),
    "tensordot_int": (lambda a, b: at.tensordot(a, b, 1), [(2, 3), (3, 2)]),
    "outer": (lambda a, b: at.outer(a, b), [(3,), (2,)]),
    "inner": (lambda a, b: at.inner(a, b), [(2, 3), (4, 3)]),
    "diagonal": (lambda x: at.diagonal(x) * 2, [(3, 4)]),
    "diagonal_offset": (lambda x: at.diagonal(x, 1, 2, 0) ** 2, [(3, 2, 4)]),
    "trace": (lambda x: at.trace(x), [(3, 3)]),
    "gemm": (lambda z, a, x, y, b: __import__("arignote").tensor.blas.gemm(z, a, x, y, b),
             [(2, 4), (), (2, 3), (3, 4), ()]),
    "gemv": (lambda z, a, x, y, b: __import__("arignote").tensor.blas.gemv(z, a, x, y, b),
             [(2,), (), (2, 3), (3,), ()]),
    # sorting and running ops
    "sort": (lambda x: at.sort(x) * np.arange(4.0), "distinct", [(3, 4)]),
    "sort_axis0": (lambda x: at.sort(x, axis=0) * np.arange(3.0)[:, None], "distinct", [(3, 4)]),
    "sort_flat": (lambda x: at.sort(x, axis=None) * np.arange(6.0), "distinct", [(2, 3)]),
    "cumsum": (lambda x: at.cumsum(x, axis=1) ** 2, [(2, 4)]),
    "cumsum_flat": (lambda x: at.cumsum(x) ** 2, [(2, 3)]),
    "cumprod": (lambda x: at.cumprod(x, axis=0), "positive", [(4, 2)]),
    "cumprod_flat": (lambda x: at.cumprod(x), "positive", [(2, 3)]),
    "diff": (lambda x: at.diff(x, n=2, axis=0) ** 2, [(5, 2)]),
    "bincount_weights": (lambda w: at.bincount(np.array([0, 2, 2, 4]), weights=w) ** 2, [(4,)]),
    # indexing
    "subtensor_int": (lambda x: x[1] ** 2, [(3, 2)]),
    "subtensor_slice": (lambda x: x[1:, ::-2] ** 2, [(3, 4)]),
    "subtensor_newaxis": (lambda x: x[None, 1:3] ** 2, [(4,)]),
    "advanced_duplicates": (lambda x: x[np.array([0, 2, 2, 0, 1])] * np.arange(5.0)[:, None], [(3, 2)]),
    "advanced_2d": (lambda x: x[np.array([0, 2]), np.array([1, 1])] ** 2, [(3, 2)]),
    "advanced_mask": (lambda x: x[np.array([True, False, True])] ** 2, [(3, 2)]),
    "advanced_separated": (lambda x: x[np.array([0, 1]), :, np.array([1, 0])] ** 2, [(2, 3, 2)]),
    "take": (lambda x: at.take(x, np.array([[1, 0], [1, 1]]), axis=1) ** 2, [(2, 3)]),
    "set_subtensor": (lambda x, y: at.set_subtensor(x[1:], y) ** 2, [(3, 2), (2,)]),
    "inc_subtensor": (lambda x, y: at.inc_subtensor(x[:, 0], y) ** 2, [(3, 2), ()]),
    "advanced_set": (lambda x, y: at.set_subtensor(x[np.array([2, 0])], y) ** 2, [(3, 2), (2, 2)]),
    "advanced_inc_dup": (lambda x, y: at.inc_subtensor(x[np.array([1, 1, 0])], y) ** 2,
                         [(3, 2), (3, 1)]),
    "triu": (lambda x: at.triu(x) ** 2, [(3, 3)]),
}


def _inputs(rng, kind, shapes):
    if kind == "distinct":
        return [distinct(rng, *s) for s in shapes]
    if kind == "positive":
        return [rng.uniform(0.5, 1.5, size=s) for s in shapes]
    if kind == "arange":
        return [np.array(rng.uniform(-1, 1)), np.array(0.7)]
    return [rand(rng, *s) for s in shapes]


@pytest.mark.parametrize("name", sorted(CASES))
def test_op(name, rng):
    case = CASES[name]
    fun, shapes = case[0], case[-1]
    kind = case[1] if len(case) == 3 else None
    verify_grad(fun, _inputs(rng, kind, shapes), rng=rng)


def test_cumprod_with_zeros_is_exact(rng):
    for value in (np.array([2.0, 0.0, 3.0, 1.5, -0.5]), np.array([0.0, 2.0, 0.0, 1.0]),
                  np.array([1.5, 2.0, -1.0, 0.0])):
        verify_grad(lambda x: at.cumprod(x), [value], rng=rng)
    verify_grad(lambda x: at.cumprod(x, axis=1), [np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]])], rng=rng)
    verify_grad(lambda x: at.cumprod(x), [np.array([[1.0, 0.0], [2.0, 3.0]])], rng=rng)


def test_prod_with_zeros_is_exact(rng):
    for value in (np.array([2.0, 0.0, 3.0, 1.5]), np.array([0.0, 2.0, 0.0, 1.0])):
        verify_grad(lambda x: at.prod(x), [value], rng=rng)
    verify_grad(lambda x: at.prod(x, axis=1), [np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]])], rng=rng)


def test_runtime_broadcasting_of_unknown_lengths():
    """A length unknown when the graph is built may be 1 at run time and broadcast:
    the gradient sums over it then (SumTo decides at run time)."""
    import arignote

    x = at.matrix("x")
    y = at.matrix("y")
    gx, gy = arignote.grad((x * y).sum(), [x, y])
    f = arignote.function([x, y], [gx, gy])
    a = np.arange(3.0).reshape(3, 1)
    b = np.arange(12.0).reshape(3, 4)
    got_x, got_y = f(a, b)
    np.testing.assert_allclose(got_x, b.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(got_y, np.broadcast_to(a, (3, 4)))
    got_x, got_y = f(b, a)  # the other way round
    np.testing.assert_allclose(got_y, b.sum(axis=1, keepdims=True))
    got_x, got_y = f(b, b)  # and no broadcasting at all
    np.testing.assert_allclose(got_x, b)


# The same ops again on other ranks and shapes (including length-1 and empty-free 3-d arrays).
SHAPE_VARIANTS = {
    "sum": (lambda x: at.sum(x, axis=(0, 2)), [[(2, 1, 3)], [(3, 2, 4)], [(1, 3, 2)]]),
    "max": (lambda x: at.max(x, axis=-1), [[(2, 3, 2)], [(5,)]], "distinct"),
    "prod": (lambda x: at.prod(x, axis=0), [[(3, 2, 2)], [(4,)]]),
    "softmax": (lambda x: special.softmax(x, axis=(0, 2)), [[(2, 3, 2)], [(1, 2, 3)]]),
    "logsumexp": (lambda x: at.logsumexp(x, axis=0), [[(2, 3, 2)], [(5,)]]),
    "dot": (lambda a, b: at.dot(a, b), [[(1, 3), (3, 1)], [(4, 3), (3, 2)], [(2, 2, 3), (3,)]]),
    "matmul": (lambda a, b: a @ b, [[(2, 1, 2, 3), (4, 3, 2)], [(3, 2, 4), (3, 4, 1)]]),
    "concatenate": (lambda a, b: at.concatenate([a, b], axis=0) ** 2,
                    [[(1, 3), (2, 3)], [(2,), (3,)], [(2, 1, 2), (1, 1, 2)]]),
    "cumsum": (lambda x: at.cumsum(x, axis=0) ** 2, [[(3, 2, 2)], [(5,)]]),
    "sort": (lambda x: at.sort(x, axis=1) * 1.5 ** np.arange(3.0), [[(2, 3)], [(2, 3, 3)]],
             "distinct"),
    "subtensor": (lambda x: x[..., 1:, 0] ** 2, [[(2, 3, 2)], [(3, 2)]]),
    "advanced": (lambda x: x[np.array([[0, 1], [1, 1]])] ** 2, [[(2, 3, 2)], [(3,)]]),
    "reshape": (lambda x: at.flatten(x) ** 3, [[(2, 3, 2)], [(1, 1)]]),
    "transpose": (lambda x: at.transpose(x) ** 3, [[(2, 3, 4)], [(1, 5)]]),
}


@pytest.mark.parametrize("name", sorted(SHAPE_VARIANTS))
def test_op_over_shapes(name, rng):
    entry = SHAPE_VARIANTS[name]
    fun, variants = entry[0], entry[1]
    kind = entry[2] if len(entry) == 3 else None
    for shapes in variants:
        verify_grad(fun, _inputs(rng, kind, shapes), rng=rng)
