"""PyTensor's ``pytensor.compile.nanguardmode`` path (:mod:`arignote.compile.debug_modes`)."""

from arignote.compile.debug_modes import NanGuardError, NanGuardMode

__all__ = ["NanGuardError", "NanGuardMode"]
