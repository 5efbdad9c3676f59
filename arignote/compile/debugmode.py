"""PyTensor's older ``pytensor.compile.debugmode`` path: the same names as
:mod:`arignote.compile.debug.debugmode` (``DebugMode``, its errors, ``str_diagnostic``)."""

from arignote.compile.debug import debugmode as _debugmode
from arignote.compile.debug.debugmode import *  # noqa: F403

__all__ = list(_debugmode.__all__)
