"""Gradients: the size of the rewritten gradient graph, and compile and run time, for three models.

Every system runs the same model text (:data:`MODELS`), written against a
small namespace of NumPy-named functions that each system provides:

- **logistic regression**: ``-mean(y log p + (1 - y) log(1 - p))`` with
  ``p = sigmoid(X w + b)``, X of 2000 x 50;
- **MLP**: three dense layers (100 -> 128 -> 64 -> 10, tanh) and a softmax
  cross-entropy ``-mean(sum(Y * log_softmax(logits), 1))`` on 256 rows;
- **hierarchical normal**: the negative log-density of ``mu ~ N(0, 5)``,
  ``log_tau ~ N(0, 1)``, ``theta_j ~ N(mu, exp(log_tau))`` for 40 groups and
  2000 observations ``y_i ~ N(theta[g_i], sigma_i)`` (an indexed gather).

For each: the gradient with respect to the parameters is built and compiled
(the compile time includes building the gradient graph), then called on
NumPy arrays (the run time).  The node count is the number of nodes of each
system's rewritten gradient graph: arignote's scheduled graph, PyTensor's
``fgraph`` in its default mode (without its ``DeepCopyOp`` output copies),
and, for reference, JAX's jaxpr equations before XLA (which fuses later, so
that count is not comparable).  PyTensor is also counted without its fusion
pass, the like-for-like comparison while arignote has no fusion pass.
Both are also run with static input shapes: arignote lets a dimension of
unknown length broadcast at run time (NumPy's rule; PyTensor forbids it), so
with unknown shapes its gradients keep the ``SumTo`` nodes and the shape
arithmetic that decide at run time whether a broadcast axis is summed.
All systems' gradients are checked to agree before anything is timed.

A last table times building alone (``grad``, no compiling) on the long
elementwise program of ``graph_build.py`` (10,000 operations over five
vector inputs): arignote's ``grad``, PyTensor's ``pytensor.grad`` (with
Python's recursion limit raised, which it needs there), and JAX tracing
``jax.grad`` to a jaxpr.  Each repetition differentiates a freshly built
graph (arignote interns nodes, so a second ``grad`` of the same graph would
time cache hits); building the forward graph is not timed.
"""

from __future__ import annotations

import math
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench_common import Row, Table, quiet_gc, time_once, verdict
from optional_systems import Unavailable, load_jax, load_pytensor

NAME = "autodiff"
COMPILE_REPS, QUICK_COMPILE_REPS = 5, 1
RUN_REPS, QUICK_RUN_REPS = 15, 3
REP_SECONDS, QUICK_REP_SECONDS = 0.2, 0.03
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


# --- the models, one text for every system ------------------------------------------------------

def logistic_regression(ops: Any, X: Any, y: Any, w: Any, b: Any) -> Any:
    p = ops.sigmoid(ops.dot(X, w) + b)
    return -ops.mean(y * ops.log(p) + (1 - y) * ops.log(1 - p))


def mlp(ops: Any, X: Any, Y: Any, W1: Any, b1: Any, W2: Any, b2: Any, W3: Any, b3: Any) -> Any:
    h1 = ops.tanh(ops.dot(X, W1) + b1)
    h2 = ops.tanh(ops.dot(h1, W2) + b2)
    logits = ops.dot(h2, W3) + b3
    return -ops.mean(ops.sum(Y * ops.log_softmax(logits, axis=1), axis=1))


def _normal_logpdf(ops: Any, x: Any, mean: Any, sd: Any) -> Any:
    return -0.5 * ((x - mean) / sd) ** 2 - ops.log(sd) - HALF_LOG_2PI


def hierarchical_normal(ops: Any, y: Any, g: Any, sigma: Any, mu: Any, log_tau: Any, theta: Any) -> Any:
    tau = ops.exp(log_tau)
    logp = (_normal_logpdf(ops, mu, 0.0, 5.0) + _normal_logpdf(ops, log_tau, 0.0, 1.0)
            + ops.sum(_normal_logpdf(ops, theta, mu, tau))
            + ops.sum(_normal_logpdf(ops, y, theta[g], sigma)))
    return -logp


