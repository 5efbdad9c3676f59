"""The whole-function cache: a structurally identical graph skips rewriting and linking.

Each test uses its own cache folder.  The suite turns the cache off
(tests/conftest.py); these tests turn it on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.backend.c import availability
from arignote.compile import program_cache
from arignote.loop import scan

ROOT = Path(__file__).resolve().parents[2]
HAVE_C = availability() is None
LINKERS = ["py", pytest.param("c", marks=pytest.mark.skipif(not HAVE_C, reason="no C compiler"))]


@pytest.fixture
def cache_on(tmp_path):
    with arignote.config.change_flags(program_cache=True, c_cache_dir=str(tmp_path)):
        yield tmp_path


def _programs(folder: Path) -> list[Path]:
    return sorted((folder / "c").glob("*/*.prog"))


def _model(x, w, b, scale=2.0):
    """A small model: affine map, nonlinearity, a reduction and a gradient."""
    h = at.tanh(at.dot(x, w) + b) * scale
    loss = (h ** 2).sum() + at.log1p(at.exp(-h)).mean()
    return [loss, *arignote.grad(loss, [w, b])]


def _inputs(names=("x", "w", "b")):
    return at.dmatrix(names[0]), at.dmatrix(names[1]), at.dvector(names[2])


def _values(rng):
    return rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)


@pytest.mark.parametrize("linker", LINKERS)
def test_the_same_structure_is_found_whatever_the_names(cache_on, rng, linker):
    mode = arignote.Mode(linker=linker)
    x, w, b = _inputs()
    first = arignote.function([x, w, b], _model(x, w, b), mode=mode)
    assert not first.from_cache and len(_programs(cache_on)) == 1
    x2, w2, b2 = _inputs(("data", "weights", "bias"))
    second = arignote.function([x2, w2, b2], _model(x2, w2, b2), mode=mode)
    assert second.from_cache and len(_programs(cache_on)) == 1
    values = _values(rng)
    reference = arignote.function([x, w, b], _model(x, w, b), mode=arignote.Mode(linker="py", optimizer=None))
    for got, expected in zip(second(*values), reference(*values)):
        # the same rewritten program as `first`; against the unrewritten graph, a few ulps
        # per operation of a 3-term dot and 4-term sums
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    for got, expected in zip(second(*values), first(*values)):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("change", ["constant", "dtype", "wiring", "mode", "flag", "outputs", "shape"])
def test_a_different_graph_or_setting_is_a_miss(cache_on, change):
    x, w, b = _inputs()
    arignote.function([x, w, b], _model(x, w, b), mode=arignote.Mode(linker="py"))
    mode = arignote.Mode(linker="py")
    x, w, b = _inputs()
    outputs = _model(x, w, b)
    if change == "constant":
        outputs = _model(x, w, b, scale=3.0)
    elif change == "dtype":
        b = at.fvector("b")
        outputs = _model(x, w, b)
    elif change == "wiring":
        outputs = _model(x, w, b)
        outputs = [outputs[0] + 0 * outputs[0], *outputs[1:]]
    elif change == "mode":
        mode = arignote.Mode(linker="py", optimizer="fast_compile")
    elif change == "outputs":
        outputs = outputs[:2]
    elif change == "shape":
        x = at.tensor(name="x", dtype="float64", shape=(5, None))
        outputs = _model(x, w, b)
    with arignote.config.change_flags(max_folded_constant_size=10) if change == "flag" else _nothing():
        f = arignote.function([x, w, b], outputs, mode=mode)
    assert not f.from_cache
    assert len(_programs(cache_on)) == 2


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_switched_off_nothing_is_stored_or_read(cache_on):
    x, w, b = _inputs()
    with arignote.config.change_flags(program_cache=False):
        f = arignote.function([x, w, b], _model(x, w, b), mode=arignote.Mode(linker="py"))
    assert not f.from_cache and _programs(cache_on) == []


def test_a_traced_compilation_rewrites(cache_on):
    x, w, b = _inputs()
    arignote.function([x, w, b], _model(x, w, b), mode=arignote.Mode(linker="py"))
    traced = arignote.function([x, w, b], _model(x, w, b), mode=arignote.Mode(linker="py"), trace=True)
    assert not traced.from_cache and len(traced.rewrite_trace) > 0


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_a_damaged_entry_is_a_miss(cache_on, rng, damage):
    x, w, b = _inputs()
    f = arignote.function([x, w, b], _model(x, w, b), mode=arignote.Mode(linker="py"))
    (entry,) = _programs(cache_on)
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"\x80\x05garbage" + data[10:])
    program_cache.get_cache()._found.clear()  # as a new process would find it
    again = arignote.function([x, w, b], _model(x, w, b), mode=arignote.Mode(linker="py"))
    assert not again.from_cache
    values = _values(rng)
    for got, expected in zip(again(*values), f(*values)):
        np.testing.assert_array_equal(got, expected)


def test_an_entry_that_cannot_be_loaded_is_a_miss(cache_on, monkeypatch):
    x, w, b = _inputs()
    arignote.function([x, w, b], _model(x, w, b), mode=arignote.Mode(linker="py"))

    def broken(*args, **kwargs):
        raise RuntimeError("cannot link")
    monkeypatch.setattr(arignote.compile.pipeline, "relink", broken)
    again = arignote.function([x, w, b], _model(x, w, b), mode=arignote.Mode(linker="py"))
    assert not again.from_cache


@pytest.mark.parametrize("linker", LINKERS)
def test_loops_updates_and_shared_variables(cache_on, rng, linker):
    mode = arignote.Mode(linker=linker)

    def build():
        x = at.dvector("x")
        state = arignote.shared(np.zeros(3), name="state")
        ys, _ = scan(lambda v, acc: acc * 0.5 + at.sin(v), sequences=[x], outputs_info=[at.constant(0.0)])
        out = ys.sum() + state.sum()
        return x, state, out, {state: state + ys[-1]}

    x, state, out, updates = build()
    f = arignote.function([x], out, updates=updates, mode=mode)
    x2, state2, out2, updates2 = build()
    g = arignote.function([x2], out2, updates=updates2, mode=mode)
    assert g.from_cache and not f.from_cache
    value = rng.normal(size=6)
    for _ in range(3):
        np.testing.assert_allclose(g(value), f(value), rtol=1e-14)
    np.testing.assert_allclose(state2.get_value(), state.get_value(), rtol=1e-14)


def _add_here(a, b):
    return a + b


def _add_there(a, b):
    return a + b


def test_source_lines_are_those_of_the_graph_given(cache_on):
    """The same structure built at another line: the loaded graph names the new line."""
    for add in (_add_here, _add_there):
        x, y = at.dvector("x"), at.dvector("y")
        f = arignote.function([x, y], add(at.exp(x), y), mode=arignote.Mode(linker="py"))
    assert f.from_cache
    with pytest.raises(ValueError) as raised:
        f(np.ones(3), np.ones(4))
    line = _add_there.__code__.co_firstlineno + 1
    assert f"test_program_cache.py:{line}" in str(raised.value)


def test_threads_compiling_the_same_graph(cache_on, rng):
    results, errors = [], []

    def compile_and_run():
        try:
            x, w, b = _inputs()
            f = arignote.function([x, w, b], _model(x, w, b), mode=arignote.Mode(linker="py"))
            results.append(f(*_values(np.random.default_rng(3)))[0])
        except Exception as exc:  # reported below
            errors.append(exc)
    threads = [threading.Thread(target=compile_and_run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(map(float, results))) == 1


PROGRAM = textwrap.dedent("""
    import sys, numpy as np, arignote, arignote.tensor as at
    x, w = at.dmatrix("x"), at.dmatrix("w")
    loss = (at.tanh(at.dot(x, w)) ** 2).sum()
    f = arignote.function([x, w], [loss, arignote.grad(loss, w)])
    rng = np.random.default_rng(0)
    out = f(rng.normal(size=(4, 3)), rng.normal(size=(3, 2)))
    print(f.from_cache, repr(float(out[0])), repr(float(out[1].sum())))
