"""PyTensor's ``scan`` (and ``map``, ``reduce``, ``foldl``, ``foldr``), translated into one `Loop`.

The translation:

- a sequence with taps ``[k0, k1, ...]`` becomes one loop sequence per tap,
  the sequence sliced so that step ``t`` reads row ``t + k - min(taps, 0)``
  (PyTensor's convention); ``go_backwards`` reverses each slice;
- an output with taps ``[-a, -b, ...]`` (an initial value of ``L = max(a, b,
  ...)`` rows, or a plain initial value for the default tap ``-1``) becomes
  ``L`` carries holding its last ``L`` values, shifted by one at each step,
  plus a per-step output: the scan's result, ``n`` rows without the initial
  values;
- an output without initial value is a per-step output only;
- a shared variable the step updates (``{var: new_value}``) becomes a carry
  initialised with the variable, and the step reads its current value; its
  final value is returned in the updates;
- ``until(cond)`` is the loop's stop flag;
- a random generator in ``outputs_info`` is a carry (the step gets the
  generator and returns the next one, ``next_rng, x = rng.normal()``); its
  result is the final generator, not a stack (PyTensor 3 returns only the
  last generator too);
- a shared generator made while the step is traced with a default update
  (a draw without ``rng``, ``RandomStream``'s draws) is carried as a shared
  variable the step updates: its default update is cleared and its final
  value returned in the updates, as PyTensor's scan does with the default
  updates of shared variables created inside the step function;
- every other variable the step reads becomes a constant input (a generator
  too: its draws then repeat at every step, as in PyTensor).

Reading ``result[-1]`` of a long scan costs no memory for the other steps: a
rewrite keeps only the rows that are read (see ``arignote.loop.rewrites``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arignote.graph.basic import Variable
from arignote.graph.traversal import graph_inputs
from arignote.loop.body import build_loop, free_variables, step_generators, substitute
from arignote.loop.formals import formal, tracing_body
from arignote.loop.op import LoopTypeError, is_generator
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.math import minimum
from arignote.tensor.random.type import RandomGeneratorSharedVariable, next_serial
from arignote.tensor.shape import shape_i
from arignote.tensor.shape_inference import known_dim
from arignote.tensor.sharedvar import SharedVariable
from arignote.tensor.variable import TensorVariable

__all__ = ["until", "scan", "map", "reduce", "foldl", "foldr"]


class until:  # PyTensor's name (lower case, a class nonetheless)
    """A stop condition returned by a step function: the loop ends after a step where it holds."""

    def __init__(self, condition: Any) -> None:
        condition = as_tensor_variable(condition)
        if condition.ndim != 0:
            raise LoopTypeError(f"until: the condition must be a 0-d value, got {condition.type}")
        self.condition = condition


class ScanUpdates(OrderedDict):
    """The shared-variable updates a scan returns (pass them to ``function(updates=...)``)."""


def _as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _tensor(value: Any, what: str) -> TensorVariable:
    try:
        return as_tensor_variable(value)
    except TypeError as exc:
        raise TypeError(f"scan: {what} must be a tensor variable or value: {exc}") from None


def _n_steps_value(n_steps: Any) -> Variable | None:
    """``n_steps`` as a 0-d int64, None when not given; errors name what is wrong."""
    if n_steps is None:
        return None
    if isinstance(n_steps, float) and not np.isfinite(n_steps):
        return None  # PyTensor treats inf/nan as "not given"
    if isinstance(n_steps, (float, np.floating)):
        if n_steps != int(n_steps):
            raise ValueError(f"scan: n_steps must be an integer, got {n_steps}")
        n_steps = int(n_steps)
    n = as_tensor_variable(n_steps)
    if n.ndim != 0 or n.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"scan: n_steps must be a 0-d integer, got {n.type}")
    value = known_dim(n)
    if value is not None and value < 0:
        raise ValueError(f"scan: n_steps must be >= 0, got {value} (negative n_steps is not "
                         "supported, as in PyTensor)")
    return cast(n, "int64")


def _parse_returned(returned: Any) -> tuple[list[Any], dict[Any, Any], Variable | None]:
    """(outputs, updates, stop condition) from what a step function returned (PyTensor's rules)."""

    def is_outputs(x: Any) -> bool:
        return isinstance(x, Variable) or (isinstance(x, (list, tuple))
                                           and all(_output_like(v) for v in x))

    def is_updates(x: Any) -> bool:
        return isinstance(x, dict) or (isinstance(x, (list, tuple)) and len(x) > 0 and all(
            isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[0], Variable) for p in x))

    if isinstance(returned, until):
        return [], {}, returned.condition
    if is_outputs(returned):
        return _as_list(returned), {}, None
    if isinstance(returned, dict):
        return [], dict(returned), None
    if isinstance(returned, (list, tuple)):
        items = list(returned)
        stop = None
        if items and isinstance(items[-1], until):
            stop = items.pop().condition
        if len(items) == 1 and is_updates(items[0]):
            return [], dict(items[0]), stop
        if len(items) == 1 and is_outputs(items[0]):
            return _as_list(items[0]), {}, stop
        if len(items) == 2 and is_outputs(items[0]) and is_updates(items[1]):
            return _as_list(items[0]), dict(items[1]), stop
        if not items:
            return [], {}, stop
        if all(_output_like(v) for v in items):
            return items, {}, stop
    raise ValueError("scan: the step function must return its outputs (a variable or a list), "
                     "optionally followed by an updates dict and/or an until(...) condition, in "
                     f"that order; got {returned!r}")


