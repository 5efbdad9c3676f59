"""Reductions that fold their values in NumPy's order, from values computed in blocks.

Two kinds of reduction use this kernel instead of the lane-parallel one of
:mod:`.kernel_reduce`:

- **float sums and products**, whose special values depend on the order of
  the operations.  ``[1e300, 0, 1, 1, 1e300, 1, 1, 1]`` multiplied in eight
  lanes meets ``inf * 0 = NaN`` where NumPy, multiplying in order, gives 0;
  ``1e308 + 1e308 - 1e308 - 1e308`` is ``inf`` in order but ``inf - inf =
  NaN`` in two lanes.  A row folded into one accumulator is therefore summed
  exactly as NumPy's ``add.reduce`` does (its pairwise summation: runs of
  fewer than 8 values added in order, up to 128 values in 8 interleaved
  partial sums combined as ``((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))`` and the
  rest added in order, longer runs split in two at a multiple of 8 and
  summed recursively), and a product multiplies in order.  A one-dimensional
  float sum is then bit-for-bit NumPy's, and every sum or product meets its
  infinities, zeros and overflows as NumPy does;
- **reductions of a fused function that calls vector math** (``exp(x).sum()``):
  their values are computed in fixed-width blocks (:mod:`.kernel_blocks`),
  so each element goes through the same vector function as in an
  elementwise kernel, wherever it lies in the row.

A reduction over outer axes (each element into its own accumulator) folds
in the order of the rows, as NumPy does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from arignote.backend.c.c_types import c_type
from arignote.backend.c.kernel_blocks import WIDTH, values_function
from arignote.backend.c.kernel_elemwise import ScalarBody, body_function, kernel_header
from arignote.scalar import math as sm
from arignote.scalar.basic import ScalarOp

#: NumPy's pairwise summation: runs of at most this many values are summed in 8 partial sums
PAIRWISE_BLOCK = 128


def wants_ordered_fold(scalar_op: ScalarOp, acc_dtype: np.dtype, vector_math: bool) -> bool:
    """Whether a reduction needs this kernel (see the module docstring)."""
    return vector_math or (np.dtype(acc_dtype).kind == "f" and isinstance(scalar_op, (sm.Add, sm.Mul)))


# :func:`row_fold_order`'s flags (runtime.h's AG_FOLD_*)
#: rows fold their own way (lane-parallel, or pairwise over long rows)
FOLD_ANY = 0
#: every row folds one value at a time, starting from the accumulator's value
FOLD_IN_ORDER = 1
#: a row shorter than 8 values is added in order starting from +0.0, the result then added to
#: the accumulator: the in-order fold when the accumulator starts at +0.0 and gets one row
FOLD_SHORT_ROWS_FROM_ZERO = 2
#: called with ``-n`` values, the kernel folds the row one value at a time from the
#: accumulator's value (every kernel of this module)
FOLD_ROWS_ON_REQUEST = 4
#: the values come from vector math, computed in blocks: a short call costs a whole block
FOLD_BLOCK_VALUES = 8


def row_fold_order(scalar_op: ScalarOp, acc_dtype: np.dtype, vector_math: bool,
                   init: np.ndarray) -> int:
    """How a row folded into one accumulator by :func:`reduce_kernel` orders its operations,
    for the runtime, which may then run the row as an outer axis (each accumulator element
    folding one value per pass) where that gives the same value bit for bit.

    A float sum (``ag_pairwise``) adds a row of fewer than 8 values in order from +0.0 and
    adds the result to the accumulator: ``a + (((+0 + v0) + v1) + v2)``, which is the
    in-order ``((a + v0) + v1) + v2`` when ``a`` is +0.0 (``+0 + r`` is ``r`` unless ``r`` is
    -0.0, and a sum started from +0.0 is never -0.0 in round-to-nearest).  The other ordered
    folds (products, vector-math functions with other operations) combine each value into
    the accumulator's value in order, whatever the row's length.  Every kernel of this
    module folds a row one value at a time from the accumulator when called with ``-n``
    (``FOLD_ROWS_ON_REQUEST``): the runtime's way to run a long reduced axis innermost
    where each accumulator element would otherwise take one value per short call.
    """
    if not wants_ordered_fold(scalar_op, acc_dtype, vector_math):
        return FOLD_ANY
    if isinstance(scalar_op, sm.Add) and np.dtype(acc_dtype).kind == "f":
        zero = init.size == 1 and float(init.reshape(())) == 0.0 and not np.signbit(init.reshape(()))
        order = FOLD_SHORT_ROWS_FROM_ZERO if zero else FOLD_ANY
    else:
        order = FOLD_IN_ORDER
    return order | FOLD_ROWS_ON_REQUEST | (FOLD_BLOCK_VALUES if vector_math else 0)


def ordered_reduce_kernel(body: ScalarBody, scalar_inputs: Sequence[bool], scalar_op: ScalarOp,
                          acc_dtype: np.dtype, combine: str, vector_functions: frozenset[str],
                          vector_math: bool, title: str) -> str:
    """The C source of ``ag_kernel`` and ``ag_combine``, folding values in NumPy's order.

    ``combine`` is the C expression of ``a (op) b`` for accumulators ``a`` and ``b``.
    """
    a = c_type(acc_dtype)
    nin = len(body.in_dtypes)
    checks = bool(body.parts.checks)
    pairwise = isinstance(scalar_op, sm.Add) and np.dtype(acc_dtype).kind == "f"
    lines = [kernel_header(body, vector_functions, title), body_function(body),
             f"static inline __attribute__((always_inline)) {a} ag_combine_values({a} a, {a} b) "
             f"{{ return {combine}; }}\n",
             f"void ag_combine(char *dst, const char *src) {{\n"
             f"    *({a} *)dst = ag_combine_values(*({a} *)dst, *(const {a} *)src);\n}}\n",
             values_function(body.in_dtypes, scalar_inputs, body.out_dtypes[0], acc_dtype, checks,
                             vector_math)]
    # a plain sum of one contiguous input reads its data in place, without copying values
    identity = (nin == 1 and not scalar_inputs[0] and body.in_dtypes[0] == np.dtype(acc_dtype)
                and body.statements.replace(" ", "") == "o.r0=(x0);")
    if pairwise:
        lines.append(_pairwise_functions(a, identity))
        fold_row = "        r = ag_pairwise(ptrs, steps, 0, n, &err);"
    else:
        fold_row = f"""        {a} v[{WIDTH}];
        for (intptr_t start = 0; start < n; start += {WIDTH}) {{
            const intptr_t m = n - start < {WIDTH} ? n - start : {WIDTH};
            err |= ag_values(ptrs, steps, start, m, v);
            for (intptr_t i = 0; i < m; i++) r = ag_combine_values(r, v[i]);
        }}"""
    first = "0" if pairwise else f"*({a} *)ptrs[{nin}]"
    outer_in_place = (f"""    if (steps[0] == sizeof({a}) && steps[{nin}] == sizeof({a})) {{
        const {a} *x = (const {a} *)ptrs[0];
        {a} *acc = ({a} *)ptrs[{nin}];
        #pragma omp simd
        for (intptr_t i = 0; i < n; i++) acc[i] = ag_combine_values(acc[i], x[i]);
        return 0;
    }}
