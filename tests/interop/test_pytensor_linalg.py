"""PyTensor's linear algebra and ``Blockwise`` converted to arignote (arignote/interop/pytensor/linalg.py).

Values are compared with PyTensor's own evaluation of the same graph on random, well-conditioned
matrices: symmetric positive definite ones are ``Q diag(s) Q^T`` with ``s`` in [1, 4] and general
ones ``Q diag(s) W^T`` likewise, so every condition number is at most 4.  Both sides call LAPACK
(not always the same driver), and these algorithms are backward stable: the computed result is
off by about ``c * n * cond * eps`` relatively, with ``n = 4`` and ``c`` a small constant.  That is
about 1e-14 in float64 and 1e-5 in float32; the tolerances (1e-10 and 1e-4, relative to the
largest entry) leave room for the few operations around each op (graph-level transposes and
products of the gradients) without hiding a wrong formula, which is off by order 1.

Factors that are unique only up to signs or order (eigenvectors, singular vectors) are compared
through what is unique: eigenvalues sorted, ``|V^T V_ref|`` against the identity, products that
rebuild the matrix.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
from pytensor.tensor.blockwise import Blockwise  # noqa: E402
from pytensor.tensor.linalg import Cholesky, Det  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import UnsupportedOps, from_pytensor, mode  # noqa: E402

L = pt.linalg
RNG = np.random.default_rng(1818)
TOL = {"float64": 1e-10, "float32": 1e-4}
BACKENDS = ["c", "py", pytest.param("jax", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))]


@pytest.fixture(autouse=True)
def _reseed():
    """Each test draws the same values whatever ran before it (in this process, under xdist)."""
    global RNG
    RNG = np.random.default_rng(1818)


def _orthogonal(*batch: int, n: int = 4) -> np.ndarray:
    q, _ = np.linalg.qr(RNG.normal(size=(*batch, n, n)))
    return q


def _spd(*batch: int, n: int = 4, dtype: str = "float64") -> np.ndarray:
    """Symmetric positive definite, eigenvalues in [1, 4]."""
    q = _orthogonal(*batch, n=n)
    s = RNG.uniform(1, 4, size=(*batch, n))
    return ((q * s[..., None, :]) @ np.swapaxes(q, -1, -2)).astype(dtype)


def _general(*batch: int, n: int = 4, dtype: str = "float64") -> np.ndarray:
    """Non-symmetric, singular values in [1, 4]."""
    q, w = _orthogonal(*batch, n=n), _orthogonal(*batch, n=n)
    s = RNG.uniform(1, 4, size=(*batch, n))
    return ((q * s[..., None, :]) @ np.swapaxes(w, -1, -2)).astype(dtype)


def _lower(*batch: int, n: int = 4, dtype: str = "float64") -> np.ndarray:
    """Lower triangular with diagonal in [1, 4] and small off-diagonal entries: cond <= ~8."""
    m = np.tril(RNG.uniform(-0.3, 0.3, size=(*batch, n, n)), -1)
    return (m + np.eye(n) * RNG.uniform(1, 4, size=(*batch, n))[..., None, :]).astype(dtype)


def _close(got, want, rtol):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    scale = max(float(np.max(np.abs(want))) if want.size else 0.0, 1.0)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


def _run_both(inputs, outputs, values, reference_mode=None):
    """(arignote's values through from_pytensor, PyTensor's Mode on arignote, PyTensor's own)."""
    converted = from_pytensor(outputs, inputs)
    got = arignote.function(converted.inputs, converted.outputs)(*values)
    linked = pytensor.function(inputs, outputs, mode=mode())(*values)
    want = pytensor.function(inputs, outputs, mode=reference_mode)(*values)
    return got, linked, want


def _compare(inputs, outputs, values, rtol, reference_mode=None):
    got, linked, want = _run_both(inputs, outputs, values, reference_mode)
    for g, k, w in zip(got, linked, want, strict=True):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        _close(g, w, rtol)
        _close(k, w, rtol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("batch", [(), (3,)])
def test_factorisations_inverses_and_determinants(dtype, batch):
    x = pt.tensor("x", dtype=dtype, shape=(*[None] * len(batch), 4, 4))
    outputs = [L.cholesky(x), L.cholesky(x, lower=False), L.inv(x), L.det(x), *L.slogdet(x),
               L.pinv(x), L.pinv(x, hermitian=True), L.eigvalsh(x, None), L.eigh(x)[0],
               L.svd(x, compute_uv=False), L.expm(x / 4), *L.lu(x), *L.lu(x, permute_l=True),
               *L.lu(x, p_indices=True), *L.lu_factor(x)]
    _compare([x], outputs, [_spd(*batch, dtype=dtype)], TOL[dtype])
    y = pt.tensor("y", dtype=dtype, shape=(*[None] * len(batch), 4, 4))
    general = [L.inv(y), L.det(y), *L.slogdet(y), L.pinv(y), *L.lu(y), L.kron(y, y)]
    _compare([y], general, [_general(*batch, dtype=dtype)], TOL[dtype])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_solvers_over_b_ranks_and_broadcast_batches(dtype):
    # a batch (2, 1) of matrices against a batch (3,) of right-hand sides: broadcast to (2, 3)
    a = pt.tensor("a", dtype=dtype, shape=(None, 1, 4, 4))
    tri = pt.tensor("tri", dtype=dtype, shape=(None, 1, 4, 4))
    v = pt.tensor("v", dtype=dtype, shape=(None, 4))
    m = pt.tensor("m", dtype=dtype, shape=(None, 4, 2))
    outputs = [L.solve(a, v, b_ndim=1), L.solve(a, m, b_ndim=2), L.solve(a, v, assume_a="pos", b_ndim=1),
               L.solve(a, m, assume_a="sym", b_ndim=2),
               L.solve_triangular(tri, v, lower=True, b_ndim=1),
               L.solve_triangular(tri, m, lower=True, trans="T", b_ndim=2),
               L.solve_triangular(tri, v, lower=True, unit_diagonal=True, b_ndim=1),
               L.solve_triangular(tri.mT, m, lower=False, trans=1, b_ndim=2),
               L.cho_solve((L.cholesky(a), True), v, b_ndim=1),
               L.cho_solve((L.cholesky(a, lower=False), False), m, b_ndim=2),
               L.lu_solve(L.lu_factor(a), v, b_ndim=1)]
    values = [_spd(2, 1, dtype=dtype), _lower(2, 1, dtype=dtype), RNG.normal(size=(3, 4)).astype(dtype),
              RNG.normal(size=(3, 4, 2)).astype(dtype)]
    got, linked, want = _run_both([a, tri, v, m], outputs, values)
    for g, k, w in zip(got, linked, want, strict=True):
        assert np.shape(w)[:2] == (2, 3)
        _close(g, w, TOL[dtype])
        _close(k, w, TOL[dtype])


def test_cholesky_failure_is_nan_and_on_error_raise_raises():
    x = pt.dmatrix("x")
    not_pd = -np.eye(3)
    converted = from_pytensor([L.cholesky(x)], [x])
    assert np.isnan(arignote.function(converted.inputs, converted.outputs)(not_pd)[0]).all()
    with pytest.warns(FutureWarning):
        raising = L.cholesky(x, on_error="raise")  # a CheckAndRaise after the op
    f = pytensor.function([x], raising, mode=mode())
    np.testing.assert_allclose(f(np.eye(3) * 4), np.eye(3) * 2)
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        f(not_pd)


def test_decompositions_unique_up_to_signs():
    x = pt.dmatrix("x")
    q = _orthogonal()
    spd = (q * np.array([1.0, 2.0, 3.0, 4.0])) @ q.T  # eigenvalue gaps of 1: vectors off by ~eps/gap
    general, tall = _general(), RNG.normal(size=(5, 3))
    converted = from_pytensor([*L.eigh(x)], [x])
    w, v = arignote.function(converted.inputs, converted.outputs)(spd)
    w_ref, v_ref = pytensor.function([x], L.eigh(x))(spd)
    _close(w, w_ref, TOL["float64"])
    _close(np.abs(v.T @ v_ref), np.eye(4), TOL["float64"])
    converted = from_pytensor([*L.eig(x)], [x])
    w, v = arignote.function(converted.inputs, converted.outputs)(general)
    w_ref, _ = pytensor.function([x], L.eig(x))(general)
    assert w.dtype == w_ref.dtype
    # a non-normal matrix's eigenvalues move by cond(V) * eps * |A| (cond(V) of a few hundred
    # at most for these 4 x 4 matrices): 1e-8 leaves room
    # (order by nearest: sorting complex conjugate pairs depends on the last bits of the real parts)
    assert np.abs(w[:, None] - w_ref[None, :]).min(axis=0).max() <= 1e-8 * np.abs(w_ref).max()
    _close(general @ v, v * w, 1e-8)
    for full in (True, False):
        converted = from_pytensor([*L.svd(x, full_matrices=full)], [x])
        u, s, vt = arignote.function(converted.inputs, converted.outputs)(tall)
        u_ref, s_ref, vt_ref = pytensor.function([x], L.svd(x, full_matrices=full))(tall)
        assert (u.shape, s.shape, vt.shape) == (u_ref.shape, s_ref.shape, vt_ref.shape)
        _close(s, s_ref, TOL["float64"])
        _close((u[:, :3] * s) @ vt, tall, TOL["float64"])


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4)])
def test_qr_modes(shape):
    x = pt.dmatrix("x")
    outputs = [*L.qr(x), *L.qr(x, mode="economic"), L.qr(x, mode="r"), *L.qr(x, mode="raw")]
    # PyTensor's compiled (numba) QR gives the reduced R in mode "r", its Python perform and
    # scipy's mode="r" the complete one (m x n) its infer_shape declares: compare with perform
    _compare([x], outputs, [RNG.normal(size=shape)], TOL["float64"], reference_mode="FAST_COMPILE")


