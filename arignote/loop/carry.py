"""The carry-style loop: ``arignote.loop(step, init, xs=None, n_steps=None)``.

``step(carry, x)`` returns ``(carry, y)`` or ``(carry, y, stop)``; ``carry``,
``x`` and ``y`` may be nested tuples, lists and dicts of variables (``x``
is ``None`` without ``xs``, ``y`` may be ``None``).  The result is
``(final carry, ys)`` where each leaf of ``ys`` stacks that leaf of ``y``
over the steps run, as in JAX's ``lax.scan``.  With a stop flag the loop
ends after the first step where it is true (and needs neither ``xs`` nor
``n_steps``: it runs until then).

Random draws: a generator leaf of ``init`` is carried (the step returns the
next generator in its place).  The generators of draws made in the step
without one (``at.random.normal(...)``, ``RandomStream``'s) are carried
too, and after the loop each one's default update is its final value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from arignote.graph.basic import Variable
from arignote.loop.body import build_loop, step_generators, substitute
from arignote.loop.formals import formal, tracing_body
from arignote.loop.op import UNBOUNDED, LoopTypeError, is_generator
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.random.type import next_serial
from arignote.tensor.shape import shape_i
from arignote.tensor.variable import TensorConstant, TensorVariable

__all__ = ["loop"]


# --- nested structures ("pytrees") ------------------------------------------------------

def flatten(tree: Any) -> tuple[list[Any], Any]:
    """The leaves of ``tree`` (depth first) and a description of its structure."""
    if isinstance(tree, (tuple, list)):
        leaves: list[Any] = []
        shapes = []
        for item in tree:
            sub_leaves, sub = flatten(item)
            leaves.extend(sub_leaves)
            shapes.append(sub)
        return leaves, (type(tree), tuple(shapes))
    if isinstance(tree, dict):
        leaves = []
        shapes = []
        for key in tree:
            sub_leaves, sub = flatten(tree[key])
            leaves.extend(sub_leaves)
            shapes.append((key, sub))
        return leaves, (dict, tuple(shapes))
    if tree is None:
        return [], None
    return [tree], "leaf"


def unflatten(structure: Any, leaves: list[Any]) -> Any:
    """The tree of ``structure`` holding ``leaves`` (the inverse of :func:`flatten`)."""
    it = iter(leaves)

    def build(s: Any) -> Any:
        if s == "leaf":
            return next(it)
        if s is None:
            return None
        kind, parts = s
        if kind is dict:
            return {key: build(sub) for key, sub in parts}
        items = [build(sub) for sub in parts]
        if kind in (tuple, list):
            return kind(items)
        return kind(*items)  # a namedtuple
    return build(structure)


def describe(structure: Any) -> str:
    if structure == "leaf":
        return "*"
    if structure is None:
        return "None"
    kind, parts = structure
    if kind is dict:
        return "{" + ", ".join(f"{k!r}: {describe(s)}" for k, s in parts) + "}"
    inner = ", ".join(describe(s) for s in parts)
    return f"[{inner}]" if kind is list else f"({inner}{',' if len(parts) == 1 else ''})"


def _tensor_leaves(leaves: list[Any], what: str) -> list[Any]:
    """The leaves as tensor variables; random generators stay generators (a carry may be one)."""
    result: list[Any] = []
    for position, leaf in enumerate(leaves):
        if isinstance(leaf, Variable) and is_generator(leaf):
            result.append(leaf)
            continue
        try:
            result.append(as_tensor_variable(leaf))
        except TypeError as exc:
            raise TypeError(f"loop: leaf {position} of {what} is not a tensor: {exc}") from None
    return result


def loop(step: Callable[[Any, Any], Any], init: Any, xs: Any = None, n_steps: Any = None,
         reverse: bool = False, truncate_gradient: int = -1, name: str | None = None) -> tuple[Any, Any]:
    """Run ``carry, y = step(carry, x)`` over ``xs`` (or ``n_steps`` times); return ``(carry, ys)``.

    ``step`` may return a third value, a 0-d stop flag: the loop then ends
    after the first step where it is true.  ``reverse=True`` walks ``xs``
    from the end (``ys`` stays aligned with ``xs``, as in ``lax.scan``).
    """
    if not callable(step):
        raise TypeError(f"loop: step must be callable, got {type(step).__name__}")
    init_leaves, init_structure = flatten(init)
    init_leaves = _tensor_leaves(init_leaves, "init")
    x_leaves, x_structure = flatten(xs)
    x_leaves = _tensor_leaves(x_leaves, "xs")
    for position, leaf in enumerate(x_leaves):
        if leaf.ndim == 0:
            raise LoopTypeError(f"loop: leaf {position} of xs is 0-d; each needs a leading axis to "
                                "iterate over")
    if reverse:
        x_leaves = [leaf[::-1] for leaf in x_leaves]
    steps: TensorVariable | TensorConstant | None = None
    if n_steps is not None:
        steps = as_tensor_variable(n_steps)
        if steps.ndim != 0 or steps.type.numpy_dtype.kind not in "iu":
            raise TypeError(f"loop: n_steps must be a 0-d integer, got {steps.type}")
        steps = cast(steps, "int64")
    elif x_leaves:
        steps = shape_i(x_leaves[0], 0)
        lengths = {n for leaf in x_leaves if (n := leaf.type.shape[0]) is not None}
        if len(lengths) > 1:
            raise ValueError(f"loop: the leaves of xs have different lengths {sorted(lengths)}")

    first_new_generator = next_serial()  # shared generators made from here on are the step's
    with tracing_body() as depth:
        x_formals = [formal(depth, i, leaf.type.clone(shape=leaf.type.shape[1:]),
                            leaf.name and f"{leaf.name}[t]")
                     for i, leaf in enumerate(x_leaves)]
        carry_formals = [formal(depth, len(x_formals) + i, leaf.type, leaf.name and f"{leaf.name}[t-1]")
                         for i, leaf in enumerate(init_leaves)]
        returned = step(unflatten(init_structure, carry_formals), unflatten(x_structure, x_formals))
    if not isinstance(returned, (tuple, list)) or len(returned) not in (2, 3):
        raise ValueError("loop: step must return (carry, y) or (carry, y, stop), got "
                         f"{type(returned).__name__}")
    new_carry, y = returned[0], returned[1]
    stop = returned[2] if len(returned) == 3 else None
    new_leaves, new_structure = flatten(new_carry)
    if new_structure != init_structure:
        raise LoopTypeError(f"loop: step returned a carry of structure {describe(new_structure)}, "
                            f"but init has structure {describe(init_structure)}")
    new_leaves = _tensor_leaves(new_leaves, "the carry returned by step")
    y_leaves, y_structure = flatten(y)
    y_leaves = _tensor_leaves(y_leaves, "y")
    if steps is None:
        if stop is None:
            raise ValueError("loop: give xs or n_steps (or return a stop flag from step)")
        steps = as_tensor_variable(np.int64(UNBOUNDED))
    labels = [f"loop carry leaf {i}" + (f" ({v.name})" if v.name else "") for i, v in enumerate(init_leaves)]
    # the generators of the step's own draws (a draw without rng, RandomStream's) are carried too,
    # as scan carries them; there is no updates dict to return them in, so each one's default
    # update becomes its final value after the loop: a function then moves it on by the loop's draws
    own = step_generators([*new_leaves, *y_leaves, stop], {}, first_new_generator)
    own_formals = [formal(depth, len(x_formals) + len(carry_formals) + k, var.type,
                          f"{var.name or 'rng'}[t-1]") for k, var in enumerate(own)]
    own_updates = list(own.values())
    if own:
        stops = [stop] if isinstance(stop, Variable) else []
        read = substitute([*new_leaves, *y_leaves, *own_updates, *stops], dict(zip(own, own_formals)))
        new_leaves = read[:len(new_leaves)]
        y_leaves = read[len(new_leaves):len(new_leaves) + len(y_leaves)]
        own_updates = read[len(new_leaves) + len(y_leaves):len(new_leaves) + len(y_leaves) + len(own)]
        stop = read[-1] if stops else stop
        labels += [f"the generator {var.name or var} of the step's draws" for var in own]
    node = build_loop(depth, steps, x_leaves, x_formals, [*init_leaves, *own], [*carry_formals, *own_formals],
                      [*new_leaves, *own_updates], y_leaves, stop=stop, truncate_gradient=truncate_gradient,
                      name=name, carry_labels=labels)
    op = node.op
    finals = list(node.outputs[:op.n_carries])
    for var, final in zip(own, finals[len(init_leaves):]):
        var.default_update = final
    finals = finals[:len(init_leaves)]
    ys: list[Any] = list(node.outputs[op.n_carries:op.n_carries + op.n_ys])  # tensors
    if reverse:
        ys = [v[::-1] for v in ys]
    return unflatten(init_structure, finals), unflatten(y_structure, ys)
