"""``wrap_jax``: a JAX function called on arignote variables (PyTensor's ``pytensor.wrap_jax``).

``@wrap_jax`` turns a jittable ``fn`` taking and returning pytrees of arrays into a function
of variables: the variables among the arguments' leaves become the inputs of a
:class:`~arignote.tensor.from_jax.JaxFunctionOp`, the other leaves (numbers, arrays, static
configuration) are fixed into it, and the outputs come back in ``fn``'s output structure.
The outputs' types come from ``jax.eval_shape``, so the inputs need static shapes
(``at.specify_shape``, or variables made with ``shape=``); with ``allow_eval`` a symbolic shape
is evaluated when it does not depend on an input.  Derivatives are JAX's (``jax.vjp``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from arignote.backend.jax.runtime import load_jax
from arignote.graph.basic import Variable
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.from_jax import JaxFunctionOp
from arignote.tensor.shape import specify_shape
from arignote.tensor.type import TensorType

__all__ = ["wrap_jax"]


def wrap_jax(jax_function: Callable[..., Any] | None = None, *, allow_eval: bool = True) -> Any:
    """``jax_function`` as a function of arignote variables (a decorator, with or without
    arguments); see the module docstring."""
    if jax_function is None:
        return functools.partial(wrap_jax, allow_eval=allow_eval)
    jax = load_jax()
    name = getattr(jax_function, "__name__", "jax_function")

    @functools.wraps(jax_function)
    def on_variables(*args: Any, **kwargs: Any) -> Any:
        leaves, tree = jax.tree_util.tree_flatten((args, kwargs))
        where = [k for k, leaf in enumerate(leaves) if isinstance(leaf, Variable)]
        variables = [_static(as_tensor_variable(leaves[k]), allow_eval, name) for k in where]

        def call(*values: Any) -> Any:
            filled = list(leaves)
            for k, value in zip(where, values):
                filled[k] = value
            call_args, call_kwargs = jax.tree_util.tree_unflatten(tree, filled)
            return jax_function(*call_args, **call_kwargs)

        def flat(*values: Any) -> list[Any]:
            return list(jax.tree_util.tree_leaves(call(*values)))

        specs = [jax.ShapeDtypeStruct(v.type.shape, v.type.numpy_dtype) for v in variables]
        shapes, out_tree = jax.tree_util.tree_flatten(jax.eval_shape(call, *specs))
        otypes = [TensorType(np.dtype(s.dtype).name, tuple(int(d) for d in s.shape)) for s in shapes]
        if not otypes:
            raise ValueError(f"wrap_jax({name}): the function returned no array")
        op = JaxFunctionOp(flat, otypes, name)
        outputs = op(*variables)
        outputs = [outputs] if len(otypes) == 1 else list(outputs)
        return jax.tree_util.tree_unflatten(out_tree, outputs)

    return on_variables


def _static(var: Variable, allow_eval: bool, name: str) -> Variable:
    """``var`` with a static shape: its own, or (``allow_eval``) its symbolic shape evaluated
    when that needs no input value."""
    if None not in var.type.shape:
        return var
    if allow_eval:
        try:
            dims = [int(d) for d in var.shape.eval()]
        except Exception:
            dims = None
        if dims is not None:
            return specify_shape(var, dims)
    raise ValueError(f"wrap_jax({name}): input {var} has shape {var.type.shape}; JAX needs every "
                     "input's shape to find the outputs'. Give it with at.specify_shape(x, shape) "
                     "or make the variable with shape=")
