"""PyTensor's conditionals converted to arignote (arignote/interop/pytensor/control_flow.py):
``IfElse`` (one and several outputs, nested, mixed dtypes and static shapes, gradients) and
``LazyIfElse`` (what PyTensor's JAX/Numba rewrite "introduce_lazy_ifelse" makes of one).

Each graph is evaluated by PyTensor (its default mode) and by arignote, through
``from_pytensor`` + ``arignote.function`` and through PyTensor's function with arignote's
``mode()`` linker, on the run's backend, for both values of the condition (on JAX, branches
of equal shapes only: ``lax.cond`` needs them).  The branches'
values are chosen, not computed differently, and the ops around them are the same float
operations in both libraries: exact, except sums (``exp(y).sum()``, the gradients' sums of a
few terms), which may add in another order: a few ulps, 1e-12 relative in float64 and 1e-5
in float32 (eps 1.2e-7 over sums of under ten terms of order 1).
"""

from __future__ import annotations

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
from pytensor.conditional import IfElse, LazyIfElse, ifelse  # noqa: E402
from pytensor.conditional.rewriting import introduce_lazy_ifelse  # noqa: E402
from pytensor.graph.fg import FunctionGraph  # noqa: E402
from pytensor.graph.rewriting.basic import out2in  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import from_pytensor  # noqa: E402
from tests.interop.helpers import check  # noqa: E402

ON_JAX = str(arignote.config.mode).upper() == "JAX"
SUMS = {"float64": 1e-12, "float32": 1e-5, "int64": 0.0}
RNG = np.random.default_rng(1821)


@pytest.fixture(autouse=True)
def _reseed():
    """Each test draws the same values whatever ran before it (in this process, under xdist)."""
    global RNG
    RNG = np.random.default_rng(1821)


def _values(shape, dtype):
    if dtype == "int64":
        return RNG.integers(-5, 6, size=shape)
    return RNG.normal(size=shape).astype(dtype)


@pytest.mark.parametrize("cond_value", [0, 1, -3])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_ifelse_single_and_several_outputs(dtype, cond_value):
    c = pt.lscalar("c")
    x = pt.tensor("x", dtype=dtype, shape=(None, 3))
    y = pt.tensor("y", dtype=dtype, shape=(None,))
    single = ifelse(c, x * 2, x[::-1])
    several = ifelse(pt.gt(c, 0), [x.sum(axis=0), y, x], [y[:3], y * y, x + 1])
    nested = ifelse(c, ifelse(pt.lt(c, 0), y, y + 1), y.cumsum())
    outputs = [single, *several, nested, single * several[1].sum()]
    check([c, x, y], outputs, cond_value, _values((4, 3), dtype), _values(5, dtype), rtol=SUMS[dtype],
          op_types=[IfElse])


@pytest.mark.skipif(ON_JAX, reason="JAX runs ifelse as lax.cond, whose branches must have equal shapes "
                                   "(arignote refuses others there, by design)")
@pytest.mark.parametrize("cond_value", [True, False])
def test_ifelse_static_shapes_that_differ(cond_value):
    c = pt.scalar("c", dtype="bool")
    x = pt.tensor("x", dtype="float64", shape=(2, 3))
    y = pt.tensor("y", dtype="float64", shape=(4, 3))
    out = ifelse(c, x, y)  # (None, 3): its length is the branch taken's
    assert out.type.shape == (None, 3)
    check([c, x, y], [out, out.shape[0], out.sum(axis=0)], cond_value, _values((2, 3), "float64"),
          _values((4, 3), "float64"), rtol=SUMS["float64"], op_types=[IfElse])


@pytest.mark.parametrize("cond_value", [0.0, 0.5])
def test_gradients_through_ifelse(cond_value):
    c = pt.dscalar("c")
    x, y = pt.dvector("x"), pt.dvector("y")
    a, b = ifelse(c, [pt.exp(x) * y, x.sum()], [x ** 2, (y * c).sum()])
    cost = (a * y).sum() + b ** 2
    grads = pt.grad(cost, [x, y, c])
    check([c, x, y], grads, cond_value, _values(4, "float64"), _values(4, "float64"),
          rtol=SUMS["float64"], op_types=[IfElse])


@pytest.mark.xfail(ON_JAX, raises=IndexError, strict=False,
                   reason="arignote's JAX backend raises the index check of the branch not taken "
                          "(reported: a plain arignote ifelse does the same)")
def test_only_the_branch_taken_runs():
    # the other branch would fail (an out-of-range index): PyTensor runs only the branch taken,
    # and so does arignote
    c = pt.lscalar("c")
    x = pt.dvector("x")
    i = pt.lscalar("i")
    out = ifelse(pt.lt(i, x.shape[0]), x[i], pt.constant(-1.0, dtype="float64"))
    check([c, x, i], [out + c], 1, _values(3, "float64"), 7, op_types=[IfElse])


@pytest.mark.parametrize("cond_value", [0, 1])
def test_lazy_ifelse(cond_value):
    c = pt.lscalar("c")
    x, y = pt.dvector("x"), pt.dvector("y")
    first, second = ifelse(c, [pt.exp(x) * 2, (y ** 2).sum()], [y[:2], x.sum()])
    fgraph = FunctionGraph([c, x, y], [first * 3, second], clone=True)
    out2in(introduce_lazy_ifelse, ignore_newtrees=True).rewrite(fgraph)
    assert any(isinstance(n.op, LazyIfElse) for n in fgraph.apply_nodes)
    converted = from_pytensor(fgraph)
    values = [cond_value, _values(2, "float64"), _values(3, "float64")]
    got = arignote.function(converted.inputs, converted.outputs)(*values)
    want = pytensor.function([c, x, y], [first * 3, second])(*values)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=SUMS["float64"])


def test_branch_values_that_are_not_tensors_are_refused():
    import pytensor.typed_list as ptl

    c = pt.lscalar("c")
    a, b = ptl.TypedListType(pt.dvector)("a"), ptl.TypedListType(pt.dvector)("b")
    with pytest.raises(NotImplementedError, match="tensors only"):
        from_pytensor([ifelse(c, a, b)], [c, a, b])
