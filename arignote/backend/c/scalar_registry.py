"""C code for scalar ops: a registry from scalar op type to its C emitter.

A scalar op whose NumPy function has a namesake in C's libm gets a call of
it by default (:func:`libm_name`); the others that have a C equivalent
register an emitter in a ``scalar_*.py`` module (``scalar_arith.py``,
``scalar_math.py``), found by name.  An emitter turns C expressions
for its arguments into a C expression for its result, all in the op's *loop
dtypes*: the dtypes NumPy computes in for the given input dtypes (for a
ufunc, ``ufunc.resolve_dtypes``; ``int8 + uint8`` runs in int16).  The
arguments are converted to the loop dtypes before, and the result to the
node's declared dtype after, exactly as NumPy's implementation followed by
`Elemwise`'s cast would, so compiled and NumPy results agree bit for bit
wherever C's and NumPy's functions do.

An op without an emitter, or dtypes C does not handle (float16, complex),
raise :class:`Unsupported`; the node then runs its NumPy implementation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.special as sps

from arignote.backend.c.c_types import c_literal, c_type, convert, supported
from arignote.graph.registry import Registry, import_submodules
from arignote.scalar import math as sm
from arignote.scalar.basic import ScalarOp, small_int_dtypes

Signature = tuple[tuple[np.dtype, ...], np.dtype]


class Unsupported(Exception):
    """A node has no C code; the message says why.  It runs on NumPy instead."""


@dataclass
class KernelParts:
    """What the statements of one kernel need around them."""

    helpers: dict[str, str] = field(default_factory=dict)   # name -> C definition, in order
    math: set[str] = field(default_factory=set)              # libm functions called
    checks: list[str] = field(default_factory=list)          # conditions that make the loop fail
    cost: float = 0.0                                        # estimated work per element


class Emit:
    """The context an emitter writes in: one op applied in its loop dtypes."""

    def __init__(self, op: ScalarOp, loop_in: Sequence[np.dtype], loop_out: np.dtype,
                 parts: KernelParts) -> None:
        self.op = op
        self.loop_in = tuple(loop_in)
        self.loop_out = loop_out
        self.parts = parts

    @property
    def out(self) -> str:
        """The C type of the result."""
        return c_type(self.loop_out)

    @property
    def kind(self) -> str:
        """NumPy kind of the (first) loop input: 'b', 'i', 'u' or 'f'."""
        return self.loop_in[0].kind if self.loop_in else self.loop_out.kind

    @property
    def suffix(self) -> str:
        """The libm suffix of the loop dtype: 'f' for float32, '' for float64."""
        return "f" if self.loop_in and self.loop_in[0] == np.float32 else ""

    def fn(self, name: str, *args: str) -> str:
        """A call of the libm function ``name`` in the loop's float precision."""
        full = name + self.suffix
        self.parts.math.add(full)
        return f"{full}({', '.join(args)})"

    def literal(self, value: float) -> str:
        """``value`` as a constant of the result type."""
        return c_literal(value, self.loop_out)

    def helper(self, name: str, code: str) -> str:
        """Include the C function ``code`` (defining ``name``) in the kernel; returns ``name``."""
        self.parts.helpers.setdefault(name, code)
        return name

    def fail_if(self, condition: str) -> None:
        """Make the loop report an error when ``condition`` holds for some element."""
        self.parts.checks.append(condition)


Emitter = Callable[..., str]
# (the op is Any: a rule is registered for its own op types, and reads their parameters)
SignatureRule = Callable[[Any, tuple[np.dtype, ...]], Signature | None]


@dataclass(frozen=True)
class ScalarLowering:
    emit: Emitter
    signature: SignatureRule
    cost: float


#: the cost of one libm call relative to an addition
TRANSCENDENTAL = 20

# libm functions (C99, double; ``f``-suffixed for float) that compute what the NumPy or SciPy
# function of the same name computes: the functions glibc's libmvec vectorizes, and a few more
_LIBM = frozenset({
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "cbrt", "sin", "cos", "tan",
    "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "hypot",
    "erf", "erfc", "tgamma", "lgamma"})
