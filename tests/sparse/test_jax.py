"""The JAX backend: BCOO inside the jitted function, scipy.sparse at its boundary, and a
clear refusal, naming the op, for what BCOO cannot do."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import arignote
import arignote.sparse as sparse
import arignote.tensor as at
from tests.sparse.helpers import HAVE_JAX, random_sparse, tolerance

pytestmark = pytest.mark.skipif(not HAVE_JAX, reason="JAX is not installed")


def _jax_error():
    from arignote.backend.jax.plan import JaxCompileError

    return JaxCompileError


def test_sparse_outputs_come_back_as_scipy_in_their_format(rng):
    x, z = sparse.csr_matrix("x"), sparse.csc_matrix("z")
    f = arignote.function([x, z], [x + z, (x * z).T, sparse.hstack([x, z], format="csc")], mode="JAX")
    xv, zv = random_sparse(rng, (3, 4), 0.5), random_sparse(rng, (3, 4), 0.5, "csc")
    total, product, stacked = f(xv, zv)
    assert (total.format, product.format, stacked.format) == ("csr", "csc", "csc")
    np.testing.assert_allclose(total.toarray(), (xv + zv).toarray(), **tolerance("float64"))
    np.testing.assert_allclose(product.toarray(), xv.multiply(zv).toarray().T, **tolerance("float64"))
    np.testing.assert_array_equal(stacked.toarray(), np.hstack([xv.toarray(), zv.toarray()]))


def test_sparse_values_alongside_random_generators(rng):
    x = sparse.csr_matrix("x")
    g = at.random.rng("g")
    next_g, draw = g.normal(0, 1, size=(4, 2))
    f = arignote.function([x, g], [next_g, sparse.dot(x, draw), -x], mode="JAX")
    xv = random_sparse(rng, (3, 4), 0.5)
    generator, product, negated = f(xv, np.random.default_rng(0))
    assert isinstance(generator, np.random.Generator)
    assert product.shape == (3, 2) and sp.issparse(negated)
    np.testing.assert_array_equal(negated.toarray(), -xv.toarray())


def test_structured_gradients_run_on_jax(rng):
    x, b = sparse.csr_matrix("x"), at.matrix("b")
    cost = (sparse.structured_dot(x, b) ** 2).sum() + sparse.sp_sum(x * 3.0, sparse_grad=True)
    outs = arignote.grad(cost, [x, b])
    xv, bv = random_sparse(rng, (3, 4), 0.5), rng.standard_normal((4, 2))
    got = arignote.function([x, b], outs, mode="JAX")(xv, bv)
    want = arignote.function([x, b], outs, mode="PY")(xv, bv)
    # sums of 4 products and their squares: a few ulps of values of size ~10
    np.testing.assert_allclose(got[0].toarray(), want[0].toarray(), **tolerance("float64", 32))
    np.testing.assert_allclose(got[1], want[1], **tolerance("float64", 32))


@pytest.mark.parametrize(("build", "names"), [
    (lambda x, y: sparse.csr_from_dense(y), "SparseFromDense.*depends on the values"),
    (lambda x, y: sparse.csm_data(x), "CSMProperties.*CSR/CSC index arrays"),
    (lambda x, y: sparse.structured_exp(x + x.T.T), "Structured{exp}.*sparse \\+ sparse"),
    # a regular gradient for a sparse matrix is stored whole: built from the dense one
    (lambda x, y: arignote.grad(sparse.dot(x, y).sum(), x), "SparseFromDense"),
])
def test_what_bcoo_cannot_do_is_refused_naming_the_op(build, names):
    x, y = sparse.csr_matrix("x"), at.matrix("y")
    with pytest.raises(_jax_error(), match=names):
        arignote.function([x, y], build(x, y), mode="JAX", on_unused_input="ignore")
