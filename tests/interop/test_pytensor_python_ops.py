"""PyTensor's ``FromFunctionOp`` (``pytensor.wrap_py``, ``as_op``) converted to arignote
(arignote/interop/pytensor/python_ops.py): the same Python function runs on both sides.

Each graph is evaluated by PyTensor (its default mode) and by arignote, through
``from_pytensor`` + ``arignote.function`` and through PyTensor's function with arignote's
``mode()`` linker, on the run's backend (JAX calls the function back on the host, which needs
the output shapes: static ``otypes`` or an ``infer_shape``).  The function computes the same
NumPy operations on the same values in both, and the graph around it is elementwise: exact.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytensor = pytest.importorskip("pytensor")
import pytensor.tensor as pt  # noqa: E402
from pytensor.compile.ops import FromFunctionOp as PtFromFunctionOp  # noqa: E402

import arignote  # noqa: E402
from arignote.graph.traversal import toposort  # noqa: E402
from arignote.interop.pytensor import from_pytensor  # noqa: E402
from arignote.tensor.from_function import FromFunctionOp  # noqa: E402
from tests.interop.helpers import check  # noqa: E402

RNG = np.random.default_rng(1822)
#: JAX calls the function back while tracing, and needs the output shapes beforehand
NEEDS_SHAPES = pytest.mark.skipif(str(arignote.config.mode).upper() == "JAX",
                                  reason="no static output shapes nor a shape function arignote can use: "
                                         "the JAX backend's host callback needs them")
CALLS: list[str] = []


@pytest.fixture(autouse=True)
def _reseed():
    """Each test draws the same values whatever ran before it (in this process, under xdist)."""
    global RNG
    RNG = np.random.default_rng(1822)


@pytensor.wrap_py(itypes=[pt.dmatrix, pt.dvector], otypes=[pt.dvector, pt.lscalar],
                  infer_shape=lambda node, shapes: [(shapes[0][0],), ()])
def _matvec_and_rows(a, b):
    CALLS.append("matvec")
    return a @ b, np.asarray(a.shape[0], dtype="int64")


@pytensor.wrap_py(itypes=[pt.TensorType("float32", shape=(3, 2))],
                  otypes=[pt.TensorType("float32", shape=(2, 3))])
def _static_transpose_sorted(a):
    return np.sort(a, axis=0).T.copy()


@pytest.mark.parametrize("rows", [1, 4])
def test_wrap_py_several_outputs_with_infer_shape(rows):
    x, y = pt.dmatrix("x"), pt.dvector("y")
    product, n = _matvec_and_rows(x * 2, y)
    outputs = [product + 1, n, product.shape[0] * n]
    converted = from_pytensor(outputs, [x, y])
    assert any(isinstance(node.op, FromFunctionOp) for node in toposort(converted.outputs))
    CALLS.clear()
    check([x, y], outputs, RNG.normal(size=(rows, 3)), RNG.normal(size=3), op_types=[PtFromFunctionOp])
    assert CALLS  # the Python function ran


def test_static_output_types():
    x = pt.tensor("x", dtype="float32", shape=(3, 2))
    out = _static_transpose_sorted(x * 3)
    check([x], [out, out * out], RNG.normal(size=(3, 2)).astype("float32"),
          op_types=[PtFromFunctionOp])


@NEEDS_SHAPES
def test_as_op_is_the_same_op():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # as_op is deprecated for wrap_py

        @pytensor.compile.ops.as_op(itypes=[pt.lvector], otypes=[pt.lvector])
        def cumulative_max(v):
            return np.maximum.accumulate(v)
    v = pt.lvector("v")
    check([v], [cumulative_max(v) - v], RNG.integers(-9, 10, size=7), op_types=[PtFromFunctionOp])


@NEEDS_SHAPES
def test_infer_shape_built_with_pytensor_ops_falls_back_to_running():
    # this shape function builds PyTensor ops, which cannot apply to arignote's shapes: the
    # converted op then finds its shape by running (not on JAX, which needs it beforehand)
    @pytensor.wrap_py(itypes=[pt.dvector], otypes=[pt.dvector],
                      infer_shape=lambda node, shapes: [(pt.maximum(shapes[0][0] - 1, 0),)])
    def differences(v):
        return np.diff(v)
    v = pt.dvector("v")
    check([v], [differences(v).shape[0], differences(v) * 2], RNG.normal(size=5), op_types=[PtFromFunctionOp])


def test_no_gradient_on_either_side():
    x, y = pt.dmatrix("x"), pt.dvector("y")
    with pytest.raises(Exception):  # noqa: B017 - PyTensor's own refusal, whatever its class
        pt.grad(_matvec_and_rows(x, y)[0].sum(), y)
