"""Value transforms of vector and matrix supports: ``simplex``, ``ordered`` and
:class:`CholeskyCorr` (see :mod:`arignote.logprob.transforms` for the interface).

Their log-Jacobians are reduced over the event axes: the last axis for ``simplex`` and
``ordered``, the last two (the ``n x n`` factor) for :class:`CholeskyCorr`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import arignote.tensor as at
from arignote.logprob.transforms import Transform
from arignote.tensor.variable import TensorVariable

__all__ = ["CholeskyCorr", "OrderedTransform", "SimplexTransform", "ordered", "simplex"]

_LOG_2 = math.log(2.0)


def _reverse_cumsum(x: Any) -> Any:
    """``y[j] = sum_{k >= j} x[k]`` along the last axis (summed from the far end, so a tail of
    small terms is not lost in a large total, as ``total - cumsum`` would lose it)."""
    return at.cumsum(x[..., ::-1], axis=-1)[..., ::-1]


def _ones_to(x: Any) -> Any:
    """1, 2, ..., x.shape[-1] along the last axis, in x's dtype and batch shape (a cumulative
    sum of ones rather than an arange of a symbolic length: every backend traces it)."""
    return at.cumsum(at.ones_like(x), axis=-1)


# --- simplex: {x in (0,1)^K, sum x = 1} <-> R^(K-1) -----------------------------------------

class SimplexTransform(Transform):
    """The open ``K``-simplex <-> ``R^(K-1)`` by the isometric log-ratio (ILR) with the
    Helmert basis.

    ``u_i = sqrt(i / (i + 1)) * (mean(log x_1..x_i) - log x_(i+1))``, ``i = 1..K-1``: the
    coordinates of the centred log-ratio ``clr(x) = log x - mean(log x)`` in an orthonormal
    basis ``V`` (``K x (K-1)``) of the hyperplane ``sum = 0``.  Back: ``z = V u``,
    ``x = softmax(z)``.

    Why this one: it is one softmax, so ``backward`` and the log-Jacobian come from
    ``log x = z - logsumexp(z)``, accurate for any ``u`` (a component of ``1e-300`` keeps its
    digits; none is formed as ``1 - something``), where stick-breaking forms a product of
    ``1 - cumsum`` remainders that lose the digits of a small remaining mass and needs a
    sequential scan.  And it is isometric: a standard normal ``u`` treats the ``K`` components
    alike (the additive log-ratio singles out the last one).

    Log-Jacobian of ``u -> x[:K-1]`` (the last component is ``1 - sum`` of the others):
    ``u -> clr`` has orthonormal columns ``V``; ``alr_i = log x_i - log x_K = (V_i - V_K) u``,
    and ``[V, 1/sqrt(K)]`` orthogonal gives ``|det(V[:K-1] - V_K)| = sqrt(K)``; the softmax
    ``alr -> x[:K-1]`` has Jacobian ``diag(p) - p p^T`` with determinant ``prod_{i<=K} x_i``.
    So ``log |det J| = sum_i log x_i + log(K) / 2``.
    """

    name = "simplex"
    ndim_supp = 1
    ndim_supp_unconstrained = 1

    def forward(self, value: Any) -> TensorVariable:
        y = at.log(self._value(value, "value"))
        i = _ones_to(y[..., :-1])
        mean_head = at.cumsum(y[..., :-1], axis=-1) / i
        return at.sqrt(i / (i + 1.0)) * (mean_head - y[..., 1:])

    def _log_x(self, u: Any) -> Any:
        u = self._value(u, "unconstrained value")
        i = _ones_to(u)
        # z_j = sum_{i >= j} u_i / sqrt(i (i + 1)) - [j >= 2] u_(j-1) sqrt((j - 1) / j)
        tail = _reverse_cumsum(u / at.sqrt(i * (i + 1.0)))
        step = u * at.sqrt(i / (i + 1.0))
        zero = at.zeros_like(u[..., :1])
        z = at.concatenate([tail, zero], axis=-1) - at.concatenate([zero, step], axis=-1)
        return z - at.logsumexp(z, axis=-1, keepdims=True)

    def backward(self, u: Any) -> TensorVariable:
        return at.exp(self._log_x(u))

    def log_jac_det(self, u: Any) -> TensorVariable:
        log_x = self._log_x(u)
        size = at.cast(at.shape(log_x)[-1], log_x.dtype)
        return at.sum(log_x, axis=-1) + 0.5 * at.log(size)


#: the simplex transform (stateless)
simplex = SimplexTransform()


# --- ordered: {x_1 < x_2 < ... < x_K} <-> R^K ---------------------------------------------

class OrderedTransform(Transform):
    """Increasing vectors <-> ``R^K``: ``u_1 = x_1``, ``u_k = log(x_k - x_(k-1))``; back,
    ``x = cumsum([u_1, exp(u_2), ..., exp(u_K)])``.  The Jacobian is lower triangular with
    diagonal ``1, exp(u_2), ..., exp(u_K)``: ``log |det J| = sum_{k >= 2} u_k``."""

    name = "ordered"
    ndim_supp = 1
    ndim_supp_unconstrained = 1

    def forward(self, value: Any) -> TensorVariable:
        x = self._value(value, "value")
        return at.concatenate([x[..., :1], at.log(at.diff(x, axis=-1))], axis=-1)

    def backward(self, u: Any) -> TensorVariable:
        u = self._value(u, "unconstrained value")
        return at.cumsum(at.concatenate([u[..., :1], at.exp(u[..., 1:])], axis=-1), axis=-1)

    def log_jac_det(self, u: Any) -> TensorVariable:
        u = self._value(u, "unconstrained value")
        return at.sum(u[..., 1:], axis=-1)


#: the ordered transform (stateless)
ordered = OrderedTransform()


# --- Cholesky factor of a correlation matrix <-> R^(n(n-1)/2) -------------------------------

class CholeskyCorr(Transform):
    """Lower-triangular ``n x n`` factors ``L`` of correlation matrices (``L L^T`` has a unit
    diagonal: the rows of ``L`` have unit norm, ``L_ii > 0``) <-> ``R^(n(n-1)/2)``, the
    strictly-lower entries in row-major order (``np.tril_indices(n, -1)``).

    Construction (canonical partial correlations): ``z_ij = tanh(u_ij)`` in ``(-1, 1)``; row
    ``i`` is filled left to right, each entry taking the fraction ``z_ij`` of the row's
    remaining length: ``L_ij = z_ij * s_ij`` with ``s_ij^2 = 1 - sum_{k<j} L_ik^2``, and
    ``L_ii = s_ii``.  As each step leaves ``(1 - z_ij^2)`` of the squared length,
    ``s_ij^2 = prod_{k<j} (1 - z_ik^2)``: a cumulative sum of ``log(1 - z^2)``, which is
    formed from ``u`` directly (``2 (log 2 - |u| - softplus(-2|u|))``), so no ``1 - tanh^2``
    rounds to 0 and no ``1 - sum`` cancels.

    Log-Jacobian (of ``u`` -> the strictly-lower entries of ``L``): rows are independent
    (block-diagonal Jacobian).  Within row ``i``, ``L_ij`` depends on ``z_ik`` for ``k <= j``
    only, so ``dL/dz`` is triangular with diagonal ``dL_ij/dz_ij = s_ij``; and
    ``dz_ij/du_ij = 1 - z_ij^2``.  Hence
    ``log |det J| = sum_{i>j} [log(1 - z_ij^2) + log(s_ij^2) / 2]``.

    ``forward`` inverts it with ``u_ij = arctanh(L_ij / s_ij)`` written as
    ``sign(L_ij) * log((s_ij + |L_ij|) / r_ij)`` where ``r_ij^2 = s_ij^2 - L_ij^2 =
    sum_{j<k<=i} L_ik^2`` (both lengths summed from the row's end, positive terms only):
    ``arctanh`` of a ratio near 1 would lose every digit of ``1 - |z|`` (``tanh(20)`` is 1 in
    double precision), this keeps them.
    """

    name = "cholesky_corr"
    ndim_supp = 2
    ndim_supp_unconstrained = 1

    def __init__(self, n: int) -> None:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"CholeskyCorr transform: n must be a positive int (the matrix "
                             f"order), got {n!r}")
        self.n = int(n)
        self.size = self.n * (self.n - 1) // 2
        self._rows, self._cols = np.tril_indices(self.n, -1)
        # gather index: each matrix position's entry of [u, 0] (m = the appended zero)
        index = np.full((self.n, self.n), self.size, dtype=np.int64)
        index[self._rows, self._cols] = np.arange(self.size)
        self._index = index
        self._strict = np.tril(np.ones((self.n, self.n)), -1)

    def _check_u(self, u: Any) -> Any:
        u = self._value(u, "unconstrained value")
        last = u.type.shape[-1]
        if last is not None and last != self.size:
            raise ValueError(f"{self.name} transform (n={self.n}): the unconstrained value's last "
                             f"axis must have n(n-1)/2 = {self.size} entries, got {u.type}")
        return u

    def _parts(self, u: Any) -> tuple[Any, Any, Any]:
        """``z = tanh(u)``, ``A = log(1 - z^2)`` and ``C`` (``log s^2``, the exclusive
        cumulative sum of ``A`` along rows) as ``n x n`` matrices."""
        u = self._check_u(u)
        padded = at.concatenate([u, at.zeros_like(u[..., :1])], axis=-1)
        y = padded[..., self._index]                       # (..., n, n), zero off the strict part
        strict = at.as_tensor_variable(self._strict.astype(u.dtype))
        magnitude = at.abs(y)
        # log(1 - tanh(y)^2) = log sech(y)^2 = 2 (log 2 - |y| - log1p(exp(-2|y|)))
        log_1m_z2 = 2.0 * (_LOG_2 - magnitude - at.softplus(-2.0 * magnitude)) * strict
        log_s2 = at.concatenate([at.zeros_like(log_1m_z2[..., :1]),
                                 at.cumsum(log_1m_z2[..., :-1], axis=-1)], axis=-1)
        return at.tanh(y), log_1m_z2, log_s2

    def backward(self, u: Any) -> TensorVariable:
        z, _, log_s2 = self._parts(u)
        eye = at.as_tensor_variable(np.eye(self.n, dtype=z.dtype))
        # strictly lower: z s; diagonal: s (the whole remaining length); above: 0 (z = eye = 0)
        return (z + eye) * at.exp(0.5 * log_s2)

    def log_jac_det(self, u: Any) -> TensorVariable:
        _, log_1m_z2, log_s2 = self._parts(u)
        strict = at.as_tensor_variable(self._strict.astype(log_s2.dtype))
        return at.sum(log_1m_z2 + 0.5 * log_s2 * strict, axis=(-2, -1))

    def forward(self, value: Any) -> TensorVariable:
        factor = self._value(value, "value")
        shape = factor.type.shape[-2:]
        if any(d is not None and d != self.n for d in shape):
            raise ValueError(f"{self.name} transform (n={self.n}): the value must be n x n on its "
                             f"last two axes, got {factor.type}")
        lower = at.as_tensor_variable(np.tril(np.ones((self.n, self.n))).astype(factor.dtype))
        squares = at.square(factor) * lower
        from_end = _reverse_cumsum(squares)                 # s_ij^2 = sum_{k >= j} L_ik^2
        rows, cols = self._rows, self._cols
        entry = factor[..., rows, cols]
        # gathered before the square roots: the entries on and above the diagonal are not
        # needed, and sqrt(0) there would put infinite slopes into the derivative
        s = at.sqrt(from_end[..., rows, cols])
        r = at.sqrt(from_end[..., rows, cols + 1])
        return at.sign(entry) * (at.log(s + at.abs(entry)) - at.log(r))

    def __repr__(self) -> str:
        return f"<cholesky_corr transform (n={self.n})>"
