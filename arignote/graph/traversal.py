"""Walking graphs: topological order, ancestors, graph inputs, and walks along chosen inputs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from arignote.graph.basic import Apply, Constant, Variable


def toposort(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list[Apply]:
    """The nodes that ``outputs`` depend on, each after all of its inputs' nodes, not looking
    past the variables of ``blockers``."""
    order: list[Apply] = []
    seen: set[int] = set()
    stop = {id(v) for v in blockers}
    for out in outputs:
        if out.owner is None or id(out.owner) in seen or (stop and id(out) in stop):
            continue
        # iterative DFS: (node, next input position to look at)
        stack: list[tuple[Apply, int]] = [(out.owner, 0)]
        seen.add(id(out.owner))
        while stack:
            node, position = stack[-1]
            inputs = node.inputs
            while position < len(inputs):
                var = inputs[position]
                owner = var.owner
                position += 1
                if owner is not None and id(owner) not in seen and not (stop and id(var) in stop):
                    seen.add(id(owner))
                    stack[-1] = (node, position)
                    stack.append((owner, 0))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def ancestors(outputs: Iterable[Variable]) -> list[Variable]:
    """Every variable that ``outputs`` depend on, ``outputs`` included, inputs first."""
    outputs = list(outputs)
    result: list[Variable] = []
    seen: set[int] = set()

    def add(var: Variable) -> None:
        if id(var) not in seen:
            seen.add(id(var))
            result.append(var)

    for node in toposort(outputs):
        for var in node.inputs:
            if var.owner is None:
                add(var)
        for var in node.outputs:
            add(var)
    for var in outputs:
        add(var)
    return result


def walk_inputs(var: Variable, follow: Callable[[Apply], Iterable[Variable]]) -> Iterator[Variable]:
    """``var`` and, depth first, each variable reached from it through the inputs ``follow``
    picks of each node on the way (only some inputs: a sparse value's sparse inputs, a
    generator's generators), each once.  Lazy: a caller may stop at the first it looks for."""
    seen: set[int] = set()
    stack = [var]
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        yield v
        if v.owner is not None:
            stack.extend(follow(v.owner))


def graph_inputs(outputs: Iterable[Variable], include_constants: bool = False) -> list[Variable]:
    """The ownerless variables that ``outputs`` depend on, in order of first use."""
    outputs = list(outputs)
    result: list[Variable] = []
    seen: set[int] = set()
    candidates = [v for node in toposort(outputs) for v in node.inputs] + outputs
    for var in candidates:
        if var.owner is None and id(var) not in seen:
            if include_constants or not isinstance(var, Constant):
                seen.add(id(var))
                result.append(var)
    return result


def explicit_graph_inputs(outputs: Iterable[Variable] | Variable) -> list[Variable]:
    """The inputs a function of ``outputs`` must be given: the ownerless variables that are
    neither constants nor shared variables (PyTensor's ``explicit_graph_inputs``)."""
    from arignote.graph.shared import SharedVariable  # here, not at the top: an import cycle

    wanted = [outputs] if isinstance(outputs, Variable) else list(outputs)
    return [v for v in graph_inputs(wanted) if not isinstance(v, SharedVariable)]


def consumers(outputs: Iterable[Variable]) -> dict[Variable, list[tuple[Apply, int]]]:
    """For every variable in the graph, the nodes (and input positions) that use it."""
    users: dict[Variable, list[tuple[Apply, int]]] = {}
    for node in toposort(outputs):
        for position, var in enumerate(node.inputs):
            users.setdefault(var, []).append((node, position))
    return users


def apply_ancestors(graphs: Iterable[Variable] | Variable,
                    blockers: Iterable[Variable] | None = None) -> Iterator[Apply]:
    """Each node that ``graphs`` depend on (their own nodes included), once, not looking past
    the variables of ``blockers`` (PyTensor's generator; here in topological order)."""
    outputs = [graphs] if isinstance(graphs, Variable) else list(graphs)
    return iter(toposort(outputs, blockers or ()))


def applys_between(ins: Iterable[Variable], outs: Iterable[Variable] | Variable) -> Iterator[Apply]:
    """The nodes between ``ins`` and ``outs``: those of ``outs`` and the ones they depend on,
    not the nodes computing ``ins`` nor what those depend on alone (PyTensor's name)."""
    return apply_ancestors(outs, blockers=ins)
