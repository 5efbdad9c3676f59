"""Mismatches the fuzzer has found whose fix is pending.

Each entry recognises one arignote bug in a mismatch and names the focused
regression test (``test_regressions.py``, a strict xfail) that reproduces it.
The fuzz tests report a recognised mismatch as an expected failure instead
of a failure, so a known bug does not hide new ones.  When a bug is fixed its
regression test starts passing, fails as XPASS(strict), and whoever fixed it
removes the xfail there and the entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.fuzz.compare import Mismatch
from tests.fuzz.program import Program


@dataclass(frozen=True)
class KnownBug:
    name: str
    regression: str                                 # test in tests/fuzz/test_regressions.py
    matches: Callable[[Program, Mismatch], bool]


def _op_steps(program: Program, mismatch: Mismatch) -> list[int]:
    """The op steps the mismatching output depends on (all outputs' for a whole-function failure)."""
    targets = program.outputs if mismatch.output is None else [mismatch.output]
    return [i for i in sorted(program.ancestors(targets)) if not program.steps[i].is_leaf]


def _binary_steps(program: Program, mismatch: Mismatch, fns: tuple[str, ...]):
    steps = [i for i in _op_steps(program, mismatch)
             if program.steps[i].op.name == "binary" and program.steps[i].params["fn"] in fns]
    if not steps:
        return []
    values = program.replay(symbolic=False, keep=steps)
    return [(program.steps[i], program.steps[i].op.operands([values[a] for a in program.steps[i].args],
                                                            program.steps[i].params)[0]) for i in steps]


KNOWN: list[KnownBug] = []  # every bug found so far is fixed; see test_regressions.py


def known_bug(program: Program, mismatch: Mismatch) -> KnownBug | None:
    for bug in KNOWN:
        if bug.matches(program, mismatch):
            return bug
    return None


#: build-time findings (arignote refusing a graph NumPy computes), by a text in their source and detail
KNOWN_BUILD: list[tuple[str, str, Callable]] = []


def known_finding(finding) -> str | None:
    for name, _, matches in KNOWN_BUILD:
        if matches(finding):
            return name
    return None