""")


def _run(cache_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, ARIGNOTE_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT))
    env.pop("ARIGNOTE_FLAGS", None)
    return subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True,
                          timeout=300)


def test_a_new_process_finds_the_program(tmp_path):
    first = _run(tmp_path)
    assert first.returncode == 0, first.stderr
    second = _run(tmp_path)
    assert second.returncode == 0, second.stderr
    was_cached, *numbers = second.stdout.split()
    assert first.stdout.split()[0] == "False" and was_cached == "True"
    assert numbers == first.stdout.split()[1:]


def test_concurrent_processes(tmp_path):
    runs = [subprocess.Popen([sys.executable, "-c", PROGRAM], env=dict(
        os.environ, ARIGNOTE_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err for _, err in outputs]
    assert len({tuple(out.split()[1:]) for out, _ in outputs}) == 1
    assert len(_programs(tmp_path)) == 1


def test_a_read_only_folder_is_still_read(cache_on, monkeypatch):
    from arignote.backend.c import cache as cache_module

    x, w, b = _inputs()
    arignote.function([x, w, b], _model(x, w, b), mode=arignote.Mode(linker="py"))
    stored = _programs(cache_on)

    def refuse(shard):
        raise PermissionError(13, "Permission denied (read-only for this test)")
    monkeypatch.setattr(cache_module, "_probe_writable", refuse)
    program_cache.get_cache()._found.clear()
    again = arignote.function([x, w, b], _model(x, w, b), mode=arignote.Mode(linker="py"))
    assert again.from_cache
    with pytest.warns(cache_module.CacheWarning, match="cannot be written"):
        other = arignote.function([x, w, b], _model(x, w, b, scale=5.0), mode=arignote.Mode(linker="py"))
    assert not other.from_cache and _programs(cache_on) == stored
    third = arignote.function([x, w, b], _model(x, w, b, scale=5.0), mode=arignote.Mode(linker="py"))
    assert third.from_cache  # from the temporary folder the cache switched to


def test_ops_from_code_without_a_file_are_not_cached(cache_on):
    namespace: dict = {}
    exec(textwrap.dedent("""
        import numpy as np
        from arignote.graph.basic import Apply
        from arignote.graph.op import Op

        class Twice(Op):
            def make_node(self, x):
                return Apply.build(self, [x], [x.type])

            def perform(self, x):
                return np.asarray(x * 2)

            def __eq__(self, other):
                return type(other) is type(self)

            def __hash__(self):
                return hash(type(self))
    """), namespace)
    x = at.dvector("x")
    f = arignote.function([x], namespace["Twice"]()(x) + 1, mode=arignote.Mode(linker="py"))
    np.testing.assert_array_equal(f(np.ones(2)), [3.0, 3.0])
    assert _programs(cache_on) == []


KEYS = textwrap.dedent("""
    import numpy as np, arignote, arignote.tensor as at
    from arignote.compile import program_cache
    from arignote.loop import scan
    x, w, i = at.dmatrix("x"), at.dmatrix("w"), at.lvector("i")
    h = at.special.softmax(at.dot(x, w), axis=1)
    graphs = {
        "mlp": [(h * at.log(h)).sum(axis=(0, 1)), arignote.grad(h.sum(), w)],
        "indexing": [x[1:, ::2].max(axis=0), at.concatenate([x, w], axis=0)[i], at.argsort(x[0])],
        "loop": [scan(lambda v, acc: acc * 0.5 + at.sin(v), sequences=[x[0]],
                      outputs_info=[at.constant(0.0)])[0]],
        "constants": [x * np.arange(3.0) + at.clip(w, -1, 1).T.sum() * 2.5],
    }
    for name, outputs in graphs.items():
        found = program_cache.program_key([x, w, i], outputs, arignote.compile.get_mode("FAST_RUN"), 3)
        print(name, found[0])
