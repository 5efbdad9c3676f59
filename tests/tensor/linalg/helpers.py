"""Shared inputs and comparisons for the linear-algebra tests.

Tolerances come from the perturbation bound of a backward-stable routine: the computed
result is the exact one of a matrix within ``~n * eps`` of the input (relatively), so its
relative error is at most about ``n * cond * eps``, with ``eps`` the dtype's machine
epsilon and ``cond`` the condition number of the matrix.  The references are computed in
float64 from the same (rounded) inputs, so for float32 the bound is float32's alone.  A
factor of 10 covers the constants the bound leaves out; the absolute part scales it by the
result's magnitude, for entries that are (near) zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad

FLOATS = ("float32", "float64")


def spd(rng: np.random.Generator, n: int, dtype: str = "float64", batch: tuple[int, ...] = ()) -> np.ndarray:
    """A well-conditioned symmetric positive-definite matrix: ``X @ X.T + n * I``."""
    x = rng.normal(size=(*batch, n, n))
    return (x @ np.swapaxes(x, -1, -2) + n * np.eye(n)).astype(dtype)


def general(rng: np.random.Generator, n: int, dtype: str = "float64",
            batch: tuple[int, ...] = ()) -> np.ndarray:
    """A well-conditioned square matrix (random, with ``n`` added to its diagonal)."""
    return (rng.normal(size=(*batch, n, n)) + n * np.eye(n)).astype(dtype)


def lower_triangular(rng: np.random.Generator, n: int, dtype: str = "float64") -> np.ndarray:
    """A well-conditioned lower-triangular matrix (its diagonal away from zero)."""
    return np.tril(rng.normal(size=(n, n)) + n * np.eye(n)).astype(dtype)


def tolerance(dtype: Any, matrices: Sequence[np.ndarray] = (), scale: float = 1.0) -> dict[str, float]:
    """``rtol``/``atol`` for a result of ``dtype`` computed from ``matrices`` (module docstring)."""
    eps = np.finfo(np.dtype(dtype)).eps
    cond = max([float(np.max(np.linalg.cond(m.astype(np.result_type(m.dtype, "float64")))))
                for m in matrices] or [1.0])
    n = max([m.shape[-1] for m in matrices] or [1])
    rtol = 10 * n * cond * eps * scale
    return {"rtol": rtol, "atol": rtol}


def close(got: Any, expected: Any, dtype: Any, matrices: Sequence[np.ndarray] = (),
          scale: float = 1.0) -> None:
    """``got`` equals ``expected`` within :func:`tolerance`, relative to ``expected``'s magnitude."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    tol = tolerance(dtype, matrices, scale)
    magnitude = float(np.max(np.abs(expected))) if expected.size else 1.0
    np.testing.assert_allclose(got, expected, rtol=tol["rtol"], atol=tol["atol"] * max(magnitude, 1.0),
                               equal_nan=True)


def symbolic(value: np.ndarray, name: str = "x", static: bool = False) -> at.TensorVariable:
    """An input of ``value``'s dtype and rank (its shape too if ``static``)."""
    shape = value.shape if static else (None,) * value.ndim
    return at.tensor(name, dtype=value.dtype, shape=shape)


def run(build: Callable[..., Any], *values: np.ndarray, static: bool = False, mode: Any = None) -> Any:
    """Compile ``build`` on inputs like ``values`` and run it on them; checks each output's
    dtype and static shape against its value."""
    inputs = [symbolic(v, f"x{k}", static) for k, v in enumerate(values)]
    outs = build(*inputs)
    single = not isinstance(outs, (list, tuple))
    variables = [outs] if single else list(outs)
    got = arignote.function(inputs, variables, mode=mode)(*values)
    for var, value in zip(variables, got):
        assert value.dtype == var.type.dtype, f"value dtype {value.dtype} != declared {var.type}"
        assert all(d is None or d == n for d, n in zip(var.type.shape, value.shape)), \
            f"static shape {var.type.shape} disagrees with {value.shape}"
    return got[0] if single else got


def batched(fn: Callable[..., Any], *values: np.ndarray) -> Any:
    """``fn`` (a NumPy/SciPy function of one matrix set) applied matrix by matrix over the
    first axis of ``values``, results stacked (a tuple of stacks for several results)."""
    results = [fn(*[v[i] for v in values]) for i in range(len(values[0]))]
    if isinstance(results[0], tuple):
        return tuple(np.stack(parts) for parts in zip(*results))
    return np.stack(results)


def numeric_rop(build: Callable[..., Any], values: Sequence[np.ndarray], rng: np.random.Generator) -> None:
    """Forward mode (``Rop``, with the ops' own rules and from pullbacks) against central
    differences along random tangents."""
    inputs = [symbolic(v, f"x{k}") for k, v in enumerate(values)]
    out = build(*inputs)
    tangents = [x.type.make_variable(f"t{k}") for k, x in enumerate(inputs)]
    tangent_values = [rng.normal(size=v.shape) for v in values]
    f = arignote.function(inputs, out)
    eps = 1e-6
    up = f(*[v + eps * t for v, t in zip(values, tangent_values)])
    down = f(*[v - eps * t for v, t in zip(values, tangent_values)])
    expected = (np.asarray(up) - np.asarray(down)) / (2 * eps)
    for use_rules in (True, False):
        jvp = arignote.gradient.Rop(out, inputs, tangents, use_op_rop_implementation=use_rules)
        got = arignote.function(inputs + tangents, jvp)(*values, *tangent_values)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def check_grad(fun: Callable[..., Any], point: Sequence[np.ndarray], rng: np.random.Generator) -> None:
    """``verify_grad`` with one random projection of the output (which checks every entry of
    the Jacobian at once; one compilation of the gradient rather than two)."""
    # C order: verify_grad's finite differences step through a reshaped view of each point,
    # which for a transposed (Fortran-ordered) array is a copy, and its steps are lost
    verify_grad(fun, [np.ascontiguousarray(p) for p in point], n_tests=1, rng=rng)
