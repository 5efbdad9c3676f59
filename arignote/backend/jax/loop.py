"""Lowering of the loop op to ``lax.scan`` and ``lax.while_loop``, and of `CheckSteps`.

The body is an ordinary inner graph, translated with the same plan and
registry as the graph around it (loops nest), and traced once by JAX.

* A known step count (a constant, or a shape, as in a scan over sequences)
  runs ``lax.scan``; per-step outputs are stacked.  An output of which only
  the last ``k`` rows are read (``keep``) is written into a buffer of ``k``
  rows carried through the scan, so memory stays constant whatever the
  number of steps.
* A step count known only at run time, or a stop condition (``until``),
  runs ``lax.while_loop``.  Per-step outputs kept whole would then have a
  length that depends on values, which JAX cannot trace (the plan reports
  such loops); those of which only the last ``k`` rows are read (``ys[-1]``
  of a while loop) go to a circular buffer of ``k`` rows.  The result has
  ``k`` rows, so a loop that ran fewer than ``k`` steps cannot give it:
  where the readers index one row (``ys[-m]``) they raise the IndexError
  the other backends raise (in the reader's name); where one reads a slice
  (``ys[-k:]``, fewer rows in NumPy) a ValueError (``StaticShapeError``)
  says JAX must know the number of rows.  JAX cannot take reverse
  derivatives through a while loop; ``jax.grad`` of ``jax_fn`` says so.
* The checks the other backends make (steps >= 0, enough rows in every
  sequence, carries keep their shape) are made while tracing when the
  values are static, and at run time otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from arignote.backend.jax.plan import StaticShapeError, make_plan
from arignote.backend.jax.registry import LoweringContext, ShapeDependsOnValues, jax_impl
from arignote.backend.jax.translate import translate
from arignote.backend.python.linker import describe_node
from arignote.graph.basic import Apply
from arignote.loop.checks import CheckSteps
from arignote.loop.op import Loop
from arignote.tensor.subtensor_basic import Subtensor


def _all_rows_kept(op: Loop) -> bool:
    return any(k is None for k in op.keep)


def _loop_static_inputs(node: Apply) -> tuple[int, ...]:
    # every row of a per-step output is kept: its length is the step count, which must be static
    op = cast(Loop, node.op)
    return (0,) if _all_rows_kept(op) and not op.until else ()


def _loop_unsupported(node: Apply) -> str | None:
    if node.op.until and _all_rows_kept(cast(Loop, node.op)):
        return ShapeDependsOnValues(
            "a loop with a stop condition (until) whose per-step outputs are kept whole: the number "
            "of rows depends on the values, but JAX must know every shape while tracing (reading "
            "only the last rows, like ys[-1], works)")
    return None


def _body_plan(node: Apply, static_flags: Sequence[bool]) -> Any:
    """The plan of the body, knowing which of the node's inputs are static."""

    op = node.op
    first_const = 1 + op.n_seqs + op.n_carries  # constants static outside are static inside
    static = [v for k, v in enumerate(op.const_inputs) if static_flags[first_const + k]]
    static += [op.carry_inputs[j] for j in _fixed_carries(node, static_flags)]
    return make_plan(op.inner_inputs, op.inner_outputs, jax_impl, static)


def _loop_static_outputs(node: Apply, static_flags: tuple[bool, ...]) -> set[int]:
    """Outputs known while tracing: fixed carries, and per-step outputs computed from shapes
    alone (stacked shapes, which derivatives of loops carry along) when the step count is static."""
    op = node.op
    fixed = set(_fixed_carries(node, static_flags))
    if not static_flags[0] or op.until:
        return fixed
    try:
        plan = _body_plan(node, static_flags)
    except Exception:
        return fixed  # the lowering will report it
    return fixed | {op.n_carries + j for j, y in enumerate(op.y_outputs) if plan.is_static(y)}


def _body(node: Apply, ctx: LoweringContext, checks: bool) -> Callable[..., list[Any]]:
    """The loop body as a function of the inner inputs' values."""

    op = node.op
    plan = _body_plan(node, ctx.static)
    translation = translate(plan, op.inner_inputs, op.inner_outputs, checks=checks and ctx.checks_enabled,
                            check=ctx._check, embed_all_constants=True)
    if checks:
        ctx.children.extend(translation.contexts)
        if translation.has_checks:
            ctx.needs_checks()
    return translation.fn


