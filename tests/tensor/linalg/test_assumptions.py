"""The matrix assumptions: what is derived from how a matrix was built, the bound on how
deep a query looks, and ``assume`` (an identity at run time, on every backend)."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.autodiff import grad
from arignote.tensor import linalg as la
from arignote.tensor.linalg.assumptions import DEPTH, Assume, assume, core_op, has, properties

PD = {"positive_definite", "positive_semidefinite", "symmetric"}
DIAGONAL = {"diagonal", "lower_triangular", "upper_triangular", "symmetric"}


def test_eye_and_diag():
    n = at.iscalar("n")
    assert DIAGONAL | PD | {"unit_diagonal", "orthogonal", "positive_diagonal"} <= properties(at.eye(n))
    assert not properties(at.eye(n, n + 1))
    assert not properties(at.eye(n, k=1))
    assert DIAGONAL <= properties(at.diag(at.vector("v")))
    assert not has(at.diag(at.vector("v")), "positive_definite")


def test_triangles_and_transposes():
    x = at.matrix("x")
    assert properties(at.tril(x)) == {"lower_triangular"}
    assert properties(at.triu(x)) == {"upper_triangular"}
    assert properties(at.tril(x).T) == {"upper_triangular"}
    assert not properties(at.tril(x, 1)) and not properties(at.triu(x, -1))
    assert DIAGONAL <= properties(at.tril(at.triu(x)))


def test_cholesky_outputs():
    a = at.matrix("a")
    assert properties(la.cholesky(a)) == {"lower_triangular", "positive_diagonal"}
    assert properties(la.cholesky(a, lower=False)) == {"upper_triangular", "positive_diagonal"}
    stack = la.cholesky(at.tensor3("s"))
    assert core_op(stack.owner) is not stack.owner.op  # a Blockwise node, read through
    assert has(stack, "lower_triangular")


def test_gram_matrices_and_sums():
    x = at.matrix("x")
    eye = at.eye(x.shape[0])
    assert properties(x @ x.T) == {"positive_semidefinite", "symmetric"}
    assert properties(x.T @ x) == {"positive_semidefinite", "symmetric"}
    assert PD <= properties(x @ x.T + 1e-6 * eye)
    assert PD <= properties(eye * 3.0 + x.T @ x)
    assert has(x @ x.T + x.T @ x, "positive_semidefinite")
    assert not has(x @ x.T + x.T @ x, "positive_definite")
    # a difference, a negative multiple of eye, a constant added to every entry: symmetric only
    assert properties(x @ x.T - eye) == {"symmetric"}
    assert properties(x @ x.T + -2.0 * eye) == {"symmetric"}
    assert properties(x @ x.T + 1.0) == {"symmetric"}
    assert not properties(x @ x)


def test_elementwise_functions_of_symmetric_matrices_are_symmetric():
    x = at.matrix("x")
    v = at.vector("v")
    s = at.scalar("s")
    gram = x @ x.T
    assert properties(at.exp(gram)) == {"symmetric"}
    assert properties(s * gram) == {"symmetric"}
    assert properties(at.maximum(gram, gram.T + 1.0)) == {"symmetric"}
    assert not properties(gram * x)   # one operand not symmetric
    assert not properties(gram * v)   # a vector broadcast along the rows
    f = arignote.function([x, s], at.exp(s * gram) - 1.0)
    value = f(np.random.default_rng(0).normal(size=(4, 3)), 0.3)
    np.testing.assert_array_equal(value, value.T)


def test_gram_matrix_of_a_nonsingular_triangular_factor_is_positive_definite():
    a = at.matrix("a")
    factor = la.cholesky(a)
    assert PD <= properties(factor @ factor.T)
    assert PD <= properties(factor.T @ factor)
    assert not has(at.tril(a) @ at.tril(a).T, "positive_definite")  # its diagonal may hold zeros
    assert has(at.tril(a) @ at.tril(a).T, "positive_semidefinite")


def test_inverses_and_annotations():
    a = at.matrix("a")
    assert PD <= properties(la.inv(assume(a, "pd")))
    assert has(la.inv(at.tril(a)), "lower_triangular")
    assert properties(assume(a, "orthogonal")) == {"orthogonal"}
    assert has(assume(at.tril(a), "unit_diagonal"), "lower_triangular", "unit_diagonal")
    with pytest.raises(ValueError, match="unknown properties"):
        assume(a, "sparse")
    with pytest.raises(TypeError):
        assume(at.vector("v"), "pd")


def test_depth_is_bounded():
    x = at.matrix("x")
    m = assume(x, "pd")
    for _ in range(DEPTH):
        m = m * 2.0
    assert not properties(m)  # the annotation is beyond the bound
    assert has(m, "positive_definite") is False
    near = assume(x, "pd") * 2.0
    assert has(near, "positive_definite")


def test_assume_is_an_identity_with_a_derivative():
    a = at.matrix("a")
    out = assume(a, "symmetric")
    assert isinstance(out.owner.op, Assume)
    value = np.arange(4.0).reshape(2, 2)
    np.testing.assert_array_equal(arignote.function([a], out)(value), value)
    g = arignote.function([a], grad(at.sum(assume(a, "pd") * 3.0), a))(value)
    np.testing.assert_array_equal(g, np.full((2, 2), 3.0))
    s = at.tensor3("s")
    stack = np.arange(8.0).reshape(2, 2, 2)
    np.testing.assert_array_equal(arignote.function([s], assume(s, "lower") * 1.0)(stack), stack)