""" if identity else "")
    lines.append(f"""
int ag_kernel(intptr_t n, char **ptrs, const intptr_t *steps) {{
    int err = 0;
    if (__builtin_expect(n <= 0, 0)) {{
        if (n == 0 || steps[{nin}] != 0) return 0;
        /* on request: the row's -n values one at a time, in order */
        {a} r = *({a} *)ptrs[{nin}], v[{WIDTH}];
        for (intptr_t start = 0; start < -n; start += {WIDTH}) {{
            const intptr_t m = -n - start < {WIDTH} ? -n - start : {WIDTH};
            err |= ag_values(ptrs, steps, start, m, v);
            for (intptr_t i = 0; i < m; i++) r = ag_combine_values(r, v[i]);
        }}
        *({a} *)ptrs[{nin}] = r;
        return err;
    }}
    if (steps[{nin}] == 0) {{  /* the row folds into one accumulator */
        {a} r = {first};
{fold_row}
        {"*(" + a + " *)ptrs[" + str(nin) + "] = ag_combine_values(*(" + a + " *)ptrs[" + str(nin) + "], r);"
         if pairwise else "*(" + a + " *)ptrs[" + str(nin) + "] = r;"}
        return err;
    }}
    /* each element folds into its own accumulator */
{outer_in_place}    {a} v[{WIDTH}];
    for (intptr_t start = 0; start < n; start += {WIDTH}) {{
        const intptr_t m = n - start < {WIDTH} ? n - start : {WIDTH};
        err |= ag_values(ptrs, steps, start, m, v);
        if (steps[{nin}] == sizeof({a})) {{
            {a} *acc = ({a} *)ptrs[{nin}] + start;
            #pragma omp simd
            for (intptr_t i = 0; i < m; i++) acc[i] = ag_combine_values(acc[i], v[i]);
        }} else {{
            for (intptr_t i = 0; i < m; i++) {{
                {a} *acc = ({a} *)(ptrs[{nin}] + (start + i) * steps[{nin}]);
                *acc = ag_combine_values(*acc, v[i]);
            }}
        }}
    }}
    return err;
}}
""")
    return "\n".join(lines)


def _pairwise_functions(a: str, identity: bool) -> str:
    """NumPy's pairwise summation of a row's values (``ag_pairwise``), each run of at most
    ``PAIRWISE_BLOCK`` values computed into a buffer by ``ag_values`` first (read in place
    for the ``identity`` of a contiguous input)."""
    in_place = (f"    if (steps[0] == sizeof({a})) return ag_block_sum((const {a} *)ptrs[0] + start, n);\n"
                if identity else "")
    return f"""
/* NumPy's summation of n <= {PAIRWISE_BLOCK} values: in order below 8, else 8 partial sums */
static {a} ag_block_sum(const {a} *v, intptr_t n) {{
    if (n < 8) {{
        {a} res = 0;
        for (intptr_t i = 0; i < n; i++) res += v[i];
        return res;
    }}
    {a} r[8];
    for (int j = 0; j < 8; j++) r[j] = v[j];
    intptr_t i;
    for (i = 8; i < n - (n % 8); i += 8)
        for (int j = 0; j < 8; j++) r[j] += v[i + j];
    {a} res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += v[i];
    return res;
}}

static {a} ag_pairwise(char **ptrs, const intptr_t *steps, intptr_t start, intptr_t n, int *err) {{
    if (n <= {PAIRWISE_BLOCK}) {{
    {in_place}    {a} v[{PAIRWISE_BLOCK}];
        for (intptr_t done = 0; done < n; done += {WIDTH})
            *err |= ag_values(ptrs, steps, start + done, n - done < {WIDTH} ? n - done : {WIDTH}, v + done);
        return ag_block_sum(v, n);
    }}
    intptr_t half = n / 2;
    half -= half % 8;
    return ag_pairwise(ptrs, steps, start, half, err) + ag_pairwise(ptrs, steps, start + half, n - half, err);
}}
"""
