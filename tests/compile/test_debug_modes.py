"""NanGuardMode, DebugMode and function(profile=True): a call run node by node with checks
(arignote/compile/node_by_node.py, debug_modes.py, profiling.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.compile.debug_modes import (
    BadDestroyMap,
    BadOptimization,
    BadThunkOutput,
    DebugMode,
    InvalidValueError,
    NanGuardError,
    NanGuardMode,
)
from arignote.compile.profiling import ProfileStats
from arignote.graph.basic import Apply
from arignote.graph.op import Op
from arignote.rewrite.phases import OPTIONAL, specialize
from arignote.scalar.math import Exp
from arignote.tensor.type import TensorType

LINKERS = ["py", None]  # py, and the fastest (C where a compiler works)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("linker", LINKERS)
def test_nanguard_passes_clean_values_and_names_the_node(linker, rng):
    x = at.vector("x")
    f = arignote.function([x], at.log(x).sum(), mode=NanGuardMode(True, True, True, linker=linker))
    value = rng.uniform(0.5, 2.0, size=5)
    np.testing.assert_allclose(f(value), np.log(value).sum(), rtol=1e-14)
    with pytest.raises(NanGuardError, match="NaN") as info:
        f(-value)
    assert "Log" in str(info.value)
    assert isinstance(info.value, AssertionError)  # PyTensor's tests catch AssertionError


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
@pytest.mark.parametrize(("value", "flags", "problem"), [
    (0.0, (True, True, True), "infinity"),      # log(0) = -inf
    (1e30, (True, True, True), "above"),        # log(1e30)*1e9 is big
])
def test_nanguard_infinities_and_big_values(value, flags, problem):
    x = at.dscalar("x")
    f = arignote.function([x], at.log(x) * 1e9, mode=NanGuardMode(*flags, linker="py"))
    with pytest.raises(NanGuardError, match=problem):
        f(value)
    off = arignote.function([x], at.log(x) * 1e9, mode=NanGuardMode(False, False, False, linker="py"))
    assert off(value) == np.log(value) * 1e9


def test_nanguard_mode_keeps_its_flags_through_including():
    mode = NanGuardMode(nan_is_error=True, inf_is_error=False, big_is_error=False).excluding("fusion")
    assert isinstance(mode, NanGuardMode) and not mode.inf_is_error and "fusion" in mode.exclude


@pytest.mark.parametrize("linker", LINKERS)
def test_debug_mode_accepts_a_correct_graph(linker, rng):
    x, y = at.matrix("x"), at.matrix("y")
    out = at.tanh(x @ y).sum(axis=0) + at.exp(x).mean()
    f = arignote.function([x, y], out, mode=DebugMode(linker=linker))
    a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    want = np.tanh(a @ b).sum(axis=0) + np.exp(a).mean()
    # a handful of float64 operations per element: a few ulps of the result's magnitude
    np.testing.assert_allclose(f(a, b), want, rtol=1e-13)


class _SameTypeOp(Op):
    """A test op whose output has its input's type."""

    def make_node(self, x):
        x = at.as_tensor_variable(x)
        return Apply.build(self, [x], [TensorType(x.dtype, x.type.shape)])


@dataclass(frozen=True)
class _ScribblingOp(_SameTypeOp):
    """Doubles its input and writes into it: the bug BadDestroyMap exists for."""

    def perform(self, x):
        x *= 2
        return x.copy()


@dataclass(frozen=True)
class _DriftingOp(_SameTypeOp):
    """A different answer each call: what BadThunkOutput catches."""

    def perform(self, x):
        _DriftingOp.calls += 1
        return x + _DriftingOp.calls


_DriftingOp.calls = 0


def test_debug_mode_catches_an_op_writing_into_its_input():
    x = at.vector("x")
    f = arignote.function([x], _ScribblingOp()(x * 1.0), mode=DebugMode(linker="py"))
    with pytest.raises(BadDestroyMap, match="changed its input 0"):
        f(np.ones(3))


def test_debug_mode_catches_a_node_disagreeing_with_its_numpy_code():
    x = at.vector("x")
    f = arignote.function([x], _DriftingOp()(x), mode=DebugMode(linker="py", check_optimizations=False))
    with pytest.raises(BadThunkOutput, match="differs from the op's NumPy implementation"):
        f(np.ones(3))


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_debug_mode_catches_a_nan_from_finite_inputs():
    x = at.vector("x")
    f = arignote.function([x], at.sqrt(x), mode=DebugMode(linker="py"))
    with pytest.raises(InvalidValueError, match="Sqrt"):
        f(-np.ones(2))
    unchecked = arignote.function([x], at.sqrt(x), mode=DebugMode(linker="py", check_isfinite=False))
    with np.errstate(invalid="ignore"):
        assert np.isnan(unchecked(-np.ones(2))).all()


def test_debug_mode_catches_a_wrong_rewrite():
    @specialize.rule(Exp, name="test_wrong_exp", tags=(OPTIONAL,))
    def wrong_exp(node):  # exp(x) -> x + 1: right only to first order
        return [node.inputs[0] + 1.0]
    try:
        x = at.vector("x")
        f = arignote.function([x], at.exp(x), mode=DebugMode(linker="py").including("test_wrong_exp"))
        with pytest.raises(BadOptimization, match="graph as written"):
            f(np.full(2, 0.5))
    finally:
        specialize.rules.remove(wrong_exp)
        specialize.version += 1


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_profile_times_every_node(mode, rng):
    x = at.vector("x")
    w = arignote.shared(rng.normal(size=4), name="w")
    f = arignote.function([x], (at.exp(x) * w).sum() + at.log1p(x ** 2).max(), mode=mode, profile=True)
    value = rng.normal(size=4)
    for _ in range(3):
        got = f(value)
    want = (np.exp(value) * w.get_value()).sum() + np.log1p(value ** 2).max()
    np.testing.assert_allclose(got, want, rtol=1e-13)
    stats = f.profile
    assert isinstance(stats, ProfileStats) and stats.fct_callcount == 3
    assert set(stats.apply_time) == set(f.maker.fgraph.apply_nodes)
    assert all(n == 3 for n in stats.apply_callcount.values())
    assert 0 < sum(stats.apply_time.values()) <= stats.fct_call_time
    report = io.StringIO()
    stats.summary(file=report)
    text = report.getvalue()
    assert "calls: 3" in text and "Op classes" in text and "Nodes" in text


def test_one_profile_shared_by_two_functions():
    stats = ProfileStats(message="both")
    x = at.dscalar("x")
    f = arignote.function([x], x + 1, profile=stats, mode="PY")
    g = arignote.function([x], x * 2, profile=stats, mode="PY")
    f(1.0), g(1.0), g(2.0)
    assert f.profile is stats and stats.fct_callcount == 3
