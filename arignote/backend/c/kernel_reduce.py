"""C source for reductions: an element function folded into accumulators.

The runtime lays the reduction out as an elementwise loop over the input's
(broadcast) shape in which the accumulator array has stride 0 along the
reduced axes, after filling it with the reduction's initial value.  Float sums and products, and
reductions of a function that calls vector math, fold in NumPy's order
(:mod:`.kernel_reduce_ordered`); the others see one of two kinds of rows:

- accumulator stride 0: the row folds into one accumulator.  The values are
  combined pairwise (halves recursively down to blocks of 1024, each folded
  by a SIMD loop with one partial sum per lane), as NumPy's summation does, so a float
  sum's rounding error grows like ``log(n)``, not ``n``;
- accumulator stride non-zero: each element folds into its own accumulator
  (a reduction over an outer axis), a vectorizable elementwise update.

The element function is the identity of the input (a plain reduction) or a
fused elementwise computation (`ElemwiseReduce`): ``exp(x).sum()`` reads
``x`` once and allocates nothing but the result.  Values are converted to
the accumulator dtype before combining, as NumPy's ``reduce(dtype=...)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from arignote.backend.c.c_types import c_literal, c_type, convert, supported
from arignote.backend.c.kernel_blocks import WIDTH, uses_vector_math, values_function
from arignote.backend.c.kernel_elemwise import (
    BLOCK,
    MAX_BROADCAST_BUFFERS,
    ScalarBody,
    body_function,
    broadcast_buffers,
    kernel_header,
)
from arignote.backend.c.kernel_reduce_ordered import ordered_reduce_kernel, wants_ordered_fold
from arignote.backend.c.scalar_registry import KernelParts, Unsupported, emit_op
from arignote.scalar import math as sm
from arignote.scalar.basic import ScalarOp

LANES = 16  # the pairwise split keeps halves a multiple of this (vector-friendly)
#: float sums fold blocks of at most this many elements, combined pairwise
PAIRWISE_LEAF = 1024


def combine_expression(scalar_op: ScalarOp, acc_dtype: np.dtype, parts: KernelParts) -> str:
    """``a (op) b`` for two accumulators ``a``, ``b`` of ``acc_dtype``."""
    return emit_op(scalar_op, ["a", "b"], (acc_dtype, acc_dtype), acc_dtype, parts)


def reduce_kernel(body: ScalarBody, scalar_inputs: Sequence[bool], scalar_op: ScalarOp,
                  acc_dtype: np.dtype, vector_functions: frozenset[str], title: str) -> str:
    """The C source of ``ag_kernel`` (the loop) and ``ag_combine`` for a reduction.

    Rows whose inputs are contiguous, or broadcast along the row (stride 0:
    they read a block-sized buffer of copies), are read through plain
    pointers, so the compiler vectorizes them; other rows take strided loads.
    """
    acc_dtype = np.dtype(acc_dtype)
    if not supported(acc_dtype):
        raise Unsupported(f"accumulating in {acc_dtype}")
    if len(body.out_dtypes) != 1:
        raise Unsupported("a reduction of a multi-output function")
    combine = combine_expression(scalar_op, acc_dtype, body.parts)
    vector_math = uses_vector_math(body.parts.math, vector_functions)
    if wants_ordered_fold(scalar_op, acc_dtype, vector_math):
        return ordered_reduce_kernel(body, scalar_inputs, scalar_op, acc_dtype, combine, vector_functions,
                                     vector_math, title)
    a = c_type(acc_dtype)
    nin = len(body.in_dtypes)
    types = body.in_dtypes
    value_dtype = body.out_dtypes[0]
    vector_inputs = [k for k in range(nin) if not scalar_inputs[k]]
    buffered = len(vector_inputs) <= MAX_BROADCAST_BUFFERS
    lines = [kernel_header(body, vector_functions, title), body_function(body)]
    lines.append(f"static inline __attribute__((always_inline)) {a} ag_combine_values({a} a, {a} b) "
                 f"{{ return {combine}; }}\n")
    lines.append(f"void ag_combine(char *dst, const char *src) {{\n"
                 f"    *({a} *)dst = ag_combine_values(*({a} *)dst, *(const {a} *)src);\n}}\n")

    def value(load, index: str, target: str) -> str:
        """Statements computing the element at ``index`` into ``target`` (errors into ``err``)."""
        args = ", ".join(load(k, index) for k in range(nin))
        error = " err |= o.err;" if body.parts.checks else ""
        result = convert("o.r0", value_dtype, acc_dtype)
        return f"{{ const ag_out o = ag_body({args});{error} {target} = {result}; }}"

    def block_load(k: int, index: str) -> str:   # q<k>: the block's first element
        return f"*q{k}" if scalar_inputs[k] else f"q{k}[{index}]"

    def strided_load(k: int, index: str) -> str:
        t = c_type(types[k])
        if scalar_inputs[k]:
            return f"*(const {t} *)ptrs[{k}]"
        return f"*(const {t} *)(ptrs[{k}] + ({index}) * steps[{k}])"

    clause = _simd_clause(scalar_op, acc_dtype)
    if clause == "agc":
        # max/min: NaN-propagating, so no built-in clause fits; each SIMD lane starts from
        # the first element, harmless for these idempotent operations
        lines.append(f"#pragma omp declare reduction(agc : {a} : "
                     f"omp_out = ag_combine_values(omp_out, omp_in)) initializer(omp_priv = omp_orig)\n")
    errors = " reduction(|:err)" if body.parts.checks else ""
    pragma = f"#pragma omp simd reduction({clause}:acc){errors}" if clause else ""

    identity = _clause_identity(clause, acc_dtype)

    def fold(load, params: str, tag: str) -> str:
        """``ag_fold_<tag>``: the elements [start, start + n) folded into one accumulator.

        The vectorized loop covers all n elements (starting from the clause's
        identity, or for max/min from the first element, counted twice), so
        blocks whose length is a multiple of the vector width have no scalar tail.
        """
        if identity is not None:
            first, begin = f"acc = {identity};", "0"
        else:
            first, begin = value(load, 'start', 'acc'), ("0" if clause else "1")
        typed = "".join(f"    const {c_type(types[k])} *q{k} = (const {c_type(types[k])} *)bp[{k}];\n"
                        for k in range(nin)) if tag == "block" else ""
        return f"""