# SciPy's spellings of C's names (C's own ``gamma`` is glibc's old name for lgamma: never call it)
_RENAMED = {"gamma": "tgamma", "gammaln": "lgamma"}


def libm_name(op_type: type) -> str | None:
    """The libm function computing ``op_type``'s NumPy/SciPy function, found by name.

    ``np.exp`` -> ``exp``, ``np.arcsinh`` -> ``asinh`` (NumPy spells C's ``a`` prefix ``arc``),
    ``scipy.special.gammaln`` -> ``lgamma``; None for a function C does not have.
    """
    nfunc = getattr(op_type, "nfunc", None)
    name = getattr(nfunc, "__name__", None)
    if not isinstance(name, str) or not any(getattr(m, name, None) is nfunc for m in (np, sps)):
        return None  # a function of arignote's own (softplus): no namesake to trust
    name = _RENAMED.get(name, "a" + name[3:] if name.startswith("arc") else name)
    return name if name in _LIBM else None


def _libm_emitter(name: str) -> Emitter:
    def emit(e: Emit, *args: str) -> str:
        if e.loop_out.kind != "f":  # libm computes in floating point only
            raise Unsupported(f"{e.op} computes in {e.loop_out} (C's {name} is for floats)")
        return e.fn(name, *args)
    return emit


def _default_lowering(op_type: type) -> ScalarLowering | None:
    """The libm call of the same name (see :func:`libm_name`), when there is one."""
    name = libm_name(op_type)
    if name is None:
        return None
    return ScalarLowering(_libm_emitter(name), ufunc_signature, TRANSCENDENTAL)


#: scalar op type -> its C emitter; a scalar op whose NumPy function has a libm namesake
#: needs no entry (``_default_lowering``)
scalar_lowerings: Registry[ScalarLowering] = Registry("C scalar", default=_default_lowering)


# --- loop dtypes --------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def natural_dtype(op: ScalarOp, dtypes: tuple[np.dtype, ...]) -> np.dtype | None:
    """The dtype of ``op``'s NumPy implementation on arrays of ``dtypes`` (None: it fails)."""
    samples = [np.ones(1, dtype=d) for d in dtypes]
    try:
        with np.errstate(all="ignore"):
            result = op.impl(*samples)
    except (TypeError, ValueError):
        return None
    if isinstance(result, tuple):
        return None
    return np.asarray(result).dtype


@functools.lru_cache(maxsize=4096)
def ufunc_signature(op: ScalarOp, dtypes: tuple[np.dtype, ...]) -> Signature | None:
    """The loop NumPy's ufunc picks for arrays of ``dtypes``."""
    ufunc = getattr(type(op), "nfunc", None)
    if not isinstance(ufunc, np.ufunc) or ufunc.nout != 1 or ufunc.nin != len(dtypes):
        return None
    if op.float_result and small_int_dtypes(dtypes):
        # real-valued functions of small integers compute in float32, not NumPy's float16
        dtypes = (np.dtype(np.float32),) * len(dtypes)
    try:
        resolved = ufunc.resolve_dtypes(tuple(dtypes) + (None,))
    except (TypeError, ValueError, np.exceptions.DTypePromotionError):
        return None
    return tuple(resolved[:-1]), resolved[-1]


def natural_signature(op: ScalarOp, dtypes: tuple[np.dtype, ...]) -> Signature | None:
    """Every input converted to the natural result dtype (functions written with ufuncs
    of one common dtype: reciprocal, clip, softplus, ...)."""
    out = natural_dtype(op, dtypes)
    return None if out is None else ((out,) * len(dtypes), out)


def c_scalar(*op_types: type, signature: SignatureRule = ufunc_signature,
             cost: float = 1.0) -> Callable[[Emitter], Emitter]:
    """Decorator registering the C emitter of scalar op types.

    ``emit(e: Emit, *args) -> str`` gets the arguments as C expressions in the
    loop dtypes (``signature`` finds them) and returns the result expression.
    ``cost`` estimates the work per element (1: an addition), used to decide
    when a loop is worth splitting across threads.
    """
    def register(emit: Emitter) -> Emitter:
        for op_type in op_types:
            scalar_lowerings.add(op_type, ScalarLowering(emit, signature, cost))
        return emit
    return register