def _output_like(x: Any) -> bool:
    return isinstance(x, (Variable, int, float, bool, np.ndarray, np.number))


def _label(var: Any, fallback: str) -> str:
    name = getattr(var, "name", None)
    return name if name else fallback


class _Sequence:
    """One user sequence with its taps, cut into one loop sequence per tap."""

    def __init__(self, spec: Any, position: int) -> None:
        if isinstance(spec, dict):
            unknown = set(spec) - {"input", "taps"}
            if unknown:
                raise ValueError(f"scan: sequence {position} has unexpected keys {sorted(unknown)}")
            if "input" not in spec:
                raise ValueError(f"scan: sequence {position} is a dict without an 'input'")
            taps = spec.get("taps")
            taps = [0] if taps is None else _as_list(taps)
            value = spec["input"]
        else:
            value, taps = spec, [0]
        self.input = _tensor(value, f"sequence {position}")
        if self.input.ndim == 0:
            raise LoopTypeError(f"scan: sequence {position} ({self.input}) is 0-d; a sequence needs "
                                "a leading axis to iterate over")
        for tap in taps:
            if isinstance(tap, bool) or not isinstance(tap, (int, np.integer)):
                raise TypeError(f"scan: the taps of sequence {position} must be ints, got {tap!r}")
        self.taps = [int(t) for t in taps]
        self.name = _label(self.input, f"seq{position}")

    def slices(self, go_backwards: bool) -> list[Variable]:
        """One loop sequence per tap: step ``t`` of slice ``k`` is row ``t + k - min(taps, 0)``."""
        low, high = min(min(self.taps), 0), max(max(self.taps), 0)
        result = []
        for tap in self.taps:
            start, stop = tap - low, tap - high
            piece = self.input if start == stop == 0 else self.input[start:stop if stop != 0 else None]
            result.append(piece[::-1] if go_backwards else piece)
        return result

    def formal_names(self) -> list[str]:
        return [f"{self.name}[t{'+' if k > 0 else ''}{k if k else ''}]" for k in self.taps]


