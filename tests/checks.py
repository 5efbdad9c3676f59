"""Shared assertions for op tests: compile a graph and compare it with NumPy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import arignote
import arignote.tensor as at

FLOAT_DTYPES = ("float32", "float64")
INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def random_array(rng: np.random.Generator, shape: Sequence[int], dtype: str = "float64",
                 low: float = -3, high: float = 3) -> np.ndarray:
    """Random values of ``dtype`` in about [low, high] (non-negative for unsigned ints)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        lo = 0 if dtype.kind == "u" else int(low)
        return rng.integers(lo, int(high) + 1, size=shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.uniform(low, high, shape) + 1j * rng.uniform(low, high, shape)).astype(dtype)
    return rng.uniform(low, high, shape).astype(dtype)


def symbolic_like(value: Any, static: bool = False, name: str | None = None) -> at.TensorVariable:
    """An input variable with ``value``'s dtype and rank, and its shape if ``static``.

    Otherwise lengths are unknown, except lengths of 1, which stay static: only
    a statically-1 length broadcasts (as in PyTensor), so a program meant to
    stretch an axis declares it so.
    """
    value = np.asarray(value)
    shape = value.shape if static else tuple(1 if n == 1 else None for n in value.shape)
    return at.tensor(name, dtype=value.dtype, shape=shape)


def default_tolerance(dtype: Any) -> tuple[float, float]:
    kind = np.dtype(dtype)
    if kind in (np.float16,):
        return 1e-2, 1e-2
    if kind in (np.float32, np.complex64):
        return 1e-5, 1e-6
    return 1e-10, 1e-12


def check_against_numpy(build: Callable[..., Any], reference: Callable[..., Any], *values: Any,
                        static: bool = False, rtol: float | None = None, atol: float | None = None,
                        mode: Any = None, check_dtype: bool = True) -> list[np.ndarray]:
    """Compile ``build(*symbolic inputs)`` and compare it with ``reference(*values)``.

    Checks values (NaNs equal), dtypes, shapes, and that every static dim of
    each output's type agrees with the computed shape.  Inputs have unknown
    shapes unless ``static``.  Returns the computed outputs.
    """
    inputs = [symbolic_like(v, static, f"x{i}") for i, v in enumerate(values)]
    outs = build(*inputs)
    single = not isinstance(outs, (list, tuple))
    outs = [outs] if single else list(outs)
    expected = reference(*values)
    expected = [expected] if single else list(expected)
    fn = arignote.function(inputs, outs[0] if single else outs, mode=mode, on_unused_input="ignore")
    got = fn(*values)
    got = [got] if single else got
    assert len(got) == len(expected)
    for out_var, g, e in zip(outs, got, expected):
        e = np.asarray(e)
        assert isinstance(g, np.ndarray), f"output is {type(g).__name__}, not ndarray"
        if check_dtype:
            assert g.dtype == e.dtype, f"dtype {g.dtype} != numpy's {e.dtype}"
        assert g.dtype == out_var.type.dtype, f"value dtype {g.dtype} != declared {out_var.type}"
        assert g.shape == e.shape, f"shape {g.shape} != numpy's {e.shape}"
        for axis, dim in enumerate(out_var.type.shape):
            assert dim is None or dim == g.shape[axis], \
                f"static shape {out_var.type.shape} disagrees with value shape {g.shape}"
        if e.dtype.kind in "biu":
            np.testing.assert_array_equal(g, e)
            continue
        r, a = default_tolerance(e.dtype)
        np.testing.assert_allclose(g, e, rtol=rtol if rtol is not None else r,
                                   atol=atol if atol is not None else a, equal_nan=True)
    return got
