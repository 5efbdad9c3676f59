"""How the backends run `Print` (registered from here, not from arignote/backend/).

The op lives with the other printing tools, in the top layer, where users look for it
(``printing.Print``); the backends sit below that layer and cannot import it, so this
module, imported by ``arignote.printing``, adds it to their registries.

- C: a Python step (printing is a Python call; there is nothing to compile);
- JAX: ``jax.debug.callback`` calls the op's printing function with the value as a NumPy
  array from inside the compiled function, so the text is the py and C backends' text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.backend.jax.registry import LoweringContext as JaxContext
from arignote.backend.jax.registry import jax_impl
from arignote.graph.basic import Apply
from arignote.printing.print_op import Print


@c_lowering(Print)
def print_in_python(node: Apply, context: LoweringContext) -> StepPlan:
    """The op's own ``perform`` (it prints), as a Python step of the program."""
    return python_step(node)


@jax_impl.register(Print)
def print_from_jax(op: Print, node: Apply, ctx: JaxContext) -> Callable[..., Any]:
    # imported here: JAX is optional, and this module is imported with arignote.printing
    import jax

    def run(x: Any) -> Any:
        # ordered: several prints come out in the order the graph computes them
        jax.debug.callback(lambda value: op.global_fn(op, np.asarray(value)), x, ordered=True)
        return x
    return run
