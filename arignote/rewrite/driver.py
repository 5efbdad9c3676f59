"""The rewrite driver: every node visited once, after its inputs are final.

Walking the graph inputs-first, the driver settles each node: it rebuilds
the node on its inputs' final forms (interning may hand back a node already
settled), then offers it the rules indexed under its op type.  When a rule
fires, only the replacement's new nodes are settled in turn; everything
already seen is memoized by identity.  A fixed point is therefore reached in
one pass.  A rule firing on a node whose rewriting is still under way means
the rules undo each other, and raises an error naming them.

Rules see one node, but may ask who uses it (:func:`sole_user`): a rule that
reads a whole chain (a sum of sums) then leaves the chain's inner links to
the chain's last node, which reads them all once, instead of writing a form
at every link (which makes a chain of N links cost N**2).
"""

from __future__ import annotations

import contextvars
import warnings
from collections.abc import Sequence

from arignote.graph.basic import Apply, Variable
from arignote.graph.sourceinfo import _carried, format_source
from arignote.graph.traversal import toposort
from arignote.rewrite.rule import RewriteCycleError, RewriteError, Rule, as_outputs
from arignote.rewrite.rule_index import RuleIndex
from arignote.rewrite.trace import Trace

#: how many rule firings may nest (each working on the previous one's output)
MAX_NESTED_FIRINGS = 200

# The rewriter whose rules are running in this thread (or task): what `sole_user` asks.
_running: contextvars.ContextVar[Rewriter | None] = contextvars.ContextVar("arignote_rewriter",
                                                                          default=None)


def sole_user(node: Apply) -> Apply | None:
    """The one node that uses ``node``'s outputs in the graph being rewritten, as it was
    given to the rewriter (its inputs not yet in final form); None when several nodes use
    them, when one is an output of the graph, when ``node`` was made by a rule, or outside
    a rewrite.  An output nothing uses is not counted (a draw's next generator in a function
    that does not store it: arignote/tensor/rewrites/random.py).

    Only the user's op and types are meaningful (rewriting keeps types): a rule
    asks it to tell whether the user will read through ``node`` anyway.
    """
    rewriter = _running.get()
    return None if rewriter is None else rewriter.sole_user(node)


def given_node(node: Apply) -> Apply | None:
    """The node of the graph as given to the rewriter that ``node`` stands for: ``node`` when
    the graph has it, the node it was rebuilt from when it is the node being offered, else
    None (made by a rule, or outside a rewrite).  Its inputs are variables of that graph, for
    :func:`given_users`."""
    rewriter = _running.get()
    return None if rewriter is None else rewriter.given_node(node)


def inside_replacement() -> bool:
    """Whether the node a rule is offered belongs to another rule's replacement still being
    settled (rather than to the graph as given): a rule whose rewrite another rule can undo
    declines there, so the two cannot alternate."""
    rewriter = _running.get()
    return rewriter is not None and bool(rewriter._active)


def given_users(var: Variable, limit: int = 16) -> tuple[Apply, ...] | None:
    """The nodes using ``var`` in the graph as given to the rewriter (``var`` one of its
    variables: see :func:`given_node`), or None when there are more than ``limit`` (so a rule
    that reads them costs a bounded amount), when ``var`` is not in that graph, or outside a
    rewrite.  Being an output of the graph does not count.

    For a rule that decides by who else reads an operand, as :func:`sole_user` does for a
    chain: two solves sharing one matrix share its factorisation.  The map of users is built
    once per rewrite, when a rule first asks.
    """
    rewriter = _running.get()
    return None if rewriter is None else rewriter.given_users(var, limit)


