"""Scalar ops as JAX functions, with NumPy's dtypes.

Each scalar op type maps to a ``jax.numpy`` function and a rule for the
dtype it computes in:

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
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from arignote.backend.jax.registry import LoweringContext
from arignote.scalar import math as sm
from arignote.scalar.basic import ScalarOp
from arignote.scalar.composite import Composite


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


def _second(model: Any, value: Any) -> Any:
    value = jnp.asarray(value)
    return jnp.broadcast_to(value, jnp.broadcast_shapes(jnp.shape(model), value.shape))


def _identity(x: Any) -> Any:
    return jnp.asarray(x)  # JAX values are immutable, so no copy is needed


#: scalar op type -> (JAX function, how inputs are cast)
_TABLE: dict[type, tuple[Callable[..., Any], str]] = {
    sm.Add: (_variadic(jnp.add), "out"),
    sm.Mul: (_variadic(jnp.multiply), "out"),
    sm.Sub: (jnp.subtract, "out"),
    sm.TrueDiv: (jnp.true_divide, "out"),
    sm.Mod: (jnp.mod, "out"),
    sm.Maximum: (jnp.maximum, "out"),
    sm.Minimum: (jnp.minimum, "out"),
    sm.ArcTan2: (jnp.arctan2, "out"),
    sm.Hypot: (jnp.hypot, "out"),
    sm.Neg: (jnp.negative, "out"),
    sm.Abs: (jnp.abs, "none"),
    sm.Sign: (jnp.sign, "out"),
    sm.Sqr: (jnp.square, "out"),
    sm.Reciprocal: (jnp.reciprocal, "out"),
    sm.Identity: (_identity, "none"),
    sm.Second: (_second, "none"),
    sm.Exp: (jnp.exp, "out"),
    sm.Exp2: (jnp.exp2, "out"),
    sm.Expm1: (jnp.expm1, "out"),
    sm.Log: (jnp.log, "out"),
    sm.Log2: (jnp.log2, "out"),
    sm.Log10: (jnp.log10, "out"),
    sm.Log1p: (jnp.log1p, "out"),
    sm.Sqrt: (jnp.sqrt, "out"),
    sm.Sin: (jnp.sin, "out"),
    sm.Cos: (jnp.cos, "out"),
    sm.Tan: (jnp.tan, "out"),
    sm.ArcSin: (jnp.arcsin, "out"),
    sm.ArcCos: (jnp.arccos, "out"),
    sm.ArcTan: (jnp.arctan, "out"),
    sm.Sinh: (jnp.sinh, "out"),
    sm.Cosh: (jnp.cosh, "out"),
    sm.Tanh: (jnp.tanh, "out"),
    sm.ArcSinh: (jnp.arcsinh, "out"),
    sm.ArcCosh: (jnp.arccosh, "out"),
    sm.ArcTanh: (jnp.arctanh, "out"),
    sm.Sigmoid: (jax.nn.sigmoid, "out"),
    sm.Erf: (jsp.erf, "out"),
    sm.Erfc: (jsp.erfc, "out"),
    sm.Erfcx: (jsp.erfcx, "out"),
    sm.Erfinv: (jsp.erfinv, "out"),
    sm.Erfcinv: (_erfcinv, "out"),
    sm.Gamma: (jsp.gamma, "out"),
    sm.GammaLn: (jsp.gammaln, "out"),
    sm.Psi: (jsp.digamma, "out"),
    sm.TriGamma: (functools.partial(jsp.polygamma, 1), "out"),
    sm.Softplus: (_softplus, "out"),
    sm.Log1mexp: (_log1mexp, "out"),
    sm.Floor: (jnp.floor, "out"),
    sm.Ceil: (jnp.ceil, "out"),
    sm.RoundHalfToEven: (jnp.round, "out"),
    sm.Trunc: (jnp.trunc, "out"),
    sm.Clip: (jnp.clip, "out"),
    sm.LT: (jnp.less, "common"),
    sm.GT: (jnp.greater, "common"),
    sm.LE: (jnp.less_equal, "common"),
    sm.GE: (jnp.greater_equal, "common"),
    sm.EQ: (jnp.equal, "common"),
    sm.NEQ: (jnp.not_equal, "common"),
    sm.BitwiseAnd: (jnp.bitwise_and, "out"),
    sm.BitwiseOr: (jnp.bitwise_or, "out"),
    sm.BitwiseXor: (jnp.bitwise_xor, "out"),
    sm.LogicalAnd: (jnp.logical_and, "none"),
    sm.LogicalOr: (jnp.logical_or, "none"),
    sm.LogicalXor: (jnp.logical_xor, "none"),
    sm.Invert: (jnp.invert, "out"),
    sm.LogicalNot: (jnp.logical_not, "none"),
    sm.IsNan: (jnp.isnan, "none"),
    sm.IsInf: (jnp.isinf, "none"),
    sm.IsFinite: (jnp.isfinite, "none"),
    sm.Real: (jnp.real, "none"),
    sm.Imag: (jnp.imag, "none"),
    sm.Conj: (jnp.conjugate, "none"),
    sm.Angle: (jnp.angle, "none"),
}


def supports(scalar_op: ScalarOp) -> bool:
    """Whether :func:`scalar_function` can translate ``scalar_op``."""
    if isinstance(scalar_op, Composite):
        return all(supports(node.op.scalar_op) for node in scalar_op.nodes)
    return isinstance(scalar_op, (sm.Cast, sm.Switch, sm.IntDiv, sm.Pow)) or _lookup(scalar_op) is not None


def _lookup(scalar_op: ScalarOp) -> tuple[Callable[..., Any], str] | None:
    for klass in type(scalar_op).__mro__:
        found = _TABLE.get(klass)
        if found is not None:
            return found
    return None


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
        raise UnsupportedScalarOp(f"the scalar op {scalar_op} has no JAX implementation")
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

    def run(*xs: Any) -> Any:
        args = [_cast_to(jnp.asarray(x), d) for x, d in zip(xs, compute)]
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
        return _cast_to(jnp.power(_cast_to(jnp.asarray(a), out), _cast_to(jnp.asarray(b), out)), out)
    return run


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
