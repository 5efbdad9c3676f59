"""Reductions, products, cumulative ops and sorting in the fuzzer, with their error bounds.

Each bound is the textbook worst case over every evaluation order, because a
backend may sum in any order (pairwise in NumPy, in vector lanes in C, in
XLA's tree): for ``s = sum(x_i)`` over ``n`` terms, any order satisfies
``|s_computed - s| <= n * eps * sum |x_i|`` (plus the propagated input
errors ``sum e_i``); a product's rounding is relative, ``n * eps * |p|``, and
its propagated error is ``prod(|x_i| + e_i) - prod |x_i|`` (exact first and
higher order); a dot product of length ``k`` is a sum of ``k`` rounded
products, ``(k + 2) * eps * (|A| @ |B|)`` (an FMA only helps).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from tests.fuzz import error_model as em
from tests.fuzz.ops_elemwise import kink_check, margin_of, widen
from tests.fuzz.program import OpSpec, Reject


def _normalize(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else axis
    return tuple(sorted(a % ndim for a in axes))


def lanes(a: np.ndarray, axis) -> np.ndarray:
    """``a`` as a 2-d array: one row per kept position, the reduced elements along it."""
    axes = _normalize(axis, a.ndim)
    kept = [d for d in range(a.ndim) if d not in axes]
    t = np.transpose(a, kept + list(axes))
    rows = int(np.prod([a.shape[d] for d in kept]))
    return t.reshape(rows, int(np.prod([a.shape[d] for d in axes])))


def _fmt_axis(axis) -> str:
    return repr(axis)


def _abs(a: np.ndarray) -> np.ndarray:
    a = em.wide(a)
    return np.abs(np.where(np.isfinite(a), a, 0.0))


def random_axis(gen, ndim: int, allow_tuple: bool = True):
    rng = gen.rng
    r = rng.random()
    if ndim == 0 or r < 0.3:
        return None
    if r < 0.75 or not allow_tuple or ndim == 1:
        return int(rng.integers(-ndim, ndim))
    k = int(rng.integers(1, ndim + 1))
    return tuple(int(a) for a in rng.choice(ndim, k, replace=False))


class Reduce(OpSpec):
    name = "reduce"
    weight = 2.0
    smooth = True
    FNS: ClassVar[dict] = {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min, "mean": np.mean,
           "any": np.any, "all": np.all}

    def code(self, names, params):
        args = f"axis={_fmt_axis(params['axis'])}" + (", keepdims=True" if params["keepdims"] else "")
        if params.get("dtype"):
            args += f", dtype={params['dtype']!r}"
        if params["method"]:
            return f"{names[0]}.{params['fn']}({args})"
        return f"at.{params['fn']}({names[0]}, {args})"

    def evaluate(self, vals, params):
        x, fn, axis, keep = vals[0], params["fn"], params["axis"], params["keepdims"]
        try:
            extra = {"dtype": params["dtype"]} if params.get("dtype") else {}
            ref = np.asarray(self.FNS[fn](x.ref, axis=axis, keepdims=keep, **extra))
        except (ValueError, TypeError) as exc:
            raise Reject(str(exc)) from None
        if x.dtype.kind == "f" and fn in ("any", "all"):
            em.same_everywhere(lambda a: a != 0, [x.ref], [widen([x.ref], [x.err], margin_of(params))[0]],
                               x.shape)
        if ref.dtype.kind != "f":
            return ref, np.zeros(ref.shape)
        n = x.ref.size // max(ref.size, 1) if x.ref.size else 0
        e, absx = em.eps(ref.dtype), _abs(x.ref)
        finite = np.all(np.isfinite(x.ref), axis=axis, keepdims=keep)
        if fn in ("sum", "mean"):
            err = np.sum(x.err, axis=axis, keepdims=keep) + n * e * np.sum(absx, axis=axis, keepdims=keep)
            if fn == "mean":
                err = err / max(n, 1) + 2 * e * _abs(ref)
        elif fn == "prod":
            bound = np.prod(absx + x.err, axis=axis, keepdims=keep)
            err = bound - np.prod(absx, axis=axis, keepdims=keep) + n * e * bound
        else:
            # max and min are 1-Lipschitz in the largest input error
            err = np.max(x.err, axis=axis, keepdims=keep, initial=0.0)
            margin = margin_of(params)
            if margin and x.ref.size:
                rows = np.sort(lanes(em.wide(x.ref), axis), axis=1)
                if rows.shape[1] > 1:
                    gap = rows[:, -1] - rows[:, -2] if fn == "max" else rows[:, 1] - rows[:, 0]
                    kink_check(gap, rows[:, -1], margin)
        err = err + em.tiny(ref.dtype)
        return ref, em.finish(ref, err, finite, singular_ok=(fn == "mean"))

    def propose(self, gen):
        fns = ["sum", "prod", "max", "min", "mean"] if gen.smooth else list(self.FNS)
        fn = str(gen.rng.choice(fns, p=None if gen.smooth else [0.25, 0.12, 0.15, 0.12, 0.16, 0.1, 0.1]))
        i = gen.pick(lambda v: fn not in ("prod",) or v.ref.size <= 30)
        if i is None:
            return None
        v = gen.values[i]
        params = {"fn": fn, "axis": random_axis(gen, v.ndim), "keepdims": bool(gen.rng.random() < 0.3),
                  "method": bool(gen.rng.random() < 0.3), "margin": gen.margin}
        if fn in ("sum", "prod", "mean") and not gen.smooth and gen.rng.random() < 0.1:
            # an explicit result dtype: the reduction runs in it (NumPy's rule)
            # (integer dtypes for integer inputs only: a float truncated to int is discrete)
            ints = fn != "mean" and v.dtype.kind in "biu"
            params["dtype"] = str(gen.rng.choice(["float32", "float64"]
                                                 + (["int64", "int32"] if ints else [])))
        return (i,), params


class ArgReduce(OpSpec):
    name = "argmax"
    weight = 0.5

    def code(self, names, params):
        keep = ", keepdims=True" if params["keepdims"] else ""
        return f"at.{params['fn']}({names[0]}, axis={params['axis']!r}{keep})"

    def evaluate(self, vals, params):
        x, fn, axis = vals[0], params["fn"], params["axis"]
        try:
            ref = getattr(np, fn)(x.ref, axis=axis, keepdims=params["keepdims"])
        except ValueError as exc:
            raise Reject(str(exc)) from None
        if x.err.any():
            # the winner must beat every other element by more than both their errors
            sign = 1.0 if fn == "argmax" else -1.0
            rows, errs = sign * lanes(em.wide(x.ref), axis), lanes(x.err, axis)
            k = np.argmax(rows, axis=1)
            best = np.take_along_axis(rows, k[:, None], 1)
            best_err = np.take_along_axis(errs, k[:, None], 1)
            close = (best - rows <= best_err + errs) & ((best_err + errs) > 0)
            close[np.arange(len(k)), k] = False
            if np.any(close & ~np.isnan(rows)):
                raise Reject("the extreme element depends on rounding")
        return np.asarray(ref).astype(np.int64), np.zeros(np.shape(ref))

    def propose(self, gen):
        i = gen.pick(lambda v: v.ref.size > 0)
        if i is None:
            return None
        v = gen.values[i]
        axis = random_axis(gen, v.ndim, allow_tuple=False)
        return (i,), {"fn": str(gen.rng.choice(["argmax", "argmin"])), "axis": axis,
                      "keepdims": bool(gen.rng.random() < 0.3)}


def _tensordot(a: np.ndarray, b: np.ndarray, axes) -> np.ndarray:
    """np.tensordot through einsum (no BLAS shortcut, so NaN propagates as in IEEE)."""
    if isinstance(axes, int):
        a_axes, b_axes = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        a_axes, b_axes = [x % a.ndim for x in axes[0]], [x % b.ndim for x in axes[1]]
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(a_axes, b_axes):
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in a_axes] + [c for k, c in enumerate(sb) if k not in b_axes]
    return np.asarray(np.einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b, optimize=False))


class Product(OpSpec):
    """dot, matmul (and ``@``), outer, tensordot."""

    name = "product"
    weight = 1.0
    smooth = True

    def code(self, names, params):
        a, b = names
        form = params["form"]
        if form == "@":
            return f"({a} @ {b})"
        if form == "tensordot":
            return f"at.tensordot({a}, {b}, axes={params['axes']!r})"
        return f"at.{form}({a}, {b})"

    def fn(self, params):
        """The product, with IEEE semantics (0 * NaN is NaN) for every shape: np.dot and
        np.tensordot hand a (1, 1) operand to BLAS's scal, which writes zeros where
        alpha is 0 whatever the other operand holds, unlike np.matmul."""
        form = params["form"]
        if form == "tensordot":
            return lambda a, b: _tensordot(a, b, params["axes"])
        return {"dot": np.matmul, "matmul": np.matmul, "@": np.matmul,
                "outer": lambda a, b: np.multiply.outer(np.ravel(a), np.ravel(b))}[form]

    def evaluate(self, vals, params):
        a, b = vals
        f = self.fn(params)
        ref = np.asarray(f(a.ref, b.ref))
        if ref.dtype.kind != "f":
            return ref, np.zeros(ref.shape)
        k = (a.ref.size * b.ref.size) // max(ref.size, 1) if params["form"] != "outer" else 0
        absa, absb = _abs(a.ref), _abs(b.ref)
        err = (f(absa, b.err) + f(a.err, absb) + f(a.err, b.err)
               + (k + 2) * em.eps(ref.dtype) * f(absa, absb) + em.tiny(ref.dtype))
        bad = f(np.where(np.isfinite(em.wide(a.ref)), 0.0, 1.0), np.ones(b.shape)) \
            + f(np.ones(a.shape), np.where(np.isfinite(em.wide(b.ref)), 0.0, 1.0))
        return ref, em.finish(ref, err, bad == 0)

    def propose(self, gen):
        rng = gen.rng
        form = str(rng.choice(["dot", "matmul", "@", "outer", "tensordot"]))
        max_nd = 2 if form in ("dot", "outer") else 3
        i = gen.pick(lambda v: 1 <= v.ndim <= max_nd and v.dtype.kind in "fiu" and v.ref.size <= 40)
        if i is None:
            return None
        a = gen.values[i]
        kind = "f" if a.dtype.kind == "f" or rng.random() < 0.3 else "i"
        dtype = a.dtype if rng.random() < 0.75 else gen.random_dtype(kind)
        if dtype.kind == "b":
            return None
        n, sn = a.shape[-1], a.static[-1]

        def dim():
            m = int(rng.integers(1, 4))
            return m, (m if rng.random() < 0.4 else (1 if m == 1 else None))

        def contracted():
            return n, (sn if rng.random() < 0.5 else None)

        params = {"form": form}
        if form == "outer":
            dims = [dim() for _ in range(int(rng.integers(1, 3)))]
        elif form == "dot":
            dims = [contracted()] + ([dim()] if rng.random() < 0.6 else [])
        elif form in ("matmul", "@"):
            r = rng.random()
            if r < 0.25:
                dims = [contracted()]
            elif r < 0.7 or a.ndim < 3:
                dims = [contracted(), dim()]
            else:
                batch = a.shape[0] if rng.random() < 0.6 else 1
                dims = [(batch, batch if batch == 1 else (a.static[0] if rng.random() < 0.5 else None)),
                        contracted(), dim()]
        else:
            nd = a.ndim
            k = int(rng.integers(1, min(2, nd) + 1))
            if rng.random() < 0.4:
                params["axes"] = k
                dims = [(a.shape[d], a.static[d] if rng.random() < 0.5 else None) for d in range(nd - k, nd)]
                dims += [dim() for _ in range(int(rng.integers(0, 2)))]
            else:
                a_axes = [int(d) for d in rng.choice(nd, k, replace=False)]
                others = [dim() for _ in range(int(rng.integers(0, 2)))]
                positions = sorted(rng.choice(k + len(others), k, replace=False).tolist())
                dims, b_axes, it = [], [None] * k, iter(others)
                for p in range(k + len(others)):
                    if p in positions:
                        j = positions.index(p)
                        b_axes[j] = p
                        dims.append((a.shape[a_axes[j]], None))
                    else:
                        dims.append(next(it))
                params["axes"] = [a_axes, b_axes]
        shape = tuple(d for d, _ in dims)
        static = tuple(s for _, s in dims)
        j = gen.fresh(shape, dtype, static=static)
        return (i, j), params


class Cumulative(OpSpec):
    name = "cumulative"
    weight = 0.6
    smooth = True

    def code(self, names, params):
        return f"at.{params['fn']}({names[0]}, axis={params['axis']!r})"

    def evaluate(self, vals, params):
        x, fn, axis = vals[0], params["fn"], params["axis"]
        ref = getattr(np, fn)(x.ref, axis=axis)
        if ref.dtype.kind != "f":
            return ref, np.zeros(ref.shape)
        flat = axis is None
        absx = _abs(x.ref)
        xe, xa = (x.err.reshape(-1), absx.reshape(-1)) if flat else (x.err, absx)
        ax = 0 if flat else axis
        n = xa.shape[ax] if xa.ndim else 1
        e = em.eps(ref.dtype)
        if fn == "cumsum":
            err = np.cumsum(xe, axis=ax) + n * e * np.cumsum(xa, axis=ax)
        else:
            bound = np.cumprod(xa + xe, axis=ax)
            err = bound - np.cumprod(xa, axis=ax) + n * e * bound
        finite = np.logical_and.accumulate(np.isfinite(x.ref.reshape(-1) if flat else x.ref), axis=ax) \
            if x.ref.size else True
        return ref, em.finish(ref, err + em.tiny(ref.dtype), finite)

    def propose(self, gen):
        fn = str(gen.rng.choice(["cumsum", "cumprod"], p=[0.65, 0.35]))
        i = gen.pick(lambda v: fn == "cumsum" or v.ref.size <= 30)
        if i is None:
            return None
        v = gen.values[i]
        axis = None if v.ndim == 0 or gen.rng.random() < 0.25 else int(gen.rng.integers(-v.ndim, v.ndim))
        return (i,), {"fn": fn, "axis": axis}


class Sort(OpSpec):
    name = "sort"
    weight = 0.6
    smooth = True

    def code(self, names, params):
        return f"at.{params['fn']}({names[0]}, axis={params['axis']!r})"

    def evaluate(self, vals, params):
        x, fn, axis = vals[0], params["fn"], params["axis"]
        if x.ndim == 0 and axis is not None:
            raise Reject("sort of a 0-d array along an axis")
        order = np.argsort(x.ref, axis=axis, kind="stable")
        flat_ref = x.ref.reshape(-1) if axis is None else x.ref
        flat_err = x.err.reshape(-1) if axis is None else x.err
        ax = -1 if axis is None else axis
        s = np.take_along_axis(flat_ref, order, ax)
        es = np.take_along_axis(flat_err, order, ax)
        if s.shape[ax] > 1 and (x.err.any() or margin_of(params)):
            gaps = np.abs(np.diff(em.wide(s), axis=ax))
            slack = np.delete(es, 0, ax) + np.delete(es, -1, ax)
            close = gaps <= slack + margin_of(params) * (1 + np.abs(np.delete(em.wide(s), 0, ax)))
            if fn == "argsort" and np.any(close & (slack > 0)):
                raise Reject("the order depends on rounding")
            if margin_of(params) and np.any(close):
                raise Reject("a tie: sort is not differentiable there")
        if fn == "argsort":
            return order.astype(np.int64), np.zeros(order.shape)
        # the k-th smallest is 1-Lipschitz in the largest input error of its lane
        err = np.broadcast_to(np.max(flat_err, axis=ax, keepdims=True, initial=0.0), s.shape)
        return s, err

    def propose(self, gen):
        i = gen.pick()
        if i is None:
            return None
        v = gen.values[i]
        axis = None if v.ndim == 0 or gen.rng.random() < 0.25 else int(gen.rng.integers(-v.ndim, v.ndim))
        fn = "sort" if gen.smooth else str(gen.rng.choice(["sort", "argsort"]))
        return (i,), {"fn": fn, "axis": axis, "margin": gen.margin}


OPS = [Reduce(), ArgReduce(), Product(), Cumulative(), Sort()]