def test_qr_with_pivoting_is_refused():
    x = pt.dmatrix("x")
    with pytest.raises(NotImplementedError, match="pivoted QR"):
        from_pytensor([L.qr(x, pivoting=True)[0]], [x])


def test_kron_block_diag_and_core_ops_without_blockwise():
    x, y = pt.dmatrix("x"), pt.dmatrix("y")
    outputs = [L.kron(x, y), L.block_diag(x, y), Cholesky(lower=True)(x), Det()(y)]
    _compare([x, y], outputs, [_spd(), _general(n=3)], TOL["float64"])


def test_blockwise_of_an_op_without_converter_is_reported():
    from pytensor.graph.basic import Apply
    from pytensor.graph.op import Op

    class Mystery(Op):
        gufunc_signature = "(m)->(m)"

        def make_node(self, x):
            return Apply(self, [x], [x.type()])

        def perform(self, node, inputs, outputs):
            outputs[0][0] = inputs[0]

    x = pt.dmatrix("x")
    with pytest.raises(UnsupportedOps, match="Mystery"):
        from_pytensor([Blockwise(Mystery())(x)], [x])


#: cost(x, v, w) of each op: x a batch of SPD matrices, v a batch of vectors, w weights (a
#: generic cotangent, not all ones)
GRADIENT_COSTS = {
    "cholesky": lambda x, v, w: (L.cholesky(x) * w).sum(),
    "det": lambda x, v, w: L.det(x).sum(),
    "inv": lambda x, v, w: (L.inv(x) * w).sum(),
    "slogdet": lambda x, v, w: L.slogdet(x)[1].sum(),
    "solve": lambda x, v, w: (L.solve(x, v, b_ndim=1) ** 2).sum(),
    "solve_triangular": lambda x, v, w: (L.solve_triangular(x, v, lower=True, b_ndim=1) ** 2).sum(),
    "cho_solve": lambda x, v, w: (L.cho_solve((x, True), v, b_ndim=1) ** 2).sum(),
    "eigvalsh": lambda x, v, w: (L.eigvalsh(x, None) ** 2).sum(),
    "pinv": lambda x, v, w: (L.pinv(x) * w).sum(),
    "kron": lambda x, v, w: (L.kron(x[0], v) ** 2).sum(),
    # x and x / 2 are positive definite: x X + X (x / 2) = w has a unique solution
    "solve_sylvester": lambda x, v, w: (L.solve_sylvester(x, x / 2, w) ** 2).sum(),
    "solve_discrete_lyapunov": lambda x, v, w: (L.solve_discrete_lyapunov(x / 8, w) ** 2).sum(),
}

