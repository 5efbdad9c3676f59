"""Scalar ops as JAX functions, with NumPy's dtypes.

Each scalar op type maps to a JAX function and a rule for the dtype it
computes in (a :class:`ScalarImpl` in ``scalar_impls``).  By default that is
the namesake of the op's NumPy function (``np.arctanh`` -> ``jnp.arctanh``,
``scipy.special.erf`` -> ``jax.scipy.special.erf``) with ``"out"``; the table
lists only the ops that differ.  The rules:

* ``"out"``: every input is cast to the dtype NumPy's loop computes in
  (arithmetic, transcendental functions), because JAX's own promotion differs
  from NumPy's (``float16 + int16`` is float16 in JAX, float32 in NumPy).
  That is the output dtype, except where arignote departs from NumPy
  (``exp`` of int8 is float32, NumPy's float16): there, as on the ``py``
  backend, the value is computed in NumPy's dtype and then cast, so that
  every backend gives the same numbers.  NumPy's float16 loops compute in
  float32 and round; so does this backend (XLA's own float16 functions are
  less accurate);
* ``"common"``: inputs are cast to NumPy's common dtype (comparisons, whose
  output is bool);
* ``"none"``: inputs are passed as they are (logic, ``isnan``, complex parts).

The result is cast to the declared dtype where JAX's differs.  Integer
division by zero gives 0 as in NumPy (XLA gives -1), and integer powers
with a negative exponent raise ValueError as in NumPy (a run-time check).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import scipy.special as sps
from jax import lax

from arignote.backend.jax.registry import LoweringContext
from arignote.graph.registry import Registry
from arignote.scalar import math as sm
from arignote.scalar import special as ss
from arignote.scalar.basic import ScalarOp
from arignote.scalar.betainc_derivative import BetaIncDa, BetaIncDb
from arignote.scalar.gammainc_derivative import GammaIncCDer, GammaIncDer
from arignote.scalar.hyp2f1_derivative import Hyp2F1Da, Hyp2F1Db, Hyp2F1Dc
from arignote.tensor.composite import Composite


class UnsupportedScalarOp(TypeError):
    """A scalar op with no JAX counterpart."""


def _variadic(fn: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def run(*xs: Any) -> Any:
        return functools.reduce(fn, xs) if len(xs) > 1 else jnp.positive(xs[0])
    return run


def _log1mexp(x: Any) -> Any:
    # the same two branches as the NumPy implementation, split at -log(2)
    small = x < -math.log(2.0)
    return jnp.where(small, jnp.log1p(-jnp.exp(x)), jnp.log(-jnp.expm1(x)))


def _erfcinv(y: Any) -> Any:
    # erfcinv(y) = -ndtri(y / 2) / sqrt(2): accurate for tiny y, where erfinv(1 - y) is not
    return -jsp.ndtri(y / 2) / math.sqrt(2.0)


def _softplus(x: Any) -> Any:
    return jnp.logaddexp(jnp.zeros((), dtype=x.dtype), x)


def _hyp2f1(a: Any, b: Any, c: Any, z: Any) -> Any:
    # JAX's series is accurate for 0 <= z < 1 only (wrong by orders of magnitude below -1); for
    # z < 0, Pfaff's transformation 2F1(a, b; c; z) = (1 - z)^-a 2F1(a, c - b; c; z / (z - 1))
    # maps z into [0, 1)
    neg = z < 0
    r = jsp.hyp2f1(a, jnp.where(neg, c - b, b), c, jnp.where(neg, z / (z - 1), z))
    r = jnp.where(neg, (1 - z) ** -a * r, r)
    # and JAX's answers some NaN arguments with a number
    return jnp.where(jnp.isnan(a) | jnp.isnan(b) | jnp.isnan(c) | jnp.isnan(z), jnp.nan, r)


def _polygamma(n: Any, x: Any) -> Any:
    # JAX wants an integer order; x computes in float64, as SciPy's polygamma does
    return jsp.polygamma(n, x.astype(jnp.float64))


def _xlogy0(x: Any, y: Any) -> Any:
    return jnp.where(x == 0, jnp.zeros((), x.dtype), x * jnp.log(y))


def _second(model: Any, value: Any) -> Any:
    value = jnp.asarray(value)
    return jnp.broadcast_to(value, jnp.broadcast_shapes(jnp.shape(model), value.shape))


def _identity(x: Any) -> Any:
    return jnp.asarray(x)  # JAX values are immutable, so no copy is needed


@dataclass(frozen=True)
class ScalarImpl:
    """How one scalar op type runs in JAX: its function and how its inputs are cast."""

    #: the JAX function; None: the one named like the op's NumPy function (see `_namesake`)
    fn: Callable[..., Any] | None
    casting: str = "out"


def _namesake(op_type: type) -> Callable[..., Any] | None:
    """The ``jax.numpy`` function named like ``op_type.nfunc`` when that is NumPy's function of
    that name (``np.arctanh`` -> ``jnp.arctanh``), or the ``jax.scipy.special`` one for a SciPy
    special function (``scipy.special.erf`` -> ``erf``); None when there is no such pair."""
    nfunc = getattr(op_type, "nfunc", None)
    name = getattr(nfunc, "__name__", None)
    if not isinstance(name, str):
        return None
    for numpy_side, jax_side in ((np, jnp), (sps, jsp)):
        if getattr(numpy_side, name, None) is nfunc:
            return getattr(jax_side, name, None)
    return None


def _by_name(op_type: type) -> ScalarImpl | None:
    fn = _namesake(op_type)
    return None if fn is None else ScalarImpl(fn)


#: scalar op type -> its JAX function, for the exceptions: an op whose NumPy function has a
#: JAX namesake computing in NumPy's loop dtype ("out") needs no entry
scalar_impls: Registry[ScalarImpl] = Registry("JAX scalar", default=_by_name)

for _op_type, _impl in {
    # any number of inputs
    sm.Add: ScalarImpl(_variadic(jnp.add)),
    sm.Mul: ScalarImpl(_variadic(jnp.multiply)),
    # functions of arignote's own (no NumPy namesake), or computed another way
    sm.Reciprocal: ScalarImpl(jnp.reciprocal),
    sm.Identity: ScalarImpl(_identity, "none"),
    sm.Second: ScalarImpl(_second, "none"),
    sm.Erfcinv: ScalarImpl(_erfcinv),  # accurate for tiny inputs (see _erfcinv)
    sm.Psi: ScalarImpl(jsp.digamma),  # SciPy's digamma is named psi
    sm.TriGamma: ScalarImpl(functools.partial(jsp.polygamma, 1)),
    sm.Softplus: ScalarImpl(_softplus),
    sm.Log1mexp: ScalarImpl(_log1mexp),
    sm.Abs: ScalarImpl(jnp.abs, "none"),  # the magnitude of a complex value is real
    # special functions (arignote.scalar.special) named or computed otherwise in JAX
    ss.Hyp2F1: ScalarImpl(_hyp2f1),  # accurate for z < 0 too (see _hyp2f1)
    ss.PolyGamma: ScalarImpl(_polygamma, "none"),  # the order stays an integer
    ss.J0: ScalarImpl(functools.partial(jsp.jn, 0)),
    ss.J1: ScalarImpl(functools.partial(jsp.jn, 1)),
    ss.XLogX: ScalarImpl(lambda x: _xlogy0(x, x)),
    ss.XLogY0: ScalarImpl(_xlogy0),
    ss.LogAddExp: ScalarImpl(jnp.logaddexp),  # the magnitude of a complex value is real
    # comparisons compare in the common dtype, not in their (bool) result's
    sm.ComparisonOp: ScalarImpl(None, "common"),
    # logic, predicates and complex parts take their inputs as they are
    sm.LogicalAnd: ScalarImpl(None, "none"),
    sm.LogicalOr: ScalarImpl(None, "none"),
    sm.LogicalXor: ScalarImpl(None, "none"),
    sm.LogicalNot: ScalarImpl(None, "none"),
    sm.IsNan: ScalarImpl(None, "none"),
    sm.IsInf: ScalarImpl(None, "none"),
    sm.IsFinite: ScalarImpl(None, "none"),
    sm.Real: ScalarImpl(jnp.real, "none"),
    sm.Imag: ScalarImpl(jnp.imag, "none"),
    sm.Conj: ScalarImpl(None, "none"),
    sm.Angle: ScalarImpl(None, "none"),
}.items():
    scalar_impls.add(_op_type, _impl)


#: scalar op type -> why JAX cannot run it (the node then makes the graph refuse the JAX backend)
NO_JAX_FUNCTION: dict[type, str] = {
    ss.BetaIncInv: "jax.scipy.special has no betaincinv",
    # JAX's jn, iv and kn take a static integer order, not an array of real orders
    ss.Jv: "jax.scipy.special has Bessel functions of integer order only (jn)",
    ss.Ive: "jax.scipy.special has Bessel functions of integer order only (i0e, i1e)",
    ss.Kve: "jax.scipy.special has Bessel functions of integer order only (kn)",
    # d/dk of gammainc/gammaincc: a series or continued fraction run to convergence in NumPy
    GammaIncDer: "jax.scipy.special has no derivative of gammainc with respect to k",
    GammaIncCDer: "jax.scipy.special has no derivative of gammaincc with respect to k",
    # d/da, d/db of betainc (a continued fraction) and d/da, d/db, d/dc of hyp2f1 (a series),
    # run to convergence in NumPy
    BetaIncDa: "jax.scipy.special has no derivative of betainc with respect to a",
    BetaIncDb: "jax.scipy.special has no derivative of betainc with respect to b",
    Hyp2F1Da: "jax.scipy.special has no derivative of hyp2f1 with respect to a",
    Hyp2F1Db: "jax.scipy.special has no derivative of hyp2f1 with respect to b",
    Hyp2F1Dc: "jax.scipy.special has no derivative of hyp2f1 with respect to c",
}


def supports(scalar_op: ScalarOp) -> bool:
    """Whether :func:`scalar_function` can translate ``scalar_op``."""
    if isinstance(scalar_op, Composite):
        return all(supports(node.op.scalar_op) for node in scalar_op.nodes)
    return isinstance(scalar_op, (sm.Cast, sm.Switch, sm.IntDiv, sm.Pow)) or _lookup(scalar_op) is not None


def _lookup(scalar_op: ScalarOp) -> tuple[Callable[..., Any], str] | None:
    impl = scalar_impls.lookup(type(scalar_op))
    if impl is None:
        return None
    fn = impl.fn if impl.fn is not None else _namesake(type(scalar_op))
    return None if fn is None else (fn, impl.casting)


def _cast_to(value: Any, dtype: np.dtype) -> Any:
    return value if value.dtype == dtype else value.astype(dtype)


def scalar_function(scalar_op: ScalarOp, in_dtypes: Sequence[np.dtype], out_dtypes: Sequence[np.dtype],
                    ctx: LoweringContext) -> Callable[..., Any]:
    """The JAX function computing ``scalar_op`` elementwise, with NumPy's dtypes.

    It takes the input values (JAX or NumPy arrays, broadcast as NumPy does)
    and returns one value, or a tuple for a composite with several outputs.
    """
    if isinstance(scalar_op, Composite):
        return _composite_function(scalar_op, ctx)
    out = np.dtype(out_dtypes[0])
    if isinstance(scalar_op, sm.Cast):
        return lambda x: _cast_to(jnp.asarray(x), out)
    if isinstance(scalar_op, sm.Switch):
        return lambda cond, a, b: _cast_to(jnp.where(cond, _cast_to(jnp.asarray(a), out),
                                                     _cast_to(jnp.asarray(b), out)), out)
    if isinstance(scalar_op, sm.IntDiv):
        return _floor_divide(out)
    if isinstance(scalar_op, sm.Pow):
        return _power(out, np.dtype(in_dtypes[1]), ctx)
    found = _lookup(scalar_op)
    if found is None:
        why = NO_JAX_FUNCTION.get(type(scalar_op))
        raise UnsupportedScalarOp(f"the scalar op {scalar_op} has no JAX implementation"
                                  + (f": {why}" if why else ""))
    fn, casting = found
    rounding = None
    if casting == "out":
        loop = _numpy_loop_dtype(scalar_op, tuple(np.dtype(d) for d in in_dtypes))
        if loop == np.float16:
            loop, rounding = np.dtype(np.float32), np.dtype(np.float16)
        compute = [loop] * len(in_dtypes)
    elif casting == "common":
        common = np.result_type(*in_dtypes)
        compute = [common] * len(in_dtypes)
    else:
        compute = [np.dtype(d) for d in in_dtypes]

    # XLA's simplifier turns x * convert(b) for a bool b into select(b, x, 0), which is not
    # IEEE (NaN * False gives 0, not NaN): a bool made a float for arithmetic goes through an
    # optimization barrier, which XLA does not look through
    shielded = [np.dtype(d).kind == "b" and c.kind in "fc" and isinstance(scalar_op, (sm.Mul, sm.TrueDiv))
                for d, c in zip(in_dtypes, compute)]

    def run(*xs: Any) -> Any:
        args = [_cast_to(jnp.asarray(x), d) for x, d in zip(xs, compute)]
        args = [lax.optimization_barrier(a) if shield else a for a, shield in zip(args, shielded)]
        result = fn(*args)
        if rounding is not None:
            result = _cast_to(result, rounding)
        return _cast_to(result, out)
    return run


@functools.lru_cache(maxsize=4096)
def _numpy_loop_dtype(scalar_op: ScalarOp, in_dtypes: tuple[np.dtype, ...]) -> np.dtype:
    """The dtype NumPy's implementation of ``scalar_op`` computes in for ``in_dtypes``."""
    samples = [np.ones(1, dtype=d) for d in in_dtypes]
    with np.errstate(all="ignore"):
        return np.asarray(scalar_op.impl(*samples)).dtype


