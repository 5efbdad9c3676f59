"""A compiled scalar loop runs as ranges of steps: Ctrl-C stops it, and the cuts change no bit."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.backend.c import loop_lowering
from arignote.config import config

C = arignote.Mode(linker="c")

INTERRUPTED = textwrap.dedent("""
    import signal, sys, time
    import numpy as np
    import arignote, arignote.tensor as at
    from arignote.config import config

    # Ctrl-C as at a terminal: a suite started as a background job of a script passes SIGINT
    # on ignored (POSIX shells do that to background jobs), and Python then keeps it ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    config.c_scalar_loops = sys.argv[1] == "scalar"
    n = at.lscalar("n")
    total = arignote.shared(np.float64(-1.0), name="total")
    ys = arignote.scan(lambda y: y * 0.999999 + 1.0, outputs_info=at.constant(0.0), n_steps=n,
                       return_updates=False)
    f = arignote.function([n], ys[-1], updates={total: ys[-1]}, mode=arignote.Mode(linker="c"))
    described = " ".join(f.program.describe())
    assert ("one compiled scalar loop" in described) == (sys.argv[1] == "scalar"), described
    expected = f(np.int64(1000)).item()
    total.set_value(np.float64(-1.0))
    print("start", flush=True)
    began = time.perf_counter()
    try:
        f(np.int64(10**10))  # minutes of work
        print("finished")
    except KeyboardInterrupt:
        print(f"interrupted {time.perf_counter() - began:.3f}")
    assert total.get_value() == -1.0, "an interrupted call stored its update"
    assert f(np.int64(1000)).item() == expected  # the function still works
    print("ok")
""")


@pytest.mark.parametrize("way", ["scalar", "driven"])
def test_ctrl_c_stops_a_long_loop(way):
    # SIGINT comes from outside, as a terminal's Ctrl-C does: a timer thread inside the process
    # could not send it while a C loop holds the GIL (the driven loop does).
    child = subprocess.Popen([sys.executable, "-c", INTERRUPTED, way], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        started = child.stdout.readline()  # the child compiled and is about to call
        assert started.strip() == "start", started + child.stderr.read()
        time.sleep(0.3)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err
    words = out.split()
    assert words[0] == "interrupted", out
    assert float(words[1]) < 2.5, f"KeyboardInterrupt came {words[1]} s after the call started"
    assert words[-1] == "ok"


@pytest.mark.parametrize("keep", [None, 3])
def test_values_do_not_depend_on_where_the_loop_is_cut(monkeypatch, keep):
    xs = at.vector("xs")
    a = at.scalar("a")
    (ys, counts), _ = arignote.scan(lambda x, y, c, a: [a * y + at.sin(x), c + 1],
                                    sequences=xs, outputs_info=[at.constant(0.5), at.constant(np.int64(0))],
                                    non_sequences=a)
    outputs = [ys, counts] if keep is None else [ys[-keep:], counts[-keep:]]
    f = arignote.function([xs, a], outputs, mode=C)
    assert any("one compiled scalar loop" in line for line in f.program.describe())
    x = np.random.default_rng(5).normal(size=60_001)[::-1]  # a negative stride too
    whole = f(x, np.float64(0.97))
    monkeypatch.setattr(loop_lowering, "FIRST_RANGE", 4096)
    monkeypatch.setattr(loop_lowering, "RANGE_SECONDS", 0.0)  # every range 4096 steps: 15 cuts
    cut = f(x, np.float64(0.97))
    with config.change_flags(c_scalar_loops=False):
        driven = arignote.function([xs, a], outputs, mode=C)(x, np.float64(0.97))
    for w, c, d in zip(whole, cut, driven):
        np.testing.assert_array_equal(w, c)
        np.testing.assert_array_equal(w, d)
    assert cut[1][-1] == len(x)


def test_an_error_in_a_later_range_is_reported(monkeypatch):
    ks = at.lvector("ks")
    ys = arignote.scan(lambda k, y: y + 2 ** k, sequences=ks, outputs_info=at.constant(np.int64(0)),
                       return_updates=False)
    f = arignote.function([ks], ys, mode=C)
    monkeypatch.setattr(loop_lowering, "FIRST_RANGE", 4096)
    k = np.ones(20_000, dtype=np.int64)
    k[-1] = -1
    with pytest.raises(ValueError, match="negative integer powers"):
        f(k)
