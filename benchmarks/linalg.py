"""Linear algebra (issue 14), beside NumPy/SciPy, JAX (``jax.jit``) and PyTensor, in one run.

- a Cholesky factor and two triangular solves, 500x500, with 1 and 100 right-hand sides
  (goal: at most NumPy+SciPy's time);
- a Gaussian process's marginal log-likelihood and its gradient with respect to the kernel's
  three hyper-parameters (exponentiated quadratic kernel, n = 200 and n = 1000), written
  naively with ``inv`` and ``log(det(...))`` in arignote and PyTensor, against JAX running the
  hand-optimised form (Cholesky, ``cho_solve``, log-determinant from the factor's diagonal)
  (goal: no slower than JAX);
- 10,000 batched 4x4 solves (goal: at least as fast as NumPy's batched ``solve``);
- the naive ``inv(a) @ b`` and ``log(det(a))`` against their hand-optimised forms: after
  rewriting, the same time and accuracy (the accuracy in the last column).

Every system's result is checked against a float64 reference before timing; systems are
interleaved within each repetition and the median kept (benchmarks/c_backend.py measures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg as sla
from bench_common import Row, Table
from c_backend import _goal, _measure, _prepare
from optional_systems import Unavailable, load_jax, load_pytensor

NAME = "linalg"
REPS, QUICK_REPS = 11, 3
REP_SECONDS, QUICK_REP_SECONDS = 0.2, 0.02

Case = Callable[[], Any]
Maker = Callable[[dict[str, np.ndarray]], Case]


def _flat(values: Any) -> np.ndarray:
    """Several results as one float64 vector (the checks compare whole results)."""
    if isinstance(values, (list, tuple)):
        return np.concatenate([np.ravel(np.asarray(v, dtype="float64")) for v in values])
    return np.ravel(np.asarray(values, dtype="float64"))


def _arignote(build: Callable[..., Any], spec: dict[str, tuple[int | None, ...]], mode: str | None = None,
              rewrites: bool = True) -> Maker:
    """``build(at, **inputs)`` compiled by arignote (C backend unless ``mode``)."""
    def make(data: dict[str, np.ndarray]) -> Case:
        import arignote
        import arignote.tensor as at

        inputs = {n: at.tensor(n, dtype="float64", shape=shape) for n, shape in spec.items()}
        chosen = mode if rewrites else arignote.Mode(linker="c", optimizer=None)
        f = arignote.function(list(inputs.values()), build(at, **inputs), mode=chosen, trust_input=True)
        args = [data[n] for n in spec]
        return lambda: _flat(f(*args))
    return make


def _pytensor(build: Callable[..., Any], spec: dict[str, tuple[int | None, ...]]) -> Maker:
    def make(data: dict[str, np.ndarray]) -> Case:
        pytensor, pt = load_pytensor()
        inputs = {n: pt.tensor(n, dtype="float64", shape=shape) for n, shape in spec.items()}
        f = pytensor.function(list(inputs.values()), build(pt, **inputs), trust_input=True)
        args = [data[n] for n in spec]
        return lambda: _flat(f(*args))
    return make


def _jax(build: Callable[..., Any], names: list[str]) -> Maker:
    def make(data: dict[str, np.ndarray]) -> Case:
        jax, jnp = load_jax()
        f = jax.jit(lambda *xs: build(jnp, *xs))
        args = [jax.device_put(data[n]) for n in names]

        def case() -> np.ndarray:
            out = f(*args)
            jax.block_until_ready(out)
            return _flat(out)
        return case
    return make


def _timed(title: str, systems: list[tuple[str, Maker]], data: dict[str, np.ndarray], reference: Any,
           rtol: float, quick: bool, unit: str = "ms/call", scale: float = 1e3) -> Table:
    reps, seconds = (QUICK_REPS, QUICK_REP_SECONDS) if quick else (REPS, REP_SECONDS)
    rows, timers = _prepare(systems, data, _flat(reference), rtol, seconds)
    _measure(rows, timers, reps)
    return Table(title, unit, scale, list(rows.values()), extra_header="calls/rep")


def _spd(rng: np.random.Generator, n: int, batch: tuple[int, ...] = ()) -> np.ndarray:
    x = rng.normal(size=(*batch, n, n))
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


# --- Cholesky and two triangular solves ---------------------------------------------------

def cholesky_solves_table(quick: bool, columns: int) -> Table:
    n = 500
    rng = np.random.default_rng(0)
    data = {"a": _spd(rng, n), "b": rng.normal(size=(n, columns)) if columns > 1 else rng.normal(size=n)}
    spec = {"a": (None, None), "b": (None, None) if columns > 1 else (None,)}

    def graph(m: Any, a: Any, b: Any) -> Any:
        factor = m.linalg.cholesky(a)
        inner = m.linalg.solve_triangular(factor, b, lower=True)
        return m.linalg.solve_triangular(factor.T, inner, lower=False)

    def numpy_scipy(d: dict[str, np.ndarray]) -> Case:
        a, b = d["a"], d["b"]

        def case() -> np.ndarray:
            factor = np.linalg.cholesky(a)
            inner = sla.solve_triangular(factor, b, lower=True, check_finite=False)
            return _flat(sla.solve_triangular(factor.T, inner, lower=False, check_finite=False))
        return case

    def jax_graph(jnp: Any, a: Any, b: Any) -> Any:
        import jax.scipy.linalg as jsl

        factor = jnp.linalg.cholesky(a)
        return jsl.solve_triangular(factor.T, jsl.solve_triangular(factor, b, lower=True), lower=False)

    systems: list[tuple[str, Maker]] = [
        ("arignote", _arignote(lambda at, a, b: graph(at, a, b), spec)),
        ("NumPy+SciPy", numpy_scipy),
        ("JAX jit", _jax(jax_graph, ["a", "b"])),
        ("PyTensor default", _pytensor(lambda pt, a, b: graph(pt, a, b), spec)),
    ]
    reference = np.linalg.solve(data["a"], data["b"])
    table = _timed(f"Cholesky factor and two triangular solves, {n}x{n}, {columns} right-hand "
                   f"side{'s' if columns > 1 else ''}", systems, data, reference, 1e-9, quick)
    _goal(table, "at most NumPy+SciPy's time", "NumPy+SciPy", 1.0)
    return table


# --- Gaussian-process marginal likelihood -------------------------------------------------

def _gp_naive(m: Any, grad: Callable[..., Any], x: Any, y: Any, params: Any) -> list[Any]:
    """The marginal log-likelihood as a textbook writes it, and its gradient in ``params`` (the
    logs of the lengthscale, the variance and the noise, as models sample them)."""
    lengthscale, variance, noise = m.exp(params[0]), m.exp(params[1]), m.exp(params[2])
    sq = m.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
    n = x.shape[0]
    k = variance * m.exp(-0.5 * sq / lengthscale ** 2) + noise * m.eye(n)
    loglik = (-0.5 * m.dot(y, m.dot(m.linalg.inv(k), y)) - 0.5 * m.log(m.linalg.det(k))
              - 0.5 * n * np.log(2 * np.pi))
    return [loglik, grad(loglik, params)]


def _gp_jax(jnp: Any, x: Any, y: Any, params: Any) -> Any:
    """The hand-optimised form (one Cholesky factor for the solve and the determinant)."""
    import jax
    import jax.scipy.linalg as jsl

    def loglik(p: Any) -> Any:
        sq = jnp.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
        n = x.shape[0]
        lengthscale, variance, noise = jnp.exp(p[0]), jnp.exp(p[1]), jnp.exp(p[2])
        k = variance * jnp.exp(-0.5 * sq / lengthscale ** 2) + noise * jnp.eye(n)
        factor = jnp.linalg.cholesky(k)
        alpha = jsl.cho_solve((factor, True), y)
        return -0.5 * y @ alpha - jnp.sum(jnp.log(jnp.diag(factor))) - 0.5 * n * np.log(2 * np.pi)
    return jax.value_and_grad(loglik)(params)


def _gp_reference(x: np.ndarray, y: np.ndarray, params: np.ndarray) -> np.ndarray:
    """The value and the gradient in float64 NumPy/SciPy (closed forms, through the factor)."""
    lengthscale, variance, noise = np.exp(params)
    sq = np.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
    n = x.shape[0]
    shape = np.exp(-0.5 * sq / lengthscale ** 2)
    k = variance * shape + noise * np.eye(n)
    factor = sla.cho_factor(k, lower=True)
    alpha = sla.cho_solve(factor, y)
    value = -0.5 * y @ alpha - np.sum(np.log(np.diag(factor[0]))) - 0.5 * n * np.log(2 * np.pi)
    inner = np.outer(alpha, alpha) - sla.cho_solve(factor, np.eye(n))  # d loglik / dK = inner / 2
    # dK / d log(parameter) for each parameter
    derivatives = [variance * shape * sq / lengthscale ** 2, variance * shape, noise * np.eye(n)]
    return np.concatenate([[value], [0.5 * np.sum(inner * d) for d in derivatives]])


def gp_table(quick: bool, n: int) -> Table:
    """The GP table; nothing tells arignote that K is positive definite: it derives it (a
    Gaussian kernel of squared distances, scaled by exp(.), plus exp(.) * eye)."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-3, 3, size=(n, 2))
    params = np.log([0.9, 1.3, 0.1])
    data = {"x": x, "y": np.sin(x).sum(axis=1) + 0.3 * rng.normal(size=n), "params": params}
    spec = {"x": (None, 2), "y": (None,), "params": (3,)}

    def arignote_graph(at: Any, x: Any, y: Any, params: Any) -> Any:
        import arignote

        return _gp_naive(at, arignote.grad, x, y, params)

    def pytensor_graph(pt: Any, x: Any, y: Any, params: Any) -> Any:
        import pytensor

        return _gp_naive(pt, pytensor.grad, x, y, params)

    systems: list[tuple[str, Maker]] = [
        ("arignote", _arignote(arignote_graph, spec)),
        ("JAX jit (hand-optimised)", _jax(_gp_jax, ["x", "y", "params"])),
        ("PyTensor default", _pytensor(pytensor_graph, spec)),
    ]
    reference = _gp_reference(x, data["y"], params)
    table = _timed(f"Gaussian-process marginal log-likelihood and its gradient (3 kernel "
                   f"hyper-parameters), n = {n}: arignote and PyTensor run the naive form "
                   "(inv, log(det))", systems, data, reference, 1e-7, quick)
    _goal(table, "no slower than JAX running the hand-optimised form", "JAX jit (hand-optimised)", 1.0)
    table.notes.append(f"log(det(K)) itself is {_naive_logdet_note(x, params)}: the rewritten graph "
                       "computes it from the Cholesky factor")
    return table


