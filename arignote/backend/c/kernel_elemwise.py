"""C source for an elementwise node: one inner loop over any strides.

The runtime walks the outer axes and calls the kernel once per innermost
row (``n`` elements, one pointer and one byte stride per operand: inputs,
then outputs).  The kernel has three versions of the loop:

- every operand contiguous (stride = its item size): a ``#pragma omp simd``
  loop the compiler vectorizes, with libmvec's vector math for exp, log, ...;
- some inputs broadcast along the row (stride 0), the others contiguous: the
  same loop over blocks, the broadcast inputs read from a block of copies;
- anything else (non-contiguous or negative strides): strided loads.

A kernel that calls vector math (libmvec) instead runs every element through
one loop over fixed-width aligned blocks, so that no element is computed by
the scalar function of a loop's remainder (:mod:`.kernel_blocks`).

Inputs whose type says they hold one element (0-d, or all static lengths 1)
are read once before the loop.  The body is the node's scalar op, or the
inner graph of a `Composite` (one local variable per inner node), written
by the emitters of ``scalar_registry``.

A composite's inner constants are not written into the source: they become
extra one-element operands after the node's inputs.  Kernels then depend
only on the structure of the computation and its dtypes, so ``x * 0.5`` and
``x * 0.25`` share one compiled kernel (and one cache entry).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from arignote.backend.c.c_types import c_type, supported
from arignote.backend.c.kernel_blocks import blocked_elemwise_loop, uses_vector_math
from arignote.backend.c.scalar_registry import KernelParts, Unsupported, emit_op
from arignote.backend.c.vector_math import declarations
from arignote.graph.basic import Apply, Constant, Variable
from arignote.scalar.basic import ScalarOp
from arignote.tensor.composite import Composite

PRELUDE = "#include <math.h>\n#include <stdint.h>\n#include <string.h>\n"


@dataclass(frozen=True)
class ScalarBody:
    """The element function of a node: C statements from ``x0, x1, ...`` to ``r0, r1, ...``."""

    in_dtypes: tuple[np.dtype, ...]     # the node's inputs, then the inner constants
    out_dtypes: tuple[np.dtype, ...]
    statements: str
    parts: KernelParts
    constants: tuple[np.ndarray, ...] = ()  # values of the extra constant operands (0-d)


def scalar_body(scalar_op: ScalarOp, in_dtypes: Sequence[np.dtype],
                out_dtypes: Sequence[np.dtype]) -> ScalarBody:
    """The element function of ``scalar_op`` (a composite or one op) on these dtypes."""
    in_dtypes = tuple(np.dtype(d) for d in in_dtypes)
    out_dtypes = tuple(np.dtype(d) for d in out_dtypes)
    for dtype in (*in_dtypes, *out_dtypes):
        if not supported(dtype):
            raise Unsupported(f"dtype {dtype}: compiled code handles bool, integers, float32 and float64")
    parts = KernelParts()
    lines: list[str] = []
    constants: list[np.ndarray] = []
    if isinstance(scalar_op, Composite):
        results = _composite_statements(scalar_op, lines, parts, constants)
        result_dtypes = [v.type.numpy_dtype for v in scalar_op.outputs]
        in_dtypes = in_dtypes + tuple(c.dtype for c in constants)
    else:
        args = [f"x{k}" for k in range(len(in_dtypes))]
        results = [emit_op(scalar_op, args, in_dtypes, out_dtypes[0], parts)]
        result_dtypes = [out_dtypes[0]]
        if len(out_dtypes) != 1:
            raise Unsupported(f"{scalar_op} with {len(out_dtypes)} outputs")
    for j, (expr, dtype) in enumerate(zip(results, result_dtypes)):
        if np.dtype(dtype) != out_dtypes[j]:
            raise Unsupported("the composite's output dtypes differ from the node's")
        lines.append(f"o.r{j} = {expr};")
    return ScalarBody(in_dtypes, out_dtypes, "\n".join(lines), parts, tuple(constants))


def _composite_statements(composite: Composite, lines: list[str], parts: KernelParts,
                          constants: list[np.ndarray]) -> list[str]:
    names: dict[Variable, str] = {v: f"x{k}" for k, v in enumerate(composite.inputs)}

    def ref(var: Variable) -> str:
        if var in names:
            return names[var]
        if isinstance(var, Constant):
            value = np.asarray(var.data)
            if value.size != 1 or not supported(value.dtype):
                raise Unsupported(f"inner constant {var} of {value.dtype}")
            names[var] = f"x{len(composite.inputs) + len(constants)}"
            constants.append(value.reshape(()))
            return names[var]
        raise Unsupported(f"composite input {var} is not an inner input")

    for position, node in enumerate(composite.nodes):
        op = node.op.scalar_op
        args = [ref(v) for v in node.inputs]
        arg_dtypes = [v.type.numpy_dtype for v in node.inputs]
        if len(node.outputs) != 1:
            raise Unsupported(f"inner node {op} has several outputs")
        out = node.outputs[0]
        expr = emit_op(op, args, arg_dtypes, out.type.numpy_dtype, parts)
        name = f"t{position}"
        lines.append(f"const {c_type(out.type.numpy_dtype)} {name} = {expr};")
        names[out] = name
    return [ref(v) for v in composite.outputs]


def body_function(body: ScalarBody) -> str:
    """The element function ``ag_body(x0, x1, ...)``, always inlined, returning an ``ag_out``
    struct of the results ``r0, r1, ...`` and an error flag ``err``.

    Results come back by value, never through pointers: a local whose address
    is taken inside a ``#pragma omp simd`` loop becomes a per-lane array in
    memory, and the loop then gathers instead of loading.
    """
    fields = " ".join(f"{c_type(d)} r{j};" for j, d in enumerate(body.out_dtypes))
    params = ", ".join(f"{c_type(d)} x{k}" for k, d in enumerate(body.in_dtypes)) or "void"
    checks = "".join(f"    o.err |= ({c});\n" for c in body.parts.checks)
    statements = "\n".join("    " + line for line in body.statements.splitlines())
    return (f"typedef struct {{ {fields} int err; }} ag_out;\n\n"
            f"static inline __attribute__((always_inline)) ag_out ag_body({params}) {{\n"
            f"    ag_out o;\n    o.err = 0;\n{checks}{statements}\n    return o;\n}}\n")


def kernel_header(body: ScalarBody, vector_functions: frozenset[str], title: str) -> str:
    """Includes, vector-math declarations and helpers a kernel over ``body`` needs."""
    text = [f"/* arignote kernel: {title} */", PRELUDE]
    decls = declarations(body.parts.math, vector_functions)
    if decls:
        text.append(decls)
    text.extend(body.parts.helpers.values())
    return "\n".join(text) + "\n"


#: rows are processed in blocks of this many elements when an input is broadcast along them
BLOCK = 512
#: broadcast inputs get a block-sized buffer on the stack; kernels with more vector inputs
#: than this run broadcast rows through the strided loop instead
MAX_BROADCAST_BUFFERS = 8


def broadcast_buffers(types: Sequence[np.dtype], vector_inputs: Sequence[int], length: str) -> list[str]:
    """C declaring ``b<k>``, a block of ``length`` copies of input ``k``'s value when its
    stride is 0 (it is broadcast along the row), for each vector input ``k``."""
    lines = []
    for k in vector_inputs:
        t = c_type(types[k])
        lines += [f"    {t} b{k}[{BLOCK}];",
                  f"    if (steps[{k}] == 0) {{ const {t} v = *(const {t} *)ptrs[{k}]; "
                  f"for (intptr_t j = 0; j < {length}; j++) b{k}[j] = v; }}"]
    return lines


def block_pointer(k: int, dtype: np.dtype, start: str) -> str:
    """Input ``k``'s elements from ``start`` on: its data, or its broadcast buffer."""
    t = c_type(dtype)
    return f"(steps[{k}] ? (const {t} *)ptrs[{k}] + {start} : (const {t} *)b{k})"


