"""lstsq against np.linalg.lstsq: the four results, rcond, vector and matrix right-hand sides,
tall, square and wide matrices, rank deficiency, derivatives, errors, batches.

Tolerances: least squares is backward stable, and the solution's relative error is within
``~ n * eps * (cond(a) + cond(a)**2 * ||r|| / (||a|| ||x||))`` (Golub and Van Loan 5.3.8):
``helpers.tolerance`` with ``a`` scaled by ``cond(a)`` covers both terms for the residuals
here (``||r|| <~ ||a|| ||x||``).  Singular values: ``n * eps * ||a||``.
"""

import pickle

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.tensor.linalg import Lstsq, lstsq
from tests.tensor.linalg.helpers import FLOATS, check_grad, close, run

JAX = arignote.config.mode == "JAX"
SHAPES = [(6, 3), (4, 4), (3, 5)]


def _matrix(rng, shape, dtype="float64", batch=()):
    """A full-rank matrix, condition number ~ 10."""
    return (rng.normal(size=(*batch, *shape)) + 2 * np.eye(*shape)).astype(dtype)


def _cond(a):
    return float(np.max(np.linalg.cond(a.astype("float64"))))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("b_ndim", [1, 2])
def test_values(rng, dtype, shape, b_ndim):
    a = _matrix(rng, shape, dtype)
    b = rng.normal(size=(shape[0],) if b_ndim == 1 else (shape[0], 2)).astype(dtype)
    x, residuals, rank, s = run(lstsq, a, b)
    ex, eres, erank, es = np.linalg.lstsq(a, b)
    assert x.dtype == dtype and residuals.dtype == dtype and rank.dtype == "int32" and s.dtype == dtype
    close(x, ex, dtype, [a], scale=_cond(a))
    assert residuals.shape == eres.shape and rank == erank
    close(residuals, eres, dtype, [a], scale=_cond(a) * float(np.max(eres, initial=1)))
    close(s, es, dtype, [np.eye(2)], scale=float(es[0]))


def test_rcond_and_rank_deficiency(rng):
    u = rng.normal(size=(6, 2))
    a = u @ rng.normal(size=(2, 4))            # rank 2
    b = rng.normal(size=(6, 3))
    x, residuals, rank, _ = run(lstsq, a, b)
    ex, _, erank, es = np.linalg.lstsq(a, b)
    assert rank == 2 == erank
    close(x, ex, "float64", [np.eye(2)], scale=float(np.abs(ex).max()) * es[0] / es[1])
    if JAX:  # its residuals have a static length: computed, where NumPy gives none
        assert residuals.shape == (3,)
    else:
        assert residuals.shape == (0,)
    # an rcond that cuts the second singular value: rank 1, as NumPy's
    cut = float(es[1] / es[0]) * 1.5
    x, _, rank, _ = run(lambda p, q: lstsq(p, q, rcond=cut), a, b)
    ex, _, erank, _ = np.linalg.lstsq(a, b, rcond=cut)
    assert rank == erank == 1
    close(x, ex, "float64", [np.eye(2)], scale=float(np.abs(ex).max()))
    # a symbolic rcond
    r = at.scalar("r")
    am, bm = at.matrix("a"), at.matrix("b")
    f = arignote.function([am, bm, r], lstsq(am, bm, r)[2])
    assert f(a, b, cut) == 1 and f(a, b, 1e-12) == 2


def test_gradients(rng):
    for shape in SHAPES:
        a = _matrix(rng, shape)
        b = rng.normal(size=(shape[0], 2))
        check_grad(lambda p, q: lstsq(p, q)[0], [a, b], rng)
        check_grad(lambda p, q: lstsq(p, q, b_ndim=1)[0], [a, b[:, 0]], rng)
        check_grad(lambda p, q: lstsq(p, q)[3], [a, b], rng)
    a, b = _matrix(rng, (6, 3)), rng.normal(size=(6, 2))
    check_grad(lambda p, q: lstsq(p, q)[1], [a, b], rng)
    check_grad(lambda p, q: lstsq(p, q, b_ndim=1)[1], [a, b[:, 0]], rng)
    def everything(p, q):
        x, res, _, s = lstsq(p, q)
        return x.sum() * 2 + res.sum() + s.sum()
    check_grad(everything, [a, b], rng)


