"""Loops batched over a leading axis (vectorized Jacobians), and the CheckSteps op."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.autodiff.vectorize import NoBatchingRule, vectorize_graph
from arignote.loop.checks import checked_steps


def numeric_jacobian(f, x, eps=1e-6):
    cols = [(f(x + e) - f(x - e)) / (2 * eps) for e in np.eye(x.size).reshape(-1, *x.shape) * eps]
    return np.stack([c.reshape(-1) for c in cols], axis=1)


def test_batched_loop_matches_a_loop_per_row(rng):
    s = at.vector("s")
    h0 = at.vector("h0")
    k = at.scalar("k")
    out, _ = arignote.scan(lambda x, h, k: at.sin(h * k) + x, sequences=s, outputs_info=h0, non_sequences=k)
    rows = at.matrix("rows")  # a batch of initial values
    (batched,) = vectorize_graph([out], {h0: rows}, rows.shape[0])
    f = arignote.function([s, rows, k], batched)
    g = arignote.function([s, h0, k], out)
    sv, rv = rng.normal(size=4), rng.normal(size=(3, 2))
    got = f(sv, rv, 0.7)
    assert got.shape == (3, 4, 2)
    for b in range(3):
        np.testing.assert_allclose(got[b], g(sv, rv[b], 0.7), rtol=1e-12)


def test_jacobians_with_respect_to_sequences_and_constants(rng):
    s = at.vector("s")
    k = at.vector("k")
    out, _ = arignote.scan(lambda x, h, k: h * at.tanh(x + k), sequences=s, outputs_info=at.ones(2),
                           non_sequences=k)
    jac_s, jac_k = arignote.jacobian(out[-2:].flatten(), [s, k])
    f = arignote.function([s, k], [jac_s, jac_k])
    fo = arignote.function([s, k], out[-2:].flatten())
    sv, kv = rng.normal(size=5), rng.normal(size=2)
    got_s, got_k = f(sv, kv)
    np.testing.assert_allclose(got_s, numeric_jacobian(lambda v: fo(v, kv), sv), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(got_k, numeric_jacobian(lambda v: fo(sv, v), kv), rtol=1e-6, atol=1e-9)


def test_while_loops_whose_stop_depends_on_the_batch_are_not_batched(rng):
    h0 = at.vector("h0")
    out, _ = arignote.scan(lambda h: (h * 2, arignote.until(h.sum() > 10)), outputs_info=h0, n_steps=20)
    with pytest.raises(NoBatchingRule, match="stop condition"):
        vectorize_graph([out], {h0: at.matrix("rows")}, at.iscalar("n"))
    # the Jacobian then falls back to one row at a time, when the size is static
    v = at.vector("v", shape=(2,))
    last, _ = arignote.scan(lambda h: (h * 2, arignote.until(h.sum() > 10)), outputs_info=v, n_steps=20)
    jac = arignote.jacobian(last[-1], v)
    np.testing.assert_allclose(arignote.function([v], jac)(np.array([1.0, 2.0])), np.eye(2) * 8)


def test_check_steps():
    n = at.iscalar("n")
    s = at.vector("s")
    f = arignote.function([n, s], checked_steps(n, [s]))
    assert f(2, np.zeros(3)) == 2
    with pytest.raises(ValueError, match="sequence 0 has 3 rows, fewer than the 4 steps"):
        f(4, np.zeros(3))
    with pytest.raises(ValueError, match="must be >= 0"):
        f(-1, np.zeros(3))
    assert arignote.grad(at.cast(checked_steps(n, [s]), "float64") * s.sum(), s) is not None