class Rewriter:
    """Apply the rules of ``index`` to graphs until none fires."""

    def __init__(self, index: RuleIndex, trace: Trace | None = None, on_error: str = "raise",
                 phase: str = "") -> None:
        if on_error not in ("raise", "warn"):
            raise ValueError(f"on_error must be 'raise' or 'warn', got {on_error!r}")
        self.index = index
        self.trace = trace
        self.on_error = on_error
        self.phase = phase
        self.memo: dict[Variable, Variable] = {}
        self._active: dict[Apply, Rule] = {}  # nodes whose replacement is being settled
        self.visited = 0
        self._roots: list[Variable] = []
        # each variable of the given graph -> the one node using it (None: several, or an output)
        self._users: dict[Variable, Apply | None] | None = None
        # each variable of the given graph -> every node using it (built when first asked)
        self._consumers: dict[Variable, list[Apply]] | None = None
        # (node offered to the rules, the node of the given graph it was rebuilt from)
        self._offered: tuple[Apply, Apply] | None = None
        #: the op types of the nodes left in their final form (passes that need none are skipped)
        self.op_types: set[type] = set()

    def rewrite(self, outputs: Sequence[Variable]) -> list[Variable]:
        """The final form of each of ``outputs``."""
        self._roots.extend(outputs)
        self._users = None
        self._consumers = None
        token = _running.set(self)
        try:
            return [self.final(v) for v in outputs]
        finally:
            _running.reset(token)

    def sole_user(self, node: Apply) -> Apply | None:
        """See :func:`sole_user`."""
        original = node
        offered = self._offered
        if offered is not None and offered[0] is node:
            original = offered[1]
        users = self._users
        if users is None:
            users = self._users = _sole_users(self._roots)
        if original is not node and any(out in users for out in node.outputs):
            return None  # rebuilt into a node the graph also has: both nodes' users use it
        found: Apply | None = None
        for out in original.outputs:
            if out not in users:
                continue  # used by nothing (when no output is known, made by a rule: None)
            user = users[out]
            if user is None or (found is not None and user is not found):
                return None
            found = user
        return found

    def given_node(self, node: Apply) -> Apply | None:
        """See :func:`given_node`."""
        consumers = self._consumer_map()
        if node.outputs[0] in consumers:
            return node
        offered = self._offered
        if offered is not None and offered[0] is node and offered[1].outputs[0] in consumers:
            return offered[1]
        return None

    def given_users(self, var: Variable, limit: int) -> tuple[Apply, ...] | None:
        """See :func:`given_users`."""
        found = self._consumer_map().get(var)
        if found is None or len(found) > limit:
            return None
        return tuple(found)

    def _consumer_map(self) -> dict[Variable, list[Apply]]:
        consumers = self._consumers
        if consumers is None:
            consumers = self._consumers = _consumers(self._roots)
        return consumers

    def final(self, root: Variable) -> Variable:
        """The final form of ``root``, settling every unsettled node below it."""
        memo = self.memo
        found = memo.get(root)
        if found is not None:
            return found
        stack = [root]
        while stack:
            var = stack[-1]
            if var in memo:
                stack.pop()
                continue
            node = var.owner
            if node is None:
                memo[var] = var
                stack.pop()
                continue
            missing = [i for i in node.inputs if i not in memo]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            self._settle(node)
        return memo[root]

    def _settle(self, node: Apply) -> None:
        memo = self.memo
        inputs = [memo[i] for i in node.inputs]
        if any(new is not old for new, old in zip(inputs, node.inputs)):
            token = _carried.set(node.source)  # carry_source, inlined: runs for every rebuilt node
            try:
                op = node.op
                if op.types_decide_outputs and all(new.type is old.type
                                                   for new, old in zip(inputs, node.inputs)):
                    # the same output types as before: make_node would only recompute them
                    target = Apply.build(op, inputs, [out.type for out in node.outputs])
                else:
                    target = op.make_node(*inputs)
            finally:
                _carried.reset(token)
        else:
            target = node
        if target.outputs[0] in memo:
            finals = [memo[o] for o in target.outputs]
        else:
            outer = self._offered
            self._offered = (target, node)
            try:
                finals = self._apply_rules(target)
            finally:
                self._offered = outer
        for old, new in zip(node.outputs, finals):
            memo[old] = new

    def _apply_rules(self, node: Apply) -> list[Variable]:
        if node in self._active:
            raise self._cycle_error(node)
        self.visited += 1
        # the source line new nodes record: the offered node's (carry_source, set once here for
        # all the rules tried, not once per rule)
        token = _carried.set(node.source)
        try:
            return self._first_firing(node)
        finally:
            _carried.reset(token)

    def _first_firing(self, node: Apply) -> list[Variable]:
        for rule in self.index.candidates(node):
            replacement = self._try(rule, node)
            if replacement is None:
                continue
            if self.trace is not None:  # what the rule made; later firings refine it
                self.trace.record(self.phase, rule.name, node, replacement)
            self._active[node] = rule
            if len(self._active) > MAX_NESTED_FIRINGS:
                raise self._cycle_error(node)
            try:
                finals = [self.final(v) for v in replacement]
            finally:
                del self._active[node]
            for old, new in zip(node.outputs, finals):
                self.memo[old] = new
            return finals
        for out in node.outputs:
            self.memo[out] = out
        self.op_types.add(type(node.op))
        return list(node.outputs)

    def _try(self, rule: Rule, node: Apply) -> list[Variable] | None:
        try:
            return as_outputs(node, rule.fn(node), rule)
        except RewriteError:
            raise
        except Exception as exc:
            where = format_source(node.source)
            message = (f"rule {rule.name} failed on {node.op}"
                       + (f" (built at {where})" if where else "") + f": {type(exc).__name__}: {exc}")
            if self.on_error == "raise":
                raise RewriteError(message) from exc
            warnings.warn(message + " (rule skipped)", stacklevel=2)
            return None

    def _cycle_error(self, node: Apply) -> RewriteCycleError:
        chain = [f"{rule.name} on {active.op}" for active, rule in self._active.items()]
        return RewriteCycleError(
            "rewrite rules do not reach a fixed point: " + " -> ".join(chain)
            + f" -> back to {node.op}" + (f" (phase {self.phase})" if self.phase else ""))


def _sole_users(roots: Sequence[Variable]) -> dict[Variable, Apply | None]:
    """Each variable of the graph of ``roots`` -> the one node using it, or None when
    several nodes use it or it is one of ``roots``."""
    users: dict[Variable, Apply | None] = {}
    for node in toposort(roots):
        for var in node.inputs:
            if var in users and users[var] is not node:
                users[var] = None
            else:
                users[var] = node
    for var in roots:
        users[var] = None
    return users


def _consumers(roots: Sequence[Variable]) -> dict[Variable, list[Apply]]:
    """Each variable of the graph of ``roots`` -> the nodes using it (an output of a node
    without users maps to an empty list), each node once."""
    users: dict[Variable, list[Apply]] = {}
    for node in toposort(roots):
        for var in node.inputs:
            found = users.setdefault(var, [])
            if not found or found[-1] is not node:
                found.append(node)
        for out in node.outputs:
            users.setdefault(out, [])
    for var in roots:
        users.setdefault(var, [])
    return users


def rewrite_graph(outputs: Sequence[Variable], rules: Sequence[Rule], trace: Trace | None = None,
                  on_error: str = "raise") -> list[Variable]:
    """``outputs`` rewritten to the fixed point of ``rules`` (a convenience for tests and users)."""
    return Rewriter(RuleIndex(rules), trace, on_error).rewrite(outputs)
