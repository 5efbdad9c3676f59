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
other variables are the composite's inputs.

How big a composite may be
--------------------------
A group larger than ``config.fusion_max_ops`` scalar ops or
``config.fusion_max_operands`` inputs, constants and outputs is cut into
several composites (``_split_group``, below).  Backends must still cope with
any arity: a single node may exceed the bound, and with both flags 0 nothing
is cut.

Why: a fused group becomes one C function, and gcc's time on one function grows
faster than the function.  Measured with gcc 12.2 ``-O2 -march=native``
(AVX-512), in CPU seconds of the compiler, on chains of ``f(y) * 1.0001 + x_k``
with ``f`` among sin, exp, tanh, cos ("vm": the kernel calls libmvec and runs
the blocked loop of ``kernel_blocks``) and of ``sqrt(abs(y * 1.0001 - x_k))``
("ar": no vector math, the body inlined in the three loops of
``kernel_elemwise``); the script is not part of the repository::

    scalar ops, 1 input       250    500   1000   2000   4000   8000  10700
      vm                     0.07   0.09   0.12   0.20   0.40   1.02
      ar                     0.15   0.27   0.65   1.92   6.97          30.7

    outputs, 1 input, 1000 ops  1      8     16     32     64    128
      vm                     0.13   0.18   0.22   0.30   0.50   1.22

    milliseconds per vm kernel, eight different kernels to a batch (as build_all
    compiles them):
    inputs \\ ops              50    150    500   1000
       1                       22     28     51     86
       8                       56     63     91    136
      16                      100    108    145    195
      32                      163    259    311    340
      48                      291    472    564    583
    (one kernel of 1,500 ops: 1.1 s with 64 inputs, 4.6 s with 128, 11 s with 500)

Operands cost most.  A vm kernel gives each input an aligned block and
three copy loops, and past about 32 inputs each one costs more than the last:
the log-density of issue 13, 1,250 inputs and 6,250 ops in one function, took
74 s.  Ops alone cost little, except that gcc's partial redundancy
elimination (PRE) turns quadratic on some long bodies, always in the "ar"
chain and unpredictably in vm ones: of the 5,000-op pieces of a 50,000-op sin
chain most compile in 0.45 s and a few in 2.4 s; of its 10,000-op pieces,
1.2 s or 12.6 s.

The bounds: ``config.fusion_max_operands`` (default 32) bounds the inputs, inner
constants and outputs of one composite: the cost per operand, with the
kernel's own share, is flat from 16 to 32 (the 1,250-term log-density cut into
pieces takes 10.5 s of gcc's CPU time with 24 or 32, 13 s with 48) and grows
beyond.  ``config.fusion_max_ops`` (default 5,000) bounds its scalar ops, to
where PRE's worst case stays near 2.5 s.  It is not lower because every
further kernel costs run time on small arrays: the C runtime spreads a long
loop over the cores, one thread hand-off per kernel (about 40 us on a busy
2-core machine), so a 10,000-op sin chain on 100 elements takes 0.46 ms as
one kernel, 0.51 ms as two and 0.84 ms as ten (the same with one thread).

The pieces of a group are separate kernels, which the C backend compiles in
parallel (``build_all``).  Other backends (JAX) get more, smaller
composites, which costs them nothing.

How a group is cut: the members, in the graph's topological order, are cut into consecutive
runs.  A run grows member by member until it exceeds a bound; it is then cut,
within its second half, where the fewest values computed before the cut are
read after it (a chain is cut anywhere at the cost of one value; a sum of
independent terms between terms).  Consecutive runs of one topological order
cannot depend on each other in a cycle (a path only goes forward in that
order), no member is in two runs, and the members a cut gives back to the next
run are at most about as many as the run it closes, so splitting is linear in
the group's size.  Where hundreds of values cross every cut (a random DAG),
cutting would cost more than it saves: see :data:`MAX_CUT_VALUES`.