#: PyTensor's gradients of these hold Blockwise(Eye) / Blockwise(ARange) nodes whose size
#: arguments are allocated along the batch (PyTensor's own rewrites remove them, which the Mode
#: skips): arignote's JAX backend refuses a shape that may vary along a batch
SHAPE_ALONG_BATCH = {"cholesky", "solve_triangular", "cho_solve", "eigvalsh", "pinv"}


def _gradient_cases():
    for backend in BACKENDS:
        name_of = backend if isinstance(backend, str) else backend.values[0]
        for op in GRADIENT_COSTS:
            marks = list(getattr(backend, "marks", ()))
            if name_of == "jax" and op in SHAPE_ALONG_BATCH:
                from arignote.backend.jax.plan import JaxCompileError

                marks.append(pytest.mark.xfail(strict=True, raises=JaxCompileError,
                                               reason="JAX: Blockwise(Eye/ARange) sizes allocated "
                                               "along the batch in PyTensor's gradient"))
            yield pytest.param(name_of, op, marks=marks, id=f"{op}-{name_of}")


@pytest.mark.parametrize(("backend", "op"), list(_gradient_cases()))
def test_gradients_pytensor_builds(backend, op):
    """pt.grad's graphs of the ops (PyTensor's own derivative formulas) converted and run."""
    x = pt.tensor3("x")
    v = pt.dmatrix("v")
    cost = GRADIENT_COSTS[op](x, v, RNG.normal(size=(2, 4, 4)))
    grads = pt.grad(cost, [x, v], disconnected_inputs="ignore")
    values = [_spd(2), RNG.normal(size=(2, 4))]
    # PyTensor's Python implementations as the reference where numba is slow to compile
    reference = "FAST_COMPILE" if op in ("solve_sylvester", "solve_discrete_lyapunov") else None
    want = pytensor.function([x, v], grads, mode=reference)(*values)
    got = pytensor.function([x, v], grads, mode=mode(backend))(*values)
    converted = from_pytensor(grads, [x, v])
    direct = arignote.function(converted.inputs, converted.outputs,
                               mode={"c": "FAST_RUN", "py": "PY", "jax": "JAX"}[backend])(*values)
    for g, d, r in zip(got, direct, want, strict=True):
        _close(g, r, TOL["float64"])
        _close(d, r, TOL["float64"])


