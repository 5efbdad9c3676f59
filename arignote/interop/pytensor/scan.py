"""The converter of PyTensor's ``Scan``: one arignote :class:`~arignote.loop.op.Loop` node.

PyTensor's Scan node keeps its state in *buffers*; arignote's loop carries values.  The
converter reads the node's ``ScanInfo`` and builds the loop directly (not through
``arignote.scan``, which would need the step as a Python function and cannot express the
gradient's mit-mot states):

- a sequence is a loop sequence (PyTensor's outer sequence is already aligned: step ``i``
  reads row ``i``);
- a mit-sot or sit-sot output with taps ``T`` (negative) has a buffer whose first
  ``L = -min(T)`` rows are the initial values; it becomes ``L`` carries holding its last
  ``L`` values (carry ``j`` is the value ``j + 1`` steps back, so tap ``t`` reads carry
  ``-t - 1``), shifted by one each step, and a per-step output.  PyTensor's outer output is
  the whole buffer, initial rows included; the converter rebuilds it as the initial rows
  followed by the per-step outputs (see :func:`_as_buffer` for buffers of other lengths);
- a nit-sot output is a per-step output (its outer input is the buffer length);
- an untraced sit-sot (a shared variable the step updates, a random generator among them,
  so random draws in a step give new numbers each step) is a carry whose final value is
  the output;
- a mit-mot output (what ``pt.grad`` of a scan builds: the step reads and writes several
  rows of one buffer) carries its whole buffer; a step counter (one more carry) locates
  step ``i``'s rows, ``i - min(in taps) + tap``, read before the step and written after it,
  as PyTensor does;
- the non-sequences are the loop's constants, and ``as_while``'s condition is the loop's
  stop flag (both stop after the step where the condition holds).

The inner graph is converted with :func:`from_pytensor` (recursively: an inner Scan is a
nested loop) and its inputs are replaced by the loop's formals.  ``truncate_gradient`` and
the name are kept.  Differences from PyTensor's Python implementation, for buffers its own
``scan`` never makes: when no step runs, a tap buffer longer than its initial rows comes out
as those rows then zeros (PyTensor returns the buffer as given), and mit-mot taps index the
buffer without wrapping around its end (PyTensor wraps the reads, not the writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pytensor.scan.op import Scan as PtScan

import arignote.tensor as at
from arignote.graph.basic import Variable
from arignote.interop.pytensor.convert import converters, from_pytensor, inner_graph_missing, nested_missing
from arignote.loop.body import build_loop, substitute
from arignote.loop.formals import formal, tracing_body
from arignote.tensor.type import TensorType

__all__: list[str] = []


def _groups(flat: Sequence[Any], slices: Sequence[Sequence[int]]) -> list[list[Any]]:
    """``flat`` cut into consecutive groups, one of ``len(s)`` items per entry of ``slices``."""
    groups, start = [], 0
    for taps in slices:
        groups.append(list(flat[start:start + len(taps)]))
        start += len(taps)
    return groups


def _as_buffer(history: Any, size: Any, n_steps: Any, done: Any, as_while: bool) -> Any:
    """PyTensor's outer output for a buffer of ``size`` rows from the full ``history``.

    ``history`` holds the initial rows then one row per step done (``T`` rows).  PyTensor's
    perform keeps the buffer circular and reorders it at the end: a buffer of ``S <= T`` rows
    holds the last ``S`` rows of the history; a longer one holds the history then zeros, and
    when a while loop stopped early, ``n_steps - done`` rows fewer.  PyTensor's ``scan``
    makes ``S = T`` when the loop runs to its end, so this is the history itself.
    """
    total = at.shape(history)[0]
    pad = at.maximum(size - total, 0)
    padded = at.concatenate([history, at.zeros((pad, *[at.shape(history)[k] for k in
                                                       range(1, history.ndim)]),
                                               dtype=history.dtype)], axis=0)
    start = at.maximum(total - size, 0)
    if not as_while:
        return padded[start:]
    stop = at.switch(at.gt(size, total), size - (n_steps - done), total)
    return padded[start:stop]


nested_missing.register(PtScan)(inner_graph_missing)


@converters.register(PtScan)
def _scan(op: Any, node: Any, n_steps: Any, *outer: Any) -> Any:
    info = op.info
    fgraph = op.fgraph.unfreeze() if hasattr(op.fgraph, "unfreeze") else op.fgraph
    pt_inner_in, pt_inner_out = list(fgraph.inputs), list(fgraph.outputs)
    n_steps = at.cast(n_steps, "int64")

    # the outer inputs, in ScanInfo's order
    k = 0

    def take(count: int) -> list[Any]:
        nonlocal k
        part = list(outer[k:k + count])
        k += count
        return part

    seqs = take(info.n_seqs)
    mitmot_bufs = take(info.n_mit_mot)
    tap_bufs = take(info.n_mit_sot + info.n_sit_sot)  # mit-sot then sit-sot: the same handling
    untraced_inits = take(info.n_untraced_sit_sot)
    nitsot_sizes = take(info.n_nit_sot)
    non_seqs = take(info.n_non_seqs)
    if k != len(outer) or len(pt_inner_in) != info.n_inner_inputs:
        raise RuntimeError(f"from_pytensor: {op} has {len(outer) + 1} outer and {len(pt_inner_in)} inner "
                           f"inputs, its ScanInfo says {info.n_outer_inputs} and {info.n_inner_inputs}")
    tap_slices = [tuple(t) for t in (*info.mit_sot_in_slices, *info.sit_sot_in_slices)]
    for taps in tap_slices:
        if any(t >= 0 for t in taps):
            raise NotImplementedError(f"from_pytensor: {op} has an output reading its own tap {taps}; "
                                      "a mit-sot or sit-sot output reads only past (negative) taps")

    with tracing_body() as depth:
        converted = from_pytensor(pt_inner_out, pt_inner_in)
        c_in = iter(converted.inputs)
        position = 0

        def new_formal(kind: Any, label: str) -> Any:
            nonlocal position
            var = formal(depth, position, kind, label)
            position += 1
            return var

        mapping: dict[Variable, Variable] = {}
        seq_formals = []
        for j in range(info.n_seqs):
            inner = next(c_in)
            seq_formals.append(new_formal(inner.type, f"seq{j}[t]"))
            mapping[inner] = seq_formals[-1]

        carry_formals: list[Variable] = []
        carry_inits: list[Variable] = []
        labels: list[str] = []

        def new_carry(kind: Any, init: Any, label: str) -> Any:
            var = new_formal(kind, label)
            carry_formals.append(var)
            carry_inits.append(init)
            labels.append(label)
            return var

        # mit-mot: the whole buffer is carried, with one step counter for all of them
        mitmot_inner = _groups([next(c_in) for _ in range(sum(map(len, info.mit_mot_in_slices)))],
                               info.mit_mot_in_slices)
        mitmot_formals: list[Any] = []
        counter: Any = None
        if info.n_mit_mot:
            counter = new_carry(TensorType("int64", ()), at.constant(0, dtype="int64"), "scan step")
        for j, (buf, taps, inners) in enumerate(zip(mitmot_bufs, info.mit_mot_in_slices, mitmot_inner,
                                                    strict=True)):
            carried = new_carry(buf.type, buf, f"mit-mot buffer {j}")
            mitmot_formals.append(carried)
            low = min(taps)
            for tap, inner in zip(taps, inners, strict=True):
                mapping[inner] = carried[counter + (tap - low)]

        # mit-sot and sit-sot: L carries each, newest first
        tap_inner = _groups([next(c_in) for _ in range(sum(map(len, tap_slices)))], tap_slices)
        tap_carries: list[list[Variable]] = []
        for j, (buf, taps, inners) in enumerate(zip(tap_bufs, tap_slices, tap_inner, strict=True)):
            lags = -min(taps)
            slots = [new_carry(inners[0].type, buf[lags - 1 - s], f"scan output {j} [t-{s + 1}]")
                     for s in range(lags)]
            tap_carries.append(slots)
            for tap, inner in zip(taps, inners, strict=True):
                mapping[inner] = slots[-tap - 1]

        untraced_formals = []
        for j, init in enumerate(untraced_inits):
            inner = next(c_in)
            untraced_formals.append(new_carry(inner.type, init, f"untraced state {j}"))
            mapping[inner] = untraced_formals[-1]

        for inner, value in zip(c_in, non_seqs, strict=True):
            mapping[inner] = value  # build_loop makes the outer values the loop's constants

        outs = substitute(converted.outputs, mapping)

    # the inner outputs, in ScanInfo's order
    k_out = sum(map(len, info.mit_mot_out_slices))
    mitmot_outs = _groups(outs[:k_out], info.mit_mot_out_slices)
    tap_outs = outs[k_out:k_out + len(tap_slices)]
    k_out += len(tap_slices)
    nitsot_outs = outs[k_out:k_out + info.n_nit_sot]
    k_out += info.n_nit_sot
    untraced_outs = outs[k_out:k_out + info.n_untraced_sit_sot]
    stop = outs[-1] if info.as_while else None

    updates: list[Any] = []
    if counter is not None:
        updates.append(counter + 1)
    for carried, in_taps, out_taps, values in zip(mitmot_formals, info.mit_mot_in_slices,
                                                  info.mit_mot_out_slices, mitmot_outs, strict=True):
        low, new = min(in_taps), carried
        for tap, value in zip(out_taps, values, strict=True):
            new = at.set_subtensor(new[counter + (tap - low)], value)
        updates.append(new)
    for slots, value in zip(tap_carries, tap_outs, strict=True):
        updates.extend([value, *slots[:-1]])  # the newest gets the step's value; the others shift
    updates.extend(untraced_outs)

    loop = build_loop(depth, n_steps, seqs, seq_formals, carry_inits, carry_formals, updates,
                      [*tap_outs, *nitsot_outs], stop=stop, truncate_gradient=int(op.truncate_gradient),
                      name=getattr(op, "name", None), carry_labels=labels)
    n_carries = len(carry_formals)
    finals, stacked = loop.outputs[:n_carries], loop.outputs[n_carries:]
    done = loop.outputs[-1] if info.as_while else n_steps

    results: list[Variable] = []
    first = 1 if counter is not None else 0
    results.extend(finals[first:first + info.n_mit_mot])
    for j, (buf, taps) in enumerate(zip(tap_bufs, tap_slices, strict=True)):
        lags = -min(taps)
        history = at.concatenate([buf[:lags], stacked[j]], axis=0)
        results.append(_as_buffer(history, at.shape(buf)[0], n_steps, done, info.as_while))
    for j, size in enumerate(nitsot_sizes):
        results.append(_as_buffer(stacked[len(tap_slices) + j], at.cast(size, "int64"), n_steps, done,
                                  info.as_while))
    results.extend(finals[n_carries - info.n_untraced_sit_sot:])
    return results