static {a} ag_fold_{tag}({params}, intptr_t start, intptr_t n, int *ag_err) {{
    {a} acc;
    int err = 0;
{typed}    {first}
    {pragma if clause else ""}
    for (intptr_t i = {begin}; i < n; i++) {{
        {a} x;
        {value(load, 'start + i', 'x')}
        acc = ag_combine_values(acc, x);
    }}
    *ag_err |= err;
    return acc;
}}"""

    lines.append(fold(block_load, "const void *const *bp", "block"))
    lines.append(fold(strided_load, "char **ptrs, const intptr_t *steps", "strided"))
    def pointer(k: int, buffer: str) -> str:
        """Input ``k``'s block base: scalars their one element, vectors their data at
        ``start`` or (broadcast along the row) their buffer ``buffer``."""
        t = c_type(types[k])
        if scalar_inputs[k]:
            return f"ptrs[{k}]"
        if not buffered:
            return f"(const {t} *)ptrs[{k}] + start"
        return f"(steps[{k}] ? (const {t} *)ptrs[{k}] + start : (const {t} *){buffer})"

    def pointers(buffer: str, indent: str) -> str:
        return "".join(f"{indent}bp[{k}] = {pointer(k, buffer.format(k=k))};\n" for k in range(nin))

    # float sums are pairwise (NumPy's accuracy); other folds may take a whole row at once,
    # except that broadcast inputs read buffers of BLOCK elements
    leaf = PAIRWISE_LEAF if isinstance(scalar_op, sm.Add) and acc_dtype.kind == "f" else "n"
    lines.append(f"""
