"""Call overhead: ``f(x) = x + 1`` on a 0-d float64 array, arignote vs PyTensor and JAX.

The computation is trivial, so the time per call is what each system spends
around it: checking and converting the argument, running its schedule or
compiled code, and handing back the result.  Compilation happens before
timing.  Each repetition is a ``timeit`` loop of many calls; systems are
interleaved within each repetition and the median over repetitions is kept.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from typing import Any

import numpy as np

from bench_common import Row, Table, quiet_gc, verdict
from optional_systems import Unavailable, load_jax, load_pytensor

NAME = "overhead"
REPS, QUICK_REPS = 15, 3
REP_SECONDS, QUICK_REP_SECONDS = 0.2, 0.03  # how long one timeit loop should run

Case = tuple[str, dict[str, Any]]  # (statement timed, its namespace); ``v`` is the argument


def _arg() -> np.ndarray:
    return np.array(1.0)


def arignote_case(trust_input: bool = False, program_only: bool = False) -> Case:
    import arignote
    import arignote.tensor as at

    x = at.dscalar("x")
    f = arignote.function([x], x + 1, trust_input=trust_input)
    if program_only:
        return "p(v)", {"p": f.program, "v": _arg()}
    return "f(v)", {"f": f, "v": _arg()}


def pytensor_case(trust_input: bool = False, vm_only: bool = False, linker: str | None = None) -> Case:
    pytensor, pt = load_pytensor()
    x = pt.dscalar("x")
    mode = None if linker is None else pytensor.compile.mode.Mode(linker=linker, optimizer="fast_run")
    try:
        f = pytensor.function([x], x + 1, mode=mode, trust_input=trust_input)
    except TypeError:  # older PyTensor: trust_input is only an attribute
        f = pytensor.function([x], x + 1, mode=mode)
        f.trust_input = trust_input
    if vm_only:  # the function's inner loop: put the input in its storage cell, run the VM
        return "s[0] = v; vm()", {"s": f.input_storage[0].storage, "vm": f.vm, "v": _arg(),
                                  "out": f.output_storage[0].storage}
    return "f(v)", {"f": f, "v": _arg()}


def jax_case(device_input: bool = False) -> Case:
    jax, _ = load_jax()
    f = jax.jit(lambda x: x + 1)
    v = jax.device_put(_arg()) if device_input else _arg()
    return "f(v).block_until_ready()", {"f": f, "v": v}


def numpy_case() -> Case:
    return "v + 1.0", {"v": _arg()}


def pytensor_default_linker() -> str:
    try:
        pytensor, pt = load_pytensor()
        x = pt.dscalar("x")
        return type(pytensor.function([x], x + 1).maker.linker).__name__
    except Unavailable:
        return "?"


CASES: list[tuple[str, Callable[[], Case]]] = [
    ("arignote", arignote_case),
    ("arignote, trust_input=True", lambda: arignote_case(trust_input=True)),
    ("arignote, f.program only", lambda: arignote_case(program_only=True)),
    ("PyTensor", pytensor_case),
    ("PyTensor, trust_input=True", lambda: pytensor_case(trust_input=True)),
    ("PyTensor, f.vm() only", lambda: pytensor_case(vm_only=True)),
    ("PyTensor, C VM (linker='cvm')", lambda: pytensor_case(linker="cvm")),
    ("PyTensor, C VM, trust_input=True", lambda: pytensor_case(trust_input=True, linker="cvm")),
    ("JAX jit, NumPy 0-d input", jax_case),
    ("JAX jit, device array input", lambda: jax_case(device_input=True)),
    ("NumPy v + 1.0 (no framework)", numpy_case),
]


def _prepare(make: Callable[[], Case]) -> timeit.Timer:
    """The timer of one case, after checking that it computes 2.0 from 1.0 (and warming it)."""
    stmt, namespace = make()
    scratch = dict(namespace)
    for _ in range(3):
        exec(f"result = {stmt}" if ";" not in stmt else stmt, scratch)
    result = scratch.get("result")
    if "out" in namespace:  # a bare VM leaves its result in the output storage
        result = namespace["out"][0]
    if isinstance(result, list):  # programs return their list of outputs
        result = result[0]
    if float(np.asarray(result)) != 2.0:
        raise RuntimeError(f"computed {result!r}, expected 2.0")
    return timeit.Timer(stmt, globals=namespace)


def run(quick: bool = False) -> list[Table]:
    """One table: µs per call for every case."""
    reps, seconds = (QUICK_REPS, QUICK_REP_SECONDS) if quick else (REPS, REP_SECONDS)
    rows = {name: Row(name) for name, _ in CASES}
    timers: dict[str, tuple[timeit.Timer, int]] = {}
    for name, make in CASES:
        try:
            timer = _prepare(make)
        except Unavailable as exc:
            rows[name].missing = str(exc)
            continue
        except Exception as exc:
            if name.startswith("arignote"):
                raise
            rows[name].missing = f"failed: {type(exc).__name__}: {exc}"[:100]
            continue
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

    linker = pytensor_default_linker()
    table = Table("call overhead: f(x) = x + 1 on a 0-d float64 array", "µs/call", 1e6,
                  list(rows.values()), extra_header="calls/rep")
    if linker != "?":
        table.notes.append(f"PyTensor's default mode here uses {linker}; the C VM rows are its "
                           "C linker, for reference.")
    comparisons = [("goal", "default", "arignote", "PyTensor"),
                   ("goal", "trust_input=True", "arignote, trust_input=True", "PyTensor, trust_input=True"),
                   ("reference", "vs C VM", "arignote", "PyTensor, C VM (linker='cvm')"),
                   ("reference", "vs C VM, trust_input=True", "arignote, trust_input=True",
                    "PyTensor, C VM, trust_input=True")]
    for kind, label, mine, theirs in comparisons:
        ratio = table.ratio(theirs, mine)
        met = None if ratio is None else ratio >= 1.0
        shown = "-" if ratio is None else f"{ratio:.2f}x"
        table.notes.append(f"{kind} ({label}): arignote no slower than PyTensor -> PyTensor/arignote = "
                           f"{shown}: {verdict(met)}")
    return [table]