def lowering_for(op: ScalarOp) -> ScalarLowering | None:
    """The lowering of ``op``'s type: registered (for it or a base class), or its libm namesake."""
    return scalar_lowerings.lookup(type(op))


# --- applying an op ---------------------------------------------------------------------

def apply_op(op: ScalarOp, args: Sequence[str], arg_dtypes: Sequence[np.dtype],
             out_dtype: np.dtype, parts: KernelParts) -> str:
    """A C expression (of ``out_dtype``) for ``op`` applied to ``args`` (of ``arg_dtypes``).

    Follows NumPy: arguments converted to the loop dtypes, the loop's result
    converted to the declared ``out_dtype``.  Raises Unsupported.
    """
    arg_dtypes = tuple(np.dtype(d) for d in arg_dtypes)
    out_dtype = np.dtype(out_dtype)
    for dtype in (*arg_dtypes, out_dtype):
        if not supported(dtype):
            raise Unsupported(f"{op} on {dtype}: compiled code handles bool, integers, float32 "
                              "and float64")
    if isinstance(op, (sm.Add, sm.Mul)) and len(args) != 2:
        if len(args) == 1:  # np.positive(x)
            return convert(args[0], arg_dtypes[0], out_dtype)
        # functools.reduce over the inputs, as the NumPy implementation does
        expr, dtype = args[0], arg_dtypes[0]
        for arg, arg_dtype in zip(args[1:], arg_dtypes[1:]):
            signature = ufunc_signature(op, (dtype, arg_dtype))
            if signature is None:
                raise Unsupported(f"{op} has no loop for {dtype} and {arg_dtype}")
            step_out = signature[1]
            expr = _apply(op, [expr, arg], (dtype, arg_dtype), step_out, signature, parts)
            dtype = step_out
        return convert(expr, dtype, out_dtype)
    lowering = lowering_for(op)
    if lowering is None:
        raise Unsupported(f"{op} has no C implementation")
    signature = lowering.signature(op, arg_dtypes)
    if signature is None:
        names = ", ".join(d.name for d in arg_dtypes)
        raise Unsupported(f"{op} has no C loop for inputs ({names})")
    return _apply(op, args, arg_dtypes, out_dtype, signature, parts)


def _apply(op: ScalarOp, args: Sequence[str], arg_dtypes: Sequence[np.dtype], out_dtype: np.dtype,
           signature: Signature, parts: KernelParts) -> str:
    loop_in, loop_out = signature
    for dtype in (*loop_in, loop_out):
        if not supported(dtype):
            raise Unsupported(f"{op} computes in {dtype} for these inputs (NumPy's loop); compiled "
                              "code handles bool, integers, float32 and float64")
    lowering = lowering_for(op)
    if lowering is None:
        raise Unsupported(f"{op} has no C implementation")
    converted = [convert(a, d, want) for a, d, want in zip(args, arg_dtypes, loop_in)]
    expr = lowering.emit(Emit(op, loop_in, loop_out, parts), *converted)
    parts.cost += lowering.cost
    return convert(f"({expr})", loop_out, out_dtype)


def _ensure_registered() -> None:
    # the emitters register themselves when their modules (scalar_*.py) are imported
    import_submodules("arignote.backend.c", skip=lambda name: not name.startswith("scalar_"))


_ensure_registered_once = functools.cache(_ensure_registered)


def applicable(op: ScalarOp) -> bool:
    """Whether ``op`` has a C emitter at all (dtypes aside)."""
    _ensure_registered_once()
    return isinstance(op, (sm.Add, sm.Mul)) or lowering_for(op) is not None


def emit_op(op: ScalarOp, args: Sequence[str], arg_dtypes: Sequence[Any], out_dtype: Any,
            parts: KernelParts) -> str:
    """:func:`apply_op` after making sure every emitter is registered."""
    _ensure_registered_once()
    return apply_op(op, args, arg_dtypes, out_dtype, parts)