@pytest.mark.parametrize("batch", [(), (2,)])
def test_matrix_equation_solvers(batch):
    # stable A (spectral radius < 1 for the discrete equations, eigenvalues with negative real
    # parts for the continuous one): solutions unique and well conditioned
    a = pt.tensor("a", shape=(*[None] * len(batch), 4, 4))
    b = pt.tensor("b", shape=(*[None] * len(batch), 4, 4))
    q = pt.tensor("q", shape=(*[None] * len(batch), 4, 4))
    outputs = [L.solve_sylvester(a, b, q), L.solve_continuous_lyapunov(a - 3 * pt.eye(4), q),
               L.solve_discrete_lyapunov(a / 8, q), L.solve_discrete_are(a / 8, b, q, q)]
    # PyTensor's reference in its Python implementations: numba takes minutes to compile these
    # inner graphs the first time
    _compare([a, b, q], outputs, [_general(*batch), _spd(*batch), _spd(*batch)], TOL["float64"],
             reference_mode="FAST_COMPILE")


def test_least_squares_tensor_inverses_and_generalized_eigenvalues():
    a, b = pt.dmatrix("a"), pt.dmatrix("b")
    t4, t3, v = pt.dtensor4("t4"), pt.dtensor3("t3"), pt.dvector("v")
    well = 3 * np.eye(6) + RNG.normal(size=(6, 6)) * 0.1  # diagonally dominant: cond ~ 1.5
    spd = _spd()
    # lstsq: (solution, residuals, rank, singular values); its rcond=None fails in PyTensor itself
    outputs = [*L.lstsq(a, b, rcond=1e-3), L.tensorinv(t4), L.tensorsolve(t3, v),
               L.eigh(b[:4], 2 * b[:4] + 8 * pt.eye(4))[0], L.eigvalsh(b[:4], 2 * b[:4] + 8 * pt.eye(4)),
               L.schur(b[:4])[0]]
    # b: 4 right-hand sides of 5 equations for lstsq, whose first 4 rows (SPD) are the
    # eigenproblem's matrix, against the SPD 2 b[:4] + 8 I
    b_value = np.concatenate([spd, RNG.normal(size=(1, 4))])
    values = [RNG.normal(size=(5, 3)), b_value, well.reshape(2, 3, 2, 3), well.reshape(6, 2, 3),
              RNG.normal(size=6)]
    _compare([a, b, t4, t3, v], outputs, values, TOL["float64"], reference_mode="FAST_COMPILE")