class _Output:
    """One entry of ``outputs_info``: its initial value and taps (None: not recurrent)."""

    def __init__(self, spec: Any, position: int) -> None:
        self.position = position
        self.initial: Variable | None = None
        self.taps: list[int] = []
        self.generator = False  # a carried random generator: its result is its final value
        if spec is None:
            return
        if isinstance(spec, dict):
            unknown = set(spec) - {"initial", "taps", "inplace"}  # as PyTensor
            if unknown:
                raise ValueError(f"scan: outputs_info[{position}] has unexpected keys {sorted(unknown)}")
            initial, taps = spec.get("initial"), spec.get("taps")
            if initial is None:
                if taps is not None:
                    raise ValueError(f"scan: outputs_info[{position}] gives taps {taps} but no initial "
                                     "value; taps of an output need its initial values")
                return
            taps = [-1] if taps is None else _as_list(taps)
        else:
            initial, taps = spec, [-1]
        for tap in taps:
            if isinstance(tap, bool) or not isinstance(tap, (int, np.integer)):
                raise TypeError(f"scan: the taps of outputs_info[{position}] must be ints, got {tap!r}")
        taps = [int(t) for t in taps]
        if isinstance(initial, Variable) and is_generator(initial):
            # a carried generator: the step reads the current one and returns the next
            if taps != [-1]:
                raise ValueError(f"scan: outputs_info[{position}] is a random generator with taps "
                                 f"{taps}; a generator is carried with the default tap -1 only")
            self.initial, self.taps, self.generator = initial, taps, True
            self.name = _label(initial, f"rng{position}")
            return
        if len(set(taps)) != len(taps):
            raise ValueError(f"scan: outputs_info[{position}] repeats a tap: {taps}")
        if any(t >= 0 for t in taps):
            raise ValueError(f"scan: the taps of outputs_info[{position}] must be negative (an output "
                             f"cannot read its own future), got {taps}")
        self.initial = _tensor(initial, f"outputs_info[{position}]")
        self.taps = taps
        self.name = _label(self.initial, f"out{position}")
        if self.taps != [-1] and self.initial.ndim == 0:
            raise LoopTypeError(f"scan: outputs_info[{position}] uses taps {taps}, so its initial value "
                                f"needs a leading axis of at least {self.lags} rows; got a 0-d value")

    @property
    def recurrent(self) -> bool:
        return self.initial is not None

    @property
    def lags(self) -> int:
        return max(-t for t in self.taps) if self.taps else 0

    def initial_slots(self) -> list[Variable]:
        """The initial value of carry ``j`` (the output ``j + 1`` steps back), ``j < lags``."""
        if self.taps == [-1]:
            return [self.initial]  # type: ignore[list-item]
        lags = self.lags
        return [self.initial[lags - 1 - j] for j in range(lags)]  # type: ignore[index]


