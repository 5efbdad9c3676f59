"""Whole buffers carried by a loop only to pass one element from a step to the next.

- ``loop_scalar_buffers``: a carried vector ``b`` that each step reads only
  at ``b[s]`` and ``b[s + 1]`` and writes only as ``b[s + 1] = v`` (a set),
  where ``s`` is a step counter carry starting at the constant 0 and
  advancing by 1, and whose final value nobody reads, becomes a scalar carry
  and a sequence: ``b[s]`` is the value written by the step before (``b0[0]``
  at the first step) and ``b[s + 1]`` is still the initial ``b0[s + 1]``
  (no step wrote there yet), so the loop carries ``c`` from ``b0[0]`` with
  update ``v`` and reads the rows of ``b0[1:]``.  This is the shape of the
  mit-mot buffers of a converted PyTensor scan gradient; with them gone the
  body can run as one compiled scalar loop.

Every value is the same element read or written by the same operations, so
the results are bit-identical.  The visible differences are in failures: a
buffer too short for the steps (``len(b0) < n + 1``) fails before the first
step with the loop's error on a short sequence, not with the IndexError of
the step that would have written past its end; and an empty buffer fails
(reading ``b0[0]``) even when the loop runs no step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.traversal import consumers
from arignote.loop.op import Loop
from arignote.loop.parts import Carry, LoopParts
from arignote.loop.rewrites.passes import Users, _read, loop_pass, prune
from arignote.rewrite.phases import canonicalize, specialize
from arignote.scalar.math import Add
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_inc import IncSubtensor
from arignote.tensor.subtensor_index import SYMBOLIC
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable


def _constant_value(var: Variable) -> Any:
    return np.asarray(var.data) if isinstance(var, Constant) else None


def _is_plus_one(var: Variable, counter: Variable) -> bool:
    """Whether ``var`` is ``counter + 1`` (in either order)."""
    node = var.owner
    if node is None or not isinstance(node.op, Elemwise) or type(node.op.scalar_op) is not Add:
        return False
    if len(node.inputs) != 2 or var.type.dtype != counter.type.dtype:
        return False
    a, b = node.inputs
    other = b if a is counter else a if b is counter else None
    value = _constant_value(other) if other is not None else None
    return value is not None and value.ndim == 0 and value == 1


def _one_index(node: Apply | None, op_type: type) -> bool:
    """Whether ``node`` is ``op_type`` with a single symbolic scalar index (``x[i]``, ``x[i] = y``)."""
    if node is None or type(node.op) is not op_type or len(node.op.idx_list) != 1:
        return False
    return node.op.idx_list[0] is SYMBOLIC


def _counters(parts: LoopParts) -> list[Carry]:
    """The carries that count steps from the constant 0 by 1."""
    found = []
    for c in parts.carries:
        init = _constant_value(c.init)
        kind = c.formal.type  # a generator carry has no dtype: tensors only
        if (isinstance(kind, TensorType) and kind.ndim == 0 and kind.dtype.startswith("int")
                and init is not None and init.ndim == 0 and init == 0 and _is_plus_one(c.update, c.formal)):
            found.append(c)
    return found


def _buffer_reads(c: Carry, counter: Variable, inner_users: Users,
                  inner_roots: list[Variable]) -> tuple[Variable, list[Variable], list[Variable]] | None:
    """For a buffer carry of the right shape: the value written, and its reads at ``s`` and ``s + 1``."""
    if not isinstance(c.formal.type, TensorType) or c.formal.type.ndim != 1 or c.init.type.ndim != 1:
        return None
    write = c.update.owner
    if (not _one_index(write, IncSubtensor) or not write.op.set_instead_of_inc  # type: ignore[union-attr]
            or write.inputs[0] is not c.formal or not _is_plus_one(write.inputs[2], counter)):  # type: ignore[union-attr]
        return None
    value = write.inputs[1]  # type: ignore[union-attr]
    if value.type.ndim != 0 or value.type.dtype != c.formal.type.dtype:
        return None
    # the new buffer is only carried: no step value reads it
    if inner_users.get(c.update) or sum(v is c.update for v in inner_roots) != 1:
        return None
    here, ahead = [], []
    for reader, position in inner_users.get(c.formal, []):
        if reader is write:
            continue
        if position != 0 or not _one_index(reader, Subtensor):
            return None
        index = reader.inputs[1]
        if index is counter:
            here.append(reader.outputs[0])
        elif _is_plus_one(index, counter):
            ahead.append(reader.outputs[0])
        else:
            return None
    if c.formal in inner_roots:
        return None
    return value, here, ahead


def scalar_buffers(node: Apply, users: Users, roots: set[int]) -> dict[Variable, Variable] | None:
    """Turn the buffers that pass one element per step into a scalar carry and a sequence."""
    parts = LoopParts.of(node)
    if parts.stop is not None:
        return None
    counters = _counters(parts)
    if not counters:
        return None
    inner_roots = parts.inner_outputs
    inner_users = consumers(inner_roots)
    mapping: dict[Variable, Variable] = {}
    kept: list[Carry] = []
    changed = False
    for c in parts.carries:
        found = None
        if c not in counters and not _read(c.final, users, roots):  # type: ignore[arg-type]
            for counter in counters:
                found = _buffer_reads(c, counter.formal, inner_users, inner_roots)
                if found is not None:
                    break
        if found is None:
            kept.append(c)
            continue
        value, here, ahead = found
        scalar = TensorType(c.formal.type.dtype, shape=())
        carried = scalar.make_variable(f"{c.formal.name or 'buffer'}[s]")
        row = scalar.make_variable(f"{c.formal.name or 'buffer'}[s+1]")
        mapping.update({v: carried for v in here})
        mapping.update({v: row for v in ahead})
        init = cast(TensorVariable, c.init)
        parts.seqs.append((init[1:], row))
        kept.append(Carry(init[0], carried, value, None))
        changed = True
    if not changed:
        return None
    parts.carries = kept
    parts.substitute_inner(mapping)
    return parts.replacements(parts.build())


_scalar_buffers = loop_pass(scalar_buffers)
_prune = loop_pass(prune)


def _run(outputs: Sequence[Variable]) -> list[Variable]:
    new = _scalar_buffers(outputs)
    if all(a is b for a, b in zip(new, outputs)):
        return new
    return _prune(new)  # the step counter may now be carried for nothing


def _register() -> None:
    for phase, suffix in ((canonicalize, ""), (specialize, "_again")):
        phase.graph_pass(name="loop_scalar_buffers" + suffix, requires=[Loop])(_run)


_register()