# --- block diagonals, trsyl, every solver -----------------------------------------------------

@pytest.mark.parametrize("batch", [(), (2,)])
def test_block_diag_of_several_blocks_dtypes_and_batches(batch):
    # blocks of three shapes and two dtypes (the result is the largest common one); a batch
    # broadcast against unbatched blocks; placing values moves them: exact
    a = pt.tensor("a", dtype="float32", shape=(*[None] * len(batch), None, None))
    b, c = pt.dmatrix("b"), pt.tensor("c", dtype="float32", shape=(None, None))
    outputs = [L.block_diag(a, b, c), L.block_diag(a, c), L.block_diag(b, b)]
    values = [RNG.normal(size=(*batch, 2, 3)).astype("float32"), RNG.normal(size=(4, 1)),
              RNG.normal(size=(3, 3)).astype("float32")]
    got, linked, want = _run_both([a, b, c], outputs, values)
    for g, k, w in zip(got, linked, want, strict=True):
        assert np.asarray(g).dtype == np.asarray(w).dtype == np.asarray(k).dtype
        np.testing.assert_array_equal(g, w)
        np.testing.assert_array_equal(k, w)


def test_block_diag_converts_through_its_base_class():
    from pytensor.tensor.linalg.constructors import BaseBlockDiagonal, BlockDiagonal

    from arignote.interop.pytensor import converters

    class Renamed(BlockDiagonal):  # a subclass PyTensor code might define
        pass

    assert converters.lookup(Renamed) is converters.lookup(BaseBlockDiagonal) is not None
    x, y = pt.dmatrix("x"), pt.dmatrix("y")
    values = [_general(n=2), _general(n=3)]
    _compare([x, y], [Renamed(n_inputs=2)(x, y)], values, 0.0)


def test_block_diag_gradient_pytensor_builds():
    # PyTensor's gradient cuts each block out of the cotangent (ix_ indexing): exact
    a, b = pt.tensor3("a"), pt.dmatrix("b")
    w = RNG.normal(size=(2, 5, 7))
    grads = pt.grad((L.block_diag(a, b) * w).sum() + (L.block_diag(a, b) ** 2).sum(), [a, b])
    values = [RNG.normal(size=(2, 3, 3)), RNG.normal(size=(2, 4))]
    got, linked, want = _run_both([a, b], grads, values)
    for g, k, w_ in zip(got, linked, want, strict=True):
        np.testing.assert_array_equal(g, w_)
        np.testing.assert_array_equal(k, w_)


def _real_schur(*batch: int, n: int, shift: float = 0.0) -> np.ndarray:
    """Real Schur forms (quasi upper triangular: some 2 x 2 blocks) of random matrices."""
    import scipy.linalg

    mats = RNG.normal(size=(*batch, n, n)) + shift * np.eye(n)
    flat = [scipy.linalg.schur(m, output="real")[0] for m in mats.reshape(-1, n, n)]
    return np.reshape(flat, (*batch, n, n))


@pytest.mark.parametrize("batch", [(), (2,)])
def test_trsyl_on_schur_forms(batch):
    """LAPACK's trsyl step, bare and under a Blockwise: ``R X + X S = F`` for R, S in real Schur
    form (eigenvalues of R about N(0, 4), of S shifted by 6: R and -S share none, the equation
    is well conditioned; the Sylvester operator's smallest singular value is ~ the gap)."""
    from pytensor.tensor.linalg.solvers.linear_control import TRSYL

    r = pt.tensor("r", shape=(*[None] * len(batch), None, None))
    s, f = pt.dmatrix("s"), pt.dmatrix("f")
    op = TRSYL() if not batch else Blockwise(TRSYL())
    values = [_real_schur(*batch, n=4), _real_schur(n=3, shift=6.0), RNG.normal(size=(4, 3))]
    _compare([r, s, f], [op(r, s, f)], values, TOL["float64"])


