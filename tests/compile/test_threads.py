"""Compiling and calling from several threads: updates are atomic, compiled functions correct."""

import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.loop import scan
from tests.threads import THREADS, frequent_switches, run_together  # noqa: F401

MODES = [None, "PY"]  # None: the default mode (the C backend where a compiler works)


pytestmark = pytest.mark.usefixtures("frequent_switches")


@pytest.mark.parametrize("mode", MODES)
def test_concurrent_updates_are_not_lost(mode):
    counter = arignote.shared(np.int64(0), name="counter")
    increment = arignote.function([], counter, updates={counter: counter + 1}, mode=mode)

    def work(_):
        return [int(increment()) for _ in range(400)]

    seen = run_together(work)
    assert int(counter.get_value()) == THREADS * 400
    # each call saw the value before its own increment: every value exactly once
    assert sorted(v for values in seen for v in values) == list(range(THREADS * 400))


@pytest.mark.parametrize("mode", MODES)
def test_updates_of_several_variables_stay_consistent(mode):
    a = arignote.shared(np.zeros(3), name="a")
    b = arignote.shared(np.zeros(3), name="b")
    x = at.vector("x")
    step = arignote.function([x], a - b, updates={a: a + x, b: b + x}, mode=mode)

    def work(_):
        return [step(np.ones(3)) for _ in range(200)]

    for values in run_together(work):
        assert all(np.array_equal(v, np.zeros(3)) for v in values)  # a == b in every call
    np.testing.assert_array_equal(a.get_value(), np.full(3, THREADS * 200.0))


@pytest.mark.parametrize("mode", MODES)
def test_compiling_identical_and_different_functions_at_once(mode):
    x = at.vector("x")
    s = at.scalar("s")
    value = np.linspace(-1.0, 1.0, 7)

    def work(k):
        same = arignote.function([x], at.exp(x) * 2.0 + at.tanh(x).sum(), mode=mode)
        own = arignote.function([x], (x * float(k) + float(k * k)).cumsum(), mode=mode)
        ys, _ = scan(lambda acc, c: acc * 0.5 + c, outputs_info=[s], non_sequences=[float(k)],
                     n_steps=20)
        loop = arignote.function([s], ys[-1], mode=mode)
        results = []
        for _ in range(20):
            results.append((same(value), own(value), loop(np.float64(k))))
        return results

    expected_same = np.exp(value) * 2.0 + np.tanh(value).sum()
    for k, results in enumerate(run_together(work)):
        acc = float(k)
        for _ in range(20):
            acc = acc * 0.5 + k
        for same, own, last in results:
            np.testing.assert_allclose(same, expected_same, rtol=1e-15)
            np.testing.assert_allclose(own, np.cumsum(value * k + k * k), rtol=1e-15, atol=1e-15)
            np.testing.assert_allclose(last, acc, rtol=1e-15)


def test_threads_compiling_in_different_modes_at_once():
    x = at.vector("x")
    value = np.arange(5.0)

    def work(k):
        mode = MODES[k % 2]
        ys, _ = scan(lambda v, acc: acc + v * v, sequences=[x], outputs_info=[at.constant(0.0)])
        f = arignote.function([x], [ys[-1], at.sqrt(x + 1.0)], mode=mode)
        return [f(value) for _ in range(10)]

    for results in run_together(work):
        for total, roots in results:
            assert total == 30.0
            np.testing.assert_allclose(roots, np.sqrt(value + 1.0), rtol=1e-15)


def test_first_compilations_in_a_fresh_process_load_the_runtime_once():
    # The runtime module is in the disk cache (this process built or found it) but not loaded in
    # the new process: eight threads compiling their first functions at once import it once.
    from arignote.backend.c import availability

    if availability() is not None:
        pytest.skip(f"no working C compiler: {availability()}")
    code = textwrap.dedent("""
        import sys, threading
        import numpy as np
        import arignote, arignote.tensor as at
        from arignote.backend.c import runtime
        sys.setswitchinterval(1e-6)
        barrier = threading.Barrier(8)
        out = [None] * 8
        def work(k):
            x = at.vector("x")
            barrier.wait()
            f = arignote.function([x], x * float(k) + 1.0, mode=arignote.Mode(linker="c"))
            out[k] = (f(np.ones(2)).tolist(), type(f.program.program))
        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        assert [o[0] for o in out] == [[k + 1.0] * 2 for k in range(8)], out
        assert len(runtime._loaded) == 1 and len({o[1] for o in out}) == 1
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_each_thread_sees_its_own_linking_mode():
    # An op's implementation asks, while it is linked, which mode links it (a loop links its
    # body with it): with two threads linking at once, each must see its own mode.
    from arignote.compile.pipeline import link, linking_mode
    from arignote.graph.basic import Apply
    from arignote.graph.op import Op

    barrier = threading.Barrier(2)
    seen = [None, None]
    local = threading.local()

    class Probe(Op):
        def make_node(self, x):
            return Apply.build(self, [x], [x.type])

        def py_impl(self, node):
            barrier.wait(timeout=10)  # both threads are inside link now
            seen[local.k] = linking_mode()
            barrier.wait(timeout=10)
            return lambda v: v

    x = at.vector("x")
    out = Probe().make_node(x).outputs[0]
    modes = [arignote.Mode(linker="py", optimizer=None), arignote.Mode(linker="py", optimizer="fast_compile")]

    def work(k):
        local.k = k
        return link([x], [out], modes[k])

    run_together(work, threads=2)
    assert seen[0] is modes[0] and seen[1] is modes[1]


def test_each_thread_sees_its_own_optimize_settings():
    from arignote.rewrite.optimize import active_settings, optimize
    from arignote.rewrite.phases import Phase

    barrier = threading.Barrier(2)
    seen = [None, None]
    local = threading.local()

    def probe(outputs):
        barrier.wait(timeout=10)  # both threads are inside optimize now
        seen[local.k] = active_settings()
        barrier.wait(timeout=10)
        return list(outputs)

    phase = Phase("probe")
    phase.graph_pass("probe")(probe)
    x = at.vector("x")

    def work(k):
        local.k = k
        return optimize([x + 1.0], "fast_run", include=[f"mark{k}"], phases=[phase])

    run_together(work, threads=2)
    assert seen[0][1] == frozenset({"mark0"}) and seen[1][1] == frozenset({"mark1"})
