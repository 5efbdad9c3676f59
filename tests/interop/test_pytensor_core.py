"""from_pytensor's walk, types, roots and errors, and the PyTensor Mode compiling with arignote.

Values are compared with PyTensor's own evaluation of the same graph.  Both evaluate the same
elementwise formulas in float64 (different code: NumPy/C vs arignote's kernels), a few ulps per
operation, so 1e-12 relative covers these graphs of a dozen operations on values of order 1.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.scalar as ps  # noqa: E402
import pytensor.tensor as pt  # noqa: E402
from pytensor.graph.basic import Apply  # noqa: E402
from pytensor.graph.fg import FunctionGraph  # noqa: E402
from pytensor.graph.op import Op  # noqa: E402
from pytensor.tensor.blockwise import Blockwise  # noqa: E402
from pytensor.tensor.elemwise import Elemwise  # noqa: E402

import arignote  # noqa: E402
from arignote.interop.pytensor import UnsupportedOps, from_pytensor, mode  # noqa: E402

RTOL = 1e-12
RNG = np.random.default_rng(18)
BACKENDS = ["c", "py", pytest.param("jax", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))]


def _compare(inputs, outputs, *values, rtol=RTOL):
    converted = from_pytensor(outputs, inputs)
    got = arignote.function(converted.inputs, converted.outputs)(*values)
    want = pytensor.function(inputs, outputs)(*values)
    for g, w in zip(got, want, strict=True):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(g, w, rtol=rtol)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_elementwise_reductions_and_broadcasting(dtype):
    x = pt.tensor("x", dtype=dtype, shape=(None, 4))
    y = pt.tensor("y", dtype=dtype, shape=(4,))
    outputs = [x * y + 2, (x - y).sum(axis=0), pt.maximum(x, y).max(axis=1), pt.switch(x > y, x, y),
               (x * 3).prod(axis=None), pt.argmax(x, axis=0), pt.cast(x, "int8"), pt.all(x > 0),
               pt.any(x > 1)]
    if dtype != "int64":
        outputs += [pt.exp(x) / (1 + y ** 2), pt.log1p(pt.abs(x)), pt.sigmoid(x) * pt.softplus(y)]
    xv = RNG.normal(size=(3, 4)).astype(dtype) if dtype != "int64" else RNG.integers(-3, 4, (3, 4))
    yv = RNG.normal(size=4).astype(dtype) if dtype != "int64" else RNG.integers(-3, 4, 4)
    _compare([x, y], outputs, xv, yv, rtol=RTOL if dtype != "float32" else 4e-6)


def test_composites_scalars_and_dimshuffle():
    a, b = ps.float64("a"), ps.float64("b")
    composite = ps.Composite([a, b], [ps.exp(a) * b + ps.log(b), a - b])
    x, y = pt.dvector("x"), pt.dmatrix("y")
    first, second = Elemwise(composite)(x, y.T.dimshuffle(0, 1))
    outputs = [first, second, x.dimshuffle("x", 0, "x") + 1]
    _compare([x, y], outputs, RNG.uniform(0.5, 2, 3), RNG.uniform(0.5, 2, (3, 3)))


def test_roots_constants_shared_variables_and_function_graphs():
    x = pt.dvector("x")
    s = pytensor.shared(np.arange(3.0), name="s")
    out = x * s + pt.constant(np.array([1.0, 2.0, 3.0]))
    converted = from_pytensor([out, x])  # an output that is an input
    assert len(converted.inputs) == 1  # the shared variable became an arignote shared variable
    got = arignote.function(converted.inputs, converted.outputs)(np.ones(3))
    np.testing.assert_allclose(got[0], np.arange(3.0) + [1, 2, 3])
    np.testing.assert_allclose(got[1], np.ones(3))
    as_inputs = from_pytensor([out], shared_as_inputs=True)
    assert len(as_inputs.inputs) == 2
    fgraph = FunctionGraph([x, s], [out * 2], clone=False)  # a function's graph: shared as inputs
    from_fgraph = from_pytensor(fgraph)
    got = arignote.function(from_fgraph.inputs, from_fgraph.outputs)(np.ones(3), np.full(3, 2.0))
    np.testing.assert_allclose(got[0], 2 * (2.0 + np.array([1, 2, 3])))


class _Opaque(Op):
    """An op arignote has no converter for."""

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = inputs[0]


class _OtherOpaque(_Opaque):
    pass


class _CoreOpaque(_Opaque):
    pass


def test_errors_name_what_is_wrong():
    x, y = pt.dvector("x"), pt.dvector("y")
    with pytest.raises(UnsupportedOps, match=r"_OtherOpaque.*_Opaque|_Opaque.*_OtherOpaque") as info:
        from_pytensor([_Opaque()(x) + _OtherOpaque()(x)], [x])
    assert len(info.value.op_types) == 2
    with pytest.raises(ValueError, match="not among the inputs given"):
        from_pytensor([x + y], [x])


def test_unsupported_ops_inside_inner_graphs_are_listed_with_the_outer_ones():
    x = pt.dvector("x")
    inlined = pytensor.compile.builders.OpFromGraph([x], [_Opaque()(x) * 2])(x)
    looped = pytensor.scan(lambda v: _OtherOpaque()(v) + 1, sequences=[x], return_updates=False)
    with pytest.raises(UnsupportedOps) as info:
        from_pytensor([inlined.sum() + looped.sum()], [x])
    assert {t.__name__ for t in info.value.op_types} == {"_Opaque", "_OtherOpaque"}
    # a Blockwise's core op counts too
    batched = Blockwise(_CoreOpaque(), signature="(n)->(n)")(pt.dmatrix("m"))
    with pytest.raises(UnsupportedOps) as info:
        from_pytensor([batched.sum() + _Opaque()(x).sum()])
    assert {t.__name__ for t in info.value.op_types} == {"_Opaque", "_CoreOpaque"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_mode_keeps_pytensors_function_interface(backend):
    x = pt.dvector("x")
    s = pytensor.shared(np.ones(3), name="s")
    cost = (s * x).sum() + pt.exp(x).sum()
    f = pytensor.function([x], [cost, pt.grad(cost, x)], updates={s: s + x}, mode=mode(backend))
    reference = pytensor.function([x], [cost, pt.grad(cost, x)])
    xv = RNG.normal(size=3)
    got = f(xv)
    np.testing.assert_allclose(got[0], (xv + np.exp(xv)).sum(), rtol=RTOL)
    np.testing.assert_allclose(got[1], np.ones(3) + np.exp(xv), rtol=RTOL)
    np.testing.assert_allclose(s.get_value(), 1 + xv)  # the update ran
    want = reference(xv)[0]  # with s = 1 + x
    np.testing.assert_allclose(f(xv)[0], want, rtol=RTOL)
    np.testing.assert_allclose(s.get_value(), 1 + 2 * xv)
    with pytest.raises(ValueError, match="backend must be one of"):
        mode("fortran")


@pytest.mark.parametrize("backend", BACKENDS)
def test_mode_honours_trust_input(backend):
    x = pt.dvector("x")
    out = (x**2).sum()
    filtered = pytensor.function([x], out, mode=mode(backend))
    assert filtered([1, 2, 3]) == 14.0  # a list is filtered into a float64 vector
    with pytest.raises(TypeError):
        filtered(np.ones(3, dtype="complex128"))  # PyTensor's filter refuses the downcast
    trusted = pytensor.function([x], out, mode=mode(backend), trust_input=True)
    xv = RNG.normal(size=4)
    np.testing.assert_allclose(trusted(xv), (xv**2).sum(), rtol=RTOL)
    filtered.trust_input = True  # as PyMC sets it on its compiled functions
    np.testing.assert_allclose(filtered(xv), (xv**2).sum(), rtol=RTOL)
