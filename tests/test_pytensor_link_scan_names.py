"""PyTensor's ``link``, ``scan``, ``raise_op``, ``utils`` and ``npy_2_compat`` import paths."""

import copy
import struct
import subprocess
import sys

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.compile.mode import Mode
from arignote.graph import FunctionGraph
from arignote.link.basic import Container, PerformLinker, WrapLinker
from arignote.link.c.basic import CLinker, OpWiseCLinker
from arignote.link.c.type import Generic, generic
from arignote.link.jax import JAXLinker
from arignote.link.mlx import MLXLinker
from arignote.link.numba import NumbaLinker
from arignote.link.pytorch import PytorchLinker
from arignote.link.vm import VMLinker
from arignote.npy_2_compat import normalize_axis_index, old_np_unique
from arignote.raise_op import Assert, CheckAndRaise, assert_op
from arignote.utils import LOCAL_BITWIDTH, PYTHON_INT_BITWIDTH, to_return_values

RNG = np.random.default_rng(11)


# --- scan -------------------------------------------------------------------------------------

def test_scan_stays_the_function_after_importing_the_package():
    code = ("import arignote, arignote.loop\n"
            "assert arignote.scan is arignote.loop.scan\n"
            "import arignote.scan.op, arignote.scan.utils, arignote.scan.views\n"
            "assert arignote.scan is arignote.loop.scan\n"
            "from arignote.scan import scan, map, until\n"
            "from arignote.scan.basic import scan as s2\n"
            "assert scan is s2 is arignote.loop.scan and until is arignote.until\n"
            "assert map is arignote.map\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_scan_op_is_the_loop_op():
    from arignote.scan.basic import scan
    from arignote.scan.op import Scan, ScanInfo

    x = at.dvector("x")
    out = scan(lambda v, acc: acc + v, sequences=[x], outputs_info=[at.constant(0.0)])
    out = out[0] if isinstance(out, tuple) else out
    node = out.owner
    while not isinstance(node.op, Scan):  # the stacked rows may be sliced
        node = next(i.owner for i in node.inputs if i.owner is not None)
    value = RNG.normal(size=5)
    np.testing.assert_allclose(arignote.function([x], out)(value), np.cumsum(value))
    with pytest.raises(NotImplementedError, match="layout"):
        ScanInfo()


def test_scan_views():
    from arignote.scan.views import foldl, map

    x = at.dvector("x")
    value = RNG.normal(size=4)
    doubled = map(lambda v: v * 2, sequences=[x])
    doubled = doubled[0] if isinstance(doubled, tuple) else doubled
    total = foldl(lambda v, acc: acc + v, sequences=[x], outputs_info=at.constant(0.0))
    total = total[0] if isinstance(total, tuple) else total
    got_doubled, got_total = arignote.function([x], [doubled, total])(value)
    np.testing.assert_allclose(got_doubled, 2 * value)
    np.testing.assert_allclose(got_total, value.sum())


# --- linkers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("linker, backend", [
    (PerformLinker(), "py"), (CLinker(), "c"), (OpWiseCLinker(), "c"), (VMLinker(), "c"),
    (VMLinker(use_cloop=True, lazy=False), "c"), (VMLinker(c_thunks=False), "py"),
    (JAXLinker(), "jax"),
])
def test_mode_takes_linker_objects(linker, backend):
    assert Mode(linker=linker).linker == backend


def test_py_linker_object_runs():
    x = at.dvector("x")
    f = arignote.function([x], at.exp(x), mode=Mode(linker=PerformLinker()))
    value = RNG.normal(size=3)
    np.testing.assert_allclose(f(value), np.exp(value))


@pytest.mark.parametrize("cls, name", [(NumbaLinker, "Numba"), (MLXLinker, "MLX"),
                                       (PytorchLinker, "PyTorch")])
def test_missing_backends_refuse_by_name(cls, name):
    with pytest.raises(NotImplementedError, match=f"no {name} backend"):
        cls()
    assert not isinstance(Mode(linker="py").linker, cls)


def test_refused_linker_options():
    with pytest.raises(ValueError, match="callback"):
        VMLinker(callback=lambda *a: None)
    with pytest.raises(ValueError, match="schedule"):
        CLinker(schedule=object())
    with pytest.raises(NotImplementedError, match="one program"):
        WrapLinker([PerformLinker()], lambda *a: None)


def test_make_thunk_runs_the_graph_as_given():
    x, y = at.dvector("x"), at.dvector("y")
    linker = PerformLinker().accept(FunctionGraph([x, y], [x * y, x - y]))
    thunk, inputs, outputs = linker.make_thunk()
    a, b = RNG.normal(size=3), RNG.normal(size=3)
    inputs[0].data, inputs[1].value = a, b
    thunk()
    np.testing.assert_allclose(outputs[0].data, a * b)
    np.testing.assert_allclose(outputs[1].value, a - b)
    with pytest.raises(ValueError, match="accept"):
        PerformLinker().make_thunk()


