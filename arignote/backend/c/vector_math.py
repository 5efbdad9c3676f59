"""glibc's vector math (libmvec) for the fused loops.

Scalar loops calling ``exp``, ``log`` or ``sin`` once per element lose to
NumPy, whose ufuncs use SIMD implementations.  glibc ships SIMD variants of
most of libm (libmvec: SSE, AVX2 and AVX-512 versions) that GCC calls from
vectorized loops once a function is declared ``simd``.  glibc declares them
itself only under ``-ffast-math``, which would also change NaN and infinity
semantics; instead the kernels declare the vector variants of exactly the
functions they use (``__attribute__((simd("notinbranch")))``), with the
default, IEEE-respecting flags.

Accuracy: glibc documents libmvec's functions to within 4 ulp of the exact
result (its manual's table of errors; the scalar libm functions are within
1-2 ulp), and they handle NaN, infinities, signed zeros, overflow and
underflow as the scalar functions do, by calling them for special inputs.
``tests/backend/c/test_vector_math.py`` checks both claims against NumPy
on random and special values.  Set ``config.c_vector_math = False`` to use
the scalar libm functions (then a fused loop is not vectorized when it calls
one of them).

Which functions exist depends on glibc's version: exp, log, sin, cos and pow
since 2.22, the others since 2.35.  Only x86-64 is handled.
"""

from __future__ import annotations

from arignote.backend.c.toolchain import Toolchain, glibc_version

_SINCE_2_22 = ("exp", "log", "sin", "cos", "pow")
_SINCE_2_35 = ("acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "cosh", "erf",
               "erfc", "exp10", "exp2", "expm1", "hypot", "log10", "log1p", "log2", "sinh", "tan",
               "tanh")
#: arguments of the functions that take more than one
ARITY = {"pow": 2, "atan2": 2, "hypot": 2}


def vectorized_functions(toolchain: Toolchain) -> frozenset[str]:
    """The double-precision libm names with vector variants usable by ``toolchain``."""
    if not toolchain.vector_math:
        return frozenset()
    version = glibc_version() or (0, 0)
    names = set(_SINCE_2_22) if version >= (2, 22) else set()
    if version >= (2, 35):
        names.update(_SINCE_2_35)
    return frozenset(names)


def declarations(used: set[str], available: frozenset[str]) -> str:
    """C declarations making GCC vectorize calls to the ``used`` libm functions
    (double names and their ``f``-suffixed float versions) that have vector variants."""
    lines = []
    for name in sorted(used):
        base = name[:-1] if name.endswith("f") and name[:-1] in available else name
        if base not in available:
            continue
        ctype = "float" if name != base else "double"
        params = ", ".join([ctype] * ARITY.get(base, 1))
        lines.append(f"extern {ctype} {name}({params}) __attribute__((simd(\"notinbranch\")));")
    return "\n".join(lines)
