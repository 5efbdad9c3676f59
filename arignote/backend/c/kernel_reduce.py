"""C source for reductions: an element function folded into accumulators.

The runtime lays the reduction out as an elementwise loop over the input's
(broadcast) shape in which the accumulator array has stride 0 along the
reduced axes, after filling it with the reduction's initial value.  The
kernel then sees one of two kinds of rows:

- accumulator stride 0: the row folds into one accumulator.  The values are
  combined pairwise (halves recursively, blocks of 128 in 16 SIMD lanes), as
  NumPy's summation does, so a float sum's rounding error grows like
  ``log(n)``, not ``n``;
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

from arignote.backend.c.c_types import c_type, convert, supported
from arignote.backend.c.kernel_elemwise import ScalarBody, body_function, kernel_header
from arignote.backend.c.scalar_registry import KernelParts, Unsupported, emit_op
from arignote.scalar.basic import ScalarOp

BLOCK = 128
LANES = 16


def combine_expression(scalar_op: ScalarOp, acc_dtype: np.dtype, parts: KernelParts) -> str:
    """``a (op) b`` for two accumulators ``a``, ``b`` of ``acc_dtype``."""
    return emit_op(scalar_op, ["a", "b"], (acc_dtype, acc_dtype), acc_dtype, parts)


def reduce_kernel(body: ScalarBody, scalar_inputs: Sequence[bool], scalar_op: ScalarOp,
                  acc_dtype: np.dtype, vector_functions: frozenset[str], title: str) -> str:
    """The C source of ``ag_kernel`` (the loop) and ``ag_combine`` for a reduction."""
    acc_dtype = np.dtype(acc_dtype)
    if not supported(acc_dtype):
        raise Unsupported(f"accumulating in {acc_dtype}")
    if len(body.out_dtypes) != 1:
        raise Unsupported("a reduction of a multi-output function")
    combine = combine_expression(scalar_op, acc_dtype, body.parts)
    a = c_type(acc_dtype)
    nin = len(body.in_dtypes)
    value_dtype = body.out_dtypes[0]
    lines = [kernel_header(body, vector_functions, title), body_function(body)]
    lines.append(f"static inline __attribute__((always_inline)) {a} ag_combine_values({a} a, {a} b) "
                 f"{{ return {combine}; }}\n")
    lines.append(f"void ag_combine(char *dst, const char *src) {{\n"
                 f"    *({a} *)dst = ag_combine_values(*({a} *)dst, *(const {a} *)src);\n}}\n")

    def load(k: int, contiguous: bool, index: str) -> str:
        t = c_type(body.in_dtypes[k])
        if scalar_inputs[k]:
            return f"*(const {t} *)ptrs[{k}]"
        if contiguous:
            return f"((const {t} *)ptrs[{k}])[{index}]"
        return f"*(const {t} *)(ptrs[{k}] + ({index}) * steps[{k}])"

    def value(contiguous: bool, index: str, target: str) -> str:
        """Statements computing the element at ``index`` into ``target`` (errors into ``err``)."""
        args = "".join(load(k, contiguous, index) + ", " for k in range(nin))
        return (f"{{ {c_type(value_dtype)} ag_v; ag_body({args}&ag_v, &err); "
                f"{target} = {convert('ag_v', value_dtype, acc_dtype)}; }}")

    for contiguous, tag in ((True, "c"), (False, "s")):
        lines.append(f"""