A sum or product of thousands of terms (a log-density written term by term)
is one node that no piece could hold: :func:`_narrow_wide_nodes` first makes
it a chain of shorter sums.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from arignote.config import config
from arignote.graph.basic import Apply, Constant, Variable
from arignote.graph.sourceinfo import carry_source
from arignote.graph.traversal import toposort
from arignote.rewrite.phases import fusion
from arignote.rewrite.toolkit import keep_static_shape
from arignote.scalar import math as sm
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

    def __init__(self, outputs: Sequence[Variable], bound: FusionBound) -> None:
        self.outputs = list(outputs)
        self.bound = bound
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
        return self._within_bound(self._break_cycles(groups))

    def _within_bound(self, groups: list[_Group]) -> list[_Group]:
        """The groups, each one larger than the bound cut into pieces (:func:`_split_group`);
        a piece of one node is left unfused."""
        bounded = []
        for group in groups:
            members = sorted(group.members, key=self.position.__getitem__)
            exported = set(group.outputs)
            runs = _split_group(members, self.consumers, exported, self.bound)
            if len(runs) == 1:
                bounded.append(group)
                continue
            for member in members:
                del self.group_of[member]
            bounded.extend(self._piece(run, exported) for run in runs if len(run) > 1)
        return bounded

    def _piece(self, run: list[Apply], exported: set[Variable]) -> _Group:
        """The group of ``run``, consecutive members of a group exporting ``exported``: its
        outputs are what it makes of those, and what the later pieces read."""
        piece = _Group(run[-1])
        piece.members = set(run)
        piece.outputs = [var for node in run for var in node.outputs
                         if var in exported or self._read_outside(var, piece.members)]
        for node in run:
            self.group_of[node] = piece
        return piece

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


# --- the size bound ------------------------------------------------------------------------

