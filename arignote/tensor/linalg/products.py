"""Products of matrices that belong with linear algebra: ``kron`` (and, from the tensor API,
``matrix_dot``, and ``trace``, deprecated here as in PyTensor).

The Kronecker product of two matrices is one op, :class:`KroneckerProduct`, so that rewrites
find it from the node (``det``, ``inv``, ``cholesky`` and ``solve`` of a Kronecker product
have closed forms in its factors) and the structure of the factors carries over
(:mod:`arignote.tensor.linalg.assumptions`); other ranks are a graph of a product and a
reshape, as ``np.kron`` defines them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply
from arignote.scalar.basic import upcast
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import expand_dims
from arignote.tensor.linalg.common import _LinalgOp, apply_core, require_real
from arignote.tensor.products import matrix_dot
from arignote.tensor.products import trace as _trace
from arignote.tensor.reduction import sum as sum_
from arignote.tensor.shape import reshape, shape_i
from arignote.tensor.shape_inference import mul_dims
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["KroneckerProduct", "kron", "matrix_dot", "trace"]


def _times(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a * b


@dataclass(frozen=True)
class KroneckerProduct(_LinalgOp):
    """``np.kron`` of two matrices: block ``(i, j)`` of the result is ``a[i, j] * b``; the
    dtype is NumPy's promotion of the two."""

    gufunc_signature = "(m,n),(p,q)->(r,s)"

    def make_node(self, a: Any, b: Any) -> Apply:
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        if a.ndim != 2 or b.ndim != 2:
            raise TypeError(f"KroneckerProduct: expected two matrices, got {a.type} and {b.type}")
        (m, n), (p, q) = a.type.shape, b.type.shape
        dtype = upcast(a.dtype, b.dtype).name
        return Apply.build(self, [a, b], [TensorType(dtype, (_times(m, p), _times(n, q)))])

    def perform(self, a: np.ndarray, b: np.ndarray, dtype: Any = None) -> np.ndarray:
        dtype = upcast(a.dtype, b.dtype) if dtype is None else dtype
        # in the output dtype, as the elementwise product would (bool: logical and)
        return np.asarray(np.kron(a.astype(dtype, copy=False), b.astype(dtype, copy=False)), dtype=dtype)

    def py_impl(self, node: Apply) -> Any:
        # the node's dtype, decided when it was built (the casting policy may differ now)
        dtype = node.outputs[0].type.numpy_dtype
        return lambda a, b: self.perform(a, b, dtype)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        (m, n), (p, q) = input_shapes
        return [(mul_dims(m, p), mul_dims(n, q))]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``out[i p + k, j q + l] = a[i, j] b[k, l]``: with ``G`` the cotangent read as
        ``(m, p, n, q)``, ``ā[i, j] = Σ G[i, :, j, :] * b`` and ``b̄[k, l] = Σ G[:, k, :, l] * a``."""
        require_real(self, inputs)
        a, b = inputs
        m, n, p, q = shape_i(a, 0), shape_i(a, 1), shape_i(b, 0), shape_i(b, 1)
        g = reshape(cotangents[0], [m, p, n, q])
        a_bar = sum_(g * expand_dims(b, [0, 2]), axis=(1, 3))
        b_bar = sum_(g * expand_dims(a, [1, 3]), axis=(0, 2))
        return [a_bar if a.type.numpy_dtype.kind in "fc" else None,
                b_bar if b.type.numpy_dtype.kind in "fc" else None]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        (a, b), (da, db) = inputs, tangents
        parts = ([] if da is None else [self(da, b)]) + ([] if db is None else [self(a, db)])
        if not parts:
            return [None]
        return [parts[0] if len(parts) == 1 else parts[0] + parts[1]]


def trace(X: Any) -> TensorVariable:
    """``np.trace`` of the matrix ``X``; deprecated, as ``pytensor.tensor.linalg.trace`` is:
    use ``arignote.tensor.trace``."""
    # PyTensor deprecates this name (FutureWarning) in favour of the tensor API's; programs
    # moved from it, and their tests, expect the same warning
    warnings.warn("arignote.tensor.linalg.trace is deprecated. Use arignote.tensor.trace instead.",
                  FutureWarning, stacklevel=2)
    return _trace(X)


def kron(a: Any, b: Any) -> TensorVariable:
    """``np.kron``: the Kronecker product, block ``(i, j)`` being ``a[i, j] * b`` (for any ranks:
    the smaller one gains leading axes).  Two matrices give a :class:`KroneckerProduct` node."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim == 2 and b.ndim == 2:
        return apply_core(KroneckerProduct(), a, b)
    ndim = max(a.ndim, b.ndim)
    if ndim == 0:
        return a * b
    a = expand_dims(a, list(range(ndim - a.ndim))) if a.ndim < ndim else a
    b = expand_dims(b, list(range(ndim - b.ndim))) if b.ndim < ndim else b
    # a's axes at even positions, b's at odd ones: (a0, b0, a1, b1, ...), then pairs merged
    spread_a = expand_dims(a, [2 * i + 1 for i in range(ndim)])
    spread_b = expand_dims(b, [2 * i for i in range(ndim)])
    # constant lengths where both factors' are known, so that the result's static shape
    # carries them (a product of two shape_i's would leave it unknown)
    statics = [_times(m, p) for m, p in zip(a.type.shape, b.type.shape)]
    shape = [shape_i(a, i) * shape_i(b, i) if n is None else n for i, n in enumerate(statics)]
    return reshape(spread_a * spread_b, shape)
