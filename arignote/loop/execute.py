"""Running loops on the ``py`` backend.

A loop node becomes one generated Python function holding the ``for`` loop,
with the body's schedule written out inside it, one line per inner node
calling that node's NumPy implementation (as the ``py`` linker does for a
whole graph).  A step therefore costs one call per inner node, a slice per
sequence and a store per stacked output: no per-step dispatch, no argument
lists.  The first step is written out separately, before the loop: it
learns the shapes of the per-step outputs and allocates their buffers.

:func:`driven_loop` writes the same driver around a body compiled by another
linker (one call per step); it is the hook of :meth:`Loop.make_driver`.

Memory: a per-step output kept whole is written into one preallocated array
(grown by doubling in a while loop, whose length is not known in advance);
one whose last ``k`` rows alone are kept (``keep``) holds references to the
last ``k`` values only.  Final values never share memory with the inputs or
with each other.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.sourceinfo import describe_node
from arignote.graph.traversal import toposort
from arignote.loop.body import substitute
from arignote.loop.shapes import row_dims
from arignote.tensor.join import stack
from arignote.tensor.random.ownership import consumable_draws, drawing_in_place
from arignote.tensor.random.type import RandomGeneratorType
from arignote.tensor.shape import shape_tuple
from arignote.tensor.type import TensorType

if TYPE_CHECKING:
    from arignote.loop.op import Loop

#: first capacity of the buffers of a while loop (doubled when full)
WHILE_INITIAL_ROWS = 32


def python_loop(node: Apply) -> Callable[..., Any]:
    """The ``py`` implementation of a loop node: loop and body as one Python function."""
    return _LoopWriter(node, None).build()


def driven_loop(node: Apply, compile_body: Callable[[Sequence[Variable], Sequence[Variable]], Any]
                ) -> Callable[..., Any]:
    """The loop of ``node`` calling, once per step, a body compiled by ``compile_body``.

    ``compile_body`` returns a callable, or a program with a ``run`` method
    (and, optionally, ``node_at_failure(exc)`` naming the inner node that
    raised, as linked programs have).
    """
    op = node.op
    consumed = _consumed_generators(cast("Loop", op))
    draws = consumed[0]
    outputs = drawing_in_place(op.nodes, op.inner_outputs, draws) if draws else list(op.inner_outputs)
    program = compile_body(list(op.inner_inputs), outputs)
    writer = _LoopWriter(node, getattr(program, "run", program), consumed)
    writer.locate = getattr(program, "node_at_failure", None)
    return writer.build()


class LoopStepError(ValueError):
    """A loop's carry or per-step output changed shape between steps."""


