"""The running error analysis that sets every tolerance of the fuzzer.

Every float value ``v`` of a program carries ``err``: an elementwise bound on
``|v_backend - v_numpy|`` for any correct backend.  Two correct
implementations may differ because each rounds differently (another summation
order, an FMA, a vectorised ``exp`` good to 4 ulps instead of glibc's 1, a
rewrite that turns ``x / c`` into ``x * (1/c)`` or reassociates a sum, XLA
flushing subnormals to zero), and every such difference is then propagated by
the later ops.  So a tolerance is not one number per dtype: it is computed
along the graph, op by op, from the values actually flowing.  This is the
"ulps of the dtype times the number of ops along the path" rule made precise:
each op adds its own rounding (a few ulps of its result) and passes on its
inputs' errors scaled by how sensitive it is to them (its condition), with an
absolute term where a result cancels towards zero.

For one op ``y = f(x1, ..., xn)`` with reference ``y_ref = f_np(x_ref)`` and a
backend's ``y_b = f_b(x_b)``, where ``|x_b - x_ref| <= e``:

    |y_b - y_ref| <= |f_b(x_b) - f(x_b)|      (the backend's rounding: own(y))
                   + |f(x_b) - f(x_ref)|       (propagation: spread)
                   + |f(x_ref) - f_np(x_ref)|  (NumPy's rounding: own(y))

``spread`` is found by evaluating ``f`` in float64 at the corners and centre of
the box ``x_ref +- e`` (exact for functions monotone in each argument on the
box, and first-order right for smooth ones; 1.25x covers the curvature the
corners miss), so ``err = 1.25 * spread + 2 * own``.

Values whose result a correct backend could get qualitatively different
(an input error interval that straddles a discontinuity, a pole, a domain
edge or overflow) are *rejected*: the generator builds something else instead,
so every comparison that is made is unambiguous.  Integers and booleans are
exact (wrap-around included): their ``err`` is zero and they must match bit
for bit.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from tests.fuzz.program import Reject

# How far a value may get from overflow, and how uncertain, and still be
# compared: beyond these the comparison would say little and the next op could
# overflow on one backend and not on another.
OVERFLOW_MARGIN = 1e-4
MAX_RELATIVE_UNCERTAINTY = 1e-2
# Nonlinear effects the corner sampling misses (see the module docstring).
SPREAD_SAFETY = 1.25


def eps(dtype: np.dtype) -> float:
    dtype = np.dtype(dtype)
    return float(np.finfo(dtype).eps) if dtype.kind in "fc" else 0.0


def tiny(dtype: np.dtype) -> float:
    """The smallest normal number.  Every float op may add it: XLA on the CPU
    flushes subnormal results to zero, a difference of at most this much."""
    dtype = np.dtype(dtype)
    return float(np.finfo(dtype).tiny) if dtype.kind in "fc" else 0.0


def huge(dtype: np.dtype) -> float:
    dtype = np.dtype(dtype)
    return float(np.finfo(dtype).max) if dtype.kind in "fc" else np.inf


def wide(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _classes(a: np.ndarray) -> np.ndarray:
    """0 finite, 1 NaN, 2 +inf, 3 -inf."""
    return np.where(np.isnan(a), 1, np.where(a == np.inf, 2, np.where(a == -np.inf, 3, 0)))


def grid(xs: Sequence[np.ndarray], es: Sequence[np.ndarray]):
    """The corners and edge midpoints of the box ``xs +- es`` (centre excluded),
    varying only the arguments that carry an error."""
    varying = [i for i, e in enumerate(es) if np.any(e)]
    for signs in itertools.product((-1.0, 0.0, 1.0), repeat=len(varying)):
        if not any(signs):
            continue
        point = list(xs)
        for i, s in zip(varying, signs):
            if s:
                point[i] = xs[i] + s * es[i]
        yield point


def spread(f: Callable[..., np.ndarray], xs: Sequence[np.ndarray], es: Sequence[np.ndarray],
           shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``(centre, spread)``: ``f`` in float64 at ``xs`` and the largest change over the
    error box.  Rejects when some point of the box changes the kind of result
    (finite, NaN, +inf, -inf): a domain edge or a pole is within reach."""
    xs = [np.broadcast_to(wide(x), shape) for x in xs]
    es = [np.broadcast_to(wide(e), shape) for e in es]
    with np.errstate(all="ignore"):
        centre = np.broadcast_to(wide(f(*xs)), shape)
        kind = _classes(centre)
        worst = np.zeros(shape)
        for point in grid(xs, es):
            y = np.broadcast_to(wide(f(*point)), shape)
            if np.any(_classes(y) != kind):
                raise Reject("an input error interval reaches a domain edge, pole or overflow")
            d = np.abs(y - centre)
            worst = np.maximum(worst, np.where(kind == 0, d, 0.0))
    return centre, worst


