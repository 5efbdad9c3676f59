"""PyTensor's ``pytensor.compile.debugmode`` path (:mod:`arignote.compile.debug_modes`)."""

from arignote.compile.debug_modes import (
                                          BadDestroyMap,
                                          BadOptimization,
                                          BadThunkOutput,
                                          DebugMode,
                                          DebugModeError,
                                          InvalidValueError,
)

__all__ = ["BadDestroyMap", "BadOptimization", "BadThunkOutput", "DebugMode", "DebugModeError",
           "InvalidValueError"]
