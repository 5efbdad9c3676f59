"""PyTensor's ``pytensor.compile.ops`` path: ``wrap_py`` (a Python function as an op,
:mod:`arignote.tensor.from_function`) and ``as_op``, its older, deprecated name."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from arignote.tensor.from_function import FromFunctionOp, wrap_py

__all__ = ["FromFunctionOp", "as_op", "wrap_py"]


def as_op(itypes: Any, otypes: Any, infer_shape: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """PyTensor's older name of :func:`wrap_py` (deprecated there, with this warning)."""
    warnings.warn("as_op is deprecated (as in PyTensor); use wrap_py", FutureWarning, stacklevel=2)
    return wrap_py(itypes, otypes, infer_shape)