/* halves folded recursively down to leaves of at most {leaf} elements ({BLOCK} when an
   input is read from its broadcast buffer) */
static {a} ag_pairwise(char **ptrs, const intptr_t *steps, const void *const *bufs, int blocks,
                       intptr_t start, intptr_t n, int *ag_err) {{
    const intptr_t leaf = blocks == 2 ? {BLOCK} : {leaf};
    if (n > leaf) {{
        intptr_t half = (n / 2) / {LANES} * {LANES};
        {a} left = ag_pairwise(ptrs, steps, bufs, blocks, start, half, ag_err);
        {a} right = ag_pairwise(ptrs, steps, bufs, blocks, start + half, n - half, ag_err);
        return ag_combine_values(left, right);
    }}
    if (blocks == 0) return ag_fold_strided(ptrs, steps, start, n, ag_err);
    const void *bp[{max(nin, 1)}];
{pointers("bufs[{k}]", "    ")}    return ag_fold_block(bp, 0, n, ag_err);
}}""")
    size = {k: f"sizeof({c_type(types[k])})" for k in range(nin)}
    contiguous = " && ".join(f"steps[{k}] == {size[k]}" for k in vector_inputs) or "1"
    with_broadcast = " && ".join(f"(steps[{k}] == {size[k]} || steps[{k}] == 0)"
                                 for k in vector_inputs) or "1"
    acc_ptr = f"ptrs[{nin}]"
    buffers = "\n".join("    " + line for line in broadcast_buffers(types, vector_inputs,
                                                                     f"(n < {BLOCK} ? n : {BLOCK})"))
    bufs = ", ".join(f"(const void *)b{k}" if k in vector_inputs else "0" for k in range(nin))
    typed_pointers = "".join(
        f"            const {c_type(types[k])} *q{k} = (const {c_type(types[k])} *)bp[{k}];\n"
        for k in range(nin))
    lines.append(f"""