class _LoopWriter:
    """Writes the Python source of one loop node's implementation."""

    def __init__(self, node: Apply, body: Callable[..., Any] | None,
                 consumed: tuple[list[Apply], list[int]] | None = None) -> None:
        self.node = node
        self.op = cast("Loop", node.op)
        self.body = body
        self.env: dict[str, Any] = {"_empty": np.empty, "_grow": _grow, "_ring": _ring_rows,
                                    "_fresh": fresh, "_shape_error": _shape_error,
                                    "_asarray": np.asarray, "_int64": np.int64, "_copy": copy.deepcopy}
        self.names: dict[Variable, str] = {}
        #: the draws that consume their generator, and the generator carries copied before step 0
        self.consumed, self.owned_carries = consumed or _consumed_generators(self.op)
        self.line_to_node: dict[int, Apply] = {}
        self.lines: list[str] = []
        self.locate: Callable[[BaseException], Apply | None] | None = None  # a compiled body's

    # --- names ------------------------------------------------------------------------
    def name_of(self, var: Variable) -> str:
        name = self.names.get(var)
        if name is None:
            if not isinstance(var, Constant):
                raise ValueError(f"{self.op}: the body needs {var}, which is not an inner input")
            name = self.names[var] = f"_k{len(self.env)}"
            self.env[name] = var.data
        return name

    # --- pieces of code -----------------------------------------------------------------
    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def emit_step(self, indent: int) -> None:
        """The body for step ``t``: sequence rows, then each inner node (or one body call)."""
        op = self.op
        for i, formal in enumerate(op.seq_inputs):
            if self.body is None and id(formal) not in self.read:
                continue  # the body does not read this sequence (the loop still checks its length)
            row = "[t, ...]" if formal.type.ndim == 0 else "[t]"
            self.emit(indent, f"{self.names[formal]} = s{i}{row}")
        if self.body is not None:
            args = ", ".join(self.names[v] for v in op.inner_inputs)
            targets = [f"r{j}" for j in range(len(op.inner_outputs))]
            self.emit(indent, f"{', '.join(targets)}, = _body({args})")
            return
        for step, inner in enumerate(op.nodes):
            args = ", ".join(self.name_of(v) for v in inner.inputs)
            results = ", ".join(self.names[o] for o in inner.outputs)
            if len(inner.outputs) > 1:
                results += ","
            self.emit(indent, f"{results} = _f{step}({args})")
            self.line_to_node[len(self.lines)] = inner

    def result(self, position: int) -> str:
        """The name holding inner output ``position`` after a step."""
        if self.body is not None:
            return f"r{position}"
        return self.name_of(self.op.inner_outputs[position])

    def emit_after_step(self, indent: int, first: bool) -> None:
        """Checks, stores, carries moved on, and the stop test (``break`` only in the loop)."""
        op = self.op
        nc = op.n_carries
        for j in self.checked_carries:
            self.emit(indent, f"if {self.result(j)}.shape != cs{j}: "
                              f"_shape_error('carry', {j}, cs{j}, {self.result(j)}.shape, t)")
        for j, k in enumerate(op.keep):
            y = self.result(nc + j)
            if first:
                self.emit(indent, f"ys{j} = {y}.shape")
            elif j in self.checked_ys:
                self.emit(indent, f"if {y}.shape != ys{j}: "
                                  f"_shape_error('per-step output', {j}, ys{j}, {y}.shape, t)")
            if k is None:
                if first:
                    rows = "cap" if op.until else "n"
                    self.emit(indent, f"b{j} = _empty(({rows},) + ys{j}, {y}.dtype)")
                self.emit(indent, f"b{j}[t] = {y}")
            elif k == 1:
                self.emit(indent, f"l{j} = {y}")
            else:
                if first:
                    self.emit(indent, f"l{j} = [None] * {k}")
                self.emit(indent, f"l{j}[t % {k}] = {y}")
        if nc:
            targets = ", ".join(self.names[v] for v in op.carry_inputs)
            values = ", ".join(self.result(j) for j in range(nc))
            self.emit(indent, f"{targets}, = {values},")

    def emit_grow(self, indent: int) -> None:
        grown = [j for j, k in enumerate(self.op.keep) if k is None]
        if not grown:
            return
        self.emit(indent, "if t == cap:")
        self.emit(indent + 1, "cap = min(2 * cap, n)")
        for j in grown:
            self.emit(indent + 1, f"b{j} = _grow(b{j}, cap)")

    # --- the whole function ---------------------------------------------------------------
    def build(self) -> Callable[..., Any]:
        """Write, compile and return the loop's function."""
        self.plan_checks()
        args = self.name_everything()
        self.emit(0, f"def loop({', '.join(args)}):")
        self.emit_prologue(args)
        self.emit(1, "t = 0")
        self.emit(1, "try:")
        self.emit_steps()
        self.emit(1, "except Exception as exc:")
        self.emit(2, "raise _failed(exc, t) from None")
        self.emit_epilogue()
        self.source = "\n".join(self.lines) + "\n"
        exec(compile(self.source, f"<arignote loop {self.op}>", "exec"), self.env)
        run = self.env["loop"]
        self.code = run.__code__
        return run

    def name_everything(self) -> list[str]:
        """Names for the formals and inner values, the callables in the environment; the arguments."""
        op, node = self.op, self.node
        self.read = {id(v) for n in op.nodes for v in n.inputs} | {id(v) for v in op.inner_outputs}
        seqs = [f"s{i}" for i in range(op.n_seqs)]
        inits = [f"c{i}" for i in range(op.n_carries)]
        consts = [f"k{i}" for i in range(op.n_consts)]
        self.names.update((f, "x" + name[1:]) for f, name in zip(op.seq_inputs, seqs))
        self.names.update(zip(op.carry_inputs, inits))
        self.names.update(zip(op.const_inputs, consts))
        if self.body is not None:
            self.env["_body"] = self.body
        else:
            consumed = {id(n) for n in self.consumed}
            for step, inner in enumerate(op.nodes):
                inner_op = inner.op.clone(inplace=True) if id(inner) in consumed else inner.op
                self.env[f"_f{step}"] = inner_op.py_impl(inner)
                for o, out in enumerate(inner.outputs):
                    self.names[out] = f"v{step}_{o}"
        self.env["_zero_steps"] = ZeroSteps(node)
        self.env["_finish"] = _Finisher(node)
        self.env["_failed"] = self.explain_failure
        self.env["_label"] = describe_node(node)
        return ["n_steps", *seqs, *inits, *consts]

    def emit_prologue(self, args: list[str]) -> None:
        """The checks on the step count and the sequences, and the zero-step case."""
        op = self.op
        self.emit(1, "n = int(n_steps)")
        self.emit(1, "if n < 0: raise ValueError(f'{_label}: the number of steps must be >= 0, got {n}')")
        for i in range(op.n_seqs):
            self.emit(1, f"if len(s{i}) < n: raise ValueError(f'{{_label}}: sequence {i} has "
                         f"{{len(s{i})}} rows, fewer than the {{n}} steps to run')")
        self.emit(1, f"if n == 0: return _zero_steps({', '.join(args[1:])})")
        self.emit(1, f"inputs = ({', '.join(args[1:])}{',' if len(args) == 2 else ''})")
        for j in self.owned_carries:
            # the loop's own copy of a generator its draws consume (the given one stays as it was)
            self.emit(1, f"c{j} = _copy(c{j})")
        for j in self.checked_carries:
            self.emit(1, f"cs{j} = c{j}.shape")
        if op.until:
            self.emit(1, f"cap = min(n, {WHILE_INITIAL_ROWS})")

    def emit_steps(self) -> None:
        """Step 0 (which allocates the buffers), then the loop over the other steps."""
        op = self.op
        stop = self.result(len(op.inner_outputs) - 1) if op.until else None
        self.emit_step(2)
        self.emit_after_step(2, first=True)
        self.emit(2, "m = 1")
        indent = 2
        if op.until:
            self.emit(2, f"if not {stop}:")
            indent = 3
        self.emit(indent, "for t in range(1, n):")
        self.emit_step(indent + 1)
        if op.until:
            self.emit_grow(indent + 1)
        self.emit_after_step(indent + 1, first=False)
        if op.until:
            self.emit(indent + 1, f"if {stop}:")
            self.emit(indent + 2, "m = t + 1")
            self.emit(indent + 2, "break")
            self.emit(indent, "else:")
            self.emit(indent + 1, "m = n")
        else:
            self.emit(2, "m = n")

    def emit_epilogue(self) -> None:
        """The outputs: final carries, stacked rows (all, the last one, or a ring of the last k)."""
        op = self.op
        finals = [self.names[v] for v in op.carry_inputs]
        stacked = []
        for j, k in enumerate(op.keep):
            if k is None:
                stacked.append(f"b{j}[:m]" if op.until else f"b{j}")
            elif k == 1:
                stacked.append(f"l{j}")
            else:
                stacked.append(f"_ring(l{j}, m, {k})")
        self.emit(1, f"return _finish(m, [{', '.join(finals)}], [{', '.join(stacked)}], inputs)")

    def plan_checks(self) -> None:
        """Which carries and per-step outputs need their shapes checked at each step."""
        op = self.op
        self.checked_carries = [
            j for j, (formal, out) in enumerate(zip(op.carry_inputs, op.carry_outputs))
            if isinstance(formal.type, TensorType)  # a generator has no shape to keep
            and (None in formal.type.shape or None in out.type.shape)]

        try:
            rows = row_dims(op, self.node, input_shapes(self.node))
        except Exception:  # shape inference is an optimisation here; check every step instead
            rows = [[None] * y.type.ndim for y in op.y_outputs]
        self.checked_ys = [j for j, dims in enumerate(rows) if any(d is None for d in dims)]

    # --- errors -----------------------------------------------------------------------------
    def explain_failure(self, exc: Exception, step: int) -> Exception:
        """``exc`` with the inner node that raised it, its user line, and the step."""
        inner = None
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code is self.code:
                inner = self.line_to_node.get(tb.tb_lineno, inner)
            tb = tb.tb_next
        if inner is None and self.locate is not None:
            inner = self.locate(exc)
        where = f"step {step} of {describe_node(self.node)}"
        message = f"{describe_node(inner)} at {where}: {exc}" if inner is not None else f"{where}: {exc}"
        try:
            new = type(exc)(message)
        except Exception:
            exc.add_note(message)
            return exc
        new.__traceback__ = exc.__traceback__
        new.__cause__ = exc
        return new


