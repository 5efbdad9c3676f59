"""Shared pieces of the benchmarks: summary statistics, result rows, table printing.

Every benchmark measures each system several times, interleaving the systems
within each repetition so that a noisy neighbour on a shared machine slows
them all alike, and reports the median with its interquartile range.
"""

from __future__ import annotations

import contextlib
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

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


def one_blas_thread() -> Any:
    """A context holding NumPy's and SciPy's BLAS to one thread (as compile children are), or a
    no-op without threadpoolctl: on a small shared machine spinning BLAS threads make times
    erratic (a 200x200 Cholesky went from 1 ms to 400 ms under load)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def interleaved_calls(rows: dict[Any, Row], calls: dict[Any, Callable[[], Any]], reps: int,
                      batch_seconds: float) -> None:
    """Seconds per call of each system into ``rows[system].samples``: ``reps`` samples, each a
    batch of calls lasting about ``batch_seconds`` for the slowest system (each system's
    fastest of three calls sets it: one slow call on a busy machine must not), the systems
    taking turns in a rotating order, BLAS on one thread."""
    if not calls:
        return
    with one_blas_thread():
        slowest = 0.0
        for call in calls.values():
            fastest = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                call()
                fastest = min(fastest, time.perf_counter() - start)
            slowest = max(slowest, fastest)
        batch = max(1, int(batch_seconds / max(slowest, 1e-7)))
        order = list(calls)
        for rep in range(reps):
            shift = rep % len(order)
            for system in order[shift:] + order[:shift]:
                call = calls[system]
                with quiet_gc():
                    start = time.perf_counter()
                    for _ in range(batch):
                        call()
                    rows[system].samples.append((time.perf_counter() - start) / batch)
    for system in calls:
        rows[system].extra = f"{batch} calls/sample"


def run_child(script: str, args: list[str], env: dict[str, str], timeout: float) -> Any:
    """Run ``script --child *args`` in a fresh Python process with ``env``; its last line of
    output, as JSON.  RuntimeError with the child's last error line when it fails."""
    try:
        done = subprocess.run([sys.executable, script, "--child", *args], env=env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"took over {timeout} s") from None
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"exit status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def note_user_warnings(caught: list[Any], label: str, notes: list[str]) -> None:
    """Add to ``notes``, once each, the first line of every UserWarning in ``caught`` (warnings
    recorded while a system compiled: PyTensor's C mode finding no BLAS to link to...)."""
    for warning in caught:
        if issubclass(warning.category, UserWarning):
            line = f"{label} warned: {str(warning.message).strip().splitlines()[0]}"
            if line not in notes:
                notes.append(line)