int ag_kernel(intptr_t n, char **ptrs, const intptr_t *steps) {{
    int err = 0;
    if (n <= 0) return 0;
    /* 1: contiguous rows, 2: some input broadcast along the row, 0: strided */
    const int blocks = ({contiguous}) ? 1 : {"(" + with_broadcast + ") ? 2 : 0" if buffered else "0"};
{buffers if buffered else ''}
    const void *bufs[{max(nin, 1)}] = {{{bufs if buffered else '0'}}};
    (void)bufs;
    if (steps[{nin}] == 0) {{
        {a} r = ag_pairwise(ptrs, steps, bufs, blocks, 0, n, &err);
        *({a} *){acc_ptr} = ag_combine_values(*({a} *){acc_ptr}, r);
    }} else if (blocks && steps[{nin}] == sizeof({a})) {{
        for (intptr_t start = 0; start < n; start += {BLOCK}) {{
            const intptr_t m = n - start < {BLOCK} ? n - start : {BLOCK};
            {a} *acc = ({a} *){acc_ptr} + start;
            const void *bp[{max(nin, 1)}];
{pointers("b{k}", "            ")}{typed_pointers}
            #pragma omp simd{errors}
            for (intptr_t i = 0; i < m; i++) {{
                {a} x;
                {value(block_load, 'i', 'x')}
                acc[i] = ag_combine_values(acc[i], x);
            }}
        }}
    }} else {{
        for (intptr_t i = 0; i < n; i++) {{
            {a} x;
            {value(strided_load, 'i', 'x')}
            {a} *acc = ({a} *)({acc_ptr} + i * steps[{nin}]);
            *acc = ag_combine_values(*acc, x);
        }}
    }}
    return err;
}}
""")
    return "\n".join(lines)


def _simd_clause(scalar_op: ScalarOp, acc_dtype: np.dtype) -> str | None:
    """The OpenMP reduction clause that vectorizes folding with ``scalar_op`` (None: no clause)."""
    boolean = acc_dtype.kind == "b"
    if isinstance(scalar_op, sm.Add):
        return "|" if boolean else "+"
    if isinstance(scalar_op, sm.Mul):
        return "&" if boolean else "*"
    if isinstance(scalar_op, (sm.Maximum, sm.Minimum)):
        return "agc"
    if isinstance(scalar_op, (sm.LogicalAnd, sm.BitwiseAnd)):
        return "&" if boolean or isinstance(scalar_op, sm.BitwiseAnd) else None
    if isinstance(scalar_op, (sm.LogicalOr, sm.BitwiseOr)):
        return "|" if boolean or isinstance(scalar_op, sm.BitwiseOr) else None
    if isinstance(scalar_op, (sm.LogicalXor, sm.BitwiseXor)):
        return "^" if boolean or isinstance(scalar_op, sm.BitwiseXor) else None
    return None


def _clause_identity(clause: str | None, acc_dtype: np.dtype) -> str | None:
    """The identity element private copies of ``clause`` start from, as a C literal
    (None: the fold starts from its first element)."""
    if clause in ("+", "|", "^"):
        return c_literal(0, acc_dtype)
    if clause == "*":
        return c_literal(1, acc_dtype)
    if clause == "&":
        return c_literal(1, acc_dtype) if acc_dtype.kind == "b" else f"(({c_type(acc_dtype)})~0ULL)"
    return None


def argreduce_kernel(body: ScalarBody, scalar_inputs: Sequence[bool], maximum: bool,
                     vector_functions: frozenset[str], title: str) -> str:
    """The arg-reduction ``ag_kernel(n, ptrs, steps, best, best_index, offset)``.

    It scans one line of ``n`` elements (an input's stride along the line in
    ``steps``), computing each element with ``body`` (the identity, or a fused
    elementwise expression), and updates the running extreme ``best`` and its
    index ``best_index`` (``-1``: none yet); element ``i`` has index
    ``offset + i``.  Ties keep the first; a NaN is the extreme and the first
    one wins (NumPy's rule): the kernel then returns 1, so the caller stops.
    """
    if len(body.out_dtypes) != 1:
        raise Unsupported("an arg-reduction of a multi-output function")
    value_dtype = body.out_dtypes[0]
    t = c_type(value_dtype)
    better = ">" if maximum else "<"
    is_nan = "v != v" if value_dtype.kind == "f" else "0"
    # the values come in blocks (with vector math, each element through the same vector
    # function as in an elementwise kernel), then the scan picks the extreme
    values = values_function(body.in_dtypes, scalar_inputs, value_dtype, value_dtype,
                             bool(body.parts.checks), uses_vector_math(body.parts.math, vector_functions))
    return f"""{kernel_header(body, vector_functions, title)}
{body_function(body)}
{values}
int ag_kernel(intptr_t n, char **ptrs, const intptr_t *steps, char *best_value, int64_t *best_index,
              int64_t offset) {{
    {t} best = *({t} *)best_value;
    int64_t index = *best_index;
    int found_nan = 0;
    {t} block[{WIDTH}];
    for (intptr_t start = 0; start < n && !found_nan; start += {WIDTH}) {{
        const intptr_t m = n - start < {WIDTH} ? n - start : {WIDTH};
        ag_values(ptrs, steps, start, m, block);
        for (intptr_t i = 0; i < m; i++) {{
            const {t} v = block[i];
            if ({is_nan}) {{
                best = v;
                index = offset + start + i;
                found_nan = 1;
                break;
            }}
            if (index < 0 || v {better} best) {{
                best = v;
                index = offset + start + i;
            }}
        }}
    }}
    *({t} *)best_value = best;
    *best_index = index;
    return found_nan;
}}
"""