def _naive_logdet_note(x: np.ndarray, params: np.ndarray) -> str:
    lengthscale, variance, noise = np.exp(params)
    sq = np.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
    k = variance * np.exp(-0.5 * sq / lengthscale ** 2) + noise * np.eye(x.shape[0])
    with np.errstate(divide="ignore"):
        return f"{np.log(np.linalg.det(k)):.6g} in NumPy (exact: {np.linalg.slogdet(k)[1]:.6g})"


# --- batched small solves ---------------------------------------------------------------------

def batched_solves_table(quick: bool) -> Table:
    rng = np.random.default_rng(4)
    count = 10_000
    data = {"a": rng.normal(size=(count, 4, 4)) + 4 * np.eye(4), "b": rng.normal(size=(count, 4))}
    spec = {"a": (None, 4, 4), "b": (None, 4)}

    def graph(m: Any, a: Any, b: Any) -> Any:
        return m.linalg.solve(a, b, b_ndim=1)

    systems: list[tuple[str, Maker]] = [
        ("arignote", _arignote(graph, spec)),
        ("NumPy", lambda d: (lambda: _flat(np.linalg.solve(d["a"], d["b"][..., None])[..., 0]))),
        ("JAX jit", _jax(lambda jnp, a, b: jnp.linalg.solve(a, b[..., None])[..., 0], ["a", "b"])),
        ("PyTensor default", _pytensor(graph, spec)),
    ]
    reference = np.linalg.solve(data["a"], data["b"][..., None])[..., 0]
    table = _timed(f"{count:,} batched 4x4 solves", systems, data, reference, 1e-9, quick)
    _goal(table, "at least as fast as NumPy's batched solve", "NumPy", 1.0)
    return table