def _floor_divide(out: np.dtype) -> Callable[..., Any]:
    if out.kind not in "iub":
        return lambda a, b: _cast_to(jnp.floor_divide(_cast_to(jnp.asarray(a), out),
                                                      _cast_to(jnp.asarray(b), out)), out)

    def run(a: Any, b: Any) -> Any:
        # NumPy gives 0 for an integer division by zero; XLA's answer differs
        a, b = _cast_to(jnp.asarray(a), out), _cast_to(jnp.asarray(b), out)
        zero = b == 0
        return jnp.where(zero, jnp.zeros((), out), jnp.floor_divide(a, jnp.where(zero, jnp.ones((), out), b)))
    return run


def _power(out: np.dtype, exponent_dtype: np.dtype, ctx: LoweringContext) -> Callable[..., Any]:
    checked = out.kind in "iu" and exponent_dtype.kind == "i"
    if checked:
        ctx.needs_checks()

    def run(a: Any, b: Any) -> Any:
        if checked:
            if isinstance(b, np.ndarray):
                if (b < 0).any():
                    raise ValueError("Integers to negative integer powers are not allowed.")
            else:
                ctx.check(jnp.all(b >= 0), ValueError,
                          "Integers to negative integer powers are not allowed.")
        a, b = _cast_to(jnp.asarray(a), out), _cast_to(jnp.asarray(b), out)
        if out.kind in "iu":
            return _integer_power(a, b, out)
        return _cast_to(jnp.power(a, b), out)
    return run


