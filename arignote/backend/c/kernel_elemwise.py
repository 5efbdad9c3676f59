"""C source for an elementwise node: one inner loop over any strides.

The runtime walks the outer axes and calls the kernel once per innermost
row (``n`` elements, one pointer and one byte stride per operand: inputs,
then outputs).  The kernel has two versions of the loop:

- every operand contiguous (stride = its item size): a ``#pragma omp simd``
  loop the compiler vectorizes, with libmvec's vector math for exp, log, ...;
- anything else (broadcast or non-contiguous inputs, negative strides):
  the same body with strided loads.

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
from arignote.backend.c.scalar_registry import KernelParts, Unsupported, emit_op
from arignote.backend.c.vector_math import declarations
from arignote.graph.basic import Apply, Constant, Variable
from arignote.scalar.composite import Composite

PRELUDE = "#include <math.h>\n#include <stdint.h>\n"


@dataclass(frozen=True)
class ScalarBody:
    """The element function of a node: C statements from ``x0, x1, ...`` to ``r0, r1, ...``."""

    in_dtypes: tuple[np.dtype, ...]     # the node's inputs, then the inner constants
    out_dtypes: tuple[np.dtype, ...]
    statements: str
    parts: KernelParts
    constants: tuple[np.ndarray, ...] = ()  # values of the extra constant operands (0-d)


def scalar_body(scalar_op: object, in_dtypes: Sequence[np.dtype], out_dtypes: Sequence[np.dtype]) -> ScalarBody:
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
        lines.append(f"*r{j} = {expr};")
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


def _signature_line(body: ScalarBody) -> str:
    params = [f"{c_type(d)} x{k}" for k, d in enumerate(body.in_dtypes)]
    params += [f"{c_type(d)} *r{j}" for j, d in enumerate(body.out_dtypes)]
    return ", ".join(params)


def body_function(body: ScalarBody, name: str = "ag_body") -> str:
    """The element function as an always-inlined C function ``name(x0, ..., &r0, ...)``."""
    checks = "".join(f"    *ag_err |= ({c});\n" for c in body.parts.checks)
    params = _signature_line(body) + ", int *ag_err"
    statements = "\n".join("    " + line for line in body.statements.splitlines())
    return (f"static inline __attribute__((always_inline)) void {name}({params}) {{\n"
            f"    (void)ag_err;\n{checks}{statements}\n}}\n")


def kernel_header(body: ScalarBody, vector_functions: frozenset[str], title: str) -> str:
    """Includes, vector-math declarations and helpers a kernel over ``body`` needs."""
    text = [f"/* arignote kernel: {title} */", PRELUDE]
    decls = declarations(body.parts.math, vector_functions)
    if decls:
        text.append(decls)
    text.extend(body.parts.helpers.values())
    return "\n".join(text) + "\n"


def elemwise_kernel(body: ScalarBody, scalar_inputs: Sequence[bool], vector_functions: frozenset[str],
                    title: str) -> str:
    """The full C source of an elementwise kernel ``ag_kernel``."""
    nin, nout = len(body.in_dtypes), len(body.out_dtypes)
    lines = [kernel_header(body, vector_functions, title), body_function(body),
             "int ag_kernel(intptr_t n, char **ptrs, const intptr_t *steps) {",
             "    int ag_err = 0;"]
    for k, (dtype, scalar) in enumerate(zip(body.in_dtypes, scalar_inputs)):
        t = c_type(dtype)
        if scalar:
            lines.append(f"    const {t} s{k} = *(const {t} *)ptrs[{k}];")
    vector_ops = [k for k in range(nin) if not scalar_inputs[k]] + [nin + j for j in range(nout)]
    all_types = [*body.in_dtypes, *body.out_dtypes]
    contiguous = " && ".join(f"steps[{k}] == sizeof({c_type(all_types[k])})" for k in vector_ops) or "1"

    def load(k: int, contiguous_access: bool) -> str:
        qualifier = "const " if k < nin else ""
        if contiguous_access:
            return f"(({qualifier}{c_type(all_types[k])} *)ptrs[{k}])[i]"
        return f"*({qualifier}{c_type(all_types[k])} *)(ptrs[{k}] + i * steps[{k}])"

    def loop_body(contiguous_access: bool) -> list[str]:
        args = [f"s{k}" if scalar_inputs[k] else load(k, contiguous_access) for k in range(nin)]
        args += [f"&r{j}" for j in range(nout)]
        out = [f"            {c_type(d)} r{j};" for j, d in enumerate(body.out_dtypes)]
        out.append(f"            ag_body({', '.join(args)}, &ag_err);")
        out += [f"            {load(nin + j, contiguous_access)} = r{j};" for j in range(nout)]
        return out

    lines += [f"    if ({contiguous}) {{", "        #pragma omp simd reduction(|:ag_err)",
              "        for (intptr_t i = 0; i < n; i++) {", *loop_body(True),
              "        }", "    } else {", "        for (intptr_t i = 0; i < n; i++) {",
              *loop_body(False), "        }", "    }", "    return ag_err;", "}"]
    return "\n".join(lines) + "\n"


def node_scalar_inputs(node: Apply, body: ScalarBody) -> list[bool]:
    """Which operands of an elementwise kernel hold one element: inputs whose type
    says so, and the inner constants."""
    return [all(d == 1 for d in v.type.shape) for v in node.inputs] + [True] * len(body.constants)