def test_container_checks_values_against_its_type():
    a = at.dscalar("a")
    cell = Container(a, storage=[np.array(0.0)])
    cell.value = 3  # an int converts to float64 without loss
    assert cell.storage[0].dtype == np.float64 and cell.value == 3.0
    with pytest.raises(TypeError):
        cell.value = np.zeros(2)  # wrong rank
    strict = Container(a, [None], strict=True)
    with pytest.raises(TypeError, match="strict"):
        strict.value = np.float32(1.0)
    readonly = Container(a, [np.array(1.0)], readonly=True)
    with pytest.raises(Exception, match="readonly"):
        readonly.value = 2.0
    twin = copy.deepcopy(cell)
    twin.value = 5.0
    assert cell.value == 3.0


def test_generic_exists_and_refuses():
    with pytest.raises(NotImplementedError, match="no Generic type"):
        generic()
    assert isinstance(generic, Generic)


# --- run-time assertions ----------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["py", "FAST_COMPILE", None])
def test_assert_op_passes_value_or_raises(mode):
    x = at.dvector("x")
    f = arignote.function([x], assert_op(x, x.sum() > 0, at.all(x > -5)) * 2, mode=mode)
    value = RNG.uniform(0.1, 1.0, size=4)
    np.testing.assert_allclose(f(value), 2 * value)
    with pytest.raises(AssertionError, match="PyTensor Assert failed!"):
        f(-value)


def test_check_and_raise_exception_type_and_message():
    x = at.dscalar("x")
    op = CheckAndRaise(ValueError, "x must be positive")
    f = arignote.function([x], op(x, x > 0), mode="py")
    assert f(2.0) == 2.0
    with pytest.raises(ValueError, match="x must be positive"):
        f(-1.0)
    with pytest.raises(ValueError, match="Exception subclass"):
        CheckAndRaise(int, "no")
    with pytest.raises(TypeError, match="0-d"):
        assert_op(x, at.dvector("c") > 0)
    assert Assert("m") == Assert("m") and Assert("m") != Assert("n")
    assert str(Assert("m")) == "Assert{msg='m'}"


def test_assert_derivatives_and_batching():
    x = at.dvector("x")
    y = Assert("pos")(at.sin(x), at.all(x > 0))
    value = RNG.uniform(0.5, 1.0, size=3)
    g = arignote.function([x], arignote.grad(y.sum(), x))(value)
    np.testing.assert_allclose(g, np.cos(value))
    jac = arignote.function([x], arignote.jacobian(y, x))(value)
    np.testing.assert_allclose(jac, np.diag(np.cos(value)))


def test_assert_on_jax():
    pytest.importorskip("jax")
    x = at.dvector("x")
    f = arignote.function([x], assert_op(x, x.sum() > 0) + 1, mode="JAX")
    np.testing.assert_allclose(f(np.ones(2)), 2 * np.ones(2))
    with pytest.raises(AssertionError, match="PyTensor Assert failed!"):
        f(-np.ones(2))


# --- utils, npy_2_compat ----------------------------------------------------------------------

def test_bitwidths_and_return_values():
    assert PYTHON_INT_BITWIDTH == 8 * struct.calcsize("l")
    assert LOCAL_BITWIDTH == 8 * struct.calcsize("P")
    assert to_return_values([5]) == 5 and to_return_values([1, 2]) == [1, 2]


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_old_np_unique_has_a_flat_inverse(axis):
    arr = RNG.integers(0, 3, size=(4, 3))
    uniq, index, inverse, counts = old_np_unique(arr, True, True, True, axis=axis)
    want = np.unique(arr, return_index=True, return_inverse=True, return_counts=True, axis=axis)
    np.testing.assert_array_equal(uniq, want[0])
    np.testing.assert_array_equal(index, want[1])
    np.testing.assert_array_equal(counts, want[3])
    assert inverse.ndim == 1
    rebuilt = uniq[inverse] if axis is None else np.take(uniq, inverse, axis=axis)
    np.testing.assert_array_equal(rebuilt, arr.reshape(-1) if axis is None else arr)
    assert normalize_axis_index(-1, 3) == 2


def test_dual_linker_runs_py_and_c_and_checks_they_agree():
    from arignote.link.c.basic import DualLinker

    x, y = at.fscalars("xy")
    d, r = at.divmod(x, y)
    thunk, inputs, outputs = DualLinker().accept(FunctionGraph([x, y], [d, r])).make_thunk()
    for a, b in [(7, -2), (-7, 2), (0, 3), (5.5, 2)]:
        inputs[0].storage[0], inputs[1].storage[0] = np.float32(a), np.float32(b)
        thunk()
        expected = divmod(np.float32(a), np.float32(b))
        assert [o.storage[0] for o in outputs] == list(expected)
    seen = []

    def refuse(py_cell, c_cell):
        seen.append((py_cell[0], c_cell[0]))
        raise AssertionError("the checker was asked")

    thunk, inputs, _ = DualLinker(checker=refuse).accept(FunctionGraph([x, y], [d])).make_thunk()
    inputs[0].storage[0], inputs[1].storage[0] = np.float32(7), np.float32(2)
    with pytest.raises(AssertionError, match="checker was asked"):
        thunk()
    assert seen == [(3.0, 3.0)]


def test_assert_message_with_braces_keeps_its_exception_on_jax():
    pytest.importorskip("jax")
    from arignote.raise_op import Assert

    x = at.dscalar("x")
    f = arignote.function([x], Assert("x must be {positive}")(x, x > 0), mode="JAX")
    assert f(1.0) == 1.0
    with pytest.raises(AssertionError, match="x must be {positive}"):
        f(-1.0)
