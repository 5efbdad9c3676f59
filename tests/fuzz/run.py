"""Running fuzz programs on the backends, reducing mismatches, and long runs.

Compiling costs more than running these small graphs (a cold C build ~0.1-0.5 s,
an XLA compile about as much), so several programs are compiled together as
one function with all their inputs and outputs; only when that function fails
as a whole are its programs run one by one to find the culprit.

A mismatch is reduced to a few lines by cutting the graph: each ancestor of
the failing output is replaced, nearest first, by a leaf holding its reference
value, and the cut is kept when the mismatch stays.

Long runs::

    python -m tests.fuzz.run --seeds 0:2000 --backends py,c,jax
    python -m tests.fuzz.run --seeds 0:500 --smooth        # gradients
    python -m tests.fuzz.run --seed 1234 --show            # one case, its graph and script
"""

from __future__ import annotations

import argparse
import io
import time
import warnings
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

import arignote
from tests.fuzz.compare import Mismatch, compare_output
from tests.fuzz.generate import Finding, generate
from tests.fuzz.program import Program, Value

BACKENDS = {
    "py": arignote.Mode("py", "fast_run"),
    "py-norewrite": arignote.Mode("py", None),   # the ops' own NumPy code, no rewrites: localizes a bug
    "c": arignote.Mode("c", "fast_run"),
    "jax": arignote.Mode("jax", "fast_run"),
}


MODE_SOURCE = {"py": '"PY"', "c": '"C"', "jax": '"JAX"', "py-norewrite": 'arignote.Mode("py", None)'}


def unavailable(backend: str) -> str | None:
    """Why ``backend`` cannot run here, or None."""
    if backend == "c":
        from arignote.backend.c import availability

        return availability()
    if backend == "jax":
        from arignote.backend.jax import jax_available

        return None if jax_available() else "JAX is not installed"
    return None


def _outputs_for(program: Program, backend: str, values: Sequence[Value]) -> list[int]:
    outs = list(program.outputs)
    if backend == "jax":    # shapes that depend on input values cannot be traced by JAX (by design)
        outs = [o for o in outs if not values[o].dyn]
    return outs