@dataclass(frozen=True)
class FusionBound:
    """The largest composite the fusion pass makes (0: no bound on that count)."""

    max_ops: int
    max_operands: int

    @classmethod
    def from_config(cls) -> FusionBound:
        return cls(int(config.fusion_max_ops), int(config.fusion_max_operands))

    def exceeded(self, ops: int, operands: int) -> bool:
        return (0 < self.max_ops < ops) or (0 < self.max_operands < operands)

    @property
    def chunk_width(self) -> int:
        """Inputs of each link of a wide sum or product's chain (0: no chaining).

        A quarter of the operands: a piece then holds a link, the terms it adds up while
        they wait for it, and the inputs of those terms.
        """
        return max(2, self.max_operands // 4) if self.max_operands else 0


def _narrow_wide_nodes(outputs: Sequence[Variable], bound: FusionBound) -> list[Variable]:
    """``outputs`` with each sum or product too wide for the bound (as many inputs as
    ``bound.max_operands``) made a left-nested chain of such nodes over at most
    ``bound.chunk_width`` inputs each.

    A log-density written term by term becomes one sum of thousands of terms; no piece
    of a group can hold that node within the bound, and it would make all its terms
    cross between pieces.  As a chain, consecutive terms and their link share a piece.

    The chain takes the terms grouped by where they start (:func:`_grouped_by_source`):
    ``softplus(a_i)`` and ``-softplus(-(a_i + 1))`` side by side, so that one piece
    reads ``a_i``, not two (the canonical order of the terms is a hash order, which
    scatters them; grouped, the log-density of issue 13 has half the kernel inputs and
    compiles in about half the time).  Like the canonical order, this order is the same
    in every run; it changes a float sum only in its rounding.  Only nodes whose inputs
    all have the output's dtype are chained, so each link computes in that dtype, as
    NumPy's left-to-right reduction of the whole node did.
    """
    width = bound.chunk_width
    if not width:
        return list(outputs)
    too_wide = bound.max_operands  # inputs, with the output one more operand than the bound
    mapping: dict[Variable, Variable] = {}
    sources: dict[Variable, Variable] = {}
    for node in toposort(outputs):
        inputs = [mapping.get(var, var) for var in node.inputs]
        if isinstance(node.op, Elemwise) and _chainable(node, too_wide):
            with carry_source(node.source):
                chain = _left_chain(node.op, _grouped_by_source(inputs, sources), width)
            if chain.type == node.outputs[0].type:
                mapping[node.outputs[0]] = chain
                continue
        if any(new is not old for new, old in zip(inputs, node.inputs)):
            with carry_source(node.source):
                mapping.update(zip(node.outputs, node.op.make_node(*inputs).outputs))
    return [mapping.get(var, var) for var in outputs]


def _grouped_by_source(terms: Sequence[Variable], sources: dict[Variable, Variable]) -> list[Variable]:
    """``terms`` with those that start from the same variable side by side, the groups in the
    order of their first terms, each group in its own order (a stable sort)."""
    first: dict[Variable, int] = {}
    group = [first.setdefault(_source(term, sources), k) for k, term in enumerate(terms)]
    order = sorted(range(len(terms)), key=group.__getitem__)
    return [terms[k] for k in order]


def _source(var: Variable, sources: dict[Variable, Variable]) -> Variable:
    """Where ``var`` starts: the variable reached by following first inputs up to one that no
    node computes.  Memoized in ``sources``, which every variable on the way joins, so each
    node is walked once however many terms share it (linear)."""
    path = []
    while var not in sources and var.owner is not None and var.owner.inputs:
        path.append(var)
        var = var.owner.inputs[0]
    found = sources.get(var, var)
    for step in path:
        sources[step] = found
    return found


def _chainable(node: Apply, too_wide: int) -> bool:
    """Whether ``node``, an Elemwise, is a sum or product of ``too_wide`` or more inputs, all
    of the output's dtype."""
    if not isinstance(node.op.scalar_op, (sm.Add, sm.Mul)) or len(node.inputs) < too_wide:
        return False
    dtype = node.outputs[0].type.dtype
    return all(var.type.dtype == dtype for var in node.inputs)


def _left_chain(op: Elemwise, inputs: Sequence[Variable], width: int) -> Variable:
    """``op`` over ``inputs`` as ``op(op(op(x0..), ..), ..)``, each link of ``width`` inputs."""
    partial = op.make_node(*inputs[:width]).outputs[0]
    for start in range(width, len(inputs), width - 1):
        partial = op.make_node(partial, *inputs[start:start + width - 1]).outputs[0]
    return partial


def scalar_ops(node: Apply) -> int:
    """The scalar operations an elementwise node contributes to a composite."""
    scalar_op = node.op.scalar_op
    return len(scalar_op.nodes) if isinstance(scalar_op, Composite) else 1


#: most values a cut may cross.  Each one becomes an output of one piece and an input of the
#: next: about 12 ms more of gcc (see the table above), a store and a load per element at run
#: time, and a slot for the array.  A run past the bound is cut only where so few cross: a
#: random DAG keeps hundreds of values alive everywhere (a 50,000-op one, 4,859 members after
#: rewriting, has 792 crossing the median place), and cutting it would cost far more than one
#: function of that size (6 s cold, whole).
MAX_CUT_VALUES = 8


class _GroupUses:
    """Where each value of a group is read, by member index (members in topological order)."""

    def __init__(self, members: Sequence[Apply], consumers: Mapping[Variable, Sequence[Apply]],
                 exported: Collection[Variable]) -> None:
        self.members = members
        self.index = {node: k for k, node in enumerate(members)}
        self.exported = exported  # values read outside the group (or graph outputs)
        # per value made by a member: how many times members read it (a node reading it twice
        # counts twice, as the tally below releases one read per input slot)
        self.reads: dict[Variable, int] = {}
        self.last_read: dict[Variable, int] = {}
        for node in members:
            for var in node.outputs:
                readers = [self.index[user] for user in consumers.get(var, ()) if user in self.index]
                self.reads[var] = len(readers)
                if readers:
                    self.last_read[var] = max(readers)

    def producer_index(self, var: Variable) -> int:
        """The index of the member computing ``var``; -1 when no member does."""
        owner = var.owner
        return self.index.get(owner, -1) if owner is not None else -1

    def crossings(self) -> list[int]:
        """``crossings[c]``: how many values made before member ``c`` are read from ``c`` on."""
        change = [0] * (len(self.members) + 1)
        for var, last in self.last_read.items():
            made = self.producer_index(var)
            change[made + 1] += 1
            change[last + 1] -= 1
        running, counts = 0, []
        for delta in change:
            running += delta
            counts.append(running)
        return counts


class _Run:
    """A run of consecutive members, from ``start``: its ops and operands so far."""

    def __init__(self, uses: _GroupUses, start: int) -> None:
        self.uses = uses
        self.start = start
        self.end = start  # members [start, end) are in
        self.ops = 0
        self.inputs: set[Variable] = set()   # constants included: each is an operand of the kernel
        self.unread: dict[Variable, int] = {}  # value made here -> reads by members not yet in
        self.outputs = 0                       # values made here that others read

    @property
    def operands(self) -> int:
        return len(self.inputs) + self.outputs

    def add_next(self) -> None:
        node = self.uses.members[self.end]
        self.ops += scalar_ops(node)
        for var in node.inputs:
            if self.uses.producer_index(var) >= self.start:
                self._read_inside(var)
            else:
                self.inputs.add(var)
        for var in node.outputs:
            self.unread[var] = self.uses.reads[var]
            if self._leaves(var):
                self.outputs += 1
        self.end += 1

    def _read_inside(self, var: Variable) -> None:
        """A member of the run reads ``var``, made in the run: the last such read makes it
        internal, unless the rest of the graph reads it too."""
        self.unread[var] -= 1
        if self.unread[var] == 0 and var not in self.uses.exported:
            self.outputs -= 1

    def _leaves(self, var: Variable) -> bool:
        return var in self.uses.exported or self.unread[var] > 0


def _split_group(members: Sequence[Apply], consumers: Mapping[Variable, Sequence[Apply]],
                 exported: Collection[Variable], bound: FusionBound) -> list[list[Apply]]:
    """``members`` (a group, in topological order) cut into consecutive runs within ``bound``;
    one run when the whole group is within it.

    ``consumers`` maps each value to the nodes reading it (once per input slot), and
    ``exported`` holds the group's values read outside it.  A run is cut only where at
    most :data:`MAX_CUT_VALUES` values cross: past the bound with no such place, it grows
    on until one comes.  A single member larger than the bound (an already fused
    composite) is a run of its own.
    """
    uses = _GroupUses(members, consumers, exported)
    total_ops = sum(map(scalar_ops, members))
    if not bound.exceeded(total_ops, _operands_of_whole(uses)):
        return [list(members)]
    bound = _balanced(bound, total_ops)
    crossings = uses.crossings()
    runs: list[list[Apply]] = []
    run = _Run(uses, 0)
    overgrown = False  # the run outgrew the bound where no cut was cheap
    while run.end < len(members):
        run.add_next()
        if overgrown:
            # the first cheap place from here on ends it (one look per member: linear)
            if run.end < len(members) and crossings[run.end] <= MAX_CUT_VALUES:
                runs.append(list(members[run.start:run.end]))
                run, overgrown = _Run(uses, run.end), False
            continue
        # every state of a run is checked as it grows, so a run closed at a cut is within the
        # bound (operands are not monotone in the run's length: pending values come and go)
        if run.end - run.start < 2 or not bound.exceeded(run.ops, run.operands):
            continue
        cut = _best_cut(crossings, run.start, run.end - 1)
        if crossings[cut] > MAX_CUT_VALUES:
            overgrown = True
            continue
        runs.append(list(members[run.start:cut]))
        # the members after the cut start the next run again: they are at most about as
        # many as the run just closed, so the splitting stays linear
        run = _Run(uses, cut)
    runs.append(list(members[run.start:run.end]))
    return runs


def _balanced(bound: FusionBound, total_ops: int) -> FusionBound:
    """``bound`` with its ops bound lowered to an even share of ``total_ops`` among the fewest
    pieces that hold them: 12,000 ops under 5,000 become three pieces of about 4,000, not
    5,000 + 5,000 + 2,000, which compile in parallel in about equal times."""
    if not bound.max_ops or total_ops <= bound.max_ops:
        return bound
    pieces = -(-total_ops // bound.max_ops)
    return replace(bound, max_ops=-(-total_ops // pieces))


def _operands_of_whole(uses: _GroupUses) -> int:
    """The operands of the composite of the whole group: what it reads, and what it exports."""
    made = {var for node in uses.members for var in node.outputs}
    read = {var for node in uses.members for var in node.inputs if var not in made}
    return len(read) + len(uses.exported)


def _best_cut(crossings: list[int], start: int, overflow: int) -> int:
    """Where to end the run of members ``[start, overflow]`` (member ``overflow`` made it too
    big): the cut in its second half that the fewest values cross, the latest on a tie."""
    first = start + max(1, (overflow - start + 1) // 2)
    best = overflow
    for cut in range(overflow - 1, first - 1, -1):
        if crossings[cut] < crossings[best]:
            best = cut
    return best


# --- building the composites --------------------------------------------------------------

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
    bound = FusionBound.from_config()
    planner = _FusionPlanner(_narrow_wide_nodes(outputs, bound), bound)
    outputs = planner.outputs
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
