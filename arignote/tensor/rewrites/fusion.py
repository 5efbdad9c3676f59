"""Elementwise fusion: groups of elementwise nodes become one composite node.

``exp(-x**2) * sin(y) + log1p(exp(z))`` is seven elementwise nodes, each a
pass over memory with its own temporary array.  This pass replaces such a
group by one ``Elemwise(Composite(...))`` node whose inner graph says what
the group computed element by element; a backend runs it as one loop.

Which nodes fuse
----------------
Groups grow from a root (visited outputs first) towards its producers.  A
producer joins when it is elementwise, its output has the same rank and the
same static shape as the root's (so every member computes the same number of
elements: fusing a smaller producer would recompute it once per broadcast
element), and either

- every consumer of it is already in the group: it becomes an inner node; or
- it also has consumers outside the group, none of which leads back into the
  group, and its run-time shape is surely the root's (a composite's outputs
  all have the broadcast shape of all its inputs): it becomes an extra output
  of the composite.  Nothing is computed twice, and no node is duplicated
  into several groups.

Candidates are taken in decreasing topological position, so by the time a
producer is considered, every group member that reads it is already in.
The "leads back" test is a forward search bounded by the root's position
(capped: past the cap the producer is simply not fused).

Inputs of lower rank broadcast inside the composite as they did outside.
Single-element constants become inner constants; other constants and all
other variables are the composite's inputs.  There is no cap on the number
of inputs: backends must cope with any arity.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.sourceinfo import carry_source
from arignote.graph.traversal import toposort
from arignote.rewrite.phases import fusion
from arignote.scalar.composite import Composite, composite_input, inline, scalar_type
from arignote.tensor.basic import constant
from arignote.tensor.elemwise import Elemwise

#: how many nodes the "does a consumer lead back into the group" search may visit
MAX_CYCLE_SEARCH = 256


class _Group:
    """A set of elementwise nodes that become one composite node."""

    __slots__ = ("root", "members", "outputs")

    def __init__(self, root: Apply) -> None:
        self.root = root
        self.members: set[Apply] = {root}
        self.outputs: list[Variable] = list(root.outputs)  # outputs read outside the group


def _fusable(node: Apply) -> bool:
    return isinstance(node.op, Elemwise)


def _same_extent(producer: Variable, root: Variable) -> bool:
    """Whether ``producer`` has as many elements as ``root`` (as far as static shapes say)."""
    return producer.type.shape == root.type.shape  # type: ignore[attr-defined]


class _FusionPlanner:
    """Decides the groups of one graph."""

    def __init__(self, outputs: Sequence[Variable]) -> None:
        self.outputs = list(outputs)
        self.order = toposort(self.outputs)
        self.position = {node: k for k, node in enumerate(self.order)}
        self.consumers: dict[Variable, list[Apply]] = {}
        for node in self.order:
            for var in node.inputs:
                self.consumers.setdefault(var, []).append(node)
        self.graph_outputs = set(self.outputs)
        self.group_of: dict[Apply, _Group] = {}

    def plan(self) -> list[_Group]:
        groups = []
        for node in reversed(self.order):
            if node in self.group_of or not _fusable(node):
                continue
            group = self._grow_checked(node)
            if len(group.members) > 1:
                groups.append(group)
                for member in group.members:
                    self.group_of[member] = group
        return groups

    def _grow_checked(self, root: Apply) -> _Group:
        """The group of ``root``, without the extra outputs whose run-time shape could differ."""
        group = self._grow(root)
        if len(group.outputs) > len(root.outputs):
            self._evict_unsure_extras(group)
        return group

    def _evict_unsure_extras(self, group: _Group) -> None:
        """Take out of ``group`` each extra output that might be smaller than the root, with
        everything of the group it depends on (left inside, that would make a cycle).

        A composite's outputs all have the broadcast shape of all its inputs.  The
        members share the root's static shape, so only axes of unknown length can
        differ: there an input of the group that the extra does not depend on could
        broadcast it larger, unless its length there is statically 1.  Each member
        gets the set of such "enlarging" inputs it depends on (a bit set, in one pass);
        an extra whose set is not the root's is unsure.
        """
        root_out = group.root.outputs[0]
        ndim = root_out.type.ndim  # type: ignore[attr-defined]
        unknown = [a for a, d in enumerate(root_out.type.shape) if d is None]  # type: ignore[attr-defined]
        if not unknown:
            return
        members = sorted(group.members, key=self.position.__getitem__)
        leaf_bit: dict[Variable, int] = {}
        bits: dict[Variable, int] = {}
        for node in members:
            mine = 0
            for var in node.inputs:
                if var.owner in group.members:
                    mine |= bits[var]
                    continue
                found = leaf_bit.get(var)
                if found is None:
                    found = leaf_bit[var] = (1 << len(leaf_bit)) if _enlarges(var, unknown, ndim) else 0
                mine |= found
            for out in node.outputs:
                bits[out] = mine
        everything = bits[root_out]
        unsure = [out.owner for out in group.outputs if bits[out] != everything]
        if not unsure:
            return
        evicted: set[Apply] = set()
        stack = list(unsure)
        while stack:
            node = stack.pop()
            if node in evicted:
                continue
            evicted.add(node)  # type: ignore[arg-type]
            stack.extend(v.owner for v in node.inputs if v.owner in group.members)  # type: ignore[union-attr]
        group.members -= evicted
        group.outputs = [out for out in group.outputs if out.owner not in evicted]

    def _grow(self, root: Apply) -> _Group:
        group = _Group(root)
        root_out = root.outputs[0]
        heap: list[tuple[int, int]] = []  # (-position, id) of candidate producers
        queued: set[Apply] = set()

        def offer_inputs(node: Apply) -> None:
            for var in node.inputs:
                producer = var.owner
                if (producer is not None and producer not in queued and producer not in group.members
                        and producer not in self.group_of and _fusable(producer)
                        and all(_same_extent(out, root_out) for out in producer.outputs)):
                    queued.add(producer)
                    heapq.heappush(heap, (-self.position[producer], id(producer)))
                    candidates[id(producer)] = producer

        candidates: dict[int, Apply] = {}
        offer_inputs(root)
        while heap:
            _, key = heapq.heappop(heap)
            producer = candidates.pop(key)
            external = [out for out in producer.outputs if self._read_outside(out, group.members)]
            if external and self._leads_back(producer, group):
                continue
            group.members.add(producer)
            group.outputs.extend(external)
            offer_inputs(producer)
        return group

    def _read_outside(self, var: Variable, members: set[Apply]) -> bool:
        if var in self.graph_outputs:
            return True
        return any(user not in members for user in self.consumers.get(var, ()))

    def _leads_back(self, producer: Apply, group: _Group) -> bool:
        """Whether a consumer of ``producer`` outside the group reaches a group member."""
        limit = self.position[group.root]
        stack = [user for out in producer.outputs for user in self.consumers.get(out, ())
                 if user not in group.members]
        seen: set[Apply] = set()
        while stack:
            node = stack.pop()
            if node in seen or self.position[node] > limit:
                continue
            if node in group.members:
                return True
            seen.add(node)
            if len(seen) > MAX_CYCLE_SEARCH:
                return True  # too far to tell cheaply: do not fuse
            for out in node.outputs:
                stack.extend(self.consumers.get(out, ()))
        return False


def _enlarges(var: Variable, unknown_axes: list[int], ndim: int) -> bool:
    """Whether ``var`` may have a length other than 1 on one of ``unknown_axes`` of an
    ``ndim``-d result it broadcasts into."""
    shape = var.type.shape  # type: ignore[attr-defined]
    offset = ndim - len(shape)
    return any(axis >= offset and shape[axis - offset] != 1 for axis in unknown_axes)


def _inner_constant(var: Constant) -> Variable | None:
    """``var`` as an inner 0-d constant when it holds a single element."""
    data = np.asarray(var.data)
    if data.size != 1 or data.ndim > var.type.ndim:  # type: ignore[attr-defined]
        return None
    return constant(data.reshape(()))


def _build_composite(group: _Group, position: dict[Apply, int]) -> tuple[Composite, list[Variable]]:
    """The composite of ``group`` and the outer variables it takes as inputs."""
    members = sorted(group.members, key=position.__getitem__)
    inner: dict[Variable, Variable] = {}
    outer_inputs: list[Variable] = []
    with carry_source(None):
        for node in members:
            args = []
            for var in node.inputs:
                found = inner.get(var)
                if found is None:
                    if isinstance(var, Constant) and (as_inner := _inner_constant(var)) is not None:
                        found = as_inner
                    else:
                        found = composite_input(len(outer_inputs), var.type.dtype)  # type: ignore[attr-defined]
                        outer_inputs.append(var)
                        inner[var] = found
                args.append(found)
            scalar_op = node.op.scalar_op  # type: ignore[attr-defined]
            if isinstance(scalar_op, Composite):
                results = inline(scalar_op, args)
            else:
                like = [scalar_type(out.type.dtype) for out in node.outputs]  # type: ignore[attr-defined]
                results = list(Apply.build(node.op, args, like).outputs)
            inner.update(zip(node.outputs, results))
    formal = [composite_input(k, v.type.dtype) for k, v in enumerate(outer_inputs)]  # type: ignore[attr-defined]
    return Composite(formal, [inner[v] for v in group.outputs]), outer_inputs


def fuse(outputs: Sequence[Variable]) -> list[Variable]:
    """``outputs`` with every fusable group of elementwise nodes made one composite node."""
    planner = _FusionPlanner(outputs)
    groups = planner.plan()
    if not groups:
        return list(outputs)
    group_of = planner.group_of
    built: dict[int, tuple[list[Variable], list[Variable]]] = {}  # group id -> (outer inputs, new outputs)
    memo: dict[Variable, Variable] = {}

    def units_needed(var: Variable) -> list[Variable]:
        node = var.owner
        group = group_of.get(node) if node is not None else None
        if group is None:
            return [] if node is None else list(node.inputs)
        entry = built.get(id(group))
        if entry is None:
            composite, outer = _build_composite(group, planner.position)
            entry = built[id(group)] = (outer, [])
            entry[1].append(composite)  # type: ignore[arg-type]
        return entry[0]

    def settle(var: Variable) -> None:
        node = var.owner
        if node is None:
            memo[var] = var
            return
        group = group_of.get(node)
        if group is None:
            inputs = [memo[i] for i in node.inputs]
            if all(a is b for a, b in zip(inputs, node.inputs)):
                rebuilt = node
            else:
                with carry_source(node.source):
                    rebuilt = node.op.make_node(*inputs)
            memo.update(zip(node.outputs, rebuilt.outputs))
            return
        outer, holder = built[id(group)]
        composite = holder[0]
        with carry_source(group.root.source):
            fused = Elemwise(composite).make_node(*[memo[i] for i in outer])  # type: ignore[arg-type]
        for old, new in zip(group.outputs, fused.outputs):
            memo[old] = _keep_type(new, old)

    for root in outputs:
        stack = [root]
        while stack:
            var = stack[-1]
            if var in memo:
                stack.pop()
                continue
            missing = [i for i in units_needed(var) if i not in memo]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            settle(var)
    return [memo[v] for v in outputs]


def _keep_type(new: Variable, old: Variable) -> Variable:
    """``new``, with ``old``'s more precise static shape when the broadcast lost it."""
    if new.type == old.type:
        return new
    from arignote.tensor.rewrites.structure_helpers import keep_static_shape

    return keep_static_shape(new, old)


fusion.graph_pass(name="elemwise_fusion")(fuse)
