"""transformed_conditional_logp / transformed_logp / default_transform: a small model against
scipy.stats densities plus the Jacobians written out in NumPy, derivatives against finite
differences, the density of ``u`` integrating to 1 (quadrature: a check of the Jacobian that
shares nothing with its formula), the default transforms by support, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.special
import scipy.stats as st
from scipy.special import expit, log_expit, logsumexp

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.logprob.transformed import (
    default_transform,
    transformed_conditional_logp,
    transformed_logp,
)
from arignote.logprob.transforms import Interval, LogTransform, Transform, log
from arignote.logprob.transforms_matrix import CholeskyCorr, ordered, simplex

RNG = np.random.default_rng(20261209)
EPS = np.finfo(np.float64).eps
ALPHAS = np.array([1.5, 2.0, 3.0])
Y = np.array([0.1, -0.3, 1.2, 0.5])


def _helmert(k: int) -> np.ndarray:
    basis = np.zeros((k, k - 1))
    for i in range(1, k):
        basis[:i, i - 1] = 1.0 / np.sqrt(i * (i + 1))
        basis[i, i - 1] = -i / np.sqrt(i * (i + 1))
    return basis


def _model():
    tau = at.random.halfcauchy(0.0, 5.0)
    p = at.random.beta(2.0, 3.0)
    w = at.random.dirichlet(ALPHAS)
    mu = at.random.normal(0.0, 1.0)
    b = at.random.uniform(0.0, tau)           # a bound that is another random variable
    y = at.random.normal(mu, tau, size=4)
    return tau, p, w, mu, b, y


def _reference(ut, up, uw, um, ub):
    """The log-density of the unconstrained point, from scipy.stats and NumPy Jacobians."""
    tau = np.exp(ut)
    p = expit(up)
    z = _helmert(3) @ uw
    w = np.exp(z - logsumexp(z))
    b = tau * expit(ub)
    total = st.halfcauchy(0, 5).logpdf(tau) + ut                                   # log
    total += st.beta(2, 3).logpdf(p) + log_expit(up) + log_expit(-up)              # (0, 1)
    total += st.dirichlet(ALPHAS).logpdf(w) + np.log(w).sum() + 0.5 * np.log(3)    # simplex
    total += st.norm(0, 1).logpdf(um)
    total += st.uniform(0, tau).logpdf(b) + np.log(tau) + log_expit(ub) + log_expit(-ub)
    total += st.norm(um, tau).logpdf(Y).sum()
    return total


def _values():
    return at.dscalar("ut"), at.dscalar("up"), at.dvector("uw"), at.dscalar("um"), at.dscalar("ub")


def test_small_model_against_scipy_with_default_transforms():
    tau, p, w, mu, b, y = _model()
    ut, up, uw, um, ub = _values()
    rv_values = {tau: ut, p: up, w: uw, mu: um, b: ub, y: Y}
    terms = transformed_conditional_logp(rv_values)
    keys = list(terms)
    assert keys[:5] == [ut, up, uw, um, ub]  # keyed by the unconstrained values, in order
    assert all(term.ndim == 0 for term in list(terms.values())[:5])
    assert terms[keys[5]].ndim == 1  # the observed y: untransformed, elementwise
    total = transformed_logp(rv_values)
    f = arignote.function([ut, up, uw, um, ub], total)
    for scale in (0.3, 1.0, 3.0):
        point = (RNG.normal(0, scale), RNG.normal(0, scale), RNG.normal(0, scale, size=2),
                 RNG.normal(0, scale), RNG.normal(0, scale))
        # ~25 terms of size up to ~30, each to a few ulps: 1e-13 relative to the total's size
        np.testing.assert_allclose(f(*point), _reference(*point), rtol=1e-13, atol=1e-13)
    # the same with the transforms spelt out
    explicit = {tau: log, p: Interval(0.0, 1.0), w: simplex, b: Interval(0.0, tau)}
    g = arignote.function([ut, up, uw, um, ub], transformed_logp(rv_values, explicit))
    point = (0.4, -1.3, np.array([0.2, -0.7]), 0.1, 2.0)
    np.testing.assert_allclose(g(*point), _reference(*point), rtol=1e-13)


def test_gradient_against_finite_differences():
    tau, p, w, mu, b, y = _model()

    def density(ut, up, uw, um, ub):
        return transformed_logp({tau: ut, p: up, w: uw, mu: um, b: ub, y: Y})
    verify_grad(density, [np.array(0.4), np.array(-0.8), np.array([0.3, -0.5]), np.array(0.2),
                          np.array(1.1)], rng=RNG)


def test_extreme_unconstrained_values_stay_finite():
    tau, p, w, mu, b, y = _model()
    ut, up, uw, um, ub = _values()
    total = transformed_logp({tau: ut, p: up, w: uw, mu: um, b: ub, y: Y})
    f = arignote.function([ut, up, uw, um, ub], [total, *arignote.grad(total, [up, uw])])
    # the beta's value 1 - 9e-14 and the Dirichlet's components ~ exp(-30): the density is
    # tiny, its log is finite, and so are the slopes that pull a sampler back
    value, d_up, d_uw = f(0.0, 30.0, np.array([30.0, -30.0]), 0.0, -30.0)
    assert np.isfinite(value) and np.isfinite(d_up) and np.all(np.isfinite(d_uw))
    # the slope of the beta term in up is 2 - 5 expit(up) ~ -3.  The beta's value 1 - 9.4e-14
    # rounds to an ulp of 1, but its density sees sigmoid(up): the stabilize rules write
    # log(p) and log1p(-p) as -softplus(-up) and -softplus(up), so the slope is exact to a few
    # ulps rather than off by 1.1e-16 / 9.4e-14 ~ 1e-3 as the rounded value would make it
    np.testing.assert_allclose(d_up, 2 - 5 * expit(30.0), rtol=1e-14)


# the density rules evaluate both branches of their switches, so points off the support
# (x rounded onto a bound, or past it) warn in NumPy before the -inf branch is chosen
_OFF_SUPPORT = [pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning"),
                pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")]


@_OFF_SUPPORT[0]
@_OFF_SUPPORT[1]
@pytest.mark.parametrize(("make", "transform_type", "reference"), [
    (lambda: at.random.halfcauchy(0.0, 2.0), LogTransform, st.halfcauchy(0, 2)),
    (lambda: at.random.gamma(2.5, scale=0.7), LogTransform, st.gamma(2.5, scale=0.7)),
    (lambda: at.random.lognormal(0.3, 1.2), LogTransform, st.lognorm(1.2, scale=np.exp(0.3))),
    (lambda: at.random.beta(0.7, 2.5), Interval, st.beta(0.7, 2.5)),
    (lambda: at.random.uniform(-1.0, 3.0), Interval, st.uniform(-1, 4)),
    (lambda: at.random.pareto(2.5, 1.5), Interval, st.pareto(2.5, scale=1.5)),
    (lambda: at.random.halfnormal(1.0, 2.0), Interval, st.halfnorm(1.0, 2.0)),
    (lambda: at.random.truncexpon(2.0, 0.5, 1.5), Interval, st.truncexpon(2.0, 0.5, 1.5)),
    (lambda: at.random.triangular(-3.0, -1.0, 0.0), Interval, st.triang(2 / 3, -3.0, 3.0)),
], ids=["halfcauchy", "gamma", "lognormal", "beta", "uniform", "pareto", "halfnormal-loc",
        "truncexpon", "triangular"])
def test_density_of_u_integrates_to_one(make, transform_type, reference):
    rv = make()
    transform = default_transform(rv)
    assert isinstance(transform, transform_type)
    u = at.dscalar("u")
    f = arignote.function([u], transformed_logp({rv: u}))
    # the term is also the scipy density at backward(u) plus log |dx/du|, by finite differences
    # of backward (central differences: error ~ h^2 x''' + eps x / h, 1e-7 relative at h=1e-5)
    back = arignote.function([u], transform.backward(u))
    for point in (-1.3, 0.2, 1.7):
        slope = (back(point + 1e-5) - back(point - 1e-5)) / 2e-5
        np.testing.assert_allclose(f(point), reference.logpdf(back(point)) + np.log(abs(slope)), rtol=1e-7)

    def density(point):
        return float(np.exp(f(point)))
    # quad's own error estimate bounds what it reports; 1e-8 is well above it for these smooth,
    # exponentially decaying integrands and far below any Jacobian mistake (a missing factor
    # changes the integral by O(1)).  Over |u| <= 80: every density here decays at least like
    # exp(-0.7 |u|) (the beta's p^0.7 as u -> -inf), so the tails beyond hold < 1e-24; farther
    # out x rounds onto its bound (p = expit(-800) = 0), where a density may be infinite
    total = 0.0
    for lo, hi in ((-80.0, -5.0), (-5.0, 0.0), (0.0, 5.0), (5.0, 80.0)):
        value, error = scipy.integrate.quad(density, lo, hi, epsabs=1e-12, epsrel=1e-11, limit=200)
        assert error < 1e-9
        total += value
    np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-8)


@_OFF_SUPPORT[0]
@_OFF_SUPPORT[1]
def test_upper_bounded_interval_integrates_to_one():
    rv = at.random.triangular(-3.0, -1.0, 0.0)
    u = at.dscalar("u")
    f = arignote.function([u], transformed_logp({rv: u}, {rv: Interval(None, 0.0)}))
    # x = -exp(u) covers (-inf, 0); the support [-3, 0] is u < log 3, beyond it the term is -inf
    total = sum(scipy.integrate.quad(lambda v: float(np.exp(f(v))), lo, hi, epsabs=1e-12, limit=200)[0]
                for lo, hi in ((-np.inf, 0.0), (0.0, np.log(3.0))))
    np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-8)
    assert f(np.log(3.0) + 0.1) == -np.inf


def test_ordered_and_event_axes():
    x = at.random.normal(0.0, 2.0, size=(2, 3))
    u = at.dmatrix("u")
    terms = transformed_conditional_logp({x: u}, {x: ordered})
    term = terms[u]
    assert term.ndim == 1  # the normal's elementwise density summed over the ordered axis
    uv = RNG.normal(size=(2, 3))
    xv = np.cumsum(np.concatenate([uv[:, :1], np.exp(uv[:, 1:])], axis=1), axis=1)
    want = st.norm(0, 2).logpdf(xv).sum(-1) + uv[:, 1:].sum(-1)
    np.testing.assert_allclose(arignote.function([u], term)(uv), want, rtol=1e-13)
    # a Cholesky factor's two event axes: the (3, 3) normal density summed over both
    m = at.random.normal(0.0, 1.0, size=(3, 3))
    v = at.dvector("v")
    t = CholeskyCorr(3)
    term = transformed_conditional_logp({m: v}, {m: t})[v]
    assert term.ndim == 0
    vv = RNG.normal(size=3)
    factor = t.backward(v).eval({v: vv})
    want = st.norm().logpdf(factor).sum() + t.log_jac_det(v).eval({v: vv})
    np.testing.assert_allclose(term.eval({v: vv}), want, rtol=1e-13)


def test_bounds_from_observed_and_chained_variables():
    # s observed (plain data) bounds b, whose transformed value bounds c: the bounds are
    # replaced by values through two levels
    s = at.random.halfnormal(0.0, 1.0)
    b = at.random.uniform(0.0, s)
    c = at.random.uniform(b, 2.0 * s)
    ub, uc = at.dscalar("ub"), at.dscalar("uc")
    f = arignote.function([ub, uc], transformed_logp({s: 1.5, b: ub, c: uc}))
    bv = 1.5 * expit(0.3)
    cv = bv + (3.0 - bv) * expit(-0.8)
    want = (st.halfnorm().logpdf(1.5) + st.uniform(0, 1.5).logpdf(bv) + np.log(1.5)
            + log_expit(0.3) + log_expit(-0.3) + st.uniform(bv, 3.0 - bv).logpdf(cv)
            + np.log(3.0 - bv) + log_expit(-0.8) + log_expit(0.8))
    np.testing.assert_allclose(f(0.3, -0.8), want, rtol=1e-14)


def test_default_transforms_by_support():
    assert default_transform(at.random.halfnormal(0.0, 1.0)) is log
    assert default_transform(at.random.exponential(2.0)) is log
    assert default_transform(at.random.dirichlet(ALPHAS)) is simplex
    assert default_transform(at.random.normal(0.0, 1.0)) is None
    assert default_transform(at.random.poisson(3.0)) is None
    assert default_transform(at.random.multivariate_normal(np.zeros(2), np.eye(2))) is None
    low, high = at.dscalar("low"), at.dscalar("high")
    interval = default_transform(at.random.uniform(low, high))
    assert isinstance(interval, Interval)
    assert interval.lower is low and interval.upper is high  # the node's own parameters
    pareto = default_transform(at.random.pareto(2.0, 3.0))
    assert isinstance(pareto, Interval) and pareto.upper is None
    assert float(pareto.lower.eval()) == 3.0
    # observed data keeps its value: "default" transforms free variables only
    tau = at.random.halfcauchy(0.0, 1.0)
    terms = transformed_conditional_logp({tau: 2.0})
    np.testing.assert_allclose(next(iter(terms.values())).eval(), st.halfcauchy().logpdf(2.0), rtol=1e-14)


def test_float32_values_stay_float32():
    # float32 parameters too: a float64 parameter makes the density float64 (NumPy's rules)
    p = at.random.beta(np.float32(2.0), np.float32(3.0), dtype="float32")
    w = at.random.dirichlet(ALPHAS.astype("float32"), dtype="float32")
    up, uw = at.fscalar("up"), at.fvector("uw")
    total = transformed_logp({p: up, w: uw})
    assert total.dtype == "float32"
    got = arignote.function([up, uw], total)(np.float32(0.7), np.array([0.3, -0.2], dtype="float32"))
    z = _helmert(3) @ np.array([0.3, -0.2])
    wv = np.exp(z - logsumexp(z))
    want = (st.beta(2, 3).logpdf(expit(0.7)) + log_expit(0.7) + log_expit(-0.7)
            + st.dirichlet(ALPHAS).logpdf(wv) + np.log(wv).sum() + 0.5 * np.log(3))
    # float32: each of ~20 operations rounds to 6e-8 relative, on terms of size ~5
    np.testing.assert_allclose(got, want, rtol=0, atol=20 * 5 * np.finfo(np.float32).eps)


def test_errors_name_what_is_wrong():
    tau, p, w, _, b, _ = _model()
    _, up, _, _, ub = _values()
    with pytest.raises(ValueError, match=r"a transform \(<log transform>\) is given for .* no value"):
        transformed_conditional_logp({p: up}, {tau: log})
    with pytest.raises(ValueError, match=r"\(dirichlet\) with the simplex transform: the unconstrained value "
                                         r"must have 1 dimensions"):
        transformed_conditional_logp({w: at.dmatrix("bad")})
    with pytest.raises(ValueError, match=r"\(beta\) with the simplex transform: the transform spans 1 event"):
        transformed_conditional_logp({p: up}, {p: simplex})
    with pytest.raises(TypeError, match="must be a Transform"):
        transformed_conditional_logp({p: up}, {p: "log"})
    with pytest.raises(ValueError, match="or 'default', got 'none'"):
        transformed_conditional_logp({p: up}, "none")
    with pytest.raises(TypeError, match="non-empty mapping"):
        transformed_conditional_logp({})
    with pytest.raises(TypeError, match="abstract"):
        Transform()  # type: ignore[abstract]
    with pytest.raises(TypeError, match="unconstrained value must be real"):
        transformed_conditional_logp({p: at.cscalar("c")})
    # b's bound is tau, which has no value
    with pytest.raises(ValueError, match=r"on the random variable .*\(halfcauchy\), which has no value"):
        transformed_conditional_logp({b: ub})


def test_transformed_random_variables_among_the_values():
    # a valued loc + scale * z has no default transform (its support is the image of its map);
    # exp(z) with an explicit log transform has the density of z at u again: the log-normal
    # density at e^u times the Jacobian e^u is the normal density at u
    mu = at.random.normal(0.0, 10.0)
    tau = at.random.halfcauchy(0.0, 5.0)
    theta = mu + tau * at.random.normal(0.0, 1.0, size=3)
    mu_v, u_tau, theta_v = at.dscalar("mu"), at.dscalar("u_tau"), at.dvector("theta")
    total = transformed_logp({mu: mu_v, tau: u_tau, theta: theta_v})
    f = arignote.function([mu_v, u_tau, theta_v], total)
    th = np.array([0.3, -1.0, 2.0])
    expected = (st.norm(0, 10).logpdf(0.4) + st.halfcauchy(0, 5).logpdf(np.exp(0.2)) + 0.2
                + st.norm(0.4, np.exp(0.2)).logpdf(th).sum())
    np.testing.assert_allclose(f(0.4, 0.2, th), expected, rtol=1e-13)
    z = at.random.normal(0.5, 1.5, size=2)
    u = at.dvector("u")
    term = transformed_logp({at.exp(z): u}, transforms={at.exp(z): log})
    np.testing.assert_allclose(arignote.function([u], term)(np.array([-1.0, 2.0])),
                               st.norm(0.5, 1.5).logpdf([-1.0, 2.0]).sum(), rtol=1e-13)


def test_a_beta_on_the_log_odds_scale_is_stable_at_extreme_values():
    # the beta's value sigmoid(u) rounds to 0 or 1 for |u| > 37, but the stabilize rules write
    # its log(p) and log1p(-p) as -softplus(-u) and -softplus(u): the log-density (with the
    # Jacobian's log sigmoid(u) + log sigmoid(-u)) keeps every digit: two softplus terms and a constant
    p = at.random.beta(2.0, 3.0)
    u = at.dscalar("u")
    f = arignote.function([u], [transformed_logp({p: u}), arignote.grad(transformed_logp({p: u}), u)])
    for uv in [-700.0, -40.0, 0.3, 40.0, 700.0]:
        value, slope = f(uv)
        expected = -scipy.special.betaln(2, 3) + 2 * log_expit(uv) + 3 * log_expit(-uv)
        np.testing.assert_allclose(value, expected, rtol=1e-14)
        np.testing.assert_allclose(slope, 2 * expit(-uv) - 3 * expit(uv), rtol=1e-13, atol=1e-300)