def _shape_error(what: str, j: int, before: tuple[int, ...], after: tuple[int, ...], t: int) -> None:
    raise LoopStepError(f"{what} {j} has shape {after} at step {t} but {before} before: a loop's "
                        "carries and per-step outputs keep their shape from step to step")


def _grow(buffer: np.ndarray, rows: int) -> np.ndarray:
    bigger = np.empty((rows,) + buffer.shape[1:], buffer.dtype)
    bigger[:len(buffer)] = buffer
    return bigger


def _ring_rows(ring: list[Any], steps: int, k: int) -> list[Any]:
    """The last ``min(k, steps)`` values written into ``ring`` (slot ``t % k``), oldest first."""
    if steps < k:
        return ring[:steps]
    start = steps % k
    return ring[start:] + ring[:start]


def _consumed_generators(op: Loop) -> tuple[list[Apply], list[int]]:
    """The body's draws that may consume their generator when the loop owns its generator
    carries (copies them once, before step 0), and the carries to copy: one copy per call
    instead of one per draw and step."""
    carries = [v for v in op.carry_inputs if isinstance(v.type, RandomGeneratorType)]
    if not carries:
        return [], []
    draws = consumable_draws(op.nodes, op.inner_outputs, carries)
    read = {id(n.inputs[0]) for n in draws}
    return draws, [j for j, v in enumerate(op.carry_inputs) if id(v) in read]


