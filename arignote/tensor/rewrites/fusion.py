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
  group: it becomes an extra output of the composite (a composite's outputs
  all have the broadcast shape of its inputs, which is the producer's: equal
  static shapes mean equal run-time shapes, since only statically-1 lengths
  stretch).  Nothing is computed twice, and no node is duplicated into
  several groups.

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
from arignote.rewrite.toolkit import keep_static_shape
from arignote.tensor.basic import constant
from arignote.tensor.composite import Composite, composite_input, inline, scalar_type
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
    """Whether ``producer`` surely has ``root``'s shape: the same rank, and on each axis
    the same static length, or an unknown one where the root's is not 1 (an unknown
    length never stretches, so it is the root's)."""
    p_shape, r_shape = producer.type.shape, root.type.shape
    return len(p_shape) == len(r_shape) and all(
        p == r or (p is None and r != 1) for p, r in zip(p_shape, r_shape))


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
            group = self._grow(node)
            if len(group.members) > 1:
                groups.append(group)
                for member in group.members:
                    self.group_of[member] = group
            else:
                self._join_a_producer_group(node)
        return self._break_cycles(groups)

    def _join_a_producer_group(self, node: Apply) -> None:
        """Put ``node``, whose elementwise producers all went to groups formed earlier (from
        later roots), into one of those groups as an extra output, when it has that group's
        shape and no path leaves the group and comes back into ``node``.

        (Gradient graphs read intermediates of a fused forward computation: ``d * e``
        where ``d`` and ``e`` are outputs of one composite becomes part of it.)
        """
        out = node.outputs[0]
        for var in node.inputs:
            group = self.group_of.get(var.owner) if var.owner is not None else None
            if group is None:
                continue
            root_out = group.root.outputs[0]
            if not (_same_extent(out, root_out) and _same_extent(root_out, out)):
                continue
            if self._reaches_through_outside(group, node):
                continue
            group.members.add(node)
            self.group_of[node] = group
            # the root's outputs stay first: the extras are those after them
            group.outputs = list(group.root.outputs) + [
                v for member in sorted(group.members, key=self.position.__getitem__)
                if member is not group.root for v in member.outputs
                if self._read_outside(v, group.members)]
            return

    def _reaches_through_outside(self, group: _Group, target: Apply) -> bool:
        """Whether a node outside ``group`` (other than ``target``) that reads the group leads
        to ``target`` (bounded search, like ``_leads_back``)."""
        limit = self.position[target]
        stack = [user for member in group.members for out in member.outputs
                 for user in self.consumers.get(out, ()) if user not in group.members and user is not target]
        seen: set[Apply] = set()
        while stack:
            current = stack.pop()
            if current in seen or self.position[current] > limit:
                continue
            if current is target:
                return True
            seen.add(current)
            if len(seen) > MAX_CYCLE_SEARCH:
                return True
            for out in current.outputs:
                stack.extend(self.consumers.get(out, ()))
        return False

    def _break_cycles(self, groups: list[_Group]) -> list[_Group]:
        """The groups, with extra outputs given up where two or more groups would feed each
        other (each group is checked against itself as it grows, but a cycle can run
        through several: G's extra output feeds H, and H's feeds G).

        Only groups with extra outputs can take part in such a cycle (a one-output
        group is left only through its root, which comes after all its members), so
        the groups on a cycle lose their extras, with what of the group they depend
        on; that repeats until the graph of groups is acyclic.
        """
        while True:
            stuck = self._groups_on_cycles(groups)
            if not stuck:
                return [g for g in groups if len(g.members) > 1]
            for group in stuck:
                self._drop_extras(group)

    def _groups_on_cycles(self, groups: list[_Group]) -> list[_Group]:
        """The groups left over by a topological sort of the graph with each group as one unit."""
        if not any(len(g.outputs) > len(g.root.outputs) for g in groups):
            return []
        unit = {node: (self.group_of.get(node) or node) for node in self.order}
        units = list(dict.fromkeys(unit.values()))
        waiting = {u: 0 for u in units}
        successors: dict[_Group | Apply, set[_Group | Apply]] = {u: set() for u in units}
        for node in self.order:
            target = unit[node]
            for var in node.inputs:
                source = unit.get(var.owner) if var.owner is not None else None
                if source is not None and source is not target and target not in successors[source]:
                    successors[source].add(target)
                    waiting[target] += 1
        ready = [u for u in units if waiting[u] == 0]
        while ready:
            current = ready.pop()
            for nxt in successors[current]:
                waiting[nxt] -= 1
                if waiting[nxt] == 0:
                    ready.append(nxt)
        return [u for u in units if waiting[u] > 0 and isinstance(u, _Group)
                and len(u.outputs) > len(u.root.outputs)]

    def _drop_extras(self, group: _Group) -> None:
        """``group`` without its extra outputs and the members they depend on (ungrouped)."""
        dropped: set[Apply] = set()
        stack = [out.owner for out in group.outputs[len(group.root.outputs):]]
        while stack:
            node = stack.pop()
            if node in dropped or node not in group.members:
                continue
            dropped.add(node)
            stack.extend(v.owner for v in node.inputs if v.owner in group.members)
        dropped.discard(group.root)
        group.members -= dropped
        for node in dropped:
            del self.group_of[node]
        group.outputs = list(group.root.outputs)
        if len(group.members) == 1:
            del self.group_of[group.root]

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


def _inner_constant(var: Constant, rank: int) -> Variable | None:
    """``var`` as an inner 0-d constant when it holds a single element and adds no axes to
    the composite, whose other inputs have ``rank`` dims (a (1, 1) constant times a vector
    is a matrix: that constant must stay an outer input)."""
    data = np.asarray(var.data)
    if data.size != 1 or data.ndim > var.type.ndim or var.type.ndim > rank:
        return None
    return constant(data.reshape(()))


def _build_composite(group: _Group, position: dict[Apply, int]) -> tuple[Composite, list[Variable]]:
    """The composite of ``group`` and the outer variables it takes as inputs."""
    members = sorted(group.members, key=position.__getitem__)
    inner: dict[Variable, Variable] = {}
    outer_inputs: list[Variable] = []
    made = {out for node in members for out in node.outputs}
    rank = max((v.type.ndim for node in members for v in node.inputs
                if v not in made and not isinstance(v, Constant)), default=0)
    with carry_source(None):
        for node in members:
            args = []
            for var in node.inputs:
                found = inner.get(var)
                if found is None:
                    if isinstance(var, Constant) and (as_inner := _inner_constant(var, rank)) is not None:
                        found = as_inner
                    else:
                        found = composite_input(len(outer_inputs), var.type.dtype)
                        outer_inputs.append(var)
                        inner[var] = found
                args.append(found)
            scalar_op = node.op.scalar_op
            if isinstance(scalar_op, Composite):
                results = inline(scalar_op, args)
            else:
                like = [scalar_type(out.type.dtype) for out in node.outputs]
                results = list(Apply.build(node.op, args, like).outputs)
            inner.update(zip(node.outputs, results))
    formal = [composite_input(k, v.type.dtype) for k, v in enumerate(outer_inputs)]
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

    limit = 4 * (len(planner.order) + len(outputs)) + 16
    for root in outputs:
        stack = [root]
        while stack:
            if len(stack) > limit:  # only a cycle among groups could grow it so: a planner bug
                raise RuntimeError("elementwise fusion: the planned groups depend on each other")
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
    return keep_static_shape(new, old)


fusion.graph_pass(name="elemwise_fusion")(fuse)
