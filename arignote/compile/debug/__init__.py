"""PyTensor's ``pytensor.compile.debug`` paths: ``debugmode`` (``DebugMode``, its errors and
``str_diagnostic``) and ``monitormode`` (``MonitorMode``)."""

from arignote.compile.debug.debugmode import DebugMode, str_diagnostic
from arignote.compile.debug.monitormode import MonitorMode

__all__ = ["DebugMode", "MonitorMode", "str_diagnostic"]