def test_gradient_float32(rng):
    a, b = _matrix(rng, (5, 3), "float32"), rng.normal(size=(5, 2)).astype("float32")
    check_grad(lambda p, q: lstsq(p, q)[0], [a, b], rng)


def test_errors_and_shapes():
    with pytest.raises(ValueError, match="b_ndim"):
        lstsq(at.matrix(), at.scalar())
    with pytest.raises(ValueError, match="rows"):
        lstsq(at.matrix(shape=(3, 2)), at.matrix(shape=(4, 1)))
    with pytest.raises(TypeError, match="rcond"):
        lstsq(at.matrix(), at.matrix(), rcond=at.vector())
    with pytest.raises(ValueError, match="b_ndim"):
        Lstsq(b_ndim=3)
    x, residuals, rank, s = lstsq(at.matrix(shape=(5, 3)), at.matrix(shape=(None, 2)))
    assert (x.type.shape, residuals.type.shape, rank.type.shape, s.type.shape) == ((3, 2), (None,), (), (3,))
    assert lstsq(at.matrix(shape=(2, 3)), at.vector())[1].type.shape == (0,)
    assert lstsq(at.matrix(dtype="int64"), at.vector(dtype="int64"))[0].dtype == "float64"
    a, b = at.matrix("a"), at.matrix("b")
    f = arignote.function([a, b], lstsq(a, b)[0], mode="PY")
    with pytest.raises(ValueError, match="do not fit"):
        f(np.ones((3, 2)), np.ones((4, 2)))
    x, residuals, _, s = lstsq(a, b)
    got = arignote.function([a, b], [x.shape, s.shape, residuals.shape])(np.eye(4, 3) + 1, np.ones((4, 2)))
    assert [list(g) for g in got] == [[3, 2], [3], [2]]


@pytest.mark.parametrize("rcond", [None, 1.0, np.ones(2)])
def test_non_matrix_fails_when_run(rcond):
    # as PyTensor (and NumPy): an a of rank < 2 builds, and running it raises LinAlgError
    a, b = at.vector("a"), at.vector("b")
    outs = lstsq(a, b, rcond)
    assert [o.ndim for o in outs] == [1, 1, 0, 1]
    f = arignote.function([a, b], outs)
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        f(np.array([2.0, 1.0]), np.array([2.0, 1.0]))
    with pytest.raises(TypeError, match="derivative"):
        arignote.grad(outs[0].sum(), a)


def test_ops_are_values_and_pickle():
    for op in (Lstsq(), Lstsq(b_ndim=1)):
        assert pickle.loads(pickle.dumps(op)) == op
    assert Lstsq().gufunc_signature == "(m,n),(m,k),()->(n,k),(r),(),(p)"


def test_batched(rng):
    a = _matrix(rng, (5, 3), batch=(2, 3))
    b = rng.normal(size=(5, 2))               # broadcasts against a's batch
    x, residuals, rank, _ = run(lstsq, a, b)
    assert x.shape == (2, 3, 3, 2) and residuals.shape == (2, 3, 2) and rank.shape == (2, 3)
    for i in np.ndindex(2, 3):
        ex, eres, erank, _ = np.linalg.lstsq(a[i], b)
        close(x[i], ex, "float64", [a[i]], scale=_cond(a[i]))
        close(residuals[i], eres, "float64", [a[i]], scale=_cond(a[i]) * float(np.max(eres)))
        assert rank[i] == erank
    vectors = rng.normal(size=(3, 5))
    x = run(lambda p, q: lstsq(p, q, b_ndim=1)[0], a, vectors)
    assert x.shape == (2, 3, 3)
    close(x[1, 2], np.linalg.lstsq(a[1, 2], vectors[2])[0], "float64", [a[1, 2]], scale=_cond(a[1, 2]))
    check_grad(lambda p, q: lstsq(p, q)[0], [a[0], rng.normal(size=(3, 5, 2))], rng)
