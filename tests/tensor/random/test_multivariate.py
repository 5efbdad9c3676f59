"""The multivariate draws of arignote/tensor/random/multivariate.py: NumPy's numbers bit for bit
(same seed, same Generator calls), the law (goodness of fit of marginals and projections
against scipy.stats, p-value threshold 1e-3 at a fixed seed), static and symbolic shapes,
and parameter checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.graph.traversal import toposort
from arignote.tensor import random as rnd
from arignote.tensor.random.op import RandomVariable
from arignote.tensor.shape_inference import shape_of
from tests.tensor.random.draw_checks import (
    MODES,
    N_DRAWS,
    P_VALUE,
    assert_same_as_numpy,
    chisquare_pvalue,
    compiled_draw,
    generator,
    ks_pvalue,
    merged_chisquare,
)

P3 = np.array([0.2, 0.3, 0.5])
COV = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]])
COVS = np.stack([COV, 2.0 * COV + np.eye(3)])


def _loop(g, batch, call, *arrays):
    """NumPy's Generator called once per batch index (C order) on the broadcast cores."""
    out = None
    for index in np.ndindex(*batch):
        value = np.asarray(call(g, *[a[index] for a in arrays]))
        if out is None:
            out = np.empty((*batch, *value.shape), value.dtype)
        out[index] = value
    return out


def _mvn(factor_of):
    def numpy_call(g, mean, cov, size):
        batch = size if size is not None else np.broadcast_shapes(mean.shape[:-1], cov.shape[:-2])
        z = g.standard_normal(size=(*batch, mean.shape[-1]))
        return mean + np.einsum("...ij,...j->...i", factor_of(cov), z)
    return numpy_call


def _eigh_factor(cov):
    w, v = np.linalg.eigh(cov)
    return v * np.sqrt(w)[..., None, :]


def _svd_factor(cov):
    u, s, _ = np.linalg.svd(cov)
    return u * np.sqrt(s)[..., None, :]


def _dirichlet_batched(g, alphas, size):
    batch = size if size is not None else alphas.shape[:-1]
    full = np.broadcast_to(alphas, (*batch, alphas.shape[-1]))
    return _loop(g, batch, lambda g, a: g.dirichlet(a), full)


