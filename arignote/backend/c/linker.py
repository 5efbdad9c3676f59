"""The ``c`` linker: a graph turned into one runtime Program calling compiled kernels.

Linking a graph: every node gets a step (``node_lowering``); the kernels'
C sources are compiled in parallel, or found in the on-disk cache
(``build``, ``cache``); the schedule decides slots, releases and buffer
reuse (``schedule``); and the runtime module (``runtime/``) receives it all
as one ``Program`` object, which the compiled function calls directly.  A
call then runs in C from start to end, except for the Python steps of ops
without C code.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from arignote.backend.c.build import BuildJob, available_cores, build_all
from arignote.backend.c.node_lowering import LoweringContext, StepPlan, plan_node, python_step
from arignote.backend.c.runtime import finish_runtime, loaded_runtime, runtime_job, runtime_lock
from arignote.backend.c.schedule import make_schedule
from arignote.backend.c.toolchain import CCompileWarning, CompileError, get_toolchain
from arignote.backend.c.vector_math import vectorized_functions
from arignote.config import config
from arignote.graph.basic import Apply, Variable
from arignote.graph.registry import import_submodules
from arignote.graph.traversal import toposort

# the modules named *_lowering register their op types' lowerings (node_lowering.c_lowerings)
import_submodules("arignote.backend.c", skip=lambda name: not name.endswith("_lowering"))

# path -> dlopen handle (kept for the life of the process).  No lock: threads that load the
# same path at once get the same handle from dlopen (it counts references), so any entry is right.
_libraries: dict[str, int] = {}


def _kernel_address(runtime: Any, path: str, symbol: str) -> int:
    handle = _libraries.get(path)
    if handle is None:
        handle = _libraries[path] = runtime.load_library(path)
    return runtime.symbol(handle, symbol)


class CProgram:
    """A compiled schedule: ``run(*input values)`` returns the list of output values."""

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable]) -> None:
        toolchain = get_toolchain()
        threads = config.c_threads or available_cores()
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.nodes: list[Apply] = toposort(self.outputs)
        context = LoweringContext(vectorized_functions(toolchain))
        self.plans: list[StepPlan] = [plan_node(node, context) for node in self.nodes]
        runtime = self._compile(toolchain)
        params = [self._runtime_params(plan) for plan in self.plans]
        schedule = make_schedule(self.inputs, self.outputs, self.nodes, self.plans, params)
        steps = [(getattr(runtime, kind), *rest) for kind, *rest in schedule.steps]
        self.program = runtime.Program(schedule.n_slots, schedule.n_inputs, schedule.consts, steps,
                                       schedule.outputs, bytes(schedule.recyclable), None, threads)
        self.run = self.program

    def _compile(self, toolchain: Any) -> Any:
        """Build the kernels (and the runtime module, the first time: in the same parallel
        batch) and load them; returns the runtime module."""
        sources = [(k, plan.source) for k, plan in enumerate(self.plans) if plan.source is not None]
        with_source = [k for k, _ in sources]
        jobs = [BuildJob(source, f"kernel of {self.plans[k].label}") for k, source in sources]
        runtime = loaded_runtime(toolchain)
        outcomes = None
        if runtime is None:
            # The first compilation builds the runtime module too; threads compiling at once wait
            # for the one that builds it rather than each building and importing their own.
            with runtime_lock:
                runtime = loaded_runtime(toolchain)
                if runtime is None:
                    # the runtime module takes longest to build: it goes first, so the kernels
                    # build beside it
                    outcomes = build_all([runtime_job(), *jobs], toolchain)
                    runtime = finish_runtime(toolchain, outcomes.pop(0))
        if outcomes is None:
            outcomes = build_all(jobs, toolchain)
        for k, outcome in zip(with_source, outcomes):
            plan = self.plans[k]
            if isinstance(outcome, CompileError):
                warnings.warn(f"arignote: {self.nodes[k].op} runs on NumPy because its C kernel did "
                              f"not compile: {outcome}", CCompileWarning, stacklevel=5)
                self.plans[k] = python_step(self.nodes[k], "kernel did not compile")
                continue
            plan.address = _kernel_address(runtime, str(outcome.path), outcome.symbol(plan.symbol))
        return runtime

    @staticmethod
    def _runtime_params(plan: StepPlan) -> tuple[Any, ...]:
        if plan.kind in ("ELEMWISE", "REDUCE", "ARGREDUCE"):
            return (plan.address, *plan.params)
        return plan.params

    def __call__(self, *values: Any) -> list[Any]:
        return self.run(*values)

    def node_at_failure(self, exc: BaseException) -> Apply | None:
        """The node whose step raised ``exc`` in the last call (None if unknown)."""
        step = self.program.failed_step
        if 0 <= step < len(self.nodes):
            return self.nodes[step]
        return None

    def describe(self) -> list[str]:
        """One line per step: the op and how it runs (a C kernel, a built-in C step, or NumPy)."""
        lines = []
        for node, plan in zip(self.nodes, self.plans):
            how = {"PY": "NumPy", "ELEMWISE": "C kernel", "REDUCE": "C kernel",
                   "ARGREDUCE": "C kernel"}.get(plan.kind, "C runtime")
            note = f" ({'; '.join(plan.notes)})" if plan.notes else ""
            lines.append(f"{node.op}: {how}{note}")
        return lines