def input_shapes(node: Apply) -> list[Any]:
    """The shapes of ``node``'s inputs as tuples of variables (None for a generator)."""
    return [shape_tuple(v) if isinstance(v.type, TensorType) else None for v in node.inputs]


def fresh(values: list[Any], inputs: Sequence[Any]) -> list[Any]:
    """``values`` with each one that may share memory with an input or an earlier value copied.

    A generator (a carried one, after zero steps) is copied when it is an input or an earlier
    value itself: drawing from the returned one must leave the input's state alone.
    """
    seen: list[np.ndarray] = [v for v in inputs if isinstance(v, np.ndarray)]
    objects = {id(v) for v in inputs if not isinstance(v, np.ndarray)}
    result = []
    for value in values:
        if not isinstance(value, np.ndarray):
            if id(value) in objects:
                value = copy.deepcopy(value)
            objects.add(id(value))
            result.append(value)
            continue
        if any(np.may_share_memory(value, other) for other in seen):
            value = value.copy()
        seen.append(value)
        result.append(value)
    return result


class _Finisher:
    """Assembles a loop's outputs after its last step."""

    def __init__(self, node: Apply) -> None:
        op = node.op
        self.keep = op.keep
        self.until = op.until
        self.single = len(node.outputs) == 1

    def __call__(self, steps: int, carries: list[Any], stacked: list[Any], inputs: tuple[Any, ...]) -> Any:
        ys = []
        for k, value in zip(self.keep, stacked):
            if k == 1:
                value = np.expand_dims(value, 0).copy()
            elif k is not None:
                value = np.stack(value)  # ``steps`` >= 1: zero steps take another path
            ys.append(value)
        # stacked buffers belong to the loop; only carries and kept views can alias
        outputs = fresh(carries, inputs) + ys
        if self.until:
            outputs.append(np.asarray(steps, dtype=np.int64))
        return outputs[0] if self.single else tuple(outputs)


