"""Shared helpers of the sparse tests: random matrices, modes, tolerances, comparisons."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import scipy.sparse as sp

HAVE_JAX = importlib.util.find_spec("jax") is not None
JAX = pytest.param("JAX", marks=pytest.mark.skipif(not HAVE_JAX, reason="JAX is not installed"))
MODES = ["PY", "FAST_RUN"]
ALL_MODES = [*MODES, JAX]

#: shapes: square, a single row, a single column, and empty ones
SHAPES = [(4, 5), (1, 6), (5, 1), (0, 3), (3, 0)]
#: densities: all-zero, sparse, half, full
DENSITIES = [0.0, 0.3, 0.6, 1.0]
FLOATS = ["float64", "float32"]


def random_sparse(rng: np.random.Generator, shape: tuple[int, int], density: float,
                  format: str = "csr", dtype: str = "float64") -> sp.spmatrix:
    """A random sparse matrix whose stored entries are in [0.5, 1.5] or [-1.5, -0.5] (so none is
    near zero and none cancels by accident)."""
    mask = rng.random(shape) < density
    values = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    dense = np.where(mask, values, 0.0).astype(dtype)
    return sp.csr_matrix(dense) if format == "csr" else sp.csc_matrix(dense)


def tolerance(dtype: str, terms: int = 1) -> dict[str, float]:
    """rtol/atol for a result made of ``terms`` rounded operations on values of size about 1:
    each operation errs by at most half an ulp, so ``terms`` ulps bound the error, with a
    factor 4 for the reference's own rounding and the summation order; atol covers results
    near zero (cancellation), measured in the same ulps of the operands' size."""
    eps = float(np.finfo(dtype).eps)
    bound = 4 * max(terms, 1) * eps
    return {"rtol": bound, "atol": bound}


def dense(value: object) -> np.ndarray:
    return value.toarray() if sp.issparse(value) else np.asarray(value)  # type: ignore[union-attr]


def assert_sparse_equal(got: object, want: object, format: str | None = None, **tol: float) -> None:
    """``got`` is a scipy.sparse matrix (of ``format``) with the values of ``want``."""
    assert sp.issparse(got), f"expected a sparse result, got {type(got).__name__}"
    if format is not None:
        assert got.format == format  # type: ignore[attr-defined]
    np.testing.assert_allclose(dense(got), dense(want), **tol)


def cases(mode: str) -> list[tuple[tuple[int, int], float]]:
    """(shape, density) pairs: every combination, or under JAX (which compiles again for each
    number of stored entries) a few that still cover a row, empty and all-zero."""
    if mode == "JAX":
        return [((4, 5), 0.3), ((1, 6), 1.0), ((0, 3), 0.0)]
    return [(shape, density) for shape in SHAPES for density in DENSITIES]
