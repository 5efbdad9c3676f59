"""PyTensor's remaining selection, grid, flat-index and packing names (arignote/tensor/
array_selection.py, index_grids.py, flat_index.py, extra_ops_compat.py, pack_dims.py)
against NumPy, on the py, C and JAX backends."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.tensor.flat_index import RavelMultiIndex, UnravelIndex
from tests.tensor.more_names_checks import MODES, run, symbolic_inputs

# Every result below is a selection or a rearrangement of the inputs, or integer
# arithmetic: it must equal NumPy's exactly.

@pytest.mark.parametrize("mode", MODES)
def test_choose(mode):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, size=(4, 5))
    choices = rng.normal(size=(3, 4, 5))
    wild = rng.integers(-7, 7, size=(4, 5))
    row = rng.normal(size=5)
    got = run(mode, lambda i, c, w, r: [at.choose(i, c), at.choose(i, [c[0], r, 2.5]),
                                        at.choose(w, c, mode="wrap"), at.choose(w, c, mode="clip"),
                                        at.choose(i[0], c)], a, choices, wild, row)
    expected = [np.choose(a, choices), np.choose(a, [choices[0], row, 2.5]),
                np.choose(wild, choices, mode="wrap"), np.choose(wild, choices, mode="clip"),
                np.choose(a[0], choices)]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    # NumPy's 'raise': no wrapping of negatives (full-size indices: a length of 1 that the
    # type does not declare does not stretch)
    for bad in (np.full((4, 5), 3), np.full((4, 5), -1)):
        with pytest.raises(IndexError):
            run(mode, lambda i, c: at.choose(i, c), bad, choices)


def test_choose_errors_and_derivative():
    with pytest.raises(TypeError, match="integer"):
        at.choose(at.dvector(), at.dmatrix())
    with pytest.raises(ValueError, match="mode"):
        at.choose(at.lvector(), at.dmatrix(), mode="nearest")
    rng = np.random.default_rng(1)
    a = at.constant(rng.integers(0, 3, size=(4,)))
    verify_grad(lambda c: at.choose(a, c), [rng.normal(size=(3, 4))], rng=rng)


@pytest.mark.parametrize("mode", MODES)
def test_take_along_axis_compress_nonzero_values(mode):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 5))
    order = np.argsort(x, axis=1)
    cols = rng.integers(0, 3, size=(1, 5))
    cond = np.array([True, False, True])
    flat_index = rng.integers(0, 15, size=4)
    sparse = np.where(rng.random((3, 5)) < 0.5, 0.0, x)
    got = run(mode, lambda v, o, c, f: [at.take_along_axis(v, o, axis=1), at.take_along_axis(v, c, axis=0),
                                        at.take_along_axis(v, f, axis=None),
                                        at.compress(cond, v, axis=0), at.compress(cond, v)],
              x, order, cols, flat_index)
    expected = [np.take_along_axis(x, order, axis=1), np.take_along_axis(x, cols, axis=0),
                np.take_along_axis(x, flat_index, axis=None), np.compress(cond, x, axis=0),
                np.compress(cond, x)]
    if mode != "JAX":  # the number of non-zeros decides the shape: JAX cannot trace that
        got.append(run(mode, at.nonzero_values, sparse))
        expected.append(sparse[sparse != 0])
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, e)
    verify_grad(lambda v: at.take_along_axis(v, at.constant(order), axis=1), [x], rng=rng)
    with pytest.raises(ValueError, match="same number of dimensions"):
        at.take_along_axis(at.dmatrix(), at.lvector(), axis=0)


@pytest.mark.parametrize("mode", MODES)
def test_permutations(mode):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 5))
    perm = rng.permutation(5)
    perms = np.array([rng.permutation(5) for _ in range(3)])
    got = run(mode, lambda v, p, ps: [at.permute_row_elements(v, p),
                                      at.permute_row_elements(v, p, inverse=True),
                                      at.permute_row_elements(v, ps), at.permute_row_elements(v[0], ps),
                                      at.inverse_permutation(p), at.inverse_permutation(ps)],
              x, perm, perms)
    inverse_rows = np.empty_like(x)
    inverse_rows[:, perm] = x
    expected = [x[:, perm], inverse_rows, np.take_along_axis(x, perms, axis=1), x[0][perms],
                np.argsort(perm), np.argsort(perms, axis=1)]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    verify_grad(lambda v: at.permute_row_elements(v, at.constant(perm), inverse=True), [x], rng=rng)
    with pytest.raises(ValueError, match="length"):
        at.permute_row_elements(at.tensor("x", dtype="float64", shape=(3,)), at.constant(np.arange(4)))


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(7))))
def test_inverse_permutation_property(perm):
    p = at.lvector("p")
    inv = at.inverse_permutation(p).eval({p: np.array(perm)}, mode="PY")
    np.testing.assert_array_equal(np.array(perm)[inv], np.arange(7))


@pytest.mark.parametrize("mode", MODES)
def test_grids_and_triangle_indices(mode):
    # JAX must know every shape while tracing: there the sizes are constants (folded before JAX)
    n = at.lscalar("n") if mode != "JAX" else at.constant(4)
    outs = [*at.mgrid[0:n, 1:7:2], *at.ogrid[0:n, 1:7:2], at.mgrid[2:n],
            *at.tril_indices(n), *at.triu_indices(n, 1, 6), *at.tril_indices(n, -1, 2)]
    f = arignote.function([n] if mode != "JAX" else [], outs, mode=mode)
    got = f(4) if mode != "JAX" else f()
    expected = [*np.mgrid[0:4, 1:7:2], *np.ogrid[0:4, 1:7:2], np.mgrid[2:4], *np.tril_indices(4),
                *np.triu_indices(4, 1, 6), *np.tril_indices(4, -1, 2)]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
        assert g.dtype == np.int64
    a = at.dmatrix("a")
    if mode == "JAX":
        a = at.tensor("a", dtype="float64", shape=(3, 5))
    g = arignote.function([a], [*at.tril_indices_from(a, 1), *at.triu_indices_from(a)], mode=mode,
                          on_unused_input="ignore")  # only the shape of a is read
    for got_i, e in zip(g(np.zeros((3, 5))), [*np.tril_indices_from(np.zeros((3, 5)), 1),
                                               *np.triu_indices_from(np.zeros((3, 5)))]):
        np.testing.assert_array_equal(got_i, e)
    with pytest.raises(ValueError, match="2-d"):
        at.tril_indices_from(at.dvector())
    with pytest.raises(NotImplementedError, match="complex step"):
        at.mgrid[0:1:5j, 0:2]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("order", ["C", "F"])
def test_unravel_and_ravel(mode, order):
    rng = np.random.default_rng(4)
    dims = (3, 4, 5)
    flat = rng.integers(0, 60, size=(2, 6))
    coords = tuple(rng.integers(0, d, size=6) for d in dims)
    wild = (rng.integers(-8, 8, size=(2, 1)), rng.integers(-8, 8, size=6), rng.integers(-8, 8, size=6))
    x = at.dtensor3("x")
    build = lambda f, c0, c1, c2, w0, w1, w2: [  # noqa: E731
        *at.unravel_index(f, dims, order=order), *at.unravel_index(f, x.shape, order=order),
        at.ravel_multi_index((c0, c1, c2), dims, order=order),
        at.ravel_multi_index((w0, w1, w2), dims, mode="wrap", order=order),
        at.ravel_multi_index((w0, w1, w2), dims, mode=("clip", "wrap", "clip"), order=order)]
    inputs = symbolic_inputs(flat, *coords, *wild)
    f = arignote.function([*inputs, x], build(*inputs), mode=mode)
    got = f(flat, *coords, *wild, np.zeros(dims))
    expected = [*np.unravel_index(flat, dims, order=order), *np.unravel_index(flat, dims, order=order),
                np.ravel_multi_index(coords, dims, order=order),
                np.ravel_multi_index(wild, dims, mode="wrap", order=order),
                np.ravel_multi_index(wild, dims, mode=("clip", "wrap", "clip"), order=order)]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
        assert g.dtype == np.int64
    # out of range: NumPy raises ValueError, and so does every backend
    with pytest.raises(ValueError):
        run(mode, lambda v: at.unravel_index(v, dims)[0], np.array([60]))
    with pytest.raises(ValueError):
        run(mode, lambda v: at.unravel_index(v, dims)[0], np.array([-1]))
    with pytest.raises(ValueError):
        run(mode, lambda a, b, c: at.ravel_multi_index((a, b, c), dims), *[np.array([i]) for i in (0, 4, 0)])


@pytest.mark.parametrize("mode", MODES)
def test_unravel_into_one_dimension(mode):
    # one coordinate array: it keeps the shape of the indices (0-d too), also when the
    # indices are constants folded while compiling
    for indices in (np.int64(2), np.arange(3), np.arange(3)[:, None]):
        for source in (indices, arignote.shared(indices)):
            (got,) = arignote.function([], at.unravel_index(source, (3,)), mode=mode)()
            (expected,) = np.unravel_index(indices, (3,))
            assert got.shape == np.shape(expected)
            np.testing.assert_array_equal(got, expected)


def test_flat_index_errors_and_batching():
    with pytest.raises(TypeError, match="integers"):
        at.unravel_index(at.dvector(), (3, 4))
    with pytest.raises(ValueError, match="index arrays"):
        at.ravel_multi_index((at.lvector(),), (3, 4))
    with pytest.raises(ValueError, match="mode"):
        at.ravel_multi_index((at.lvector(), at.lvector()), (3, 4), mode="nearest")
    with pytest.raises(TypeError, match="tuple or list"):
        at.ravel_multi_index(at.lmatrix(), (3, 4))
    i = at.lmatrix("i")
    node = UnravelIndex().make_node(i[0], (3, 4))
    batched = node.op.batch(node, [i, node.inputs[1]], [True, False], i.shape[0])
    v = np.array([[0, 5], [11, 7]])
    np.testing.assert_array_equal(batched[1].eval({i: v}, mode="PY"), np.unravel_index(v, (3, 4))[1])
    j = at.lvector("j")
    node = RavelMultiIndex(("raise", "raise")).make_node(i[0], j, (3, 4))
    out = node.op.batch(node, [i, j, node.inputs[2]], [True, False, False], i.shape[0])[0]
    w = np.array([[0, 2], [1, 1]])
    np.testing.assert_array_equal(out.eval({i: w, j: np.array([3, 1])}, mode="PY"),
                                  np.ravel_multi_index((w, np.array([3, 1])), (3, 4)))


@pytest.mark.parametrize("mode", MODES)
def test_bartlett_and_concat_with_broadcast(mode):
    m = at.lscalar("m")
    f = arignote.function([m], at.bartlett(m), mode=mode) if mode != "JAX" else None
    for n in (-2, 0, 1, 2, 5, 8):
        # JAX must know the length while tracing: there M is a constant
        got = f(n) if f is not None else arignote.function([], at.bartlett(n), mode=mode)()
        # NumPy's formula with the same operations: equal to the last bit
        np.testing.assert_array_equal(got, np.bartlett(n))
        assert got.dtype == np.float64
    with pytest.raises(TypeError, match="integer scalar"):
        at.bartlett(at.dscalar())
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(1, 1))
    x = at.dmatrix("x")
    y = at.tensor("y", dtype="float64", shape=(1, 1))
    g = arignote.function([x, y], [at.concat_with_broadcast([x, y], axis=0),
                                   at.concat_with_broadcast([y, x], axis=1)], mode=mode)
    got0, got1 = g(a, b)
    np.testing.assert_array_equal(got0, np.concatenate([a, np.broadcast_to(b, (1, 3))], axis=0))
    np.testing.assert_array_equal(got1, np.concatenate([np.broadcast_to(b, (2, 1)), a], axis=1))
    with pytest.raises(TypeError, match="number of dimensions"):
        at.concat_with_broadcast([at.dmatrix(), at.dvector()])
    verify_grad(lambda u, v: at.concat_with_broadcast([u, v], axis=0), [a, b], rng=rng)


@pytest.mark.parametrize("mode", MODES)
def test_pack_unpack_join_split(mode):
    rng = np.random.default_rng(6)
    x, z = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    u, v = at.dtensor3("u"), at.dtensor3("v")
    outs = []
    for keep in (None, 0, -1, [0, -1]):
        packed, shapes = at.pack(u, v, keep_axes=keep)
        outs += [packed, *at.unpack(packed, shapes, keep_axes=keep)]
    outs += [at.join_dims(u, 1), at.join_dims(u, 0, 2), at.join_dims(u, 3),
             at.split_dims(at.join_dims(u, 1), (3, 4), 1), at.split_dims(u[:, :1], (), 1)]
    got = arignote.function([u, v], outs, mode=mode)(x, z)
    expected = [np.concatenate([x.ravel(), z.ravel()]), x, z,
                np.concatenate([x.reshape(2, -1), z.reshape(2, -1)], axis=1), x, z,
                np.concatenate([x.reshape(-1, 4), z.reshape(-1, 4)], axis=0), x, z,
                np.concatenate([x, z], axis=1), x, z,
                x.reshape(2, 12), x.reshape(6, 4), x.reshape(2, 3, 4, 1), x, x[:, 0]]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    with pytest.raises(ValueError, match="start at 0"):
        at.pack(u, v, keep_axes=1)
    with pytest.raises(ValueError, match="at least"):
        at.pack(u, at.dvector(), keep_axes=[0, -1])
    with pytest.raises(IndexError, match="out of bounds"):
        at.join_dims(u, 4)
    verify_grad(lambda a, b: at.pack(a, b, keep_axes=0)[0], [x, z], rng=rng)
    # static lengths survive the round trip
    s = at.tensor("s", dtype="float64", shape=(2, 3, 4))
    packed, shapes = at.pack(s, v, keep_axes=0)
    assert at.unpack(packed, shapes, keep_axes=0)[0].type.shape == (2, 3, 4)


def test_subtensor_and_sort_names():
    from arignote.tensor.sort import ArgSortOp, SortOp
    from arignote.tensor.subtensor import flip, slice_at_axis

    assert slice_at_axis(slice(None, 1), 1) == (slice(None), slice(None, 1), Ellipsis)
    assert slice_at_axis(slice(2, None), -2) == (Ellipsis, slice(2, None), slice(None))
    x = at.dtensor3("x")
    values = np.arange(24.0).reshape(2, 3, 4)
    got = x[slice_at_axis(slice(None, 1), 1)].eval({x: values}, mode="PY")
    np.testing.assert_array_equal(got, values[:, :1])
    np.testing.assert_array_equal(flip(x, 1).eval({x: values}, mode="PY"), np.flip(values, 1))
    assert SortOp is at.sort(x).owner.op.__class__ and ArgSortOp(0) == at.argsort(x, axis=0).owner.op
    diagonal = at.extract_diag(at.constant(values[0])).eval(mode="PY")
    np.testing.assert_array_equal(diagonal, np.diagonal(values[0]))
    s = at.stacklists([[at.dscalar("a"), 1.0], [2.0, 3.0]])
    assert s.ndim == 2
