"""Derivatives under PyTensor's names (``arignote.gradient``, like ``pytensor.gradient``).

    import arignote
    from arignote.gradient import grad, jacobian, hessian, Rop, Lop, verify_grad

``grad`` (reverse mode), ``Lop``/``pullback`` (vector-Jacobian products),
``Rop``/``pushforward`` (Jacobian-vector products), ``jacobian``,
``hessian``, ``hessian_vector_product``, the gradient-changing identities
``zero_grad``, ``disconnected_grad``, ``consider_constant``, ``grad_clip``,
``grad_scale``, ``undefined_grad`` (and the op classes they apply: ``GradClip``,
``GradScale``, ``UndefinedGrad``, and the ops ``zero_grad_``, ``disconnected_grad_``),
``subgraph_grad`` (backpropagation a part of a graph at a time), and ``verify_grad``
(finite-difference checks).  The
derivatives are built by :mod:`arignote.autodiff`.

``verify_grad`` is defined here rather than there: it compiles and runs the
function and its gradient, and the compile layer sits above autodiff.  It
reduces the function's output to a scalar by a random projection
(``sum(out * p)``), so every element of the output's Jacobian is checked at
once, and compares the gradient of that scalar with central differences
``(c(x + eps) - c(x - eps)) / (2 eps)``, element by element of each input.
Central differences are accurate to ``O(eps**2)``, so the default tolerances
can be tight.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import arignote.tensor as at
from arignote import autodiff as _autodiff
from arignote.autodiff import *  # noqa: F403
from arignote.autodiff.errors import GradientError
from arignote.autodiff.grad import grad
from arignote.autodiff.gradient_ops import DisconnectedGrad, ZeroGrad
from arignote.compile.function import function as _compile
from arignote.graph.basic import Variable
from arignote.tensor.basic import constant

__all__ = _autodiff.__all__ + ["disconnected_grad_", "numeric_grad", "subgraph_grad", "verify_grad",
                               "zero_grad_"]

#: the ops ``zero_grad`` and ``disconnected_grad`` apply (PyTensor's names for them)
zero_grad_ = ZeroGrad()
disconnected_grad_ = DisconnectedGrad()

#: (eps, abs_tol, rel_tol) by dtype: eps near the cube root of the machine epsilon
_DEFAULTS = {"float64": (1e-6, 1e-4, 1e-4), "float32": (4e-3, 2e-2, 2e-2), "float16": (3e-2, 2e-1, 2e-1)}


def numeric_grad(cost: Callable[..., float], point: Sequence[np.ndarray], eps: float) -> list[np.ndarray]:
    """Central-difference gradient of ``cost(*point)`` with respect to each array of ``point``."""
    # C order: the steps below go through a flat view, and reshape(-1) of any other layout
    # (a transposed point) is a copy, whose steps would never reach the cost
    point = [np.array(p, copy=True, order="C") for p in point]
    grads = []
    for value in point:
        g = np.zeros(value.shape, dtype=np.float64)
        flat = value.reshape(-1)  # a view: writing it moves this array of point
        for k in range(flat.size):
            saved = flat[k]
            flat[k] = saved + eps
            up = float(cost(*point))
            flat[k] = saved - eps
            down = float(cost(*point))
            flat[k] = saved
            g.reshape(-1)[k] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def _input_for(value: np.ndarray, position: int) -> Any:
    # PyTensor's convention: axes of length 1 are known to be 1 (they broadcast)
    shape = tuple(1 if n == 1 else None for n in value.shape)
    return at.tensor(f"x{position}", dtype=value.dtype, shape=shape)


def verify_grad(fun: Callable[..., Any], pt: Sequence[Any], n_tests: int = 2, rng: Any = None,
                eps: float | None = None, out_type: Any = None, abs_tol: float | None = None,
                rel_tol: float | None = None, mode: Any = None, cast_to_output_type: bool = False,
                no_debug_ref: bool = True) -> None:
    """Check ``grad`` of ``fun`` at the point ``pt`` (a list of arrays) against finite differences.

    ``fun`` takes one symbolic input per array and returns one variable.
    Raises :class:`GradientError` naming the input, the largest absolute and
    relative errors, and where they are, when some element is off by more
    than ``abs_tol`` *and* ``rel_tol``.  ``out_type``, ``cast_to_output_type``
    and ``no_debug_ref`` are accepted for PyTensor compatibility.
    """
    if not isinstance(pt, (list, tuple)):
        raise TypeError("verify_grad: pt must be a list or tuple of arrays")
    point = [np.array(p, copy=True) for p in pt]
    for position, p in enumerate(point):
        if p.dtype.kind not in "f":
            raise TypeError(f"verify_grad: input {position} has dtype {p.dtype}; finite differences "
                            f"need a floating point dtype")
    if not (hasattr(rng, "uniform") and hasattr(rng, "choice")):
        # a seed (or None); a Generator, a RandomState, or the np.random module itself (which
        # PyTensor's tests pass) is used as it is
        rng = np.random.default_rng(rng)
    dtype = np.result_type(*[p.dtype for p in point]).name
    default_eps, default_abs, default_rel = _DEFAULTS.get(dtype, _DEFAULTS["float64"])
    eps = default_eps if eps is None else eps
    abs_tol = default_abs if abs_tol is None else abs_tol
    rel_tol = default_rel if rel_tol is None else rel_tol

    inputs = [_input_for(p, k) for k, p in enumerate(point)]
    out = fun(*inputs)
    if isinstance(out, (list, tuple)):
        raise TypeError("verify_grad: fun must return a single variable")
    value = np.asarray(_compile(inputs, out, mode=mode, on_unused_input="ignore")(*point))
    for _ in range(n_tests):
        projection = rng.uniform(0.5, 1.5, size=value.shape) * rng.choice([-1.0, 1.0], size=value.shape)
        cost = (out * constant(projection.astype(out.dtype))).sum()
        cost_fn = _compile(inputs, cost, mode=mode, on_unused_input="ignore")
        grads = grad(cost, inputs, disconnected_inputs="ignore")
        grad_fn = _compile(inputs, grads, mode=mode, on_unused_input="ignore")
        symbolic = [np.asarray(g, dtype=np.float64) for g in grad_fn(*point)]
        numeric = numeric_grad(cost_fn, point, eps)
        for position, (s, n) in enumerate(zip(symbolic, numeric)):
            if s.shape != n.shape:
                raise GradientError(f"verify_grad: the gradient of input {position} has shape "
                                    f"{s.shape}, the input has shape {n.shape}", arg=position)
            abs_err = np.abs(s - n)
            rel_err = abs_err / np.maximum(np.abs(s) + np.abs(n), 1e-300)
            bad = (abs_err > abs_tol) & (rel_err > rel_tol) | ~np.isfinite(s)
            if np.any(bad):
                where = np.unravel_index(int(np.argmax(np.where(bad, abs_err, -1))), s.shape)
                raise GradientError(
                    f"verify_grad: the gradient of input {position} disagrees with finite differences "
                    f"at index {tuple(int(i) for i in where)}: symbolic {s[where]!r}, numeric "
                    f"{n[where]!r} (max abs error {abs_err.max():.3g} > {abs_tol}, max rel error "
                    f"{rel_err.max():.3g} > {rel_tol})", arg=position, abs_err=float(abs_err.max()),
                    rel_err=float(rel_err.max()))


def subgraph_grad(wrt: list[Variable], end: list[Variable], start: dict[Variable, Any] | None = None,
                  cost: Variable | None = None, details: bool = False) -> tuple[Any, ...]:
    """Gradients with respect to ``wrt`` and ``end`` of ``cost`` and of the known gradients
    ``start`` (a dict from variables to their gradients), not differentiating past ``end``
    (PyTensor's function).  Returns ``(wrt gradients, end gradients)``; with ``details`` also
    the gradients of ``wrt`` from ``start`` and from ``cost`` apart (None when not given).

    Chaining calls, each starting from the previous ``end`` gradients, backpropagates a graph
    one part at a time (as one ``grad`` of the sum of the costs would)."""
    if cost is None and start is None:
        raise ValueError("subgraph_grad: give a cost or start (known gradients)")
    if not isinstance(wrt, list) or not isinstance(end, list):
        raise TypeError("subgraph_grad: wrt and end must be lists")
    if start is not None and not isinstance(start, dict):
        raise TypeError("subgraph_grad: start must be a dict from variables to their gradients")
    params = list(dict.fromkeys([*wrt, *end]))
    options: dict[str, Any] = {"consider_constant": end, "disconnected_inputs": "ignore",
                               "return_disconnected": "none"}
    start_grads = None if start is None else grad(None, params, known_grads=start, **options)
    cost_grads = None if cost is None else grad(cost, params, **options)
    total: dict[Variable, Any] = {}
    for k, param in enumerate(params):
        parts = [g[k] for g in (start_grads, cost_grads) if g is not None and g[k] is not None]
        total[param] = None if not parts else parts[0] if len(parts) == 1 else parts[0] + parts[1]
    wrt_grads = [total[v] for v in wrt]
    end_grads = [total[v] for v in end]
    if details:
        return (wrt_grads, end_grads, None if start_grads is None else start_grads[:len(wrt)],
                None if cost_grads is None else cost_grads[:len(wrt)])
    return wrt_grads, end_grads