""")


def test_keys_are_the_same_in_every_process():
    """Keys must not depend on string hashing (a cached hash pickled, a set's order)."""
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED=seed)
        env.pop("ARIGNOTE_FLAGS", None)
        done = subprocess.run([sys.executable, "-c", KEYS], env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and len(outputs[0].split()) == 8


@pytest.mark.parametrize("linker", LINKERS)
def test_random_programs_run_the_same_from_the_cache(cache_on, linker):
    """The fuzzer's random programs (all op families, dtypes, broadcasting), compiled, then
    built again from fresh variables: found in the cache, and computing the same bits."""
    import warnings

    from tests.fuzz.run import generate_many

    programs, _ = generate_many(range(24))
    mode = arignote.Mode(linker=linker)
    for start in range(0, len(programs), 6):
        batch = programs[start:start + 6]
        functions, args = [], []
        for replayed in (False, True):
            inputs, outputs, args = [], [], []
            for program in batch:
                values = program.replay() if replayed else program.values
                outs = list(program.outputs)
                ins = program.input_indices(outs)
                inputs += [values[i].var for i in ins]
                args += program.call_args(ins)
                outputs += [values[o].var for o in outs]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                functions.append(arignote.function(inputs, outputs, mode=mode, on_unused_input="ignore"))
        assert [f.from_cache for f in functions] == [False, True]
        with np.errstate(all="ignore"):
            first, second = (f(*[a.copy() for a in args]) for f in functions)
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a, b)
            assert np.asarray(a).dtype == np.asarray(b).dtype


STDIN_OP = textwrap.dedent("""
    import numpy as np
    import arignote, arignote.tensor as at
    from arignote.graph.basic import Apply
    from arignote.graph.op import Op

    class Triple(Op):
        __props__ = ()
        def make_node(self, x):
            x = at.as_tensor_variable(x)
            return Apply(self, [x], [x.type()])
        def perform(self, node, inputs, output_storage):
            output_storage[0][0] = 3 * inputs[0]

    x = at.dvector("x")
    print(arignote.function([x], Triple()(x) + 1.0)(np.array([1.0, 2.0])))
""")


def test_an_op_defined_in_a_program_read_from_stdin_compiles(tmp_path):
    # its module's __file__ is "<stdin>", no file: the program is not cached (nothing to key
    # its class on), and compiles all the same
    env = dict(os.environ, ARIGNOTE_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    env.pop("ARIGNOTE_FLAGS", None)
    done = subprocess.run([sys.executable, "-"], input=STDIN_OP, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[4.", "7.]"]