# --- naive and hand-optimised forms ---------------------------------------------------------

def _ill_conditioned(rng: np.random.Generator, n: int, cond: float) -> np.ndarray:
    u, _ = np.linalg.qr(rng.normal(size=(n, n)))
    v, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return (u * np.geomspace(1.0, 1.0 / cond, n)) @ v.T


def naive_forms_tables(quick: bool) -> list[Table]:
    rng = np.random.default_rng(5)
    n = 300
    a = _ill_conditioned(rng, n, 1e10)
    x_true = rng.normal(size=n)
    data = {"a": a, "b": a @ x_true}
    spec = {"a": (None, None), "b": (None,)}
    forms: list[tuple[str, Maker]] = [
        ("arignote", _arignote(lambda at, a, b: at.dot(at.linalg.inv(a), b), spec)),
        ("arignote hand-optimised: solve(a, b)", _arignote(lambda at, a, b: at.linalg.solve(a, b), spec)),
        ("arignote without rewrites: inv(a) @ b",
         _arignote(lambda at, a, b: at.dot(at.linalg.inv(a), b), spec, rewrites=False)),
        ("NumPy inv(a) @ b", lambda d: (lambda: _flat(np.linalg.inv(d["a"]) @ d["b"]))),
        ("NumPy solve(a, b)", lambda d: (lambda: _flat(np.linalg.solve(d["a"], d["b"])))),
    ]
    # the two forms differ by cond * eps in the solution: the check is loose on purpose, the
    # accuracy column compares them
    solve_table = _timed(f"naive inv(a) @ b, {n}x{n}, cond(a) = 1e10 (arignote row: rewritten)", forms,
                         data, np.linalg.solve(a, data["b"]), 1e-2, quick)
    _accuracy(solve_table, forms, data, lambda got: np.linalg.norm(got - x_true) / np.linalg.norm(x_true),
              "relative error of x")
    _goal(solve_table, "the rewritten naive form as fast as the hand-optimised one (within 10%)",
          "arignote hand-optimised: solve(a, b)", 0.9)

    spd = _spd(rng, n) * 40.0  # det overflows float64: log(det) = inf in NumPy
    data = {"a": spd}
    spec = {"a": (None, None)}
    assumed = {"a": (None, None)}

    def naive(at: Any, a: Any) -> Any:
        return at.log(at.linalg.det(at.linalg.assume(a, "positive_definite")))

    def by_hand(at: Any, a: Any) -> Any:
        return 2 * at.sum(at.log(at.diagonal(at.linalg.cholesky(a))))

    exact = np.linalg.slogdet(spd)[1]
    forms = [
        ("arignote", _arignote(naive, assumed)),
        ("arignote hand-optimised: 2 sum log diag cholesky", _arignote(by_hand, spec)),
        ("NumPy log(det(a))", lambda d: (lambda: np.log(np.linalg.det(d["a"])))),
        ("NumPy slogdet", lambda d: (lambda: _flat(np.linalg.slogdet(d["a"])[1]))),
    ]
    with np.errstate(over="ignore"):
        det_table = _timed(f"naive log(det(a)) of a positive-definite {n}x{n} a whose determinant "
                           "overflows (arignote row: rewritten)", forms[:2] + forms[3:], data, exact, 1e-10,
                           quick)
        det_table.rows.insert(2, Row("NumPy log(det(a))", missing=f"gives {np.log(np.linalg.det(spd))}"))
    _accuracy(det_table, forms[:2] + forms[3:], data,
              lambda got: abs(float(np.ravel(got)[0]) - exact) / abs(exact), "relative error")
    _goal(det_table, "the rewritten naive form as fast as the hand-optimised one (within 10%)",
          "arignote hand-optimised: 2 sum log diag cholesky", 0.9)
    return [solve_table, det_table]


def _accuracy(table: Table, forms: list[tuple[str, Maker]], data: dict[str, np.ndarray],
              error: Callable[[np.ndarray], float], what: str) -> None:
    for name, make in forms:
        row = next((r for r in table.rows if r.system == name and r.samples), None)
        if row is None:
            continue
        try:
            row.extra = f"{row.extra}; {what} {error(make(data)()):.1e}"
        except Unavailable:
            continue


def run(quick: bool = False) -> list[Table]:
    """The linear-algebra tables."""
    tables = [cholesky_solves_table(quick, 1), cholesky_solves_table(quick, 100)]
    for n in (200, 1000):
        tables.append(gp_table(quick, n))
    tables.append(batched_solves_table(quick))
    tables.extend(naive_forms_tables(quick))
    return tables