class ZeroSteps:
    """A loop's outputs when it runs no step: the initial carries and empty stacks.

    The rows' shapes come from the shape graphs of the per-step outputs
    (compiled on first use); when a shape cannot be expressed without running
    the body, the body runs once on the initial values, and
    its outputs give the shapes (nothing else of that run is kept); it reads
    the sequences' first rows when they have some, zeros otherwise.
    """

    def __init__(self, node: Apply) -> None:
        self.node = node
        self._row_shapes: Callable[..., list[Any]] | None = None
        self._body: Callable[..., list[Any]] | None = None

    def __call__(self, *inputs: Any) -> Any:
        op = self.node.op
        seqs = inputs[:op.n_seqs]
        inits = list(inputs[op.n_seqs:op.n_seqs + op.n_carries])
        outputs = fresh(inits, inputs)
        for shape, y in zip(self.row_shapes(seqs, inputs), op.y_outputs):
            outputs.append(np.empty((0,) + tuple(shape), y.type.dtype))
        if op.until:
            outputs.append(np.asarray(0, dtype=np.int64))
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def row_shapes(self, seqs: Sequence[np.ndarray], inputs: tuple[Any, ...]) -> list[tuple[int, ...]]:
        op = self.node.op
        if not op.n_ys:
            return []
        if self._row_shapes is None:
            self._row_shapes = _row_shape_program(self.node)
        found = self._row_shapes(np.int64(0), *inputs)
        if all(shape is not None for shape in found):
            return found
        if self._body is None:
            self._body = program_of(op.inner_inputs, op.y_outputs)
        # the first rows when the sequences have some (the shapes a first step would give)
        rows = [s[0] if len(s) else np.zeros(s.shape[1:], s.dtype) for s in seqs]
        try:
            with np.errstate(all="ignore"):
                values = self._body(*rows, *inputs[op.n_seqs:])
        except Exception as exc:
            raise ValueError(f"{describe_node(self.node)}: the loop ran zero steps and the shape of "
                             f"its per-step outputs cannot be known without a step ({exc})") from exc
        return [known if known is not None else v.shape for known, v in zip(found, values)]


def _row_shape_program(node: Apply) -> Callable[..., list[Any]]:
    """A function of the node's input values giving each per-step output's row shape (or None)."""
    op = cast("Loop", node.op)
    rows = row_dims(op, node, input_shapes(node))
    usable = [j for j, dims in enumerate(rows) if all(d is not None for d in dims)]
    outputs = [stack(rows[j]) if rows[j] else None for j in usable]
    program = program_of(node.inputs, [o for o in outputs if o is not None])

    def row_shapes(*values: Any) -> list[Any]:
        computed = iter(program(*values))
        found: list[Any] = [None] * len(rows)
        for j, out in zip(usable, outputs):
            found[j] = () if out is None else tuple(int(d) for d in next(computed))
        return found
    return row_shapes


def program_of(inputs: Sequence[Variable], outputs: Sequence[Variable]) -> Callable[..., list[Any]]:
    """A function computing ``outputs`` from one value per entry of ``inputs``.

    ``inputs`` may repeat and may be computed variables: the program reads
    them as given values, not by computing them.  It calls each node's
    NumPy implementation in turn; it runs only when a loop ran zero steps,
    so it is not worth generating code as the ``py`` linker does (which sits
    above this layer).
    """
    unique = list(dict.fromkeys(inputs))
    proxies = [v if v.owner is None else v.type.make_variable(v.name) for v in unique]
    outputs = substitute(outputs, {v: p for v, p in zip(unique, proxies) if v is not p})
    steps = [(node, node.op.py_impl(node)) for node in toposort(outputs)]
    positions = [list(inputs).index(v) for v in unique]

    def value_of(var: Variable, values: dict[Variable, Any]) -> Any:
        if var in values:
            return values[var]
        if isinstance(var, Constant):
            return var.data
        raise ValueError(f"the graph needs input {var}, which was not given")

    def run(*given: Any) -> list[Any]:
        values = {proxy: given[p] for proxy, p in zip(proxies, positions)}
        for node, impl in steps:
            result = impl(*[value_of(v, values) for v in node.inputs])
            values.update(zip(node.outputs, result if len(node.outputs) > 1 else (result,)))
        return [value_of(v, values) for v in outputs]
    return run
