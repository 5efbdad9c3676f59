"""Gradients of random smooth graphs against central finite differences (``gradcheck``).

Smooth programs: float64 inputs; elementwise functions, products, reductions
(max/min away from ties), indexing and set/inc_subtensor, joins, shape ops,
cumulative ops and sort, all kept away from kinks, poles and domain edges.
The default run checks 40 programs on py and C and 16 on JAX (an XLA compile
of a gradient graph is the costly part); ``make test-slow`` 1,000 more per
backend.
"""

from __future__ import annotations

import functools

import pytest

from tests.fuzz.gradcheck import check_gradients
from tests.fuzz.known import known_bug, known_finding
from tests.fuzz.run import describe, generate_many, unavailable

SEED_BASE = 500_000
SLOW_BASE = 2_000_000
DEFAULT = {"py": 40, "c": 40, "jax": 16}
PER_CHUNK = 20
SLOW_PER_CHUNK, SLOW_CHUNKS = 100, 10


@functools.lru_cache(maxsize=8)
def smooth_programs(start: int, stop: int):
    programs, findings = generate_many(range(start, stop), smooth=True)
    return programs, findings


def check(backend: str, start: int, stop: int) -> None:
    why = unavailable(backend)
    if why is not None:
        pytest.skip(f"{backend}: {why}")
    programs, findings = smooth_programs(start, stop)
    findings = [f for f in findings if known_finding(f) is None]
    assert not findings, "\n".join(f"seed {f.program.seed}: {f}" for f in findings[:10])
    found = [(p, m) for p in programs for m in check_gradients(p, backend)]
    new = [(p, m) for p, m in found if known_bug(p, m) is None]
    if new:
        report = "\n\n".join(describe(p, m) for p, m in new[:3])
        pytest.fail(f"{len(new)} gradients disagree with finite differences on {backend}; "
                    f"the first:\n\n{report}", pytrace=False)
    if found:
        pytest.xfail("known bugs: " + "; ".join(sorted({known_bug(p, m).name for p, m in found})))


CASES = [(b, start) for b, n in DEFAULT.items() for start in range(0, n, PER_CHUNK)]


@pytest.mark.parametrize(("backend", "offset"), CASES)
def test_gradient_matches_finite_differences(backend, offset):
    start = SEED_BASE + offset
    check(backend, start, start + min(PER_CHUNK, DEFAULT[backend] - offset))


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(SLOW_CHUNKS))
@pytest.mark.parametrize("backend", ("py", "c", "jax"))
def test_gradient_matches_finite_differences_long(backend, chunk):
    start = SLOW_BASE + chunk * SLOW_PER_CHUNK
    check(backend, start, start + SLOW_PER_CHUNK)
