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
from arignote.backend.c.schedule import Schedule, make_schedule
from arignote.backend.c.toolchain import CCompileWarning, CompileError, get_toolchain
from arignote.backend.c.vector_math import vectorized_functions
from arignote.config import config
from arignote.graph.basic import Apply, Variable
from arignote.graph.registry import import_submodules
from arignote.graph.traversal import toposort

# the modules named *_lowering register their op types' lowerings (node_lowering.c_lowerings)
import_submodules("arignote.backend.c", skip=lambda name: not name.endswith("_lowering"))

#: the step kinds that run a generated kernel (the others are planned again when restored)
_KERNELS = ("ELEMWISE", "REDUCE", "ARGREDUCE")


def _kernel_fields(plan: StepPlan) -> dict[str, Any]:
    """A kernel's plan as the arguments that make it again (its address left out)."""
    return {"kind": plan.kind, "params": plan.params, "source": plan.source, "symbol": plan.symbol,
            "donor_inputs": plan.donor_inputs, "exclusive_donors": plan.exclusive_donors,
            "label": plan.label, "notes": list(plan.notes), "constants": plan.constants}


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
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.nodes: list[Apply] = toposort(self.outputs)
        context = LoweringContext(vectorized_functions(toolchain))
        self.plans: list[StepPlan] = [plan_node(node, context) for node in self.nodes]
        runtime = self._compile(toolchain)
        params = [self._runtime_params(plan) for plan in self.plans]
        self.schedule = make_schedule(self.inputs, self.outputs, self.nodes, self.plans, params)
        self._start(runtime)

    def _start(self, runtime: Any) -> None:
        """Hand the schedule to the runtime: the Program object that a call runs."""
        schedule = self.schedule
        steps = [(getattr(runtime, kind), *rest) for kind, *rest in schedule.steps]
        self.program = runtime.Program(schedule.n_slots, schedule.n_inputs, schedule.consts, steps,
                                       schedule.outputs, bytes(schedule.recyclable), None,
                                       config.c_threads or available_cores())
        self.run = self.program

    # --- the whole-function cache (arignote/compile/program_cache.py) -----------------------
    def saved_state(self) -> dict[str, Any]:
        """What :meth:`restored` needs besides the graph, as plain picklable data: the kernel
        plans (their C source, to find the compiled objects in the cache) and the schedule
        without what belongs to this process (kernel addresses, Python callables)."""
        kernels = {k: _kernel_fields(plan) for k, plan in enumerate(self.plans) if plan.kind in _KERNELS}
        schedule = self.schedule
        steps = [(kind, ins, outs, frees, donors) for kind, ins, outs, frees, donors, _, _ in schedule.steps]
        return {"kernels": kernels, "n_slots": schedule.n_slots, "n_inputs": schedule.n_inputs,
                "consts": schedule.consts, "steps": steps, "outputs": schedule.outputs,
                "recyclable": schedule.recyclable}

    @classmethod
    def restored(cls, inputs: Sequence[Variable], nodes: list[Apply], outputs: Sequence[Variable],
                 state: dict[str, Any]) -> CProgram:
        """The program saved by :meth:`saved_state`, for the same graph (``nodes`` in the
        order the schedule has them): no code generation and no scheduling; the kernels are
        looked up in the C cache (and compiled again only if it lost them).  Other steps
        (views, BLAS, NumPy steps, loops) are planned again: that costs no compiling."""
        toolchain = get_toolchain()
        self = cls.__new__(cls)
        self.inputs, self.outputs, self.nodes = list(inputs), list(outputs), nodes
        context = LoweringContext(vectorized_functions(toolchain))
        kernels = state["kernels"]
        self.plans = [StepPlan(**kernels[k]) if k in kernels else plan_node(node, context)
                      for k, node in enumerate(nodes)]
        runtime = self._compile(toolchain, strict=True)
        steps = [(kind, ins, outs, frees, donors, plan.fallback, self._runtime_params(plan))
                 for (kind, ins, outs, frees, donors), plan in zip(state["steps"], self.plans)]
        if any(step[0] != plan.kind for step, plan in zip(steps, self.plans)):
            raise ValueError("the saved schedule does not match the program's steps")
        self.schedule = Schedule(state["n_slots"], state["n_inputs"], state["consts"], steps,
                                 state["outputs"], state["recyclable"])
        self._start(runtime)
        return self

    def _compile(self, toolchain: Any, strict: bool = False) -> Any:
        """Build the kernels (and the runtime module, the first time: in the same parallel
        batch) and load them; returns the runtime module.  A kernel that does not compile
        runs on NumPy, with a warning; ``strict``: raise CompileError instead."""
        sources = [(k, plan.source) for k, plan in enumerate(self.plans) if plan.source is not None]
        with_source = [k for k, _ in sources]
        jobs = [BuildJob(source, f"kernel of {self.plans[k].label}") for k, source in sources]
        runtime = loaded_runtime(toolchain)
        outcomes = None
        if runtime is None:
            # The first compilation with a toolchain builds the runtime module too (or, where it
            # was built at install, a probe of the compiler: runtime_job); threads compiling at
            # once wait for the one that builds it rather than each building and importing their own.
            with runtime_lock:
                runtime = loaded_runtime(toolchain)
                if runtime is None:
                    # with the kernels: they build beside the runtime module, which takes longest,
                    # and the probe beside them or in one of their compiler runs
                    outcomes = build_all([runtime_job(), *jobs], toolchain)
                    runtime = finish_runtime(toolchain, outcomes.pop(0))
        if outcomes is None:
            outcomes = build_all(jobs, toolchain)
        for k, outcome in zip(with_source, outcomes):
            plan = self.plans[k]
            if isinstance(outcome, CompileError):
                if strict:
                    raise outcome
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
