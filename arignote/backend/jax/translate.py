"""A graph turned into one Python function of JAX values (to be traced by ``jax.jit``).

The function runs the plan's schedule: each node's lowering (or, for values
known while tracing, its NumPy implementation) is called on the values of
its inputs.  Tracing it once produces the whole XLA computation; the Python
code is not run again until the input shapes or dtypes change.

An error while tracing (shapes that do not fit, an index out of range known
statically) is re-raised with the node and the user line that built it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.backend.jax.plan import Plan
from arignote.backend.jax.registry import LoweringContext
from arignote.backend.python.linker import describe_node
from arignote.graph.basic import Apply, Constant, Variable

#: constants larger than this (in elements) are passed to the compiled function as
#: arguments instead of being embedded in the XLA program (which slows compiling)
EMBED_LIMIT = 10_000


@dataclass
class Translation:
    """The traceable function and what it needs beside the user's values."""

    fn: Callable[..., list[Any]]
    #: constants passed as trailing arguments (too large to embed)
    constant_args: list[np.ndarray]
    contexts: list[LoweringContext]

    @property
    def has_checks(self) -> bool:
        return any(ctx.declared for ctx in self.contexts)


def translate(plan: Plan, inputs: Sequence[Variable], outputs: Sequence[Variable],
              checks: bool, check: Callable[..., None] | None = None,
              embed_all_constants: bool = False) -> Translation:
    """The function ``(*input values, *constant_args) -> [output values]`` for ``plan``.

    ``checks`` turns on run-time checks (``check`` is ``checkify.check``).
    """
    slots: dict[int, int] = {}
    for var in inputs:
        slots[id(var)] = len(slots)
    constants: dict[int, Any] = {}
    constant_args: list[np.ndarray] = []
    big_constant_slots: dict[int, int] = {}
    for node in plan.nodes:
        for var in node.inputs:
            if isinstance(var, Constant) and id(var) not in slots and id(var) not in constants:
                data = var.data
                jax_only = id(node) not in plan.numpy_nodes
                if jax_only and not embed_all_constants and np.size(data) > EMBED_LIMIT:
                    big_constant_slots[id(var)] = len(inputs) + len(constant_args)
                    constant_args.append(data)
                constants[id(var)] = data

    readers = _readers(plan.nodes, outputs)
    steps: list[tuple[Apply, Callable[..., Any], bool]] = []
    contexts: list[LoweringContext] = []
    for node in plan.nodes:
        if id(node) in plan.numpy_nodes:
            steps.append((node, _numpy_step(node), False))
            continue
        ctx = LoweringContext(static=tuple(plan.is_static(v) for v in node.inputs),
                              where=describe_node(node), checks_enabled=checks, _check=check,
                              readers=tuple(tuple(readers.get(id(o), ())) for o in node.outputs))
        contexts.append(ctx)
        entry = plan.entries[id(node)]
        steps.append((node, entry.lower(node.op, node, ctx), True))

    def run(*args: Any) -> list[Any]:
        env: dict[int, Any] = {}
        for var in inputs:
            env[id(var)] = args[slots[id(var)]]
        for key, data in constants.items():
            slot = big_constant_slots.get(key)
            env[key] = data if slot is None else args[slot]
        for node, impl, _lowered in steps:
            values = [env[id(v)] for v in node.inputs]
            try:
                result = impl(*values)
            except Exception as exc:
                if getattr(exc, "_arignote_node", None) is not None:
                    raise  # a nested translation (a loop body) already named its node
                raise _with_node(exc, node) from exc
            if len(node.outputs) == 1:
                _check_lowered(node, node.outputs[0], result)
                env[id(node.outputs[0])] = result
            else:
                for var, value in zip(node.outputs, result):
                    _check_lowered(node, var, value)
                    env[id(var)] = value
        return [env[id(v)] if id(v) in env else _constant_value(v) for v in outputs]

    return Translation(run, constant_args, contexts)


def _check_lowered(node: Apply, var: Variable, value: Any) -> None:
    """A lowering's value must have its output's rank and static lengths (shapes are concrete
    while tracing, so this costs nothing at run time): a mismatch is a bug in the lowering,
    which would otherwise give numbers of the wrong shape further on."""
    expected = getattr(var.type, "shape", None)
    if expected is None:
        return  # not a tensor output (a generator, say): nothing to compare
    if isinstance(value, tuple):
        raise TypeError(f"internal error: the JAX lowering of {node.op} gave a tuple for its "
                        f"output {var} ({var.type})")
    found = getattr(value, "shape", None)
    if found is None:
        return
    if len(found) != len(expected) or any(e is not None and e != f for e, f in zip(expected, found)):
        raise TypeError(f"internal error: the JAX lowering of {node.op} gave a value of shape "
                        f"{tuple(found)} for its output {var} ({var.type})")


Reader = tuple[Apply | None, int]


def _readers(nodes: Sequence[Apply], outputs: Sequence[Variable]) -> dict[int, list[Reader]]:
    """Variable id -> its readers in schedule order, ``(None, -1)`` for an output of the graph."""
    readers: dict[int, list[Reader]] = {}
    for node in nodes:
        for position, var in enumerate(node.inputs):
            readers.setdefault(id(var), []).append((node, position))
    for var in outputs:
        readers.setdefault(id(var), []).append((None, -1))
    return readers


def _constant_value(var: Variable) -> Any:
    if isinstance(var, Constant):
        return var.data
    raise ValueError(f"the graph needs input {var}, which was not given")


def _numpy_step(node: Apply) -> Callable[..., Any]:
    """The node's NumPy implementation, for values known while tracing."""
    impl = node.op.py_impl(node)
    several = len(node.outputs) > 1

    def run(*values: Any) -> Any:
        result = impl(*values)
        if several:
            return tuple(np.asarray(r) for r in result)
        return np.asarray(result)
    return run


def _with_node(exc: Exception, node: Apply) -> Exception:
    """``exc`` with the node and user line in front of its message."""
    message = f"{describe_node(node)}: {exc}"
    try:
        new = type(exc)(message)
    except Exception:
        exc.add_note(message)
        new = exc
    try:
        new._arignote_node = node  # type: ignore[attr-defined]
    except AttributeError:
        pass
    return new