def _call(programs: Sequence[Program], backend: str) -> list[Mismatch] | None:
    """Compile ``programs`` as one function and compare every output.  None when the
    function failed as a whole (its programs are then run alone)."""
    inputs, outputs, args, owners, calls = [], [], [], [], []
    for p in programs:
        values = p.values if p.values is not None else p.replay()
        outs = _outputs_for(p, backend, values)
        ins = p.input_indices(outs)
        inputs += [values[i].var for i in ins]
        args += p.call_args(ins)
        calls.append((p, ins))
        outputs += [values[o] for o in outs]
        owners += [o for o in outs]
    if not outputs:
        return []
    originals = [a.copy() for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            f = arignote.function(inputs, [v.var for v in outputs], mode=BACKENDS[backend],
                                  on_unused_input="ignore")
        except Exception as exc:
            if getattr(exc, "only_static_shapes", False) is True and backend == "jax":
                return None if len(programs) > 1 else []
            if len(programs) > 1:
                return None
            return [Mismatch(backend, "compile", f"{type(exc).__name__}: {exc}")]
        try:
            with np.errstate(all="ignore"):
                got = f(*args)
        except Exception as exc:
            if len(programs) > 1:
                return None
            return [Mismatch(backend, "run", f"{type(exc).__name__}: {exc}")]
        try:     # again, on fresh copies: the same bits (no stale buffers, no state)
            with np.errstate(all="ignore"):
                again = f(*[a for p, ins in calls for a in p.call_args(ins)])
        except Exception as exc:
            again = None
            if len(programs) == 1:
                return [Mismatch(backend, "run", f"second call: {type(exc).__name__}: {exc}")]
    found = []
    for a, o in zip(args, originals):
        if not np.array_equal(a, o, equal_nan=True):
            found.append(Mismatch(backend, "input-modified", "an input array was written to"))
    for k, (_, g, owner) in enumerate(zip(outputs, got, owners)):
        if not isinstance(g, np.ndarray):
            continue
        others = list(args) + [h for h in got[k + 1:] if isinstance(h, np.ndarray)]
        if any(np.may_share_memory(g, h) and np.shares_memory(g, h) for h in others):
            found.append(Mismatch(backend, "aliasing", "an output shares memory with an input or "
                                                       "another output", owner))
        if again is not None and not (np.array_equal(g, again[k], equal_nan=True)
                                      and g.dtype == again[k].dtype):
            found.append(Mismatch(backend, "nondeterministic", "a second call on the same values "
                                                               "gave another result", owner))
    for value, g, owner in zip(outputs, got, owners):
        problem = compare_output(value, g)
        if problem is not None:
            found.append(Mismatch(backend, problem[0], problem[1], owner))
    if found and len(programs) > 1:
        return None            # attribute it to its program
    return found


def run_programs(programs: Sequence[Program], backend: str, batch: int = 4
                 ) -> list[tuple[Program, Mismatch]]:
    """Mismatches of ``programs`` on ``backend``, each with its program."""
    result = []
    for start in range(0, len(programs), batch):
        group = programs[start:start + batch]
        found = _call(group, backend) if len(group) > 1 else None
        if found is not None:
            continue
        for p in group:
            result += [(p, m) for m in (_call([p], backend) or [])]
    return result


def still_fails(program: Program, mismatch: Mismatch) -> bool:
    found = _call([program], mismatch.backend) or []
    return any(m.kind == mismatch.kind for m in found)


def reduce_case(program: Program, mismatch: Mismatch) -> Program:
    """A smaller program with the same kind of mismatch on the same backend."""
    if mismatch.output is not None:
        program = replace(program, outputs=[mismatch.output], values=None)
    else:                       # a failure of the whole function: find one output that has it
        for o in program.outputs:
            alone = replace(program, outputs=[o], values=None)
            if still_fails(alone, mismatch):
                program = alone
                break
    if not still_fails(program, mismatch):
        return program
    values = program.replay()
    queue = [a for o in program.outputs for a in program.steps[o].args]
    seen: set[int] = set()
    while queue:
        i = queue.pop(0)
        if i in seen or program.steps[i].is_leaf:
            continue
        seen.add(i)
        candidate = program.cut(i, values[i])
        if still_fails(candidate, mismatch):
            program = candidate
        else:
            queue += list(program.steps[i].args)
    for i in program.input_indices():
        if program.steps[i].params["layout"] != "C":
            steps = list(program.steps)
            steps[i] = replace(steps[i], params={**steps[i].params, "layout": "C"})
            candidate = replace(program, steps=steps, values=None)
            if still_fails(candidate, mismatch):
                program = candidate
    return program


def describe(program: Program, mismatch: Mismatch | None = None, reduce: bool = False) -> str:
    """The seed, the graph (debugprint) and a reproduction script of a failing case."""
    if reduce and mismatch is not None:
        program = reduce_case(program, mismatch)
    values = program.replay()
    outs = program.outputs if mismatch is None or mismatch.output is None else [mismatch.output]
    outs = [o for o in outs if o < len(values) and values[o] is not None]
    buf = io.StringIO()
    arignote.debugprint([values[o].var for o in outs], file=buf)
    mode = MODE_SOURCE[mismatch.backend if mismatch else "py"]
    lines = [f"seed {program.seed!r}{' (smooth)' if program.smooth else ''}",
             "" if mismatch is None else f"mismatch: {mismatch}", "graph:", buf.getvalue(),
             "reproduction:", program.source(outs, mode, values)]
    return "\n".join(lines)


def generate_many(seeds: Sequence, smooth: bool = False, n_ops: int = 8
                  ) -> tuple[list[Program], list[Finding]]:
    programs, findings = [], []
    for seed in seeds:
        p, f = generate(seed, n_ops=n_ops, smooth=smooth)
        findings += f
        if p.outputs:
            programs.append(p)
    return programs, findings


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0:100", help="a range start:stop")
    parser.add_argument("--seed", type=int, help="one seed")
    parser.add_argument("--backends", default="py,py-norewrite,c,jax")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--ops", type=int, default=8)
    parser.add_argument("--smooth", action="store_true", help="the gradient subset")
    parser.add_argument("--show", action="store_true", help="print the cases' graphs and scripts")
    parser.add_argument("--no-reduce", action="store_true")
    parser.add_argument("--max-report", type=int, default=40)
    args = parser.parse_args(argv)
    if args.seed is not None:
        seeds = [args.seed]
    else:
        start, stop = (int(x) for x in args.seeds.split(":"))
        seeds = list(range(start, stop))
    t0 = time.time()
    from tests.fuzz.known import known_bug, known_finding

    programs, findings = generate_many(seeds, args.smooth, args.ops)
    print(f"generated {len(programs)} programs, {sum(len(p.outputs) for p in programs)} outputs, "
          f"{len(findings)} build findings in {time.time() - t0:.1f}s", flush=True)
    for f in findings[: args.max_report]:
        known = known_finding(f)
        print("BUILD FINDING", f"seed {f.program.seed}", f, f"(known bug: {known})" if known else "")
    if args.show:
        for p in programs:
            print(describe(p))
    backends = [b for b in args.backends.split(",") if b]
    groups: dict[str, list] = {}
    for backend in backends:
        why = unavailable(backend)
        if why:
            print(f"{backend}: skipped ({why})")
            continue
        t1 = time.time()
        if args.smooth:
            from tests.fuzz.gradcheck import check_gradients

            found = [(p, m) for p in programs for m in check_gradients(p, backend)]
        else:
            found = run_programs(programs, backend, args.batch)
        print(f"{backend}: {len(programs)} programs, {len(found)} mismatches, {time.time() - t1:.1f}s",
              flush=True)
        for p, m in found:
            groups.setdefault(f"{backend}/{m.kind}", []).append((p, m))
    shown = 0
    for key, items in sorted(groups.items()):
        print(f"\n=== {key}: {len(items)} mismatches (seeds {sorted({p.seed for p, _ in items})[:20]})")
        for p, m in items:
            bug = known_bug(p, m)
            if bug is not None:
                print(f"seed {p.seed}: known bug: {bug.name}")
                continue
            if shown >= args.max_report:
                break
            shown += 1
            print(describe(p, m, reduce=not args.no_reduce and not args.smooth))
    print(f"total {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
