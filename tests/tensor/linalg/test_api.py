"""The user API: at.linalg and PyTensor's module names, the tensor helpers (diag, kron,
eye, trace, outer, matrix_dot), the dtype rules, and a Gaussian-process likelihood end to end."""

import importlib

import numpy as np
import pytest
import scipy.linalg

import arignote
import arignote.tensor as at
from arignote.tensor.linalg import linalg_output_dtype, linalg_real_output_dtype
from tests.tensor.linalg.helpers import check_grad, close, run, spd

PUBLIC = ["cho_solve", "cholesky", "det", "eigh", "eigvalsh", "inv", "kron", "lu", "lu_factor", "lu_solve",
          "matrix_dot", "pinv", "pivot_to_permutation", "slogdet", "solve", "solve_triangular", "trace"]


def test_at_linalg_names():
    for name in PUBLIC:
        assert callable(getattr(at.linalg, name)), name
    assert set(PUBLIC) <= set(at.linalg.__all__)
    assert at.linalg.matrix_inverse is at.linalg.inv


@pytest.mark.parametrize("module, names", [
    ("arignote.tensor.slinalg", ["cholesky", "solve_triangular", "solve", "cho_solve", "lu", "lu_factor",
                                 "lu_solve", "eigvalsh", "Cholesky", "Solve", "SolveTriangular",
                                 "CholeskySolve", "SolveBase", "pivot_to_permutation"]),
    ("arignote.tensor.nlinalg", ["det", "slogdet", "inv", "matrix_inverse", "pinv", "eigh", "kron",
                                 "matrix_dot", "trace", "MatrixInverse", "Det", "SLogDet", "MatrixPinv"]),
])
def test_pytensor_module_names(module, names):
    mod = importlib.import_module(module)
    for name in names:
        assert getattr(mod, name) is getattr(at.linalg, name), name
    assert issubclass(at.linalg.Solve, mod.SolveBase) if hasattr(mod, "SolveBase") else True


def test_dtype_rules():
    assert linalg_output_dtype("int64") == "float64"
    assert linalg_output_dtype("int32") == "float64"
    assert linalg_output_dtype("int16") == "float32"
    assert linalg_output_dtype("bool") == "float32"
    assert linalg_output_dtype("float16") == "float32"
    assert linalg_output_dtype("float32") == "float32"
    assert linalg_output_dtype("float32", "float64") == "float64"
    assert linalg_output_dtype("float32", "int8") == "float32"
    assert linalg_output_dtype("complex64") == "complex64"
    assert linalg_output_dtype("float64", "complex64") == "complex128"
    assert linalg_real_output_dtype("complex64") == "float32"
    assert linalg_real_output_dtype("int64") == "float64"


@pytest.mark.parametrize("k", [0, 1, -2])
def test_diag(rng, k):
    v = rng.normal(size=4)
    np.testing.assert_array_equal(run(lambda x: at.diag(x, k), v), np.diag(v, k))
    m = rng.normal(size=(4, 3))
    np.testing.assert_array_equal(run(lambda x: at.diag(x, k), m), np.diag(m, k))
    assert at.diag(at.vector(shape=(3,)), k).type.shape == (3 + abs(k),) * 2
    check_grad(lambda x: at.diag(x, k), [v], rng)


def test_diag_errors():
    with pytest.raises(ValueError, match="1-d or 2-d"):
        at.diag(at.tensor3())
    with pytest.raises(TypeError, match="k must be an int"):
        at.diag(at.vector(), 1.5)


@pytest.mark.parametrize("shapes", [((2, 3), (4, 5)), ((3,), (2,)), ((2, 2), (3,)), ((2,), (3, 2)),
                                    ((2, 1, 3), (2, 2, 2)), ((), (3,))])
def test_kron(rng, shapes):
    a, b = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    np.testing.assert_allclose(run(at.linalg.kron, a, b), np.kron(a, b))


def test_kron_gradient_and_dtype(rng):
    check_grad(at.linalg.kron, [rng.normal(size=(2, 3)), rng.normal(size=(3, 2))], rng)
    assert at.linalg.kron(at.matrix(dtype="int32"), at.matrix(dtype="float32")).dtype == "float64"


def test_tensor_helpers_exist(rng):
    x = rng.normal(size=(4, 4))
    np.testing.assert_allclose(run(lambda m: at.trace(m), x), np.trace(x))
    with pytest.warns(FutureWarning, match="deprecated"):  # as pytensor.tensor.linalg.trace
        np.testing.assert_allclose(run(lambda m: at.linalg.trace(m), x), np.trace(x))
    np.testing.assert_allclose(run(lambda m: at.tril(m, -1) + at.triu(m, 2), x),
                               np.tril(x, -1) + np.triu(x, 2))
    np.testing.assert_allclose(arignote.function([], at.eye(3, 4, 1))(), np.eye(3, 4, 1))
    np.testing.assert_allclose(run(lambda a, b: at.outer(a, b), x[0], x[1]), np.outer(x[0], x[1]))
    np.testing.assert_allclose(run(lambda a, b, c: at.linalg.matrix_dot(a, b, c), x, x.T, x), x @ x.T @ x)
    np.testing.assert_allclose(run(lambda m: at.diagonal(m, 1), x), np.diagonal(x, 1))