@dataclass
class Model:
    name: str
    fn: Callable[..., Any]
    data: dict[str, np.ndarray]      # inputs that are not differentiated
    params: dict[str, np.ndarray]    # inputs the gradient is taken with respect to


#: builds and compiles a model's gradient: (the compiled function, its node count)
Builder = Callable[[Model], tuple[Callable[..., Any], int]]


def _models() -> list[Model]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 50))
    logreg = Model("logistic regression", logistic_regression,
                   {"X": X, "y": (rng.random(2000) < 0.5).astype(np.float64)},
                   {"w": rng.normal(size=50) * 0.1, "b": np.array(0.1)})
    labels = rng.integers(0, 10, size=256)
    net = Model("3-layer MLP, softmax cross-entropy", mlp,
                {"X": rng.normal(size=(256, 100)), "Y": np.eye(10)[labels]},
                {"W1": rng.normal(size=(100, 128)) * 0.1, "b1": np.zeros(128),
                 "W2": rng.normal(size=(128, 64)) * 0.1, "b2": np.zeros(64),
                 "W3": rng.normal(size=(64, 10)) * 0.1, "b3": np.zeros(10)})
    groups = rng.integers(0, 40, size=2000)
    hier = Model("hierarchical normal log-density", hierarchical_normal,
                 {"y": rng.normal(size=2000), "g": groups.astype(np.int64),
                  "sigma": rng.uniform(0.5, 2.0, size=2000)},
                 {"mu": np.array(0.3), "log_tau": np.array(-0.2), "theta": rng.normal(size=40)})
    return [logreg, net, hier]


# --- one builder per system: build(model) -> (compiled gradient, node count) ----------------------

class _Ops:
    """The functions a model calls, from one system's namespace."""

    def __init__(self, **functions: Callable[..., Any]) -> None:
        self.__dict__.update(functions)


def _symbolic_inputs(make: Callable[[str, np.ndarray], Any], model: Model) -> tuple[list[Any], list[Any]]:
    data = [make(name, value) for name, value in model.data.items()]
    params = [make(name, value) for name, value in model.params.items()]
    return data, params


def arignote_builder(static: bool = False) -> Builder:
    import arignote
    import arignote.tensor as at
    from arignote.graph import toposort

    ops = _Ops(sigmoid=at.sigmoid, log=at.log, exp=at.exp, tanh=at.tanh, dot=at.dot, mean=at.mean,
               sum=at.sum, log_softmax=at.special.log_softmax)

    def make(name: str, value: np.ndarray) -> Any:
        return at.tensor(name, dtype=value.dtype, shape=value.shape if static else (None,) * value.ndim)

    def build(model: Model) -> tuple[Callable[..., Any], int]:
        data, params = _symbolic_inputs(make, model)
        cost = model.fn(ops, *data, *params)
        grads = arignote.grad(cost, params)
        f = arignote.function(data + params, grads)
        return f, len(toposort(f.graph_outputs))
    return build


def pytensor_builder(fusion: bool = True, static: bool = False) -> Builder:
    pytensor, pt = load_pytensor()
    ops = _Ops(sigmoid=pt.sigmoid, log=pt.log, exp=pt.exp, tanh=pt.tanh, dot=pt.dot, mean=pt.mean,
               sum=pt.sum, log_softmax=pt.special.log_softmax)
    mode = pytensor.compile.mode.get_default_mode()
    if not fusion:
        mode = mode.excluding("fusion")

    def make(name: str, value: np.ndarray) -> Any:
        return pt.tensor(name, dtype=str(value.dtype), shape=value.shape if static else (None,) * value.ndim)

    def build(model: Model) -> tuple[Callable[..., Any], int]:
        data, params = _symbolic_inputs(make, model)
        cost = model.fn(ops, *data, *params)
        grads = pytensor.grad(cost, params)
        f = pytensor.function(data + params, grads, mode=mode)
        nodes = [n for n in f.maker.fgraph.apply_nodes if type(n.op).__name__ != "DeepCopyOp"]
        return f, len(nodes)
    return build