def same_everywhere(f: Callable[..., np.ndarray], xs: Sequence[np.ndarray], es: Sequence[np.ndarray],
                    shape: tuple[int, ...]) -> None:
    """Reject unless ``f`` (a discrete function: a comparison, a rounding, a cast to
    int) gives the same result all over the error box.  For functions monotone in
    each argument, equal values at the corners mean equal values inside."""
    if not any(np.any(e) for e in es):
        return
    xs = [np.broadcast_to(wide(x), shape) for x in xs]
    es = [np.broadcast_to(wide(e), shape) for e in es]
    with np.errstate(all="ignore"):
        centre = np.broadcast_to(f(*xs), shape)
        for point in grid(xs, es):
            y = np.broadcast_to(f(*point), shape)
            if not np.array_equal(y, centre, equal_nan=True):
                raise Reject("a discrete result depends on rounding")


def finish(ref: np.ndarray, err: np.ndarray, inputs_finite: np.ndarray | bool,
           singular_ok: bool = False) -> np.ndarray:
    """Final checks on a float result's bound, shared by every op.

    - Non-finite results must match exactly (err 0).  Where all inputs were
      finite such a result is an overflow (rejected: a backend computing in
      another order may stay finite) unless ``singular_ok`` (log(0), 1/0,
      sqrt(-1): exact properties of exactly known inputs).
    - Results within ``OVERFLOW_MARGIN`` of the largest float are rejected.
    - A bound larger than ``MAX_RELATIVE_UNCERTAINTY`` of the value (plus one
      absolute unit) means the value is too uncertain to be worth comparing.
    """
    ref = np.asarray(ref)
    if ref.dtype.kind not in "fc":
        return np.zeros(ref.shape)
    err = np.array(np.broadcast_to(err, ref.shape), dtype=np.float64)
    with np.errstate(all="ignore"):
        finite = np.isfinite(ref)
        if not singular_ok and np.any(~finite & np.broadcast_to(inputs_finite, ref.shape)):
            raise Reject("overflow from finite inputs")
        err[~finite] = 0.0
        if not np.all(np.isfinite(err)):
            raise Reject("unbounded error")
        magnitude = np.abs(np.where(finite, ref, 0.0)).astype(np.float64)
        if np.any(magnitude + err > OVERFLOW_MARGIN * huge(ref.dtype)):
            raise Reject("close to overflow")
        if np.any(err > MAX_RELATIVE_UNCERTAINTY * (magnitude + 1.0)):
            raise Reject("too uncertain to compare")
    return err


def all_finite(*arrays: np.ndarray) -> np.ndarray | bool:
    """Elementwise: every (broadcast) input is finite there."""
    result: np.ndarray | bool = True
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind in "fc":
            result = result & np.isfinite(a)
    return result


def elemwise_error(f64: Callable[..., np.ndarray], xs: Sequence[np.ndarray], es: Sequence[np.ndarray],
                   ref: np.ndarray, ulps: float, abs_ulps: float = 0.0,
                   abs_scale: np.ndarray | float = 1.0, singular_ok: bool = False) -> np.ndarray:
    """Bound of an elementwise float op: ``1.25 * spread + 2 * own`` (module docstring).

    ``own = ulps * eps * |y| + abs_ulps * eps * abs_scale + tiny``: the relative
    accuracy of the function (correctly rounded arithmetic: 1; glibc's and
    libmvec's transcendental functions: up to 4; XLA's and SciPy's special
    functions: more) and, for functions whose implementations are only
    absolutely accurate near a zero of the result (sin near pi, log near 1,
    a difference of nearly equal numbers), an absolute term.
    """
    if ref.dtype.kind != "f":
        return np.zeros(ref.shape)
    e = eps(ref.dtype)
    centre, prop = spread(f64, xs, es, ref.shape)
    magnitude = np.abs(np.where(np.isfinite(centre), centre, 0.0))
    own = ulps * e * magnitude + abs_ulps * e * abs_scale + tiny(ref.dtype)
    return finish(ref, SPREAD_SAFETY * prop + 2.0 * own, all_finite(*xs), singular_ok)
