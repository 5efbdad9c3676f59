"""Loops: an RNN's value and gradient, and a million-step scalar recurrence.

Every system runs the same program, compiled before timing, and its results
are checked against arignote's (values agree to 1e-9 relative) before any
timing.  Systems are interleaved within each repetition; tables give the
median time per call and its interquartile range.

RNN (``rnn``): ``h_t = tanh(W h_{t-1} + U x_t + b)``, 200 steps, hidden and
input size 64, float64, ``loss = sum(h_200)``; one call computes the loss and
its gradient with respect to ``W``, ``U`` and ``b``.  Static shapes are given
to every system (JAX always has them).  Rows: arignote (``arignote.scan`` +
``arignote.grad``, default mode), PyTensor (``pytensor.scan`` +
``pytensor.grad``; its default mode, and its C VM for reference), JAX
(``jax.jit(jax.value_and_grad(...))`` over ``lax.scan``), and a hand-written
NumPy loop (forward and backward by hand) as the floor of a loop driven
from Python.  The forward pass alone is a second table.
**Goals: arignote no slower than 1.5x JAX, and faster than PyTensor.**

Scalar recurrence (``recurrence``): ``y_t = a * y_{t-1} + x_t`` for a million
float64 steps, all states returned.  Rows: arignote (``arignote.scan``),
PyTensor's scan, JAX's ``lax.scan``, a C loop compiled with the system
compiler (``cc -O2``, called through ctypes; the time includes allocating
the output, as the others do), and a plain Python loop over floats.
**Goal: arignote within 3x of the C loop.**
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bench_common import Row, Table, quiet_gc, verdict
from optional_systems import Unavailable, load_jax, load_pytensor

NAME = "loops"
STEPS, HIDDEN, INPUTS = 200, 64, 64
REPS, QUICK_REPS = 15, 3
RECURRENCE_STEPS, QUICK_RECURRENCE_STEPS = 1_000_000, 20_000
RECURRENCE_REPS, QUICK_RECURRENCE_REPS = 5, 2
DECAY = 0.999

Runner = Callable[[], Any]


# --- the RNN --------------------------------------------------------------------------------

def rnn_data() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.normal(size=(STEPS, INPUTS)), np.zeros(HIDDEN),
            rng.normal(size=(HIDDEN, HIDDEN)) / np.sqrt(HIDDEN),
            rng.normal(size=(HIDDEN, INPUTS)) / np.sqrt(INPUTS), rng.normal(size=HIDDEN) * 0.1]


def arignote_rnn(data: list[np.ndarray], gradient: bool) -> Runner:
    import arignote
    import arignote.tensor as at

    X = at.matrix("X", shape=(STEPS, INPUTS))
    h0 = at.vector("h0", shape=(HIDDEN,))
    W = at.matrix("W", shape=(HIDDEN, HIDDEN))
    U = at.matrix("U", shape=(HIDDEN, INPUTS))
    b = at.vector("b", shape=(HIDDEN,))
    hs = arignote.scan(lambda x, h, W, U, b: at.tanh(W @ h + U @ x + b), sequences=X, outputs_info=h0,
                       non_sequences=[W, U, b], return_updates=False)
    loss = hs[-1].sum()
    outputs = [loss, *arignote.grad(loss, [W, U, b])] if gradient else [loss]
    f = arignote.function([X, h0, W, U, b], outputs, trust_input=True)
    return lambda: f(*data)


def _pytensor_scan(pytensor: Any, *args: Any, **kwargs: Any) -> Any:
    result = pytensor.scan(*args, **kwargs)
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict):
        return result[0]
    return result


def pytensor_rnn(data: list[np.ndarray], gradient: bool, linker: str | None = None) -> Runner:
    pytensor, pt = load_pytensor()
    X = pt.matrix("X", shape=(STEPS, INPUTS), dtype="float64")
    h0 = pt.vector("h0", shape=(HIDDEN,), dtype="float64")
    W = pt.matrix("W", shape=(HIDDEN, HIDDEN), dtype="float64")
    U = pt.matrix("U", shape=(HIDDEN, INPUTS), dtype="float64")
    b = pt.vector("b", shape=(HIDDEN,), dtype="float64")
    hs = _pytensor_scan(pytensor, lambda x, h, W, U, b: pt.tanh(pt.dot(W, h) + pt.dot(U, x) + b),
                        sequences=X, outputs_info=h0, non_sequences=[W, U, b])
    loss = hs[-1].sum()
    outputs = [loss, *pytensor.grad(loss, [W, U, b])] if gradient else [loss]
    mode = None if linker is None else pytensor.compile.mode.Mode(linker=linker, optimizer="fast_run")
    f = pytensor.function([X, h0, W, U, b], outputs, mode=mode)
    return lambda: f(*data)


def jax_rnn(data: list[np.ndarray], gradient: bool) -> Runner:
    jax, jnp = load_jax()

    def loss(W: Any, U: Any, b: Any, X: Any, h0: Any) -> Any:
        def step(h: Any, x: Any) -> tuple[Any, None]:
            return jnp.tanh(W @ h + U @ x + b), None
        h, _ = jax.lax.scan(step, h0, X)
        return h.sum()
    X, h0, W, U, b = (jax.device_put(v) for v in data)
    if gradient:
        f = jax.jit(jax.value_and_grad(loss, argnums=(0, 1, 2)))

        def run() -> Any:
            value, grads = f(W, U, b, X, h0)
            jax.block_until_ready(grads)
            return [value, *grads]
        return run
    g = jax.jit(loss)
    return lambda: [g(W, U, b, X, h0).block_until_ready()]


def numpy_rnn(data: list[np.ndarray], gradient: bool) -> Runner:
    X, h0, W, U, b = data

    def run() -> list[np.ndarray]:
        pre_x = X @ U.T + b
        states = [h0]
        for row in pre_x:
            states.append(np.tanh(W @ states[-1] + row))
        loss = states[-1].sum()
        if not gradient:
            return [loss]
        g_h = np.ones(HIDDEN)
        g_pre = np.empty((STEPS, HIDDEN))
        for t in range(STEPS - 1, -1, -1):
            g_pre[t] = g_h * (1 - states[t + 1] ** 2)
            g_h = W.T @ g_pre[t]
        H = np.stack(states[:-1])
        return [loss, g_pre.T @ H, g_pre.T @ X, g_pre.sum(0)]
    return run


# --- the scalar recurrence ------------------------------------------------------------------------

def recurrence_data(steps: int) -> np.ndarray:
    return np.random.default_rng(1).normal(size=steps)


def arignote_recurrence(x: np.ndarray) -> Runner:
    import arignote
    import arignote.tensor as at

    xs = at.vector("xs")
    ys = arignote.scan(lambda xt, y: DECAY * y + xt, sequences=xs, outputs_info=at.constant(0.0),
                       return_updates=False)
    f = arignote.function([xs], ys, trust_input=True)
    return lambda: f(x)


def pytensor_recurrence(x: np.ndarray, linker: str | None = None) -> Runner:
    pytensor, pt = load_pytensor()
    xs = pt.vector("xs", dtype="float64")
    ys = _pytensor_scan(pytensor, lambda xt, y: DECAY * y + xt, sequences=xs,
                        outputs_info=pt.constant(np.float64(0.0)))
    mode = None if linker is None else pytensor.compile.mode.Mode(linker=linker, optimizer="fast_run")
    f = pytensor.function([xs], ys, mode=mode)
    return lambda: f(x)


def jax_recurrence(x: np.ndarray) -> Runner:
    jax, jnp = load_jax()

    def run(xs: Any) -> Any:
        def step(y: Any, xt: Any) -> tuple[Any, Any]:
            y = DECAY * y + xt
            return y, y
        return jax.lax.scan(step, jnp.float64(0.0), xs)[1]
    f = jax.jit(run)
    device_x = jax.device_put(x)
    return lambda: f(device_x).block_until_ready()


C_SOURCE = """
void recurrence(const double *x, double *y, long n, double a) {
    double s = 0.0;
    for (long i = 0; i < n; ++i) {
        s = a * s + x[i];
        y[i] = s;
    }
}
"""


def c_recurrence(x: np.ndarray) -> Runner:
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if compiler is None:
        raise Unavailable("no C compiler found")
    folder = tempfile.mkdtemp(prefix="arignote-bench-")
    source, library = os.path.join(folder, "rec.c"), os.path.join(folder, "rec.so")
    with open(source, "w") as handle:
        handle.write(C_SOURCE)
    subprocess.run([compiler, "-O2", "-shared", "-fPIC", source, "-o", library], check=True,
                   capture_output=True)
    fn = ctypes.CDLL(library).recurrence
    fn.restype = None
    pointer = ctypes.POINTER(ctypes.c_double)
    fn.argtypes = [pointer, pointer, ctypes.c_long, ctypes.c_double]
    x_ptr = x.ctypes.data_as(pointer)

    def run() -> np.ndarray:
        y = np.empty_like(x)
        fn(x_ptr, y.ctypes.data_as(pointer), len(x), DECAY)
        return y
    return run


def python_recurrence(x: np.ndarray) -> Runner:
    values = x.tolist()

    def run() -> np.ndarray:
        s, out = 0.0, []
        for v in values:
            s = DECAY * s + v
            out.append(s)
        return np.array(out)
    return run


# --- measuring ---------------------------------------------------------------------------------

def _check(name: str, got: Any, want: Any) -> None:
    got = [np.asarray(g) for g in (got if isinstance(got, (list, tuple)) else [got])]
    want = [np.asarray(w) for w in (want if isinstance(want, (list, tuple)) else [want])]
    for g, w in zip(got, want):
        if g.shape != w.shape or not np.allclose(g, w, rtol=1e-9, atol=1e-9):
            err = np.max(np.abs(g - w)) if g.shape == w.shape else f"shape {g.shape} vs {w.shape}"
            raise RuntimeError(f"{name} computes other values (max difference {err})")


def _measure(title: str, unit: str, scale: float, cases: list[tuple[str, Callable[[], Runner]]],
             reps: int) -> Table:
    rows = {name: Row(name) for name, _ in cases}
    runners: dict[str, Runner] = {}
    reference = None
    for name, make in cases:
        try:
            runner = make()
            result = runner()  # warm up (and JAX's first call compiles)
            if reference is None:
                reference = result
            else:
                _check(name, result, reference)
        except Unavailable as exc:
            rows[name].missing = str(exc)
            continue
        except Exception as exc:
            if name.startswith("arignote"):
                raise
            rows[name].missing = f"failed: {type(exc).__name__}: {exc}"[:110]
            continue
        runners[name] = runner
    order = list(runners)
    for rep in range(reps):
        shift = rep % len(order)
        for name in order[shift:] + order[:shift]:
            with quiet_gc():
                start = time.perf_counter()
                runners[name]()
                rows[name].samples.append(time.perf_counter() - start)
    return Table(title, unit, scale, list(rows.values()))


def _goal(table: Table, label: str, other: str, limit: float, below: bool = True) -> None:
    """Note whether arignote's median is within ``limit`` times ``other``'s."""
    ratio = table.ratio("arignote", other)  # arignote / other
    met = None if ratio is None else (ratio <= limit if below else ratio < limit)
    shown = "-" if ratio is None else f"{ratio:.2f}x"
    table.notes.append(f"goal ({label}): arignote / {other} = {shown}: {verdict(met)}")


def run(quick: bool = False) -> list[Table]:
    """The RNN tables (value and gradient; forward only) and the recurrence table."""
    reps = QUICK_REPS if quick else REPS
    data = rnn_data()
    tables = []
    for gradient in (True, False):
        what = "value and gradient wrt W, U, b" if gradient else "value only (forward)"
        cases = [("arignote", lambda g=gradient: arignote_rnn(data, g)),
                 ("JAX (jit, lax.scan)", lambda g=gradient: jax_rnn(data, g)),
                 ("PyTensor", lambda g=gradient: pytensor_rnn(data, g)),
                 ("PyTensor, C VM (linker='cvm')", lambda g=gradient: pytensor_rnn(data, g, "cvm")),
                 ("NumPy loop by hand", lambda g=gradient: numpy_rnn(data, g))]
        table = _measure(f"RNN, {STEPS} steps, hidden {HIDDEN}: {what}", "ms/call", 1e3, cases, reps)
        if gradient:
            _goal(table, "no slower than 1.5x JAX", "JAX (jit, lax.scan)", 1.5)
            _goal(table, "faster than PyTensor", "PyTensor", 1.0, below=False)
        tables.append(table)
    steps = QUICK_RECURRENCE_STEPS if quick else RECURRENCE_STEPS
    x = recurrence_data(steps)
    cases = [("arignote", lambda: arignote_recurrence(x)),
             ("C loop (cc -O2)", lambda: c_recurrence(x)),
             ("JAX (jit, lax.scan)", lambda: jax_recurrence(x)),
             ("PyTensor", lambda: pytensor_recurrence(x)),
             ("PyTensor, C VM (linker='cvm')", lambda: pytensor_recurrence(x, "cvm")),
             ("Python loop over floats", lambda: python_recurrence(x))]
    table = _measure(f"scalar recurrence y_t = {DECAY} y_(t-1) + x_t, {steps:,} steps, all states",
                     "ms/call", 1e3, cases, QUICK_RECURRENCE_REPS if quick else RECURRENCE_REPS)
    _goal(table, "within 3x of a C loop", "C loop (cc -O2)", 3.0)
    tables.append(table)
    return tables