def jax_builder() -> Builder:
    jax, jnp = load_jax()
    ops = _Ops(sigmoid=jax.nn.sigmoid, log=jnp.log, exp=jnp.exp, tanh=jnp.tanh, dot=jnp.dot,
               mean=jnp.mean, sum=jnp.sum, log_softmax=jax.nn.log_softmax)

    def build(model: Model) -> tuple[Callable[..., Any], int]:
        n_data = len(model.data)

        def cost(*args: Any) -> Any:
            return model.fn(ops, *args)
        argnums = tuple(range(n_data, n_data + len(model.params)))
        gradient = jax.grad(cost, argnums=argnums)
        values = [*model.data.values(), *model.params.values()]
        compiled = jax.jit(gradient).lower(*values).compile()  # a new function: no cache hit

        def call(*args: Any) -> Any:
            return [np.asarray(g) for g in jax.block_until_ready(compiled(*args))]
        return call, len(jax.make_jaxpr(gradient)(*values).jaxpr.eqns)
    return build


SYSTEMS: list[tuple[str, Callable[[], Builder]]] = [
    ("arignote", arignote_builder),
    ("arignote, static shapes", lambda: arignote_builder(static=True)),
    ("PyTensor", pytensor_builder),
    ("PyTensor, no fusion", lambda: pytensor_builder(fusion=False)),
    ("PyTensor, static shapes", lambda: pytensor_builder(static=True)),
    ("PyTensor, static shapes, no fusion", lambda: pytensor_builder(fusion=False, static=True)),
    ("JAX jit", jax_builder),
]


# --- measuring ---------------------------------------------------------------------------------------

def _check(name: str, got: Any, reference: list[np.ndarray], model: Model) -> None:
    for param, g, r in zip(model.params, got, reference):
        if not np.allclose(np.asarray(g), r, rtol=1e-7, atol=1e-10):
            raise RuntimeError(f"{name}: the gradient with respect to {param} disagrees with arignote's")


GRAD_BUILD_OPS, QUICK_GRAD_BUILD_OPS = 10_000, 1_000
GRAD_BUILD_REPS, QUICK_GRAD_BUILD_REPS = 5, 1


def _grad_builders() -> dict[str, Callable[[int], Callable[[], Any]]]:
    """For each system: steps -> a function that differentiates a freshly built program."""
    import sys

    import graph_build

    def arignote_case(steps: int) -> Callable[[], Any]:
        import arignote
        import arignote.tensor as at

        x, a, b, c, d = (at.vector(n) for n in "xabcd")
        y = graph_build.program(at.tanh, at.exp, x, a, b, c, d, steps).sum()
        return lambda: arignote.grad(y, [x, a, b, c, d])

    def pytensor_case(steps: int) -> Callable[[], Any]:
        pytensor, pt = load_pytensor()
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 200_000))
        x, a, b, c, d = (pt.dvector(n) for n in "xabcd")
        y = graph_build.program(pt.tanh, pt.exp, x, a, b, c, d, steps).sum()
        return lambda: pytensor.grad(y, [x, a, b, c, d])

    def jax_case(steps: int) -> Callable[[], Any]:
        jax, jnp = load_jax()
        spec = jax.ShapeDtypeStruct((16,), jnp.float64)

        def fn(x: Any, a: Any, b: Any, c: Any, d: Any) -> Any:
            return graph_build.program(jnp.tanh, jnp.exp, x, a, b, c, d, steps).sum()
        return lambda: jax.make_jaxpr(jax.grad(fn, argnums=(0, 1, 2, 3, 4)))(spec, spec, spec, spec, spec)

    return {"arignote": arignote_case, "PyTensor": pytensor_case, "JAX grad, traced": jax_case}


def _grad_build_table(quick: bool) -> Table:
    n_ops = QUICK_GRAD_BUILD_OPS if quick else GRAD_BUILD_OPS
    reps = QUICK_GRAD_BUILD_REPS if quick else GRAD_BUILD_REPS
    steps = n_ops // 10
    cases = _grad_builders()
    rows = {name: Row(name) for name in cases}
    usable = {}
    for name, case in cases.items():
        try:
            case(2)()  # warm-up
            usable[name] = case
        except Unavailable as exc:
            rows[name].missing = str(exc)
    order = list(usable)
    for rep in range(reps):
        shift = rep % len(order)
        for name in order[shift:] + order[:shift]:
            differentiate = usable[name](steps)  # the forward graph, untimed
            elapsed, _ = time_once(differentiate)
            rows[name].samples.append(elapsed / n_ops)
    table = Table(f"building the gradient of a {n_ops:,}-op elementwise program (no compiling)",
                  "µs/op", 1e6, list(rows.values()))
    table.notes.append("the program of graph_build.py; time per forward op")
    return table


