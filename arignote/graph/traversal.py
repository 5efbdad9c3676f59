"""Walking graphs: topological order, ancestors, graph inputs, and walks along chosen inputs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from arignote.graph.basic import Apply, Constant, Variable


def toposort(outputs: Iterable[Variable]) -> list[Apply]:
    """The nodes that ``outputs`` depend on, each after all of its inputs' nodes."""
    order: list[Apply] = []
    seen: set[int] = set()
    for out in outputs:
        if out.owner is None or id(out.owner) in seen:
            continue
        # iterative DFS: (node, next input position to look at)
        stack: list[tuple[Apply, int]] = [(out.owner, 0)]
        seen.add(id(out.owner))
        while stack:
            node, position = stack[-1]
            inputs = node.inputs
            while position < len(inputs):
                owner = inputs[position].owner
                position += 1
                if owner is not None and id(owner) not in seen:
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


def consumers(outputs: Iterable[Variable]) -> dict[Variable, list[tuple[Apply, int]]]:
    """For every variable in the graph, the nodes (and input positions) that use it."""
    users: dict[Variable, list[tuple[Apply, int]]] = {}
    for node in toposort(outputs):
        for position, var in enumerate(node.inputs):
            users.setdefault(var, []).append((node, position))
    return users
