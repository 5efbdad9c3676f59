"""Elements computed in fixed-width blocks: one function per element, wherever it lies.

A vectorized loop calls glibc's vector math (libmvec) for ``exp``, ``log``,
... and its scalar remainder, or a loop the compiler peels for alignment,
calls the scalar libm.  The two may round differently, so ``exp(1.0)`` gave
``2.7182818284590455`` in the body of an array and ``2.718281828459045`` in
its tail: equal inputs, unequal outputs, depending on their position, the
array's length and how threads split it (``unique`` and ``==`` then go wrong).

Kernels that call vector math therefore never run a partial vector loop.
Their elements go through one loop of exactly :data:`WIDTH` iterations over
aligned local blocks: the inputs are copied in (contiguous, broadcast or
strided alike), a short last block is padded with a copy of one of its own
elements, the loop computes all :data:`WIDTH` lanes, and the results are
copied out.  ``WIDTH`` is a multiple of every vector length, the blocks are
aligned and the trip count is a constant, so the compiler emits neither a
remainder nor a peeled prologue: every element is computed by the same
vector function.  (If the compiler declines to vectorize the loop, every
element goes through the scalar function instead: still one function.)

Kernels without vector math need none of this: IEEE arithmetic, ``sqrt``,
``fabs`` and friends round the same in vector and scalar code (no
``-ffast-math``, no contraction), so they keep their direct loops.

Across machines results may still differ in the last bit (an AVX2 and an
AVX-512 machine use different variants of libmvec), as NumPy's own do.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from arignote.backend.c.c_types import c_type, convert
from arignote.backend.c.vector_math import declarations

#: elements per block: a multiple of every vector length (64 bytes of int8 at most)
WIDTH = 64
#: alignment of the block buffers (one AVX-512 register)
ALIGN = 64


def uses_vector_math(math_functions: set[str], vector_functions: frozenset[str]) -> bool:
    """Whether a kernel calling ``math_functions`` gets libmvec's vector variants of some."""
    return bool(declarations(math_functions, vector_functions))


def block_buffers(in_dtypes: Sequence[np.dtype], scalar_inputs: Sequence[bool]) -> list[str]:
    """C declaring an aligned block ``v<k>`` for each input, and filling the blocks of the
    single-element inputs with copies of their element once.

    Single elements get blocks too: read as one value, a call on them is the same in
    every lane, and the compiler would compute it once, with the scalar function.
    """
    lines = [f"    {c_type(d)} v{k}[{WIDTH}] __attribute__((aligned({ALIGN})));"
             for k, d in enumerate(in_dtypes)]
    for k, (dtype, scalar) in enumerate(zip(in_dtypes, scalar_inputs)):
        if scalar:
            t = c_type(dtype)
            lines.append(f"    {{ const {t} s = *(const {t} *)ptrs[{k}]; "
                         f"for (intptr_t i = 0; i < {WIDTH}; i++) v{k}[i] = s; }}")
    return lines


def gather_inputs(in_dtypes: Sequence[np.dtype], scalar_inputs: Sequence[bool], start: str,
                  count: str) -> list[str]:
    """C copying elements ``[start, start + count)`` of each vector input into its block
    (``memcpy`` when contiguous, element by element otherwise, stride 0 included) and
    padding the block's end with a copy of its first element."""
    lines = []
    for k, (dtype, scalar) in enumerate(zip(in_dtypes, scalar_inputs)):
        if scalar:
            continue
        t = c_type(dtype)
        lines += [
            f"    if (steps[{k}] == sizeof({t})) memcpy(v{k}, ptrs[{k}] + {start} * sizeof({t}), "
            f"(size_t){count} * sizeof({t}));",
            f"    else for (intptr_t i = 0; i < {count}; i++) "
            f"v{k}[i] = *(const {t} *)(ptrs[{k}] + ({start} + i) * steps[{k}]);",
            f"    for (intptr_t i = {count}; i < {WIDTH}; i++) v{k}[i] = v{k}[0];",
        ]
    return lines


def block_arguments(in_dtypes: Sequence[np.dtype]) -> str:
    """The arguments of ``ag_body`` for lane ``i``: each input's block element."""
    return ", ".join(f"v{k}[i]" for k in range(len(in_dtypes)))


