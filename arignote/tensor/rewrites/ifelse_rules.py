"""Rules that merge and simplify ``ifelse`` nodes (the constant and equal-branch cases are in
:mod:`arignote.tensor.rewrites.ifelse`):

- ``ifelse(c, a, b)`` and ``ifelse(c, d, e)``, neither reading the other -> one node
  ``ifelse(c, [a, d], [b, e])`` (one choice instead of two; one ``lax.cond`` on JAX);
- ``ifelse(c, ifelse(c, a, b), d) -> ifelse(c, a, d)`` (and the same in the else-branch): the
  inner choice is the outer one;
- outputs of one node with the same (then, else) pair are computed once;
- ``ifelse(c, f(x, z), f(y, z)) -> f(ifelse(c, x, y), z)`` for an elementwise ``f``: the choice
  moves to the inputs that differ, so ``f`` appears once.

Each rule looks at one ``IfElse`` node; the merge reads the other users of the condition in the
graph as given (at most ``_MAX_PEERS``) and checks, by a walk of at most ``_WALK_BUDGET`` nodes,
that merging makes no cycle, so the cost per node is bounded.
"""

from __future__ import annotations

from collections.abc import Sequence

from arignote.graph.basic import Apply, Variable
from arignote.rewrite import canonicalize, given_node, given_users, inside_replacement, keep_static_shape
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.ifelse import IfElse

__all__ = ["ifelse_lift_common_op", "ifelse_merge_same_condition", "ifelse_nested_same_condition",
           "ifelse_shared_outputs"]

_MAX_PEERS = 8  # other IfElse nodes on one condition considered for a merge
_WALK_BUDGET = 256  # nodes an ancestor walk may visit before it answers "unknown"


def _branches(node: Apply) -> tuple[Sequence[Variable], Sequence[Variable]]:
    n = node.op.n_outs
    return node.inputs[1:1 + n], node.inputs[1 + n:]


def _reaches(start: Apply, target: Apply) -> bool | None:
    """Whether ``target`` is an ancestor of ``start`` (None: the walk ran out of budget)."""
    seen: set[int] = set()
    stack = [v.owner for v in start.inputs if v.owner is not None]
    while stack:
        node = stack.pop()
        if node is target:
            return True
        if id(node) in seen:
            continue
        seen.add(id(node))
        if len(seen) > _WALK_BUDGET:
            return None
        stack.extend(v.owner for v in node.inputs if v.owner is not None)
    return False


def _independent(a: Apply, b: Apply) -> bool:
    return _reaches(a, b) is False and _reaches(b, a) is False


def _merge_group(given: Apply) -> list[Apply] | None:
    """The IfElse nodes of the given graph on ``given``'s condition that merge with it, in the
    graph's order (the same list whichever member asks, so all members build one node)."""
    users = given_users(given.inputs[0], limit=_MAX_PEERS)
    if users is None:
        return None
    group: list[Apply] = []
    for user in users:
        if (isinstance(user.op, IfElse) and user.inputs[0] is given.inputs[0]
                and all(_independent(user, member) for member in group)):
            group.append(user)
    return group if len(group) > 1 and any(m is given for m in group) else None


@canonicalize.rule(IfElse)
def ifelse_merge_same_condition(node: Apply) -> list[Variable] | None:
    """IfElse nodes on one condition, neither reading the other, become one node."""
    given = given_node(node)
    # a merged node can lift (ifelse_lift_common_op) back into a member of its group: merging
    # that member again would undo the lift, so only nodes of the given graph are merged
    if given is None or inside_replacement():
        return None
    group = _merge_group(given)
    if group is None:
        return None
    thens: list[Variable] = []
    elses: list[Variable] = []
    mine = 0
    for member in group:
        # this node's inputs are already rewritten; the others' are settled by the engine,
        # giving the node every member of the group builds
        t, e = _branches(node if member is given else member)
        if member is given:
            mine = len(thens)
        thens.extend(t)
        elses.extend(e)
    merged = IfElse(len(thens)).make_node(node.inputs[0], *thens, *elses)
    ours = merged.outputs[mine:mine + node.op.n_outs]
    return [keep_static_shape(new, old) for new, old in zip(ours, node.outputs)]