def run(quick: bool = False) -> list[Table]:
    """Two tables per model (compile time with the node count, run time), then gradient building."""
    compile_reps = QUICK_COMPILE_REPS if quick else COMPILE_REPS
    run_reps, seconds = (QUICK_RUN_REPS, QUICK_REP_SECONDS) if quick else (RUN_REPS, REP_SECONDS)
    builders: dict[str, Builder] = {}
    missing: dict[str, str] = {}
    for name, make in SYSTEMS:
        try:
            builders[name] = make()
        except Unavailable as exc:
            missing[name] = str(exc)
    tables = []
    for model in _models():
        args = [*model.data.values(), *model.params.values()]
        compile_rows = {name: Row(name, missing=missing.get(name)) for name, _ in SYSTEMS}
        run_rows = {name: Row(name, missing=missing.get(name)) for name, _ in SYSTEMS}
        compiled: dict[str, Callable[..., Any]] = {}
        reference = [np.asarray(g) for g in builders["arignote"](model)[0](*args)]
        for name, build in builders.items():
            try:
                fn, nodes = build(model)  # warm-up, untimed; also the correctness check
                _check(name, fn(*args), reference, model)
            except Exception as exc:
                if name == "arignote":
                    raise
                reason = f"failed: {type(exc).__name__}: {exc}"[:120]
                compile_rows[name].missing = run_rows[name].missing = reason
                continue
            compiled[name] = fn
            compile_rows[name].extra = f"{nodes}"
        order = list(compiled)
        for rep in range(compile_reps):
            shift = rep % len(order)
            for name in order[shift:] + order[:shift]:
                elapsed, _ = time_once(lambda: builders[name](model))
                compile_rows[name].samples.append(elapsed)
        timers = {}
        for name, fn in compiled.items():
            timer = timeit.Timer(lambda fn=fn: fn(*args))
            calls, took = timer.autorange()
            timers[name] = (timer, max(1, int(calls * seconds / took)))
        for rep in range(run_reps):
            shift = rep % len(order)
            for name in order[shift:] + order[:shift]:
                timer, number = timers[name]
                with quiet_gc():
                    run_rows[name].samples.append(timer.timeit(number) / number)
        tables += _tables(model, list(compile_rows.values()), list(run_rows.values()))
    tables.append(_grad_build_table(quick))
    return tables


def _node_count(rows: list[Row], system: str) -> int | None:
    for r in rows:
        if r.system == system and r.extra:
            return int(r.extra)
    return None


def _tables(model: Model, compile_rows: list[Row], run_rows: list[Row]) -> list[Table]:
    compile_table = Table(f"{model.name}: build the gradient and compile it", "ms", 1e3, compile_rows,
                          extra_header="nodes")
    for mine, theirs_name in (("arignote", "PyTensor"), ("arignote", "PyTensor, no fusion"),
                              ("arignote, static shapes", "PyTensor, static shapes"),
                              ("arignote, static shapes", "PyTensor, static shapes, no fusion")):
        ours, theirs = _node_count(compile_rows, mine), _node_count(compile_rows, theirs_name)
        met = None if ours is None or theirs is None else ours <= theirs
        compile_table.notes.append(
            f"goal: {mine} no more nodes than {theirs_name} -> {ours} vs {theirs}: {verdict(met)}")
    compile_table.notes.append("nodes: each system's rewritten gradient graph (JAX: jaxpr equations "
                               "before XLA's own fusion, for reference only)")
    run_table = Table(f"{model.name}: one gradient call", "ms", 1e3, run_rows)
    run_table.notes.append("all systems get NumPy arrays and return the gradients as arrays")
    return [compile_table, run_table]
