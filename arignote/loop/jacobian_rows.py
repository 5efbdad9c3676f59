"""Jacobian rows by a loop: ``jacobian(vectorize=False)`` of an expression whose size is known
only at run time (installed as ``arignote.graph.hooks.jacobian_rows``).

Autodiff sits below the loop layer, so it reaches this through the hook: a loop over the
entries of the flattened expression, each step the gradient of one entry, as PyTensor
builds these rows with scan.
"""

from __future__ import annotations

from typing import Any

from arignote.autodiff.grad import grad
from arignote.graph import hooks
from arignote.graph.basic import Variable
from arignote.loop.scan import scan
from arignote.tensor.alloc import arange
from arignote.tensor.shape import shape_tuple, specify_shape
from arignote.tensor.variable import TensorVariable

__all__ = ["jacobian_rows"]


def jacobian_rows(flat: TensorVariable, wrt: list[Variable], grad_kwargs: dict[str, Any]) -> list[Variable]:
    """For each of ``wrt``, the gradients of ``flat[i]`` stacked along a first axis of
    length ``flat.shape[0]``."""
    def row(i: TensorVariable) -> list[Variable]:
        # each row has its variable's shape, said so that a loop of zero steps knows it too
        return [specify_shape(g, shape_tuple(w)) for g, w in zip(grad(flat[i], wrt, **grad_kwargs), wrt)]

    rows = scan(row, sequences=arange(flat.shape[0]), return_list=True, return_updates=False)
    return list(rows)


hooks.jacobian_rows.install(jacobian_rows)