def test_gaussian_process_log_likelihood(rng):
    # the marginal log-likelihood of a GP and its gradient with respect to the kernel's
    # length-scale and the noise: Cholesky, triangular and Cholesky solves together
    n = 12
    points, y_value = np.sort(rng.uniform(0, 5, n)), rng.normal(size=n)
    x_in, y = at.vector("x"), at.vector("y")
    length, noise = at.scalar("length"), at.scalar("noise")
    sq = (x_in[:, None] - x_in[None, :]) ** 2
    k = at.exp(-0.5 * sq / length ** 2) + noise ** 2 * at.eye(n)
    chol = at.linalg.cholesky(k)
    alpha = at.linalg.cho_solve((chol, True), y)
    loglik = -0.5 * (y * alpha).sum() - at.log(at.diagonal(chol)).sum() - 0.5 * n * np.log(2 * np.pi)
    grads = arignote.grad(loglik, [length, noise])
    f = arignote.function([x_in, y, length, noise], [loglik, *grads])
    value, g_length, g_noise = f(points, y_value, 0.8, 0.3)

    def reference(ell, s):
        kv = np.exp(-0.5 * (points[:, None] - points[None, :]) ** 2 / ell ** 2) + s ** 2 * np.eye(n)
        c = scipy.linalg.cho_factor(kv, lower=True)
        return (-0.5 * y_value @ scipy.linalg.cho_solve(c, y_value) - np.log(np.diag(c[0])).sum()
                - 0.5 * n * np.log(2 * np.pi))
    kv = np.exp(-0.5 * (points[:, None] - points[None, :]) ** 2 / 0.64) + 0.09 * np.eye(n)
    close(value, reference(0.8, 0.3), "float64", [kv])
    eps = 1e-6
    np.testing.assert_allclose(g_length, (reference(0.8 + eps, 0.3) - reference(0.8 - eps, 0.3)) / (2 * eps),
                               rtol=1e-5)
    np.testing.assert_allclose(g_noise, (reference(0.8, 0.3 + eps) - reference(0.8, 0.3 - eps)) / (2 * eps),
                               rtol=1e-5)


def test_logdet_of_spd_matrices_agree(rng):
    a = spd(rng, 6)
    got = run(lambda m: [at.linalg.slogdet(m)[1], 2 * at.log(at.diagonal(at.linalg.cholesky(m))).sum(),
                         at.log(at.linalg.det(m))], a)
    for value in got:
        close(value, np.linalg.slogdet(a)[1], "float64", [a])


def test_complex_values(rng):
    # values only: the derivative rules are for real matrices
    n = 3
    z = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    h = z @ z.conj().T + n * np.eye(n)
    b = rng.normal(size=(n, 2)) + 1j * rng.normal(size=(n, 2))
    cases = [
        (at.linalg.cholesky, np.linalg.cholesky, [h]),
        (at.linalg.solve, np.linalg.solve, [z, b]),
        (lambda a, y: at.linalg.solve(a, y, assume_a="her"), np.linalg.solve, [h, b]),
        (lambda a, y: at.linalg.solve(a, y, assume_a="pos", lower=True), np.linalg.solve, [h, b]),
        (lambda a, y: at.linalg.solve(a, y, assume_a="sym"),
         lambda a, y: scipy.linalg.solve(a, y, assume_a="sym"), [z + z.T, b]),
        (lambda a, y: at.linalg.solve_triangular(a, y, trans="C", lower=True),
         lambda a, y: np.linalg.solve(a.conj().T, y), [np.tril(z), b]),
        (at.linalg.inv, np.linalg.inv, [z]),
        (at.linalg.det, np.linalg.det, [z]),
        (at.linalg.eigvalsh, np.linalg.eigvalsh, [h]),
        (at.linalg.pinv, np.linalg.pinv, [z]),
    ]
    for build, reference, values in cases:
        got = run(build, *values)
        expected = reference(*values)
        assert got.dtype == expected.dtype
        close(got, expected, "float64", [v for v in values if v.shape == (n, n)])
    sign, logabsdet = run(lambda a: list(at.linalg.slogdet(a)), z)
    assert sign.dtype == "complex128" and logabsdet.dtype == "float64"
    np.testing.assert_allclose(sign * np.exp(logabsdet), np.linalg.det(z))


def test_complex_derivatives_are_refused():
    x = at.matrix("x", dtype="complex128")
    node = at.linalg.inv(x).owner
    with pytest.raises(arignote.gradient.NotDifferentiable, match="complex"):
        node.op.pullback(node.inputs, node.outputs, [node.outputs[0]])
