"""Ops written to PyTensor's ``Op`` protocol (``perform(node, inputs, output_storage)``), and
Python functions wrapped as ops (``wrap_py``), on the JAX backend: they run on the host
through ``jax.pure_callback``.

This is how a PyMC "black-box likelihood" (an op wrapping external code) runs inside a
jitted function.  JAX must know the output shapes while tracing: they come from the outputs'
static types, or from the op's ``infer_shape`` evaluated on the inputs' (concrete) shapes; an
op giving neither is refused by name.  The callback is opaque to XLA: no fusion across it,
and ``jax.grad`` of ``f.jax_fn`` does not go through it (arignote's own derivatives do, built
from the op's ``grad``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from arignote.backend.jax.registry import Entry, LoweringContext, jax_impl
from arignote.graph.basic import Apply
from arignote.tensor.from_function import FromFunctionOp

__all__ = ["callback_entry"]


def _output_shapes(op: Any, node: Apply, values: tuple[Any, ...]) -> list[tuple[int, ...]]:
    static = [o.type.shape for o in node.outputs]
    if all(None not in s for s in static):
        return [tuple(int(d) for d in s) for s in static]
    given = [tuple(int(d) for d in np.shape(v)) for v in values]
    infer = getattr(type(op), "_pytensor_infer_shape", None)
    shapes: Any = None
    if infer is not None:
        shapes = infer(op, None, node, given)
    elif isinstance(op, FromFunctionOp) and op.shape_function is not None:
        shapes = op.shape_function(node, given)
    if shapes is not None:
        try:
            return [tuple(int(d) for d in s) for s in shapes]
        except TypeError:
            pass  # symbolic lengths: not known while tracing
    raise ValueError(f"{op}: the JAX backend runs this op's perform as a callback and needs its "
                     f"output shapes while tracing; give the outputs static shapes or define "
                     f"infer_shape(fgraph, node, input_shapes) returning ints")


def _lower(op: Any, node: Apply, ctx: LoweringContext) -> Callable[..., Any]:
    impl = op.py_impl(node)
    dtypes = [o.type.numpy_dtype for o in node.outputs]
    single = len(node.outputs) == 1

    def host(*values: Any) -> Any:
        result = impl(*[np.asarray(v) for v in values])
        results = (result,) if single else tuple(result)
        return tuple(np.asarray(r, dtype=d) for r, d in zip(results, dtypes))

    def run(*values: Any) -> Any:
        shapes = _output_shapes(op, node, values)
        spec = tuple(jax.ShapeDtypeStruct(s, d) for s, d in zip(shapes, dtypes))
        out = jax.pure_callback(host, spec, *values, vmap_method="sequential")
        return out[0] if single else tuple(out)
    return run


#: the entry of every op written to PyTensor's protocol (the registry's default for them)
callback_entry = Entry(_lower)
# a wrapped Python function (wrap_py) runs the same way
jax_impl.register(FromFunctionOp)(_lower)
