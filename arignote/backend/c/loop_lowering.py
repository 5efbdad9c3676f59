"""How a loop node runs in a C program.

- A loop whose step works on single elements (``kernel_loop``) compiles,
  body and loop together, into one C function; a step of the program calls
  it through ctypes with the sequences, initial carries and constants, after
  checking them, a range of steps at a time so that Ctrl-C stops it (see
  ``ScalarLoop``).  ``config.c_scalar_loops = False`` turns this off.
- Any other loop (while loops too): its body is compiled once as a program
  of its own, and the runtime's ``run_loop`` drives it in C, setting the
  body's slots at each step (``runtime/steps_loop.c``).
- A loop carrying a random generator (or reading one as a constant): the
  runtime's loop drives array carries only (it checks each carry's shape and
  dtype at each step), so such a loop runs through the op's Python driver
  (``Loop.py_impl``), around a body still compiled by this linker.

The tests compare both with the ``py`` backend.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from arignote.backend.c.kernel_loop import scalar_loop_kernel
from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.backend.c.runtime import loaded_runtime
from arignote.backend.c.scalar_registry import Unsupported
from arignote.backend.c.toolchain import get_toolchain
from arignote.backend.python.linker import describe_node
from arignote.config import config
from arignote.graph.basic import Apply
from arignote.loop.execute import ZeroSteps, fresh
from arignote.loop.op import Loop, is_generator

_POINTER = ctypes.c_void_p
_KERNEL_TYPE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.POINTER(_POINTER),
                                ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(_POINTER),
                                ctypes.POINTER(_POINTER), ctypes.POINTER(_POINTER),
                                ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(_POINTER))
#: steps of the first call of a scalar loop's kernel; a loop this short runs in one call
FIRST_RANGE = 1 << 16
#: how long each later call runs (about): the longest a Ctrl-C waits to be handled
RANGE_SECONDS = 0.02
#: the error codes of compiled elementwise code (runtime.h's AG_ERR_)
_ERRORS = {1: "Integers to negative integer powers are not allowed."}


@c_lowering(Loop)
def _loop(node: Apply, context: LoweringContext) -> StepPlan:
    if any(is_generator(v) for v in node.op.inner_inputs):
        return python_step(node, "carries a random generator: run by the loop's Python driver around "
                                 "a body compiled in C (the C runtime's loop drives array carries only)")
    if config.c_scalar_loops:
        try:
            source = scalar_loop_kernel(node, str(node.op).replace("*/", "* /"))
        except Unsupported:
            pass
        else:
            plan = StepPlan("PY", source=source, label=str(node.op), notes=["one compiled scalar loop"])
            plan.fallback = ScalarLoop(node, plan)
            return plan
    return StepPlan("PY", fallback=DrivenLoop(node), label=str(node.op),
                    notes=["compiled body, driven by the C runtime"])


def _pointers(values: list[Any]) -> Any:
    return (_POINTER * max(len(values), 1))(*[v.ctypes.data for v in values])


class _CompiledLoop:
    """What both ways of running a loop node share: the checks on the step count and the
    sequences, the outputs of zero steps, and the stacked outputs put in step order."""

    def __init__(self, node: Apply) -> None:
        op = node.op
        self.node = node
        self.n_seqs, self.n_carries = op.n_seqs, op.n_carries
        self.keep = tuple(k or 0 for k in op.keep)   # 0: every row kept
        self.single = len(node.outputs) == 1
        self._zero_steps: Any = None

    def checked_steps(self, n_steps: Any, seqs: Sequence[Any]) -> int:
        """The step count, after checking it and the sequences' lengths as the loop op does."""
        op = self.node.op
        n = int(n_steps)
        if n < 0:
            raise ValueError(f"{op}: the number of steps must be >= 0, got {n}")
        for i, s in enumerate(seqs):
            if len(s) < n:
                raise ValueError(f"{op}: sequence {i} has {len(s)} rows, fewer than the {n} steps to run")
        return n

    def zero_steps(self, values: tuple[Any, ...]) -> Any:
        """The outputs of a loop that runs no step (as the op's own implementation gives them)."""
        if self._zero_steps is None:
            self._zero_steps = ZeroSteps(self.node)
        return self._zero_steps(*values)

    def stacked_rows(self, buffers: Sequence[np.ndarray], steps: int) -> list[np.ndarray]:
        """Each stacked output after ``steps`` steps: the first ``steps`` rows of its buffer
        (every row kept), or its ring (row ``t % keep``) in step order."""
        rows = []
        for keep, buffer in zip(self.keep, buffers):
            if not keep or steps < keep:
                rows.append(buffer if len(buffer) == steps else buffer[:steps])
            else:
                start = steps % keep
                rows.append(buffer if start == 0 else np.concatenate([buffer[start:], buffer[:start]]))
        return rows


