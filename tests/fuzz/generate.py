"""The seeded generator of fuzz programs.

``generate(seed)`` grows a program op by op: it asks a randomly chosen op kind
to propose operands (existing values, preferring recent ones, or fresh
leaves shaped to fit) and parameters, evaluates NumPy's reference and error
bound (a :class:`Reject` means "ambiguous here, try something else"), then
builds the arignote variable from the op's source text.  Generation and
reference evaluation happen in lockstep, so proposals can look at actual
values (indices in range, a mask's count, values inside a log's domain).

Shapes: every leaf has a runtime shape and a static type shape; lengths are
static or unknown (``None``), except that a length that must stretch when
broadcasting is declared statically 1, since only those stretch in arignote
(as in PyTensor).  Inputs are passed contiguous, Fortran-ordered (a transposed
layout), as negative-stride views or as strided views.

A build error (arignote refusing what NumPy accepted, a dtype or static shape
that disagrees with NumPy's) is not retried: it is recorded as a
:class:`Finding`, returned with the program and reported like a mismatch.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tests.fuzz import ops_elemwise, ops_idioms, ops_reduce, ops_shape
from tests.fuzz.program import ENV, LAYOUTS, Program, Reject, Step, Value, leaf_value, step_name

FLOAT_DTYPES = ("float32", "float64")
INT_DTYPES = ("int8", "uint8", "int32", "int64")
ALL_OPS = ops_elemwise.OPS + ops_shape.OPS + ops_reduce.OPS + ops_idioms.OPS
# Larger values are not fed to further ops: they would make the graphs slow
# without making them more interesting.
MAX_OPERAND_SIZE = 150
SPECIALS = (np.nan, np.inf, -np.inf, -0.0, 0.0)


@dataclass
class Finding:
    """Something arignote got wrong while the graph was being built."""

    kind: str          # "build", "dtype", "static-shape"
    source: str        # the arignote source of the step
    detail: str
    program: Program | None = None
    step: int | None = None

    def __str__(self) -> str:
        return f"[{self.kind}] {self.source}: {self.detail}"


@dataclass
class Gen:
    """Generation state: the growing program and its values."""

    seed: Any
    smooth: bool = False
    rng: np.random.Generator = field(init=False)
    steps: list[Step] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        # the gradient subset: float64 only, no NaN, values kept away from kinks
        self.margin = 1e-3 if self.smooth else 0.0
        self.kinds = "f" if self.smooth else "fib"
        self.all_static = bool(self.rng.random() < 0.3)
        self.specials = (not self.smooth) and bool(self.rng.random() < 0.25)

    # --- leaves ------------------------------------------------------------------------

    def random_dtype(self, kind: str) -> np.dtype:
        if self.smooth:
            return np.dtype("float64")
        choices = {"f": FLOAT_DTYPES, "i": INT_DTYPES, "b": ("bool",)}[kind]
        return np.dtype(self.rng.choice(choices))

    def random_shape(self, ndim: int | None = None) -> tuple[int, ...]:
        """Mostly short lengths (broadcasting, edge cases), sometimes long enough for a
        C kernel's vector body and its tail (lengths up to 19), now and then empty."""
        if ndim is None:
            ndim = int(self.rng.choice(4, p=[0.12, 0.3, 0.38, 0.2]))
        dims = [int(self.rng.choice([1, 2, 3, 4, 5], p=[0.2, 0.25, 0.25, 0.15, 0.15]))
                if self.rng.random() < 0.8 else int(self.rng.integers(6, 20)) for _ in range(ndim)]
        while int(np.prod(dims)) > (24 if self.smooth else 100):
            k = int(np.argmax(dims))
            dims[k] = max(1, dims[k] // 2)
        if ndim == 1 and not self.smooth and self.rng.random() < 0.15:
            dims[0] = int(self.rng.integers(20, 71))   # whole vector bodies of any width, and tails
        if not self.smooth and ndim and self.rng.random() < 0.03:
            dims[self.rng.integers(ndim)] = 0      # an empty array now and then
        return tuple(dims)

    def random_values(self, shape: tuple[int, ...], dtype: np.dtype,
                      domain: tuple[float, float] | None = None) -> np.ndarray:
        rng = self.rng
        lo, hi = domain or (-3.0, 3.0)
        if dtype.kind == "b":
            return rng.random(shape) < 0.5
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            if rng.random() < 0.1:                  # the whole range: wrap-around
                return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
            lo_i = max(int(np.floor(lo)), 0 if dtype.kind == "u" else -5)
            hi_i = max(int(np.ceil(hi)), lo_i + 1)
            return rng.integers(lo_i, hi_i, size=shape, endpoint=True).astype(dtype)
        if rng.random() < 0.2 and not self.smooth:  # integral floats: ties, exact sums
            values = rng.integers(int(np.floor(lo)), int(np.ceil(hi)) + 1, size=shape).astype(dtype)
        else:
            values = rng.uniform(lo, hi, size=shape).astype(dtype)
        if self.smooth and domain is not None and domain[0] >= 0:
            values = np.maximum(values, domain[0] + 0.05).astype(dtype)
        if self.specials and values.size and rng.random() < 0.5:
            flat = values.reshape(-1)
            for k in rng.integers(0, flat.size, size=int(rng.integers(1, 3))):
                flat[k] = SPECIALS[rng.integers(len(SPECIALS))]
        return values

    def static_for(self, shape: tuple[int, ...], stretch_ones: bool = True) -> tuple[int | None, ...]:
        static = []
        for n in shape:
            if self.all_static or (n == 1 and stretch_ones and self.rng.random() < 0.85) \
                    or self.rng.random() < 0.3:
                static.append(n)
            else:
                static.append(None)
        return tuple(static)

    def add_leaf(self, array: np.ndarray, static: Sequence[int | None] | None = None,
                 const: bool | None = None) -> int:
        array = np.asarray(array)
        if const is None:
            const = bool(self.rng.random() < 0.12)
        static = self.static_for(array.shape) if static is None else tuple(static)
        layout = str(self.rng.choice(LAYOUTS, p=[0.4, 0.2, 0.2, 0.2]))
        step = Step(None, (), {"array": array, "static": static, "const": const, "layout": layout})
        self.steps.append(step)
        index = len(self.steps) - 1
        self.values.append(leaf_value(step, step_name(self.steps, index), True))
        return index

    def fresh(self, shape: tuple[int, ...], dtype: np.dtype, domain: tuple[float, float] | None = None,
              static: Sequence[int | None] | None = None, const: bool | None = None) -> int:
        return self.add_leaf(self.random_values(shape, np.dtype(dtype), domain), static, const)

    def random_scalar(self, kind: str, fn: Any = None) -> Any:
        """A Python scalar operand (weakly typed: it takes the other operand's dtype)."""
        rng = self.rng
        if fn is not None and fn.name == "pow":
            return [2, 3, 0.5, 2.0, 1.5, -1.0][rng.integers(6)] if kind == "f" else int(rng.integers(0, 4))
        if kind != "b" and rng.random() < 0.2 and not self.smooth:
            kind = "fib"[rng.integers(3)]           # a scalar of another kind: promotion
        if kind == "f":
            return [0.5, 2.0, -1.5, 3.0, 0.0, 0.1, -2.25][rng.integers(7)]
        if kind == "i":
            return int(rng.integers(-3, 4))
        return bool(rng.random() < 0.5)

    # --- choosing operands -----------------------------------------------------------

    def pick(self, pred: Callable[[Value], bool] | None = None) -> int | None:
        """An existing value satisfying ``pred``.  Mostly a recent op result, so that
        graphs grow deep (chains of ops) rather than wide."""
        def ok(i: int, v: Value) -> bool:
            return (v.ref.size <= MAX_OPERAND_SIZE and (pred is None or pred(v))
                    and (not self.smooth or v.dtype.kind in "fb" or self.steps[i].is_leaf))

        candidates = [i for i, v in enumerate(self.values) if ok(i, v)]
        if not candidates:
            return None
        results = [i for i in candidates if not self.steps[i].is_leaf]
        if results and self.rng.random() < 0.75:
            w = np.array([2.0 ** (k - len(results)) for k in range(len(results))])
            return results[self.rng.choice(len(results), p=w / w.sum())]
        w = np.array([1.25 ** (i - len(self.values)) for i in candidates])
        return candidates[self.rng.choice(len(candidates), p=w / w.sum())]

    def partner(self, i: int, kinds: str, domain: tuple[float, float] | None = None) -> int | None:
        v = self.values[i]
        return self.partner_for(v.shape, v.static, kinds, domain)

    def partner_of_both(self, i: int, j: int) -> int | None:
        a, b = self.values[i], self.values[j]
        shape, static = broadcast_shapes(a, b)
        return self.partner_for(shape, static, self.kinds)

    def partner_for(self, shape: tuple[int, ...], static: tuple[int | None, ...], kinds: str,
                    domain: tuple[float, float] | None = None) -> int | None:
        """A value broadcasting with (shape, static): existing, or a fresh leaf."""
        kinds = "".join(k for k in kinds if k in self.kinds) or self.kinds[0]
        target = _Shaped(shape, static)
        if self.rng.random() < 0.4:
            j = self.pick(lambda u: _kind(u.dtype) in kinds and compatible(u, target))
            if j is not None:
                return j
        dims, stat = [], []
        keep = len(shape) if self.rng.random() < 0.75 else int(self.rng.integers(0, len(shape) + 1))
        if keep == len(shape) and len(shape) < 3 and self.rng.random() < 0.12:
            n = int(self.rng.integers(1, 4))     # a new leading axis: the target broadcasts along it
            dims.append(n)
            stat.append(1 if n == 1 else (n if self.rng.random() < 0.5 else None))
        for n, s in list(zip(shape, static))[len(shape) - keep:]:
            if n != 1 and self.rng.random() < 0.2:
                dims.append(1)
                stat.append(1)
            else:
                dims.append(n)
                stat.append(n if (self.all_static or (s is not None and self.rng.random() < 0.5)) else
                            (1 if n == 1 and self.rng.random() < 0.5 else None))
        kind = kinds[self.rng.integers(len(kinds))]
        return self.fresh(tuple(dims), self.random_dtype(kind), domain, static=stat)

    # --- growing the program -----------------------------------------------------------

    def try_op(self, op: Any) -> bool:
        if hasattr(op, "expand"):            # a scripted sequence of ordinary steps
            return op.expand(self)
        proposal = op.propose(self)
        if proposal is None:
            return False
        return self.apply(op, *proposal) is not None

    def apply(self, op: Any, args: Sequence[int], params: dict) -> int | None:
        """Add ``op`` on ``args``: the new value's index, or None if rejected or refused."""
        vals = [self.values[a] for a in args]
        step = Step(op, tuple(args), params)
        index = len(self.steps)
        name = f"v{index}"
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref, err = op.evaluate(vals, params)
        except (Reject, IndexError, ValueError, TypeError, OverflowError):
            # ambiguous, or NumPy refused (an index out of range, an empty max): not a test case
            return None
        ref = np.asarray(ref)
        if self.smooth and ref.dtype.kind == "f" and not np.all(np.isfinite(ref)):
            return None           # the gradient subset stays finite (a mean of nothing is NaN)
        err = np.broadcast_to(np.asarray(err, dtype=np.float64), ref.shape).copy()
        source = op.code([v.name for v in vals], params)
        try:
            var = eval(source, ENV, {v.name: v.var for v in vals})
        except Exception as exc:  # any refusal of a valid NumPy program is a finding
            self.record("build", source, f"{type(exc).__name__}: {exc}", step, vals)
            return None
        if var.type.dtype != ref.dtype.name:
            self.record("dtype", source, f"arignote {var.type.dtype}, NumPy {ref.dtype.name}", step, vals)
            return None
        static = tuple(var.type.shape)
        if len(static) != ref.ndim or any(s is not None and s != n for s, n in zip(static, ref.shape)):
            self.record("static-shape", source, f"arignote type {var.type}, NumPy shape {ref.shape}",
                        step, vals)
            return None
        self.steps.append(step)
        self.values.append(Value(var, ref, err, name, op.dyn(vals, params)))
        return index

    def record(self, kind: str, source: str, detail: str, step: Step, vals: Sequence[Value]) -> None:
        steps = self.steps + [step]
        program = Program(steps, [len(steps) - 1], self.seed, self.smooth)
        self.findings.append(Finding(kind, source, detail, program, len(steps) - 1))

    def grow(self, n_ops: int) -> None:
        ops = [op for op in ALL_OPS if op.smooth] if self.smooth else ALL_OPS
        w = np.array([op.weight for op in ops])
        first = self.kinds[0] if self.rng.random() < 0.7 else self.kinds[self.rng.integers(len(self.kinds))]
        self.fresh(self.random_shape(), self.random_dtype(first))
        made, attempts = 0, 0
        while made < n_ops and attempts < 20 * n_ops:
            attempts += 1
            op = ops[self.rng.choice(len(ops), p=w / w.sum())]
            made += self.try_op(op)


class _Shaped:
    """Just a shape and a static shape, for compatibility tests against a target."""

    def __init__(self, shape: tuple[int, ...], static: tuple[int | None, ...]) -> None:
        self.shape, self.static = shape, static


def _kind(dtype: np.dtype) -> str:
    return {"f": "f", "i": "i", "u": "i", "b": "b"}[np.dtype(dtype).kind]


def compatible(a: Any, b: Any) -> bool:
    """Whether a and b broadcast in arignote: equal lengths, or a statically-1 length."""
    for ra, sa, rb, sb in zip(reversed(a.shape), reversed(a.static), reversed(b.shape), reversed(b.static)):
        if ra == rb or (ra == 1 and sa == 1) or (rb == 1 and sb == 1):
            continue
        return False
    return True


def broadcast_shapes(a: Any, b: Any) -> tuple[tuple[int, ...], tuple[int | None, ...]]:
    n = max(len(a.shape), len(b.shape))
    sa = (1,) * (n - len(a.shape)) + tuple(a.shape)
    ta = (1,) * (n - len(a.shape)) + tuple(a.static)
    sb = (1,) * (n - len(b.shape)) + tuple(b.shape)
    tb = (1,) * (n - len(b.shape)) + tuple(b.static)
    shape, static = [], []
    for ra, xa, rb, xb in zip(sa, ta, sb, tb):
        if ra == rb:
            shape.append(ra)
            known = [s for s in (xa, xb) if s not in (None, 1)]
            static.append(xa if xa == xb else (known[0] if known else None))
        elif ra == 1:
            shape.append(rb)
            static.append(xb)
        else:
            shape.append(ra)
            static.append(xa)
    return tuple(shape), tuple(static)


def generate(seed: Any, n_ops: int = 8, n_outputs: int = 4,
             smooth: bool = False) -> tuple[Program, list[Finding]]:
    """A random program from ``seed``, with up to ``n_outputs`` outputs (the last
    value and others, preferring op results over leaves)."""
    gen = Gen(seed, smooth)
    gen.grow(n_ops)
    ops = [i for i, s in enumerate(gen.steps) if not s.is_leaf]
    outputs = [len(gen.steps) - 1] if ops else []
    rest = [i for i in ops if i not in outputs]
    gen.rng.shuffle(rest)
    outputs += rest[: n_outputs - len(outputs)]
    if outputs and gen.rng.random() < 0.05:     # the same variable twice: two distinct arrays
        outputs.append(outputs[0])
    if gen.rng.random() < 0.05:                 # an input returned unchanged
        inputs = [i for i, s in enumerate(gen.steps) if s.is_input]
        if inputs:
            outputs.append(inputs[0])
    program = Program(gen.steps, sorted(outputs), seed, smooth)
    program.values = gen.values            # the values built while generating (reused by run)
    return program, gen.findings
