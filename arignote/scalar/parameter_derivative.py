"""Scalar ops for the derivative of a special function with respect to a parameter, computed
by a NumPy routine (a series or continued fraction run to convergence).

The three families (``gammainc``'s in ``k``, ``betainc``'s in ``a``/``b``, ``hyp2f1``'s in
``a``/``b``/``c``) differ only in that routine: each op takes the function's arguments,
computes in float64 and returns the dtype SciPy gives the function itself on those inputs
(float32 stays float32).  The ops have no derivative of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.scalar.basic import ScalarOp

__all__ = ["parameter_derivative_op"]


def parameter_derivative_op(name: str, doc: str, function: Callable[..., Any],
                            derivative: Callable[..., Any], nin: int, module: str) -> type:
    """A ScalarOp class ``name`` (defined in ``module``) computing ``derivative(*args)`` with
    the dtype SciPy's ``function`` has on arguments of the same dtypes."""
    def compute(*args: Any) -> np.ndarray:
        dtype = np.asarray(function(*(np.ones(1, np.asarray(v).dtype) for v in args))).dtype
        return np.asarray(derivative(*args)).astype(dtype, copy=False)

    namespace = {"nin": nin, "float_result": True, "nfunc": staticmethod(compute), "__doc__": doc,
                 "__module__": module, "__qualname__": name}
    return dataclass(frozen=True)(type(name, (ScalarOp,), namespace))
