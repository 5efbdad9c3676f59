"""Graph-building time per node: arignote vs PyTensor, with JAX tracing beside them.

One program text (:func:`program`) is run by every system: arignote and
PyTensor build a symbolic graph from vector inputs, JAX traces it with
``jax.make_jaxpr`` (JAX has no separate graph-building step; tracing to a
jaxpr is its closest equivalent).  Only building is timed, never compiling.

Each repetition builds a *fresh* graph from new input variables: arignote
interns nodes, so rebuilding over the same inputs would only time cache hits.
Garbage is collected before each timed build and the collector is off during
it; the graph is released after the clock stopped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from bench_common import Row, Table, quiet_gc, time_once, verdict
from optional_systems import Unavailable, load_jax, load_pytensor

NAME = "build"
OPS_PER_STEP = 10
GOAL = 3.0  # PyTensor's time per node / arignote's, at least
SIZES = {1_000: 15, 10_000: 7, 50_000: 5}  # program ops -> repetitions
QUICK_SIZES = {1_000: 3, 10_000: 2, 50_000: 1}
VECTOR_LENGTH = 16  # JAX traces concrete shapes; the symbolic systems use (?,)


def program(tanh: Callable, exp: Callable, x: Any, a: Any, b: Any, c: Any, d: Any, steps: int) -> Any:
    """The benchmarked elementwise program, the same text for every system.

    Each step applies ``OPS_PER_STEP`` (10) elementwise operations, mixing
    unary functions, binary operators and Python-float constants; five inputs
    enter and ``t`` and ``y`` are each used twice, so the graph is a DAG,
    not a chain.
    """
    y, z = x, d
    for _ in range(steps):
        t = tanh(y * a + b)
        u = exp(t * 0.5) * c
        y, z = (u + z * 0.25) - t / d, y
    return y


def count_nodes(output: Any) -> int:
    """Apply nodes reachable from ``output`` (any graph with ``.owner``/``.inputs``)."""
    seen: set[int] = set()
    stack = [output.owner] if output.owner is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(v.owner for v in node.inputs if v.owner is not None and id(v.owner) not in seen)
    return len(seen)


# --- one builder per system: build(steps) -> (graph, node count function) ---------------
def arignote_builder(trace_source: bool = True) -> Callable[[int], Any]:
    import arignote
    import arignote.tensor as at

    def build(steps: int) -> Any:
        with arignote.config.change_flags(trace_source=trace_source):
            x, a, b, c, d = (at.vector(n) for n in "xabcd")
            return program(at.tanh, at.exp, x, a, b, c, d, steps)
    return build


def pytensor_builder() -> Callable[[int], Any]:
    _, pt = load_pytensor()

    def build(steps: int) -> Any:
        x, a, b, c, d = (pt.dvector(n) for n in "xabcd")
        return program(pt.tanh, pt.exp, x, a, b, c, d, steps)
    return build


def jax_builder() -> Callable[[int], Any]:
    jax, jnp = load_jax()
    spec = jax.ShapeDtypeStruct((VECTOR_LENGTH,), jnp.float64)

    def build(steps: int) -> Any:
        # a new function object each time, so no trace cache can answer
        def fn(x: Any, a: Any, b: Any, c: Any, d: Any) -> Any:
            return program(jnp.tanh, jnp.exp, x, a, b, c, d, steps)
        return jax.make_jaxpr(fn)(spec, spec, spec, spec, spec)
    return build


SYSTEMS: list[tuple[str, Callable[[], Callable[[int], Any]], Callable[[Any], int]]] = [
    ("arignote", arignote_builder, count_nodes),
    ("arignote, trace_source=False", lambda: arignote_builder(False), count_nodes),
    ("PyTensor", pytensor_builder, count_nodes),
    ("JAX make_jaxpr (tracing)", jax_builder, lambda closed: len(closed.jaxpr.eqns)),
]


def run(quick: bool = False) -> list[Table]:
    """One table per graph size."""
    builders: dict[str, Callable[[int], Any]] = {}
    missing: dict[str, str] = {}
    for name, make, _ in SYSTEMS:
        try:
            builders[name] = make()
            builders[name](10)  # warm-up, untimed
        except Unavailable as exc:
            missing[name] = str(exc)
        except Exception as exc:
            if name.startswith("arignote"):
                raise
            builders.pop(name, None)
            missing[name] = f"failed: {type(exc).__name__}: {exc}"[:100]
    counters = {name: counter for name, _, counter in SYSTEMS}

    tables = []
    for n_ops, reps in (QUICK_SIZES if quick else SIZES).items():
        steps = n_ops // OPS_PER_STEP
        rows = {name: Row(name, missing=missing.get(name)) for name, _, _ in SYSTEMS}
        order = list(builders)
        for rep in range(reps):
            shift = rep % len(order)  # rotate who goes first: no system always gets a cold cache
            for name in order[shift:] + order[:shift]:
                elapsed, graph = time_once(lambda: builders[name](steps))
                rows[name].samples.append(elapsed / n_ops)
                if not rows[name].extra:
                    rows[name].extra = f"{counters[name](graph)} nodes"
                del graph
        tables.append(_table(n_ops, list(rows.values())))
    return tables


def _table(n_ops: int, rows: list[Row]) -> Table:
    table = Table(f"graph build: {n_ops:,} elementwise ops ({n_ops // OPS_PER_STEP} steps of "
                  f"{OPS_PER_STEP})", "µs/op", 1e6, rows, extra_header="graph size")
    ratio = table.ratio("PyTensor")
    met = None if ratio is None else ratio >= GOAL
    shown = "-" if ratio is None else f"{ratio:.2f}x"
    table.notes += [
        "µs/op = build time / program ops; 'graph size' counts each system's own nodes "
        "(JAX: jaxpr equations). JAX row = tracing, JAX's closest equivalent of building.",
        f"goal: PyTensor/arignote >= {GOAL:.0f}x per node -> {shown}: {verdict(met)}",
    ]
    if "filelock" in sys.modules:
        table.notes.append(
            "note: filelock (imported by JAX) installed a Python audit hook, which now runs on every "
            "sys._getframe call; arignote's trace_source calls it once per node, so arignote's "
            "default row is slower in this process than alone (compare `--without jax`).")
    return table


def profile_arignote(n_ops: int = 10_000, top: int = 25) -> str:
    """cProfile of one fresh arignote build of ``n_ops`` ops, sorted by own time."""
    import cProfile
    import io
    import pstats

    build = arignote_builder()
    build(10)
    profiler = cProfile.Profile()
    with quiet_gc():  # as in the timed runs: earlier graphs are not freed inside the profile
        profiler.enable()
        graph = build(n_ops // OPS_PER_STEP)
        profiler.disable()
    del graph
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return f"== cProfile: arignote build of {n_ops:,} ops (sorted by own time) ==\n" + out.getvalue()
