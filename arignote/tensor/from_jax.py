"""A JAX function as an op (``arignote.wrap_jax`` makes them).

``JaxFunctionOp(fn, otypes)`` calls ``fn`` (jittable, taking and returning flat lists of
arrays) on its inputs' values.  On the JAX backend ``fn`` is traced into the program with the
rest of the graph; the ``py`` and C backends call it jitted, on the host, as a Python step.
Its derivative is JAX's: the pullback is another ``JaxFunctionOp``, of ``fn``'s
vector-Jacobian product (``jax.vjp``), so derivatives of any order exist.  JAX is imported
only when such an op exists (``wrap_jax`` loaded it, with 64-bit types on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arignote.graph.basic import Apply
from arignote.graph.op import Op
from arignote.tensor.alloc import zeros_like
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.type import TensorType

__all__ = ["JaxFunctionOp"]


class JaxFunctionOp(Op):
    """An op running the JAX function ``fn(*arrays) -> list of arrays`` (see the module
    docstring); ``otypes`` are the outputs' types (static shapes, found by ``jax.eval_shape``)."""

    def __init__(self, fn: Callable[..., Sequence[Any]], otypes: Sequence[TensorType], name: str) -> None:
        self.fn = fn
        self.otypes = tuple(otypes)
        self.name = name
        self._jitted: Callable[..., Any] | None = None

    def __eq__(self, other: object) -> bool:
        return type(other) is JaxFunctionOp and other.fn is self.fn and other.otypes == self.otypes

    def __hash__(self) -> int:
        return hash((JaxFunctionOp, self.fn, self.otypes))

    def __str__(self) -> str:
        return f"JaxFunctionOp{{{self.name}}}"

    def make_node(self, *inputs: Any) -> Apply:
        return Apply.build(self, [as_tensor_variable(v) for v in inputs], list(self.otypes))

    def perform(self, *values: Any) -> Any:
        if self._jitted is None:
            import jax  # loaded by wrap_jax, which made this op

            self._jitted = jax.jit(self.fn)
        results = self._jitted(*values)
        arrays = [np.asarray(r, dtype=t.numpy_dtype) for r, t in zip(results, self.otypes)]
        return arrays[0] if len(arrays) == 1 else arrays

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [t.shape for t in self.otypes]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """JAX's vector-Jacobian product of ``fn``, as an op of the inputs and cotangents;
        integer inputs have no derivative (disconnected)."""
        import jax
        import jax.numpy as jnp

        n_in = len(inputs)
        floating = [k for k, v in enumerate(inputs) if v.type.dtype.startswith(("float", "complex"))]
        if not floating:
            return [None] * n_in
        fn = self.fn

        def vjp(*args: Any) -> list[Any]:
            values, cts = list(args[:n_in]), list(args[n_in:])

            def of_floating(*xs: Any) -> Any:
                full = list(values)
                for k, x in zip(floating, xs):
                    full[k] = x
                return list(fn(*full))
            _, pull = jax.vjp(of_floating, *[values[k] for k in floating])
            # a disconnected output's cotangent may be absent: zeros then
            return list(pull([jnp.asarray(c) for c in cts]))

        # every output's cotangent is given (zeros where the cost does not reach it)
        cts = [ct if ct is not None else zeros_like(out) for ct, out in zip(cotangents, outputs)]
        grad_op = JaxFunctionOp(vjp, [inputs[k].type for k in floating], f"vjp of {self.name}")
        grads = grad_op(*inputs, *cts)
        grads = [grads] if len(floating) == 1 else list(grads)
        found: list[Any] = [None] * n_in
        for k, g in zip(floating, grads):
            found[k] = g
        return found