class ScalarLoop(_CompiledLoop):
    """Runs a loop node through its compiled scalar loop: checks, buffers, one C call."""

    def __init__(self, node: Apply, plan: StepPlan) -> None:
        super().__init__(node)
        op = node.op
        self.plan = plan
        self.kernel: Any = None
        self.seq_dtypes = [f.type.numpy_dtype for f in op.seq_inputs]
        self.carry_dtypes = [f.type.numpy_dtype for f in op.carry_inputs]
        self.const_dtypes = [f.type.numpy_dtype for f in op.const_inputs]
        self.y_dtypes = [y.type.numpy_dtype for y in op.y_outputs]
        self.ring = (ctypes.c_int64 * max(len(self.keep), 1))(*self.keep)

    def _load(self) -> Any:
        if not self.plan.address:
            raise RuntimeError(f"{self.node.op}: its compiled loop was not loaded")
        self.kernel = _KERNEL_TYPE(self.plan.address)
        return self.kernel

    def _checked(self, values: tuple[Any, ...], dtypes: list[np.dtype], ndim: int, what: str) -> list[Any]:
        checked = []
        for k, (value, dtype) in enumerate(zip(values, dtypes)):
            if not isinstance(value, np.ndarray) or value.dtype != dtype or value.ndim != ndim:
                got = (f"{value.dtype} array of {value.ndim} dimension(s)" if isinstance(value, np.ndarray)
                       else type(value).__name__)
                raise TypeError(f"{self.node.op}: {what} {k} must be a {dtype} array of {ndim} "
                                f"dimension(s), got {got}")
            checked.append(value)
        return checked

    def __call__(self, n_steps: Any, *values: Any) -> Any:
        seqs = self._checked(values[:self.n_seqs], self.seq_dtypes, 1, "sequence")
        n = self.checked_steps(n_steps, seqs)
        if n == 0:
            return self.zero_steps(values)
        carries = self._checked(values[self.n_seqs:self.n_seqs + self.n_carries], self.carry_dtypes, 0,
                                "initial carry")
        consts = self._checked(values[self.n_seqs + self.n_carries:], self.const_dtypes, 0, "constant")
        finals = [np.empty((), d) for d in self.carry_dtypes]
        ys = [np.empty(min(k, n) if k else n, d) for k, d in zip(self.keep, self.y_dtypes)]
        self._run(n, seqs, carries, consts, ys, finals)
        outputs = finals + self.stacked_rows(ys, n)
        return outputs[0] if self.single else tuple(outputs)

    def _run(self, n: int, seqs: list[Any], carries: list[Any], consts: list[Any], ys: list[Any],
             finals: list[Any]) -> None:
        """Run the kernel's ``n`` steps as consecutive ranges, each about RANGE_SECONDS long.

        ctypes runs the kernel without the GIL and Python handles signals only
        between bytecodes, so one call of a billion steps could not be stopped.
        Between two ranges the loop below passes through the interpreter, which
        runs the signal handlers: Ctrl-C raises KeyboardInterrupt there, and the
        buffers this call allocated are dropped unseen.  A range starts from
        the carries the previous one stored in ``finals``.
        """
        strides = (ctypes.c_int64 * max(len(seqs), 1))(*[s.strides[0] for s in seqs])
        kernel = self.kernel or self._load()
        seq_p, const_p, ys_p, final_p = _pointers(seqs), _pointers(consts), _pointers(ys), _pointers(finals)
        init_p = _pointers(carries)
        start, size = 0, FIRST_RANGE
        while start < n:
            stop = min(n, start + size)
            began = time.perf_counter()
            code = kernel(start, stop, seq_p, strides, init_p, const_p, ys_p, self.ring, final_p)
            if code:
                raise ValueError(f"{self.node.op}: "
                                 f"{_ERRORS.get(code, f'the compiled loop failed with code {code}')}")
            elapsed = time.perf_counter() - began
            # the next range is sized from this one's speed: at most 8 times longer, so that
            # a body whose steps slow down (subnormals, say) still stops soon
            size = max(4096, min(8 * size, int(size * RANGE_SECONDS / max(elapsed, 1e-9))))
            start, init_p = stop, final_p


class DrivenLoop(_CompiledLoop):
    """Runs a loop node's body, compiled once as a program, from the C runtime's loop."""

    def __init__(self, node: Apply) -> None:
        # here, not at the top: importing it there makes an import cycle
        from arignote.backend.c.linker import CProgram

        super().__init__(node)
        op = node.op
        self.body = CProgram(list(op.inner_inputs), list(op.inner_outputs))
        runtime = loaded_runtime(get_toolchain())
        assert runtime is not None  # loaded: the body was just linked
        self.run_loop = runtime.run_loop
        self.labels = (*(describe_node(inner) for inner in self.body.nodes), describe_node(node))
        self.until = op.until

    def __call__(self, n_steps: Any, *values: Any) -> Any:

        seqs = values[:self.n_seqs]
        n = self.checked_steps(n_steps, seqs)
        if n == 0:
            return self.zero_steps(values)
        finals, stacked, m = self.run_loop(self.body.program, n, tuple(seqs),
                                              tuple(values[self.n_seqs:self.n_seqs + self.n_carries]),
                                              tuple(values[self.n_seqs + self.n_carries:]), self.keep,
                                              self.labels, self.until)
        outputs = fresh(finals, values) + self.stacked_rows(stacked, m)
        if self.until:
            outputs.append(np.asarray(m, dtype=np.int64))
        return outputs[0] if self.single else tuple(outputs)
