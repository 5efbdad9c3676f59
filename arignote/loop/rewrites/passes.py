"""Whole-graph loop rewrites: those that need to know who reads a loop's outputs.

- ``loop_prune``: per-step outputs nobody reads are not stacked; carries
  whose final value nobody reads and that no needed value depends on are
  not carried.
- ``loop_keep_last_states``: when every reader of a stacked output reads
  only its last ``k`` rows (``out[-1]``, ``out[-3:]``, ``out[-2, i]``...),
  the loop keeps only those (``keep=k``), so a long loop whose last state
  alone is used runs in constant memory.  The readers then index the kept
  rows the same way; since the kept rows are exactly ``out[-k:]``, every
  such read gives the same value, and the same IndexError when the loop ran
  fewer steps than the read needs (zero steps included).

They run in ``canonicalize`` after the local rules, with ``loop_merge``
(``merge.py``) between them, and again in ``specialize`` (the rewrites
between may leave outputs unused or loops mergeable).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from arignote.graph.basic import Apply, Variable
from arignote.graph.traversal import ancestors, consumers, toposort
from arignote.loop.body import substitute
from arignote.loop.op import Loop
from arignote.loop.parts import LoopParts
from arignote.loop.rewrites.merge import merge
from arignote.rewrite.phases import canonicalize, specialize
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_index import SliceSpec

Users = dict[Variable, list[tuple[Apply, int]]]
NodeRewrite = Callable[[Apply, Users, set[int]], dict[Variable, Variable] | None]


def loop_pass(rewrite: NodeRewrite) -> Callable[[Sequence[Variable]], list[Variable]]:
    """A graph pass offering each loop node (readers first) to ``rewrite``.

    ``rewrite(node, users, roots)`` sees who reads each variable and which
    variables are the graph's outputs; it returns replacements (old variable
    -> new) or None.  After each change the graph is rebuilt and the loops
    not tried yet are offered.
    """
    def run(outputs: Sequence[Variable]) -> list[Variable]:
        outputs = list(outputs)
        tried: set[Apply] = set()
        while True:
            order = toposort(outputs)
            loops = [n for n in reversed(order) if isinstance(n.op, Loop) and n not in tried]
            if not loops:
                return outputs
            users = consumers(outputs)
            roots = {id(o) for o in outputs}
            for node in loops:
                tried.add(node)
                mapping = rewrite(node, users, roots)
                if mapping:
                    outputs = substitute(outputs, mapping)
                    break
            else:
                return outputs
    return run


def _read(var: Variable, users: Users, roots: set[int]) -> bool:
    return id(var) in roots or bool(users.get(var))


def prune(node: Apply, users: Users, roots: set[int]) -> dict[Variable, Variable] | None:
    """Drop the outputs nobody reads, and the carries nothing needs."""
    parts = LoopParts.of(node)
    ys = [y for y in parts.ys if _read(y.output, users, roots)]  # type: ignore[arg-type]
    needed = {j for j, c in enumerate(parts.carries) if _read(c.final, users, roots)}  # type: ignore[arg-type]
    while True:
        roots_inner = [y.value for y in ys] + [parts.carries[j].update for j in needed]
        if parts.stop is not None:
            roots_inner.append(parts.stop)
        reached = {id(v) for v in ancestors(roots_inner)}
        more = {j for j, c in enumerate(parts.carries) if id(c.formal) in reached} - needed
        if not more:
            break
        needed |= more
    if len(ys) == len(parts.ys) and len(needed) == len(parts.carries):
        return None
    parts.ys = ys
    parts.carries = [c for j, c in enumerate(parts.carries) if j in needed]
    if not parts.ys and not parts.carries and parts.stop is None:
        return None  # nothing of it is read: the graph no longer reaches it anyway
    new = parts.build()
    return parts.replacements(new)


def rows_read(reader: Apply, position: int) -> int | None:
    """How many last rows of its input ``reader`` reads, if it reads only a last few."""
    if position != 0 or not isinstance(reader.op, Subtensor) or not reader.op.idx_list:
        return None
    first = reader.op.idx_list[0]
    if isinstance(first, int) and not isinstance(first, bool):
        return -first if first < 0 else None
    if isinstance(first, SliceSpec):
        start, stop, step = first.start, first.stop, first.step
        if not (isinstance(start, int) and start < 0):
            return None
        if stop is not None and not (isinstance(stop, int) and stop < 0):
            return None
        if step is not None and not (isinstance(step, int) and step > 0):
            return None
        return -start
    return None


def keep_last_states(node: Apply, users: Users, roots: set[int]) -> dict[Variable, Variable] | None:
    """Keep only the last rows of the stacked outputs that are read only there."""
    parts = LoopParts.of(node)
    readers: dict[int, list[Apply]] = {}
    changed = False
    for j, y in enumerate(parts.ys):
        out = y.output
        if id(out) in roots or not users.get(out):  # type: ignore[arg-type]
            continue
        needs = [rows_read(reader, position) for reader, position in users[out]]  # type: ignore[index]
        if any(n is None for n in needs):
            continue
        k = max(n for n in needs if n is not None)  # (none is None)
        if y.keep is not None and y.keep <= k:
            continue
        y.keep = k
        readers[j] = [reader for reader, _ in users[out]]  # type: ignore[index]
        changed = True
    if not changed:
        return None
    new = parts.build()
    mapping = parts.replacements(new)
    for j, nodes in readers.items():
        kept = mapping.pop(parts.ys[j].output)  # type: ignore[arg-type]
        for reader in nodes:
            rebuilt = reader.op.make_node(kept, *reader.inputs[1:])
            mapping.update(zip(reader.outputs, rebuilt.outputs))
    return mapping


def _register() -> None:
    for phase, suffix in ((canonicalize, ""), (specialize, "_again")):
        phase.graph_pass(name="loop_prune" + suffix, requires=[Loop])(loop_pass(prune))
        phase.graph_pass(name="loop_merge" + suffix, requires=[Loop])(merge)
        phase.graph_pass(name="loop_keep_last_states" + suffix, requires=[Loop])(loop_pass(keep_last_states))


_register()
