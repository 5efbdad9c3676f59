"""The comparison the interop tests share: PyTensor's results against arignote's."""

from __future__ import annotations

import numpy as np
import pytensor

import arignote
from arignote.interop.pytensor import from_pytensor, mode


def backend() -> str:
    """The linker backend matching the run's default arignote mode (``--mode``)."""
    return {"PY": "py", "JAX": "jax"}.get(str(arignote.config.mode).upper(), "c")


def check(inputs, outputs, *values, rtol=0.0, op_types=(), compare_values=True, reference_mode=None):
    """PyTensor's results against arignote's, through from_pytensor and through the linker
    (``rtol`` 0: exactly equal); ``op_types``: PyTensor op types the graph must contain (so
    the test covers them); ``reference_mode``: PyTensor's mode for its own results (its
    default: numba); returns PyTensor's results."""
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    graph_ops = {type(n.op) for n in pytensor.graph.traversal.io_toposort(inputs, outputs)}
    assert set(op_types) <= graph_ops
    want = pytensor.function(inputs, outputs, mode=reference_mode)(*values)
    converted = from_pytensor(outputs, inputs)
    got_direct = arignote.function(converted.inputs, converted.outputs)(*values)
    got_linker = pytensor.function(inputs, outputs, mode=mode(backend()))(*values)
    for got in (got_direct, got_linker):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            g, w = np.asarray(g), np.asarray(w)
            assert g.dtype == w.dtype and g.shape == w.shape
            if not compare_values:
                continue
            if rtol == 0:
                np.testing.assert_array_equal(g, w)
            else:
                np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol)
    return want