# (id, user function, parameters, size, the NumPy calls with the same meaning)
SAME_AS_NUMPY = [
    ("multinomial", rnd.multinomial, (10, P3), None, lambda g, n, p, size: g.multinomial(n, p, size)),
    ("multinomial-sized", rnd.multinomial, (10, P3), (4, 2), lambda g, n, p, size: g.multinomial(n, p, size)),
    ("multinomial-batched", rnd.multinomial, (np.array([5, 20]), np.stack([P3, P3[::-1]])), None,
     lambda g, n, p, size: g.multinomial(n, p, size)),
    ("multinomial-batched-sized", rnd.multinomial, (np.array([5, 20]), P3), (3, 2),
     lambda g, n, p, size: g.multinomial(n, p, size)),
    ("dirichlet", rnd.dirichlet, (np.array([1.0, 2.0, 0.5]),), None,
     lambda g, a, size: g.dirichlet(a, size)),
    ("dirichlet-sized", rnd.dirichlet, (np.array([1.0, 2.0, 0.5]),), (4, 2),
     lambda g, a, size: g.dirichlet(a, size)),
    ("dirichlet-batched", rnd.dirichlet, (np.array([[1.0, 2.0, 0.5], [3.0, 0.2, 1.0]]),), None,
     _dirichlet_batched),
    ("dirichlet-batched-sized", rnd.dirichlet, (np.array([[1.0, 2.0, 0.5], [3.0, 0.2, 1.0]]),), (4, 2),
     _dirichlet_batched),
    ("mvnormal", rnd.multivariate_normal, (np.array([1.0, -1.0, 0.5]), COV), None,
     _mvn(np.linalg.cholesky)),
    ("mvnormal-sized", rnd.multivariate_normal, (np.array([1.0, -1.0, 0.5]), COV), (4, 2),
     _mvn(np.linalg.cholesky)),
    ("mvnormal-batched", rnd.multivariate_normal, (np.zeros((4, 1, 3)), COVS), None,
     _mvn(np.linalg.cholesky)),
    ("mvnormal-batched-sized", rnd.multivariate_normal, (np.ones(3), COVS), (5, 2),
     _mvn(np.linalg.cholesky)),
    ("choice-int", rnd.choice, (7,), (4, 2), lambda g, a, size: g.choice(a, size)),
    ("choice-int-one", rnd.choice, (7,), None, lambda g, a, size: g.choice(a, size)),
    ("choice-array", rnd.choice, (np.arange(10.0).reshape(5, 2),), (3,),
     lambda g, a, size: g.choice(a, size)),
    ("permutation-int", rnd.permutation, (6,), None, lambda g, x, size: g.permutation(x)),
    ("permutation-array", rnd.permutation, (np.arange(8.0).reshape(4, 2),), None,
     lambda g, x, size: g.permutation(x)),
    ("permutation-sized", rnd.permutation, (np.arange(5),), (3, 2),
     lambda g, x, size: _loop(g, size, lambda g, c: g.permutation(c), np.broadcast_to(x, (*size, 5)))),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", SAME_AS_NUMPY, ids=[c[0] for c in SAME_AS_NUMPY])
def test_draws_are_numpys_bit_for_bit(case, mode):
    _, function, params, size, numpy_call = case
    if function is rnd.choice or function is rnd.permutation:
        # their dtype is the population's (int64 for an integer); no floatX cast
        draw = function(*params, size=size, rng=generator(7))
        got = arignote.function([], draw, mode=mode)()
        want = numpy_call(np.random.default_rng(7), *params, size)
        assert got.dtype == np.asarray(want).dtype
        np.testing.assert_array_equal(got, want)
        return
    assert_same_as_numpy(function, params, size, numpy_call, mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("replace", [True, False])
@pytest.mark.parametrize("p", [None, np.array([0.1, 0.2, 0.3, 0.15, 0.25])])
def test_choice_is_numpys_with_and_without_replacement(p, replace, mode):
    for a, size in [(5, (3,)), (np.arange(10.0).reshape(5, 2), (2, 2)), (5, None)]:
        draw = rnd.choice(a, size=size, replace=replace, p=p, rng=generator(3))
        got = arignote.function([], draw, mode=mode)()
        want = np.random.default_rng(3).choice(a, size=size, replace=replace, p=p)
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_multivariate_normal_methods_are_pytensors_composition(method, mode):
    factor = {"cholesky": np.linalg.cholesky, "eigh": _eigh_factor, "svd": _svd_factor}[method]
    mean = np.array([1.0, -1.0, 0.5])
    for params, size in [((mean, COV), (4,)), ((mean, COVS), None)]:
        draw = rnd.multivariate_normal(*params, size=size, method=method, rng=generator(5))
        got = arignote.function([], draw, mode=mode)()
        np.testing.assert_array_equal(got, _mvn(factor)(np.random.default_rng(5), *params, size))


def test_multivariate_normal_cholesky_agrees_with_numpys_own():
    # NumPy's multivariate_normal(method="cholesky") is the same law from the same normals;
    # it multiplies with matmul rather than einsum, so agreement is to rounding
    mean = np.array([1.0, -1.0, 0.5])
    got = compiled_draw(rnd.multivariate_normal, (mean, COV), (6,), 9, "PY")
    want = np.random.default_rng(9).multivariate_normal(mean, COV, size=(6,), method="cholesky")
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


# --- laws ------------------------------------------------------------------------------
# each at a fixed seed on N_DRAWS draws: a correct sampler fails with probability P_VALUE (1e-3)

def test_multinomial_law():
    sample = compiled_draw(rnd.multinomial, (20, P3), (N_DRAWS,), 2024, "PY")
    assert np.all(sample.sum(axis=-1) == 20)
    for k in range(3):
        assert chisquare_pvalue(sample[:, k], st.binom(20, P3[k])) > P_VALUE


def test_dirichlet_law():
    alphas = np.array([2.0, 3.0, 5.0])
    sample = compiled_draw(rnd.dirichlet, (alphas,), (N_DRAWS,), 2024, "PY")
    np.testing.assert_allclose(sample.sum(axis=-1), 1.0)
    for k in range(3):
        assert ks_pvalue(sample[:, k], st.beta(alphas[k], alphas.sum() - alphas[k])) > P_VALUE


@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_multivariate_normal_law(method):
    mean = np.array([1.0, -1.0, 0.5])
    sample = compiled_draw(rnd.multivariate_normal, (mean, COV), (N_DRAWS,), 2024, "PY", method=method)
    for v in (np.array([1.0, 0.0, 0.0]), np.array([0.3, -1.0, 2.0])):
        law = st.norm(v @ mean, np.sqrt(v @ COV @ v))
        assert ks_pvalue(sample @ v, law) > P_VALUE
    np.testing.assert_allclose(np.cov(sample.T), COV, atol=0.1)


@pytest.mark.parametrize("replace", [True, False])
def test_choice_law(replace):
    p = np.array([0.1, 0.2, 0.3, 0.15, 0.25])
    rng = generator(2024)
    draw = rnd.choice(5, size=(3,), replace=replace, p=p, rng=rng)
    f = arignote.function([], draw, updates={rng: draw.owner.outputs[0]}, mode="PY")
    sample = np.array([f() for _ in range(N_DRAWS)])
    if not replace:
        assert all(len(set(row)) == 3 for row in sample)
    # the first pick of each draw follows p, with or without replacement
    counts = np.bincount(sample[:, 0], minlength=5)
    assert merged_chisquare(counts, p * N_DRAWS) > P_VALUE


def test_permutation_law():
    sample = compiled_draw(rnd.permutation, (5,), (N_DRAWS,), 2024, "PY")
    assert np.all(np.sort(sample, axis=-1) == np.arange(5))
    where_zero = np.argmax(sample == 0, axis=-1)
    assert merged_chisquare(np.bincount(where_zero, minlength=5), np.full(5, N_DRAWS / 5)) > P_VALUE


# --- shapes ----------------------------------------------------------------------------

def test_static_shapes():
    g = generator
    n = at.lscalar("n")
    assert rnd.multinomial(10, P3, rng=g()).type.shape == (3,)
    assert rnd.multinomial(at.lvector("n"), P3, rng=g()).type.shape == (None, 3)
    assert rnd.multinomial(10, at.vector("p"), size=(4,), rng=g()).type.shape == (4, None)
    assert rnd.dirichlet(np.ones((2, 3)), rng=g()).type.shape == (2, 3)
    assert rnd.dirichlet(np.ones(3), size=(n, 2), rng=g()).type.shape == (None, 2, 3)
    # the draw's length: mean's, or cov's when mean's is not known
    assert rnd.multivariate_normal(np.zeros(3), COV, rng=g()).type.shape == (3,)
    assert rnd.multivariate_normal(at.vector("m"), COV, rng=g()).type.shape == (3,)
    assert rnd.multivariate_normal(np.zeros(3), COVS, rng=g()).type.shape == (2, 3)
    assert rnd.multivariate_normal(np.zeros(3), COVS, size=(5, 2), rng=g()).type.shape == (5, 2, 3)
    assert rnd.multivariate_normal(at.vector("m"), at.matrix("c"), rng=g()).type.shape == (None,)
    assert rnd.choice(5, rng=g()).type.shape == ()
    assert rnd.choice(5, size=(3, 2), rng=g()).type.shape == (3, 2)
    assert rnd.choice(np.zeros((5, 2)), size=(4,), replace=False, rng=g()).type.shape == (4, 2)
    assert rnd.choice(at.matrix("a"), size=(n,), rng=g()).type.shape == (None, None)
    assert rnd.choice(np.zeros((5, 2)), rng=g()).type.shape == (2,)
    assert rnd.permutation(5, rng=g()).type.shape == (5,)
    assert rnd.permutation(n, rng=g()).type.shape == (None,)
    assert rnd.permutation(np.zeros((4, 2)), rng=g()).type.shape == (4, 2)
    assert rnd.permutation(np.zeros(4), size=(3,), rng=g()).type.shape == (3, 4)
    assert rnd.choice(np.arange(5.0), rng=g()).dtype == "float64"
    assert rnd.permutation(5, rng=g()).dtype == "int64"


def test_symbolic_shapes_need_no_draw():
    n = at.lscalar("n")
    m = at.lscalar("m")
    a = at.matrix("a")
    cases = [
        (rnd.permutation(n, rng=generator()), [n], [4], (4,)),
        (rnd.permutation(a, size=(m,), rng=generator()), [a, m], [np.zeros((5, 2)), 3], (3, 5, 2)),
        (rnd.choice(a, size=(m, 2), replace=False, rng=generator()), [a, m], [np.zeros((9, 3)), 4],
         (4, 2, 3)),
        (rnd.choice(n, size=(m,), rng=generator()), [n, m], [9, 4], (4,)),
        (rnd.multivariate_normal(at.vector("v"), COVS, size=(m, 2), rng=generator()), [m], [3], (3, 2, 3)),
        (rnd.dirichlet(a, size=(m, 1), rng=generator()), [a, m], [np.ones((1, 3)), 2], (2, 1, 3)),
    ]
    for draw, inputs, values, want in cases:
        entries = shape_of(draw)
        assert not any(isinstance(node.op, RandomVariable) for node in toposort(entries))
        f = arignote.function(inputs, at.stack(list(entries)), on_unused_input="ignore")
        assert tuple(f(*values)) == want


# --- checks ----------------------------------------------------------------------------

BAD = [
    (lambda: rnd.multinomial(5, np.array([0.5, 0.6]), rng=generator()), r"multinomial: p must"),
    (lambda: rnd.multinomial(-1, P3, rng=generator()), r"multinomial: n must"),
    (lambda: rnd.dirichlet(np.array([1.0, 0.0]), rng=generator()), r"dirichlet: alphas must"),
    (lambda: rnd.multivariate_normal(np.zeros(3), -COV, rng=generator()),
     r"multivariate_normal: cov must be positive definite"),
    (lambda: rnd.multivariate_normal(np.zeros(3), -COV, method="eigh", rng=generator()),
     r"multivariate_normal: cov must be positive semi-definite"),
    (lambda: rnd.multivariate_normal(at.vector("m"), at.matrix("c"), rng=generator()), None),
    (lambda: rnd.choice(5, size=(2,), p=np.array([0.5, 0.6, 0.0, 0.0, 0.0]), rng=generator()),
     r"choice: p must"),
    (lambda: rnd.choice(3, size=(4,), replace=False, rng=generator()), r"choice:"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", range(len(BAD)))
def test_bad_parameters_name_the_distribution_and_the_parameter(case, mode):
    build, message = BAD[case]
    draw = build()
    if message is None:  # mean and cov of different lengths, known only at run time
        f = arignote.function(draw.owner.inputs[2:], draw, mode=mode)
        with pytest.raises(ValueError, match=r"multivariate_normal: cov must be a \(2, 2\) matrix"):
            f(np.zeros(2), np.eye(3))
        return
    with pytest.raises(ValueError, match=message):
        arignote.function([], draw, mode=mode)()


def test_bad_arguments_when_building():
    with pytest.raises(ValueError, match="multivariate_normal: mean has length 2"):
        rnd.multivariate_normal(np.zeros(2), COV, rng=generator())
    with pytest.raises(ValueError, match="multivariate_normal: method must be"):
        rnd.multivariate_normal(np.zeros(3), COV, method="qr", rng=generator())
    with pytest.raises(TypeError, match="permutation: a scalar x must be an integer"):
        rnd.permutation(2.5, rng=generator())


def test_exported_from_the_package():
    for name in ["choice", "dirichlet", "multinomial", "multivariate_normal", "permutation"]:
        assert name in rnd.__all__


def test_random_stream_draws_them():
    stream = rnd.RandomStream(4)
    draws = [stream.choice(5, size=(3,), replace=False), stream.permutation(4),
             stream.multivariate_normal(np.zeros(3), COV), stream.dirichlet(np.ones(3))]
    f = arignote.function([], draws)
    first = f()
    stream.seed(4)
    for a, b in zip(f(), first):
        np.testing.assert_array_equal(a, b)


def test_an_empty_batch_draws_nothing():
    rng = generator(6)
    draws = [rnd.dirichlet(np.ones((2, 3)), size=(0, 2), rng=rng),
             rnd.permutation(4, size=(0,), rng=rng)]
    for draw in draws:
        next_rng = draw.owner.outputs[0]
        value, after = arignote.function([], [draw, next_rng])()
        assert value.shape == draw.type.shape
        # the generator is left as it was: no Generator call was made
        assert after.bit_generator.state == np.random.default_rng(6).bit_generator.state
