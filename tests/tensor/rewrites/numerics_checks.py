"""Helpers shared by the stabilize and specialize rule tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import arignote
import arignote.rewrite.fold  # registers constant folding, as compiling does
import arignote.tensor as at
import arignote.tensor.rewrites  # registers the rules, as compiling does
from arignote.graph.basic import Variable
from arignote.graph.traversal import toposort
from arignote.rewrite import explain, find, optimize, rewrite_graph

REFERENCE = arignote.Mode(optimizer=None)


def apply_rule(name: str, out: Variable) -> Variable:
    """``out`` rewritten by the single rule ``name`` (to its fixed point)."""
    return rewrite_graph([out], [find(name)])[0]


def fires(name: str, out: Variable) -> bool:
    """Whether the rule ``name`` changes ``out`` on its own."""
    return apply_rule(name, out) is not out


def fired(outputs: Any, mode: Any = None) -> list[str]:
    """The rules that fire when ``outputs`` are compiled in ``mode``."""
    return explain(outputs, mode).rules_fired()


def op_names(outputs: Any, optimizer: str | None = "fast_run") -> list[str]:
    """The op names of the rewritten graph (before fusion), elementwise ones by scalar op:
    ``Log``, ``Sum``..."""
    outs = [outputs] if isinstance(outputs, Variable) else list(outputs)
    names = []
    for node in toposort(optimize(outs, optimizer, exclude=["fusion"])):
        if isinstance(node.op, at.Elemwise):
            names.append(type(node.op.scalar_op).__name__)
        else:
            names.append(str(node.op).split("{")[0])  # Sum, Max, Gemm, DimShuffle, ...
    return names


def compile_both(inputs: Sequence[Variable], out: Any, mode: Any = None) -> tuple[Any, Any]:
    """The function compiled with rewriting (``mode``) and without."""
    rewritten = arignote.function(list(inputs), out, mode=mode, on_unused_input="ignore")
    reference = arignote.function(list(inputs), out, mode=REFERENCE, on_unused_input="ignore")
    return rewritten, reference


def tolerance(dtype: Any) -> float:
    return 2e-6 if np.dtype(dtype) == np.float32 else 1e-13


def assert_same_values(inputs: Sequence[Variable], out: Any, *values: Any, mode: Any = None,
                       rtol: float | None = None) -> np.ndarray:
    """The rewritten function agrees with the unrewritten one (dtype, shape, values where
    the unrewritten value is finite; NaN where it is NaN and finite inputs)."""
    rewritten, reference = compile_both(inputs, out, mode)
    with np.errstate(all="ignore"):
        got, want = rewritten(*values), reference(*values)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.dtype, want.shape)
    finite = np.isfinite(want)
    tol = rtol if rtol is not None else tolerance(want.dtype)
    np.testing.assert_allclose(got[finite], want[finite], rtol=tol, atol=tol)
    return got
