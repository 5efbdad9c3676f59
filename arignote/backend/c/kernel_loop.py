"""C source of a whole loop whose step works on single elements (a scalar recurrence).

When every value a loop's body reads and writes holds one element (0-d
carries, constants and per-step outputs; 1-d sequences, one element per
step) and every inner node is elementwise, the loop and its body compile
into one C function: carries live in registers, each step reads one element
per sequence and writes one element per kept output.  Its libm calls go
through the vector variants the array kernels use (:mod:`.vector_lanes`), so a
step computes what the same expression computes on an array.  A million-step
recurrence then costs what a hand-written C loop costs, instead of one
program call per step.

The generated entry point::

    int ag_kernel(int64_t t0, int64_t t1, char **seq, const int64_t *seq_stride,
                  char **init, char **consts, char **ys, const int64_t *ring,
                  char **final)

runs steps ``t0`` to ``t1 - 1`` from the carries in ``init``; ``ys[j]``
receives row ``t`` of per-step output ``j`` at ``t`` (all rows kept,
``ring[j] == 0``) or at ``t % ring[j]`` (the last ``ring[j]`` rows kept);
``final[j]`` receives carry ``j`` after step ``t1 - 1`` (``final`` may be
``init``: the carries are read before anything is written).  It returns 0, or
an ``AG_ERR_`` code of the elementwise kernels.  Its caller runs a long loop
as several such ranges, so that Ctrl-C can stop it between two of them
(``loop_lowering.ScalarLoop``); the carries pass from one range to the next
through memory of their own dtype, so the values do not depend on where the
loop was cut.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from arignote.backend.c.c_types import c_literal, c_type, supported
from arignote.backend.c.kernel_elemwise import PRELUDE
from arignote.backend.c.scalar_registry import KernelParts, Unsupported, emit_op
from arignote.backend.c.toolchain import get_toolchain
from arignote.backend.c.vector_lanes import lane_helpers, lane_variants, rename_calls
from arignote.graph.basic import Apply, Constant, Variable
from arignote.scalar.basic import ScalarOp
from arignote.tensor.composite import Composite
from arignote.tensor.elemwise import Elemwise


def _one_element(var: Variable) -> bool:
    return var.type.ndim == 0 and supported(var.type.numpy_dtype)


def check_scalar_loop(node: Apply) -> None:
    """Raise :class:`Unsupported` unless ``node``'s loop fits one scalar C loop."""
    op = node.op
    if op.until:
        raise Unsupported("while loops run their body through the program")
    for var in (*op.inner_inputs, *op.inner_outputs):
        if not _one_element(var):
            raise Unsupported("the body's values are not all single elements of C dtypes")
    for inner in op.nodes:
        if not isinstance(inner.op, Elemwise):
            raise Unsupported(f"the body holds {inner.op}, which is not elementwise")
        for var in (*inner.inputs, *inner.outputs):
            if var.type.ndim != 0 or not supported(var.type.numpy_dtype):
                raise Unsupported("the body's values are not all single elements of C dtypes")