def scan(fn: Callable[..., Any], sequences: Any = None, outputs_info: Any = None,
         non_sequences: Any = None, n_steps: Any = None, truncate_gradient: int = -1,
         go_backwards: bool = False, mode: Any = None, name: str | None = None,
         profile: Any = False, allow_gc: Any = None, strict: bool = False,
         return_list: bool = False, return_updates: bool = True) -> Any:
    """PyTensor's ``scan``: apply ``fn`` over sequences, carrying outputs from step to step.

    ``fn`` receives, in order: each sequence's slices (one per tap), each
    recurrent output's past values (one per tap), then ``non_sequences``.
    It returns its outputs (in ``outputs_info`` order), optionally an
    updates dict for shared variables and/or an ``until(cond)`` stop
    condition.  Returns ``(outputs, updates)`` (``outputs``: one variable,
    or a list if several or ``return_list``), or only the outputs with
    ``return_updates=False``.  ``mode``, ``profile`` and ``allow_gc`` are
    accepted for compatibility and ignored: the body is compiled with the
    enclosing function.
    """
    if not callable(fn):
        raise TypeError(f"scan: fn must be callable, got {type(fn).__name__}")
    seqs = [_Sequence(s, i) for i, s in enumerate(_as_list(sequences))]
    outs_given = _as_list(outputs_info)
    outs = [_Output(o, i) for i, o in enumerate(outs_given)]
    non_seqs = [v if isinstance(v, Variable) else _tensor(v, "a non-sequence")
                for v in _as_list(non_sequences)]
    if (not isinstance(truncate_gradient, (int, np.integer)) or truncate_gradient == 0
            or truncate_gradient < -1):
        raise ValueError(f"scan: truncate_gradient must be -1 (none) or a positive number of steps, "
                         f"got {truncate_gradient!r}")

    loop_seqs: list[Variable] = []
    seq_names: list[str] = []
    for seq in seqs:
        loop_seqs.extend(seq.slices(go_backwards))
        seq_names.extend(seq.formal_names())
    steps = _n_steps_value(n_steps)
    if steps is None:
        if not loop_seqs:
            raise ValueError("scan: no information about the number of steps: give n_steps or at "
                             "least one sequence")
        steps = _shortest(loop_seqs)

    first_new_generator = next_serial()  # shared generators made from here on are the step's
    with tracing_body() as depth:
        position = 0
        seq_formals = []
        for seq_var, label in zip(loop_seqs, seq_names):
            row_type = seq_var.type.clone(shape=seq_var.type.shape[1:])
            seq_formals.append(formal(depth, position, row_type, label))
            position += 1
        carry_formals, carry_inits, carry_labels = [], [], []
        fn_output_args: list[Variable] = []
        slots_of: dict[int, list[Variable]] = {}  # output position -> its carries, newest first
        for out in outs:
            if not out.recurrent:
                continue
            slots = out.initial_slots()
            slot_formals = []
            for j, init in enumerate(slots):
                slot_formals.append(formal(depth, position, init.type, f"{out.name}[t-{j + 1}]"))
                carry_labels.append(f"scan output {out.position} ({out.name})")
                position += 1
            slots_of[out.position] = slot_formals
            carry_formals.extend(slot_formals)
            carry_inits.extend(slots)
            fn_output_args.extend(slot_formals[-t - 1] for t in out.taps)
        args = [*seq_formals, *fn_output_args, *non_seqs]
        returned = fn(*args)
    outputs, updates, stop = _parse_returned(returned)
    outputs = [o if isinstance(o, Variable) and is_generator(o) else
               _tensor(o, "an output of the step function") for o in outputs]
    if outs_given and len(outputs) != len(outs):
        raise ValueError(f"scan: outputs_info has {len(outs)} entries but the step function returned "
                         f"{len(outputs)} outputs; give None in outputs_info for each output that "
                         "does not feed back (like a map)")
    if not outs_given:
        outs = [_Output(None, i) for i in range(len(outputs))]

    # shared variables the step updates become carries the step reads; so do the generators
    # made inside the step with a default update (see the module docstring)
    updates = {**updates, **step_generators([*outputs, *updates.values(), stop], updates,
                                            first_new_generator)}
    shared_updates: list[tuple[Any, Variable]] = []
    for var, new in updates.items():
        if isinstance(var, RandomGeneratorSharedVariable):
            if not (isinstance(new, Variable) and is_generator(new)):
                raise TypeError(f"scan: the update of shared generator {var} must be a generator "
                                f"(the next generator of a draw), got {new!r}")
            shared_updates.append((var, new))
            continue
        if not isinstance(var, SharedVariable):
            raise TypeError(f"scan: updates may only target shared variables, got {var}")
        shared_updates.append((var, _tensor(new, f"the update of {var}")))
    shared_formals = []
    for var, _ in shared_updates:
        shared_formals.append(formal(depth, position, var.type, f"{var.name or 'shared'}[t-1]"))
        position += 1
    if shared_updates:
        read: dict[Variable, Variable] = {var: f for (var, _), f in zip(shared_updates, shared_formals)}
        rewritten = substitute([*outputs, *(new for _, new in shared_updates)]
                               + ([stop] if stop is not None else []), read)
        outputs = rewritten[:len(outputs)]
        news = rewritten[len(outputs):len(outputs) + len(shared_updates)]
        stop = rewritten[-1] if stop is not None else None
        shared_updates = [(var, new) for (var, _), new in zip(shared_updates, news)]

    if strict:
        _check_strict(outputs, [new for _, new in shared_updates], stop,
                      [*seq_formals, *carry_formals, *shared_formals], non_seqs)

    # an output's newest carry gets the step's value; the others shift by one step
    carry_updates: list[Variable] = []
    for out, value in zip(outs, outputs):
        if out.recurrent:
            carry_updates.append(value)
            carry_updates.extend(slots_of[out.position][:-1])
    carry_updates += [new for _, new in shared_updates]
    labels = carry_labels + [f"shared variable {var.name or var}" for var, _ in shared_updates]
    # a carried generator is not stacked: its result is its final value
    stacked_outputs = [value for out, value in zip(outs, outputs) if not out.generator]
    node = build_loop(depth, steps, loop_seqs, seq_formals,
                      carry_inits + [var for var, _ in shared_updates], carry_formals + shared_formals,
                      carry_updates, stacked_outputs, stop=stop, truncate_gradient=int(truncate_gradient),
                      name=name, carry_labels=labels)
    op = node.op
    stacked = iter(node.outputs[op.n_carries:op.n_carries + op.n_ys])
    finals = node.outputs[:op.n_carries]
    results: Any = [finals[carry_formals.index(slots_of[out.position][0])] if out.generator
                    else next(stacked) for out in outs]
    if not return_list and len(results) == 1:
        results = results[0]
    scan_updates = ScanUpdates()
    for k, (var, _) in enumerate(shared_updates):
        scan_updates[var] = finals[len(carry_formals) + k]
    if not return_updates:
        if scan_updates:
            raise ValueError("scan: the step function updates shared variables "
                             f"({', '.join(str(v) for v in scan_updates)}); use return_updates=True "
                             "to get the updates")
        return results
    return results, scan_updates