def _inner_choice(value: Variable, cond: Variable, then: bool) -> Variable | None:
    owner = value.owner
    if owner is None or not isinstance(owner.op, IfElse) or owner.inputs[0] is not cond:
        return None
    t, e = _branches(owner)
    k = owner.outputs.index(value)
    return (t if then else e)[k]


def _or(found: Variable | None, default: Variable) -> Variable:
    return default if found is None else found


@canonicalize.rule(IfElse)
def ifelse_nested_same_condition(node: Apply) -> list[Variable] | None:
    """``ifelse(c, ifelse(c, a, b), d) -> ifelse(c, a, d)``; likewise in the else-branch."""
    cond = node.inputs[0]
    thens, elses = _branches(node)
    new_thens = [_or(_inner_choice(v, cond, True), v) for v in thens]
    new_elses = [_or(_inner_choice(v, cond, False), v) for v in elses]
    if all(a is b for a, b in zip([*new_thens, *new_elses], [*thens, *elses])):
        return None
    outs = node.op.make_node(cond, *new_thens, *new_elses).outputs
    return [keep_static_shape(new, old) for new, old in zip(outs, node.outputs)]


@canonicalize.rule(IfElse)
def ifelse_shared_outputs(node: Apply) -> list[Variable] | None:
    """Outputs choosing between the same two values are one output."""
    thens, elses = _branches(node)
    first: dict[tuple[Variable, Variable], int] = {}
    keep: list[int] = []
    for k, pair in enumerate(zip(thens, elses)):
        if pair not in first:
            first[pair] = len(keep)
            keep.append(k)
    if len(keep) == len(thens):
        return None
    op = IfElse(len(keep), as_view=node.op.as_view, name=node.op.name)
    outs = op.make_node(node.inputs[0], *[thens[k] for k in keep], *[elses[k] for k in keep]).outputs
    return [keep_static_shape(outs[first[pair]], old)
            for pair, old in zip(zip(thens, elses), node.outputs)]


def _same_elemwise(t: Variable, e: Variable) -> bool:
    """``t`` and ``e`` are one elementwise op of one output on inputs whose differing pairs have
    one type (so choosing between them gives that type, and ``f`` of the choice ``t``'s)."""
    a, b = t.owner, e.owner
    if a is None or b is None or a is b or not isinstance(a.op, Elemwise) or a.op != b.op:
        return False
    if len(a.outputs) != 1 or len(a.inputs) != len(b.inputs):
        return False
    return all(x is y or x.type == y.type for x, y in zip(a.inputs, b.inputs))


@canonicalize.rule(IfElse)
def ifelse_lift_common_op(node: Apply) -> list[Variable] | None:
    """``ifelse(c, f(x, z), f(y, z)) -> f(ifelse(c, x, y), z)`` for an elementwise ``f``, for
    every output whose branches are the same op; the others keep their choice (one node)."""
    thens, elses = _branches(node)
    lifted = [_same_elemwise(t, e) for t, e in zip(thens, elses)]
    if not any(lifted):
        return None
    new_thens: list[Variable] = []
    new_elses: list[Variable] = []
    for t, e, lift in zip(thens, elses, lifted):
        if not lift:
            new_thens.append(t)
            new_elses.append(e)
            continue
        assert t.owner is not None and e.owner is not None
        for x, y in zip(t.owner.inputs, e.owner.inputs):
            if x is not y:
                new_thens.append(x)
                new_elses.append(y)
    chosen = iter(IfElse(len(new_thens)).make_node(node.inputs[0], *new_thens, *new_elses).outputs)
    results = []
    for t, e, lift, old in zip(thens, elses, lifted, node.outputs):
        if not lift:
            results.append(keep_static_shape(next(chosen), old))
            continue
        assert t.owner is not None and e.owner is not None
        args = [x if x is y else next(chosen) for x, y in zip(t.owner.inputs, e.owner.inputs)]
        results.append(keep_static_shape(t.owner.op.make_node(*args).outputs[0], old))
    return results
