"""The elementwise special functions (arignote.tensor.special_functions) against scipy.special.

Tolerances, from an error analysis rather than from what passed:

* py and C (FAST_RUN): the nodes call SciPy's own function on the same inputs (C has no
  code for them and runs the NumPy step), so a direct function agrees with SciPy up to the
  rounding of its result, and the reference is SciPy in float64 on the same (exactly
  representable) inputs.  float64: 4 ulps (a rounding or two, and SciPy's loops that are
  themselves a few ulps apart); the reference is SciPy's loop for the same dtype (some
  float32 loops, e.g. betaincinv's, compute in float32 and are tens of ulps from the exact
  value: that is SciPy's accuracy, which the op inherits).  Functions PyTensor writes as
  expressions (``gammal = gammainc * gamma``, ``gammau``, ``chi2sf``) add two roundings and are
  compared with the float64 value: 16 ulps.  ``iv = ive * exp(|x|)`` and ``kv = kve * exp(-x)``
  are compared with SciPy's own ``iv`` / ``kv``, separate AMOS evaluations each accurate to
  about 1e-14 relative (AMOS loses precision in proportion to the argument), so 1e-13.
* JAX: independent implementations (series and continued fractions with fixed iteration
  counts, cast from NumPy's loop dtype).  In float32 they also compute in float32, where
  summing up to ~100 terms loses about that many ulps: 256 float32 ulps (3e-5).  In float64
  jax.scipy.special is accurate to about 1e-13 relative on these domains away from the
  conditioning of the inverses; 1e-10 covers the inverse functions, whose condition number
  (|y f'(x) / f(x)|^-1 on the domains below) stays under ~1e3.
* Oscillating functions (Bessel J) have zeros, where relative error means nothing: their
  absolute tolerance is the relative one times their magnitude scale (1).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sps

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.graph.op import NotDifferentiable

RNG_SEED = 20261207
MODES = ["PY", "FAST_RUN", "JAX"]

# name -> (arignote function, SciPy reference, float domain per argument, integer domain per
#          argument or None, oscillating).  Domains keep each function well inside its
#          region of definition (and PyTensor's).
CASES = {
    "gammainc": (at.gammainc, sps.gammainc, [(0.5, 5), (0.1, 8)], [(1, 5), (0, 7)], False),
    "gammaincc": (at.gammaincc, sps.gammaincc, [(0.5, 5), (0.1, 8)], [(1, 5), (0, 7)], False),
    "gammaincinv": (at.gammaincinv, sps.gammaincinv, [(0.5, 5), (0.05, 0.95)], None, False),
    "gammainccinv": (at.gammainccinv, sps.gammainccinv, [(0.5, 5), (0.05, 0.95)], None, False),
    "betainc": (at.betainc, sps.betainc, [(0.5, 5), (0.5, 5), (0.05, 0.95)], [(1, 5), (1, 5), (0, 1)],
                False),
    "betaincinv": (at.betaincinv, sps.betaincinv, [(0.5, 5), (0.5, 5), (0.05, 0.95)], None, False),
    "hyp2f1": (at.hyp2f1, sps.hyp2f1, [(0.2, 2), (0.2, 2), (2.5, 4), (-3, 0.8)], None, False),
    "jv": (at.jv, sps.jv, [(0, 3), (0.1, 10)], [(0, 3), (1, 10)], True),
    "j0": (at.j0, sps.j0, [(-10, 10)], [(-10, 10)], True),
    "j1": (at.j1, sps.j1, [(-10, 10)], [(-10, 10)], True),
    "i0": (at.i0, sps.i0, [(-5, 5)], [(-5, 5)], False),
    "i1": (at.i1, sps.i1, [(0.1, 5)], [(1, 5)], False),
    "ive": (at.ive, sps.ive, [(0, 3), (0.1, 10)], [(0, 3), (1, 10)], False),
    "kve": (at.kve, sps.kve, [(0, 3), (0.1, 10)], [(0, 3), (1, 10)], False),
    "iv": (at.iv, sps.iv, [(0, 3), (0.1, 10)], None, False),
    "kv": (at.kv, sps.kv, [(0, 3), (0.1, 10)], None, False),
    "owens_t": (at.owens_t, sps.owens_t, [(-3, 3), (-2, 2)], [(-3, 3), (-2, 2)], False),
    "ndtr": (at.ndtr, sps.ndtr, [(-5, 5)], [(-5, 5)], False),
    "log_ndtr": (at.log_ndtr, sps.log_ndtr, [(-5, 5)], [(-5, 5)], False),
    "ndtri": (at.ndtri, sps.ndtri, [(0.01, 0.99)], None, False),
    "ndtri_exp": (at.ndtri_exp, sps.ndtri_exp, [(-10, -0.01)], [(-10, -1)], False),
    "xlogx": (at.xlogx, lambda x: sps.xlogy(x, x), [(0, 3)], [(0, 5)], False),
    "xlogy0": (at.xlogy0, sps.xlogy, [(-2, 2), (0.1, 3)], [(-2, 2), (1, 5)], False),
    "logaddexp": (at.logaddexp, np.logaddexp, [(-5, 5), (-5, 5)], [(-5, 5), (-5, 5)], False),
    "log1pexp": (at.log1pexp, lambda x: np.logaddexp(0, x), [(-5, 5)], [(-5, 5)], False),
    "chi2sf": (at.chi2sf, lambda x, k: sps.chdtrc(k, x), [(0.1, 10), (1, 6)], None,
               False),
    "gammal": (at.gammal, lambda k, x: sps.gammainc(k, x) * sps.gamma(k), [(0.5, 5), (0.1, 8)], None,
               False),
    "gammau": (at.gammau, lambda k, x: sps.gammaincc(k, x) * sps.gamma(k), [(0.5, 5), (0.1, 8)], None,
               False),
}
COMPOSED = {"iv", "kv", "gammal", "gammau", "chi2sf", "log1pexp"}
# broadcasting shapes for 1..4 arguments: every pair of arguments broadcasts differently
SHAPES = {1: [(2, 3)], 2: [(3, 1), (1, 4)], 3: [(3, 1), (1, 4), (4,)], 4: [(3, 1), (1, 4), (4,), ()]}


def tolerance(name: str, dtype: str, mode: str) -> float:
    eps = float(np.finfo(dtype).eps)
    if mode == "JAX":
        return 256 * eps if dtype == "float32" else 1e-10
    if name in {"iv", "kv"} and dtype == "float64":
        return 1e-13  # SciPy's iv and ive are separate AMOS evaluations (see the module doc)
    return (16 if name in COMPOSED else 4) * eps


def _inputs(rng, name, kind):
    _, _, domain, int_domain, _ = CASES[name]
    shapes = SHAPES[len(domain)]
    if kind == "int":
        return [rng.integers(lo, hi + 1, size=s).astype("int64") for (lo, hi), s in zip(int_domain, shapes)]
    return [rng.uniform(lo, hi, size=s).astype(kind) for (lo, hi), s in zip(domain, shapes)]


def _compile(fn, values, mode):
    xs = [at.tensor(dtype=v.dtype, shape=tuple(1 if d == 1 else None for d in v.shape), name=f"x{k}")
          for k, v in enumerate(values)]
    return arignote.function(xs, fn(*xs), mode=mode)


def _params():
    out = []
    for name, case in CASES.items():
        for kind in ["float64", "float32", "int"]:
            if kind == "int" and case[3] is None:
                continue
            for mode in MODES:
                out.append(pytest.param(name, kind, mode, id=f"{name}-{kind}-{mode}"))
    return out


NO_JAX = {"jv", "ive", "kve", "iv", "kv", "betaincinv"}


@pytest.mark.parametrize("name, kind, mode", _params())
def test_values_against_scipy(name, kind, mode):
    if mode == "JAX":
        pytest.importorskip("jax")
        if name in NO_JAX:
            pytest.skip("no JAX function (see test_jax_refuses_what_it_has_no_function_for)")
    fn, reference, _, _, oscillating = CASES[name]
    rng = np.random.default_rng([RNG_SEED, len(name), ord(name[0]), len(kind)])
    values = _inputs(rng, name, kind)
    got = np.asarray(_compile(fn, values, mode)(*values))
    out_dtype = "float64" if kind == "int" else kind
    assert got.dtype == out_dtype
    assert got.shape == np.broadcast_shapes(*[v.shape for v in values])
    # py and C run SciPy's own loop on the inputs as they are; JAX is checked against the
    # exact-as-can-be float64 value
    exact = reference(*[v.astype("float64") for v in values])
    same_loop = reference(*[v.astype(out_dtype) for v in values])
    expected = exact if mode == "JAX" or name in COMPOSED else same_loop
    tol = tolerance(name, out_dtype, mode)
    atol = tol if oscillating else float(np.finfo(out_dtype).tiny)
    np.testing.assert_allclose(got, expected, rtol=tol, atol=atol)


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_small_integers_compute_in_float32(mode):
    k = np.array([1, 2, 3], dtype="int16")
    x = np.array([0, 1, 5], dtype="int8")
    got = _compile(at.gammainc, [k, x], mode)(k, x)
    assert got.dtype == "float32"
    np.testing.assert_allclose(got, sps.gammainc(k.astype("f8"), x.astype("f8")), rtol=4 * np.finfo("f4").eps)
    n = np.array([0, 1, 2], dtype="int64")
    got = _compile(at.polygamma, [n, x.astype("float32") + 1], mode)(n, x.astype("float32") + 1)
    assert got.dtype == "float32"


@pytest.mark.parametrize("mode", MODES)
def test_edge_values(mode):
    if mode == "JAX":
        pytest.importorskip("jax")
    x = at.dvector("x")
    y = at.dvector("y")
    zero = at.zeros_like(y)
    f = arignote.function([x, y], [at.xlogx(x), at.xlogy0(x, y), at.gammainc(y, zero),
                                   at.gammaincc(y, zero), at.betainc(y, y, zero),
                                   at.betainc(y, y, zero + 1)], mode=mode)
    xv = np.array([0.0, 0.0, 0.0, 1.0, np.nan])
    yv = np.array([0.0, 2.0, 0.5, 0.0, 2.0])
    xlx, xly, p0, q0, b0, b1 = f(xv, yv)
    np.testing.assert_array_equal(xlx, [0, 0, 0, 0, np.nan])
    # 0 * log(y) is 0 even where log(y) is -inf; 1 * log(0) is -inf; NaN stays NaN
    np.testing.assert_array_equal(xly, [0, 0, 0, -np.inf, np.nan])
    shape_ok = yv > 0
    np.testing.assert_array_equal(p0[shape_ok], 0)
    np.testing.assert_array_equal(q0[shape_ok], 1)
    np.testing.assert_array_equal(b0[shape_ok], 0)
    np.testing.assert_array_equal(b1[shape_ok], 1)


@pytest.mark.parametrize("mode", MODES)
def test_nan_propagates(mode):
    if mode == "JAX":
        pytest.importorskip("jax")
    for name, (fn, _, domain, _, _) in CASES.items():
        if mode == "JAX" and name in NO_JAX:
            continue
        # inside the domain, away from x == 0 (where xlogy0 is 0 whatever y)
        point = [np.array([lo + 0.37 * (hi - lo)] * 2) for lo, hi in domain]
        for k in range(len(domain)):
            args = [p.copy() for p in point]
            args[k][1] = np.nan
            got = _compile(fn, args, mode)(*args)
            assert np.isfinite(got[0]), (name, k)
            assert np.isnan(got[1]), (name, k)


def test_jax_refuses_what_it_has_no_function_for():
    pytest.importorskip("jax")
    from arignote.backend.jax.plan import JaxCompileError
    from arignote.backend.jax.scalar import NO_JAX_FUNCTION

    v, x = at.dvector("v"), at.dvector("x")
    for build in [at.jv, at.ive, at.kve, at.iv, at.kv, lambda v, x: at.betaincinv(v, v, x)]:
        # the error says why (NO_JAX_FUNCTION's reason)
        with pytest.raises(JaxCompileError, match=r"has no JAX implementation: jax\.scipy\.special has"):
            arignote.function([v, x], build(v, x), mode="JAX")
    assert "integer order" in NO_JAX_FUNCTION[type(at.jv(v, x).owner.op.scalar_op)]


# --- derivatives -----------------------------------------------------------------------

def _u(rng, lo, hi, n=4):
    return rng.uniform(lo, hi, size=n)


def _grad_cases(rng):
    k = _u(rng, 0.8, 4)  # constant shape parameters: their derivatives are not asked for
    a, b = _u(rng, 0.8, 4), _u(rng, 0.8, 4)
    v = np.array([0.0, 0.5, 1.5, 2.5])
    n = np.array([0, 1, 2, 3])
    return {
        "gammainc": (lambda x: at.gammainc(k, x), [_u(rng, 0.2, 6)]),
        "gammaincc": (lambda x: at.gammaincc(k, x), [_u(rng, 0.2, 6)]),
        "gammaincinv": (lambda y: at.gammaincinv(k, y), [_u(rng, 0.1, 0.9)]),
        "gammainccinv": (lambda y: at.gammainccinv(k, y), [_u(rng, 0.1, 0.9)]),
        "betainc": (lambda x: at.betainc(a, b, x), [_u(rng, 0.1, 0.9)]),
        "betaincinv": (lambda y: at.betaincinv(a, b, y), [_u(rng, 0.1, 0.9)]),
        "hyp2f1": (lambda z: at.hyp2f1(a / 2, b / 2, 5.0, z), [_u(rng, -2, 0.7)]),
        "polygamma": (lambda x: at.polygamma(n, x), [_u(rng, 0.5, 4)]),
        "jv": (lambda x: at.jv(v, x), [_u(rng, 0.5, 8)]),
        "j0": (at.j0, [_u(rng, -8, 8)]),
        "j1": (at.j1, [_u(rng, -8, 8)]),
        "i0": (at.i0, [_u(rng, -4, 4)]),
        "i1": (at.i1, [_u(rng, -4, 4)]),
        # a real order at negative x has no real value: integer orders there
        "ive": (lambda x: at.ive(np.array([0.0, 1.0, 2.5, 1.0]), x), [np.array([-3.0, -0.7, 0.6, 4.0])]),
        "iv": (lambda x: at.iv(v, x), [_u(rng, 0.5, 4)]),
        "kve": (lambda x: at.kve(v, x), [_u(rng, 0.5, 6)]),
        "kv": (lambda x: at.kv(v, x), [_u(rng, 0.5, 4)]),
        "owens_t": (at.owens_t, [_u(rng, -2, 2), _u(rng, -2, 2)]),
        "ndtr": (at.ndtr, [_u(rng, -4, 4)]),
        "log_ndtr": (at.log_ndtr, [_u(rng, -6, 4)]),
        "ndtri": (at.ndtri, [_u(rng, 0.05, 0.95)]),
        "ndtri_exp": (at.ndtri_exp, [_u(rng, -20, -0.05)]),
        "xlogx": (at.xlogx, [_u(rng, 0.1, 3)]),
        "xlogy0": (at.xlogy0, [_u(rng, -2, 2), _u(rng, 0.1, 3)]),
        "logaddexp": (at.logaddexp, [_u(rng, -5, 5), _u(rng, -5, 5)]),
        "chi2sf": (lambda x: at.chi2sf(x, 2 * k), [_u(rng, 0.2, 8)]),
        "gammal": (lambda x: at.gammal(k, x), [_u(rng, 0.2, 6)]),
        "gammau": (lambda x: at.gammau(k, x), [_u(rng, 0.2, 6)]),
    }


GRAD_NAMES = list(_grad_cases(np.random.default_rng(0)))


@pytest.mark.parametrize("name", GRAD_NAMES)
def test_derivative_against_finite_differences(name):
    rng = np.random.default_rng([RNG_SEED, len(name), ord(name[-1])])
    fn, point = _grad_cases(rng)[name]
    verify_grad(fn, point, rng=rng)


def test_parameters_without_a_derivative_say_so():
    k, x = at.dvector("k"), at.dvector("x")
    with pytest.raises(NotDifferentiable, match="gammaincinv.*'k'"):
        arignote.grad(at.gammaincinv(k, x).sum(), k)
    a = at.dvector("a")
    with pytest.raises(NotDifferentiable, match="betaincinv.*'a'"):
        arignote.grad(at.betaincinv(a, 2.0, x).sum(), a)
    with pytest.raises(NotDifferentiable, match="betaincinv.*'b'"):
        arignote.grad(at.betaincinv(2.0, a, x).sum(), a)
    with pytest.raises(NotDifferentiable, match="jv.*'v'"):
        arignote.grad(at.jv(k, x).sum(), k)
    # with a symbolic float k, the derivative with respect to x is still there (the missing one
    # fails only where it is needed), on the value PyTensor's closed form gives
    kv, xv = np.array([1.5, 2.5]), np.array([0.5, 2.0])
    g = arignote.grad(at.gammainc(k, x).sum() + at.gammaincinv(k, x / 4.0).sum(), x)
    got = g.eval({k: kv, x: xv})
    y = sps.gammaincinv(kv, xv / 4)  # d/dx gammaincinv(k, x/4) = 1 / (4 density(k, y))
    want = xv ** (kv - 1) * np.exp(-xv) / sps.gamma(kv) + sps.gamma(kv) / (4 * y ** (kv - 1) * np.exp(-y))
    np.testing.assert_allclose(got, want, rtol=1e-13)
    with pytest.raises(NotDifferentiable, match="gammaincinv.*'k'"):
        arignote.grad(at.gammaincinv(k, x / 4.0).sum(), [x, k])
    # an integer order needs no derivative: the one with respect to x is there
    n = at.lvector("n")
    g = arignote.grad(at.polygamma(n, x).sum(), x)
    got = g.eval({n: np.array([1, 2]), x: np.array([1.5, 2.5])})
    np.testing.assert_allclose(got, sps.polygamma([2, 3], [1.5, 2.5]), rtol=1e-14)


def test_forward_mode_needs_no_derivative_for_parameters_that_do_not_move():
    from arignote.autodiff import Rop

    k, x, t = at.dvector("k"), at.dvector("x"), at.dvector("t")
    kv, xv, tv = np.array([1.5, 2.5]), np.array([0.5, 2.0]), np.array([1.0, 2.0])
    got = Rop(at.gammainc(k, x), x, t).eval({k: kv, x: xv, t: tv})
    np.testing.assert_allclose(got, tv * xv ** (kv - 1) * np.exp(-xv) / sps.gamma(kv), rtol=1e-14)
    with pytest.raises(NotDifferentiable, match="'k'"):
        Rop(at.gammaincinv(k, x), k, t)


def test_polygamma_order_must_be_an_integer():
    with pytest.raises(TypeError):
        at.polygamma(at.dvector("n"), at.dvector("x"))


def test_names_and_homes():
    import arignote.tensor.math as atm
    import arignote.tensor.special as ats

    for name in ["gammainc", "betaincinv", "hyp2f1", "owens_t", "log_ndtr", "xlogy0", "logaddexp", "kv"]:
        assert getattr(at, name) is getattr(atm, name) is getattr(ats, name)
    assert at.log1pexp is at.softplus
    assert at.owens_t.__name__ == "owens_t"