def _fixed_carries(node: Apply, static_flags: Sequence[bool]) -> list[int]:
    """Carries that the step passes on unchanged and that start from a static value: they stay
    static inside the body (a shape carried along, say)."""
    op = node.op
    return [j for j, (formal, new) in enumerate(zip(op.carry_inputs, op.carry_outputs))
            if new is formal and static_flags[1 + op.n_seqs + j]]


def _with_fixed(fn: Callable[..., list[Any]], op: Loop,
                fixed: dict[int, np.ndarray]) -> Callable[..., list[Any]]:
    """``fn`` called with the static values of the fixed carries in their places."""
    if not fixed:
        return fn
    positions = {op.n_seqs + j: value for j, value in fixed.items()}

    def call(*args: Any) -> list[Any]:
        return fn(*[positions.get(k, a) for k, a in enumerate(args)])
    return call


def _step_checks(ctx: LoweringContext, n: Any, seqs: Sequence[Any]) -> None:
    """ValueError (at trace time when ``n`` is static, else at run time) for a bad step count."""
    if isinstance(n, np.ndarray):
        steps = int(n)
        if steps < 0:
            raise ValueError(f"the number of steps must be >= 0, got {steps}")
        for position, seq in enumerate(seqs):
            if seq.shape[0] < steps:
                raise ValueError(f"sequence {position} has {seq.shape[0]} rows, fewer than the "
                                 f"{steps} steps to run")
        return
    ctx.check(n >= 0, ValueError, "the number of steps must be >= 0, got {}", n)
    for position, seq in enumerate(seqs):
        ctx.check(seq.shape[0] >= n, ValueError,
                  f"sequence {position} has {seq.shape[0]} rows, fewer than the {{}} steps to run", n)


