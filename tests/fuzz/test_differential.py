"""Differential fuzzing: random graphs, each backend against NumPy.

The default run checks 200 programs (about 800 outputs, each a graph of
several ops) on every backend: the ``py`` backend with and without rewrites,
C and JAX (skipped, with the reason, where the compiler or JAX is missing).
``make test-slow`` runs 4,000 more programs per backend.  A failure prints,
for its first mismatches, the seed, the reduced graph (``debugprint``) and a
standalone reproduction script; ``python -m tests.fuzz.run --seed N`` replays
one seed, ``--seeds A:B`` a range.

Mismatches recognised as known bugs (``known.py``, each with a strict-xfail
regression test) make the test an expected failure instead, naming them.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from tests.fuzz.compare import compare_output
from tests.fuzz.known import known_bug, known_finding
from tests.fuzz.program import ENV, Program
from tests.fuzz.run import describe, generate_many, run_programs, unavailable

BACKENDS = ("py", "py-norewrite", "c", "jax")
PER_CHUNK = 50
DEFAULT_CHUNKS = 4                      # seeds 0 .. 199
SLOW_BASE, SLOW_PER_CHUNK, SLOW_CHUNKS = 1_000_000, 100, 40
# Programs compiled together as one function (compiling dominates the time; a
# failing batch is rerun program by program).
BATCH = 16
REPORTED = 3


@functools.lru_cache(maxsize=8)
def programs_for(start: int, stop: int) -> tuple[list[Program], list]:
    return generate_many(range(start, stop))


def check_backend(backend: str, start: int, stop: int) -> None:
    why = unavailable(backend)
    if why is not None:
        pytest.skip(f"{backend}: {why}")
    programs, _ = programs_for(start, stop)
    found = run_programs(programs, backend, BATCH)
    new = [(p, m) for p, m in found if known_bug(p, m) is None]
    if new:
        report = "\n\n".join(describe(p, m, reduce=True) for p, m in new[:REPORTED])
        pytest.fail(f"{len(new)} mismatches between {backend} and NumPy in seeds {start}..{stop - 1}; "
                    f"the first {min(len(new), REPORTED)}:\n\n{report}", pytrace=False)
    if found:
        names = sorted({known_bug(p, m).name for p, m in found})
        pytest.xfail("known bugs: " + "; ".join(names))


@pytest.mark.parametrize("chunk", range(DEFAULT_CHUNKS))
@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_agrees_with_numpy(backend, chunk):
    check_backend(backend, chunk * PER_CHUNK, (chunk + 1) * PER_CHUNK)


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(SLOW_CHUNKS))
@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_agrees_with_numpy_long(backend, chunk):
    start = SLOW_BASE + chunk * SLOW_PER_CHUNK
    check_backend(backend, start, start + SLOW_PER_CHUNK)


@pytest.mark.parametrize("chunk", range(DEFAULT_CHUNKS))
def test_graphs_build_as_numpy_says(chunk):
    """arignote accepts every generated graph, with NumPy's dtypes and shapes."""
    _, findings = programs_for(chunk * PER_CHUNK, (chunk + 1) * PER_CHUNK)
    new = [f for f in findings if known_finding(f) is None]
    assert not new, "\n".join(f"seed {f.program.seed}: {f}" for f in new[:10])
    if findings:
        pytest.xfail("known bugs: " + "; ".join(sorted({known_finding(f) for f in findings})))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_reproduction_script_runs():
    """The script printed for a failure rebuilds the same graph and runs as it says."""
    programs, _ = programs_for(0, PER_CHUNK)
    program = max(programs[:10], key=lambda p: len(p.steps))
    values = program.replay()
    source = program.source(program.outputs, '"PY"', values)
    namespace: dict = {}
    exec(compile(source.replace("print(", "(lambda *a, **k: None)("), "<repro>", "exec"),
         dict(ENV), namespace)
    assert len(namespace["got"]) == len(program.outputs)
    for o, got in zip(program.outputs, namespace["got"]):
        assert compare_output(values[o], got) is None
        np.testing.assert_array_equal(namespace["expected"][program.outputs.index(o)], values[o].ref)
