"""Shared pieces of the benchmarks: summary statistics, result rows, table printing.

Every benchmark measures each system several times, interleaving the systems
within each repetition so that a noisy neighbour on a shared machine slows
them all alike, and reports the median with its interquartile range.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

BASELINE = "arignote"


@dataclass
class Row:
    """One system's result: seconds per unit for each repetition, or why there is none."""

    system: str
    samples: list[float] = field(default_factory=list)
    missing: str | None = None  # "not installed", "failed: ...": the row has no numbers
    extra: str = ""             # a short free-form column (graph size, variant notes)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def quartiles(self) -> tuple[float, float]:
        """First and third quartile of the samples (both the median for one sample)."""
        if len(self.samples) < 2:
            return self.median, self.median
        q = statistics.quantiles(self.samples, n=4, method="inclusive")
        return q[0], q[2]


@dataclass
class Table:
    """A benchmark's result for one setting: rows, the unit, and the goal verdict."""

    title: str
    unit: str                 # e.g. "µs/node"
    scale: float              # multiply seconds by this to get ``unit``
    rows: list[Row]
    extra_header: str = ""
    notes: list[str] = field(default_factory=list)

    def row(self, system: str) -> Row | None:
        for r in self.rows:
            if r.system == system and r.samples:
                return r
        return None

    def ratio(self, system: str, baseline: str = BASELINE) -> float | None:
        """median(system) / median(baseline), or None if either is missing."""
        a, b = self.row(system), self.row(baseline)
        if a is None or b is None:
            return None
        return a.median / b.median


def format_table(table: Table) -> str:
    """The table as aligned text."""
    base = table.row(BASELINE)
    header = ["system", f"median {table.unit}", "IQR (q1 - q3)", f"ratio to {BASELINE}", "reps"]
    if table.extra_header:
        header.append(table.extra_header)
    lines, missing = [header], []
    for r in table.rows:
        if not r.samples:
            missing.append((r.system, r.missing or "no data"))
            continue
        q1, q3 = r.quartiles()
        ratio = f"{r.median / base.median:.2f}x" if base is not None else "-"
        cells = [r.system, _num(r.median * table.scale),
                 f"{_num(q1 * table.scale)} - {_num(q3 * table.scale)}", ratio, str(len(r.samples))]
        if table.extra_header:
            cells.append(r.extra)
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    widths[0] = max([widths[0]] + [len(name) for name, _ in missing])
    out = [f"== {table.title} =="]
    for n, cells in enumerate(lines):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(cells, widths))).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    out.extend(f"{name.ljust(widths[0])}  {reason}" for name, reason in missing)
    out.extend(table.notes)
    return "\n".join(out)


def _num(x: float) -> str:
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}" if x >= 1 else f"{x:.3f}"


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Collect garbage first, then keep the collector off inside the block."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def time_once(fn: Callable[[], object]) -> tuple[float, object]:
    """Seconds one call of ``fn`` takes (garbage collected before, collector off during),
    and its result, which is released only after the clock stopped."""
    with quiet_gc():
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    return elapsed, result


def verdict(met: bool | None) -> str:
    return "n/a" if met is None else "MET" if met else "NOT MET"