@jax_impl.register(CheckSteps)
def _check_steps(op: CheckSteps, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    if not ctx.is_static(0):
        ctx.needs_checks()

    def run(n: Any, *seqs: Any) -> Any:
        _step_checks(ctx, n if isinstance(n, np.ndarray) else jnp.asarray(n), [jnp.asarray(s) for s in seqs])
        return n if isinstance(n, np.ndarray) else jnp.asarray(n).astype(np.int64)
    return run


@jax_impl.register(Loop, static_of=_loop_static_inputs, unsupported=_loop_unsupported,
                   static_outputs=_loop_static_outputs)
def _loop(op: Loop, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    raw_body = _body(node, ctx, checks=True)
    raw_shapes_of = _body(node, ctx, checks=False)  # for jax.eval_shape, which cannot hold checks
    fixed_carries = _fixed_carries(node, ctx.static)
    static_outputs = _loop_static_outputs(node, ctx.static)
    if not ctx.is_static(0) or (op.until and op.n_ys):
        ctx.needs_checks()  # the step count, the sequences' lengths, the rows kept: at run time
    row_reads = ([_row_reads(ctx, op.n_carries + j) for j in range(op.n_ys)]
                 if op.until or not ctx.is_static(0) else [])

    def run(n_steps: Any, *outer: Any) -> Any:
        seqs = [jnp.asarray(s) for s in outer[:op.n_seqs]]
        inits = [jnp.asarray(c) for c in outer[op.n_seqs:op.n_seqs + op.n_carries]]
        consts = list(outer[op.n_seqs + op.n_carries:])
        n = n_steps if isinstance(n_steps, np.ndarray) else jnp.asarray(n_steps)
        fixed = {j: outer[op.n_seqs + j] for j in fixed_carries}
        body, shapes_of = _with_fixed(raw_body, op, fixed), _with_fixed(raw_shapes_of, op, fixed)
        _step_checks(ctx, n, seqs)
        _check_carry_shapes(op, shapes_of, seqs, inits, consts)
        if op.until or not isinstance(n, np.ndarray):
            results = _while(op, body, shapes_of, ctx, row_reads, n, seqs, inits, consts)
        else:
            results = _scan(op, body, shapes_of, int(n), seqs, inits, consts)
        if static_outputs:
            results = _static_results(op, shapes_of, static_outputs, n, seqs, inits, consts, fixed,
                                      results)
        return results[0] if len(results) == 1 else tuple(results)
    return run


def _static_results(op: Loop, shapes_of: Callable[..., list[Any]], positions: set[int], n: Any,
                    seqs: Sequence[Any], inits: Sequence[Any], consts: Sequence[Any],
                    fixed: dict[int, np.ndarray], results: list[Any]) -> list[Any]:
    """``results`` with the outputs the plan counts as static replaced by NumPy values.

    A static per-step output is the same every step (it depends on shapes and static values
    only), so one call of the body on stand-in values gives it; JAX drops the unused work.
    """
    rows = [jnp.zeros(s.shape[1:], s.dtype) for s in seqs]
    values = shapes_of(*rows, *inits, *consts)
    results = list(results)
    steps = int(n)
    for position in positions:
        if position < op.n_carries:  # a fixed carry: its static starting value
            results[position] = fixed[position]
            continue
        j = position - op.n_carries
        value = np.asarray(values[position])
        keep = op.keep[j]
        kept = steps if keep is None else min(steps, keep)
        results[position] = np.array(np.broadcast_to(value, (kept, *value.shape)))
    return results


def _abstract_row(seq: Any) -> jax.ShapeDtypeStruct:
    return jax.ShapeDtypeStruct(seq.shape[1:], seq.dtype)


def _abstract(value: Any) -> jax.ShapeDtypeStruct:
    return jax.ShapeDtypeStruct(np.shape(value), jnp.asarray(value).dtype)


def _step_shapes(shapes_of: Callable[..., list[Any]], seqs: Sequence[Any], inits: Sequence[Any],
                 consts: Sequence[Any]) -> list[Any]:
    """The shapes and dtypes of the body's outputs for one step (nothing is computed)."""
    # static constants stay NumPy values (the body's plan counts on it); the rest is abstract
    static = {k: c for k, c in enumerate(consts) if isinstance(c, np.ndarray)}
    dynamic = [_abstract(c) for k, c in enumerate(consts) if k not in static]

    def step(*args: Any) -> list[Any]:
        rows_and_carries, rest = args[:len(seqs) + len(inits)], iter(args[len(seqs) + len(inits):])
        full = [static[k] if k in static else next(rest) for k in range(len(consts))]
        return shapes_of(*rows_and_carries, *full)
    return jax.eval_shape(step, *[_abstract_row(s) for s in seqs], *[_abstract(c) for c in inits],
                          *dynamic)


def _check_carry_shapes(op: Loop, shapes_of: Callable[..., list[Any]], seqs: Sequence[Any],
                        inits: Sequence[Any], consts: Sequence[Any]) -> list[Any]:
    """The body's output shapes for one step; ValueError if a carry would change shape."""
    out = _step_shapes(shapes_of, seqs, inits, consts)
    for j, (before, after) in enumerate(zip(inits, out[:op.n_carries])):
        if tuple(before.shape) != tuple(after.shape):
            raise ValueError(f"carry {j} has shape {tuple(after.shape)} at step 0 but "
                             f"{tuple(before.shape)} before: a loop's carries and per-step outputs "
                             "keep their shape from step to step")
    return out


def _carried(op: Loop, values: Sequence[Any], inits: Sequence[Any]) -> list[Any]:
    # the body may give a carry in a dtype JAX sees differently (a static NumPy value, say)
    return [jnp.asarray(v).astype(c.dtype) for v, c in zip(values, inits)]


def _scan(op: Loop, body: Callable[..., list[Any]], shapes_of: Callable[..., list[Any]], n: int,
          seqs: Sequence[Any], inits: Sequence[Any], consts: Sequence[Any]) -> list[Any]:
    out_shapes = _step_shapes(shapes_of, seqs, inits, consts)
    y_shapes = out_shapes[op.n_carries:op.n_carries + op.n_ys]
    # per-step outputs of which only the last k < n rows are read go to a k-row buffer
    buffered = [k is not None and k < n for k in op.keep]
    if n == 0:
        ys = [jnp.zeros((0, *s.shape), s.dtype) for s in y_shapes]
        return [*inits, *ys]
    buffers = [jnp.zeros((k, *s.shape), s.dtype) for k, s, b in zip(op.keep, y_shapes, buffered) if b]
    first_kept = [n - k if b and k is not None else 0 for k, b in zip(op.keep, buffered)]  # (b: k is set)

    def step(state: tuple[Any, ...], rows: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        t, carries, bufs = state
        values = body(*rows, *carries, *consts)
        new_carries = _carried(op, values[:op.n_carries], carries)
        ys = values[op.n_carries:op.n_carries + op.n_ys]
        stacked, new_bufs, b = [], [], 0
        for y, is_buffered, first, shape in zip(ys, buffered, first_kept, y_shapes):
            y = jnp.asarray(y).astype(shape.dtype)
            if is_buffered:  # rows before the kept ones land on row 0 and are overwritten
                new_bufs.append(lax.dynamic_update_index_in_dim(bufs[b], y, jnp.maximum(t - first, 0), 0))
                b += 1
            else:
                stacked.append(y)
        return (t + 1, tuple(new_carries), tuple(new_bufs)), tuple(stacked)

    xs = tuple(s[:n] for s in seqs)
    (_, carries, bufs), stacked = lax.scan(step, (jnp.zeros((), np.int64), tuple(inits), tuple(buffers)),
                                           xs, length=n)
    stacked_iter, bufs_iter = iter(stacked), iter(bufs)
    ys = [next(bufs_iter) if b else next(stacked_iter) for b in buffered]
    return [*carries, *ys]


def _row_reads(ctx: LoweringContext, output: int) -> tuple[list[tuple[int, LoweringContext]], bool]:
    """How a kept per-step output is read: ``(m, context in the reader's name)`` for each reader
    of the one row ``[-m]``, and whether every reader is one of those."""
    reads: list[tuple[int, LoweringContext]] = []
    readers = ctx.readers[output] if output < len(ctx.readers) else ()
    for reader, position in readers:
        first = (reader.op.idx_list[0] if reader is not None and position == 0
                 and isinstance(reader.op, Subtensor) and reader.op.idx_list else None)
        if reader is not None and isinstance(first, int) and not isinstance(first, bool) and first < 0:
            reads.append((-first, ctx.reader_context(describe_node(reader))))
    return reads, bool(readers) and len(reads) == len(readers)


def _while(op: Loop, body: Callable[..., list[Any]], shapes_of: Callable[..., list[Any]],
           ctx: LoweringContext, row_reads: Sequence[tuple[list[tuple[int, LoweringContext]], bool]],
           n: Any, seqs: Sequence[Any], inits: Sequence[Any], consts: Sequence[Any]) -> list[Any]:
    """The loop as ``lax.while_loop``; per-step outputs (all with a finite ``keep``) go to
    circular buffers of ``keep`` rows."""
    n = jnp.asarray(n).astype(np.int64)
    y_shapes = _step_shapes(shapes_of, seqs, inits, consts)[op.n_carries:op.n_carries + op.n_ys]
    keep = cast(tuple[int, ...], op.keep)  # all finite here
    buffers = tuple(jnp.zeros((k, *s.shape), s.dtype) for k, s in zip(keep, y_shapes))

    def cond(state: tuple[Any, ...]) -> Any:
        t, stopped, _, _ = state
        return (t < n) & ~stopped

    def step(state: tuple[Any, ...]) -> tuple[Any, ...]:
        t, _, carries, bufs = state
        rows = [lax.dynamic_index_in_dim(s, t, keepdims=False) for s in seqs]
        values = body(*rows, *carries, *consts)
        stop = jnp.asarray(values[-1]) if op.until else jnp.zeros((), bool)
        ys = values[op.n_carries:op.n_carries + op.n_ys]
        new_bufs = tuple(lax.dynamic_update_index_in_dim(b, jnp.asarray(y).astype(b.dtype), t % k, 0)
                         for b, y, k in zip(bufs, ys, keep))
        return t + 1, stop, tuple(_carried(op, values[:op.n_carries], carries)), new_bufs

    start = (jnp.zeros((), np.int64), jnp.zeros((), bool), tuple(inits), buffers)
    t, _, carries, bufs = lax.while_loop(cond, step, start)
    ys = []
    for b, k, (reads, only_rows) in zip(bufs, keep, row_reads):
        # a reader of row -m fails as on the other backends when fewer than m steps ran; it is
        # checked here, where the number of steps is known (the buffer has k rows whatever it is)
        for m, reader_ctx in reads:
            reader_ctx.check(t >= m, IndexError, f"index {-m} is out of bounds for axis 0 with size {{}}",
                             t)
        if not only_rows:  # a slice ys[-k:] would have fewer rows, which JAX cannot give
            ctx.check(t >= k, StaticShapeError, f"the loop ran {{}} steps, but JAX returns the last {k} "
                      f"row(s) of its per-step outputs and must know their number while tracing", t)
        ys.append(jnp.roll(b, -(t % k), axis=0))  # oldest of the last k rows first
    return [*carries, *ys, t] if op.until else [*carries, *ys]