def values_function(in_dtypes: Sequence[np.dtype], scalar_inputs: Sequence[bool], value_dtype: np.dtype,
                    target_dtype: np.dtype, checks: bool, vector_math: bool) -> str:
    """``ag_values(ptrs, steps, start, m, out)``: the body's first result for elements
    ``[start, start + m)`` (``m <= WIDTH``), converted to ``target_dtype``, into ``out``;
    returns the body's error flags.  With vector math every block is a full one."""
    t = c_type(target_dtype)
    value = convert("o.r0", value_dtype, target_dtype)
    error = " err |= o.err;" if checks else ""
    reduction = " reduction(|:err)" if checks else ""
    header = (f"static int ag_values(char **ptrs, const intptr_t *steps, intptr_t start, intptr_t m, "
              f"{t} *out) {{\n    int err = 0;\n")
    if vector_math:
        lines = [header.rstrip("\n"), *block_buffers(in_dtypes, scalar_inputs),
                 f"    {t} r[{WIDTH}] __attribute__((aligned({ALIGN})));",
                 *gather_inputs(in_dtypes, scalar_inputs, "start", "m"),
                 f"    #pragma omp simd{reduction}",
                 f"    for (intptr_t i = 0; i < {WIDTH}; i++) {{",
                 f"        const ag_out o = ag_body({block_arguments(in_dtypes)});{error}",
                 f"        r[i] = {value};",
                 "    }",
                 f"    memcpy(out, r, (size_t)m * sizeof({t}));",
                 "    return err;", "}"]
        return "\n".join(lines) + "\n"
    contiguous = " && ".join(f"steps[{k}] == sizeof({c_type(d)})"
                             for k, (d, scalar) in enumerate(zip(in_dtypes, scalar_inputs))
                             if not scalar) or "1"

    def args(load) -> str:
        return ", ".join(f"*(const {c_type(d)} *)ptrs[{k}]" if scalar else load(k, c_type(d))
                         for k, (d, scalar) in enumerate(zip(in_dtypes, scalar_inputs)))
    direct = args(lambda k, ct: f"((const {ct} *)ptrs[{k}])[start + i]")
    strided = args(lambda k, ct: f"*(const {ct} *)(ptrs[{k}] + (start + i) * steps[{k}])")
    return (header
            + f"    if ({contiguous}) {{\n        #pragma omp simd{reduction}\n"
            f"        for (intptr_t i = 0; i < m; i++) {{ const ag_out o = ag_body({direct});{error} "
            f"out[i] = {value}; }}\n"
            f"    }} else {{\n"
            f"        for (intptr_t i = 0; i < m; i++) {{ const ag_out o = ag_body({strided});{error} "
            f"out[i] = {value}; }}\n    }}\n    return err;\n}}\n")


def blocked_elemwise_loop(in_dtypes: Sequence[np.dtype], out_dtypes: Sequence[np.dtype],
                          scalar_inputs: Sequence[bool], checks: bool) -> list[str]:
    """The body of ``ag_kernel`` for a kernel with vector math: every element through one
    loop of ``WIDTH`` lanes over aligned blocks (see the module docstring)."""
    nin = len(in_dtypes)
    reduction = " reduction(|:ag_err)" if checks else ""
    lines = ["    int ag_err = 0;", *block_buffers(in_dtypes, scalar_inputs)]
    lines += [f"    {c_type(d)} r{j}[{WIDTH}] __attribute__((aligned({ALIGN})));"
              for j, d in enumerate(out_dtypes)]
    lines += [f"    for (intptr_t start = 0; start < n; start += {WIDTH}) {{",
              f"    const intptr_t m = n - start < {WIDTH} ? n - start : {WIDTH};"]
    lines += ["    " + line for line in gather_inputs(in_dtypes, scalar_inputs, "start", "m")]
    lines += [f"        #pragma omp simd{reduction}",
              f"        for (intptr_t i = 0; i < {WIDTH}; i++) {{",
              f"            const ag_out o = ag_body({block_arguments(in_dtypes)});"]
    lines += [f"            r{j}[i] = o.r{j};" for j in range(len(out_dtypes))]
    if checks:
        lines.append("            ag_err |= o.err;")
    lines.append("        }")
    for j, dtype in enumerate(out_dtypes):
        t, k = c_type(dtype), nin + j
        lines += [f"        if (steps[{k}] == sizeof({t})) memcpy(ptrs[{k}] + start * sizeof({t}), r{j}, "
                  f"(size_t)m * sizeof({t}));",
                  f"        else for (intptr_t i = 0; i < m; i++) *({t} *)(ptrs[{k}] + (start + i) * "
                  f"steps[{k}]) = r{j}[i];"]
    lines += ["    }", "    return ag_err;"]
    return lines
