"""Compiled functions as objects: pickling, copy(), copy.deepcopy (arignote/compile/
function_copy.py)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.compile.io import Container, In
from arignote.tensor.check_and_raise import CheckAndRaise

MODES = ["PY", "FAST_RUN"]


def _counter(mode):
    x = at.vector("x")
    w = arignote.shared(np.arange(3.0), name="w")
    f = arignote.function([x], (at.exp(x) * w).sum(), updates={w: w + 1.0}, mode=mode)
    return f, w, x


@pytest.mark.parametrize("mode", MODES)
def test_pickled_function_computes_the_same_values(mode, rng):
    f, w, _ = _counter(mode)
    value = rng.normal(size=3)
    f(value)
    g = pickle.loads(pickle.dumps(f))
    # the copy carries the shared value as it was pickled, and updates its own copy
    (g_w,) = g.shared
    np.testing.assert_array_equal(g_w.get_value(), w.get_value())
    assert g(value) == f(value)  # same graph, same state: identical arithmetic
    np.testing.assert_array_equal(g_w.get_value(), w.get_value())
    assert g_w is not w


def test_a_pickle_of_function_and_shared_keeps_them_together():
    f, w, _ = _counter("PY")
    g, g_w = pickle.loads(pickle.dumps((f, w)))
    g(np.zeros(3))
    np.testing.assert_array_equal(g_w.get_value(), np.arange(3.0) + 1)
    np.testing.assert_array_equal(w.get_value(), np.arange(3.0))


def test_pickled_function_keeps_names_defaults_and_state():
    x, s = at.dscalar("x"), at.dscalar("s")
    f = arignote.function([x, In(s, value=1.0, update=s + x, name="s")], s * 2, name="acc")
    f(3.0)  # state s: 1 -> 4
    g = pickle.loads(pickle.dumps(f))
    assert g.name == "acc"
    assert g(1.0) == 8.0 and g(x=1.0) == 10.0
    assert f(1.0) == 8.0  # the original's state is its own


@pytest.mark.parametrize("mode", MODES)
def test_copy_updates_the_same_shared_variables(mode):
    # PyTensor's copy: the same shared variables (swap gives others), its own inputs' state
    f, w, _ = _counter(mode)
    for g in (f.copy(), copy.copy(f), f.copy(share_memory=True)):
        assert g.shared == f.shared
        g(np.zeros(3))
    np.testing.assert_array_equal(w.get_value(), np.arange(3.0) + 3)
    f.name = "counter"
    assert f.copy().name == "counter copy" and f.copy(name="other").name == "other"


def test_copy_sharing_memory_swapping_and_deleting_updates():
    f, w, _ = _counter("PY")
    shared_copy = f.copy(share_memory=True)
    shared_copy(np.zeros(3))
    np.testing.assert_array_equal(w.get_value(), np.arange(3.0) + 1)

    other = arignote.shared(np.full(3, 10.0), name="other")
    swapped = f.copy(swap={w: other})
    assert swapped(np.zeros(3)) == 30.0
    np.testing.assert_array_equal(other.get_value(), np.full(3, 11.0))

    frozen = f.copy(delete_updates=True, name="frozen")
    before = w.get_value()
    frozen(np.zeros(3))
    np.testing.assert_array_equal(w.get_value(), before)
    assert frozen.name == "frozen"


def test_copy_without_updates_keeps_an_input_only_the_updates_read():
    # PyTensor's tutorial accumulator: `inc` feeds only the update
    state = arignote.shared(np.int64(0), name="state")
    inc = at.lscalar("inc")
    accumulator = arignote.function([inc], state, updates=[(state, state + inc)], mode="PY")
    accumulator(10)
    null_accumulator = accumulator.copy(delete_updates=True)
    assert null_accumulator(9000) == 10
    assert state.get_value() == 10


def test_copy_swap_refuses_a_different_type():
    f, w, _ = _counter("PY")
    with pytest.raises(TypeError, match="does not match"):
        f.copy(swap={w: arignote.shared(np.zeros((2, 2)))})
    with pytest.raises(TypeError, match="shared variables"):
        f.copy(swap={w: at.vector("v")})


def test_deepcopy_is_an_independent_function():
    f, w, _ = _counter("PY")
    g = copy.deepcopy(f)
    g(np.zeros(3))
    np.testing.assert_array_equal(w.get_value(), np.arange(3.0))
    np.testing.assert_array_equal(g.shared[0].get_value(), np.arange(3.0) + 1)


def test_pickled_function_with_random_draws_continues_the_stream():
    rng_var = arignote.shared(np.random.default_rng(5))
    draw = at.random.normal(0, 1, size=4, rng=rng_var)
    f = arignote.function([], draw)
    g = pickle.loads(pickle.dumps(f))
    np.testing.assert_array_equal(f(), g())  # same generator state: same numbers


# --- In(value=Container): a state cell shared between functions ------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_functions_given_one_cell_share_its_state(mode):
    a, x, s = at.dscalar("a"), at.dscalar("x"), at.dscalar("s")
    f = arignote.function([x, In(a, name="a"), In(s, value=Container(s, storage=[np.array(0.0)]),
                                                  update=s + a * x)], s + a * x, mode=mode)
    g = arignote.function([x, In(a, name="a"), In(s, value=f._finder[s], update=s - a * x)],
                          s + a * x, mode=mode)
    reader = arignote.function([In(s, value=f._finder["s"])], s * 10.0, mode=mode)
    assert f(1.0, 2.0) == 2.0 and g._finder[s].value == 2.0 and reader() == 20.0
    assert g(3.0, 1.0) == 5.0 and f._finder[s].value == -1.0 and reader() == -10.0
    # the cell takes a value set from outside (checked against the input's type)
    g._finder[s].value = 4
    assert f._finder[2].value == 4.0 and f._finder[s].value.dtype == np.float64
    with pytest.raises(TypeError):
        g._finder[s].value = np.zeros(3)


def test_an_explicit_input_with_a_shared_cell_updates_it_when_given():
    x, s = at.dscalar("x"), at.dscalar("s")
    inc = arignote.function([x, In(s, update=s + x, value=Container(s, storage=[np.array(10.0)]))], [])
    dec = arignote.function([x, In(s, update=s - x, value=inc._finder[s], implicit=False)], [])
    assert dec._finder[s].value is inc._finder[s].value
    dec(1.0)
    assert inc._finder[s].value == 9.0
    dec(1.0, 0.0)  # s given: the update of the given value goes to the shared cell
    assert inc._finder[s].value == -1.0
    inc(4.0)
    assert dec._finder[s].value == 3.0


def test_shared_cells_stay_shared_through_pickle_and_deepcopy_not_copy():
    x, s = at.dscalar("x"), at.dscalar("s")
    inc = arignote.function([x, In(s, update=s + x, value=Container(s, storage=[np.array(1.0)]))], [])
    peek = arignote.function([In(s, value=inc._finder[s])], s + 0.0)
    inc2, peek2 = pickle.loads(pickle.dumps([inc, peek]))
    inc2(2.0)
    assert peek2() == 3.0 and peek() == 1.0  # one cell between the unpickled pair, not with the originals
    memo: dict = {}
    inc3, peek3 = copy.deepcopy(inc, memo), copy.deepcopy(peek, memo)
    inc3(5.0)
    assert peek3() == 6.0 and peek() == 1.0
    for twin in (copy.copy(inc), inc.copy()):  # a copy keeps the cell given as a Container
        twin(7.0)
        assert peek() == 8.0
        inc(-7.0)
    counter = arignote.function([x, In(s, update=s + x, value=1.0)], s + 0.0)
    alone = counter.copy()  # a state given as a plain value is the copy's own
    alone(5.0)
    assert counter(0.0) == 1.0 and alone(0.0) == 6.0


@pytest.mark.parametrize("mode", MODES)
def test_direct_runner_returns_every_output_and_explains_failures(mode, rng):
    x = at.vector("x")
    plain = arignote.function([x], [at.exp(x).sum(), x * 2], mode=mode)
    value = rng.normal(size=4)
    got = plain.direct_runner()(value)
    np.testing.assert_allclose(got[0], np.exp(value).sum(), rtol=1e-15 * 4)
    np.testing.assert_array_equal(got[1], value * 2)
    checked = arignote.function([x], CheckAndRaise(ValueError, "x must be positive")(x, at.all(x > 0)),
                                mode=mode)
    with pytest.raises(ValueError, match="x must be positive"):
        checked.direct_runner()(-np.ones(2))
    # with updates, the runner is the function's own call (the update runs), as a list
    f, w, _ = _counter(mode)
    (total,) = f.direct_runner()(value[:3])
    np.testing.assert_allclose(total, (np.exp(value[:3]) * np.arange(3.0)).sum(), rtol=1e-15 * 3)
    np.testing.assert_array_equal(w.get_value(), np.arange(3.0) + 1)
