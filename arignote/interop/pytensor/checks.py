"""Converters of PyTensor's run-time checks: ``CheckAndRaise`` and ``Assert``
(``pytensor.raise_op``), and every subclass of them, such as PyMC's ``CheckParameterValue``.

A check converts to arignote's ``CheckAndRaise`` with the op's own ``exc_type`` and ``msg``:
the compiled function raises the same exception class with the same message (PyMC's
``ParameterValueError``, a ``ValueError``, for its parameter checks) without this module
importing PyMC, since subclasses of ``CheckAndRaise`` find this converter through their base.
PyTensor's conditions are scalars, 0-d tensors in arignote.
"""

from __future__ import annotations

from typing import Any

from pytensor.raise_op import CheckAndRaise as PtCheckAndRaise

from arignote.interop.pytensor.convert import converters
from arignote.tensor.check_and_raise import CheckAndRaise

__all__: list[str] = []


@converters.register(PtCheckAndRaise)
def _check_and_raise(op: Any, node: Any, value: Any, *conds: Any) -> Any:
    return CheckAndRaise(op.exc_type, op.msg)(value, *conds)
