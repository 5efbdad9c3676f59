"""conditional_logp of random variables drawn inside scan loops, against scipy.stats sums.

Each density is checked elementwise (one term per step, times the draw's shape) against the
per-step ``scipy.stats`` log-densities, and its gradient with respect to the values and the
parameters against central finite differences of that scipy reference.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.graph.traversal import toposort
from arignote.logprob import NotMeasurable, conditional_logp, joint_logp
from arignote.logprob.scan import loop_output_is_random
from arignote.loop.op import Loop

N = 12  # steps of the small series: enough for shifts and taps to be visible


def scan(*args, **kwargs):
    """``arignote.scan``'s outputs, without the generators' updates."""
    return arignote.scan(*args, **kwargs)[0]


def loops(f) -> list:
    return [n for n in toposort(f.graph_outputs) if isinstance(n.op, Loop)]


def numeric_gradient(fn, args, h=1e-5):
    """Central differences of the scalar ``fn(*args)`` in every element of every argument."""
    grads = []
    for i, a in enumerate(args):
        a = np.asarray(a, dtype=np.float64)
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            step = h * max(1.0, abs(a[idx]))
            up, down = a.copy(), a.copy()
            up[idx] += step
            down[idx] -= step
            g[idx] = (fn(*args[:i], up, *args[i + 1:]) - fn(*args[:i], down, *args[i + 1:])) / (2 * step)
        grads.append(g)
    return grads


def check_gradient(got, reference, args, total):
    """Compare ``got`` (symbolic gradients, evaluated) with central differences of the scipy
    ``reference``: with h = 1e-5 relative, the rounding error of a difference is about
    eps * |total| / h = 2e-11 |total| and the truncation error h^2 |f'''| / 6, below 1e-9 for
    these O(1)-scaled series of a dozen terms; 1e-6 relative to the total leaves margin for both."""
    for g, n in zip(got, numeric_gradient(reference, args)):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-6 * (1 + abs(total)))


# --- AR(1): a carried draw ---------------------------------------------------------------------

def ar1_graph(x0, steps=N, dtype="float64"):
    rho = at.random.normal(0.0, 1.0, dtype=dtype)
    sigma = at.random.halfnormal(0.0, 1.0, dtype=dtype)
    xs = scan(lambda x_prev, r, s: at.random.normal(r * x_prev, s, dtype=dtype),
              outputs_info=[at.as_tensor_variable(np.asarray(x0, dtype=dtype))],
              non_sequences=[rho, sigma], n_steps=steps)
    return rho, sigma, xs


def ar1_reference(x0, xs, rho, sigma):
    previous = np.concatenate([[x0], xs[:-1]])
    return st.norm(rho * previous, sigma).logpdf(xs)


def test_ar1_with_valued_parameters_against_scipy():
    x0 = 0.3
    rho, sigma, xs = ar1_graph(x0)
    rho_v, sigma_v, xs_v = at.dscalar("rho_v"), at.dscalar("sigma_v"), at.dvector("xs_v")
    terms = conditional_logp({rho: rho_v, sigma: sigma_v, xs: xs_v})
    term = terms[xs_v]
    total = joint_logp({rho: rho_v, sigma: sigma_v, xs: xs_v})
    f = arignote.function([rho_v, sigma_v, xs_v],
                          [term, total, *arignote.grad(total, [rho_v, sigma_v, xs_v])])
    rng = np.random.default_rng(17)
    for _ in range(3):
        r, s, v = rng.uniform(-0.9, 0.9), rng.uniform(0.5, 2.0), rng.normal(size=N)
        got, got_total, *grads = f(r, s, v)
        assert got.shape == (N,)
        # one normal density per step, a few flops each: a few ulps of O(1) terms
        np.testing.assert_allclose(got, ar1_reference(x0, v, r, s), rtol=1e-12, atol=1e-13)

        def reference(r, s, v):
            return (st.norm(0, 1).logpdf(r) + st.halfnorm(0, 1).logpdf(s)
                    + ar1_reference(x0, v, r, s).sum())
        np.testing.assert_allclose(got_total, reference(r, s, v), rtol=1e-12)
        check_gradient(grads, reference, [r, s, v], got_total)
    with pytest.raises(ValueError, match="normal: scale > 0 is required"), \
            np.errstate(invalid="ignore"):  # log(scale) is computed before the check raises
        f(0.5, -1.0, np.zeros(N))


def test_ar1_float32():
    x0 = np.float32(-0.2)
    rho, sigma, xs = ar1_graph(x0, dtype="float32")
    rho_v, sigma_v, xs_v = at.fscalar("rho_v"), at.fscalar("sigma_v"), at.fvector("xs_v")
    term = conditional_logp({rho: rho_v, sigma: sigma_v, xs: xs_v})[xs_v]
    assert term.dtype == "float32"
    g = arignote.grad(term.sum(), [rho_v, sigma_v])
    f = arignote.function([rho_v, sigma_v, xs_v], [term, *g])
    rng = np.random.default_rng(5)
    v = rng.normal(size=N).astype("float32")
    got, d_rho, d_sigma = f(np.float32(0.6), np.float32(1.4), v)
    previous = np.concatenate([[x0], v[:-1]]).astype(np.float64)
    resid = (v - 0.6 * previous) / np.float64(np.float32(1.4))
    # float32: a few ulps (6e-8) of terms and sums of O(1) magnitude, times N for the sums
    np.testing.assert_allclose(got, ar1_reference(x0, v.astype(np.float64), np.float32(0.6),
                                                  np.float32(1.4)), rtol=1e-5, atol=1e-5)
    s = np.float64(np.float32(1.4))
    np.testing.assert_allclose(d_rho, (resid * previous / s).sum(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(d_sigma, (-1 / s + resid ** 2 / s).sum(), rtol=1e-4, atol=1e-4)


def test_ar1_of_500_steps_is_batched_not_looped():
    x0, steps = 0.3, 500
    rho, sigma, xs = ar1_graph(x0, steps)
    rho_v, sigma_v = at.dscalar("rho_v"), at.dscalar("sigma_v")
    rng = np.random.default_rng(0)
    observed = np.cumsum(rng.normal(size=steps)) * 0.1
    total = joint_logp({rho: rho_v, sigma: sigma_v, xs: observed})
    f = arignote.function([rho_v, sigma_v], [total, *arignote.grad(total, [rho_v, sigma_v])])
    assert loops(f) == []  # the steps' densities are one vectorised expression
    got, d_rho, d_sigma = f(0.7, 0.9)
    previous = np.concatenate([[x0], observed[:-1]])
    resid = (observed - 0.7 * previous) / 0.9
    expected = st.norm(0, 1).logpdf(0.7) + st.halfnorm(0, 1).logpdf(0.9) + \
        st.norm(0.7 * previous, 0.9).logpdf(observed).sum()
    # 500 terms summed: the sum's rounding grows like sqrt(500) ulps of the total
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(d_rho, -0.7 + (resid * previous / 0.9).sum(), rtol=1e-10)
    np.testing.assert_allclose(d_sigma, -0.9 + (-1 / 0.9 + resid ** 2 / 0.9).sum(), rtol=1e-10)


def test_ar1_of_vectors_and_a_transformed_step():
    # each step draws a vector of 3: terms are (steps, 3)
    x0 = at.dvector("x0")
    rho = at.dscalar("rho")
    xs = scan(lambda x: at.random.normal(rho * x, 0.8), outputs_info=[x0], n_steps=N)
    v = at.dmatrix("v")
    term = conditional_logp({xs: v})[v]
    f = arignote.function([v, x0, rho], [term, *arignote.grad(term.sum(), [v, x0, rho])])
    rng = np.random.default_rng(2)
    V, X0 = rng.normal(size=(N, 3)), rng.normal(size=3)
    got, *grads = f(V, X0, 0.4)
    assert got.shape == (N, 3)

    def reference(V, X0, r):
        return st.norm(r * np.concatenate([X0[None], V[:-1]]), 0.8).logpdf(V)
    np.testing.assert_allclose(got, reference(V, X0, 0.4), rtol=1e-12, atol=1e-13)
    check_gradient(grads, lambda *a: reference(*a).sum(), [V, X0, 0.4], got.sum())

    # the step's value is a measurable transform of its draw: x_t = exp(N(rho log x_{t-1}, s)),
    # a log-normal series; the Jacobian -log x_t comes from the body's own derivation
    s = at.dscalar("s")
    z0 = at.dscalar("z0")
    ys = scan(lambda y: at.exp(at.random.normal(rho * at.log(y), s)), outputs_info=[z0], n_steps=N)
    w = at.dvector("w")
    term = conditional_logp({ys: w})[w]
    f = arignote.function([w, z0, rho, s], [term, *arignote.grad(term.sum(), [w, rho, s])])
    W = np.exp(rng.normal(size=N))

    def lognormal(W, r, s_):
        previous = np.log(np.concatenate([[1.5], W[:-1]]))
        return st.lognorm(s=s_, scale=np.exp(r * previous)).logpdf(W)
    got, *grads = f(W, 1.5, 0.6, 0.7)
    np.testing.assert_allclose(got, lognormal(W, 0.6, 0.7), rtol=1e-12, atol=1e-13)
    check_gradient(grads, lambda *a: lognormal(*a).sum(), [W, 0.6, 0.7], got.sum())
    assert got[0] == pytest.approx(lognormal(W, 0.6, 0.7)[0])
    with np.errstate(invalid="ignore"):  # the step's own log(y_prev) of a negative value
        assert np.isneginf(f(-W, 1.5, 0.6, 0.7)[0]).all()  # outside the support of exp


def test_ar1_with_an_exogenous_random_sequence_read_through_taps():
    # u is a random vector with a value; step t reads u[t] and u[t + 1], and the loop makes
    # fewer steps than the sequence's slices have rows (they are cut to the steps)
    u = at.random.normal(0.0, 1.0, size=N + 3)
    rho, beta, z0 = at.dscalar("rho"), at.dscalar("beta"), at.dscalar("z0")
    xs = scan(lambda u0, u1, x: at.random.normal(rho * x + beta * (u1 - u0), 0.5),
              sequences=[{"input": u, "taps": [0, 1]}], outputs_info=[z0], n_steps=N)
    u_v, v = at.dvector("u_v"), at.dvector("v")
    terms = conditional_logp({u: u_v, xs: v})
    total = terms[u_v].sum() + terms[v].sum()
    f = arignote.function([u_v, v, z0, rho, beta],
                          [terms[v], *arignote.grad(total, [u_v, v, z0, rho, beta])])
    assert loops(f) == []

    def steps(U, V, Z0, r, b):
        return st.norm(r * np.concatenate([[Z0], V[:-1]]) + b * (U[1:N + 1] - U[:N]), 0.5).logpdf(V)
    rng = np.random.default_rng(6)
    args = [rng.normal(size=N + 3), rng.normal(size=N), -0.4, 0.7, 1.5]
    got, *grads = f(*args)
    np.testing.assert_allclose(got, steps(*args), rtol=1e-12, atol=1e-13)
    check_gradient(grads, lambda *a: st.norm(0, 1).logpdf(a[0]).sum() + steps(*a).sum(), args,
                   got.sum())


# --- AR(2): taps [-2, -1] -------------------------------------------------------------------------

def test_ar2_with_taps():
    a1, a2, s = at.dscalar("a1"), at.dscalar("a2"), at.dscalar("s")
    init = at.dvector("init")
    xs = scan(lambda x2, x1: at.random.normal(a1 * x1 + a2 * x2, s),
              outputs_info=[{"initial": init, "taps": [-2, -1]}], n_steps=N)
    v = at.dvector("v")
    term = conditional_logp({xs: v})[v]
    f = arignote.function([v, init, a1, a2, s], [term, *arignote.grad(term.sum(), [v, init, a1, a2, s])])

    def reference(V, I, p1, p2, sd):
        full = np.concatenate([I, V])  # x_{-2}, x_{-1}, x_0, ...
        return st.norm(p1 * full[1:-1] + p2 * full[:-2], sd).logpdf(V)
    rng = np.random.default_rng(4)
    args = [rng.normal(size=N), rng.normal(size=2), 0.5, -0.3, 1.1]
    got, *grads = f(*args)
    assert got.shape == (N,)
    np.testing.assert_allclose(got, reference(*args), rtol=1e-12, atol=1e-13)
    check_gradient(grads, lambda *a: reference(*a).sum(), args, got.sum())
    assert loops(f) == []


# --- a state-space model: two valued per-step draws ------------------------------------------------

def state_space():
    s, e, z0 = at.dscalar("s"), at.dscalar("e"), at.dscalar("z0")

    def step(z_prev):
        z = at.random.normal(z_prev, s)
        return z, at.random.normal(z, e)
    zs, ys = scan(step, outputs_info=[z0, None], n_steps=N)
    return s, e, z0, zs, ys


def test_state_space_with_latent_and_observed_values():
    s, e, z0, zs, ys = state_space()
    zv, yv = at.dvector("zv"), at.dvector("yv")
    terms = conditional_logp({zs: zv, ys: yv})
    total = terms[zv].sum() + terms[yv].sum()
    f = arignote.function([zv, yv, z0, s, e],
                          [terms[zv], terms[yv], *arignote.grad(total, [zv, yv, z0, s, e])])
    rng = np.random.default_rng(9)
    args = [rng.normal(size=N), rng.normal(size=N), 0.2, 0.6, 1.3]
    got_z, got_y, *grads = f(*args)

    def reference_z(Z, Y, Z0, sd, err):
        return st.norm(np.concatenate([[Z0], Z[:-1]]), sd).logpdf(Z)

    def reference_y(Z, Y, Z0, sd, err):
        return st.norm(Z, err).logpdf(Y)
    np.testing.assert_allclose(got_z, reference_z(*args), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(got_y, reference_y(*args), rtol=1e-12, atol=1e-13)
    check_gradient(grads, lambda *a: reference_z(*a).sum() + reference_y(*a).sum(), args,
                   got_z.sum() + got_y.sum())
    assert loops(f) == []


def test_state_space_without_the_latent_values_is_refused():
    ys = state_space()[-1]
    with pytest.raises(NotMeasurable, match=r"per-step draw of scan output 0, which has no value"):
        conditional_logp({ys: np.zeros(N)})


# --- draws without a carry ---------------------------------------------------------------------

def test_iid_draws_and_draws_depending_on_a_sequence():
    xs = scan(lambda: at.random.gamma(3.0, scale=2.0), n_steps=N)
    v = at.dvector("v")
    term = conditional_logp({xs: v})[v]
    f = arignote.function([v], [term, arignote.grad(term.sum(), v)])
    rng = np.random.default_rng(11)
    V = rng.gamma(3.0, 2.0, size=N)
    got, grad = f(V)
    np.testing.assert_allclose(got, st.gamma(3.0, scale=2.0).logpdf(V), rtol=1e-12, atol=1e-13)
    check_gradient([grad], lambda x: st.gamma(3.0, scale=2.0).logpdf(x).sum(), [V], got.sum())

    mus, scale = at.dvector("mus"), at.dscalar("scale")
    ys = scan(lambda m: at.random.normal(m, scale, size=3), sequences=[mus])
    w = at.dmatrix("w")
    term = conditional_logp({ys: w})[w]
    f = arignote.function([w, mus, scale], [term, *arignote.grad(term.sum(), [w, mus, scale])])
    args = [rng.normal(size=(N, 3)), rng.normal(size=N), 0.9]

    def reference(W, M, sd):
        return st.norm(M[:, None], sd).logpdf(W)
    got, *grads = f(*args)
    assert got.shape == (N, 3)
    np.testing.assert_allclose(got, reference(*args), rtol=1e-12, atol=1e-13)
    check_gradient(grads, lambda *a: reference(*a).sum(), args, got.sum())
    assert loops(f) == []


def test_a_loop_of_densities_when_a_deterministic_carry_is_read():
    # k_t = k_{t-1} + 1 is carried: no batching, the per-step terms come from a new loop
    z0, k0, rho = at.dscalar("z0"), at.dscalar("k0"), at.dscalar("rho")
    xs, _ = scan(lambda x, k: (at.random.normal(rho * x + 0.1 * k, 1.0), k + 1.0),
                 outputs_info=[z0, k0], n_steps=N)
    v = at.dvector("v")
    term = conditional_logp({xs: v})[v]
    f = arignote.function([v, z0, k0, rho], [term, *arignote.grad(term.sum(), [v, z0, k0, rho])])
    assert len(loops(f)) == 1

    def reference(V, Z0, K0, r):
        # step t reads k_{t-1} = k0 + t
        return st.norm(r * np.concatenate([[Z0], V[:-1]]) + 0.1 * (K0 + np.arange(N)), 1.0).logpdf(V)
    rng = np.random.default_rng(12)
    args = [rng.normal(size=N), 0.2, 1.0, 0.5]
    got, *grads = f(*args)
    np.testing.assert_allclose(got, reference(*args), rtol=1e-12, atol=1e-13)
    check_gradient(grads, lambda *a: reference(*a).sum(), args, got.sum())


# --- what is refused ------------------------------------------------------------------------------

def test_a_loop_with_a_stop_condition_is_refused():
    z0 = at.dscalar("z0")
    xs = scan(lambda x: (at.random.normal(x, 1.0), arignote.until(x > 5)), outputs_info=[z0], n_steps=N)
    with pytest.raises(NotMeasurable, match=r"stop condition \(until\)"):
        conditional_logp({xs: np.zeros(N)})


def test_a_step_value_that_is_not_measurable_is_refused():
    z0 = at.dscalar("z0")
    xs = scan(lambda x: at.random.normal(x, 1.0) + at.random.normal(0.0, 1.0), outputs_info=[z0],
              n_steps=N)
    with pytest.raises(NotMeasurable, match=r"its random inputs are .*\(in the step of Loop.*scan output 0"):
        conditional_logp({xs: np.zeros(N)})


def test_final_carries_wrong_lengths_and_unvalued_parameters_are_refused():
    rho, sigma, xs = ar1_graph(0.0)
    final = xs.owner.outputs[0]  # the last value of the carried x
    with pytest.raises(NotMeasurable, match="final value of a carry"):
        conditional_logp({rho: 0.5, sigma: 1.0, final: 0.0})
    with pytest.raises(ValueError, match=f"has {N + 1} rows, but the loop makes {N} steps"):
        conditional_logp({rho: 0.5, sigma: 1.0, xs: np.zeros(N + 1)})
    v = at.dvector("v")
    f = arignote.function([v], conditional_logp({rho: 0.5, sigma: 1.0, xs: v})[v])
    assert f(np.zeros(N)).shape == (N,)
    with pytest.raises(ValueError, match="must have one row per step"):
        f(np.zeros(N - 1))
    with pytest.raises(ValueError, match=r"depends on the random variable .*\(halfnormal\)"):
        conditional_logp({rho: 0.5, xs: v})


def test_loop_output_is_random_looks_inside_the_body():
    _, _, z0, zs, ys = state_space()
    assert loop_output_is_random(zs) and loop_output_is_random(ys)
    assert loop_output_is_random(zs.owner.outputs[0])  # the final latent state
    counts = scan(lambda k: k + 1.0, outputs_info=[z0], n_steps=N)
    assert not loop_output_is_random(counts)
    assert not loop_output_is_random(z0)