@pytest.mark.parametrize("which", ["solve_sylvester", "solve_continuous_lyapunov"])
def test_sylvester_graphs_inlined(which):
    """The graphs PyTensor's ``solve_sylvester`` and ``solve_continuous_lyapunov`` build (Schur
    decompositions, trsyl, products), converted op by op rather than as arignote's solver:
    the inner graph of the ``SolveSylvester`` op, and the op inlined by the generic
    ``OpFromGraph`` converter."""
    from pytensor.tensor.linalg.solvers.linear_control import TRSYL

    from arignote.interop.pytensor.op_from_graph import _op_from_graph

    a, b, q = pt.dmatrix("a"), pt.dmatrix("b"), pt.dmatrix("q")
    out = L.solve_sylvester(a, b, q) if which == "solve_sylvester" else \
        L.solve_continuous_lyapunov(a - 3 * pt.eye(4), q)
    core = out.owner.op.core_op
    inner = core.fgraph.unfreeze()
    assert TRSYL in {type(getattr(n.op, "core_op", n.op)) for n in inner.apply_nodes}
    av, bv, qv = _general(), _spd(), _spd()
    values = [av, bv, qv] if which == "solve_sylvester" else [av - 3 * np.eye(4), (av - 3 * np.eye(4)).T, qv]
    got = arignote.function(*from_pytensor(list(inner.outputs), list(inner.inputs))[:2])(*values)
    want = pytensor.function([a, b, q], out, mode="FAST_COMPILE", on_unused_input="ignore")(av, bv, qv)
    _close(got[0], want, TOL["float64"])
    # the whole node inlined through the OpFromGraph converter
    ins = [at_input.type.make_variable(n) for at_input, n in zip(
        from_pytensor(list(inner.outputs), list(inner.inputs)).inputs, "abq", strict=True)]
    inlined = _op_from_graph(core, core.make_node(*inner.inputs), *ins)
    _close(arignote.function(ins, inlined)(*values)[0], want, TOL["float64"])


def _solve_base_subclasses():
    from pytensor.tensor.linalg.solvers.core import SolveBase

    found, todo = [], [SolveBase]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


#: a graph of each concrete solver (SolveBase subclass) on SPD / lower triangular a and b
SOLVER_GRAPHS = {
    "Solve": lambda a, t, b: [L.solve(a, b, assume_a=kind, b_ndim=2) for kind in ("gen", "sym", "pos")]
    + [L.solve(a, b[:, 0], b_ndim=1), L.solve(t, b, assume_a="lower triangular", b_ndim=2)],
    "SolveTriangular": lambda a, t, b: [L.solve_triangular(t, b, lower=True, b_ndim=2),
                                        L.solve_triangular(t.T, b, lower=False, b_ndim=2),
                                        L.solve_triangular(t, b[:, 0], lower=True, unit_diagonal=True,
                                                           b_ndim=1)],
    "CholeskySolve": lambda a, t, b: [L.cho_solve((L.cholesky(a), True), b, b_ndim=2),
                                      L.cho_solve((L.cholesky(a, lower=False), False), b[:, 0], b_ndim=1)],
}


def test_every_solver_subclass_converts():
    from arignote.interop.pytensor import converters

    subclasses = _solve_base_subclasses()
    assert subclasses, "PyTensor has no SolveBase subclass any more"
    a, t, b = pt.dmatrix("a"), pt.dmatrix("t"), pt.dmatrix("b")
    values = [_spd(), _lower(), RNG.normal(size=(4, 3))]
    for cls in subclasses:
        assert converters.lookup(cls) is not None, cls
        assert cls.__name__ in SOLVER_GRAPHS, f"no test graph for the solver {cls.__name__}"
        outputs = SOLVER_GRAPHS[cls.__name__](a, t, b)
        nodes = pytensor.graph.traversal.io_toposort([a, t, b], outputs)
        assert cls in {type(getattr(n.op, "core_op", n.op)) for n in nodes}
        used = [v for v in (a, t, b) if v in pytensor.graph.traversal.graph_inputs(outputs)]
        _compare(used, outputs, [v for v, x in zip(values, (a, t, b), strict=True) if x in used],
                 TOL["float64"])