static {a} ag_block_{tag}(char **ptrs, const intptr_t *steps, intptr_t start, intptr_t n, int *ag_err) {{
    {a} acc, x;
    int err = 0;
    if (n < {LANES}) {{
        {value(contiguous, 'start', 'acc')}
        for (intptr_t i = 1; i < n; i++) {{
            {value(contiguous, 'start + i', 'x')}
            acc = ag_combine_values(acc, x);
        }}
        *ag_err |= err;
        return acc;
    }}
    {a} lanes[{LANES}];
    #pragma omp simd reduction(|:err)
    for (int j = 0; j < {LANES}; j++)
        {value(contiguous, 'start + j', 'lanes[j]')}
    intptr_t i = {LANES};
    for (; i + {LANES} <= n; i += {LANES}) {{
        #pragma omp simd reduction(|:err)
        for (int j = 0; j < {LANES}; j++) {{
            {a} y;
            {value(contiguous, 'start + i + j', 'y')}
            lanes[j] = ag_combine_values(lanes[j], y);
        }}
    }}
    acc = lanes[0];
    for (int j = 1; j < {LANES}; j++) acc = ag_combine_values(acc, lanes[j]);
    for (; i < n; i++) {{
        {value(contiguous, 'start + i', 'x')}
        acc = ag_combine_values(acc, x);
    }}
    *ag_err |= err;
    return acc;
}}

static {a} ag_pairwise_{tag}(char **ptrs, const intptr_t *steps, intptr_t start, intptr_t n, int *ag_err) {{
    if (n <= {BLOCK}) return ag_block_{tag}(ptrs, steps, start, n, ag_err);
    intptr_t half = (n / 2) / {LANES} * {LANES};
    {a} left = ag_pairwise_{tag}(ptrs, steps, start, half, ag_err);
    {a} right = ag_pairwise_{tag}(ptrs, steps, start + half, n - half, ag_err);
    return ag_combine_values(left, right);
}}""")
    vector_ops = [k for k in range(nin) if not scalar_inputs[k]]
    contiguous_test = " && ".join(f"steps[{k}] == sizeof({c_type(body.in_dtypes[k])})"
                                  for k in vector_ops) or "1"
    acc_ptr = f"ptrs[{nin}]"
    lines.append(f"""
int ag_kernel(intptr_t n, char **ptrs, const intptr_t *steps) {{
    int err = 0;
    if (n <= 0) return 0;
    const int contiguous = {contiguous_test};
    if (steps[{nin}] == 0) {{
        {a} r = contiguous ? ag_pairwise_c(ptrs, steps, 0, n, &err) : ag_pairwise_s(ptrs, steps, 0, n, &err);
        *({a} *){acc_ptr} = ag_combine_values(*({a} *){acc_ptr}, r);
    }} else if (contiguous && steps[{nin}] == sizeof({a})) {{
        {a} *acc = ({a} *){acc_ptr};
        #pragma omp simd reduction(|:err)
        for (intptr_t i = 0; i < n; i++) {{
            {a} x;
            {value(True, 'i', 'x')}
            acc[i] = ag_combine_values(acc[i], x);
        }}
    }} else {{
        for (intptr_t i = 0; i < n; i++) {{
            {a} x;
            {value(False, 'i', 'x')}
            {a} *acc = ({a} *)({acc_ptr} + i * steps[{nin}]);
            *acc = ag_combine_values(*acc, x);
        }}
    }}
    return err;
}}
""")
    return "\n".join(lines)


def argreduce_kernel(dtype: np.dtype, maximum: bool, title: str) -> str:
    """``int64_t ag_kernel(n, p, stride)``: the index of the first extreme of ``n`` values.

    A NaN counts as the extreme, and the first one wins (NumPy's rule).
    """
    dtype = np.dtype(dtype)
    if not supported(dtype):
        raise Unsupported(f"arg-reduction of {dtype}")
    t = c_type(dtype)
    better = ">" if maximum else "<"
    nan_check = "if (v != v) return i;" if dtype.kind == "f" else ""
    first_nan = "if (best != best) return 0;" if dtype.kind == "f" else ""
    return f"""/* arignote kernel: {title} */
#include <stdint.h>

int64_t ag_kernel(intptr_t n, const char *p, intptr_t s) {{
    {t} best = *(const {t} *)p;
    int64_t index = 0;
    {first_nan}
    for (intptr_t i = 1; i < n; i++) {{
        const {t} v = *(const {t} *)(p + i * s);
        {nan_check}
        if (v {better} best) {{
            best = v;
            index = i;
        }}
    }}
    return index;
}}
"""
