"""The NumPy implementation and the printed formula of a `Composite`.

A composite runs on whole arrays as one generated straight-line Python
function: one line per inner node calling that node's NumPy implementation
(the same callable the ``py`` backend would call for the unfused node, so the
fused graph computes exactly what the unfused one did), intermediates
released after their last use.  Outputs get the broadcast shape of all the
inputs, as an elementwise node's outputs do, even when an inner output is an
input or a constant, and never share memory with an input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from arignote.graph.basic import Constant, Variable

if TYPE_CHECKING:
    from arignote.tensor.composite import Composite


def generate(composite: Composite) -> Callable[..., Any]:
    """A function of the input arrays returning the output array (a tuple if several)."""
    env: dict[str, Any] = {"_asarray": np.asarray, "_finish": _finish}
    names: dict[Variable, str] = {v: f"i{k}" for k, v in enumerate(composite.inputs)}

    def name_of(var: Variable) -> str:
        found = names.get(var)
        if found is None:
            if not isinstance(var, Constant):  # Composite checks this; kept as a guard
                raise ValueError(f"{composite}: inner variable {var} is not computed")
            found = names[var] = f"c{len(names)}"
            env[found] = var.data
        return found

    last_use: dict[Variable, int] = {}
    for step, node in enumerate(composite.nodes):
        for var in node.inputs:
            last_use[var] = step
    kept = set(composite.outputs)
    params = ", ".join(names[v] for v in composite.inputs)
    lines = [f"def run({params}):"]
    for step, node in enumerate(composite.nodes):
        fn = f"f{step}"
        env[fn] = node.op.py_impl(node)
        args = ", ".join(name_of(v) for v in node.inputs)
        (out,) = node.outputs
        names[out] = f"t{step}"
        lines.append(f"    t{step} = {fn}({args})")
        dead = [names[v] for v in node.inputs
                if last_use.get(v) == step and v not in kept and v.owner is not None]
        if dead:
            lines.append(f"    del {', '.join(dict.fromkeys(dead))}")
    results = ", ".join(name_of(v) for v in composite.outputs)
    dtypes = [v.type.numpy_dtype for v in composite.outputs]
    env["_dtypes"] = dtypes
    single = len(composite.outputs) == 1
    lines.append(f"    return _finish(({params}{',' if len(composite.inputs) == 1 else ''}), "
                 f"({results},), _dtypes, {single})")
    code = compile("\n".join(lines) + "\n", f"<arignote composite {composite.formula(60)}>", "exec")
    exec(code, env)
    return env["run"]


def _finish(inputs: tuple[Any, ...], results: tuple[Any, ...], dtypes: list[np.dtype],
            single: bool) -> Any:
    """The results as fresh arrays of the declared dtypes and the broadcast shape of ``inputs``."""
    shape = _common_shape(inputs)
    finished: list[np.ndarray] = []
    for value, dtype in zip(results, dtypes):
        array = np.asarray(value)
        if array.shape != shape:
            array = np.broadcast_to(array, shape)
        if (array.dtype != dtype or not array.flags.owndata
                or any(array is x for x in inputs) or any(array is y for y in finished)):
            array = np.array(array, dtype=dtype, copy=True)
        finished.append(array)
    return finished[0] if single else tuple(finished)


def _common_shape(inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """The broadcast shape of ``inputs``; cheap when they all have one shape (a loop's step, say)."""
    first = getattr(inputs[0], "shape", None) if inputs else None
    if first is not None and all(type(x) is np.ndarray and x.shape == first for x in inputs):
        return first
    return np.broadcast_shapes(*(np.shape(x) for x in inputs))


def render(composite: Composite, limit: int = 400) -> str:
    """The outputs as infix formulas over ``i0, i1, ...``, cut off after ``limit`` characters."""
    names = {v: f"i{k}" for k, v in enumerate(composite.inputs)}
    text: dict[Variable, str] = {}

    def show(var: Variable) -> str:
        if var in names:
            return names[var]
        if var in text:
            return text[var]
        if isinstance(var, Constant):
            return str(np.asarray(var.data).item())
        return "?"

    for node in composite.nodes:
        op = node.op.scalar_op
        args = [show(v) for v in node.inputs]
        symbol = getattr(op, "symbol", None)
        if symbol and len(args) >= 2:
            formula = "(" + f" {symbol} ".join(args) + ")"
        elif symbol and len(args) == 1:
            formula = f"{symbol}{args[0]}"
        else:
            formula = f"{op.name}({', '.join(args)})"
        if len(formula) > limit:
            formula = formula[:limit] + "…"
        text[node.outputs[0]] = formula
    joined = ", ".join(show(v) for v in composite.outputs)
    return joined if len(joined) <= limit else joined[:limit] + "…"