def elemwise_kernel(body: ScalarBody, scalar_inputs: Sequence[bool], vector_functions: frozenset[str],
                    title: str) -> str:
    """The full C source of an elementwise kernel ``ag_kernel``."""
    nin, nout = len(body.in_dtypes), len(body.out_dtypes)
    if uses_vector_math(body.parts.math, vector_functions):
        # one vector function for every element, wherever it lies (see kernel_blocks)
        return "\n".join([kernel_header(body, vector_functions, title), body_function(body),
                          "int ag_kernel(intptr_t n, char **ptrs, const intptr_t *steps) {",
                          *blocked_elemwise_loop(body.in_dtypes, body.out_dtypes, scalar_inputs,
                                                 bool(body.parts.checks)), "}"]) + "\n"
    lines = [kernel_header(body, vector_functions, title), body_function(body),
             "int ag_kernel(intptr_t n, char **ptrs, const intptr_t *steps) {",
             "    int ag_err = 0;"]
    for k, (dtype, scalar) in enumerate(zip(body.in_dtypes, scalar_inputs)):
        t = c_type(dtype)
        if scalar:
            lines.append(f"    const {t} s{k} = *(const {t} *)ptrs[{k}];")
    vector_inputs = [k for k in range(nin) if not scalar_inputs[k]]
    all_types = [*body.in_dtypes, *body.out_dtypes]

    def size(k: int) -> str:
        return f"sizeof({c_type(all_types[k])})"
    outputs_contiguous = [f"steps[{nin + j}] == {size(nin + j)}" for j in range(nout)]
    contiguous = " && ".join([f"steps[{k}] == {size(k)}" for k in vector_inputs] + outputs_contiguous)
    buffered = len(vector_inputs) <= MAX_BROADCAST_BUFFERS and vector_inputs
    with_broadcast = " && ".join([f"(steps[{k}] == {size(k)} || steps[{k}] == 0)" for k in vector_inputs]
                                 + outputs_contiguous)

    def call(load) -> list[str]:
        args = [f"s{k}" if scalar_inputs[k] else load(k) for k in range(nin)]
        out = [f"            const ag_out o = ag_body({', '.join(args)});"]
        out += [f"            {load(nin + j)} = o.r{j};" for j in range(nout)]
        if body.parts.checks:
            out.append("            ag_err |= o.err;")
        return out

    def contiguous_load(k: int) -> str:
        return f"(({'const ' if k < nin else ''}{c_type(all_types[k])} *)ptrs[{k}])[i]"

    def strided_load(k: int) -> str:
        return f"*({'const ' if k < nin else ''}{c_type(all_types[k])} *)(ptrs[{k}] + i * steps[{k}])"

    def block_load(k: int) -> str:
        return f"p{k}[i]" if k < nin else f"(({c_type(all_types[k])} *)ptrs[{k}] + start)[i]"

    simd = "        #pragma omp simd" + (" reduction(|:ag_err)" if body.parts.checks else "")
    lines += [f"    if ({contiguous or '1'}) {{", simd, "        for (intptr_t i = 0; i < n; i++) {",
              *call(contiguous_load), "        }", "        return ag_err;", "    }"]
    if buffered:
        lines += [f"    if ({with_broadcast}) {{",
                  *("    " + line for line in broadcast_buffers(all_types, vector_inputs,
                                                               f"(n < {BLOCK} ? n : {BLOCK})")),
                  f"        for (intptr_t start = 0; start < n; start += {BLOCK}) {{",
                  f"            const intptr_t m = n - start < {BLOCK} ? n - start : {BLOCK};",
                  *(f"            const {c_type(all_types[k])} *p{k} = "
                    f"{block_pointer(k, all_types[k], 'start')};" for k in vector_inputs),
                  "    " + simd, "            for (intptr_t i = 0; i < m; i++) {",
                  *("    " + line for line in call(block_load)), "            }", "        }",
                  "        return ag_err;", "    }"]
    lines += ["    for (intptr_t i = 0; i < n; i++) {", *call(strided_load), "    }",
              "    return ag_err;", "}"]
    return "\n".join(lines) + "\n"


def node_scalar_inputs(node: Apply, body: ScalarBody) -> list[bool]:
    """Which operands of an elementwise kernel hold one element: inputs whose type
    says so, and the inner constants."""
    return [all(d == 1 for d in v.type.shape) for v in node.inputs] + [True] * len(body.constants)