def _integer_power(a: Any, b: Any, out: np.dtype) -> Any:
    """``a ** b`` for integers, wrapping around as NumPy does: squaring over every bit of the
    exponent (``jnp.power`` reads only its low log2(bits) bits, so ``3 ** 70`` gave 729)."""
    a, b = jnp.broadcast_arrays(a, b)

    def step(_: int, state: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
        result, base, exponent = state
        result = jnp.where((exponent & 1) == 1, result * base, result)
        return result, base * base, exponent >> 1
    result, _, _ = lax.fori_loop(0, out.itemsize * 8, step, (jnp.ones_like(a), a, b))
    return result


def _composite_function(composite: Composite, ctx: LoweringContext) -> Callable[..., Any]:
    """The inner graph of ``composite`` as one JAX function: one call per inner node."""
    steps = []
    for node in composite.nodes:
        fn = scalar_function(node.op.scalar_op, [v.type.numpy_dtype for v in node.inputs],
                             [v.type.numpy_dtype for v in node.outputs], ctx)
        steps.append((node, fn))
    inputs, outputs = composite.inputs, composite.outputs

    def run(*xs: Any) -> Any:
        env: dict[int, Any] = {id(v): x for v, x in zip(inputs, xs)}

        def value(var: Any) -> Any:
            found = env.get(id(var))
            return var.data if found is None else found  # inner constants hold 0-d arrays
        for node, fn in steps:
            result = fn(*[value(v) for v in node.inputs])
            results = result if len(node.outputs) > 1 else (result,)
            for var, r in zip(node.outputs, results):
                env[id(var)] = r
        values = [jnp.asarray(value(v)) for v in outputs]
        return values[0] if len(values) == 1 else tuple(values)
    return run
