"""What tests/tensor/test_more_names*.py share: the modes they run on, and running a graph
built from one symbolic input per value."""

from __future__ import annotations

import numpy as np

import arignote
import arignote.tensor as at

try:
    import jax  # noqa: F401
    MODES = ["PY", "FAST_RUN", "JAX"]
except ImportError:  # the JAX backend is optional; the other two still run
    MODES = ["PY", "FAST_RUN"]


def symbolic_inputs(*values):
    """One input per value: ``v0``, ``v1``... of its dtype and rank, every length unknown."""
    return [at.tensor(f"v{i}", dtype=np.asarray(v).dtype, shape=(None,) * np.ndim(v))
            for i, v in enumerate(values)]


def run(mode, build, *values):
    """``build``'s outputs on ``values``, compiled for ``mode``."""
    inputs = symbolic_inputs(*values)
    return arignote.function(inputs, build(*inputs), mode=mode)(*values)