def _shortest(sequences: Sequence[Variable]) -> Variable:
    steps = shape_i(sequences[0], 0)
    for seq in sequences[1:]:
        length = shape_i(seq, 0)
        if length is not steps:
            steps = minimum(steps, length)
    return steps


def _check_strict(outputs: list[Variable], updates: list[Variable], stop: Variable | None,
                  own: list[Variable], non_seqs: list[Variable]) -> None:
    """strict=True: the step may read shared variables only through ``non_sequences``."""
    allowed = {id(v) for v in non_seqs}
    for var in free_variables([*outputs, *updates, *([stop] if stop is not None else [])], own):
        for leaf in graph_inputs([var]):
            if isinstance(leaf, SharedVariable) and id(leaf) not in allowed and id(var) not in allowed:
                raise ValueError(f"scan(strict=True): the step function uses shared variable {leaf}, "
                                 "which is not among the non_sequences")


def map(fn: Callable[..., Any], sequences: Any, non_sequences: Any = None, truncate_gradient: int = -1,
        go_backwards: bool = False, mode: Any = None, name: str | None = None,
        return_list: bool = False, return_updates: bool = True) -> Any:
    """``fn`` applied to each step of ``sequences`` (PyTensor's ``map``: a scan without carries)."""
    return scan(fn, sequences=sequences, outputs_info=None, non_sequences=non_sequences,
                truncate_gradient=truncate_gradient, go_backwards=go_backwards, mode=mode, name=name,
                return_list=return_list, return_updates=return_updates)


def reduce(fn: Callable[..., Any], sequences: Any, outputs_info: Any, non_sequences: Any = None,
           go_backwards: bool = False, mode: Any = None, name: str | None = None,
           return_list: bool = False, return_updates: bool = True) -> Any:
    """The last value of each output of ``scan(fn, ...)`` (PyTensor's ``reduce``).

    Only the last step is kept in memory (a rewrite sees that only ``[-1]`` is read).
    """
    result = scan(fn, sequences=sequences, outputs_info=outputs_info, non_sequences=non_sequences,
                  go_backwards=go_backwards, mode=mode, name=name, return_list=True,
                  return_updates=True)
    outputs, updates = result
    last = [o[-1] for o in outputs]
    value: Any = last[0] if len(last) == 1 and not return_list else last
    if not return_updates:
        if updates:
            raise ValueError("reduce: the step function updates shared variables; use "
                             "return_updates=True to get the updates")
        return value
    return value, updates


def foldl(fn: Callable[..., Any], sequences: Any, outputs_info: Any, non_sequences: Any = None,
          mode: Any = None, name: str | None = None, return_list: bool = False,
          return_updates: bool = True) -> Any:
    """``reduce`` from the first step to the last."""
    return reduce(fn, sequences, outputs_info, non_sequences, go_backwards=False, mode=mode, name=name,
                  return_list=return_list, return_updates=return_updates)


def foldr(fn: Callable[..., Any], sequences: Any, outputs_info: Any, non_sequences: Any = None,
          mode: Any = None, name: str | None = None, return_list: bool = False,
          return_updates: bool = True) -> Any:
    """``reduce`` from the last step to the first."""
    return reduce(fn, sequences, outputs_info, non_sequences, go_backwards=True, mode=mode, name=name,
                  return_list=return_list, return_updates=return_updates)

