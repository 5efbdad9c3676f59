"""Running test code in several threads at once, so that races show up."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

THREADS = 8


@pytest.fixture
def frequent_switches() -> Iterator[None]:
    """Switch threads every microsecond, so that check-then-insert races show up within a
    few hundred operations."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def run_together(work: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    """``work(k)`` in ``threads`` threads released together by a barrier; the results in
    thread order; the first exception raised in a thread is raised here."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            barrier.wait()
            results[k] = work(k)
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]
    return results