class _Writer:
    """Statements computing the body's values into C locals, one per inner value."""

    def __init__(self) -> None:
        self.names: dict[Variable, str] = {}
        self.lines: list[str] = []
        self.parts = KernelParts()
        # a counter, not len(names): names also holds aliases, and a composite used by two
        # nodes renames its own values, which would give two locals one name
        self.count = 0

    def ref(self, var: Variable) -> str:
        name = self.names.get(var)
        if name is not None:
            return name
        if isinstance(var, Constant):
            value = np.asarray(var.data)
            if value.size != 1 or not supported(value.dtype):
                raise Unsupported(f"constant {var} of {value.dtype}")
            return f"(({c_type(value.dtype)}){c_literal(value.reshape(()).item(), value.dtype)})"
        raise Unsupported(f"{var} is neither an inner input nor computed by the body")

    def define(self, var: Variable, expr: str) -> None:
        name = f"v{self.count}"
        self.count += 1
        self.lines.append(f"const {c_type(var.type.numpy_dtype)} {name} = {expr};")
        self.names[var] = name

    def node(self, inner: Apply) -> None:
        scalar_op = inner.op.scalar_op
        args = [self.ref(v) for v in inner.inputs]
        if not isinstance(scalar_op, Composite):
            if len(inner.outputs) != 1:
                raise Unsupported(f"{scalar_op} with several outputs")
            out = inner.outputs[0]
            self.define(out, self._emit(scalar_op, args, inner.inputs, out))
            return
        # a composite's inner graph, its inputs named by the node's arguments
        for formal, arg in zip(scalar_op.inputs, args):
            self.names[formal] = arg
        for part in scalar_op.nodes:
            if len(part.outputs) != 1:
                raise Unsupported(f"inner node {part.op} has several outputs")
            self.define(part.outputs[0], self._emit(part.op.scalar_op, [self.ref(v) for v in part.inputs],
                                                    part.inputs, part.outputs[0]))
        for formal, out in zip(scalar_op.outputs, inner.outputs):
            self.names[out] = self.ref(formal)

    def _emit(self, scalar_op: ScalarOp, args: list[str], inputs: Sequence[Variable], out: Variable) -> str:
        return emit_op(scalar_op, args, [v.type.numpy_dtype for v in inputs], out.type.numpy_dtype,
                       self.parts)


def scalar_loop_kernel(node: Apply, title: str) -> str:
    """The C source of ``node``'s whole loop (see the module docstring)."""
    check_scalar_loop(node)
    op = node.op
    writer = _Writer()
    head = ["int ag_kernel(int64_t t0, int64_t t1, char **seq, const int64_t *seq_stride, char **init,",
            "               char **consts, char **ys, const int64_t *ring, char **final) {",
            "    int ag_err = 0;"]
    for j, formal in enumerate(op.carry_inputs):
        t = c_type(formal.type.numpy_dtype)
        head.append(f"    {t} c{j} = *(const {t} *)init[{j}];")
        writer.names[formal] = f"c{j}"
    for k, formal in enumerate(op.const_inputs):
        t = c_type(formal.type.numpy_dtype)
        head.append(f"    const {t} k{k} = *(const {t} *)consts[{k}];")
        writer.names[formal] = f"k{k}"
    step = []
    for i, formal in enumerate(op.seq_inputs):
        t = c_type(formal.type.numpy_dtype)
        step.append(f"const {t} s{i} = *(const {t} *)(seq[{i}] + t * seq_stride[{i}]);")
        writer.names[formal] = f"s{i}"
    for inner in op.nodes:
        writer.node(inner)
    step += writer.lines
    step += [f"ag_err |= ({check});" for check in writer.parts.checks]
    for j, y in enumerate(op.y_outputs):
        t = c_type(y.type.numpy_dtype)
        step.append(f"(({t} *)ys[{j}])[ring[{j}] ? t % ring[{j}] : t] = {writer.ref(y)};")
    # every new carry is read before any carry changes: carry j's output may read carry i
    new = [writer.ref(out) for out in op.carry_outputs]
    step += [f"const {c_type(out.type.numpy_dtype)} n{j} = {expr};"
             for j, (out, expr) in enumerate(zip(op.carry_outputs, new))]
    step += [f"c{j} = n{j};" for j in range(len(new))]
    tail = [f"    *({c_type(f.type.numpy_dtype)} *)final[{j}] = c{j};" for j, f in enumerate(op.carry_inputs)]
    # libm functions through the vector variants the array kernels use (see vector_lanes)
    lanes, renamed = lane_helpers(writer.parts.math, lane_variants(get_toolchain()))
    code = [*writer.parts.helpers.values(), *head, "    for (int64_t t = t0; t < t1; t++) {",
            *("        " + line for line in step), "    }", *tail, "    return ag_err;", "}"]
    source = [f"/* arignote loop kernel: {title} */", PRELUDE, *lanes, rename_calls("\n".join(code), renamed)]
    return "\n".join(source) + "\n"
