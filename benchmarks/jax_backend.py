"""The JAX backend: arignote graphs on JAX beside the same computations hand-written with ``jax.jit``.

Workloads (the C backend's runtime workloads, and the loops' RNN), float64:

- ``fused``: ``exp(-x**2)*sin(y) + log1p(exp(z))`` over 1e6 elements;
- ``logsumexp``: row-wise logsumexp of a 1000 x 1000 matrix;
- ``exp_sum``: ``exp(x).sum()`` over 1e6 elements;
- ``mlp``: a 784-256-128-10 MLP's softmax cross-entropy on a batch of 256
  and its gradients w.r.t. all six weights and biases (arignote's own
  ``arignote.grad``; JAX's ``jax.value_and_grad``);
- ``rnn``: ``h_t = tanh(W h_{t-1} + U x_t + b)``, 200 steps, hidden and
  input 64, ``loss = sum(h_200)`` and its gradient w.r.t. ``W``, ``U``, ``b``
  (``arignote.scan`` + ``arignote.grad``; ``lax.scan`` + ``jax.value_and_grad``);
- ``overhead``: ``f(x) = x + 1`` on a 0-d array (the cost of a call).

Rows, compared in pairs that do the same job:

- **arignote** (``arignote.function(..., mode="JAX")``): NumPy arrays in,
  fresh writable NumPy arrays out (arguments checked, outputs copied out of
  JAX's read-only buffers), against **JAX jit, NumPy in/out**: the
  hand-written function called with the same NumPy arrays, its results
  turned into NumPy with ``np.asarray`` (no copy: read-only views);
- **arignote jax_fn** (``jax.jit(f.jax_fn)``) on device arrays, against
  **JAX jit, device arrays**: the translated graph against the hand-written
  one, both ``block_until_ready``.

Results are checked to agree (1e-9 relative) before timing.  Each
repetition is a timed loop of about 0.2 s per row; rows take turns.
**Goal: arignote within 1.1x of hand-written JAX** (both pairs).
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from typing import Any

import numpy as np

from bench_common import Row, Table, quiet_gc, verdict
from optional_systems import Unavailable, load_jax

NAME = "jax"
REPS, QUICK_REPS = 11, 3
REP_SECONDS, QUICK_REP_SECONDS = 0.2, 0.03
GOAL = 1.1


# --- the workloads: (arignote graph builder, hand-written JAX function, data) -------------------

def fused() -> tuple[Callable[[], Any], Callable[..., Any], list[np.ndarray]]:
    import arignote.tensor as at
    jax, jnp = load_jax()

    def build():
        x, y, z = at.dvector("x"), at.dvector("y"), at.dvector("z")
        return [x, y, z], at.exp(-x ** 2) * at.sin(y) + at.log1p(at.exp(z))

    def hand(x, y, z):
        return jnp.exp(-x ** 2) * jnp.sin(y) + jnp.log1p(jnp.exp(z))
    rng = np.random.default_rng(0)
    return build, hand, [rng.normal(size=1_000_000) for _ in range(3)]


def logsumexp() -> tuple[Callable[[], Any], Callable[..., Any], list[np.ndarray]]:
    import arignote.tensor as at
    jax, jnp = load_jax()

    def build():
        m = at.dmatrix("m")
        return [m], at.logsumexp(m, axis=1)

    def hand(m):
        return jax.scipy.special.logsumexp(m, axis=1)
    return build, hand, [np.random.default_rng(1).normal(size=(1000, 1000))]


def exp_sum() -> tuple[Callable[[], Any], Callable[..., Any], list[np.ndarray]]:
    import arignote.tensor as at
    jax, jnp = load_jax()

    def build():
        x = at.dvector("x")
        return [x], at.exp(x).sum()
    return build, lambda x: jnp.exp(x).sum(), [np.random.default_rng(2).normal(size=1_000_000)]


MLP_SIZES, BATCH = (784, 256, 128, 10), 256


def mlp() -> tuple[Callable[[], Any], Callable[..., Any], list[np.ndarray]]:
    import arignote
    import arignote.tensor as at
    jax, jnp = load_jax()

    def build():
        X, labels = at.dmatrix("X"), at.lvector("labels")
        params = []
        h = X
        for k in range(3):
            W, b = at.dmatrix(f"W{k}"), at.dvector(f"b{k}")
            params += [W, b]
            h = h @ W + b
            if k < 2:
                h = at.maximum(h, 0)
        logp = at.special.log_softmax(h, axis=1)
        loss = -logp[at.arange(labels.shape[0]), labels].mean()
        return [X, labels, *params], [loss, *arignote.grad(loss, params)]

    def loss_fn(params, X, labels):
        h = X
        for k in range(3):
            h = h @ params[2 * k] + params[2 * k + 1]
            if k < 2:
                h = jnp.maximum(h, 0)
        logp = jax.nn.log_softmax(h, axis=1)
        return -logp[jnp.arange(labels.shape[0]), labels].mean()
    value_and_grad = jax.value_and_grad(loss_fn)

    def hand(X, labels, *params):
        loss, grads = value_and_grad(list(params), X, labels)
        return [loss, *grads]
    rng = np.random.default_rng(3)
    params = []
    for n_in, n_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        params += [rng.normal(size=(n_in, n_out)) / np.sqrt(n_in), np.zeros(n_out)]
    data = [rng.normal(size=(BATCH, MLP_SIZES[0])), rng.integers(0, 10, size=BATCH)]
    return build, hand, [*data, *params]


STEPS, HIDDEN, INPUTS = 200, 64, 64


def rnn() -> tuple[Callable[[], Any], Callable[..., Any], list[np.ndarray]]:
    import arignote
    import arignote.tensor as at
    jax, jnp = load_jax()

    def build():
        x = at.tensor("x", dtype="float64", shape=(STEPS, INPUTS))
        h0 = at.tensor("h0", dtype="float64", shape=(HIDDEN,))
        W = at.tensor("W", dtype="float64", shape=(HIDDEN, HIDDEN))
        U = at.tensor("U", dtype="float64", shape=(HIDDEN, INPUTS))
        b = at.tensor("b", dtype="float64", shape=(HIDDEN,))
        hs, _ = arignote.scan(lambda xt, h, W, U, b: at.tanh(W @ h + U @ xt + b), sequences=[x],
                              outputs_info=[h0], non_sequences=[W, U, b])
        loss = hs[-1].sum()
        return [x, h0, W, U, b], [loss, *arignote.grad(loss, [W, U, b])]

    def loss_fn(W, U, b, x, h0):
        def step(h, xt):
            return jnp.tanh(W @ h + U @ xt + b), None
        last, _ = jax.lax.scan(step, h0, x)
        return last.sum()
    value_and_grad = jax.value_and_grad(loss_fn, argnums=(0, 1, 2))

    def hand(x, h0, W, U, b):
        loss, grads = value_and_grad(W, U, b, x, h0)
        return [loss, *grads]
    rng = np.random.default_rng(4)
    data = [rng.normal(size=(STEPS, INPUTS)), np.zeros(HIDDEN),
            rng.normal(size=(HIDDEN, HIDDEN)) / np.sqrt(HIDDEN),
            rng.normal(size=(HIDDEN, INPUTS)) / np.sqrt(INPUTS), rng.normal(size=HIDDEN) * 0.1]
    return build, hand, data


def overhead() -> tuple[Callable[[], Any], Callable[..., Any], list[np.ndarray]]:
    import arignote.tensor as at

    def build():
        x = at.dscalar("x")
        return [x], x + 1
    return build, lambda x: x + 1, [np.array(1.0)]


WORKLOADS: list[tuple[str, str, Callable[[], Any]]] = [
    ("fused", "exp(-x**2)*sin(y) + log1p(exp(z)), 1e6 float64", fused),
    ("logsumexp", "row-wise logsumexp of a 1000x1000 float64 matrix", logsumexp),
    ("exp_sum", "exp(x).sum() over 1e6 float64", exp_sum),
    ("mlp", "MLP 784-256-128-10 cross-entropy + gradients, batch 256", mlp),
    ("rnn", f"RNN {STEPS} steps, hidden {HIDDEN}: loss + gradients (W, U, b)", rnn),
    ("overhead", "call overhead: f(x) = x + 1 on a 0-d float64 array", overhead),
]

ROWS = ("arignote", "JAX jit, NumPy in/out", "arignote jax_fn, device arrays", "JAX jit, device arrays")


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _cases(make: Callable[[], Any]) -> dict[str, Callable[[], Any]]:
    """The four rows of one workload, as argument-less callables, checked to agree."""
    import arignote

    jax, _ = load_jax()
    build, hand, data = make()
    inputs, outputs = build()
    f = arignote.function(inputs, outputs, mode="JAX")
    mine_jit = jax.jit(f.jax_fn)
    hand_jit = jax.jit(hand)
    device = [jax.device_put(a) for a in data]

    def hand_numpy() -> list[np.ndarray]:
        return [np.asarray(v) for v in _as_list(hand_jit(*data))]

    cases = {
        ROWS[0]: lambda: f(*data),
        ROWS[1]: hand_numpy,
        ROWS[2]: lambda: jax.block_until_ready(mine_jit(*device)),
        ROWS[3]: lambda: jax.block_until_ready(hand_jit(*device)),
    }
    expected = [np.asarray(v) for v in _as_list(hand_numpy())]
    for name, case in cases.items():
        got = [np.asarray(v) for v in _as_list(case())]
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12, err_msg=f"{name} disagrees")
    return cases


def run(quick: bool = False) -> list[Table]:
    """One table per workload: time per call of each row."""
    reps, seconds = (QUICK_REPS, QUICK_REP_SECONDS) if quick else (REPS, REP_SECONDS)
    tables = []
    try:
        load_jax()
    except Unavailable as exc:
        return [Table("jax backend", "ms/call", 1e3, [Row("arignote", missing=f"JAX: {exc}")])]
    for key, title, make in WORKLOADS:
        rows = {name: Row(name) for name in ROWS}
        cases = _cases(make)
        timers = {}
        for name, case in cases.items():
            timer = timeit.Timer(case)
            calls, took = timer.autorange()
            timers[name] = (timer, max(1, int(calls * seconds / took)))
            rows[name].extra = f"{timers[name][1]:,}"
        order = list(timers)
        for rep in range(reps):
            shift = rep % len(order)
            for name in order[shift:] + order[:shift]:
                timer, number = timers[name]
                with quiet_gc():
                    rows[name].samples.append(timer.timeit(number) / number)
        unit, scale = ("µs/call", 1e6) if key == "overhead" else ("ms/call", 1e3)
        table = Table(f"jax backend, {key}: {title}", unit, scale, list(rows.values()),
                      extra_header="calls/rep")
        for mine, theirs in ((ROWS[0], ROWS[1]), (ROWS[2], ROWS[3])):
            ratio = table.ratio(mine, theirs)
            met = None if ratio is None else ratio <= GOAL
            table.notes.append(f"goal: {mine} / {theirs} <= {GOAL}: "
                               f"{'-' if ratio is None else f'{ratio:.2f}x'} {verdict(met)}")
        tables.append(table)
    return tables
