"""PyTensor's ``rebuild_collect_shared`` (``pytensor.compile.rebuild``): a graph rebuilt with
replacements, and the shared variables and updates it involves.

What ``function`` does to its outputs before compiling, as a function of its own: the
outputs with ``replace`` substituted, the shared variables they read (which a compiled
function makes implicit inputs), and the updates to store (those given, and the shared
variables' ``default_update`` unless ``no_default_updates``).  Nodes are interned, so a
"clone" is the graph itself wherever nothing was replaced or copied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from arignote.compile.shared import shared
from arignote.graph.basic import Constant, Variable
from arignote.graph.replace import rebuild
from arignote.graph.shared import SharedVariable
from arignote.graph.traversal import ancestors, graph_inputs
from arignote.tensor.basic import as_tensor_variable

__all__ = ["rebuild_collect_shared"]


def _pairs(value: Any) -> list[tuple[Variable, Any]]:
    if value is None:
        return []
    return list(value.items()) if isinstance(value, Mapping) else list(value)


def rebuild_collect_shared(outputs: Any, inputs: Sequence[Variable] | None = None, replace: Any = None,
                           updates: Any = None, rebuild_strict: bool = True,
                           copy_inputs_over: bool = True, no_default_updates: Any = False,
                           clone_inner_graphs: Any = None) -> tuple[Any, Any, tuple[Any, ...]]:
    """``(input variables, outputs, (clone_d, update_d, update_expr, shared_inputs))``:

    - the outputs (one variable or a list, as given) with each key of ``replace`` (a dict
      or pairs) replaced by its value; with ``rebuild_strict`` a replacement must have a
      type that fits the replaced variable's;
    - ``inputs`` as used by those outputs: their replacements, else themselves when
      ``copy_inputs_over``, else new variables of the same types (and so are the graph's
      other non-shared roots); a shared variable may not be one;
    - ``clone_d``: every variable of the graphs -> its counterpart in the result;
    - ``update_d`` / ``update_expr``: each shared variable -> its update (``updates``, then
      the ``default_update`` of the shared variables read, unless ``no_default_updates`` is
      True or lists them), as a dict and as ordered pairs;
    - ``shared_inputs``: the shared variables the outputs and updates read, first use first.
    Shared variables are never copied (their value is their identity).
    """
    single = isinstance(outputs, Variable)
    outs = [outputs] if single else list(outputs)
    inputs = list(inputs or [])
    replace_pairs = _pairs(replace)
    update_pairs: list[tuple[SharedVariable, Any]] = []
    for store, value in _pairs(updates):
        if not isinstance(store, SharedVariable):
            raise TypeError(f"rebuild_collect_shared: updates must be to shared variables, got {store}")
        update_pairs.append((store, value))

    clone_d: dict[Variable, Variable] = {}
    roots = graph_inputs([*outs, *[new for _, new in replace_pairs if isinstance(new, Variable)],
                          *[u for _, u in update_pairs if isinstance(u, Variable)]]) + inputs
    for var in roots:
        if var in clone_d or isinstance(var, (Constant, SharedVariable)):
            continue
        clone_d[var] = var if copy_inputs_over else var.type.make_variable(var.name)
    for old, new in replace_pairs:
        # a value replacing a variable becomes a shared variable holding it (as in PyTensor)
        new = rebuild([new], clone_d)[0] if isinstance(new, Variable) else shared(new)
        if rebuild_strict and not old.type.is_super(new.type):
            raise TypeError(f"rebuild_collect_shared: the replacement of {old} has type {new.type}, "
                            f"which does not fit {old.type}")
        clone_d[old] = new
    new_outs = rebuild(outs, clone_d)

    shared_inputs: list[SharedVariable] = []
    update_d: dict[SharedVariable, Variable] = {}
    update_expr: list[tuple[SharedVariable, Variable]] = []

    def collect(graph: Sequence[Variable]) -> None:
        for var in graph_inputs(graph):
            if isinstance(var, SharedVariable) and var not in shared_inputs:
                shared_inputs.append(var)

    collect(new_outs)
    for store, value in update_pairs:
        new_value = (rebuild([value], clone_d)[0] if isinstance(value, Variable)
                     else as_tensor_variable(value, dtype=getattr(store.type, "dtype", None)))
        if not store.type.is_super(new_value.type):
            raise TypeError(f"rebuild_collect_shared: the update of {store} has type {new_value.type}, "
                            f"which does not fit {store.type}")
        update_d[store] = new_value
        update_expr.append((store, new_value))
        collect([new_value])
    position = 0
    while position < len(shared_inputs):  # default updates may read more shared variables
        var = shared_inputs[position]
        position += 1
        default = getattr(var, "default_update", None)
        skip = no_default_updates is True or (isinstance(no_default_updates, (list, tuple))
                                              and var in no_default_updates)
        if default is None or skip or var in update_d:
            continue
        update_d[var] = default
        update_expr.append((var, default))
        collect([default])

    for var in ancestors(outs):
        clone_d.setdefault(var, var)
    input_variables = [clone_d.get(v, v) for v in inputs]
    for var in input_variables:
        if isinstance(var, SharedVariable):
            raise TypeError(f"rebuild_collect_shared: the shared variable {var} cannot be an explicit "
                            f"input (replace it by a variable with replace=)")
    return (input_variables, new_outs[0] if single else new_outs,
            (clone_d, update_d, update_expr, shared_inputs))
